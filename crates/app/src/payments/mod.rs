//! Payment of fees for charged items: orders, the provider port with a local provider that
//! signs its callbacks, refunds and reconciliation.
//!
//! * The case code calls [`App::create_payment_order`] in its transaction (e.g. on 受理 of a
//!   charged item); [`App::outstanding_fees`] tells it whether anything is still unpaid.
//! * The applicant's "去缴费" button calls [`App::start_payment`], which asks the provider to
//!   prepare the payment and returns where to send the payer.
//! * The provider reports the result as a signed callback: the web layer hands the raw body and
//!   the `X-Zerotrip-Signature` header to [`App::handle_payment_callback`] (see
//!   [`callback`] for the format and the checks).
//! * Staff of the handling department request a refund with [`App::refund`]; the
//!   [`PaymentJobs`] job executes it at the provider, closes expired orders and forgets old
//!   callback nonces.
//! * [`App::reconciliation`] lists a period's orders and refunds with totals per status and
//!   the differences to the provider's statement.
//!
//! Order statuses: `created → paid → refunded`, or `created → closed`.

pub mod callback;
mod charging;
pub mod jobs;
pub mod local;
pub mod provider;
pub mod reconcile;
pub mod signing;
pub mod subscriber;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_store::Tx;
use zerotrip_store::notifications::{self as case_store, CaseFacts};
use zerotrip_store::payments::{self as store, PaymentOrderRow, RefundRow};

pub use callback::{
    CALLBACK_MAX_AGE, CallbackAck, CallbackOutcome, RejectReason, SIGNATURE_HEADER,
};
pub use charging::CHARGE_ROLES;
pub use jobs::{PaymentJobs, PaymentJobsReport};
pub use local::{LocalCheckout, LocalPaymentProvider, LocalPaymentReceipt, SignedCallback};
pub use provider::{
    PaymentProvider, PaymentProviderError, PaymentRequest, PreparedPayment, ProviderRefund,
    ProviderStatement, RefundRequest, StatementPayment, StatementRefund,
};
pub use reconcile::{Mismatch, MismatchKind, Reconciliation, StatusTotal};
pub use subscriber::PaymentSubscriber;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::notify::templates::yuan;

/// Topics of the payment events.
pub mod topics {
    /// An order was created. Payload: [`super::PaymentEventPayload`].
    pub const ORDER_CREATED: &str = "payment.order_created";
    /// The provider confirmed the payment (signed callback accepted).
    pub const PAID: &str = "payment.paid";
    /// Staff requested a refund.
    pub const REFUND_REQUESTED: &str = "payment.refund_requested";
    /// The provider confirmed the refund.
    pub const REFUNDED: &str = "payment.refunded";
    /// The provider refused the refund for good; staff must follow up.
    pub const REFUND_FAILED: &str = "payment.refund_failed";
    /// An unpaid order was closed (expired, or the case ended).
    pub const CLOSED: &str = "payment.closed";
}

/// How long an order can be paid.
pub const ORDER_TTL: Duration = Duration::hours(72);
/// The largest fee one order can carry: 1,000,000 元.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000;
pub(crate) const MAX_DESCRIPTION_CHARS: usize = 60;

/// Random lower-case hex of `bytes` random bytes.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    signing::hex_encode(&buffer)
}

/// Random decimal digits.
pub(crate) fn random_digits(count: usize) -> String {
    let mut buffer = vec![0u8; count];
    rand::rng().fill_bytes(&mut buffer);
    buffer.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

fn china_date_code(at: DateTime<Utc>) -> String {
    (at + Duration::hours(8)).format("%Y%m%d").to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Created,
    Paid,
    Refunded,
    Closed,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 4] = [
        PaymentStatus::Created,
        PaymentStatus::Paid,
        PaymentStatus::Refunded,
        PaymentStatus::Closed,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        PaymentStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Created => "created",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentStatus::Created => "待支付",
            PaymentStatus::Paid => "已支付",
            PaymentStatus::Refunded => "已退款",
            PaymentStatus::Closed => "已关闭",
        }
    }
}

/// An order as pages and APIs show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentOrder {
    pub id: i64,
    pub order_no: String,
    pub case_id: i64,
    pub amount_fen: i64,
    /// `12.50 元`.
    pub amount_label: String,
    pub description: String,
    pub status: PaymentStatus,
    pub status_label: &'static str,
    pub provider: Option<String>,
    pub provider_trade_no: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
}

