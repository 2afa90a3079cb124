//! Signed payment callbacks (支付结果通知).
//!
//! The provider POSTs a JSON object of string (or integer) fields:
//!
//! | field        | meaning                                             |
//! |--------------|-----------------------------------------------------|
//! | `provider`   | the provider's name, e.g. `local`                   |
//! | `order_no`   | our order number                                    |
//! | `trade_no`   | the provider's transaction number                   |
//! | `amount_fen` | the amount paid, in 分                              |
//! | `status`     | `paid`                                              |
//! | `paid_at`    | when it was paid, Unix seconds                      |
//! | `timestamp`  | when the notification was signed, Unix seconds      |
//! | `nonce`      | 16–64 letters and digits, never used twice          |
//!
//! with the header `X-Zerotrip-Signature: <hex HMAC-SM3>` over the canonical form of all
//! fields received (see [`super::signing`]), keyed by the installation secret `payment`.
//!
//! A callback is rejected — with a clear error, and nothing changed — when the signature is
//! missing or wrong, the body is malformed, the timestamp is more than five minutes away from
//! the platform clock, the nonce was used before (a replay), the order is unknown, the amount
//! differs from the order's, or the order is closed, refunded or paid by another transaction.
//! A gateway re-signs each retry (fresh timestamp and nonce): a repeated notification of an
//! order already paid by the same transaction is acknowledged without changing anything.
//! Every callback, accepted or not, is logged in `payment_callback_log`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use zerotrip_store::notifications as case_store;
use zerotrip_store::payments as store;
use zerotrip_trust::sm3_hex;

use super::signing::verify_fields;
use super::{PaymentEventPayload, topics};
use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::error::{AppError, AppResult};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Zerotrip-Signature";
/// How far a callback's timestamp may be from the platform clock.
pub const CALLBACK_MAX_AGE: Duration = Duration::minutes(5);
/// The largest body accepted.
pub const MAX_CALLBACK_BYTES: usize = 8 * 1024;

const REQUIRED: [&str; 8] = [
    "provider",
    "order_no",
    "trade_no",
    "amount_fen",
    "status",
    "paid_at",
    "timestamp",
    "nonce",
];

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    MissingSignature,
    BadSignature,
    Malformed(String),
    Stale,
    Replayed,
    UnknownOrder(String),
    AmountMismatch { expected: i64, received: i64 },
    UnsupportedStatus(String),
    StateConflict(String),
}

impl RejectReason {
    /// A stable label for metrics and the callback log.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::MissingSignature => "missing_signature",
            RejectReason::BadSignature => "bad_signature",
            RejectReason::Malformed(_) => "malformed",
            RejectReason::Stale => "stale",
            RejectReason::Replayed => "replayed",
            RejectReason::UnknownOrder(_) => "unknown_order",
            RejectReason::AmountMismatch { .. } => "amount_mismatch",
            RejectReason::UnsupportedStatus(_) => "unsupported_status",
            RejectReason::StateConflict(_) => "state_conflict",
        }
    }

    /// The error the caller (and the provider) receives.
    pub fn to_error(&self) -> AppError {
        match self {
            RejectReason::MissingSignature => {
                AppError::Unauthenticated(format!("支付回调缺少签名（{SIGNATURE_HEADER}）"))
            }
            RejectReason::BadSignature => AppError::Unauthenticated("支付回调签名无效".to_owned()),
            RejectReason::Malformed(detail) => {
                AppError::field("body", format!("支付回调格式错误：{detail}"))
            }
            RejectReason::Stale => AppError::field(
                "timestamp",
                format!(
                    "支付回调已过期：时间戳与平台时间相差超过 {} 分钟",
                    CALLBACK_MAX_AGE.num_minutes()
                ),
            ),
            RejectReason::Replayed => AppError::conflict("支付回调重放：该随机串（nonce）已使用过"),
            RejectReason::UnknownOrder(order_no) => {
                AppError::not_found(format!("支付回调中的订单 {order_no} 不存在"))
            }
            RejectReason::AmountMismatch { expected, received } => AppError::field(
                "amount_fen",
                format!("支付回调金额 {received} 分与订单金额 {expected} 分不符"),
            ),
            RejectReason::UnsupportedStatus(status) => {
                AppError::field("status", format!("不支持的支付状态“{status}”"))
            }
            RejectReason::StateConflict(detail) => AppError::conflict(detail.clone()),
        }
    }
}

/// What an accepted callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOutcome {
    /// The order is now paid.
    Paid,
    /// The order was already paid by this transaction; nothing changed.
    AlreadyPaid,
}

/// The acknowledgement of an accepted callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackAck {
    pub order_id: i64,
    pub order_no: String,
    pub outcome: CallbackOutcome,
}

