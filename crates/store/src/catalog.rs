//! The catalogue: items of the province standard, their drafts and immutable published versions,
//! implementation lists, and the reference sets (bundles, licence types, proactive rules).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::StoreError;
use crate::batch::insert_rows;
use crate::db::{Arg, Conditions, Db, Tx, like_escape, sql};

/// The row of an item: identity, the listing columns of its latest published version, and any
/// unpublished draft.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub code: String,
    pub basic_code: String,
    pub source_code: Option<String>,
    pub name: String,
    pub item_type: String,
    pub department_kind: String,
    pub high_frequency: bool,
    pub yearly_volume: i64,
    pub published_version: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub draft: Option<Json<Value>>,
    pub draft_updated_at: Option<DateTime<Utc>>,
    pub draft_updated_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What the listing columns are derived from.
#[derive(Debug, Clone)]
pub struct ItemListing {
    pub name: String,
    pub item_type: String,
    pub department_kind: String,
    /// Name and aliases, for the simple substring search.
    pub search_text: String,
    pub high_frequency: bool,
    pub yearly_volume: i64,
    pub themes: Vec<String>,
}

/// One published version. Never updated once written (the schema refuses it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub item_code: String,
    pub version: i64,
    pub content: Json<Value>,
    pub changes: Json<Value>,
    pub note: String,
    pub content_hash: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// A version's metadata without its content, for history lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionSummary {
    pub item_code: String,
    pub version: i64,
    pub changes: Json<Value>,
    pub note: String,
    pub content_hash: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// Creates the item record (no version yet). Fails with a conflict if the code, basic code or
/// source code is taken.
pub async fn insert_item(
    tx: &mut Tx,
    code: &str,
    basic_code: &str,
    source_code: Option<&str>,
    listing: &ItemListing,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO items (code, basic_code, source_code, name, item_type, department_kind, \
             search_text, high_frequency, yearly_volume, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(code)
        .bind(basic_code)
        .bind(source_code)
        .bind(&listing.name)
        .bind(&listing.item_type)
        .bind(&listing.department_kind)
        .bind(&listing.search_text)
        .bind(listing.high_frequency)
        .bind(listing.yearly_volume)
        .bind(at),
    )
    .await?;
    Ok(())
}

pub async fn item(db: &Db, code: &str) -> Result<Option<ItemRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT code, basic_code, source_code, name, item_type, department_kind, \
             high_frequency, yearly_volume, published_version, published_at, draft, \
             draft_updated_at, draft_updated_by, created_at FROM items WHERE code = $1",
        )
        .bind(code),
    )
    .await
}

pub async fn item_tx(tx: &mut Tx, code: &str) -> Result<Option<ItemRow>, StoreError> {
    tx.fetch_optional(
        sql(
            "SELECT code, basic_code, source_code, name, item_type, department_kind, \
             high_frequency, yearly_volume, published_version, published_at, draft, \
             draft_updated_at, draft_updated_by, created_at FROM items WHERE code = $1",
        )
        .bind(code),
    )
    .await
}

/// Every item row, in code order (drafts included).
pub async fn all_items(db: &Db) -> Result<Vec<ItemRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT code, basic_code, source_code, name, item_type, department_kind, \
         high_frequency, yearly_volume, published_version, published_at, draft, \
         draft_updated_at, draft_updated_by, created_at FROM items ORDER BY code",
    ))
    .await
}

pub async fn all_items_tx(tx: &mut Tx) -> Result<Vec<ItemRow>, StoreError> {
    tx.fetch_all(sql(
        "SELECT code, basic_code, source_code, name, item_type, department_kind, \
         high_frequency, yearly_volume, published_version, published_at, draft, \
         draft_updated_at, draft_updated_by, created_at FROM items ORDER BY code",
    ))
    .await
}

/// Codes in use, with their basic and source codes, for allocating new ones.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemCodes {
    pub code: String,
    pub basic_code: String,
    pub source_code: Option<String>,
}

pub async fn item_codes(tx: &mut Tx) -> Result<Vec<ItemCodes>, StoreError> {
    tx.fetch_all(sql(
        "SELECT code, basic_code, source_code FROM items ORDER BY code",
    ))
    .await
}

