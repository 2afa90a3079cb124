//! Notifications: text messages (SMS) and in-site messages (站内消息).
//!
//! * [`App::queue_sms`] writes a message in the caller's transaction; the [`SmsDispatcher`] job
//!   sends it through an [`SmsProvider`] (the [`LocalSmsProvider`] by default) with retries and
//!   exponential backoff, and records the delivery report.
//! * [`App::post_message`] writes an in-site message in the caller's transaction;
//!   [`App::message_inbox`] and [`App::mark_read`] serve the owner.
//! * The [`NotificationSubscriber`] turns `case.*`, `payment.*` and `delivery.*` outbox events
//!   into both, once per event however often the outbox delivers it.
//!
//! For the web layer: the message inbox page calls [`App::message_inbox`] / [`App::message_inbox_page`],
//! [`App::mark_read`] and [`App::mark_all_read`]; an operators' page calls
//! [`App::sms_messages`], [`App::sms_summary`] and [`App::sms_message`]; a gateway that pushes
//! delivery reports calls [`App::record_sms_delivery_report`]; in local mode a demo "phone"
//! page can show [`LocalSmsProvider::sent`].

pub mod dispatch;
pub mod local_sms;
pub mod sms;
pub mod subscriber;
pub mod templates;

use chrono::{DateTime, Utc};
use serde::Serialize;
use zerotrip_store::Tx;
use zerotrip_store::notifications::{self as store, MessageRow};

pub use dispatch::{DispatchReport, SmsDispatcher, SmsPolicy};
pub use local_sms::{GatewayMessage, LocalSmsProvider};
pub use sms::{
    OutgoingSms, SMS_SIGNATURE, SmsDeliveryStatus, SmsMessageDetail, SmsMessageView, SmsProvider,
    SmsProviderError, SmsReceipt, SmsRequest, SmsStatus, parse_mobile, sms_length, sms_segments,
};
pub use subscriber::NotificationSubscriber;
pub use zerotrip_store::notifications::SmsFilter;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// The longest title and body of an in-site message.
const MAX_TITLE_CHARS: usize = 100;
const MAX_BODY_CHARS: usize = 5000;

/// An in-site message as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxMessage {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<MessageRow> for InboxMessage {
    fn from(row: MessageRow) -> Self {
        InboxMessage {
            id: row.id,
            title: row.title,
            body: row.body,
            case_id: row.case_id,
            created_at: row.created_at,
            read_at: row.read_at,
        }
    }
}

/// A page of an account's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inbox {
    pub messages: Vec<InboxMessage>,
    pub unread: i64,
}

impl App {
    /// Writes an in-site message for `account_id` in the caller's transaction.
    pub async fn post_message(
        &self,
        tx: &mut Tx,
        account_id: i64,
        title: &str,
        body: &str,
        case_id: Option<i64>,
    ) -> AppResult<i64> {
        let title = title.trim();
        let body = body.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
            return Err(AppError::field(
                "title",
                format!("消息标题应为 1–{MAX_TITLE_CHARS} 字"),
            ));
        }
        if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
            return Err(AppError::field(
                "body",
                format!("消息内容应为 1–{MAX_BODY_CHARS} 字"),
            ));
        }
        let id =
            store::insert_message(tx, account_id, title, body, case_id, self.clock.now()).await?;
        metrics::counter!("zerotrip_messages_posted_total").increment(1);
        Ok(id)
    }

    /// The newest 50 messages of the signed-in account and how many are unread. (`App::inbox`
    /// is the staff workbench's case inbox.)
    pub async fn message_inbox(&self, principal: &Principal) -> AppResult<Inbox> {
        self.message_inbox_page(principal, false, 50, 0).await
    }

    /// A page of the signed-in account's messages, newest first.
    pub async fn message_inbox_page(
        &self,
        principal: &Principal,
        unread_only: bool,
        limit: i64,
        offset: i64,
    ) -> AppResult<Inbox> {
        let messages = store::inbox(
            &self.db,
            principal.account_id,
            unread_only,
            limit.clamp(1, 200),
            offset.max(0),
        )
        .await?;
        let unread = store::unread_count(&self.db, principal.account_id).await?;
        Ok(Inbox {
            messages: messages.into_iter().map(InboxMessage::from).collect(),
            unread,
        })
    }

    /// One of the signed-in account's messages. Another account's message is "not found", as
    /// if it did not exist.
    pub async fn message(&self, principal: &Principal, id: i64) -> AppResult<InboxMessage> {
        store::message_of(&self.db, principal.account_id, id)
            .await?
            .map(InboxMessage::from)
            .ok_or_else(|| AppError::not_found("消息不存在"))
    }

    /// Marks one of the signed-in account's messages read; only its owner can. Reading it again
    /// keeps the first time.
    pub async fn mark_read(&self, principal: &Principal, id: i64) -> AppResult<InboxMessage> {
        store::mark_read(&self.db, principal.account_id, id, self.clock.now()).await?;
        self.message(principal, id).await
    }

    /// Marks all of the signed-in account's messages read; returns how many were unread.
    pub async fn mark_all_read(&self, principal: &Principal) -> AppResult<u64> {
        Ok(store::mark_all_read(&self.db, principal.account_id, self.clock.now()).await?)
    }
}
