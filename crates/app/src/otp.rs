//! One-time codes (短信验证码): six digits sent by SMS, valid for five minutes, at most five
//! tries each, and at most a few per phone number in a while. Only a keyed hash of the code is
//! stored, so the table does not give codes away.
//!
//! Two uses: signing in at a self-service kiosk by resident ID number + code, and the progress
//! query by case number + phone + code.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;
use serde::Serialize;
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::{MobileNumber, ResidentId};
use zerotrip_store::cases as case_store;
use zerotrip_store::{Tx, accounts, sql};
use zerotrip_trust::sm3_hex;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// How long a code stays valid.
pub const CODE_TTL: Duration = Duration::minutes(5);
/// Wrong tries before a code is spent.
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// Shortest wait between two codes to one phone.
pub const RESEND_INTERVAL: Duration = Duration::seconds(60);
/// Codes one phone can receive per hour.
pub const MAX_CODES_PER_HOUR: i64 = 5;

/// What a progress query shows without signing in: no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressView {
    pub number: String,
    pub item_name: String,
    pub state_label: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub deadline: Option<NaiveDate>,
    pub completed_at: Option<DateTime<Utc>>,
    /// (when, what) of each step, without names or comments.
    pub steps: Vec<(DateTime<Utc>, String)>,
}

fn random_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

impl App {
    async fn code_key(&self) -> AppResult<Vec<u8>> {
        self.installation_secret("otp").await
    }

    fn hash_code(key: &[u8], purpose: &str, target: &str, code: &str) -> String {
        let mut material = key.to_vec();
        material.extend_from_slice(format!("|{purpose}|{target}|{code}").as_bytes());
        sm3_hex(&material)
    }