impl TryFrom<PaymentOrderRow> for PaymentOrder {
    type Error = AppError;

    fn try_from(row: PaymentOrderRow) -> AppResult<Self> {
        let status = PaymentStatus::parse(&row.status).ok_or_else(|| {
            AppError::internal(format!("订单 {} 的状态“{}”无效", row.order_no, row.status))
        })?;
        Ok(PaymentOrder {
            id: row.id,
            order_no: row.order_no,
            case_id: row.case_id,
            amount_fen: row.amount_fen,
            amount_label: yuan(row.amount_fen),
            description: row.description,
            status,
            status_label: status.label(),
            provider: row.provider,
            provider_trade_no: row.provider_trade_no,
            created_at: row.created_at,
            expires_at: row.expires_at,
            paid_at: row.paid_at,
            refunded_at: row.refunded_at,
            closed_at: row.closed_at,
            close_reason: row.close_reason,
        })
    }
}

/// A refund as pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    pub id: i64,
    pub refund_no: String,
    pub order_id: i64,
    pub amount_fen: i64,
    pub amount_label: String,
    pub reason: String,
    pub requested_by: String,
    /// `requested`, `succeeded` or `failed`.
    pub status: String,
    pub status_label: &'static str,
    pub provider_refund_no: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<RefundRow> for Refund {
    fn from(row: RefundRow) -> Self {
        let status_label = refund_status_label(&row.status);
        Refund {
            id: row.id,
            refund_no: row.refund_no,
            order_id: row.order_id,
            amount_fen: row.amount_fen,
            amount_label: yuan(row.amount_fen),
            reason: row.reason,
            requested_by: row.requested_by,
            status: row.status,
            status_label,
            provider_refund_no: row.provider_refund_no,
            attempts: row.attempts,
            last_error: row.last_error,
            requested_at: row.requested_at,
            completed_at: row.completed_at,
        }
    }
}

pub(crate) fn refund_status_label(status: &str) -> &'static str {
    match status {
        "requested" => "退款中",
        "succeeded" => "已退款",
        "failed" => "退款失败",
        _ => "未知",
    }
}

/// The payload of `payment.*` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEventPayload {
    pub order_id: i64,
    pub order_no: String,
    pub case_id: i64,
    pub case_number: String,
    pub item_name: String,
    pub description: String,
    pub amount_fen: i64,
    pub status: String,
    pub trade_no: Option<String>,
    pub refund_no: Option<String>,
    pub applicant_account_id: i64,
    /// Where to send an SMS about the payment.
    pub contact_phone: String,
    pub handling_department_id: i64,
}

impl PaymentEventPayload {
    pub(crate) fn new(order: &PaymentOrderRow, case: &CaseFacts) -> Self {
        PaymentEventPayload {
            order_id: order.id,
            order_no: order.order_no.clone(),
            case_id: case.id,
            case_number: case.number.clone(),
            item_name: case.item_name.clone(),
            description: order.description.clone(),
            amount_fen: order.amount_fen,
            status: order.status.clone(),
            trade_no: order.provider_trade_no.clone(),
            refund_no: None,
            applicant_account_id: case.applicant_account_id,
            contact_phone: case.contact_phone.clone(),
            handling_department_id: case.handling_department_id,
        }
    }

    pub(crate) fn to_json(&self) -> AppResult<serde_json::Value> {
        serde_json::to_value(self).map_err(AppError::internal)
    }
}

/// Whether `principal` is staff of the department that handles the case, with one of `roles`.
pub(crate) fn is_handling_staff(principal: &Principal, case: &CaseFacts, roles: &[Role]) -> bool {
    principal.is_staff()
        && principal.department_id == Some(case.handling_department_id)
        && roles.iter().any(|role| principal.has_role(*role))
}

/// Whether `principal` may see the case's payments and delivery: the applicant, staff of the
/// handling department, or province-wide administrators and auditors.
pub(crate) fn may_view_case(principal: &Principal, case: &CaseFacts) -> bool {
    principal.account_id == case.applicant_account_id
        || (principal.is_staff() && principal.department_id == Some(case.handling_department_id))
        || principal.has_role(Role::ProvinceAdmin)
        || principal.has_role(Role::Auditor)
}

/// Roles that may refund a fee (staff of the handling department only).
pub const REFUND_ROLES: [Role; 2] = [Role::Approver, Role::DepartmentAdmin];

