//! The knowledge base: articles (政策解读、办事攻略) and FAQs per item, each with a draft and
//! immutable published versions, a review date and a withdrawn mark.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Conditions, Db, Tx, like_escape, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub item_code: Option<String>,
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub draft: Option<Json<Value>>,
    pub draft_updated_at: Option<DateTime<Utc>>,
    pub draft_updated_by: Option<String>,
    pub review_due: Option<NaiveDate>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

macro_rules! entry_columns {
    () => {
        "e.id, e.code, e.kind, e.title, e.item_code, e.published_version, e.published_at, \
         e.withdrawn_at, e.draft, e.draft_updated_at, e.draft_updated_by, e.review_due, \
         e.reviewed_at, e.reviewed_by, e.created_at, e.created_by"
    };
}

#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: String,
    pub title: String,
    pub item_code: Option<String>,
    pub draft: Value,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Creates an entry with its first draft and gives it its code (`prefix` + zero-padded id);
/// returns (id, code).
pub async fn insert_entry(
    tx: &mut Tx,
    new: &NewEntry,
    prefix: &str,
) -> Result<(i64, String), StoreError> {
    let placeholder = format!("pending-{}-{}", new.by, new.at.timestamp_micros());
    let (id,): (i64,) = tx
        .fetch_one(
            sql(
                "INSERT INTO knowledge_entries (code, kind, title, item_code, draft, draft_updated_at, \
                 draft_updated_by, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7) RETURNING id",
            )
            .bind(placeholder)
            .bind(&new.kind)
            .bind(&new.title)
            .bind(new.item_code.as_deref())
            .bind(new.draft.clone())
            .bind(new.at)
            .bind(&new.by),
        )
        .await?;
    let code = format!("{prefix}{id:05}");
    tx.execute(
        sql("UPDATE knowledge_entries SET code = $2 WHERE id = $1")
            .bind(id)
            .bind(&code),
    )
    .await?;
    Ok((id, code))
}

pub async fn entry(db: &Db, code: &str) -> Result<Option<EntryRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM knowledge_entries e WHERE e.code = $1"
        ))
        .bind(code),
    )
    .await
}

pub async fn entry_tx(tx: &mut Tx, code: &str) -> Result<Option<EntryRow>, StoreError> {
    tx.fetch_optional(
        sql(concat!(
            "SELECT ",
            entry_columns!(),
            " FROM knowledge_entries e WHERE e.code = $1"
        ))
        .bind(code),
    )
    .await
}

/// Filters of the staff list; all optional.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kind: Option<String>,
    pub item_code: Option<String>,
    /// Substring of the title.
    pub text: Option<String>,
    /// draft (never published) | published | withdrawn | pending (published with a draft)
    pub status: Option<String>,
    /// Published entries whose review date is on or before this day.
    pub review_due_by: Option<NaiveDate>,
}

pub async fn list_entries(
    db: &Db,
    filter: &EntryFilter,
    limit: i64,
) -> Result<Vec<EntryRow>, StoreError> {
    let mut conditions = Conditions::new();
    if let Some(kind) = &filter.kind {
        conditions.add("e.kind = ?", kind);
    }
    if let Some(item) = &filter.item_code {
        conditions.add("e.item_code = ?", item);
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        conditions.add(
            "e.title LIKE ? ESCAPE '\\'",
            format!("%{}%", like_escape(text)),
        );
    }
    match filter.status.as_deref() {
        Some("draft") => conditions.add_fixed("e.published_version IS NULL"),
        Some("published") => {
            conditions.add_fixed("e.published_version IS NOT NULL AND e.withdrawn_at IS NULL")
        }
        Some("withdrawn") => conditions.add_fixed("e.withdrawn_at IS NOT NULL"),
        Some("pending") => {
            conditions.add_fixed("e.published_version IS NOT NULL AND e.draft IS NOT NULL")
        }
        _ => {}
    }
    if let Some(day) = filter.review_due_by {
        conditions.add_fixed("e.published_version IS NOT NULL AND e.withdrawn_at IS NULL");
        conditions.add("e.review_due <= ?", day);
    }
    let next = conditions.next_placeholder();
    let tail = format!(" ORDER BY e.review_due IS NULL, e.review_due, e.code LIMIT ${next}");
    db.fetch_all(
        conditions
            .query(
                concat!("SELECT ", entry_columns!(), " FROM knowledge_entries e"),
                &tail,
            )
            .bind(limit),
    )
    .await
}

/// Stores (or replaces) the draft; `title` becomes the list title.
pub async fn save_draft(
    tx: &mut Tx,
    id: i64,
    title: &str,
    item_code: Option<&str>,
    draft: Value,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE knowledge_entries SET title = $2, item_code = $3, draft = $4, \
             draft_updated_at = $5, draft_updated_by = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(title)
        .bind(item_code)
        .bind(draft)
        .bind(at)
        .bind(by),
    )
    .await?;
    Ok(())
}