    /// Creates a code for `purpose` sent to `phone`, queues the SMS in the same transaction and
    /// refuses when the phone has had codes too recently or too often.
    async fn issue_code(
        &self,
        purpose: &str,
        phone: &str,
        text: impl Fn(&str) -> String,
    ) -> AppResult<()> {
        let now = self.clock.now();
        // The key first: reading it may write the setting, which must not happen while this
        // transaction holds the database (SQLite).
        let key = self.code_key().await?;
        let mut tx = self.db.begin().await?;
        let (recent,): (i64,) = tx
            .fetch_one(
                sql("SELECT COUNT(*) FROM one_time_codes WHERE target = $1 AND created_at > $2")
                    .bind(phone)
                    .bind(now - RESEND_INTERVAL),
            )
            .await?;
        if recent > 0 {
            return Err(AppError::TooManyRequests(format!(
                "验证码已发送，请等待 {} 秒后再重新获取",
                RESEND_INTERVAL.num_seconds()
            )));
        }
        let (hourly,): (i64,) = tx
            .fetch_one(
                sql("SELECT COUNT(*) FROM one_time_codes WHERE target = $1 AND created_at > $2")
                    .bind(phone)
                    .bind(now - Duration::hours(1)),
            )
            .await?;
        if hourly >= MAX_CODES_PER_HOUR {
            return Err(AppError::TooManyRequests(
                "该手机号码获取验证码过于频繁，请 1 小时后再试".to_owned(),
            ));
        }
        let code = random_code();
        tx.execute(
            sql("INSERT INTO one_time_codes (purpose, target, code_hash, created_at, expires_at, attempts) \
                 VALUES ($1, $2, $3, $4, $5, 0)")
            .bind(purpose)
            .bind(phone)
            .bind(Self::hash_code(&key, purpose, phone, &code))
            .bind(now)
            .bind(now + CODE_TTL),
        )
        .await?;
        self.queue_sms(&mut tx, phone, &text(&code), "otp.code")
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks `code` against the newest live code of `purpose` for `phone`; a code works once.
    async fn check_code(
        &self,
        tx: &mut Tx,
        key: &[u8],
        purpose: &str,
        phone: &str,
        code: &str,
    ) -> AppResult<()> {
        let code = code.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::field("code", "验证码为 6 位数字"));
        }
        let now = self.clock.now();
        let row: Option<(i64, String, i64)> = tx
            .fetch_optional(
                sql("SELECT id, code_hash, attempts FROM one_time_codes \
                     WHERE purpose = $1 AND target = $2 AND used_at IS NULL AND expires_at > $3 \
                     ORDER BY id DESC LIMIT 1")
                .bind(purpose)
                .bind(phone)
                .bind(now),
            )
            .await?;
        let Some((row_id, code_hash, attempts)) = row else {
            return Err(AppError::field("code", "验证码已过期或未获取，请重新获取"));
        };
        if attempts >= MAX_CODE_ATTEMPTS {
            return Err(AppError::field("code", "验证码错误次数过多，请重新获取"));
        }
        let expected = Self::hash_code(key, purpose, phone, code);
        let matches: bool = subtle_eq(expected.as_bytes(), code_hash.as_bytes());
        if !matches {
            tx.execute(
                sql("UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1").bind(row_id),
            )
            .await?;
            let left = MAX_CODE_ATTEMPTS - attempts - 1;
            return Err(if left > 0 {
                AppError::field("code", format!("验证码错误，还可再试 {left} 次"))
            } else {
                AppError::field("code", "验证码错误次数过多，请重新获取")
            });
        }
        tx.execute(
            sql("UPDATE one_time_codes SET used_at = $2 WHERE id = $1")
                .bind(row_id)
                .bind(now),
        )
        .await?;
        Ok(())
    }

    async fn person_for_code(&self, id_number: &str) -> AppResult<(Principal, String)> {
        let id =
            ResidentId::parse(id_number).map_err(|error| AppError::field("id_number", error))?;
        let account = accounts::account_by_id_number(&self.db, id.as_str())
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "id_number",
                    "该身份证号码尚未注册，请先注册，或到综合窗口办理",
                )
            })?;
        let principal = Principal::from_row(account)?;
        if principal.kind != AccountKind::Person {
            return Err(AppError::field("id_number", "该账号不能在自助终端登录"));
        }
        let phone = principal
            .phone
            .clone()
            .ok_or_else(|| AppError::field("id_number", "该账号未登记手机号码，请到窗口办理"))?;
        Ok((principal, phone))
    }

    /// Sends a sign-in code to the registered phone of the person with this ID number;
    /// answers with the masked phone number.
    pub async fn send_login_code(&self, id_number: &str) -> AppResult<String> {
        let (principal, phone) = self.person_for_code(id_number).await?;
        let purpose = format!("login:{}", principal.account_id);
        self.issue_code(&purpose, &phone, |code| {
            format!("您的登录验证码为 {code}，5 分钟内有效。请勿告诉他人。")
        })
        .await?;
        Ok(MobileNumber::parse(&phone)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned()))
    }

    /// Signs a person in by ID number and the code sent to their phone.
    pub async fn login_with_code(&self, id_number: &str, code: &str) -> AppResult<Principal> {
        let (principal, phone) = self.person_for_code(id_number).await?;
        let purpose = format!("login:{}", principal.account_id);
        let key = self.code_key().await?;
        let mut tx = self.db.begin().await?;
        let checked = self.check_code(&mut tx, &key, &purpose, &phone, code).await;
        tx.commit().await?;
        checked?;
        Ok(principal)
    }

    /// Sends a progress-query code for a case when `phone` is its contact phone. Answers the
    /// same whether or not it matched, so numbers and phones cannot be probed.
    pub async fn send_progress_code(&self, number: &str, phone: &str) -> AppResult<()> {
        let phone = MobileNumber::parse(phone).map_err(|error| AppError::field("phone", error))?;
        let number = number.trim();
        if number.is_empty() || number.len() > 40 {
            return Err(AppError::field("number", "请填写办件编号"));
        }
        let Some(row) = case_store::case_by_number(&self.db, number).await? else {
            return Ok(());
        };
        if row.contact_phone != phone.as_str() || row.state == "draft" {
            return Ok(());
        }
        let purpose = format!("progress:{}", row.id);
        self.issue_code(&purpose, phone.as_str(), |code| {
            format!("您查询办件进度的验证码为 {code}，5 分钟内有效。")
        })
        .await
    }

    /// The progress of a case, for whoever holds its number, contact phone and a fresh code.
    pub async fn progress_with_code(
        &self,
        number: &str,
        phone: &str,
        code: &str,
    ) -> AppResult<ProgressView> {
        let phone = MobileNumber::parse(phone).map_err(|error| AppError::field("phone", error))?;
        let wrong = || AppError::field("code", "办件编号、手机号码或验证码不正确");
        let row = case_store::case_by_number(&self.db, number.trim())
            .await?
            .ok_or_else(wrong)?;
        if row.contact_phone != phone.as_str() || row.state == "draft" {
            return Err(wrong());
        }
        let purpose = format!("progress:{}", row.id);
        let key = self.code_key().await?;
        let mut tx = self.db.begin().await?;
        let checked = self
            .check_code(&mut tx, &key, &purpose, phone.as_str(), code)
            .await;
        tx.commit().await?;
        checked?;
        let definition = self
            .workflow_version(&row.workflow_code, row.workflow_version)
            .await?;
        let label = definition
            .state(&row.state)
            .map(|s| s.label.clone())
            .unwrap_or_else(|| row.state.clone());
        let steps = case_store::events(&self.db, row.id)
            .await?
            .into_iter()
            .map(|event| {
                let what = zerotrip_core::workflow::Action::parse(&event.action)
                    .map(|a| a.label().to_owned())
                    .unwrap_or(event.action);
                (event.at, what)
            })
            .collect();
        Ok(ProgressView {
            number: row.number,
            item_name: row.item_name,
            state_label: label,
            submitted_at: row.submitted_at,
            deadline: row.deadline,
            completed_at: row.completed_at,
            steps,
        })
    }
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
