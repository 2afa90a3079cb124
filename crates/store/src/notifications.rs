//! Notifications: queued text messages and their attempts, the local SMS gateway's books,
//! in-site messages, and the receipts that make outbox subscribers idempotent.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::StoreError;
use crate::db::{Backend, Conditions, Db, Tx, sql};

/// A text message to queue.
#[derive(Debug, Clone)]
pub struct NewSms<'a> {
    pub phone: &'a str,
    pub text: &'a str,
    pub purpose: &'a str,
    pub segments: i64,
    pub case_id: Option<i64>,
    pub account_id: Option<i64>,
    pub max_attempts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SmsRow {
    pub id: i64,
    pub phone: String,
    pub text: String,
    pub purpose: String,
    pub segments: i64,
    pub status: String,
    pub case_id: Option<i64>,
    pub account_id: Option<i64>,
    pub attempts: i64,
    pub max_attempts: i64,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub status_check_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub provider: Option<String>,
    pub provider_message_id: Option<String>,
    pub delivery_report: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

const SMS_COLUMNS: &str = "id, phone, text, purpose, segments, status, case_id, account_id, \
    attempts, max_attempts, next_attempt_at, status_check_at, last_error, provider, \
    provider_message_id, delivery_report, created_at, sent_at, delivered_at, failed_at, updated_at";

/// Queues a message in the caller's transaction; it is due at once.
pub async fn insert_sms(
    tx: &mut Tx,
    sms: &NewSms<'_>,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO sms_messages (phone, text, purpose, segments, status, case_id, \
                 account_id, max_attempts, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $8, $8) RETURNING id",
            )
            .bind(sms.phone)
            .bind(sms.text)
            .bind(sms.purpose)
            .bind(sms.segments)
            .bind(sms.case_id)
            .bind(sms.account_id)
            .bind(sms.max_attempts)
            .bind(at),
        )
        .await?;
    Ok(id)
}

pub async fn sms(db: &Db, id: i64) -> Result<Option<SmsRow>, StoreError> {
    db.fetch_optional(
        crate::db::sql_assembled(format!(
            "SELECT {SMS_COLUMNS} FROM sms_messages WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

/// Claims up to `limit` queued messages that are due: each gets one more attempt counted and
/// its next attempt pushed past `lease`, so another sender (another process on the same
/// PostgreSQL) leaves it alone meanwhile. A sender that dies mid-batch loses only the lease.
pub async fn claim_due_sms(
    db: &Db,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<SmsRow>, StoreError> {
    let mut tx = db.begin().await?;
    let lock = match tx.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        // SQLite has one writer at a time; the IMMEDIATE transaction is the lock.
        Backend::Sqlite => "",
    };
    let mut rows: Vec<SmsRow> = tx
        .fetch_all(
            crate::db::sql_assembled(format!(
                "SELECT {SMS_COLUMNS} FROM sms_messages \
                 WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY id LIMIT $2{lock}"
            ))
            .bind(now)
            .bind(limit),
        )
        .await?;
    for row in &mut rows {
        tx.execute(
            sql(
                "UPDATE sms_messages SET attempts = attempts + 1, next_attempt_at = $2, \
                 updated_at = $3 WHERE id = $1",
            )
            .bind(row.id)
            .bind(now + lease)
            .bind(now),
        )
        .await?;
        row.attempts += 1;
    }
    tx.commit().await?;
    Ok(rows)
}

/// What became of one hand-over to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Accepted,
    TransientError,
    PermanentError,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Accepted => "accepted",
            AttemptOutcome::TransientError => "transient_error",
            AttemptOutcome::PermanentError => "permanent_error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SmsAttemptRow {
    pub id: i64,
    pub message_id: i64,
    pub attempt: i64,
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub error: Option<String>,
    pub provider_message_id: Option<String>,
}

/// Records one attempt and its effect on the message in one transaction.
pub async fn record_sms_attempt(
    db: &Db,
    message: &SmsRow,
    at: DateTime<Utc>,
    outcome: AttemptOutcome,
    error: Option<&str>,
    effect: SmsEffect<'_>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let provider_message_id = match &effect {
        SmsEffect::Sent {
            provider_message_id,
            ..
        } => Some(*provider_message_id),
        _ => None,
    };
    tx.execute(
        sql("INSERT INTO sms_attempts (message_id, attempt, at, outcome, error, provider_message_id) \
             VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(message.id)
        .bind(message.attempts)
        .bind(at)
        .bind(outcome.as_str())
        .bind(error)
        .bind(provider_message_id),
    )
    .await?;
    match effect {
        SmsEffect::Sent {
            provider,
            provider_message_id,
            check_at,
        } => {
            tx.execute(
                sql("UPDATE sms_messages SET status = 'sent', provider = $2, \
                     provider_message_id = $3, sent_at = $4, status_check_at = $5, \
                     next_attempt_at = NULL, last_error = NULL, updated_at = $4 WHERE id = $1")
                .bind(message.id)
                .bind(provider)
                .bind(provider_message_id)
                .bind(at)
                .bind(check_at),
            )
            .await?;
        }
        SmsEffect::Retry { retry_at } => {
            tx.execute(
                sql("UPDATE sms_messages SET last_error = $2, next_attempt_at = $3, updated_at = $4 \
                     WHERE id = $1")
                .bind(message.id)
                .bind(error)
                .bind(retry_at)
                .bind(at),
            )
            .await?;
        }
        SmsEffect::Failed => {
            tx.execute(
                sql(
                    "UPDATE sms_messages SET status = 'failed', last_error = $2, failed_at = $3, \
                     next_attempt_at = NULL, updated_at = $3 WHERE id = $1",
                )
                .bind(message.id)
                .bind(error)
                .bind(at),
            )
            .await?;
        }
    }
    tx.commit().await
}

/// What an attempt does to its message.
#[derive(Debug, Clone)]
pub enum SmsEffect<'a> {
    Sent {
        provider: &'a str,
        provider_message_id: &'a str,
        check_at: DateTime<Utc>,
    },
    Retry {
        retry_at: DateTime<Utc>,
    },
    Failed,
}

pub async fn sms_attempts(db: &Db, message_id: i64) -> Result<Vec<SmsAttemptRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT id, message_id, attempt, at, outcome, error, provider_message_id \
             FROM sms_attempts WHERE message_id = $1 ORDER BY id",
        )
        .bind(message_id),
    )
    .await
}