impl App {
    /// Creates an order for a fee of the case in the caller's transaction and emits
    /// `payment.order_created`. `amount_fen` is in 分 (1 元 = 100 分).
    pub async fn create_payment_order(
        &self,
        tx: &mut Tx,
        case_id: i64,
        amount_fen: i64,
        description: &str,
    ) -> AppResult<PaymentOrder> {
        if amount_fen <= 0 || amount_fen > MAX_AMOUNT_FEN {
            return Err(AppError::field(
                "amount_fen",
                format!("缴费金额应在 0.01 元至 {} 之间", yuan(MAX_AMOUNT_FEN)),
            ));
        }
        let description = description.trim();
        if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(AppError::field(
                "description",
                format!("费用名称应为 1–{MAX_DESCRIPTION_CHARS} 字"),
            ));
        }
        let case = case_store::case_facts_tx(tx, case_id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("办件 {case_id} 不存在")))?;
        let now = self.clock.now();
        let order = store::insert_order(
            tx,
            &format!("tmp-{}", random_hex(12)),
            case_id,
            amount_fen,
            description,
            &format!("ZF{}", china_date_code(now)),
            now,
            now + ORDER_TTL,
        )
        .await?;
        let payload = PaymentEventPayload::new(&order, &case);
        self.emit(
            tx,
            topics::ORDER_CREATED,
            &order.order_no,
            payload.to_json()?,
        )
        .await?;
        metrics::counter!("zerotrip_payments_total", "event" => "created").increment(1);
        tracing::info!(order = %order.order_no, case = case_id, amount_fen, "payment order created");
        PaymentOrder::try_from(order)
    }

    /// The case's orders, for the case code (no authorisation).
    pub async fn payment_orders_for_case(&self, case_id: i64) -> AppResult<Vec<PaymentOrder>> {
        store::orders_for_case(&self.db, case_id)
            .await?
            .into_iter()
            .map(PaymentOrder::try_from)
            .collect()
    }

    /// The case's orders as `principal` may see them: the applicant, staff of the handling
    /// department, province administrators and auditors.
    pub async fn payment_orders_for(
        &self,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<Vec<PaymentOrder>> {
        let case = self.case_in_view(principal, case_id).await?;
        self.payment_orders_for_case(case.id).await
    }

    /// One order with its refunds, as `principal` may see it.
    pub async fn payment_order(
        &self,
        principal: &Principal,
        order_id: i64,
    ) -> AppResult<(PaymentOrder, Vec<Refund>)> {
        let order = store::order_by_id(&self.db, order_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        self.case_in_view(principal, order.case_id).await?;
        let refunds = store::refunds_for_order(&self.db, order.id).await?;
        Ok((
            PaymentOrder::try_from(order)?,
            refunds.into_iter().map(Refund::from).collect(),
        ))
    }

    /// What the case still owes, in 分: the sum of its open orders (in the caller's transaction,
    /// so the case code can refuse to complete an unpaid case).
    pub async fn outstanding_fees(&self, tx: &mut Tx, case_id: i64) -> AppResult<i64> {
        let orders = store::orders_for_case_tx(tx, case_id).await?;
        Ok(orders
            .iter()
            .filter(|order| order.status == "created")
            .map(|order| order.amount_fen)
            .sum())
    }

    /// Closes an unpaid order in the caller's transaction (the case was withdrawn or ended) and
    /// emits `payment.closed`; `false` when it was not open. The provider is told by
    /// [`PaymentSubscriber`] or [`PaymentJobs`].
    pub async fn close_payment_order(
        &self,
        tx: &mut Tx,
        order_id: i64,
        reason: &str,
    ) -> AppResult<bool> {
        let order = store::order_by_id_for_update(tx, order_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        if !store::mark_closed(tx, order.id, reason, self.clock.now()).await? {
            return Ok(false);
        }
        let case = case_store::case_facts_tx(tx, order.case_id)
            .await?
            .ok_or_else(|| AppError::internal(format!("订单 {} 的办件不存在", order.order_no)))?;
        let mut payload = PaymentEventPayload::new(&order, &case);
        payload.status = PaymentStatus::Closed.as_str().to_owned();
        self.emit(tx, topics::CLOSED, &order.order_no, payload.to_json()?)
            .await?;
        metrics::counter!("zerotrip_payments_total", "event" => "closed").increment(1);
        Ok(true)
    }

    /// Starts paying an open order: only the applicant can. Asks the provider to prepare the
    /// payment and returns the order with where to send the payer.
    pub async fn start_payment(
        &self,
        principal: &Principal,
        order_id: i64,
        provider: &dyn PaymentProvider,
    ) -> AppResult<(PaymentOrder, PreparedPayment)> {
        let order = store::order_by_id(&self.db, order_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        let case = case_store::case_facts(&self.db, order.case_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        if principal.account_id != case.applicant_account_id {
            return Err(AppError::not_found("订单不存在"));
        }
        match order.status.as_str() {
            "created" if order.expires_at > self.clock.now() => {}
            "created" => return Err(AppError::conflict("订单已过期，请联系办理部门重新开具")),
            "paid" | "refunded" => return Err(AppError::conflict("该订单已支付，无需重复缴费")),
            _ => return Err(AppError::conflict("订单已关闭，无法支付")),
        }
        let prepared = provider
            .prepare(&PaymentRequest {
                order_no: order.order_no.clone(),
                amount_fen: order.amount_fen,
                description: order.description.clone(),
                expires_at: order.expires_at,
            })
            .await
            .map_err(|error| match error {
                PaymentProviderError::Transient(message) => {
                    AppError::internal(format!("支付渠道暂不可用：{message}"))
                }
                PaymentProviderError::Permanent(message) => AppError::conflict(message),
            })?;
        Ok((PaymentOrder::try_from(order)?, prepared))
    }

    /// Requests the refund of a paid order (the full amount), by staff of the department that
    /// handles its case with the approver or department-administrator role. The [`PaymentJobs`]
    /// job executes it at the provider; the order becomes `refunded` when the provider confirms.
    pub async fn refund(
        &self,
        principal: &Principal,
        order_id: i64,
        reason: &str,
    ) -> AppResult<Refund> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 {
            return Err(AppError::field("reason", "请填写退款原因（不超过 200 字）"));
        }
        let mut tx = self.db.begin().await?;
        let order = store::order_by_id_for_update(&mut tx, order_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        let case = case_store::case_facts_tx(&mut tx, order.case_id)
            .await?
            .ok_or_else(|| AppError::not_found("订单不存在"))?;
        // Those who may not see the order are told it does not exist, like a missing one.
        if !may_view_case(principal, &case) {
            return Err(AppError::not_found("订单不存在"));
        }
        if !is_handling_staff(principal, &case, &REFUND_ROLES) {
            return Err(AppError::forbidden(
                "只有办理部门的审批人员或部门管理员可以退款",
            ));
        }
        if order.status != "paid" {
            let status = PaymentStatus::parse(&order.status).map_or("未知", PaymentStatus::label);
            return Err(AppError::conflict(format!("订单{status}，不能退款")));
        }
        if store::active_refund_tx(&mut tx, order.id).await?.is_some() {
            return Err(AppError::conflict("该订单已申请退款，请勿重复操作"));
        }
        let now = self.clock.now();
        let refund = store::insert_refund(
            &mut tx,
            &format!("tmp-{}", random_hex(12)),
            order.id,
            order.amount_fen,
            reason,
            &principal.username,
            &format!("TK{}", china_date_code(now)),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "payment.refund",
            &format!("payment_order:{}", order.order_no),
            Some(&json!({"status": order.status, "amount_fen": order.amount_fen})),
            Some(&json!({"refund_no": refund.refund_no, "amount_fen": refund.amount_fen, "reason": reason})),
        )
        .await?;
        let mut payload = PaymentEventPayload::new(&order, &case);
        payload.refund_no = Some(refund.refund_no.clone());
        self.emit(
            &mut tx,
            topics::REFUND_REQUESTED,
            &refund.refund_no,
            payload.to_json()?,
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("zerotrip_payments_total", "event" => "refund_requested").increment(1);
        tracing::info!(order = %order.order_no, refund = %refund.refund_no, by = %principal.username, "refund requested");
        Ok(Refund::from(refund))
    }

    /// The case if `principal` may see its payments and delivery; "not found" otherwise, so
    /// nobody learns which cases exist.
    pub(crate) async fn case_in_view(
        &self,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<CaseFacts> {
        let case = case_store::case_facts(&self.db, case_id)
            .await?
            .ok_or_else(|| AppError::not_found("办件不存在"))?;
        if may_view_case(principal, &case) {
            Ok(case)
        } else {
            Err(AppError::not_found("办件不存在"))
        }
    }
}
