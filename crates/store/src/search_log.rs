//! What search keeps in the database: the counters every process's in-memory index follows, the
//! change log behind the content counter, the versioned synonym overlay and the consultation log
//! (what people searched, whether it answered them, what they opened).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Db, Tx, sql};

/// The cheap question a process asks before it answers a search: has anything changed?
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SearchProbe {
    /// Steps once per recorded content change (see [`record_change`]).
    pub content_version: i64,
    /// The current synonym overlay version (0: the shipped list alone).
    pub synonyms_version: i64,
    /// Bundles are loaded without events (demo data); their number catches that.
    pub bundles: i64,
}

pub async fn probe(db: &Db) -> Result<SearchProbe, StoreError> {
    db.fetch_one(sql("SELECT s.content_version, s.synonyms_version, \
         CAST((SELECT COUNT(*) FROM bundles) AS BIGINT) AS bundles \
         FROM search_state s WHERE s.id = 1"))
        .await
}

/// One content change the index must follow.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChangeRow {
    pub version: i64,
    /// item | bundle | article | faq | all
    pub kind: String,
    pub code: String,
    pub event_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Records a change and steps the content version, in one transaction. The update of the single
/// `search_state` row is the lock: versions are handed out in commit order, so a process that
/// reads version N finds every change up to N committed. With an `event_id` already recorded
/// (an event delivered twice) nothing is written and `None` is returned.
pub async fn record_change(
    db: &Db,
    kind: &str,
    code: &str,
    event_id: Option<i64>,
    at: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.begin().await?;
    if let Some(id) = event_id {
        let seen: Option<(i64,)> = tx
            .fetch_optional(sql("SELECT version FROM search_changes WHERE event_id = $1").bind(id))
            .await?;
        if seen.is_some() {
            return Ok(None);
        }
    }
    // Two deliveries of one event racing past the check: the second insert breaks the unique
    // event id and that delivery is retried (and then finds the first).
    let (version,): (i64,) = tx
        .fetch_one(sql(
            "UPDATE search_state SET content_version = content_version + 1 WHERE id = 1 \
             RETURNING content_version",
        ))
        .await?;
    tx.execute(
        sql(
            "INSERT INTO search_changes (version, kind, code, event_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(version)
        .bind(kind)
        .bind(code)
        .bind(event_id)
        .bind(at),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(version))
}

/// Changes with `after < version <= upto`, in order.
pub async fn changes_between(db: &Db, after: i64, upto: i64) -> Result<Vec<ChangeRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT version, kind, code, event_id, created_at FROM search_changes \
             WHERE version > $1 AND version <= $2 ORDER BY version",
        )
        .bind(after)
        .bind(upto),
    )
    .await
}

/// Forgets changes recorded before `before`; a process further behind than that rebuilds.
pub async fn prune_changes(db: &Db, before: DateTime<Utc>) -> Result<u64, StoreError> {
    db.execute(sql("DELETE FROM search_changes WHERE created_at < $1").bind(before))
        .await
}

/// One version of the synonym overlay.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SynonymVersionRow {
    pub version: i64,
    pub rules: Json<Value>,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// The version a process should use (0 when administrators never edited the list).
pub async fn synonym_version(
    db: &Db,
    version: i64,
) -> Result<Option<SynonymVersionRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT version, rules, note, created_by, created_at FROM search_synonym_versions \
             WHERE version = $1",
        )
        .bind(version),
    )
    .await
}

/// The latest version of the overlay, if there is one.
pub async fn latest_synonyms(db: &Db) -> Result<Option<SynonymVersionRow>, StoreError> {
    db.fetch_optional(sql(
        "SELECT v.version, v.rules, v.note, v.created_by, v.created_at \
         FROM search_synonym_versions v JOIN search_state s ON s.id = 1 AND v.version = s.synonyms_version",
    ))
    .await
}

/// Takes the next overlay version inside `tx` (and with it the lock that serialises editors),
/// returning it and the rules of the version it replaces.
pub async fn next_synonym_version(tx: &mut Tx) -> Result<(i64, Option<Json<Value>>), StoreError> {
    let (version,): (i64,) = tx
        .fetch_one(sql(
            "UPDATE search_state SET synonyms_version = synonyms_version + 1 WHERE id = 1 \
             RETURNING synonyms_version",
        ))
        .await?;
    let previous: Option<(Json<Value>,)> = tx
        .fetch_optional(
            sql("SELECT rules FROM search_synonym_versions WHERE version = $1").bind(version - 1),
        )
        .await?;
    Ok((version, previous.map(|(rules,)| rules)))
}

pub async fn insert_synonym_version(
    tx: &mut Tx,
    row: &SynonymVersionRow,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO search_synonym_versions (version, rules, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(row.version)
        .bind(row.rules.0.clone())
        .bind(&row.note)
        .bind(&row.created_by)
        .bind(row.created_at),
    )
    .await?;
    Ok(())
}

/// The overlay's history, newest first (without the rules).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SynonymHistoryRow {
    pub version: i64,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn synonym_history(db: &Db, limit: i64) -> Result<Vec<SynonymHistoryRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT version, note, created_by, created_at FROM search_synonym_versions \
             ORDER BY version DESC LIMIT $1",
        )
        .bind(limit),
    )
    .await
}

