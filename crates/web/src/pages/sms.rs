//! SMS observability for operators (province administrators and auditors): `/admin/sms` lists
//! the persisted text messages newest first — status, segments (70 characters make one; longer
//! texts 67 per segment), attempts, the provider's id and delivery report — with counts of
//! messages and segments per status under the same filter, and `/admin/sms/{id}` shows one
//! message with every hand-over to the provider. Numbers come masked and one-time codes hidden
//! from the app layer (`App::sms_messages`, `App::sms_summary`, `App::sms_message`), which also
//! decides who may look.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Duration;
use zerotrip_app::notify::{SmsFilter, SmsMessageView, SmsStatus};
use zerotrip_app::{AppError, FieldError};

use super::account::FieldErrors;
use super::context::{Layout, PageCtx, PageQuery, SelectOption, china_time, render};
use super::payments::{china_today, parse_date};
use crate::error::PageResult;
use crate::security::StaffPage;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/sms", get(list))
        .route("/admin/sms/{id}", get(detail))
        .layer(axum::middleware::map_response(super::workbench::no_store))
}

const PER_PAGE: i64 = 50;

fn status_class(status: SmsStatus) -> &'static str {
    match status {
        SmsStatus::Queued | SmsStatus::Sent => "state-active",
        SmsStatus::Delivered => "state-done",
        SmsStatus::Failed => "state-action",
    }
}

fn status_label(status: &str) -> &'static str {
    SmsStatus::parse(status).map_or("未知", SmsStatus::label)
}

#[derive(Debug, Clone)]
struct SmsRow {
    id: i64,
    phone: String,
    text: String,
    purpose: String,
    segments: i64,
    status_label: &'static str,
    status_class: &'static str,
    case_id: Option<i64>,
    attempts: String,
    next_attempt: String,
    last_error: Option<String>,
    provider: String,
    provider_message_id: String,
    delivery_report: String,
    created: String,
    sent: String,
    delivered: String,
    failed: String,
}

