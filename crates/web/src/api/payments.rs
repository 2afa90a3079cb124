//! Fees over JSON: a case's orders, starting a payment (the applicant), a refund and the
//! reconciliation (staff), and the payment gateway's result notification (支付结果通知), which is
//! authenticated by its HMAC-SM3 signature rather than by a session. Authorisation is the app
//! layer's: a citizen sees and pays only orders of their own cases, staff only those of cases
//! their department handles, refunds need the approver or department-administrator role there.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use zerotrip_app::payments::{
    CallbackOutcome, PaymentOrder, PaymentStatus, Reconciliation, Refund, SIGNATURE_HEADER,
};
use zerotrip_app::{AppError, FieldError};

use super::extract::{ApiJson, RawQuery};
use crate::error::{ApiError, ApiResult};
use crate::pages::payments::{china_today, order_by_no, parse_date, provider};
use crate::security::ApiPrincipal;
use crate::state::AppState;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/v1/cases/{id}/payments", get(case_payments).post(charge))
        .route("/v1/payments/notify", post(notify))
        .route("/v1/payments/reconciliation", get(reconciliation))
        .route("/v1/payments/{order_no}", get(order))
        .route("/v1/payments/{order_no}/pay", post(pay))
        .route("/v1/payments/{order_no}/refund", post(refund))
}

/// An order with its refunds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderBody {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub order: PaymentOrder,
    /// The order is open and not expired: the applicant can pay it now.
    pub payable: bool,
    #[schema(value_type = Vec<Object>)]
    pub refunds: Vec<Refund>,
}

