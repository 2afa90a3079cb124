//! Small key–value settings the platform keeps about itself (e.g. which demo data set is loaded).

use crate::StoreError;
use crate::db::{Db, Tx, sql};

pub async fn get(db: &Db, key: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = db
        .fetch_optional(sql("SELECT value FROM settings WHERE key = $1").bind(key))
        .await?;
    Ok(row.map(|(value,)| value))
}

pub async fn set(tx: &mut Tx, key: &str, value: &str) -> Result<(), StoreError> {
    tx.execute(
        sql("INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value),
    )
    .await?;
    Ok(())
}

/// Stores `value` unless the key already has one; returns the value that is stored.
pub async fn get_or_insert(db: &Db, key: &str, value: &str) -> Result<String, StoreError> {
    db.execute(
        sql("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value),
    )
    .await?;
    get(db, key).await?.ok_or(StoreError::NotFound)
}
