//! Digital identity of applicants: natural persons (real name + resident ID number, checksum
//! verified), legal persons (name + unified social credit code + legal representative), and the
//! consents that let an agent act for a person (帮办代办).

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::{CreditCode, MobileNumber, ResidentId};
use zerotrip_core::privacy::{mask_middle, mask_name};
use zerotrip_store::StoreError;
use zerotrip_store::accounts::{self, NewAccount, NewConsent};

use crate::App;
use crate::auth::{Principal, check_password_policy, hash_password};
use crate::error::{AppError, AppResult, FieldError};

/// A person signing up: the fields as typed.
#[derive(Debug, Clone)]
pub struct PersonSignUp {
    pub real_name: String,
    pub id_number: String,
    pub phone: String,
    pub password: String,
}

/// A company signing up.
#[derive(Debug, Clone)]
pub struct CompanySignUp {
    pub company_name: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub phone: String,
    pub password: String,
}

/// Longest consent an agent can be given at once.
pub const MAX_CONSENT_DAYS: i64 = 365;

/// A consent as the person who gave it sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub id: i64,
    pub agent: String,
    /// `all`, or one item code.
    pub scope: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

fn name_field(field: &str, label: &str, text: &str, errors: &mut Vec<FieldError>) -> String {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 {
        errors.push(FieldError::new(field, format!("请填写{label}")));
    } else if length > 60 {
        errors.push(FieldError::new(field, format!("{label}最多 60 个字")));
    } else if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>'))
    {
        errors.push(FieldError::new(field, format!("{label}含有不允许的字符")));
    }
    text.to_owned()
}

