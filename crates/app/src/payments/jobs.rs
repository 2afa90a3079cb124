//! The payments job: executes requested refunds at the provider (with retries), closes orders
//! that expired unpaid, and forgets callback nonces too old to matter.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::json;
use zerotrip_store::notifications as case_store;
use zerotrip_store::payments::{self as store, RefundRow};

use super::provider::{PaymentProvider, PaymentProviderError, RefundRequest};
use super::{PaymentEventPayload, topics};
use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::error::{AppError, AppResult};

/// Refund attempts before one that keeps failing transiently is given up.
pub const MAX_REFUND_ATTEMPTS: i64 = 8;
/// How long nonces are kept: far beyond the five minutes a callback stays valid.
const NONCE_RETENTION: Duration = Duration::days(2);

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentJobsReport {
    pub refunded: usize,
    pub refund_retries: usize,
    pub refund_failures: usize,
    pub closed: usize,
    pub pruned_nonces: u64,
}

impl PaymentJobsReport {
    pub fn is_idle(&self) -> bool {
        self.refunded + self.refund_retries + self.refund_failures + self.closed == 0
    }
}

#[derive(Clone)]
pub struct PaymentJobs {
    app: App,
    provider: Arc<dyn PaymentProvider>,
}

/// 1 min, 2 min, 4 min … capped at an hour.
fn refund_backoff(attempts: i64) -> Duration {
    let exponent = (attempts - 1).clamp(0, 12) as u32;
    (Duration::minutes(1) * 2i32.saturating_pow(exponent)).min(Duration::hours(1))
}

impl PaymentJobs {
    pub fn new(app: App, provider: Arc<dyn PaymentProvider>) -> Self {
        PaymentJobs { app, provider }
    }

    pub async fn run_once(&self) -> AppResult<PaymentJobsReport> {
        let mut report = PaymentJobsReport::default();
        let now = self.app.clock.now();
        let refunds = store::claim_due_refunds(&self.app.db, now, Duration::minutes(2), 50).await?;
        for refund in &refunds {
            self.execute_refund(refund, &mut report).await?;
        }
        let expired = store::expired_open_orders(&self.app.db, self.app.clock.now(), 100).await?;
        for order in &expired {
            let mut tx = self.app.db.begin().await?;
            let closed = self
                .app
                .close_payment_order(&mut tx, order.id, "超过缴费期限未支付，订单已自动关闭")
                .await?;
            tx.commit().await?;
            if closed {
                report.closed += 1;
                if let Err(error) = self.provider.close(&order.order_no).await {
                    tracing::warn!(order = %order.order_no, %error, "provider could not close the order");
                }
            }
        }
        report.pruned_nonces =
            store::prune_callback_nonces(&self.app.db, self.app.clock.now() - NONCE_RETENTION)
                .await?;
        Ok(report)
    }

    /// Runs until `shutdown` resolves, every `interval`.
    pub async fn run(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.run_once().await {
                Ok(report) => report.is_idle(),
                Err(error) => {
                    tracing::error!(%error, "payment jobs failed; retrying");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(interval) => {}
                }
            }
        }
    }

    async fn execute_refund(
        &self,
        refund: &RefundRow,
        report: &mut PaymentJobsReport,
    ) -> AppResult<()> {
        let order = store::order_by_id(&self.app.db, refund.order_id)
            .await?
            .ok_or_else(|| AppError::internal(format!("退款 {} 的订单不存在", refund.refund_no)))?;
        let Some(trade_no) = order.provider_trade_no.clone() else {
            let mut tx = self.app.db.begin().await?;
            store::refund_failed(
                &mut tx,
                refund.id,
                "订单没有支付交易号",
                self.app.clock.now(),
            )
            .await?;
            tx.commit().await?;
            report.refund_failures += 1;
            return Ok(());
        };
        let result = self
            .provider
            .refund(&RefundRequest {
                refund_no: refund.refund_no.clone(),
                order_no: order.order_no.clone(),
                trade_no,
                amount_fen: refund.amount_fen,
                reason: refund.reason.clone(),
            })
            .await;
        let now = self.app.clock.now();
        match result {
            Ok(done) => {
                let mut tx = self.app.db.begin().await?;
                if store::refund_succeeded(&mut tx, refund.id, &done.provider_refund_no, now)
                    .await?
                {
                    store::mark_refunded(&mut tx, order.id, now).await?;
                    let case = case_store::case_facts_tx(&mut tx, order.case_id)
                        .await?
                        .ok_or_else(|| {
                            AppError::internal(format!("订单 {} 的办件不存在", order.order_no))
                        })?;
                    let mut payload = PaymentEventPayload::new(&order, &case);
                    payload.status = "refunded".to_owned();
                    payload.refund_no = Some(refund.refund_no.clone());
                    self.app
                        .emit(
                            &mut tx,
                            topics::REFUNDED,
                            &refund.refund_no,
                            payload.to_json()?,
                        )
                        .await?;
                    self.app
                        .audit(
                            &mut tx,
                            SYSTEM_ACTOR,
                            "payment.refunded",
                            &format!("payment_order:{}", order.order_no),
                            Some(&json!({"status": "paid"})),
                            Some(&json!({
                                "status": "refunded",
                                "refund_no": refund.refund_no,
                                "provider_refund_no": done.provider_refund_no,
                                "amount_fen": refund.amount_fen,
                            })),
                        )
                        .await?;
                    tx.commit().await?;
                    report.refunded += 1;
                    metrics::counter!("zerotrip_payments_total", "event" => "refunded")
                        .increment(1);
                    metrics::counter!("zerotrip_payments_refunded_fen_total")
                        .increment(u64::try_from(refund.amount_fen).unwrap_or(0));
                    tracing::info!(order = %order.order_no, refund = %refund.refund_no, "refund succeeded");
                }
            }
            Err(PaymentProviderError::Transient(error))
                if refund.attempts < MAX_REFUND_ATTEMPTS =>
            {
                store::refund_retry(
                    &self.app.db,
                    refund.id,
                    &error,
                    now + refund_backoff(refund.attempts),
                )
                .await?;
                report.refund_retries += 1;
                tracing::warn!(refund = %refund.refund_no, attempts = refund.attempts, %error, "refund failed; will retry");
            }
            Err(error) => {
                let message = match &error {
                    PaymentProviderError::Transient(text) => {
                        format!("{text}（已尝试 {} 次，不再重试）", refund.attempts)
                    }
                    PaymentProviderError::Permanent(text) => text.clone(),
                };
                let mut tx = self.app.db.begin().await?;
                store::refund_failed(&mut tx, refund.id, &message, now).await?;
                if let Some(case) = case_store::case_facts_tx(&mut tx, order.case_id).await? {
                    let mut payload = PaymentEventPayload::new(&order, &case);
                    payload.refund_no = Some(refund.refund_no.clone());
                    self.app
                        .emit(
                            &mut tx,
                            topics::REFUND_FAILED,
                            &refund.refund_no,
                            payload.to_json()?,
                        )
                        .await?;
                }
                tx.commit().await?;
                report.refund_failures += 1;
                metrics::counter!("zerotrip_payments_total", "event" => "refund_failed")
                    .increment(1);
                tracing::error!(order = %order.order_no, refund = %refund.refund_no, error = %message, "refund failed");
            }
        }
        Ok(())
    }
}
