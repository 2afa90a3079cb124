//! The local SMS gateway: behaves like a real one, without a network.
//!
//! It checks what a gateway checks (an 11-digit mobile number, a signature, the length), keeps
//! its own books in `local_sms_gateway` (so what it "sent" survives restarts and can be shown,
//! e.g. on a demo phone page), answers a repeated submission of the same message with the id
//! it gave the first time, and reports a message delivered once its delivery delay has passed
//! on the platform clock. Failures can be injected for tests and drills.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Duration;
use serde::Serialize;
use zerotrip_store::notifications::{self as store, GatewayMessageRow};

use super::sms::{
    MAX_SMS_CHARS, OutgoingSms, ProviderFuture, SmsDeliveryStatus, SmsProvider, SmsProviderError,
    SmsReceipt, parse_mobile, sms_length, sms_segments,
};
use crate::error::AppResult;
use crate::{App, Clock};

/// Faults to inject.
#[derive(Debug, Default)]
struct Faults {
    unavailable: bool,
    transient_next: u32,
    permanent_next: u32,
    undeliverable: HashSet<String>,
}

/// The local gateway. Clones share their injected faults.
#[derive(Clone)]
pub struct LocalSmsProvider {
    db: zerotrip_store::Db,
    clock: Clock,
    delivery_delay: Duration,
    faults: Arc<Mutex<Faults>>,
}

impl LocalSmsProvider {
    pub const NAME: &'static str = "local";

    /// A gateway on the platform's database and clock; messages are delivered 5 seconds after
    /// they were accepted.
    pub fn new(app: &App) -> Self {
        LocalSmsProvider {
            db: app.db.clone(),
            clock: app.clock.clone(),
            delivery_delay: Duration::seconds(5),
            faults: Arc::new(Mutex::new(Faults::default())),
        }
    }

