//! Published 零跑动 lists: each publication is an immutable snapshot of every qualifying
//! implementation, so the list a region published on a date can always be shown again.

use chrono::{DateTime, Utc};

use crate::StoreError;
use crate::batch::insert_rows;
use crate::db::{Arg, Db, Tx, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicationRow {
    pub id: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: String,
    pub entry_count: i64,
    pub added: i64,
    pub removed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryRow {
    pub implementation_code: String,
    pub item_code: String,
    pub item_name: String,
    pub region_code: String,
    pub region_name: String,
    pub department_name: String,
    pub basis: String,
}

pub struct NewPublication<'a> {
    pub published_at: DateTime<Utc>,
    pub published_by: &'a str,
    pub note: &'a str,
    pub added: i64,
    pub removed: i64,
}

/// Writes a publication with its entries; returns its id.
pub async fn insert_publication(
    tx: &mut Tx,
    publication: NewPublication<'_>,
    entries: Vec<EntryRow>,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO zero_trip_publications (published_at, published_by, note, entry_count, added, removed) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(publication.published_at)
            .bind(publication.published_by)
            .bind(publication.note)
            .bind(entries.len() as i64)
            .bind(publication.added)
            .bind(publication.removed),
        )
        .await?;
    let rows = entries
        .into_iter()
        .map(|entry| {
            vec![
                Arg::from(id),
                entry.implementation_code.into(),
                entry.item_code.into(),
                entry.item_name.into(),
                entry.region_code.into(),
                entry.region_name.into(),
                entry.department_name.into(),
                entry.basis.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO zero_trip_entries (publication_id, implementation_code, item_code, item_name, \
         region_code, region_name, department_name, basis) VALUES",
        "",
        rows,
    )
    .await?;
    Ok(id)
}

pub async fn publications(db: &Db) -> Result<Vec<PublicationRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT id, published_at, published_by, note, entry_count, added, removed \
         FROM zero_trip_publications ORDER BY id DESC",
    ))
    .await
}

pub async fn latest_publication(db: &Db) -> Result<Option<PublicationRow>, StoreError> {
    db.fetch_optional(sql(
        "SELECT id, published_at, published_by, note, entry_count, added, removed \
         FROM zero_trip_publications ORDER BY id DESC LIMIT 1",
    ))
    .await
}

pub async fn latest_publication_tx(tx: &mut Tx) -> Result<Option<PublicationRow>, StoreError> {
    tx.fetch_optional(sql(
        "SELECT id, published_at, published_by, note, entry_count, added, removed \
         FROM zero_trip_publications ORDER BY id DESC LIMIT 1",
    ))
    .await
}

pub async fn publication(db: &Db, id: i64) -> Result<Option<PublicationRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT id, published_at, published_by, note, entry_count, added, removed \
             FROM zero_trip_publications WHERE id = $1",
        )
        .bind(id),
    )
    .await
}

pub async fn entries(db: &Db, publication_id: i64) -> Result<Vec<EntryRow>, StoreError> {
    db.fetch_all(
        sql("SELECT implementation_code, item_code, item_name, region_code, region_name, department_name, basis \
             FROM zero_trip_entries WHERE publication_id = $1 ORDER BY region_code, item_code")
        .bind(publication_id),
    )
    .await
}

pub async fn entries_tx(tx: &mut Tx, publication_id: i64) -> Result<Vec<EntryRow>, StoreError> {
    tx.fetch_all(
        sql("SELECT implementation_code, item_code, item_name, region_code, region_name, department_name, basis \
             FROM zero_trip_entries WHERE publication_id = $1 ORDER BY region_code, item_code")
        .bind(publication_id),
    )
    .await
}

/// Entries of one publication whose region code starts with `region_prefix` (a region and
/// everything below it), optionally of one department.
pub async fn entries_in_region(
    db: &Db,
    publication_id: i64,
    region_prefix: &str,
    department_name: Option<&str>,
) -> Result<Vec<EntryRow>, StoreError> {
    let pattern = format!("{}%", crate::db::like_escape(region_prefix));
    db.fetch_all(
        sql("SELECT implementation_code, item_code, item_name, region_code, region_name, department_name, basis \
             FROM zero_trip_entries WHERE publication_id = $1 AND region_code LIKE $2 ESCAPE '\\' \
             AND ($3 IS NULL OR department_name = $3) ORDER BY region_code, department_name, item_code")
        .bind(publication_id)
        .bind(pattern)
        .bind(department_name),
    )
    .await
}

/// Entries per region in one publication.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegionCount {
    pub region_code: String,
    pub region_name: String,
    pub count: i64,
}

pub async fn region_counts(db: &Db, publication_id: i64) -> Result<Vec<RegionCount>, StoreError> {
    db.fetch_all(
        sql(
            "SELECT region_code, region_name, COUNT(*) AS count FROM zero_trip_entries \
             WHERE publication_id = $1 GROUP BY region_code, region_name ORDER BY region_code",
        )
        .bind(publication_id),
    )
    .await
}