/// Stores (or replaces) the draft of an item.
pub async fn save_draft(
    tx: &mut Tx,
    code: &str,
    draft: Value,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let updated = tx
        .execute(
            sql("UPDATE items SET draft = $2, draft_updated_at = $3, draft_updated_by = $4 WHERE code = $1")
                .bind(code)
                .bind(draft)
                .bind(at)
                .bind(by),
        )
        .await?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn discard_draft(tx: &mut Tx, code: &str) -> Result<(), StoreError> {
    tx.execute(
        sql("UPDATE items SET draft = NULL, draft_updated_at = NULL, draft_updated_by = NULL WHERE code = $1")
            .bind(code),
    )
    .await?;
    Ok(())
}

/// Appends a published version, points the item at it, refreshes the listing columns and themes
/// and clears the draft — all in the caller's transaction.
pub async fn publish_version(
    tx: &mut Tx,
    version: &VersionRow,
    listing: &ItemListing,
) -> Result<(), StoreError> {
    tx.execute(
        sql(
            "INSERT INTO item_versions (item_code, version, content, changes, note, content_hash, \
             published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&version.item_code)
        .bind(version.version)
        .bind(version.content.0.clone())
        .bind(version.changes.0.clone())
        .bind(&version.note)
        .bind(&version.content_hash)
        .bind(version.published_at)
        .bind(&version.published_by),
    )
    .await?;
    tx.execute(
        sql("UPDATE items SET published_version = $2, published_at = $3, name = $4, item_type = $5, \
             department_kind = $6, search_text = $7, high_frequency = $8, yearly_volume = $9, \
             draft = NULL, draft_updated_at = NULL, draft_updated_by = NULL WHERE code = $1")
        .bind(&version.item_code)
        .bind(version.version)
        .bind(version.published_at)
        .bind(&listing.name)
        .bind(&listing.item_type)
        .bind(&listing.department_kind)
        .bind(&listing.search_text)
        .bind(listing.high_frequency)
        .bind(listing.yearly_volume),
    )
    .await?;
    tx.execute(sql("DELETE FROM item_themes WHERE item_code = $1").bind(&version.item_code))
        .await?;
    let themes = listing
        .themes
        .iter()
        .map(|theme| vec![Arg::from(&version.item_code), theme.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO item_themes (item_code, theme) VALUES",
        "",
        themes,
    )
    .await?;
    Ok(())
}

pub async fn latest_version_tx(tx: &mut Tx, code: &str) -> Result<Option<VersionRow>, StoreError> {
    tx.fetch_optional(
        sql("SELECT item_code, version, content, changes, note, content_hash, published_at, published_by \
             FROM item_versions WHERE item_code = $1 ORDER BY version DESC LIMIT 1")
        .bind(code),
    )
    .await
}

pub async fn version(db: &Db, code: &str, version: i64) -> Result<Option<VersionRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT item_code, version, content, changes, note, content_hash, published_at, published_by \
             FROM item_versions WHERE item_code = $1 AND version = $2")
        .bind(code)
        .bind(version),
    )
    .await
}

pub async fn version_history(db: &Db, code: &str) -> Result<Vec<VersionSummary>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT item_code, version, changes, note, content_hash, published_at, published_by \
             FROM item_versions WHERE item_code = $1 ORDER BY version DESC",
        )
        .bind(code),
    )
    .await
}

/// The latest publications across the catalogue, newest first.
pub async fn recent_versions(db: &Db, limit: i64) -> Result<Vec<VersionSummary>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT item_code, version, changes, note, content_hash, published_at, published_by \
             FROM item_versions ORDER BY published_at DESC, item_code LIMIT $1",
        )
        .bind(limit),
    )
    .await
}

/// The current published content of one item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublishedItem {
    pub code: String,
    pub version: i64,
    pub published_at: DateTime<Utc>,
    pub content: Json<Value>,
}

pub async fn published_item(db: &Db, code: &str) -> Result<Option<PublishedItem>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT i.code, v.version, v.published_at, v.content FROM items i \
             JOIN item_versions v ON v.item_code = i.code AND v.version = i.published_version \
             WHERE i.code = $1",
        )
        .bind(code),
    )
    .await
}