    pub fn with_delivery_delay(mut self, delay: Duration) -> Self {
        self.delivery_delay = delay;
        self
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes the gateway unreachable (every submission fails transiently) or reachable again.
    pub fn set_unavailable(&self, unavailable: bool) {
        self.faults().unavailable = unavailable;
    }

    /// The next `count` submissions fail transiently (busy, throttled).
    pub fn fail_next_transient(&self, count: u32) {
        self.faults().transient_next = count;
    }

    /// The next `count` submissions are refused for good.
    pub fn fail_next_permanent(&self, count: u32) {
        self.faults().permanent_next = count;
    }

    /// Messages to `phone` are accepted but reported undeliverable (空号).
    pub fn mark_undeliverable(&self, phone: &str) {
        self.faults().undeliverable.insert(phone.to_owned());
    }

    /// What the gateway accepted, newest first, optionally for one number: the local stand-in
    /// for the recipient's phone (demo pages show it so people can read their codes).
    pub async fn sent(&self, phone: Option<&str>, limit: i64) -> AppResult<Vec<GatewayMessage>> {
        let phone = phone.map(parse_mobile).transpose()?;
        let rows = store::gateway_recent(&self.db, phone.as_deref(), limit.clamp(1, 500)).await?;
        Ok(rows.into_iter().map(GatewayMessage::from).collect())
    }

    fn injected_failure(&self) -> Option<SmsProviderError> {
        let mut faults = self.faults();
        if faults.unavailable {
            return Some(SmsProviderError::Transient(
                "短信网关暂时无法连接（本地模拟）".to_owned(),
            ));
        }
        if faults.transient_next > 0 {
            faults.transient_next -= 1;
            return Some(SmsProviderError::Transient(
                "短信网关繁忙，请稍后重试（本地模拟）".to_owned(),
            ));
        }
        if faults.permanent_next > 0 {
            faults.permanent_next -= 1;
            return Some(SmsProviderError::Permanent(
                "短信被网关拒绝：内容不符合模板（本地模拟）".to_owned(),
            ));
        }
        None
    }

    async fn accept(&self, sms: &OutgoingSms) -> Result<SmsReceipt, SmsProviderError> {
        if let Some(failure) = self.injected_failure() {
            return Err(failure);
        }
        let phone = parse_mobile(&sms.phone)
            .map_err(|_| SmsProviderError::Permanent("号码格式错误".to_owned()))?;
        if !sms.text.starts_with('【') || !sms.text.contains('】') {
            return Err(SmsProviderError::Permanent("短信缺少签名".to_owned()));
        }
        if sms_length(&sms.text) > MAX_SMS_CHARS {
            return Err(SmsProviderError::Permanent("短信内容超长".to_owned()));
        }
        let undeliverable = self.faults().undeliverable.contains(&phone);
        let now = self.clock.now();
        let row = GatewayMessageRow {
            provider_message_id: format!("LS{}", crate::payments::random_hex(10).to_uppercase()),
            client_ref: sms.client_ref.clone(),
            phone,
            text: sms.text.clone(),
            segments: sms_segments(&sms.text),
            status: if undeliverable {
                "undeliverable"
            } else {
                "accepted"
            }
            .to_owned(),
            status_reason: undeliverable.then(|| "空号（本地模拟）".to_owned()),
            accepted_at: now,
            deliver_at: now + self.delivery_delay,
            delivered_at: None,
        };
        let stored = store::gateway_accept(&self.db, &row)
            .await
            .map_err(|error| SmsProviderError::Transient(format!("短信网关内部错误：{error}")))?;
        Ok(SmsReceipt {
            provider_message_id: stored.provider_message_id,
        })
    }

    async fn report(
        &self,
        provider_message_id: &str,
    ) -> Result<SmsDeliveryStatus, SmsProviderError> {
        let row = store::gateway_message(&self.db, provider_message_id)
            .await
            .map_err(|error| SmsProviderError::Transient(format!("短信网关内部错误：{error}")))?
            .ok_or_else(|| SmsProviderError::Permanent("未知的消息编号".to_owned()))?;
        let now = self.clock.now();
        match row.status.as_str() {
            "delivered" => Ok(SmsDeliveryStatus::Delivered {
                at: row.delivered_at.unwrap_or(row.deliver_at),
                report: "DELIVRD".to_owned(),
            }),
            _ if now < row.deliver_at => Ok(SmsDeliveryStatus::Pending),
            "undeliverable" => Ok(SmsDeliveryStatus::Undeliverable {
                at: row.deliver_at,
                report: row.status_reason.unwrap_or_else(|| "无法送达".to_owned()),
            }),
            _ => {
                store::gateway_mark_delivered(&self.db, provider_message_id, row.deliver_at)
                    .await
                    .map_err(|error| {
                        SmsProviderError::Transient(format!("短信网关内部错误：{error}"))
                    })?;
                Ok(SmsDeliveryStatus::Delivered {
                    at: row.deliver_at,
                    report: "DELIVRD".to_owned(),
                })
            }
        }
    }
}

impl SmsProvider for LocalSmsProvider {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn send<'a>(
        &'a self,
        sms: &'a OutgoingSms,
    ) -> ProviderFuture<'a, Result<SmsReceipt, SmsProviderError>> {
        Box::pin(self.accept(sms))
    }

    fn delivery_status<'a>(
        &'a self,
        provider_message_id: &'a str,
    ) -> ProviderFuture<'a, Result<SmsDeliveryStatus, SmsProviderError>> {
        Box::pin(self.report(provider_message_id))
    }
}

/// A message in the local gateway's books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayMessage {
    pub provider_message_id: String,
    pub phone: String,
    pub text: String,
    pub segments: i64,
    /// `accepted`, `delivered` or `undeliverable`.
    pub status: String,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<GatewayMessageRow> for GatewayMessage {
    fn from(row: GatewayMessageRow) -> Self {
        GatewayMessage {
            provider_message_id: row.provider_message_id,
            phone: row.phone,
            text: row.text,
            segments: row.segments,
            status: row.status,
            accepted_at: row.accepted_at,
            delivered_at: row.delivered_at,
        }
    }
}