pub async fn discard_draft(tx: &mut Tx, id: i64, title: &str) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE knowledge_entries SET title = $2, draft = NULL, draft_updated_at = NULL, \
             draft_updated_by = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(title),
    )
    .await?;
    Ok(())
}

/// A published version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub entry_id: i64,
    pub version: i64,
    pub content: Json<Value>,
    pub content_hash: String,
    pub note: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// Appends a version, points the entry at it, clears the draft and any withdrawal and sets the
/// review date — in the caller's transaction.
pub async fn publish_version(
    tx: &mut Tx,
    row: &VersionRow,
    title: &str,
    item_code: Option<&str>,
    review_due: NaiveDate,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO knowledge_versions (entry_id, version, content, content_hash, note, \
             published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(row.entry_id)
        .bind(row.version)
        .bind(row.content.0.clone())
        .bind(&row.content_hash)
        .bind(&row.note)
        .bind(row.published_at)
        .bind(&row.published_by),
    )
    .await?;
    tx.execute(
        sql(
            "UPDATE knowledge_entries SET published_version = $2, published_at = $3, title = $4, \
             item_code = $5, review_due = $6, withdrawn_at = NULL, draft = NULL, \
             draft_updated_at = NULL, draft_updated_by = NULL WHERE id = $1",
        )
        .bind(row.entry_id)
        .bind(row.version)
        .bind(row.published_at)
        .bind(title)
        .bind(item_code)
        .bind(review_due),
    )
    .await?;
    Ok(())
}

pub async fn withdraw(tx: &mut Tx, id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    tx.execute(
        sql("UPDATE knowledge_entries SET withdrawn_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at),
    )
    .await?;
    Ok(())
}

pub async fn mark_reviewed(
    tx: &mut Tx,
    id: i64,
    next_review: NaiveDate,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "UPDATE knowledge_entries SET review_due = $2, reviewed_at = $3, reviewed_by = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(next_review)
        .bind(at)
        .bind(by),
    )
    .await?;
    Ok(())
}

pub async fn latest_version_tx(
    tx: &mut Tx,
    entry_id: i64,
) -> Result<Option<VersionRow>, StoreError> {
    tx.fetch_optional(
        sql(
            "SELECT entry_id, version, content, content_hash, note, published_at, published_by \
             FROM knowledge_versions WHERE entry_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(entry_id),
    )
    .await
}

pub async fn version(
    db: &Db,
    entry_id: i64,
    version: i64,
) -> Result<Option<VersionRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT entry_id, version, content, content_hash, note, published_at, published_by \
             FROM knowledge_versions WHERE entry_id = $1 AND version = $2",
        )
        .bind(entry_id)
        .bind(version),
    )
    .await
}

/// Every version of an entry, newest first.
pub async fn versions(db: &Db, entry_id: i64) -> Result<Vec<VersionRow>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT entry_id, version, content, content_hash, note, published_at, published_by \
             FROM knowledge_versions WHERE entry_id = $1 ORDER BY version DESC",
        )
        .bind(entry_id),
    )
    .await
}

/// A published, not withdrawn entry at its current version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedEntry {
    pub code: String,
    pub kind: String,
    pub item_code: Option<String>,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub review_due: Option<NaiveDate>,
    pub content: Json<Value>,
}

macro_rules! published_sql {
    ($tail:literal) => {
        concat!(
            "SELECT e.code, e.kind, e.item_code, v.version, v.published_at, e.review_due, v.content \
             FROM knowledge_entries e JOIN knowledge_versions v \
             ON v.entry_id = e.id AND v.version = e.published_version \
             WHERE e.withdrawn_at IS NULL",
            $tail
        )
    };
}

/// Every published entry, in code order.
pub async fn all_published(db: &Db) -> Result<Vec<PublishedEntry>, StoreError> {
    db.fetch_all(sql(published_sql!(" ORDER BY e.code"))).await
}

pub async fn published_entry(db: &Db, code: &str) -> Result<Option<PublishedEntry>, StoreError> {
    db.fetch_optional(sql(published_sql!(" AND e.code = $1")).bind(code))
        .await
}

/// Published entries of one kind, newest first.
pub async fn published_of_kind(
    db: &Db,
    kind: &str,
    limit: i64,
) -> Result<Vec<PublishedEntry>, StoreError> {
    db.fetch_all(
        sql(published_sql!(
            " AND e.kind = $1 ORDER BY v.published_at DESC, e.code LIMIT $2"
        ))
        .bind(kind)
        .bind(limit),
    )
    .await
}