/// Every published item at its current version, in code order.
pub async fn all_published(db: &Db) -> Result<Vec<PublishedItem>, StoreError> {
    db.fetch_all(sql(
        "SELECT i.code, v.version, v.published_at, v.content FROM items i \
         JOIN item_versions v ON v.item_code = i.code AND v.version = i.published_version \
         ORDER BY i.code",
    ))
    .await
}

pub async fn all_published_tx(tx: &mut Tx) -> Result<Vec<PublishedItem>, StoreError> {
    tx.fetch_all(sql(
        "SELECT i.code, v.version, v.published_at, v.content FROM items i \
         JOIN item_versions v ON v.item_code = i.code AND v.version = i.published_version \
         ORDER BY i.code",
    ))
    .await
}

/// Filters of the public item list; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    /// Substring of the name or an alias.
    pub text: Option<String>,
    pub theme: Option<String>,
    pub department_kind: Option<String>,
    /// Implemented by this department.
    pub department_id: Option<i64>,
    /// Implemented in this region.
    pub region_code: Option<String>,
    pub item_type: Option<String>,
    pub high_frequency: Option<bool>,
}

/// Sort orders of the public list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ItemOrder {
    /// Most used first.
    #[default]
    Popular,
    Code,
}

/// One page of published items and the total matching.
pub async fn list_published(
    db: &Db,
    filter: &ItemFilter,
    order: ItemOrder,
    limit: i64,
    offset: i64,
) -> Result<(i64, Vec<PublishedItem>), StoreError> {
    let mut conditions = Conditions::new();
    conditions.add_fixed("i.published_version IS NOT NULL");
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        conditions.add(
            "i.search_text LIKE ? ESCAPE '\\'",
            format!("%{}%", like_escape(text)),
        );
    }
    if let Some(theme) = &filter.theme {
        conditions.add(
            "EXISTS (SELECT 1 FROM item_themes t WHERE t.item_code = i.code AND t.theme = ?)",
            theme,
        );
    }
    if let Some(kind) = &filter.department_kind {
        conditions.add("i.department_kind = ?", kind);
    }
    if let Some(id) = filter.department_id {
        conditions.add(
            "EXISTS (SELECT 1 FROM implementations m WHERE m.item_code = i.code AND m.department_id = ?)",
            id,
        );
    }
    if let Some(region) = &filter.region_code {
        conditions.add(
            "EXISTS (SELECT 1 FROM implementations m WHERE m.item_code = i.code AND m.region_code = ?)",
            region,
        );
    }
    if let Some(item_type) = &filter.item_type {
        conditions.add("i.item_type = ?", item_type);
    }
    if let Some(high_frequency) = filter.high_frequency {
        conditions.add("i.high_frequency = ?", high_frequency);
    }
    let (total,): (i64,) = db
        .fetch_one(conditions.query("SELECT COUNT(*) FROM items i", ""))
        .await?;
    let order_by = match order {
        ItemOrder::Popular => " ORDER BY i.high_frequency DESC, i.yearly_volume DESC, i.code",
        ItemOrder::Code => " ORDER BY i.code",
    };
    let next = conditions.next_placeholder();
    let tail = format!("{order_by} LIMIT ${next} OFFSET ${}", next + 1);
    let rows = db
        .fetch_all(
            conditions
                .query(
                    "SELECT i.code, v.version, v.published_at, v.content FROM items i \
                     JOIN item_versions v ON v.item_code = i.code AND v.version = i.published_version",
                    &tail,
                )
                .bind(limit)
                .bind(offset),
        )
        .await?;
    Ok((total, rows))
}

/// How many published items each theme and each department kind has, for browse pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

pub async fn theme_counts(db: &Db) -> Result<Vec<FacetCount>, StoreError> {
    db.fetch_all(sql(
        "SELECT t.theme AS value, COUNT(*) AS count FROM item_themes t \
         JOIN items i ON i.code = t.item_code WHERE i.published_version IS NOT NULL \
         GROUP BY t.theme ORDER BY count DESC, value",
    ))
    .await
}

pub async fn department_kind_counts(db: &Db) -> Result<Vec<FacetCount>, StoreError> {
    db.fetch_all(sql(
        "SELECT department_kind AS value, COUNT(*) AS count FROM items \
         WHERE published_version IS NOT NULL GROUP BY department_kind ORDER BY count DESC, value",
    ))
    .await
}

