//! The job that sends queued text messages and collects their delivery reports.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use zerotrip_store::notifications::{self as store, AttemptOutcome, SmsEffect, SmsRow};

use super::sms::{OutgoingSms, SmsDeliveryStatus, SmsProvider, SmsProviderError, mask_phone};
use crate::App;
use crate::error::AppResult;

/// How the dispatcher paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPolicy {
    /// The wait after the first failed attempt; doubled after each further one.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// How long a claimed message is reserved for this dispatcher.
    pub lease: Duration,
    /// When to ask for the first delivery report after sending.
    pub first_status_check: Duration,
    /// After this long without a report, stop asking (the message stays `sent`).
    pub report_window: Duration,
    /// Messages per round.
    pub batch: i64,
}

impl Default for SmsPolicy {
    fn default() -> Self {
        SmsPolicy {
            base_delay: Duration::seconds(30),
            max_delay: Duration::minutes(30),
            lease: Duration::minutes(2),
            first_status_check: Duration::seconds(10),
            report_window: Duration::hours(72),
            batch: 100,
        }
    }
}

impl SmsPolicy {
    /// The wait after failed attempt number `attempt` (1-based): base × 2^(attempt−1), capped.
    pub fn backoff(&self, attempt: i64) -> Duration {
        let exponent = (attempt - 1).clamp(0, 20) as u32;
        let factor = 2i32.saturating_pow(exponent);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Accepted by the provider.
    pub sent: usize,
    /// Failed transiently and queued again.
    pub retried: usize,
    /// Given up: refused for good, or out of attempts.
    pub failed: usize,
    /// Delivery reports received: delivered.
    pub delivered: usize,
    /// Delivery reports received: not deliverable.
    pub undeliverable: usize,
}

impl DispatchReport {
    pub fn is_idle(&self) -> bool {
        *self == DispatchReport::default()
    }
}

/// Sends queued messages through one provider, with retries and delivery reports.
#[derive(Clone)]
pub struct SmsDispatcher {
    app: App,
    provider: Arc<dyn SmsProvider>,
    policy: SmsPolicy,
}

impl SmsDispatcher {
    pub fn new(app: App, provider: Arc<dyn SmsProvider>) -> Self {
        SmsDispatcher {
            app,
            provider,
            policy: SmsPolicy::default(),
        }
    }

    pub fn with_policy(mut self, policy: SmsPolicy) -> Self {
        self.policy = policy;
        self
    }

    pub fn policy(&self) -> &SmsPolicy {
        &self.policy
    }

    /// One round: sends what is due, then asks for the reports that are due.
    pub async fn run_once(&self) -> AppResult<DispatchReport> {
        let mut report = DispatchReport::default();
        let now = self.app.clock.now();
        let due =
            store::claim_due_sms(&self.app.db, now, self.policy.lease, self.policy.batch).await?;
        for message in &due {
            self.send(message, &mut report).await?;
        }
        let checks =
            store::due_status_checks(&self.app.db, self.app.clock.now(), self.policy.batch).await?;
        for message in &checks {
            self.check(message, &mut report).await?;
        }
        Ok(report)
    }

