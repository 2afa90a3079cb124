//! The delivery of a case's result (送达) over JSON: read it — the applicant, staff of the
//! handling department, province administrators and auditors; others are answered "not found"
//! — and, for the applicant, change the method or the mail address until the result is
//! released. Who may do what is decided by `App::delivery_for_case_as` and
//! `App::choose_delivery_as`.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zerotrip_app::delivery::{DeliveryEventView, DeliveryMethod, DeliveryView, MailAddress};
use zerotrip_app::{AppError, FieldError};

use super::extract::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::security::ApiPrincipal;
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route(
        "/v1/cases/{id}/delivery",
        get(delivery).put(choose_delivery),
    )
}

/// A delivery; the recipient's name and phone are masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryBody {
    pub id: i64,
    pub case_id: i64,
    /// `electronic` (电子送达), `pickup` (窗口领取) or `mail` (邮寄送达).
    pub method: String,
    pub method_label: String,
    /// `created`, `picked_up`, `in_transit`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    pub status_label: String,
    /// e.g. `张*`.
    pub recipient_name: Option<String>,
    /// e.g. `138****5678`.
    pub recipient_phone: Option<String>,
    /// The full address, e.g. `海南省海口市龙华区滨海大道 100 号`.
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// The courier's name, e.g. `中国邮政 EMS`.
    pub courier: Option<String>,
    /// The waybill number (运单号), once the courier booked the shipment.
    pub tracking_number: Option<String>,
    /// When the result was released (办结); the choice cannot change afterwards.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ready_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub dispatched_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The last problem booking or tracking the shipment.
    pub last_error: Option<String>,
    /// Oldest first: the platform's steps and the courier's tracking events.
    pub events: Vec<DeliveryEventBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeliveryEventBody {
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    pub status: String,
    pub status_label: String,
    pub description: String,
    pub location: Option<String>,
    /// `platform` or `courier`.
    pub source: String,
}

impl From<&DeliveryEventView> for DeliveryEventBody {
    fn from(event: &DeliveryEventView) -> Self {
        DeliveryEventBody {
            at: event.at,
            status: event.status.as_str().to_owned(),
            status_label: event.status_label.to_owned(),
            description: event.description.clone(),
            location: event.location.clone(),
            source: event.source.clone(),
        }
    }
}

impl From<DeliveryView> for DeliveryBody {
    fn from(view: DeliveryView) -> Self {
        DeliveryBody {
            id: view.id,
            case_id: view.case_id,
            method: view.method.as_str().to_owned(),
            method_label: view.method_label.to_owned(),
            status: view.status.as_str().to_owned(),
            status_label: view.status_label.to_owned(),
            recipient_name: view.recipient_name,
            recipient_phone: view.recipient_phone,
            address: view.address,
            postal_code: view.postal_code,
            courier: view.courier,
            tracking_number: view.tracking_number,
            ready_at: view.ready_at,
            dispatched_at: view.dispatched_at,
            delivered_at: view.delivered_at,
            last_error: view.last_error,
            events: view.events.iter().map(DeliveryEventBody::from).collect(),
        }
    }
}

/// The applicant's choice (`PUT /api/v1/cases/{id}/delivery`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryRequest {
    /// `electronic`, `pickup` or `mail`.
    #[serde(default)]
    pub method: String,
    /// Required for `mail`, ignored otherwise.
    #[serde(default)]
    pub address: Option<AddressRequest>,
}

/// Where to mail the result (within Hainan).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// 收件人姓名, up to 30 characters.
    #[serde(default)]
    pub recipient_name: String,
    /// 11-digit mobile number.
    #[serde(default)]
    pub phone: String,
    /// A county-level division of Hainan or a township in it, e.g. `460106`.
    #[serde(default)]
    pub region_code: String,
    /// Street, building, room (4–120 characters).
    #[serde(default)]
    pub detail: String,
    /// Six digits.
    #[serde(default)]
    pub postal_code: Option<String>,
}

fn parse_id(text: &str) -> ApiResult<i64> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError(AppError::field("id", format!("办件 id“{text}”无效"))))
}

/// The app names the address's fields bare; the request nests them under `address`.
fn nested(error: AppError) -> AppError {
    match error {
        AppError::Invalid { message, fields } => AppError::Invalid {
            message,
            fields: fields
                .into_iter()
                .map(|f| match f.field.as_str() {
                    "address" | "method" => f,
                    other => FieldError::new(format!("address.{other}"), f.message),
                })
                .collect(),
        },
        other => other,
    }
}

/// How the case's result reaches the applicant: method, address (masked), waybill and tracking.
#[utoipa::path(get, path = "/api/v1/cases/{id}/delivery", tag = "办件",
    params(("id" = i64, Path, description = "办件 id")),
    responses((status = 200, description = "送达情况", body = DeliveryBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在、无权查看，或尚未选择送达方式", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delivery(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryBody>> {
    let id = parse_id(&id)?;
    let view = state
        .app
        .delivery_for_case_as(&principal, id)
        .await?
        .ok_or_else(|| AppError::not_found("该办件尚未选择结果送达方式"))?;
    Ok(Json(view.into()))
}

/// The applicant chooses or changes how the result reaches them, until it is released (办结).
#[utoipa::path(put, path = "/api/v1/cases/{id}/delivery", tag = "办件",
    params(("id" = i64, Path, description = "办件 id")),
    request_body = DeliveryRequest,
    responses((status = 200, description = "更改后的送达情况", body = DeliveryBody),
        (status = 400, description = "送达方式或地址有误（字段名为 `method`、`address`、`address.<字段>`）", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或不是本人的办件", body = crate::error::ErrorBody),
        (status = 409, description = "办理结果已开始送达，不能再更改", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn choose_delivery(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DeliveryRequest>,
) -> ApiResult<Json<DeliveryBody>> {
    let id = parse_id(&id)?;
    let method = DeliveryMethod::parse(request.method.trim()).ok_or_else(|| {
        AppError::field(
            "method",
            "送达方式应为 electronic（电子送达）、pickup（窗口领取）或 mail（邮寄送达）",
        )
    })?;
    let address = request
        .address
        .filter(|_| method == DeliveryMethod::Mail)
        .map(|a| MailAddress {
            recipient_name: a.recipient_name,
            phone: a.phone,
            region_code: a.region_code,
            detail: a.detail,
            postal_code: a.postal_code,
        });
    let view = state
        .app
        .choose_delivery_as(&principal, id, method, address.as_ref())
        .await
        .map_err(nested)?;
    Ok(Json(view.into()))
}