// ---- implementation lists ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImplementationRow {
    pub code: String,
    pub item_code: String,
    pub region_code: String,
    pub department_id: i64,
    pub level: String,
    pub local_facts: Json<Value>,
    pub overrides: Json<Value>,
    pub updated_at: DateTime<Utc>,
}

/// An implementation joined with its department and region names, for lists and pages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImplementationView {
    pub code: String,
    pub item_code: String,
    pub region_code: String,
    pub region_name: String,
    pub department_id: i64,
    pub department_name: String,
    pub department_credit_code: String,
    pub level: String,
    pub local_facts: Json<Value>,
    pub overrides: Json<Value>,
    pub updated_at: DateTime<Utc>,
}

/// The implementation view query with `$tail` appended, as one literal.
macro_rules! view_sql {
    ($tail:literal) => {
        concat!(
            "SELECT m.code, m.item_code, m.region_code, r.full_name AS region_name, \
             m.department_id, d.name AS department_name, d.credit_code AS department_credit_code, \
             m.level, m.local_facts, m.overrides, m.updated_at FROM implementations m \
             JOIN divisions r ON r.code = m.region_code JOIN departments d ON d.id = m.department_id",
            $tail
        )
    };
}

pub async fn insert_implementations(
    tx: &mut Tx,
    rows: Vec<ImplementationRow>,
) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| {
            vec![
                Arg::from(row.code),
                row.item_code.into(),
                row.region_code.into(),
                row.department_id.into(),
                row.level.into(),
                row.local_facts.0.into(),
                row.overrides.0.into(),
                row.updated_at.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO implementations (code, item_code, region_code, department_id, level, \
         local_facts, overrides, updated_at) VALUES",
        "ON CONFLICT (item_code, region_code) DO NOTHING",
        args,
    )
    .await
}

pub async fn implementation(db: &Db, code: &str) -> Result<Option<ImplementationView>, StoreError> {
    db.fetch_optional(sql(view_sql!(" WHERE m.code = $1")).bind(code))
        .await
}

pub async fn implementation_for(
    db: &Db,
    item_code: &str,
    region_code: &str,
) -> Result<Option<ImplementationView>, StoreError> {
    db.fetch_optional(
        sql(view_sql!(" WHERE m.item_code = $1 AND m.region_code = $2"))
            .bind(item_code)
            .bind(region_code),
    )
    .await
}

pub async fn implementations_of_item(
    db: &Db,
    item_code: &str,
) -> Result<Vec<ImplementationView>, StoreError> {
    db.fetch_all(sql(view_sql!(" WHERE m.item_code = $1 ORDER BY m.region_code")).bind(item_code))
        .await
}

pub async fn implementations_in_region(
    db: &Db,
    region_code: &str,
) -> Result<Vec<ImplementationView>, StoreError> {
    db.fetch_all(sql(view_sql!(" WHERE m.region_code = $1 ORDER BY m.item_code")).bind(region_code))
        .await
}

pub async fn all_implementations(db: &Db) -> Result<Vec<ImplementationView>, StoreError> {
    db.fetch_all(sql(view_sql!(" ORDER BY m.item_code, m.region_code")))
        .await
}

pub async fn all_implementations_tx(tx: &mut Tx) -> Result<Vec<ImplementationView>, StoreError> {
    tx.fetch_all(sql(view_sql!(" ORDER BY m.item_code, m.region_code")))
        .await
}

pub async fn implementation_tx(
    tx: &mut Tx,
    code: &str,
) -> Result<Option<ImplementationView>, StoreError> {
    tx.fetch_optional(sql(view_sql!(" WHERE m.code = $1")).bind(code))
        .await
}

/// Replaces the local facts and restated elements of one implementation.
pub async fn update_implementation(
    tx: &mut Tx,
    code: &str,
    local_facts: Value,
    overrides: Value,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let updated = tx
        .execute(
            sql("UPDATE implementations SET local_facts = $2, overrides = $3, updated_at = $4 WHERE code = $1")
                .bind(code)
                .bind(local_facts)
                .bind(overrides)
                .bind(at),
        )
        .await?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn count_implementations(db: &Db) -> Result<i64, StoreError> {
    let (count,): (i64,) = db
        .fetch_one(sql("SELECT COUNT(*) FROM implementations"))
        .await?;
    Ok(count)
}

// ---- reference sets ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContentRow {
    pub code: String,
    pub name: String,
    pub content: Json<Value>,
}

