//! Regions and the working-day calendar.

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde_json::{Value, json};
use zerotrip_app::regions::RegionDetail;
use zerotrip_app::{AppError, FieldError};

use super::extract::RawQuery;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Every division of the province down to townships.
#[utoipa::path(get, path = "/api/v1/regions", tag = "区划", responses((status = 200, description = "`{total, regions}`", body = Object)))]
pub async fn regions(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let regions = state.app.regions_list().await?;
    Ok(Json(json!({"total": regions.len(), "regions": regions})))
}

/// One division with its ancestors and children (villages below a township).
#[utoipa::path(
    get, path = "/api/v1/regions/{code}", tag = "区划",
    params(("code" = String, Path, description = "6、9 或 12 位行政区划代码")),
    responses(
        (status = 200, description = "区划及其上级、下级", body = Object),
        (status = 400, description = "代码格式有误", body = crate::error::ErrorBody),
        (status = 404, description = "区划不存在", body = crate::error::ErrorBody),
    )
)]
pub async fn region(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<RegionDetail>> {
    Ok(Json(state.app.region(&code).await?))
}

fn date_param(query: &RawQuery, name: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    match query.text(name) {
        None => {
            errors.push(FieldError::new(name, "缺少日期参数（YYYY-MM-DD）"));
            None
        }
        Some(text) => match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                errors.push(FieldError::new(
                    name,
                    format!("日期“{text}”无效，应为 YYYY-MM-DD"),
                ));
                None
            }
        },
    }
}

/// `from` plus N working days on the official holiday calendar (the first day is not counted).
#[utoipa::path(
    get, path = "/api/v1/calendar/add-working-days", tag = "工作日",
    params(
        ("from" = String, Query, description = "起算日期 YYYY-MM-DD"),
        ("days" = u32, Query, description = "工作日数，0–3650"),
    ),
    responses(
        (status = 200, description = "`{\"date\": \"YYYY-MM-DD\", \"covered\": bool}`", body = Object),
        (status = 400, description = "参数有误", body = crate::error::ErrorBody),
    )
)]
pub async fn add_working_days(
    State(state): State<AppState>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let from = date_param(&query, "from", &mut errors);
    let days: Option<u32> = query.number("days", &mut errors);
    if query.text("days").is_none() {
        errors.push(FieldError::new("days", "缺少工作日数 days"));
    }
    let (Some(from), Some(days), true) = (from, days, errors.is_empty()) else {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    };
    let date = state.app.add_working_days(from, days)?;
    let calendar = state.app.calendar();
    Ok(Json(json!({
        "date": date.format("%Y-%m-%d").to_string(),
        "from": from.format("%Y-%m-%d").to_string(),
        "days": days,
        // False when the period runs into a year without a published holiday notice.
        "covered": calendar.covers(from) && calendar.covers(date),
    })))
}

/// Working days in (from, to].
#[utoipa::path(
    get, path = "/api/v1/calendar/working-days-between", tag = "工作日",
    params(("from" = String, Query, description = "YYYY-MM-DD"), ("to" = String, Query, description = "YYYY-MM-DD")),
    responses((status = 200, description = "`{\"working_days\": N}`", body = Object), (status = 400, description = "参数有误", body = crate::error::ErrorBody))
)]
pub async fn working_days_between(
    State(state): State<AppState>,
    query: RawQuery,
) -> ApiResult<Json<Value>> {
    let mut errors = Vec::new();
    let from = date_param(&query, "from", &mut errors);
    let to = date_param(&query, "to", &mut errors);
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    };
    if (to - from).num_days().abs() > 36_500 {
        return Err(ApiError(AppError::field("to", "日期跨度不能超过 100 年")));
    }
    Ok(Json(
        json!({"working_days": state.app.calendar().working_days_between(from, to)}),
    ))
}

/// What kind of day a date is.
#[utoipa::path(
    get, path = "/api/v1/calendar/days/{date}", tag = "工作日",
    params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, description = "`{date, working_day, kind}`", body = Object), (status = 400, description = "日期无效", body = crate::error::ErrorBody))
)]
pub async fn day(
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> ApiResult<Json<Value>> {
    let parsed = NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| {
        ApiError(AppError::field(
            "date",
            format!("日期“{date}”无效，应为 YYYY-MM-DD"),
        ))
    })?;
    let calendar = state.app.calendar();
    let kind = calendar.day_kind(parsed);
    Ok(Json(json!({
        "date": date,
        "working_day": kind.is_working_day(),
        "label": kind.label(),
        "kind": kind,
        "covered": calendar.covers(parsed),
    })))
}