impl SmsRow {
    fn of(view: &SmsMessageView) -> Self {
        SmsRow {
            id: view.id,
            phone: view.phone.clone(),
            text: view.text.clone(),
            purpose: view.purpose.clone(),
            segments: view.segments,
            status_label: view.status_label,
            status_class: status_class(view.status),
            case_id: view.case_id,
            attempts: format!("{} / {}", view.attempts, view.max_attempts),
            next_attempt: view.next_attempt_at.map(china_time).unwrap_or_default(),
            last_error: view.last_error.clone(),
            provider: view.provider.clone().unwrap_or_default(),
            provider_message_id: view.provider_message_id.clone().unwrap_or_default(),
            delivery_report: view.delivery_report.clone().unwrap_or_default(),
            created: china_time(view.created_at),
            sent: view.sent_at.map(china_time).unwrap_or_default(),
            delivered: view.delivered_at.map(china_time).unwrap_or_default(),
            failed: view.failed_at.map(china_time).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
struct SummaryRow {
    label: &'static str,
    messages: i64,
    segments: i64,
}

#[derive(Template)]
#[template(path = "sms/list.html")]
struct SmsListPage {
    layout: Layout,
    statuses: Vec<SelectOption>,
    phone: String,
    purpose: String,
    case: String,
    from: String,
    to: String,
    errors: FieldErrors,
    summary: Vec<SummaryRow>,
    total_messages: i64,
    total_segments: i64,
    rows: Vec<SmsRow>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
}

/// The query string of the list with another page number.
fn page_href(query: &PageQuery, page: i64) -> String {
    let mut pairs: Vec<(String, String)> = query
        .0
        .iter()
        .filter(|(key, value)| key != "page" && !value.trim().is_empty())
        .cloned()
        .collect();
    if page > 1 {
        pairs.push(("page".to_owned(), page.to_string()));
    }
    match serde_urlencoded::to_string(&pairs) {
        Ok(text) if !text.is_empty() => format!("/admin/sms?{text}"),
        _ => "/admin/sms".to_owned(),
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    query: PageQuery,
) -> PageResult<Response> {
    let mut errors: Vec<FieldError> = Vec::new();
    let page = i64::from(query.page(&mut errors));
    let status = query.value("status");
    let case_id = match query.text("case") {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                errors.push(FieldError::new("case", "办件 id 应为正整数"));
                None
            }
        },
    };
    let today = china_today(&state.app);
    let since = query
        .text("from")
        .map(|_| parse_date(query.text("from"), "from", today, &mut errors));
    let until = query
        .text("to")
        .map(|_| parse_date(query.text("to"), "to", today, &mut errors));
    let china_midnight = |date: chrono::NaiveDate| {
        date.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8)
    };
    let filter = SmsFilter {
        status: query.text("status"),
        phone: query.text("phone"),
        purpose: query.text("purpose"),
        case_id,
        since: since.map(china_midnight),
        until: until.map(|date| china_midnight(date + Duration::days(1))),
    };
    let mut summary = Vec::new();
    let mut rows = Vec::new();
    let mut more = false;
    let mut status_code = StatusCode::OK;
    if errors.is_empty() {
        let found = async {
            let counts = state.app.sms_summary(&principal, &filter).await?;
            let messages = state
                .app
                .sms_messages(&principal, &filter, PER_PAGE + 1, (page - 1) * PER_PAGE)
                .await?;
            Ok::<_, AppError>((counts, messages))
        }
        .await;
        match found {
            Ok((counts, messages)) => {
                summary = ["queued", "sent", "delivered", "failed"]
                    .iter()
                    .map(|status| {
                        let found = counts.iter().find(|c| c.status == *status);
                        SummaryRow {
                            label: status_label(status),
                            messages: found.map_or(0, |c| c.messages),
                            segments: found.map_or(0, |c| c.segments),
                        }
                    })
                    .collect();
                more = messages.len() as i64 > PER_PAGE;
                rows = messages
                    .iter()
                    .take(PER_PAGE as usize)
                    .map(SmsRow::of)
                    .collect();
            }
            Err(error @ AppError::Invalid { .. }) => {
                errors.extend(FieldErrors::of(&error).0);
                status_code = StatusCode::BAD_REQUEST;
            }
            Err(other) => return Err(other.into()),
        }
    } else {
        status_code = StatusCode::BAD_REQUEST;
    }
    let mut statuses = vec![SelectOption::new("", "全部状态", &status)];
    statuses.extend(
        [
            SmsStatus::Queued,
            SmsStatus::Sent,
            SmsStatus::Delivered,
            SmsStatus::Failed,
        ]
        .iter()
        .map(|s| SelectOption::new(s.as_str(), s.label(), &status)),
    );
    let page_view = SmsListPage {
        layout: ctx.staff_layout("短信发送记录", "sms", &principal),
        statuses,
        phone: query.value("phone"),
        purpose: query.value("purpose"),
        case: query.value("case"),
        from: query.value("from"),
        to: query.value("to"),
        errors: FieldErrors(errors),
        total_messages: summary.iter().map(|s| s.messages).sum(),
        total_segments: summary.iter().map(|s| s.segments).sum(),
        summary,
        rows,
        prev: (page > 1).then(|| page_href(&query, page - 1)),
        next: more.then(|| page_href(&query, page + 1)),
        page,
    };
    Ok(render(status_code, &page_view))
}

#[derive(Debug, Clone)]
struct AttemptRow {
    attempt: i64,
    at: String,
    outcome: &'static str,
    error: String,
    provider_message_id: String,
}

#[derive(Template)]
#[template(path = "sms/detail.html")]
struct SmsDetailPage {
    layout: Layout,
    sms: SmsRow,
    attempts: Vec<AttemptRow>,
}

async fn detail(
    State(state): State<AppState>,
    ctx: PageCtx,
    StaffPage(principal): StaffPage,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let found = state.app.sms_message(&principal, id).await?;
    let page = SmsDetailPage {
        layout: ctx.staff_layout(format!("短信 {id}"), "sms", &principal),
        sms: SmsRow::of(&found.message),
        attempts: found
            .attempts
            .iter()
            .map(|a| AttemptRow {
                attempt: a.attempt,
                at: china_time(a.at),
                outcome: match a.outcome.as_str() {
                    "accepted" => "网关已接收",
                    "transient_error" => "暂时失败（将重试）",
                    "permanent_error" => "被拒绝（不再重试）",
                    _ => "未知",
                },
                error: a.error.clone().unwrap_or_default(),
                provider_message_id: a.provider_message_id.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}
