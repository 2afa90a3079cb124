//! The local payment provider: a gateway without a network or real money.
//!
//! It keeps its own books (`local_payment_sessions`, `local_payment_refunds`), issues a pay URL
//! per order (`/pay/local/<token>`, the cashier page the web layer serves with
//! [`LocalPaymentProvider::cashier`] and [`LocalPaymentProvider::confirm`]), and, once the payer
//! confirms, owes the platform a payment notification: it signs it with HMAC-SM3 under the
//! installation secret `payment`, delivers it to [`App::handle_payment_callback`] at once and
//! retries with backoff until acknowledged (`local_payment_notifications`), re-signing every
//! attempt with a fresh timestamp and nonce, as real gateways do.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use zerotrip_store::payments::{self as store, LocalNotificationRow, LocalPaymentRow};

use super::provider::{
    PaymentProvider, PaymentProviderError, PaymentRequest, PreparedPayment, ProviderFuture,
    ProviderRefund, ProviderStatement, RefundRequest, StatementPayment, StatementRefund,
};
use super::signing::sign_fields;
use super::{random_digits, random_hex};
use crate::App;
use crate::error::{AppError, AppResult};
use crate::notify::templates::yuan;

/// Where the local cashier page lives; the token follows.
pub const LOCAL_PAY_PATH: &str = "/pay/local/";
/// Notification attempts before the provider gives up.
const MAX_NOTIFY_ATTEMPTS: i64 = 10;

#[derive(Debug, Default)]
struct Faults {
    transient_refunds: u32,
    refuse_refunds: bool,
}

/// The local provider. Clones share their injected faults.
#[derive(Clone)]
pub struct LocalPaymentProvider {
    app: App,
    faults: Arc<Mutex<Faults>>,
}

/// What the cashier page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalCheckout {
    pub token: String,
    pub order_no: String,
    pub amount_fen: i64,
    pub amount_label: String,
    pub description: String,
    /// `pending`, `paid` or `closed`.
    pub status: String,
    pub trade_no: Option<String>,
}

/// The payer confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalPaymentReceipt {
    pub order_no: String,
    pub trade_no: String,
    /// Whether the platform has acknowledged the notification yet (otherwise it is retried).
    pub notified: bool,
}

/// A notification as the provider sends it: the body and its signature header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCallback {
    pub body: String,
    pub signature: String,
}

impl From<LocalPaymentRow> for LocalCheckout {
    fn from(row: LocalPaymentRow) -> Self {
        LocalCheckout {
            token: row.token,
            order_no: row.order_no,
            amount_fen: row.amount_fen,
            amount_label: yuan(row.amount_fen),
            description: row.description,
            status: row.status,
            trade_no: row.trade_no,
        }
    }
}

fn backend_error(error: impl std::fmt::Display) -> PaymentProviderError {
    PaymentProviderError::Transient(format!("支付渠道内部错误：{error}"))
}

impl LocalPaymentProvider {
    pub const NAME: &'static str = "local";