/// Sent messages whose delivery report is due to be asked for.
pub async fn due_status_checks(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<SmsRow>, StoreError> {
    db.fetch_all(
        crate::db::sql_assembled(format!(
            "SELECT {SMS_COLUMNS} FROM sms_messages \
             WHERE status = 'sent' AND status_check_at <= $1 ORDER BY status_check_at, id LIMIT $2"
        ))
        .bind(now)
        .bind(limit),
    )
    .await
}

/// Asks again at `check_at`, or never (`None`) when the provider will not say any more.
pub async fn reschedule_status_check(
    db: &Db,
    id: i64,
    check_at: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql(
            "UPDATE sms_messages SET status_check_at = $2, updated_at = $3 \
             WHERE id = $1 AND status = 'sent'",
        )
        .bind(id)
        .bind(check_at)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// Records the provider's final delivery report of a sent message; returns whether it changed
/// anything (a repeated report does not).
pub async fn record_delivery_report(
    db: &Db,
    id: i64,
    delivered: bool,
    report: &str,
    reported_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed =
        if delivered {
            db.execute(
                sql(
                    "UPDATE sms_messages SET status = 'delivered', delivered_at = $2, \
                 delivery_report = $3, status_check_at = NULL, updated_at = $4 \
                 WHERE id = $1 AND status = 'sent'",
                )
                .bind(id)
                .bind(reported_at)
                .bind(report)
                .bind(at),
            )
            .await?
        } else {
            db.execute(
            sql("UPDATE sms_messages SET status = 'failed', failed_at = $2, delivery_report = $3, \
                 last_error = $3, status_check_at = NULL, updated_at = $4 \
                 WHERE id = $1 AND status = 'sent'")
            .bind(id)
            .bind(reported_at)
            .bind(report)
            .bind(at),
        )
        .await?
        };
    Ok(changed > 0)
}

pub async fn sms_by_provider_id(
    db: &Db,
    provider: &str,
    provider_message_id: &str,
) -> Result<Option<SmsRow>, StoreError> {
    db.fetch_optional(
        crate::db::sql_assembled(format!(
            "SELECT {SMS_COLUMNS} FROM sms_messages WHERE provider = $1 AND provider_message_id = $2"
        ))
        .bind(provider)
        .bind(provider_message_id),
    )
    .await
}

/// Which messages an operator wants to see.
#[derive(Debug, Clone, Default)]
pub struct SmsFilter {
    pub status: Option<String>,
    /// The full 11-digit number.
    pub phone: Option<String>,
    pub purpose: Option<String>,
    pub case_id: Option<i64>,
    /// Created at or after.
    pub since: Option<DateTime<Utc>>,
    /// Created before.
    pub until: Option<DateTime<Utc>>,
}

fn sms_conditions(filter: &SmsFilter) -> Conditions {
    let mut conditions = Conditions::new();
    if let Some(status) = &filter.status {
        conditions.add("status = ?", status);
    }
    if let Some(phone) = &filter.phone {
        conditions.add("phone = ?", phone);
    }
    if let Some(purpose) = &filter.purpose {
        conditions.add("purpose = ?", purpose);
    }
    if let Some(case_id) = filter.case_id {
        conditions.add("case_id = ?", case_id);
    }
    if let Some(since) = filter.since {
        conditions.add("created_at >= ?", since);
    }
    if let Some(until) = filter.until {
        conditions.add("created_at < ?", until);
    }
    conditions
}

/// Newest first.
pub async fn list_sms(
    db: &Db,
    filter: &SmsFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<SmsRow>, StoreError> {
    let conditions = sms_conditions(filter);
    let next = conditions.next_placeholder();
    let head = format!("SELECT {SMS_COLUMNS} FROM sms_messages");
    let tail = format!(" ORDER BY id DESC LIMIT ${next} OFFSET ${}", next + 1);
    db.fetch_all(conditions.query(&head, &tail).bind(limit).bind(offset))
        .await
}

/// Messages and segments per status under a filter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SmsStatusCount {
    pub status: String,
    pub messages: i64,
    pub segments: i64,
}

pub async fn count_sms_by_status(
    db: &Db,
    filter: &SmsFilter,
) -> Result<Vec<SmsStatusCount>, StoreError> {
    let conditions = sms_conditions(filter);
    db.fetch_all(conditions.query(
        "SELECT status, CAST(COUNT(*) AS BIGINT) AS messages, \
         CAST(COALESCE(SUM(segments), 0) AS BIGINT) AS segments FROM sms_messages",
        " GROUP BY status ORDER BY status",
    ))
    .await
}

// --- The local SMS gateway's books -------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GatewayMessageRow {
    pub provider_message_id: String,
    pub client_ref: String,
    pub phone: String,
    pub text: String,
    pub segments: i64,
    pub status: String,
    pub status_reason: Option<String>,
    pub accepted_at: DateTime<Utc>,
    pub deliver_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const GATEWAY_COLUMNS: &str = "provider_message_id, client_ref, phone, text, segments, status, \
    status_reason, accepted_at, deliver_at, delivered_at";

/// Accepts a message once per client reference: a repeated submission (the sender retried
/// after losing the answer) returns the message accepted the first time.
pub async fn gateway_accept(
    db: &Db,
    row: &GatewayMessageRow,
) -> Result<GatewayMessageRow, StoreError> {
    db.execute(
        sql("INSERT INTO local_sms_gateway (provider_message_id, client_ref, phone, text, segments, \
             status, status_reason, accepted_at, deliver_at, delivered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (client_ref) DO NOTHING")
        .bind(&row.provider_message_id)
        .bind(&row.client_ref)
        .bind(&row.phone)
        .bind(&row.text)
        .bind(row.segments)
        .bind(&row.status)
        .bind(row.status_reason.as_deref())
        .bind(row.accepted_at)
        .bind(row.deliver_at)
        .bind(row.delivered_at),
    )
    .await?;
    db.fetch_one(
        crate::db::sql_assembled(format!(
            "SELECT {GATEWAY_COLUMNS} FROM local_sms_gateway WHERE client_ref = $1"
        ))
        .bind(&row.client_ref),
    )
    .await
}

pub async fn gateway_message(
    db: &Db,
    provider_message_id: &str,
) -> Result<Option<GatewayMessageRow>, StoreError> {
    db.fetch_optional(
        crate::db::sql_assembled(format!(
            "SELECT {GATEWAY_COLUMNS} FROM local_sms_gateway WHERE provider_message_id = $1"
        ))
        .bind(provider_message_id),
    )
    .await
}

/// Marks an accepted message delivered.
pub async fn gateway_mark_delivered(
    db: &Db,
    provider_message_id: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql(
            "UPDATE local_sms_gateway SET status = 'delivered', delivered_at = $2 \
             WHERE provider_message_id = $1 AND status = 'accepted'",
        )
        .bind(provider_message_id)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// What the gateway accepted, newest first, optionally for one number.
pub async fn gateway_recent(
    db: &Db,
    phone: Option<&str>,
    limit: i64,
) -> Result<Vec<GatewayMessageRow>, StoreError> {
    let mut conditions = Conditions::new();
    if let Some(phone) = phone {
        conditions.add("phone = ?", phone);
    }
    let next = conditions.next_placeholder();
    let head = format!("SELECT {GATEWAY_COLUMNS} FROM local_sms_gateway");
    let tail = format!(" ORDER BY accepted_at DESC, provider_message_id DESC LIMIT ${next}");
    db.fetch_all(conditions.query(&head, &tail).bind(limit))
        .await
}

// --- In-site messages --------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub body: String,
    pub case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn insert_message(
    tx: &mut Tx,
    account_id: i64,
    title: &str,
    body: &str,
    case_id: Option<i64>,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO messages (account_id, title, body, case_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(account_id)
            .bind(title)
            .bind(body)
            .bind(case_id)
            .bind(at),
        )
        .await?;
    Ok(id)
}

/// An account's messages, newest first.
pub async fn inbox(
    db: &Db,
    account_id: i64,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<MessageRow>, StoreError> {
    let query = if unread_only {
        sql(
            "SELECT id, account_id, title, body, case_id, created_at, read_at FROM messages \
             WHERE account_id = $1 AND read_at IS NULL ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
    } else {
        sql(
            "SELECT id, account_id, title, body, case_id, created_at, read_at FROM messages \
             WHERE account_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
    };
    db.fetch_all(query.bind(account_id).bind(limit).bind(offset))
        .await
}

pub async fn unread_count(db: &Db, account_id: i64) -> Result<i64, StoreError> {
    let (count,): (i64,) = db
        .fetch_one(
            sql("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND read_at IS NULL")
                .bind(account_id),
        )
        .await?;
    Ok(count)
}

/// One message of one account (`None` for another account's message, as for a missing one).
pub async fn message_of(
    db: &Db,
    account_id: i64,
    id: i64,
) -> Result<Option<MessageRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT id, account_id, title, body, case_id, created_at, read_at FROM messages \
             WHERE id = $1 AND account_id = $2",
        )
        .bind(id)
        .bind(account_id),
    )
    .await
}

/// Marks one of the account's messages read (keeping the first time it was read).
pub async fn mark_read(
    db: &Db,
    account_id: i64,
    id: i64,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    db.execute(
        sql("UPDATE messages SET read_at = $3 WHERE id = $1 AND account_id = $2 AND read_at IS NULL")
            .bind(id)
            .bind(account_id)
            .bind(at),
    )
    .await
}

pub async fn mark_all_read(db: &Db, account_id: i64, at: DateTime<Utc>) -> Result<u64, StoreError> {
    db.execute(
        sql("UPDATE messages SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL")
            .bind(account_id)
            .bind(at),
    )
    .await
}

// --- Subscriber receipts -----------------------------------------------------------------

/// Records that `subscriber` acts on outbox event `event_id` in the caller's transaction;
/// `false` when it already did (the transaction should then change nothing else).
pub async fn claim_event_receipt(
    tx: &mut Tx,
    subscriber: &str,
    event_id: i64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = tx
        .execute(
            sql("INSERT INTO event_receipts (subscriber, event_id, processed_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (subscriber, event_id) DO NOTHING")
            .bind(subscriber)
            .bind(event_id)
            .bind(at),
        )
        .await?;
    Ok(inserted == 1)
}

// --- Facts of a case, for notifications, payments and delivery ----------------------------

/// What the modules around a case read of it (the case module owns the table).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseFacts {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub state: String,
    pub applicant_account_id: i64,
    pub applicant_name: String,
    pub contact_phone: String,
    pub handling_department_id: i64,
    pub handling_region_code: String,
    pub deadline: Option<NaiveDate>,
}

const CASE_FACTS: &str = "SELECT id, number, item_code, item_name, state, applicant_account_id, \
    applicant_name, contact_phone, handling_department_id, handling_region_code, deadline \
    FROM cases WHERE id = $1";

pub async fn case_facts(db: &Db, case_id: i64) -> Result<Option<CaseFacts>, StoreError> {
    db.fetch_optional(sql(CASE_FACTS).bind(case_id)).await
}

pub async fn case_facts_tx(tx: &mut Tx, case_id: i64) -> Result<Option<CaseFacts>, StoreError> {
    tx.fetch_optional(sql(CASE_FACTS).bind(case_id)).await
}