impl App {
    /// Registers a natural person; the resident ID number is the username.
    pub async fn register_person(&self, sign_up: PersonSignUp) -> AppResult<Principal> {
        let mut errors = Vec::new();
        let real_name = name_field("real_name", "姓名", &sign_up.real_name, &mut errors);
        let id_number = ResidentId::parse(&sign_up.id_number)
            .map_err(|error| errors.push(FieldError::new("id_number", error)))
            .ok();
        let phone = MobileNumber::parse(&sign_up.phone)
            .map_err(|error| errors.push(FieldError::new("phone", error)))
            .ok();
        if let Err(AppError::Invalid { fields, .. }) = check_password_policy(&sign_up.password) {
            errors.extend(fields);
        }
        let (Some(id_number), Some(phone), true) = (id_number, phone, errors.is_empty()) else {
            return Err(AppError::invalid("注册信息有误", errors));
        };
        if id_number.birth_date() > self.clock.today_in_china() {
            return Err(AppError::field(
                "id_number",
                "身份证号码中的出生日期晚于今天",
            ));
        }
        let hash = hash_password(&sign_up.password).await?;
        let display_name = mask_name(&real_name);
        let mut tx = self.db.begin().await?;
        let id = accounts::insert_account(
            &mut tx,
            NewAccount {
                kind: AccountKind::Person.as_str(),
                username: id_number.as_str(),
                display_name: &display_name,
                password_hash: &hash,
                real_name: Some(&real_name),
                id_number: Some(id_number.as_str()),
                phone: Some(phone.as_str()),
                ..Default::default()
            },
            self.clock.now(),
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict(_) => {
                AppError::field("id_number", "该身份证号码已注册，请直接登录")
            }
            other => other.into(),
        })?;
        let summary = json!({"kind": "person", "id_number": id_number.masked()});
        self.audit(
            &mut tx,
            id_number.as_str(),
            "identity.register",
            &format!("account:{id}"),
            None,
            Some(&summary),
        )
        .await?;
        tx.commit().await?;
        self.principal(id).await
    }

    /// Registers a legal person; the unified social credit code is the username.
    pub async fn register_company(&self, sign_up: CompanySignUp) -> AppResult<Principal> {
        let mut errors = Vec::new();
        let company_name = name_field(
            "company_name",
            "单位名称",
            &sign_up.company_name,
            &mut errors,
        );
        let representative = name_field(
            "legal_representative",
            "法定代表人",
            &sign_up.legal_representative,
            &mut errors,
        );
        let credit_code = CreditCode::parse(&sign_up.credit_code)
            .map_err(|error| errors.push(FieldError::new("credit_code", error)))
            .ok();
        let phone = MobileNumber::parse(&sign_up.phone)
            .map_err(|error| errors.push(FieldError::new("phone", error)))
            .ok();
        if let Err(AppError::Invalid { fields, .. }) = check_password_policy(&sign_up.password) {
            errors.extend(fields);
        }
        let (Some(credit_code), Some(phone), true) = (credit_code, phone, errors.is_empty()) else {
            return Err(AppError::invalid("注册信息有误", errors));
        };
        let hash = hash_password(&sign_up.password).await?;
        let mut tx = self.db.begin().await?;
        let id = accounts::insert_account(
            &mut tx,
            NewAccount {
                kind: AccountKind::Company.as_str(),
                username: credit_code.as_str(),
                display_name: &company_name,
                password_hash: &hash,
                company_name: Some(&company_name),
                credit_code: Some(credit_code.as_str()),
                legal_representative: Some(&representative),
                phone: Some(phone.as_str()),
                ..Default::default()
            },
            self.clock.now(),
        )
        .await
        .map_err(|error| match error {
            StoreError::Conflict(_) => {
                AppError::field("credit_code", "该统一社会信用代码已注册，请直接登录")
            }
            other => other.into(),
        })?;
        let summary = json!({"kind": "company", "credit_code": credit_code.as_str()});
        self.audit(
            &mut tx,
            credit_code.as_str(),
            "identity.register",
            &format!("account:{id}"),
            None,
            Some(&summary),
        )
        .await?;
        tx.commit().await?;
        self.principal(id).await
    }

    /// The principal of an account id.
    pub async fn principal(&self, account_id: i64) -> AppResult<Principal> {
        let row = accounts::account(&self.db, account_id)
            .await?
            .ok_or_else(|| AppError::not_found("账号不存在"))?;
        Principal::from_row(row)
    }

    /// Finds a person by resident ID number (window clerks file for walk-in applicants).
    pub async fn person_by_id_number(&self, id_number: &str) -> AppResult<Option<Principal>> {
        let id_number =
            ResidentId::parse(id_number).map_err(|error| AppError::field("id_number", error))?;
        match accounts::account_by_id_number(&self.db, id_number.as_str()).await? {
            Some(row) => Ok(Some(Principal::from_row(row)?)),
            None => Ok(None),
        }
    }

    /// A person records that `agent_username` may act for them on `scope` (`all` or one item
    /// code) for `days` days.
    pub async fn grant_consent(
        &self,
        principal: &Principal,
        agent_username: &str,
        scope: &str,
        evidence: &str,
        days: i64,
    ) -> AppResult<i64> {
        if principal.kind != AccountKind::Person {
            return Err(AppError::forbidden("只有自然人可以委托他人代办"));
        }
        if !(1..=MAX_CONSENT_DAYS).contains(&days) {
            return Err(AppError::field(
                "days",
                format!("委托期限应在 1–{MAX_CONSENT_DAYS} 天之间"),
            ));
        }
        let scope = scope.trim();
        if scope != "all" {
            zerotrip_core::catalog::ItemCode::parse(scope)
                .map_err(|error| AppError::field("scope", error))?;
            if zerotrip_store::catalog::published_item(&self.db, scope)
                .await?
                .is_none()
            {
                return Err(AppError::field(
                    "scope",
                    format!("委托范围“{scope}”不是已发布的事项，应为 all 或一个事项编码"),
                ));
            }
        }
        let agent = accounts::account_by_username(&self.db, agent_username.trim())
            .await?
            .ok_or_else(|| AppError::field("agent", "代办人账号不存在"))?;
        if agent.id == principal.account_id {
            return Err(AppError::field("agent", "不能委托自己"));
        }
        let evidence = evidence.trim();
        if evidence.is_empty() || evidence.chars().count() > 500 {
            return Err(AppError::field(
                "evidence",
                "请说明委托依据（如签署的授权委托书编号），最多 500 字",
            ));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let id = accounts::insert_consent(
            &mut tx,
            NewConsent {
                principal_account_id: principal.account_id,
                agent_account_id: agent.id,
                scope,
                evidence,
                granted_at: now,
                expires_at: now + Duration::days(days),
            },
        )
        .await?;
        let after = json!({"agent": agent.username, "scope": scope, "days": days});
        self.audit(
            &mut tx,
            &principal.username,
            "identity.consent.grant",
            &format!("consent:{id}"),
            None,
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn revoke_consent(&self, principal: &Principal, consent_id: i64) -> AppResult<()> {
        let mut tx = self.db.begin().await?;
        let changed =
            accounts::revoke_consent(&mut tx, consent_id, principal.account_id, self.clock.now())
                .await?;
        if changed == 0 {
            return Err(AppError::not_found("委托不存在或已撤销"));
        }
        self.audit(
            &mut tx,
            &principal.username,
            "identity.consent.revoke",
            &format!("consent:{consent_id}"),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn consents(&self, principal: &Principal) -> AppResult<Vec<ConsentView>> {
        let rows = accounts::consents_of(&self.db, principal.account_id).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let agent = accounts::account(&self.db, row.agent_account_id)
                .await?
                .map(|a| a.display_name)
                .unwrap_or_default();
            views.push(ConsentView {
                id: row.id,
                agent,
                scope: row.scope,
                granted_at: row.granted_at,
                expires_at: row.expires_at,
                revoked: row.revoked_at.is_some(),
            });
        }
        Ok(views)
    }

    /// Whether `agent` holds a live consent of `principal_account_id` covering `item_code`.
    pub async fn may_act_for(
        &self,
        agent: &Principal,
        principal_account_id: i64,
        item_code: &str,
    ) -> AppResult<bool> {
        let consents = accounts::live_consents(
            &self.db,
            agent.account_id,
            principal_account_id,
            self.clock.now(),
        )
        .await?;
        Ok(consents
            .iter()
            .any(|c| c.scope == "all" || c.scope == item_code))
    }
}

/// How an applicant is identified on a case (GB/T 39046 证件类型: 111 公民身份号码, 001 统一社会信用代码).
pub fn applicant_identity(principal: &Principal) -> AppResult<(&'static str, String, String)> {
    match principal.kind {
        AccountKind::Person => {
            let id = principal
                .id_number
                .clone()
                .ok_or_else(|| AppError::internal("自然人账号缺少身份证号码"))?;
            Ok(("111", id, principal.real_name.clone().unwrap_or_default()))
        }
        AccountKind::Company => {
            let code = principal
                .credit_code
                .clone()
                .ok_or_else(|| AppError::internal("法人账号缺少统一社会信用代码"))?;
            Ok(("001", code, principal.display_name.clone()))
        }
        AccountKind::Staff => Err(AppError::forbidden(
            "工作人员账号不能作为申请人，请为申请人代办",
        )),
    }
}

/// An ID number or credit code for display: `4601**********1239`.
pub fn masked_identifier(text: &str) -> String {
    if text.len() == 18 {
        mask_middle(text, 4, 4)
    } else {
        mask_middle(text, 2, 2)
    }
}
