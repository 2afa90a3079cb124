//! Text messages: the provider port, segment counting, the durable queue and the operator view.
//!
//! A use case queues a message with [`App::queue_sms`] in its own transaction, so the message
//! exists exactly when the change it reports does. The [`super::SmsDispatcher`] job hands queued
//! messages to an [`SmsProvider`], retries transient failures with exponential backoff and asks
//! the provider for the delivery report: `queued → sent → delivered | failed`.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zerotrip_core::access::Role;
use zerotrip_core::privacy::{mask_middle, mask_personal_data};
use zerotrip_store::Tx;
use zerotrip_store::notifications::{self as store, NewSms, SmsAttemptRow, SmsFilter, SmsRow};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The platform's signature, which every message carries first (gateways require one).
pub const SMS_SIGNATURE: &str = "【海南政务】";
/// A message of at most this many characters travels as one segment.
pub const SINGLE_SEGMENT_CHARS: usize = 70;
/// Longer messages are split into segments of this many characters (the rest carries the
/// concatenation header).
pub const MULTI_SEGMENT_CHARS: usize = 67;
/// The longest message accepted, signature included.
pub const MAX_SMS_CHARS: usize = 500;
/// Attempts before a message that keeps failing is given up.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 5;

/// The length of a text as gateways count it: UCS-2 code units, so a Chinese character, a
/// letter and a punctuation mark each count 1 (a character outside the BMP, e.g. an emoji,
/// counts 2).
pub fn sms_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Segments a text is billed and sent as: up to 70 characters is one; longer texts take 67
/// characters per segment (70 → 1, 71 → 2, 134 → 2, 135 → 3).
pub fn sms_segments(text: &str) -> i64 {
    let length = sms_length(text);
    let segments = if length <= SINGLE_SEGMENT_CHARS {
        1
    } else {
        length.div_ceil(MULTI_SEGMENT_CHARS)
    };
    i64::try_from(segments).unwrap_or(i64::MAX)
}

/// Parses a mainland mobile number (`+86`/`86` prefix, spaces and hyphens allowed) into its 11
/// digits, or says why it is not one.
pub fn parse_mobile(input: &str) -> AppResult<String> {
    let compact: String = input
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&compact);
    if digits.is_empty() {
        return Err(AppError::field("phone", "请填写手机号码"));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::field("phone", "手机号码只能包含数字"));
    }
    if digits.len() != 11 {
        return Err(AppError::field(
            "phone",
            format!("手机号码应为 11 位数字，实际为 {} 位", digits.len()),
        ));
    }
    let second = digits.as_bytes()[1];
    if !digits.starts_with('1') || !(b'3'..=b'9').contains(&second) {
        return Err(AppError::field("phone", "手机号码应以 13–19 开头"));
    }
    Ok(digits.to_owned())
}

/// `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    mask_middle(phone, 3, 4)
}

/// A message to queue, with what it is about.
#[derive(Debug, Clone, Default)]
pub struct SmsRequest {
    pub phone: String,
    /// The text; [`SMS_SIGNATURE`] is put in front unless it starts with a signature already.
    pub text: String,
    /// A short, stable name of why it is sent: `case.accept`, `otp.progress`, …
    pub purpose: String,
    pub case_id: Option<i64>,
    pub account_id: Option<i64>,
    /// Defaults to [`DEFAULT_MAX_ATTEMPTS`].
    pub max_attempts: Option<i64>,
}

/// Purposes whose texts carry secrets (one-time codes): their digits never reach a page.
fn is_secret_purpose(purpose: &str) -> bool {
    purpose.starts_with("otp") || purpose.starts_with("verification")
}

fn validate_purpose(purpose: &str) -> AppResult<()> {
    let valid = !purpose.is_empty()
        && purpose.len() <= 64
        && purpose.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if valid {
        Ok(())
    } else {
        Err(AppError::field(
            "purpose",
            "短信用途应为 1–64 位小写字母、数字、点、下划线或连字符",
        ))
    }
}

/// The text as it will be sent: trimmed, with the platform signature in front.
pub fn signed_text(text: &str) -> String {
    let text = text.trim();
    if text.starts_with('【') {
        text.to_owned()
    } else {
        format!("{SMS_SIGNATURE}{text}")
    }
}

impl App {
    /// Queues a text message in the caller's transaction and returns its id. The phone must be
    /// a mainland mobile number and the text non-empty; the platform signature is added and the
    /// segments counted. The [`super::SmsDispatcher`] sends it after the transaction commits.
    pub async fn queue_sms(
        &self,
        tx: &mut Tx,
        phone: &str,
        text: &str,
        purpose: &str,
    ) -> AppResult<i64> {
        self.queue_sms_with(
            tx,
            SmsRequest {
                phone: phone.to_owned(),
                text: text.to_owned(),
                purpose: purpose.to_owned(),
                ..SmsRequest::default()
            },
        )
        .await
    }