    /// Runs until `shutdown` resolves, every `interval` when idle.
    pub async fn run(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.run_once().await {
                Ok(report) => report.is_idle(),
                Err(error) => {
                    tracing::error!(%error, "sms dispatcher failed; retrying");
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

    async fn send(&self, message: &SmsRow, report: &mut DispatchReport) -> AppResult<()> {
        let outgoing = OutgoingSms {
            client_ref: format!("sms-{}", message.id),
            phone: message.phone.clone(),
            text: message.text.clone(),
            segments: message.segments,
        };
        let provider = self.provider.name().to_owned();
        let result = self.provider.send(&outgoing).await;
        let now = self.app.clock.now();
        let phone = mask_phone(&message.phone);
        match result {
            Ok(receipt) => {
                store::record_sms_attempt(
                    &self.app.db,
                    message,
                    now,
                    AttemptOutcome::Accepted,
                    None,
                    SmsEffect::Sent {
                        provider: &provider,
                        provider_message_id: &receipt.provider_message_id,
                        check_at: now + self.policy.first_status_check,
                    },
                )
                .await?;
                report.sent += 1;
                metrics::counter!("zerotrip_sms_sent_total", "provider" => provider.clone())
                    .increment(1);
                metrics::counter!("zerotrip_sms_segments_total", "provider" => provider)
                    .increment(u64::try_from(message.segments).unwrap_or(0));
                tracing::info!(sms = message.id, %phone, purpose = %message.purpose, attempt = message.attempts, provider_message_id = %receipt.provider_message_id, "sms sent");
            }
            Err(SmsProviderError::Transient(error)) if message.attempts < message.max_attempts => {
                let retry_at = now + self.policy.backoff(message.attempts);
                store::record_sms_attempt(
                    &self.app.db,
                    message,
                    now,
                    AttemptOutcome::TransientError,
                    Some(&error),
                    SmsEffect::Retry { retry_at },
                )
                .await?;
                report.retried += 1;
                metrics::counter!("zerotrip_sms_retried_total", "provider" => provider)
                    .increment(1);
                tracing::warn!(sms = message.id, %phone, attempt = message.attempts, %retry_at, %error, "sms send failed; will retry");
            }
            Err(failure) => {
                let (outcome, reason) = match &failure {
                    SmsProviderError::Transient(_) => {
                        (AttemptOutcome::TransientError, "attempts_exhausted")
                    }
                    SmsProviderError::Permanent(_) => (AttemptOutcome::PermanentError, "rejected"),
                };
                let error = match &failure {
                    SmsProviderError::Transient(error) => {
                        format!("{error}（已尝试 {} 次，不再重试）", message.attempts)
                    }
                    SmsProviderError::Permanent(error) => error.clone(),
                };
                store::record_sms_attempt(
                    &self.app.db,
                    message,
                    now,
                    outcome,
                    Some(&error),
                    SmsEffect::Failed,
                )
                .await?;
                report.failed += 1;
                metrics::counter!("zerotrip_sms_failed_total", "provider" => provider, "reason" => reason).increment(1);
                tracing::warn!(sms = message.id, %phone, attempt = message.attempts, reason, %error, "sms failed");
            }
        }
        Ok(())
    }

    async fn check(&self, message: &SmsRow, report: &mut DispatchReport) -> AppResult<()> {
        let Some(provider_message_id) = message.provider_message_id.as_deref() else {
            store::reschedule_status_check(&self.app.db, message.id, None, self.app.clock.now())
                .await?;
            return Ok(());
        };
        // A message sent through another provider is not this dispatcher's to ask about; look
        // again much later (that provider's dispatcher, or its pushed reports, settle it).
        if message.provider.as_deref() != Some(self.provider.name()) {
            let now = self.app.clock.now();
            store::reschedule_status_check(
                &self.app.db,
                message.id,
                Some(now + self.policy.max_delay),
                now,
            )
            .await?;
            return Ok(());
        }
        let status = self.provider.delivery_status(provider_message_id).await;
        let now = self.app.clock.now();
        match status {
            Ok(SmsDeliveryStatus::Delivered { at, report: text }) => {
                if store::record_delivery_report(&self.app.db, message.id, true, &text, at, now)
                    .await?
                {
                    report.delivered += 1;
                    count_report(self.provider.name(), true);
                }
            }
            Ok(SmsDeliveryStatus::Undeliverable { at, report: text }) => {
                if store::record_delivery_report(&self.app.db, message.id, false, &text, at, now)
                    .await?
                {
                    report.undeliverable += 1;
                    count_report(self.provider.name(), false);
                    tracing::warn!(sms = message.id, phone = %mask_phone(&message.phone), report = %text, "sms not deliverable");
                }
            }
            Ok(SmsDeliveryStatus::Pending) | Err(SmsProviderError::Transient(_)) => {
                let sent_at = message.sent_at.unwrap_or(message.created_at);
                let waited = now - sent_at;
                let next = if waited >= self.policy.report_window {
                    None
                } else {
                    // Ask less often the longer the report takes.
                    let step = (waited / 2)
                        .max(self.policy.first_status_check)
                        .min(self.policy.max_delay);
                    Some(now + step)
                };
                store::reschedule_status_check(&self.app.db, message.id, next, now).await?;
            }
            Err(SmsProviderError::Permanent(error)) => {
                tracing::warn!(sms = message.id, %error, "provider cannot report on sms");
                store::reschedule_status_check(&self.app.db, message.id, None, now).await?;
            }
        }
        Ok(())
    }
}

pub(super) fn count_report(provider: &str, delivered: bool) {
    let provider = provider.to_owned();
    if delivered {
        metrics::counter!("zerotrip_sms_delivered_total", "provider" => provider).increment(1);
    } else {
        metrics::counter!("zerotrip_sms_failed_total", "provider" => provider, "reason" => "undeliverable")
            .increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = SmsPolicy::default();
        assert_eq!(policy.backoff(1), Duration::seconds(30));
        assert_eq!(policy.backoff(2), Duration::seconds(60));
        assert_eq!(policy.backoff(3), Duration::seconds(120));
        assert_eq!(policy.backoff(10), Duration::minutes(30));
        assert_eq!(policy.backoff(100), Duration::minutes(30));
    }
}
