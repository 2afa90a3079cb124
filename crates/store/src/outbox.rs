//! The transactional outbox. A use case writes its domain event with [`enqueue`] in the same
//! transaction as the change; a worker claims pending events, hands them to subscribers and
//! marks them delivered, so every committed change is delivered at least once.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Backend, Db, Tx, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxEvent {
    pub id: i64,
    pub topic: String,
    pub event_key: String,
    pub payload: Json<Value>,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
}

/// Records an event in the caller's transaction.
pub async fn enqueue(
    tx: &mut Tx,
    topic: &str,
    key: &str,
    payload: Value,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO outbox (topic, event_key, payload, created_at, available_at) \
                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
            )
            .bind(topic)
            .bind(key)
            .bind(payload)
            .bind(at),
        )
        .await?;
    Ok(id)
}

/// Claims up to `limit` due events for this worker by pushing their `available_at` past the
/// lease, so another worker (another process on the same PostgreSQL) skips them meanwhile. A
/// worker that dies mid-batch loses only the lease: the events come due again.
pub async fn claim(
    db: &Db,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<OutboxEvent>, StoreError> {
    let mut tx = db.begin().await?;
    let select = match tx.backend() {
        Backend::Postgres => sql(
            "SELECT id, topic, event_key, payload, created_at, attempts FROM outbox \
             WHERE delivered_at IS NULL AND available_at <= $1 ORDER BY id LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
        ),
        // SQLite has one writer at a time; the IMMEDIATE transaction is the lock.
        Backend::Sqlite => sql(
            "SELECT id, topic, event_key, payload, created_at, attempts FROM outbox \
             WHERE delivered_at IS NULL AND available_at <= $1 ORDER BY id LIMIT $2",
        ),
    };
    let events: Vec<OutboxEvent> = tx.fetch_all(select.bind(now).bind(limit)).await?;
    for event in &events {
        tx.execute(
            sql("UPDATE outbox SET available_at = $2, attempts = attempts + 1 WHERE id = $1")
                .bind(event.id)
                .bind(now + lease),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(events)
}

pub async fn mark_delivered(db: &Db, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    db.execute(
        sql("UPDATE outbox SET delivered_at = $2, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(at),
    )
    .await?;
    Ok(())
}

/// Records a failed delivery; the event comes due again at `retry_at`.
pub async fn mark_failed(
    db: &Db,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        sql("UPDATE outbox SET last_error = $2, available_at = $3 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(retry_at),
    )
    .await?;
    Ok(())
}

/// Counts for health pages and metrics.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct OutboxStats {
    pub pending: i64,
    pub failing: i64,
    pub delivered: i64,
}

pub async fn stats(db: &Db) -> Result<OutboxStats, StoreError> {
    db.fetch_one(sql(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS pending, \
           CAST(COALESCE(SUM(CASE WHEN delivered_at IS NULL AND last_error IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS failing, \
           CAST(COALESCE(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS delivered \
         FROM outbox",
    ))
    .await
}

/// Events in id order, for inspection and tests.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub topic: String,
    pub event_key: String,
    pub payload: Json<Value>,
    pub attempts: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT id, topic, event_key, payload, attempts, delivered_at, last_error FROM outbox \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit),
    )
    .await
}