fn order_body(order: PaymentOrder, refunds: Vec<Refund>, state: &AppState) -> OrderBody {
    OrderBody {
        payable: order.status == PaymentStatus::Created && order.expires_at > state.app.clock.now(),
        order,
        refunds,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CasePaymentsBody {
    pub case_id: i64,
    /// What can be paid now, in 分.
    pub outstanding_fen: i64,
    pub orders: Vec<OrderBody>,
}

/// The case's orders with their refunds: for the applicant, staff of the handling department,
/// province administrators and auditors; "not found" for anyone else.
#[utoipa::path(get, path = "/api/v1/cases/{id}/payments", tag = "缴费",
    params(("id" = i64, Path, description = "办件 id")),
    responses((status = 200, description = "订单（含退款），`outstanding_fen` 为现在可缴的金额（分）", body = CasePaymentsBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn case_payments(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
) -> ApiResult<Json<CasePaymentsBody>> {
    let orders = state.app.payment_orders_for(&principal, id).await?;
    let mut bodies = Vec::with_capacity(orders.len());
    for order in orders {
        let (order, refunds) = state.app.payment_order(&principal, order.id).await?;
        bodies.push(order_body(order, refunds, &state));
    }
    Ok(Json(CasePaymentsBody {
        case_id: id,
        outstanding_fen: bodies
            .iter()
            .filter(|b| b.payable)
            .map(|b| b.order.amount_fen)
            .sum(),
        orders: bodies,
    }))
}

/// 核定收费: what staff charge for a case.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChargeRequest {
    /// Amount in 分 (1 元 = 100 分).
    pub amount_fen: i64,
    /// What the fee is for, e.g. 证件工本费.
    pub description: String,
}

/// 核定收费: the window, an approver or a department administrator of the handling department
/// charges a fee the guide does not fix (a charged item's one standard fee is charged on 受理
/// by itself). The applicant is notified and pays as for any order.
#[utoipa::path(post, path = "/api/v1/cases/{id}/payments", tag = "缴费",
    params(("id" = i64, Path, description = "办件 id")),
    request_body = ChargeRequest,
    responses((status = 201, description = "新开具的订单", body = OrderBody),
        (status = 400, description = "金额或费用名称有误", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "本部门人员但无收费权限", body = crate::error::ErrorBody),
        (status = 404, description = "办件不存在或不由本部门办理", body = crate::error::ErrorBody),
        (status = 409, description = "办件当前不能收费", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn charge(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ChargeRequest>,
) -> ApiResult<(StatusCode, Json<OrderBody>)> {
    let order = state
        .app
        .charge_case(&principal, id, input.amount_fen, &input.description)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(order_body(order, Vec::new(), &state)),
    ))
}

/// One order with its refunds, for those who may see its case.
#[utoipa::path(get, path = "/api/v1/payments/{order_no}", tag = "缴费",
    params(("order_no" = String, Path, description = "订单号")),
    responses((status = 200, description = "订单（含退款）", body = OrderBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "订单不存在或无权查看", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn order(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(order_no): Path<String>,
) -> ApiResult<Json<OrderBody>> {
    let (order_id, _) = order_by_no(&state.app, &order_no).await?;
    let (order, refunds) = state.app.payment_order(&principal, order_id).await?;
    Ok(Json(order_body(order, refunds, &state)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentStarted {
    #[schema(value_type = Object)]
    pub order: PaymentOrder,
    /// Where to send the payer: a path on this site (the local cashier) or the gateway's URL.
    pub pay_url: String,
}

/// Starts paying an open order (the applicant only): the provider prepares the payment and
/// answers where the payer goes. Starting again before paying gives the same cashier.
#[utoipa::path(post, path = "/api/v1/payments/{order_no}/pay", tag = "缴费",
    params(("order_no" = String, Path, description = "订单号")),
    responses((status = 200, description = "去支付：`pay_url` 为收银台地址", body = PaymentStarted),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 404, description = "订单不存在或不是本人的订单", body = crate::error::ErrorBody),
        (status = 409, description = "订单已支付、已过期或已关闭", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn pay(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(order_no): Path<String>,
) -> ApiResult<Json<PaymentStarted>> {
    let (order_id, _) = order_by_no(&state.app, &order_no).await?;
    let provider = provider(&state);
    let (order, prepared) = state
        .app
        .start_payment(&principal, order_id, &provider)
        .await?;
    Ok(Json(PaymentStarted {
        order,
        pay_url: prepared.pay_url,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// Why the fee is returned (1–200 characters).
    pub reason: String,
}

/// Requests the refund of a paid order, in full: staff of the handling department with the
/// approver or department-administrator role. The refund is executed at the provider by the
/// payments job; the order becomes `refunded` when the provider confirms.
#[utoipa::path(post, path = "/api/v1/payments/{order_no}/refund", tag = "缴费",
    params(("order_no" = String, Path, description = "订单号")),
    request_body = RefundRequest,
    responses((status = 202, description = "退款已申请（状态 requested）", body = Object),
        (status = 400, description = "未填写退款原因或超过 200 字", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "不是办理部门的审批人员或部门管理员", body = crate::error::ErrorBody),
        (status = 404, description = "订单不存在", body = crate::error::ErrorBody),
        (status = 409, description = "订单未支付、已退款或退款正在办理", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn refund(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    Path(order_no): Path<String>,
    ApiJson(input): ApiJson<RefundRequest>,
) -> ApiResult<(StatusCode, Json<Refund>)> {
    let (order_id, _) = order_by_no(&state.app, &order_no).await?;
    let refund = state
        .app
        .refund(&principal, order_id, &input.reason)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(refund)))
}

/// A period's orders and refunds with totals per status, compared with the provider's
/// statement unless `compare=false`: province administrators and auditors for the province,
/// department administrators and approvers for their department.
#[utoipa::path(get, path = "/api/v1/payments/reconciliation", tag = "缴费",
    params(("from" = Option<String>, Query, description = "开始日期 YYYY-MM-DD（北京时间，默认结束日期前 29 天）"),
        ("to" = Option<String>, Query, description = "结束日期 YYYY-MM-DD（含当天，默认今天）"),
        ("compare" = Option<bool>, Query, description = "是否与支付渠道对账单核对（默认 true）")),
    responses((status = 200, description = "`{from, to, department_id, orders, refunds, order_totals, refund_totals, received_fen, refunded_fen, net_fen, provider, provider_received_fen, provider_refunded_fen, mismatches}`", body = Object),
        (status = 400, description = "日期有误或期间超过 366 天", body = crate::error::ErrorBody),
        (status = 401, description = "未登录", body = crate::error::ErrorBody),
        (status = 403, description = "无对账权限", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reconciliation(
    State(state): State<AppState>,
    ApiPrincipal(principal): ApiPrincipal,
    query: RawQuery,
) -> ApiResult<Json<Reconciliation>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let today = china_today(&state.app);
    let to = parse_date(query.text("to"), "to", today, &mut errors);
    let from = parse_date(
        query.text("from"),
        "from",
        to - chrono::Duration::days(29),
        &mut errors,
    );
    let compare = match query.text("compare").as_deref() {
        None | Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        Some(_) => {
            errors.push(FieldError::new("compare", "应为 true 或 false"));
            true
        }
    };
    if !errors.is_empty() {
        return Err(ApiError(AppError::invalid("查询参数有误", errors)));
    }
    let provider = provider(&state);
    let compared: Option<&dyn zerotrip_app::payments::PaymentProvider> =
        compare.then_some(&provider as _);
    Ok(Json(
        state
            .app
            .reconciliation(&principal, from, to, compared)
            .await?,
    ))
}

/// What the gateway receives when a notification is accepted; it stops retrying.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NotifyAck {
    /// Always `SUCCESS`.
    pub code: &'static str,
    pub message: &'static str,
    pub order_no: String,
    /// `paid`, or `already_paid` for a repeated notification of the same transaction.
    #[schema(value_type = String)]
    pub outcome: CallbackOutcome,
}

/// The callback body as the app layer reads it: a JSON body as it is, a form body turned into
/// the same fields as a JSON object (the signature covers the fields, not their encoding).
fn callback_body(headers: &HeaderMap, body: Bytes) -> Result<Bytes, AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        if body.len() > zerotrip_app::payments::callback::MAX_CALLBACK_BYTES {
            return Err(AppError::field("body", "支付回调格式错误：内容过长"));
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| AppError::field("body", "支付回调格式错误：表单无法解析"))?;
        let mut fields = serde_json::Map::new();
        for (key, value) in pairs {
            if fields
                .insert(key.clone(), serde_json::Value::String(value))
                .is_some()
            {
                return Err(AppError::field(
                    "body",
                    format!("支付回调格式错误：字段 {key} 重复"),
                ));
            }
        }
        let json = serde_json::to_vec(&fields).map_err(AppError::internal)?;
        Ok(Bytes::from(json))
    } else if content_type.starts_with("application/json") || content_type.is_empty() {
        Ok(body)
    } else {
        Err(AppError::field(
            "body",
            "支付回调应为 JSON 或表单（application/json、application/x-www-form-urlencoded）",
        ))
    }
}

/// The gateway's result notification (支付结果通知). Fields `provider`, `order_no`, `trade_no`,
/// `amount_fen`, `status` (`paid`), `paid_at` and `timestamp` (Unix seconds) and `nonce` (16–64
/// letters and digits, never reused), as JSON or as a form, signed with HMAC-SM3 over the
/// fields sorted by name (`a=1&b=2`) in the `X-Zerotrip-Signature` header. Unsigned, forged,
/// stale (more than five minutes off), replayed (nonce seen before), wrong-amount or unknown-order
/// notifications are refused with the error below and change nothing; a re-signed repeat of an
/// accepted one is acknowledged again. The gateway retries until it receives `200` with
/// `{"code": "SUCCESS"}`.
#[utoipa::path(post, path = "/api/v1/payments/notify", tag = "缴费",
    params(("X-Zerotrip-Signature" = String, Header, description = "HMAC-SM3 签名（64 位十六进制）")),
    request_body(content = Object, description = "`{\"provider\", \"order_no\", \"trade_no\", \"amount_fen\", \"status\": \"paid\", \"paid_at\", \"timestamp\", \"nonce\"}`（JSON 或表单）"),
    responses((status = 200, description = "已确认（网关停止重试）", body = NotifyAck),
        (status = 400, description = "格式错误、已过期、金额不符或状态不支持", body = crate::error::ErrorBody),
        (status = 401, description = "缺少签名或签名无效", body = crate::error::ErrorBody),
        (status = 404, description = "订单不存在", body = crate::error::ErrorBody),
        (status = 409, description = "重放（随机串已使用）或订单状态冲突", body = crate::error::ErrorBody)))]
pub async fn notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<NotifyAck>> {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = callback_body(&headers, body)?;
    let ack = state
        .app
        .handle_payment_callback(&body, signature.as_deref())
        .await?;
    Ok(Json(NotifyAck {
        code: "SUCCESS",
        message: "成功",
        order_no: ack.order_no,
        outcome: ack.outcome,
    }))
}
