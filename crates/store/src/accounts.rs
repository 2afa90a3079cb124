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
    pub real_name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub credit_code: Option<String>,
    pub legal_representative: Option<String>,
}

#[derive(Default)]
pub struct NewAccount<'a> {
    pub kind: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub department_id: Option<i64>,
    pub region_code: Option<&'a str>,
    pub roles: &'a [String],
    pub real_name: Option<&'a str>,
    pub id_number: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub company_name: Option<&'a str>,
    pub credit_code: Option<&'a str>,
    pub legal_representative: Option<&'a str>,
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
                 region_code, roles, created_at, real_name, id_number, phone, company_name, credit_code, \
                 legal_representative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                 RETURNING id")
            .bind(account.kind)
            .bind(account.username)
            .bind(account.display_name)
            .bind(account.password_hash)
            .bind(account.department_id)
            .bind(account.region_code)
            .bind(roles)
            .bind(at)
            .bind(account.real_name)
            .bind(account.id_number)
            .bind(account.phone)
            .bind(account.company_name)
            .bind(account.credit_code)
            .bind(account.legal_representative),
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
             failed_logins, locked_until, created_at, real_name, id_number, phone, company_name, \
             credit_code, legal_representative FROM accounts WHERE username = $1")
        .bind(username),
    )
    .await
}

pub async fn account(db: &Db, id: i64) -> Result<Option<AccountRow>, StoreError> {
    db.fetch_optional(
        sql("SELECT id, kind, username, display_name, password_hash, department_id, region_code, roles, \
             failed_logins, locked_until, created_at, real_name, id_number, phone, company_name, \
             credit_code, legal_representative FROM accounts WHERE id = $1")
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

/// Columns of [`AccountRow`], for queries elsewhere.
macro_rules! account_columns {
    () => {
        "id, kind, username, display_name, password_hash, department_id, region_code, roles, \
         failed_logins, locked_until, created_at, real_name, id_number, phone, company_name, \
         credit_code, legal_representative"
    };
}

pub async fn account_by_id_number(
    db: &Db,
    id_number: &str,
) -> Result<Option<AccountRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id_number = $1"
        ))
        .bind(id_number),
    )
    .await
}

pub async fn account_by_credit_code(
    db: &Db,
    credit_code: &str,
) -> Result<Option<AccountRow>, StoreError> {
    db.fetch_optional(
        sql(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE credit_code = $1"
        ))
        .bind(credit_code),
    )
    .await
}

/// Staff accounts, optionally of one department.
pub async fn staff_accounts(
    db: &Db,
    department_id: Option<i64>,
) -> Result<Vec<AccountRow>, StoreError> {
    db.fetch_all(
        sql(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE kind = 'staff' AND ($1 IS NULL OR department_id = $1) ORDER BY username"
        ))
        .bind(department_id),
    )
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub id: i64,
    pub principal_account_id: i64,
    pub agent_account_id: i64,
    pub scope: String,
    pub evidence: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NewConsent<'a> {
    pub principal_account_id: i64,
    pub agent_account_id: i64,
    pub scope: &'a str,
    pub evidence: &'a str,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_consent(tx: &mut Tx, consent: NewConsent<'_>) -> Result<i64, StoreError> {
    let (id,): (i64,) = tx
        .fetch_one(
            sql("INSERT INTO agent_consents (principal_account_id, agent_account_id, scope, evidence, \
                 granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(consent.principal_account_id)
            .bind(consent.agent_account_id)
            .bind(consent.scope)
            .bind(consent.evidence)
            .bind(consent.granted_at)
            .bind(consent.expires_at),
        )
        .await?;
    Ok(id)
}

/// Consents an agent holds for a principal that are neither revoked nor expired at `now`.
pub async fn live_consents(
    db: &Db,
    agent_account_id: i64,
    principal_account_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ConsentRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, principal_account_id, agent_account_id, scope, evidence, granted_at, expires_at, \
             revoked_at FROM agent_consents WHERE agent_account_id = $1 AND principal_account_id = $2 \
             AND revoked_at IS NULL AND expires_at > $3 ORDER BY id")
        .bind(agent_account_id)
        .bind(principal_account_id)
        .bind(now),
    )
    .await
}

pub async fn consents_of(
    db: &Db,
    principal_account_id: i64,
) -> Result<Vec<ConsentRow>, StoreError> {
    db.fetch_all(
        sql("SELECT id, principal_account_id, agent_account_id, scope, evidence, granted_at, expires_at, \
             revoked_at FROM agent_consents WHERE principal_account_id = $1 ORDER BY id DESC")
        .bind(principal_account_id),
    )
    .await
}

pub async fn revoke_consent(
    tx: &mut Tx,
    id: i64,
    principal_account_id: i64,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    tx.execute(
        sql("UPDATE agent_consents SET revoked_at = $3 WHERE id = $1 AND principal_account_id = $2 AND revoked_at IS NULL")
            .bind(id)
            .bind(principal_account_id)
            .bind(at),
    )
    .await
}
