//! Accounts, passwords, sessions and the principal a request acts as.
//!
//! Passwords are hashed with argon2id. Session secrets are random 256-bit tokens; only their SM3
//! hash is stored, so a copy of the database does not let anyone sign in. Repeated failures lock
//! the account for a while.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_store::Db;
use zerotrip_store::accounts::{self, AccountRow, NewAccount, SessionRow};
use zerotrip_trust::sm3_hex;

use crate::App;
use crate::error::{AppError, AppResult};

/// Failed logins in a row before the account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// Lifetime of a page session and of an API token.
pub const SESSION_TTL: Duration = Duration::hours(8);
/// Lifetime of a page session opened at a self-service kiosk (shared, public machines): the
/// server ends it even when nobody presses 退出 and no script runs.
pub const KIOSK_SESSION_TTL: Duration = Duration::minutes(10);

/// The account a request acts as, with its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: AccountKind,
    pub roles: Vec<Role>,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
    /// Persons and legal representatives: the real name.
    pub real_name: Option<String>,
    /// Persons: the resident ID number (公民身份号码).
    pub id_number: Option<String>,
    /// Companies: the unified social credit code.
    pub credit_code: Option<String>,
    pub phone: Option<String>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.kind == AccountKind::Staff
    }

    /// Fails with 403 unless the principal holds `role`.
    pub fn require(&self, role: Role) -> AppResult<()> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!("需要“{}”权限", role.label())))
        }
    }

    /// Fails with 403 unless the principal holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> AppResult<()> {
        if roles.iter().any(|role| self.has_role(*role)) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|role| role.label()).collect();
            Err(AppError::forbidden(format!(
                "需要以下权限之一：{}",
                names.join("、")
            )))
        }
    }

    pub(crate) fn from_row(row: AccountRow) -> AppResult<Self> {
        let kind = AccountKind::parse(&row.kind)
            .ok_or_else(|| AppError::internal(format!("账号 {} 的类型无效", row.id)))?;
        let roles = row
            .roles
            .0
            .iter()
            .filter_map(|role| Role::parse(role))
            .collect();
        Ok(Principal {
            account_id: row.id,
            username: row.username,
            display_name: row.display_name,
            kind,
            roles,
            department_id: row.department_id,
            region_code: row.region_code,
            real_name: row.real_name.or(row.legal_representative),
            id_number: row.id_number,
            credit_code: row.credit_code,
            phone: row.phone,
        })
    }
}

/// A new staff account to create.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub department_id: Option<i64>,
    pub region_code: Option<String>,
    pub roles: Vec<Role>,
}

/// Hashes a password with argon2id and a random salt (CPU-heavy: off the async threads).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(AppError::internal)?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

async fn verify_password(password: &str, hash: &str) -> AppResult<bool> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks a password policy that people can actually meet: at least 8 characters with letters
/// and digits.
pub fn check_password_policy(password: &str) -> AppResult<()> {
    let long_enough = password.chars().count() >= 8;
    let has_letter = password.chars().any(|c| c.is_ascii_alphabetic());
    let has_digit = password.chars().any(|c| c.is_ascii_digit());
    if long_enough && has_letter && has_digit {
        Ok(())
    } else {
        Err(AppError::field(
            "password",
            "密码至少 8 位，且须同时包含字母和数字",
        ))
    }
}