    /// [`App::queue_sms`] with the case and account the message is about.
    pub async fn queue_sms_with(&self, tx: &mut Tx, request: SmsRequest) -> AppResult<i64> {
        let phone = parse_mobile(&request.phone)?;
        if request.text.trim().is_empty() {
            return Err(AppError::field("text", "短信内容不能为空"));
        }
        validate_purpose(&request.purpose)?;
        let text = signed_text(&request.text);
        let length = sms_length(&text);
        if length > MAX_SMS_CHARS {
            return Err(AppError::field(
                "text",
                format!("短信内容过长：{length} 字，最多 {MAX_SMS_CHARS} 字（含签名）"),
            ));
        }
        let segments = sms_segments(&text);
        let max_attempts = request
            .max_attempts
            .unwrap_or(DEFAULT_MAX_ATTEMPTS)
            .clamp(1, 20);
        let id = store::insert_sms(
            tx,
            &NewSms {
                phone: &phone,
                text: &text,
                purpose: &request.purpose,
                segments,
                case_id: request.case_id,
                account_id: request.account_id,
                max_attempts,
            },
            self.clock.now(),
        )
        .await?;
        metrics::counter!("zerotrip_sms_queued_total", "purpose" => request.purpose.clone())
            .increment(1);
        tracing::debug!(sms = id, phone = %mask_phone(&phone), purpose = %request.purpose, segments, "sms queued");
        Ok(id)
    }

    /// Messages for the operators' page (province administrators and auditors), newest first;
    /// numbers are masked and one-time codes hidden.
    pub async fn sms_messages(
        &self,
        principal: &Principal,
        filter: &SmsFilter,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<SmsMessageView>> {
        require_operator(principal)?;
        let filter = normalise_filter(filter)?;
        let rows = store::list_sms(&self.db, &filter, limit.clamp(1, 500), offset.max(0)).await?;
        Ok(rows.into_iter().map(SmsMessageView::from).collect())
    }

    /// Messages and segments per status under a filter, for the same page.
    pub async fn sms_summary(
        &self,
        principal: &Principal,
        filter: &SmsFilter,
    ) -> AppResult<Vec<store::SmsStatusCount>> {
        require_operator(principal)?;
        let filter = normalise_filter(filter)?;
        Ok(store::count_sms_by_status(&self.db, &filter).await?)
    }

    /// One message with every attempt.
    pub async fn sms_message(&self, principal: &Principal, id: i64) -> AppResult<SmsMessageDetail> {
        require_operator(principal)?;
        let row = store::sms(&self.db, id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("短信 {id} 不存在")))?;
        let attempts = store::sms_attempts(&self.db, id)
            .await?
            .into_iter()
            .map(SmsAttemptView::from)
            .collect();
        Ok(SmsMessageDetail {
            message: SmsMessageView::from(row),
            attempts,
        })
    }

    /// Records a delivery report a gateway pushed (rather than one the dispatcher asked for).
    /// Unknown ids are an error; a repeated report changes nothing.
    pub async fn record_sms_delivery_report(
        &self,
        provider: &str,
        provider_message_id: &str,
        delivered: bool,
        report: &str,
    ) -> AppResult<()> {
        let row = store::sms_by_provider_id(&self.db, provider, provider_message_id)
            .await?
            .ok_or_else(|| AppError::not_found("未知的短信回执"))?;
        let now = self.clock.now();
        if store::record_delivery_report(&self.db, row.id, delivered, report, now, now).await? {
            super::dispatch::count_report(provider, delivered);
        }
        Ok(())
    }
}

fn require_operator(principal: &Principal) -> AppResult<()> {
    principal.require_any(&[Role::ProvinceAdmin, Role::Auditor])
}

fn normalise_filter(filter: &SmsFilter) -> AppResult<SmsFilter> {
    let mut filter = filter.clone();
    if let Some(phone) = filter.phone.as_deref() {
        filter.phone = Some(parse_mobile(phone)?);
    }
    if let Some(status) = filter.status.as_deref()
        && SmsStatus::parse(status).is_none()
    {
        return Err(AppError::field(
            "status",
            format!("未知的短信状态“{status}”"),
        ));
    }
    Ok(filter)
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    Queued,
    Sent,
    Delivered,
    Failed,
}

impl SmsStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "queued" => Some(SmsStatus::Queued),
            "sent" => Some(SmsStatus::Sent),
            "delivered" => Some(SmsStatus::Delivered),
            "failed" => Some(SmsStatus::Failed),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SmsStatus::Queued => "queued",
            SmsStatus::Sent => "sent",
            SmsStatus::Delivered => "delivered",
            SmsStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SmsStatus::Queued => "待发送",
            SmsStatus::Sent => "已发送",
            SmsStatus::Delivered => "已送达",
            SmsStatus::Failed => "发送失败",
        }
    }
}