    pub fn new(app: App) -> Self {
        LocalPaymentProvider {
            app,
            faults: Arc::new(Mutex::new(Faults::default())),
        }
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next `count` refund requests fail transiently.
    pub fn fail_next_refunds(&self, count: u32) {
        self.faults().transient_refunds = count;
    }

    /// Refuses every refund for good (e.g. the merchant account is frozen), or stops doing so.
    pub fn refuse_refunds(&self, refuse: bool) {
        self.faults().refuse_refunds = refuse;
    }

    /// The cashier page of a pay token.
    pub async fn cashier(&self, token: &str) -> AppResult<LocalCheckout> {
        store::local_session(&self.app.db, token)
            .await?
            .map(LocalCheckout::from)
            .ok_or_else(|| AppError::not_found("支付链接无效或已失效"))
    }

    /// The payer confirms on the cashier page: the provider books the payment and notifies
    /// the platform (at once, and again later until acknowledged). Confirming twice is the
    /// same as once.
    pub async fn confirm(&self, token: &str) -> AppResult<LocalPaymentReceipt> {
        let session = store::local_session(&self.app.db, token)
            .await?
            .ok_or_else(|| AppError::not_found("支付链接无效或已失效"))?;
        match session.status.as_str() {
            "pending" => {
                let now = self.app.clock.now();
                let trade_no = format!(
                    "LP{}{}",
                    (now + Duration::hours(8)).format("%Y%m%d"),
                    random_digits(12)
                );
                if !store::local_mark_paid(&self.app.db, token, &trade_no, now).await? {
                    return Err(AppError::conflict("订单状态已变化，请刷新后重试"));
                }
                metrics::counter!("zerotrip_local_payments_total", "event" => "paid").increment(1);
                let notified = self.notify_now(&trade_no).await?;
                Ok(LocalPaymentReceipt {
                    order_no: session.order_no,
                    trade_no,
                    notified,
                })
            }
            "paid" => {
                let trade_no = session.trade_no.unwrap_or_default();
                let notified = store::local_notification(&self.app.db, &trade_no)
                    .await?
                    .is_some_and(|row| row.status == "delivered");
                Ok(LocalPaymentReceipt {
                    order_no: session.order_no,
                    trade_no,
                    notified,
                })
            }
            _ => Err(AppError::conflict("订单已关闭，无法支付")),
        }
    }

    /// Signs `fields` as this provider does (for tests and drills that build their own
    /// callbacks).
    pub async fn sign(&self, fields: &BTreeMap<String, String>) -> AppResult<String> {
        let key = self.app.installation_secret("payment").await?;
        Ok(sign_fields(&key, fields))
    }

    /// The notification of a paid transaction, freshly signed (new timestamp and nonce).
    pub async fn signed_notification(&self, trade_no: &str) -> AppResult<SignedCallback> {
        let session = store::local_session_by_trade(&self.app.db, trade_no)
            .await?
            .ok_or_else(|| AppError::not_found(format!("交易 {trade_no} 不存在")))?;
        let paid_at = session
            .paid_at
            .ok_or_else(|| AppError::conflict(format!("交易 {trade_no} 尚未支付")))?;
        let mut fields = BTreeMap::new();
        fields.insert("provider".to_owned(), Self::NAME.to_owned());
        fields.insert("order_no".to_owned(), session.order_no.clone());
        fields.insert("trade_no".to_owned(), trade_no.to_owned());
        fields.insert("amount_fen".to_owned(), session.amount_fen.to_string());
        fields.insert("status".to_owned(), "paid".to_owned());
        fields.insert("paid_at".to_owned(), paid_at.timestamp().to_string());
        fields.insert(
            "timestamp".to_owned(),
            self.app.clock.now().timestamp().to_string(),
        );
        fields.insert("nonce".to_owned(), random_hex(16));
        let signature = self.sign(&fields).await?;
        let body = serde_json::to_string(&fields).map_err(AppError::internal)?;
        Ok(SignedCallback { body, signature })
    }

    /// Attempts the notification of `trade_no` once now; the notifier retries failures.
    async fn notify_now(&self, trade_no: &str) -> AppResult<bool> {
        let Some(row) = store::local_notification(&self.app.db, trade_no).await? else {
            return Ok(false);
        };
        if row.status != "pending" {
            return Ok(row.status == "delivered");
        }
        self.attempt(&row).await
    }

    /// Delivers one notification; records the outcome. Returns whether it was acknowledged.
    async fn attempt(&self, row: &LocalNotificationRow) -> AppResult<bool> {
        let callback = self.signed_notification(&row.trade_no).await?;
        let result = self
            .app
            .handle_payment_callback(callback.body.as_bytes(), Some(&callback.signature))
            .await;
        let now = self.app.clock.now();
        match result {
            Ok(_) => {
                store::local_notification_outcome(&self.app.db, row.id, true, None, None, now)
                    .await?;
                Ok(true)
            }
            Err(error) => {
                let attempts = row.attempts.max(1);
                let message = error.public_message();
                let retry_at =
                    (attempts < MAX_NOTIFY_ATTEMPTS).then(|| now + notify_backoff(attempts));
                store::local_notification_outcome(
                    &self.app.db,
                    row.id,
                    false,
                    Some(&message),
                    retry_at,
                    now,
                )
                .await?;
                tracing::warn!(trade = %row.trade_no, attempts, error = %message, "payment notification not acknowledged");
                Ok(false)
            }
        }
    }

    /// Delivers the notifications that are due; returns how many were acknowledged.
    pub async fn deliver_due_notifications(&self) -> AppResult<usize> {
        let due = store::local_claim_notifications(
            &self.app.db,
            self.app.clock.now(),
            Duration::minutes(1),
            50,
        )
        .await?;
        let mut acknowledged = 0;
        for row in &due {
            if self.attempt(row).await? {
                acknowledged += 1;
            }
        }
        Ok(acknowledged)
    }

    /// Runs the notifier until `shutdown` resolves.
    pub async fn run_notifier(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(error) = self.deliver_due_notifications().await {
                tracing::error!(%error, "local payment notifier failed; retrying");
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    async fn do_prepare(
        &self,
        request: &PaymentRequest,
    ) -> Result<PreparedPayment, PaymentProviderError> {
        let session = store::local_open_session(
            &self.app.db,
            &random_hex(16),
            &request.order_no,
            request.amount_fen,
            &request.description,
            self.app.clock.now(),
        )
        .await
        .map_err(backend_error)?;
        if session.amount_fen != request.amount_fen {
            return Err(PaymentProviderError::Permanent(
                "订单金额与已创建的支付不一致".to_owned(),
            ));
        }
        match session.status.as_str() {
            "pending" => Ok(PreparedPayment {
                pay_url: format!("{LOCAL_PAY_PATH}{}", session.token),
            }),
            "paid" => Err(PaymentProviderError::Permanent(
                "该订单已支付，正在确认支付结果".to_owned(),
            )),
            _ => Err(PaymentProviderError::Permanent(
                "该订单的支付已取消或关闭，请联系办理部门重新开具".to_owned(),
            )),
        }
    }

    async fn do_refund(
        &self,
        request: &RefundRequest,
    ) -> Result<ProviderRefund, PaymentProviderError> {
        {
            let mut faults = self.faults();
            if faults.refuse_refunds {
                return Err(PaymentProviderError::Permanent(
                    "商户账户不可用，退款被拒绝（本地模拟）".to_owned(),
                ));
            }
            if faults.transient_refunds > 0 {
                faults.transient_refunds -= 1;
                return Err(PaymentProviderError::Transient(
                    "支付渠道繁忙，请稍后重试（本地模拟）".to_owned(),
                ));
            }
        }
        let provider_refund_no = format!("LR{}", random_digits(16));
        let booked = store::local_refund(
            &self.app.db,
            &request.refund_no,
            &request.trade_no,
            request.amount_fen,
            &provider_refund_no,
            self.app.clock.now(),
        )
        .await
        .map_err(backend_error)?;
        match booked {
            Some(row) => Ok(ProviderRefund {
                provider_refund_no: row.provider_refund_no,
            }),
            None => Err(PaymentProviderError::Permanent(
                "交易不存在、未支付或退款金额超过可退金额".to_owned(),
            )),
        }
    }

    async fn do_statement(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<ProviderStatement, PaymentProviderError> {
        let (paid, refunds) = store::local_statement(&self.app.db, from, to)
            .await
            .map_err(backend_error)?;
        Ok(ProviderStatement {
            payments: paid
                .into_iter()
                .filter_map(|row| {
                    Some(StatementPayment {
                        order_no: row.order_no,
                        trade_no: row.trade_no?,
                        amount_fen: row.amount_fen,
                        paid_at: row.paid_at?,
                    })
                })
                .collect(),
            refunds: refunds
                .into_iter()
                .map(|row| StatementRefund {
                    refund_no: row.refund_no,
                    trade_no: row.trade_no,
                    provider_refund_no: row.provider_refund_no,
                    amount_fen: row.amount_fen,
                    refunded_at: row.created_at,
                })
                .collect(),
        })
    }
}

/// 15 s, 30 s, 1 min … capped at 30 minutes.
fn notify_backoff(attempts: i64) -> Duration {
    let exponent = (attempts - 1).clamp(0, 12) as u32;
    (Duration::seconds(15) * 2i32.saturating_pow(exponent)).min(Duration::minutes(30))
}

impl PaymentProvider for LocalPaymentProvider {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn prepare<'a>(
        &'a self,
        request: &'a PaymentRequest,
    ) -> ProviderFuture<'a, Result<PreparedPayment, PaymentProviderError>> {
        Box::pin(self.do_prepare(request))
    }

    fn close<'a>(
        &'a self,
        order_no: &'a str,
    ) -> ProviderFuture<'a, Result<(), PaymentProviderError>> {
        Box::pin(async move {
            store::local_close(&self.app.db, order_no, self.app.clock.now())
                .await
                .map_err(backend_error)?;
            Ok(())
        })
    }

    fn refund<'a>(
        &'a self,
        request: &'a RefundRequest,
    ) -> ProviderFuture<'a, Result<ProviderRefund, PaymentProviderError>> {
        Box::pin(self.do_refund(request))
    }

    fn statement<'a>(
        &'a self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ProviderFuture<'a, Result<ProviderStatement, PaymentProviderError>> {
        Box::pin(self.do_statement(from, to))
    }
}