/// A callback whose signature checked out.
struct Notification {
    provider: String,
    order_no: String,
    trade_no: String,
    amount_fen: i64,
    status: String,
    paid_at: DateTime<Utc>,
    timestamp: DateTime<Utc>,
    nonce: String,
}

enum Failure {
    Rejected(RejectReason),
    Internal(AppError),
}

impl From<AppError> for Failure {
    fn from(error: AppError) -> Self {
        Failure::Internal(error)
    }
}

impl From<zerotrip_store::StoreError> for Failure {
    fn from(error: zerotrip_store::StoreError) -> Self {
        Failure::Internal(error.into())
    }
}

/// The fields of a callback body: a JSON object of strings and integers.
pub fn parse_callback_fields(body: &[u8]) -> Result<BTreeMap<String, String>, RejectReason> {
    if body.len() > MAX_CALLBACK_BYTES {
        return Err(RejectReason::Malformed("内容过长".to_owned()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| RejectReason::Malformed("不是 JSON 对象".to_owned()))?;
    let Value::Object(object) = value else {
        return Err(RejectReason::Malformed("不是 JSON 对象".to_owned()));
    };
    let mut fields = BTreeMap::new();
    for (key, value) in object {
        let text = match value {
            Value::String(text) => text,
            Value::Number(number) if number.is_i64() || number.is_u64() => number.to_string(),
            _ => {
                return Err(RejectReason::Malformed(format!(
                    "字段 {key} 应为字符串或整数"
                )));
            }
        };
        fields.insert(key, text);
    }
    Ok(fields)
}

fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, RejectReason> {
    fields
        .get(name)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| RejectReason::Malformed(format!("缺少字段 {name}")))
}

fn unix_time(fields: &BTreeMap<String, String>, name: &str) -> Result<DateTime<Utc>, RejectReason> {
    field(fields, name)?
        .parse::<i64>()
        .ok()
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| RejectReason::Malformed(format!("字段 {name} 应为 Unix 秒数")))
}

fn notification(fields: &BTreeMap<String, String>) -> Result<Notification, RejectReason> {
    for name in REQUIRED {
        field(fields, name)?;
    }
    let amount_fen = field(fields, "amount_fen")?
        .parse::<i64>()
        .map_err(|_| RejectReason::Malformed("字段 amount_fen 应为整数（分）".to_owned()))?;
    let nonce = field(fields, "nonce")?;
    if !(16..=64).contains(&nonce.len()) || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(RejectReason::Malformed(
            "字段 nonce 应为 16–64 位字母或数字".to_owned(),
        ));
    }
    Ok(Notification {
        provider: field(fields, "provider")?.to_owned(),
        order_no: field(fields, "order_no")?.to_owned(),
        trade_no: field(fields, "trade_no")?.to_owned(),
        amount_fen,
        status: field(fields, "status")?.to_owned(),
        paid_at: unix_time(fields, "paid_at")?,
        timestamp: unix_time(fields, "timestamp")?,
        nonce: nonce.to_owned(),
    })
}