/// A message as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsMessageView {
    pub id: i64,
    /// `138****5678`.
    pub phone: String,
    pub text: String,
    pub purpose: String,
    pub segments: i64,
    pub status: SmsStatus,
    pub status_label: &'static str,
    pub case_id: Option<i64>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub delivery_report: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

impl From<SmsRow> for SmsMessageView {
    fn from(row: SmsRow) -> Self {
        let status = SmsStatus::parse(&row.status).unwrap_or(SmsStatus::Failed);
        let text = if is_secret_purpose(&row.purpose) {
            row.text
                .chars()
                .map(|c| if c.is_ascii_digit() { '*' } else { c })
                .collect()
        } else {
            mask_personal_data(&row.text)
        };
        SmsMessageView {
            id: row.id,
            phone: mask_phone(&row.phone),
            text,
            purpose: row.purpose,
            segments: row.segments,
            status,
            status_label: status.label(),
            case_id: row.case_id,
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            next_attempt_at: row.next_attempt_at.filter(|_| status == SmsStatus::Queued),
            last_error: row.last_error,
            provider: row.provider,
            provider_message_id: row.provider_message_id,
            delivery_report: row.delivery_report,
            created_at: row.created_at,
            sent_at: row.sent_at,
            delivered_at: row.delivered_at,
            failed_at: row.failed_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsMessageDetail {
    pub message: SmsMessageView,
    pub attempts: Vec<SmsAttemptView>,
}

/// One hand-over to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsAttemptView {
    pub attempt: i64,
    pub at: DateTime<Utc>,
    /// `accepted`, `transient_error` or `permanent_error`.
    pub outcome: String,
    pub error: Option<String>,
    pub provider_message_id: Option<String>,
}

impl From<SmsAttemptRow> for SmsAttemptView {
    fn from(row: SmsAttemptRow) -> Self {
        SmsAttemptView {
            attempt: row.attempt,
            at: row.at,
            outcome: row.outcome,
            error: row.error,
            provider_message_id: row.provider_message_id,
        }
    }
}

// --- The provider port -------------------------------------------------------------------

/// A boxed future, so providers can be chosen at run time and stored as trait objects.
pub type ProviderFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A message handed to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// Our reference (`sms-<id>`): a provider that sees it twice sends once.
    pub client_ref: String,
    pub phone: String,
    pub text: String,
    pub segments: i64,
}

/// The provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsReceipt {
    pub provider_message_id: String,
}

/// Why a provider did not take a message, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsProviderError {
    /// Busy, throttled, unreachable: try again later.
    #[error("{0}")]
    Transient(String),
    /// Refused for good (bad number, blocked content): do not try again.
    #[error("{0}")]
    Permanent(String),
}

/// What the provider knows about a sent message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsDeliveryStatus {
    /// No report yet.
    Pending,
    Delivered {
        at: DateTime<Utc>,
        report: String,
    },
    /// The handset could not be reached (空号, 停机, …).
    Undeliverable {
        at: DateTime<Utc>,
        report: String,
    },
}

/// An SMS gateway.
pub trait SmsProvider: Send + Sync {
    /// A stable name, stored with every message it sent.
    fn name(&self) -> &str;
    /// Hands one message over; returns the provider's message id.
    fn send<'a>(
        &'a self,
        sms: &'a OutgoingSms,
    ) -> ProviderFuture<'a, Result<SmsReceipt, SmsProviderError>>;
    /// Asks for the delivery report of a message it accepted.
    fn delivery_status<'a>(
        &'a self,
        provider_message_id: &'a str,
    ) -> ProviderFuture<'a, Result<SmsDeliveryStatus, SmsProviderError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_segments_like_a_gateway() {
        assert_eq!(sms_segments(&"政".repeat(70)), 1);
        assert_eq!(sms_segments(&"政".repeat(71)), 2);
        assert_eq!(sms_segments(&"a".repeat(134)), 2);
        assert_eq!(sms_segments(&"务".repeat(135)), 3);
        assert_eq!(sms_length("【海南政务】ok"), 8);
    }

    #[test]
    fn parses_mobile_numbers() {
        assert_eq!(parse_mobile("+86 138-1234-5678").unwrap(), "13812345678");
        assert!(parse_mobile("12812345678").is_err());
        assert!(parse_mobile("0898-66666666").is_err());
        assert!(parse_mobile("").is_err());
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }

    #[test]
    fn adds_the_signature_once() {
        assert_eq!(signed_text(" 您好 "), "【海南政务】您好");
        assert_eq!(signed_text("【海南政务】您好"), "【海南政务】您好");
    }
}
