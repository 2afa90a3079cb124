//! Accounts and their sessions. Only hashes of session secrets are stored.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::StoreError;
use crate::db::{Db, Tx, sql};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub kind: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
    pub roles: Json<Vec<String>>,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub struct NewAccount<'a> {
    pub kind: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub department_id: Option<i64>,
    pub region_code: Option<&'a str>,
    pub roles: &'a [String],
}

pub async fn insert_account(
    tx: &mut Tx,
    account: NewAccount<'_>,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let roles = serde_json::to_value(account.roles).map_err(|e| StoreError::corrupt("roles", e))?;
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO accounts (kind, username, display_name, password_hash, department_id, \
                 region_code, roles, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(account.kind)
            .bind(account.username)
            .bind(account.display_name)
            .bind(account.password_hash)
            .bind(account.department_id)
            .bind(account.region_code)
            .bind(roles)
            .bind(at),
        )
        .await?;
    Ok(id)
}

pub async fn account_by_username(
    db: &Db,
    username: &str,
) -> Result<Option<AccountRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT id, kind, username, display_name, password_hash, department_id, region_code, roles, \
             failed_logins, locked_until, created_at FROM accounts WHERE username = $1")
        .bind(username),
    )
    .await
}

pub async fn account(db: &Db, id: i64) -> Result<Option<AccountRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT id, kind, username, display_name, password_hash, department_id, region_code, roles, \
             failed_logins, locked_until, created_at FROM accounts WHERE id = $1")
        .bind(id),
    )
    .await
}

pub async fn count_accounts(db: &Db) -> Result<i64, StoreError> {
    let (count,): (i64,) = db.fetch_one(sql("SELECT COUNT(*) FROM accounts")).await?;
    Ok(count)
}

/// Records a failed login; locks the account until `lock_until` when given.
pub async fn record_failed_login(
    db: &Db,
    id: i64,
    lock_until: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    db.execute(
        sql("UPDATE accounts SET failed_logins = failed_logins + 1, \
             locked_until = COALESCE($2, locked_until) WHERE id = $1")
        .bind(id)
        .bind(lock_until),
    )
    .await?;
    Ok(())
}

pub async fn reset_failed_logins(db: &Db, id: i64) -> Result<(), StoreError> {
    db.execute(
        sql("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(id),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub account_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(db: &Db, session: &SessionRow) -> Result<(), StoreError> {
    db.execute(
        sql("INSERT INTO sessions (token_hash, account_id, kind, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&session.token_hash)
        .bind(session.account_id)
        .bind(&session.kind)
        .bind(&session.csrf_token)
        .bind(session.created_at)
        .bind(session.expires_at),
    )
    .await?;
    Ok(())
}

/// The session with this token hash, if it has not expired.
pub async fn live_session(
    db: &Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, StoreError> {
    db.fetch_optional(
        sql(
            "SELECT token_hash, account_id, kind, csrf_token, created_at, expires_at FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now),
    )
    .await
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), StoreError> {
    db.execute(sql("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash))
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(db: &Db, now: DateTime<Utc>) -> Result<u64, StoreError> {
    db.execute(sql("DELETE FROM sessions WHERE expires_at <= $1").bind(now))
        .await
}
