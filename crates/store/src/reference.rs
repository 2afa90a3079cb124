//! Reference data: administrative divisions, villages and the holiday calendar.

use chrono::NaiveDate;

use crate::StoreError;
use crate::batch::insert_rows;
use crate::db::{Arg, Db, Tx, sql};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DivisionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub full_name: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VillageRow {
    pub code: String,
    pub name: String,
    pub parent_code: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HolidayRow {
    pub date: NaiveDate,
    pub name: String,
    pub is_off_day: bool,
}

/// Inserts divisions parents first (the caller orders them); existing codes are kept.
pub async fn insert_divisions(tx: &mut Tx, rows: Vec<DivisionRow>) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| {
            vec![
                Arg::from(row.code),
                row.name.into(),
                row.level.into(),
                row.parent_code.into(),
                row.full_name.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO divisions (code, name, level, parent_code, full_name) VALUES",
        "ON CONFLICT (code) DO NOTHING",
        args,
    )
    .await
}

pub async fn insert_villages(tx: &mut Tx, rows: Vec<VillageRow>) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| vec![Arg::from(row.code), row.name.into(), row.parent_code.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO villages (code, name, parent_code) VALUES",
        "ON CONFLICT (code) DO NOTHING",
        args,
    )
    .await
}

pub async fn count_divisions(db: &Db) -> Result<i64, StoreError> {
    let (count,): (i64,) = db.fetch_one(sql("SELECT COUNT(*) FROM divisions")).await?;
    Ok(count)
}

pub async fn all_divisions(db: &Db) -> Result<Vec<DivisionRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT code, name, level, parent_code, full_name FROM divisions ORDER BY code",
    ))
    .await
}

pub async fn division(db: &Db, code: &str) -> Result<Option<DivisionRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT code, name, level, parent_code, full_name FROM divisions WHERE code = $1")
            .bind(code),
    )
    .await
}

pub async fn child_divisions(db: &Db, code: &str) -> Result<Vec<DivisionRow>, StoreError> {
    db.fetch_all(
        sql("SELECT code, name, level, parent_code, full_name FROM divisions WHERE parent_code = $1 ORDER BY code")
            .bind(code),
    )
    .await
}

pub async fn villages_of(db: &Db, township: &str) -> Result<Vec<VillageRow>, StoreError> {
    db.fetch_all(
        sql("SELECT code, name, parent_code FROM villages WHERE parent_code = $1 ORDER BY code")
            .bind(township),
    )
    .await
}

pub async fn count_villages(db: &Db) -> Result<i64, StoreError> {
    let (count,): (i64,) = db.fetch_one(sql("SELECT COUNT(*) FROM villages")).await?;
    Ok(count)
}

/// Adds or replaces calendar entries by date, in the caller's transaction.
pub async fn upsert_holidays(tx: &mut Tx, rows: Vec<HolidayRow>) -> Result<u64, StoreError> {
    let args = rows
        .into_iter()
        .map(|row| vec![Arg::from(row.date), row.name.into(), row.is_off_day.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO holidays (date, name, is_off_day) VALUES",
        "ON CONFLICT (date) DO UPDATE SET name = excluded.name, is_off_day = excluded.is_off_day",
        args,
    )
    .await
}

pub async fn all_holidays(db: &Db) -> Result<Vec<HolidayRow>, StoreError> {
    db.fetch_all(sql(
        "SELECT date, name, is_off_day FROM holidays ORDER BY date",
    ))
    .await
}