impl App {
    /// Creates a staff account (used by the demo seed and by administrators).
    pub async fn create_staff(&self, staff: NewStaff) -> AppResult<i64> {
        check_password_policy(&staff.password)?;
        let hash = hash_password(&staff.password).await?;
        let roles: Vec<String> = staff
            .roles
            .iter()
            .map(|role| role.as_str().to_owned())
            .collect();
        let mut tx = self.db.begin().await?;
        let id = accounts::insert_account(
            &mut tx,
            NewAccount {
                kind: AccountKind::Staff.as_str(),
                username: &staff.username,
                display_name: &staff.display_name,
                password_hash: &hash,
                department_id: staff.department_id,
                region_code: staff.region_code.as_deref(),
                roles: &roles,
                ..Default::default()
            },
            self.clock.now(),
        )
        .await
        .map_err(|error| match error {
            zerotrip_store::StoreError::Conflict(_) => {
                AppError::field("username", format!("用户名“{}”已被使用", staff.username))
            }
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(id)
    }

    /// Verifies a username and password. The same message answers an unknown user and a wrong
    /// password, so the login form does not reveal which accounts exist.
    pub async fn authenticate(&self, username: &str, password: &str) -> AppResult<Principal> {
        let rejected = || AppError::Unauthenticated("用户名或密码错误".to_owned());
        let now = self.clock.now();
        let Some(account) = accounts::account_by_username(&self.db, username.trim()).await? else {
            // Spend the same time as a real check so timing does not reveal the answer either.
            let _ = verify_password(password, dummy_hash().await).await;
            return Err(rejected());
        };
        if let Some(until) = account.locked_until.filter(|until| *until > now) {
            return Err(AppError::TooManyRequests(format!(
                "连续登录失败次数过多，账号已锁定，请在 {} 后再试",
                china_time(until)
            )));
        }
        if !verify_password(password, &account.password_hash).await? {
            let failures = account.failed_logins + 1;
            let lock = (failures >= MAX_FAILED_LOGINS).then(|| now + LOCKOUT);
            accounts::record_failed_login(&self.db, account.id, lock).await?;
            if lock.is_some() {
                return Err(AppError::TooManyRequests(format!(
                    "连续 {MAX_FAILED_LOGINS} 次登录失败，账号已锁定 {} 分钟",
                    LOCKOUT.num_minutes()
                )));
            }
            return Err(rejected());
        }
        if account.failed_logins > 0 || account.locked_until.is_some() {
            accounts::reset_failed_logins(&self.db, account.id).await?;
        }
        Principal::from_row(account)
    }

    /// Opens a session for a verified principal and returns its secret token and CSRF token.
    pub async fn open_session(
        &self,
        principal: &Principal,
        kind: SessionKind,
    ) -> AppResult<IssuedSession> {
        self.open_session_for(principal, kind, SESSION_TTL).await
    }

    /// [`App::open_session`] with its own lifetime (at most [`SESSION_TTL`]), e.g.
    /// [`KIOSK_SESSION_TTL`].
    pub async fn open_session_for(
        &self,
        principal: &Principal,
        kind: SessionKind,
        ttl: Duration,
    ) -> AppResult<IssuedSession> {
        let token = random_token();
        let csrf_token = random_token();
        let now = self.clock.now();
        let expires_at = now + ttl.min(SESSION_TTL);
        accounts::insert_session(
            &self.db,
            &SessionRow {
                token_hash: sm3_hex(token.as_bytes()),
                account_id: principal.account_id,
                kind: kind.as_str().to_owned(),
                csrf_token: csrf_token.clone(),
                created_at: now,
                expires_at,
            },
        )
        .await?;
        Ok(IssuedSession {
            token,
            csrf_token,
            expires_at,
        })
    }

    /// The principal of a live session or token of the given kind.
    pub async fn session(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> AppResult<Option<(Principal, String)>> {
        let Some(session) =
            accounts::live_session(&self.db, &sm3_hex(token.as_bytes()), self.clock.now()).await?
        else {
            return Ok(None);
        };
        if session.kind != kind.as_str() {
            return Ok(None);
        }
        let Some(account) = accounts::account(&self.db, session.account_id).await? else {
            return Ok(None);
        };
        Ok(Some((Principal::from_row(account)?, session.csrf_token)))
    }

    pub async fn close_session(&self, token: &str) -> AppResult<()> {
        accounts::delete_session(&self.db, &sm3_hex(token.as_bytes())).await?;
        Ok(())
    }
}

/// Where a session's token travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// An HTTP-only cookie of the pages.
    Cookie,
    /// An `Authorization: Bearer` token of the API.
    Bearer,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn china_time(at: DateTime<Utc>) -> String {
    (at + Duration::hours(8)).format("%H:%M").to_string()
}

/// A real argon2id hash of a random password, made once, to equalise timing for unknown users.
async fn dummy_hash() -> &'static str {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async { hash_password(&random_token()).await.unwrap_or_default() })
        .await
}

/// Whether any account exists (the demo seeds them once).
pub async fn has_accounts(db: &Db) -> AppResult<bool> {
    Ok(accounts::count_accounts(db).await? > 0)
}

impl App {
    /// A secret of this installation (e.g. the CSRF signing key), created on first use and
    /// shared by every process on the same database.
    pub async fn installation_secret(&self, name: &str) -> AppResult<Vec<u8>> {
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        let stored = zerotrip_store::settings::get_or_insert(
            &self.db,
            &format!("secret.{name}"),
            &hex_encode(&fresh),
        )
        .await?;
        Ok(stored.into_bytes())
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