/// A search as the consultation log keeps it.
#[derive(Debug, Clone)]
pub struct NewLogEntry {
    pub query: String,
    pub result_count: i64,
    pub weak: bool,
    pub top_kind: Option<String>,
    pub top_code: Option<String>,
    pub region_code: Option<String>,
    pub channel: String,
    pub at: DateTime<Utc>,
}

pub async fn insert_log(db: &Db, entry: &NewLogEntry) -> Result<i64, StoreError> {
    let (id,): (i64,) = db
        .fetch_one(
            sql(
                "INSERT INTO search_log (query, result_count, weak, top_kind, top_code, region_code, \
                 channel, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&entry.query)
            .bind(entry.result_count)
            .bind(entry.weak)
            .bind(entry.top_kind.as_deref())
            .bind(entry.top_code.as_deref())
            .bind(entry.region_code.as_deref())
            .bind(&entry.channel)
            .bind(entry.at),
        )
        .await?;
    Ok(id)
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub query: String,
    pub result_count: i64,
    pub weak: bool,
    pub top_kind: Option<String>,
    pub top_code: Option<String>,
    pub region_code: Option<String>,
    pub channel: String,
    pub clicked_kind: Option<String>,
    pub clicked_code: Option<String>,
    pub clicked_rank: Option<i64>,
    pub clicked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn log_entry(db: &Db, id: i64) -> Result<Option<LogRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT id, query, result_count, weak, top_kind, top_code, region_code, channel, \
             clicked_kind, clicked_code, clicked_rank, clicked_at, created_at \
             FROM search_log WHERE id = $1",
        )
        .bind(id),
    )
    .await
}

/// Records the first result opened from a search; later clicks keep the first. Returns whether
/// the entry exists.
pub async fn record_click(
    db: &Db,
    id: i64,
    kind: &str,
    code: &str,
    rank: Option<i64>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    db.execute(
        sql(
            "UPDATE search_log SET clicked_kind = $2, clicked_code = $3, clicked_rank = $4, \
             clicked_at = $5 WHERE id = $1 AND clicked_at IS NULL",
        )
        .bind(id)
        .bind(kind)
        .bind(code)
        .bind(rank)
        .bind(at),
    )
    .await?;
    let (exists,): (i64,) = db
        .fetch_one(sql("SELECT CAST(COUNT(*) AS BIGINT) FROM search_log WHERE id = $1").bind(id))
        .await?;
    Ok(exists > 0)
}

/// A query that did not find what people wanted, with how often and when last.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FailedRow {
    pub query: String,
    pub count: i64,
    /// How many of those found nothing at all (the rest matched only weakly).
    pub empty: i64,
    pub last_seen: DateTime<Utc>,
}

/// The most frequent weak queries since `since`, leaving out those answered since they last
/// failed.
pub async fn failed_queries(
    db: &Db,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<FailedRow>, StoreError> {
    db.fetch_all(
        sql("SELECT l.query, CAST(COUNT(*) AS BIGINT) AS count, \
             CAST(SUM(CASE WHEN l.result_count = 0 THEN 1 ELSE 0 END) AS BIGINT) AS empty, \
             MAX(l.created_at) AS last_seen \
             FROM search_log l LEFT JOIN search_failed_handled h ON h.query = l.query \
             WHERE l.weak = $1 AND l.created_at >= $2 \
               AND (h.handled_at IS NULL OR l.created_at > h.handled_at) \
             GROUP BY l.query ORDER BY count DESC, last_seen DESC, l.query LIMIT $3")
        .bind(true)
        .bind(since)
        .bind(limit),
    )
    .await
}

/// Marks a failed query as answered (an alias or an FAQ was added for it).
pub async fn mark_handled(
    tx: &mut Tx,
    query: &str,
    action: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO search_failed_handled (query, action, handled_by, handled_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (query) DO UPDATE SET action = $2, \
             handled_by = $3, handled_at = $4",
        )
        .bind(query)
        .bind(action)
        .bind(by)
        .bind(at),
    )
    .await?;
    Ok(())
}

/// Totals of the consultation log since a moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LogSummary {
    pub searches: i64,
    pub weak: i64,
    pub clicked: i64,
}

pub async fn log_summary(db: &Db, since: DateTime<Utc>) -> Result<LogSummary, StoreError> {
    db.fetch_one(
        sql(
            "SELECT CAST(COUNT(*) AS BIGINT) AS searches, \
             CAST(COALESCE(SUM(CASE WHEN weak = $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS weak, \
             CAST(COALESCE(SUM(CASE WHEN clicked_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS clicked \
             FROM search_log WHERE created_at >= $1",
        )
        .bind(since)
        .bind(true),
    )
    .await
}

/// (item code, region code) of every implementation, for the region filter of search.
pub async fn implementation_regions(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(sql(
        "SELECT item_code, region_code FROM implementations ORDER BY item_code, region_code",
    ))
    .await
}

/// The regions implementing one item.
pub async fn regions_of_item(db: &Db, item_code: &str) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = db
        .fetch_all(
            sql(
                "SELECT region_code FROM implementations WHERE item_code = $1 ORDER BY region_code",
            )
            .bind(item_code),
        )
        .await?;
    Ok(rows.into_iter().map(|(code,)| code).collect())
}