pub async fn upsert_licence_types(tx: &mut Tx, rows: Vec<ContentRow>) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| vec![Arg::from(row.code), row.name.into(), row.content.0.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO licence_types (code, name, content) VALUES",
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, content = excluded.content",
        args,
    )
    .await
}

pub async fn licence_types(db: &Db) -> Result<Vec<ContentRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT code, name, content FROM licence_types ORDER BY code",
    ))
    .await
}

pub async fn licence_types_tx(tx: &mut Tx) -> Result<Vec<ContentRow>, StoreError> {
    tx.fetch_all(sql(
        "SELECT code, name, content FROM licence_types ORDER BY code",
    ))
    .await
}

/// Inserts or replaces bundles with their item membership.
pub async fn upsert_bundles(
    tx: &mut Tx,
    rows: Vec<(ContentRow, Vec<String>)>,
) -> Result<u64, StoreError> {
    let mut members = Vec::new();
    let mut args = Vec::new();
    for (row, item_codes) in rows {
        tx.execute(sql("DELETE FROM bundle_items WHERE bundle_code = $1").bind(&row.code))
            .await?;
        for item_code in item_codes {
            members.push(vec![Arg::from(&row.code), item_code.into()]);
        }
        args.push(vec![
            Arg::from(row.code),
            row.name.into(),
            row.content.0.into(),
        ]);
    }
    let count = insert_rows(
        tx,
        "INSERT INTO bundles (code, name, content) VALUES",
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, content = excluded.content",
        args,
    )
    .await?;
    insert_rows(
        tx,
        "INSERT INTO bundle_items (bundle_code, item_code) VALUES",
        "",
        members,
    )
    .await?;
    Ok(count)
}

pub async fn bundles(db: &Db) -> Result<Vec<ContentRow>, StoreError> {
    db.fetch_all(sql("SELECT code, name, content FROM bundles ORDER BY code"))
        .await
}

pub async fn bundles_with_item(db: &Db, item_code: &str) -> Result<Vec<ContentRow>, StoreError> {
    db.fetch_all(
        sql("SELECT b.code, b.name, b.content FROM bundles b \
             JOIN bundle_items m ON m.bundle_code = b.code WHERE m.item_code = $1 ORDER BY b.code")
        .bind(item_code),
    )
    .await
}

pub async fn upsert_proactive_rules(
    tx: &mut Tx,
    rows: Vec<(String, String, Value)>,
) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|(code, item_code, content)| vec![Arg::from(code), item_code.into(), content.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO proactive_rules (code, item_code, content) VALUES",
        "ON CONFLICT (code) DO UPDATE SET item_code = excluded.item_code, content = excluded.content",
        args,
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub code: String,
    pub item_code: String,
    pub content: Json<Value>,
}

pub async fn proactive_rules(db: &Db) -> Result<Vec<RuleRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT code, item_code, content FROM proactive_rules ORDER BY code",
    ))
    .await
}

/// The implementation codes and regions of one item, in the caller's transaction.
pub async fn implementation_regions_tx(
    tx: &mut Tx,
    item_code: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    tx.fetch_all(
        sql("SELECT code, region_code FROM implementations WHERE item_code = $1 ORDER BY region_code")
            .bind(item_code),
    )
    .await
}

/// Removes implementations (of levels an item no longer has).
pub async fn delete_implementation(tx: &mut Tx, code: &str) -> Result<(), StoreError> {
    tx.execute(sql("DELETE FROM implementations WHERE code = $1").bind(code))
        .await?;
    Ok(())
}

/// (region code, region name) of every implementation of an item, for region pickers.
pub async fn implementing_regions(
    db: &Db,
    item_code: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    db.fetch_all(
        sql("SELECT m.region_code, r.full_name FROM implementations m JOIN divisions r ON r.code = m.region_code \
             WHERE m.item_code = $1 ORDER BY m.region_code")
        .bind(item_code),
    )
    .await
}

pub async fn count_implementations_of_item(db: &Db, item_code: &str) -> Result<i64, StoreError> {
    let (count,): (i64,) = db
        .fetch_one(sql("SELECT COUNT(*) FROM implementations WHERE item_code = $1").bind(item_code))
        .await?;
    Ok(count)
}