impl App {
    /// Handles a payment callback: `body` is the raw request body, `signature` the value of the
    /// [`SIGNATURE_HEADER`] header. See the [module documentation](self) for the checks.
    pub async fn handle_payment_callback(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> AppResult<CallbackAck> {
        let now = self.clock.now();
        let digest = sm3_hex(body);
        let fields = parse_callback_fields(body).ok();
        let order_no = fields.as_ref().and_then(|f| f.get("order_no").cloned());
        let nonce = fields.as_ref().and_then(|f| f.get("nonce").cloned());
        let result = self.apply_callback(body, signature, now).await;
        let (outcome, reason) = match &result {
            Ok(ack) => match ack.outcome {
                CallbackOutcome::Paid => ("accepted", None),
                CallbackOutcome::AlreadyPaid => ("duplicate", None),
            },
            Err(Failure::Rejected(reason)) => ("rejected", Some(reason.code())),
            Err(Failure::Internal(_)) => ("rejected", Some("internal")),
        };
        // Keep the log bounded to what fits its columns, whatever the caller sent.
        let order_no = order_no.map(|text| text.chars().take(64).collect::<String>());
        let nonce = nonce.map(|text| text.chars().take(64).collect::<String>());
        if let Err(error) = store::log_callback(
            &self.db,
            now,
            order_no.as_deref(),
            nonce.as_deref(),
            outcome,
            reason,
            &digest,
        )
        .await
        {
            tracing::error!(%error, "payment callback could not be logged");
        }
        metrics::counter!("zerotrip_payment_callbacks_total", "outcome" => outcome).increment(1);
        match result {
            Ok(ack) => {
                tracing::info!(order = %ack.order_no, outcome, "payment callback accepted");
                Ok(ack)
            }
            Err(Failure::Rejected(reason)) => {
                metrics::counter!("zerotrip_payment_callbacks_rejected_total", "reason" => reason.code())
                    .increment(1);
                tracing::warn!(order = ?order_no, reason = reason.code(), body_sm3 = %digest, "payment callback rejected");
                Err(reason.to_error())
            }
            Err(Failure::Internal(error)) => Err(error),
        }
    }

    async fn apply_callback(
        &self,
        body: &[u8],
        signature: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CallbackAck, Failure> {
        let signature = signature
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(Failure::Rejected(RejectReason::MissingSignature))?;
        let fields = parse_callback_fields(body).map_err(Failure::Rejected)?;
        let key = self.installation_secret("payment").await?;
        if !verify_fields(&key, &fields, signature) {
            return Err(Failure::Rejected(RejectReason::BadSignature));
        }
        let notice = notification(&fields).map_err(Failure::Rejected)?;
        if (now - notice.timestamp).abs() > CALLBACK_MAX_AGE {
            return Err(Failure::Rejected(RejectReason::Stale));
        }
        let mut tx = self.db.begin().await?;
        if !store::use_callback_nonce(&mut tx, &notice.nonce, &notice.order_no, now).await? {
            return Err(Failure::Rejected(RejectReason::Replayed));
        }
        let order = store::order_by_no_for_update(&mut tx, &notice.order_no)
            .await?
            .ok_or_else(|| {
                Failure::Rejected(RejectReason::UnknownOrder(notice.order_no.clone()))
            })?;
        if notice.amount_fen != order.amount_fen {
            return Err(Failure::Rejected(RejectReason::AmountMismatch {
                expected: order.amount_fen,
                received: notice.amount_fen,
            }));
        }
        if notice.status != "paid" {
            return Err(Failure::Rejected(RejectReason::UnsupportedStatus(
                notice.status.clone(),
            )));
        }
        let outcome = match order.status.as_str() {
            "created" => {
                if !store::mark_paid(
                    &mut tx,
                    order.id,
                    &notice.provider,
                    &notice.trade_no,
                    notice.paid_at,
                    now,
                )
                .await?
                {
                    return Err(Failure::Rejected(RejectReason::StateConflict(
                        "订单状态已变化，请重试".to_owned(),
                    )));
                }
                let case = case_store::case_facts_tx(&mut tx, order.case_id)
                    .await?
                    .ok_or_else(|| {
                        Failure::Internal(AppError::internal(format!(
                            "订单 {} 的办件不存在",
                            order.order_no
                        )))
                    })?;
                let mut payload = PaymentEventPayload::new(&order, &case);
                payload.status = "paid".to_owned();
                payload.trade_no = Some(notice.trade_no.clone());
                self.emit(&mut tx, topics::PAID, &order.order_no, payload.to_json()?)
                    .await?;
                self.audit(
                    &mut tx,
                    SYSTEM_ACTOR,
                    "payment.paid",
                    &format!("payment_order:{}", order.order_no),
                    Some(&json!({"status": order.status})),
                    Some(&json!({
                        "status": "paid",
                        "provider": notice.provider,
                        "trade_no": notice.trade_no,
                        "amount_fen": notice.amount_fen,
                    })),
                )
                .await?;
                metrics::counter!("zerotrip_payments_total", "event" => "paid").increment(1);
                metrics::counter!("zerotrip_payments_paid_fen_total")
                    .increment(u64::try_from(order.amount_fen).unwrap_or(0));
                CallbackOutcome::Paid
            }
            "paid" if order.provider_trade_no.as_deref() == Some(notice.trade_no.as_str()) => {
                CallbackOutcome::AlreadyPaid
            }
            "paid" => {
                return Err(Failure::Rejected(RejectReason::StateConflict(format!(
                    "订单 {} 已由另一笔交易支付，本笔交易 {} 需退款",
                    order.order_no, notice.trade_no
                ))));
            }
            "refunded" => {
                return Err(Failure::Rejected(RejectReason::StateConflict(format!(
                    "订单 {} 已退款",
                    order.order_no
                ))));
            }
            _ => {
                return Err(Failure::Rejected(RejectReason::StateConflict(format!(
                    "订单 {} 已关闭，本笔交易 {} 需退款",
                    order.order_no, notice.trade_no
                ))));
            }
        };
        tx.commit().await?;
        Ok(CallbackAck {
            order_id: order.id,
            order_no: order.order_no,
            outcome,
        })
    }
}
