//! The 未办成事 desk: a window clerk (of a department or the comprehensive window) records what
//! a person came for and could not get done, and why; a follow-up owner — a staff account of the
//! clerk's region — gets it with a deadline in working days on the official calendar, notes
//! progress and closes it with the resolution. Every step is in the request's trail, the audit
//! trail and the outbox (`unresolved.recorded`, `unresolved.assigned`, `unresolved.closed`).
//!
//! Who sees what: the owner and the recording clerk their requests; the comprehensive window and
//! the region administrator every request of their region (and reassign them); province
//! administrators and auditors all, read only. Only the owner closes a request. Others get
//! "not found". The person's phone number is shown in full only to those who follow the
//! request up; lists and overseers see it masked.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::ids::MobileNumber;
use zerotrip_core::privacy::{mask_name, mask_personal_data};
use zerotrip_core::workflow::DUE_SOON_WORKING_DAYS;
use zerotrip_store::unresolved::{
    self as store, Assignment, NewUnresolved, UnresolvedFilter, UnresolvedRow, UnresolvedUpdateRow,
};
use zerotrip_store::{accounts, catalog as catalog_store, departments};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::evaluation::{clean_text, region_prefix};

/// Topics of the events of this module.
pub mod topics {
    pub const UNRESOLVED_RECORDED: &str = "unresolved.recorded";
    pub const UNRESOLVED_ASSIGNED: &str = "unresolved.assigned";
    pub const UNRESOLVED_CLOSED: &str = "unresolved.closed";
}

/// Working days to follow a request up unless the clerk sets 1–30.
pub const DEFAULT_WORKING_DAYS: u32 = 5;
pub const MAX_WORKING_DAYS: u32 = 30;

/// Why something could not be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnresolvedReason {
    PolicyGap,
    MaterialsIncomplete,
    NotEligible,
    SystemFailure,
    CrossDepartment,
    Historical,
    Other,
}

impl UnresolvedReason {
    pub const ALL: [UnresolvedReason; 7] = [
        UnresolvedReason::PolicyGap,
        UnresolvedReason::MaterialsIncomplete,
        UnresolvedReason::NotEligible,
        UnresolvedReason::SystemFailure,
        UnresolvedReason::CrossDepartment,
        UnresolvedReason::Historical,
        UnresolvedReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnresolvedReason::PolicyGap => "policy_gap",
            UnresolvedReason::MaterialsIncomplete => "materials_incomplete",
            UnresolvedReason::NotEligible => "not_eligible",
            UnresolvedReason::SystemFailure => "system_failure",
            UnresolvedReason::CrossDepartment => "cross_department",
            UnresolvedReason::Historical => "historical",
            UnresolvedReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnresolvedReason::PolicyGap => "政策不明确或无对应事项",
            UnresolvedReason::MaterialsIncomplete => "材料不齐全",
            UnresolvedReason::NotEligible => "不符合办理条件",
            UnresolvedReason::SystemFailure => "系统故障",
            UnresolvedReason::CrossDepartment => "需跨部门、跨层级协调",
            UnresolvedReason::Historical => "历史遗留问题",
            UnresolvedReason::Other => "其他",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        UnresolvedReason::ALL
            .into_iter()
            .find(|r| r.as_str() == text || r.label() == text)
    }
}

/// A new request, as `POST /api/v1/unresolved` takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnresolvedInput {
    pub person_name: String,
    /// A mainland mobile number, to call the person back.
    pub person_phone: String,
    /// The item it was about, when there is one.
    #[serde(default)]
    pub item_code: Option<String>,
    /// What the person wanted.
    pub request: String,
    /// Reason codes (or labels); at least one.
    pub reasons: Vec<String>,
    /// More about why (required with `other`).
    #[serde(default)]
    pub reason_note: Option<String>,
    /// The follow-up owner's username.
    pub owner: String,
    /// Deadline in working days (1–30; default 5).
    #[serde(default)]
    pub working_days: Option<u32>,
}

/// A new owner, as `POST /api/v1/unresolved/{id}/assign` takes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub owner: String,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Parameters of request lists.
#[derive(Debug, Clone, Default)]
pub struct UnresolvedListQuery {
    /// mine (recorded or owned by me) | region (everything I oversee); default: region for
    /// overseers and the comprehensive window, mine for everyone else.
    pub scope: Option<String>,
    /// open | closed | overdue; all when absent.
    pub status: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonView {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedUpdateView {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// recorded | note | assigned | closed
    pub kind: String,
    pub kind_label: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedView {
    pub id: i64,
    pub number: String,
    pub region_code: String,
    pub region_name: String,
    pub recorded_by: String,
    pub person_name_masked: String,
    /// Full name and number: only for those who follow the request up.
    pub person_name: Option<String>,
    pub person_phone: Option<String>,
    pub person_phone_masked: String,
    pub item_code: Option<String>,
    pub item_name: Option<String>,
    pub request: String,
    pub reasons: Vec<ReasonView>,
    pub reason_note: Option<String>,
    pub owner_account_id: i64,
    pub owner_name: String,
    pub working_days: i64,
    pub recorded_on: NaiveDate,
    pub deadline: NaiveDate,
    /// open | closed
    pub status: String,
    pub status_label: String,
    /// normal | due_soon | overdue | closed_on_time | closed_late
    pub deadline_status: String,
    pub deadline_status_label: String,
    pub overdue: bool,
    pub resolution: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// In the detail only.
    pub updates: Vec<UnresolvedUpdateView>,
    pub may_note: bool,
    pub may_assign: bool,
    pub may_close: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedPage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub scope: String,
    pub requests: Vec<UnresolvedView>,
}

/// A staff account a request can be given to.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerOption {
    pub username: String,
    pub display_name: String,
    pub department: Option<String>,
    pub roles: Vec<String>,
}

/// What a principal may do with one request.
#[derive(Debug, Clone, Copy, Default)]
struct Rights {
    see: bool,
    note: bool,
    assign: bool,
    close: bool,
    full_contact: bool,
}

fn not_found() -> AppError {
    AppError::not_found("未办成事记录不存在")
}

/// Number prefix: 未办成事 (WB) and the day in China.
fn number_prefix(now: DateTime<Utc>) -> String {
    format!("WB{}", (now + Duration::hours(8)).format("%Y%m%d"))
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "recorded" => "登记",
        "note" => "跟进",
        "assigned" => "转交",
        "closed" => "办结",
        _ => "记录",
    }
}

impl App {
    fn in_region(&self, principal: &Principal, region: &str) -> bool {
        principal
            .region_code
            .as_deref()
            .is_some_and(|own| own == region || self.region_contains(own, region))
    }

    /// The comprehensive window (no department) or the region administrator of the region.
    fn coordinates(&self, principal: &Principal, region: &str) -> bool {
        principal.is_staff()
            && ((principal.has_role(Role::WindowClerk) && principal.department_id.is_none())
                || principal.has_role(Role::RegionAdmin))
            && self.in_region(principal, region)
    }

    fn rights(&self, principal: &Principal, row: &UnresolvedRow) -> Rights {
        if !principal.is_staff() {
            return Rights::default();
        }
        let open = row.status == "open";
        let owner = row.owner_account_id == principal.account_id;
        let recorder = row.recorded_by_account_id == principal.account_id;
        let coordinator = self.coordinates(principal, &row.region_code);
        let overseer = principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor);
        Rights {
            see: owner || recorder || coordinator || overseer,
            note: open && (owner || recorder || coordinator),
            assign: open && (recorder || coordinator),
            close: open && owner,
            full_contact: owner || recorder || coordinator,
        }
    }

    /// Staff accounts of the principal's region that a request can be given to.
    pub async fn unresolved_owners(&self, principal: &Principal) -> AppResult<Vec<OwnerOption>> {
        let region = self.desk_region(principal)?;
        let departments = departments::all_departments(&self.db).await?;
        let mut owners = Vec::new();
        for row in accounts::staff_accounts(&self.db, None).await? {
            let Some(own) = row.region_code.as_deref() else {
                continue;
            };
            if own != region && !self.region_contains(&region, own) {
                continue;
            }
            let department = row
                .department_id
                .and_then(|id| departments.iter().find(|d| d.id == id))
                .map(|d| d.name.clone());
            owners.push(OwnerOption {
                username: row.username,
                display_name: row.display_name,
                department,
                roles: row
                    .roles
                    .0
                    .iter()
                    .filter_map(|r| Role::parse(r))
                    .map(|r| r.label().to_owned())
                    .collect(),
            });
        }
        Ok(owners)
    }

    /// The region of a desk clerk (a window clerk with a region).
    fn desk_region(&self, principal: &Principal) -> AppResult<String> {
        if principal.kind != AccountKind::Staff {
            return Err(AppError::forbidden("仅工作人员可以登记未办成事"));
        }
        if !(principal.has_role(Role::WindowClerk) || principal.has_role(Role::RegionAdmin)) {
            return Err(AppError::forbidden("需要“窗口受理人员”或“区域管理员”权限"));
        }
        principal
            .region_code
            .clone()
            .ok_or_else(|| AppError::forbidden("工作人员账号未设置所在区域"))
    }

    /// A staff account of `region` by username, for owning a request.
    async fn owner_in(&self, region: &str, username: &str) -> AppResult<Principal> {
        let username = username.trim();
        if username.is_empty() {
            return Err(AppError::field("owner", "请选择跟进责任人"));
        }
        let account = accounts::account_by_username(&self.db, username)
            .await?
            .filter(|a| a.kind == AccountKind::Staff.as_str())
            .filter(|a| {
                a.region_code
                    .as_deref()
                    .is_some_and(|own| own == region || self.region_contains(region, own))
            })
            .ok_or_else(|| {
                AppError::field(
                    "owner",
                    format!(
                        "“{}”不是本区域的工作人员账号",
                        username.chars().take(40).collect::<String>()
                    ),
                )
            })?;
        self.principal(account.id).await
    }

    fn working_days_of(&self, days: Option<u32>) -> AppResult<u32> {
        let days = days.unwrap_or(DEFAULT_WORKING_DAYS);
        if !(1..=MAX_WORKING_DAYS).contains(&days) {
            return Err(AppError::field(
                "working_days",
                format!("办理期限应为 1–{MAX_WORKING_DAYS} 个工作日，实际为 {days}"),
            ));
        }
        Ok(days)
    }

    /// Records a request that could not be done and gives it to its follow-up owner.
    pub async fn record_unresolved(
        &self,
        principal: &Principal,
        input: &UnresolvedInput,
    ) -> AppResult<UnresolvedView> {
        let region = self.desk_region(principal)?;
        let mut errors = Vec::new();
        let mut keep = |result: AppResult<Option<String>>| match result {
            Ok(value) => value,
            Err(error) => {
                errors.extend(error.fields().iter().cloned());
                None
            }
        };
        let person_name = keep(clean_text(
            "person_name",
            "姓名",
            Some(&input.person_name),
            50,
            true,
        ));
        let request = keep(clean_text(
            "request",
            "办事诉求",
            Some(&input.request),
            1000,
            true,
        ));
        let reason_note = keep(clean_text(
            "reason_note",
            "原因说明",
            input.reason_note.as_deref(),
            500,
            false,
        ));
        let phone = match MobileNumber::parse(&input.person_phone) {
            Ok(phone) => Some(phone),
            Err(error) => {
                errors.push(crate::FieldError::new("person_phone", error));
                None
            }
        };
        let mut reasons: Vec<UnresolvedReason> = Vec::new();
        for text in &input.reasons {
            match UnresolvedReason::parse(text) {
                Some(reason) if !reasons.contains(&reason) => reasons.push(reason),
                Some(_) => {}
                None => errors.push(crate::FieldError::new(
                    "reasons",
                    format!("原因“{}”无效", text.chars().take(20).collect::<String>()),
                )),
            }
        }
        if input.reasons.is_empty() {
            errors.push(crate::FieldError::new(
                "reasons",
                "请至少选择一项未办成的原因",
            ));
        }
        if reasons.contains(&UnresolvedReason::Other) && reason_note.is_none() {
            errors.push(crate::FieldError::new(
                "reason_note",
                "选择“其他”时请说明原因",
            ));
        }
        let working_days = match self.working_days_of(input.working_days) {
            Ok(days) => days,
            Err(error) => {
                errors.extend(error.fields().iter().cloned());
                DEFAULT_WORKING_DAYS
            }
        };
        let item = match input
            .item_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => match catalog_store::item(&self.db, code).await? {
                Some(item) => Some((item.code, item.name)),
                None => {
                    errors.push(crate::FieldError::new(
                        "item_code",
                        format!("事项 {} 不存在", code.chars().take(40).collect::<String>()),
                    ));
                    None
                }
            },
            None => None,
        };
        let owner = match self.owner_in(&region, &input.owner).await {
            Ok(owner) => Some(owner),
            Err(AppError::Invalid { fields, .. }) => {
                errors.extend(fields);
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(person_name), Some(request), Some(phone), Some(owner), true) =
            (person_name, request, phone, owner, errors.is_empty())
        else {
            return Err(AppError::invalid("登记内容有误，请检查后重新提交", errors));
        };

        let now = self.clock.now();
        let today = self.clock.today_in_china();
        let deadline = self.add_working_days(today, working_days)?;
        let reason_codes: Vec<String> = reasons.iter().map(|r| r.as_str().to_owned()).collect();
        let mut tx = self.db.begin().await?;
        let (id, number) = store::insert_unresolved(
            &mut tx,
            NewUnresolved {
                region_code: region.clone(),
                recorded_by_account_id: principal.account_id,
                recorded_by_name: principal.display_name.clone(),
                person_name,
                person_phone: phone.as_str().to_owned(),
                item_code: item.as_ref().map(|(code, _)| code.clone()),
                item_name: item.as_ref().map(|(_, name)| name.clone()),
                request: request.clone(),
                reasons: reason_codes.clone(),
                reason_note,
                owner_account_id: owner.account_id,
                owner_name: owner.display_name.clone(),
                working_days: i64::from(working_days),
                recorded_on: today,
                deadline,
                created_at: now,
            },
            &number_prefix(now),
        )
        .await?;
        let summary = format!(
            "登记未办成事，交 {} 跟进，{} 前办结",
            owner.display_name, deadline
        );
        store::insert_update(
            &mut tx,
            id,
            now,
            principal.account_id,
            &principal.display_name,
            "recorded",
            &summary,
        )
        .await?;
        let after = json!({
            "number": number,
            "region_code": region,
            "item_code": item.as_ref().map(|(code, _)| code),
            "reasons": reason_codes,
            "request": mask_personal_data(&request),
            "person_phone": phone.masked(),
            "owner": owner.username,
            "working_days": working_days,
            "deadline": deadline,
        });
        self.audit(
            &mut tx,
            &principal.username,
            "unresolved.record",
            &format!("unresolved:{number}"),
            None,
            Some(&after),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::UNRESOLVED_RECORDED,
            &number,
            json!({
                "id": id,
                "number": number,
                "region_code": region,
                "item_code": item.as_ref().map(|(code, _)| code),
                "reasons": reason_codes,
                "owner_account_id": owner.account_id,
                "recorded_by_account_id": principal.account_id,
                "deadline": deadline,
            }),
        )
        .await?;
        tx.commit().await?;
        self.unresolved_request(principal, id).await
    }

    /// Requests the principal may see, open ones first by deadline.
    pub async fn unresolved_requests(
        &self,
        principal: &Principal,
        query: &UnresolvedListQuery,
    ) -> AppResult<UnresolvedPage> {
        if !principal.is_staff() {
            return Err(AppError::forbidden("仅工作人员可以查看未办成事"));
        }
        let overseer = principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor);
        let own_region = principal.region_code.clone();
        let coordinator = own_region
            .as_deref()
            .is_some_and(|region| self.coordinates(principal, region));
        let scope = match query.scope.as_deref().map(str::trim) {
            None | Some("") => {
                if overseer || coordinator {
                    "region"
                } else {
                    "mine"
                }
            }
            Some("mine") => "mine",
            Some("region") => "region",
            Some(other) => {
                return Err(AppError::field(
                    "scope",
                    format!(
                        "范围“{}”无效：应为 mine 或 region",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        };
        let mut filter = UnresolvedFilter::default();
        match scope {
            "region" if overseer => {}
            "region" if coordinator => filter.region_prefix = own_region.map(|r| region_prefix(&r)),
            "region" => {
                return Err(AppError::forbidden(
                    "只有综合窗口和区域管理员可以查看本区域全部未办成事",
                ));
            }
            _ => filter.involving_account_id = Some(principal.account_id),
        }
        let today = self.clock.today_in_china();
        match query.status.as_deref().map(str::trim) {
            None | Some("") | Some("all") => {}
            Some("open") => filter.status = Some("open".to_owned()),
            Some("closed") => filter.status = Some("closed".to_owned()),
            Some("overdue") => filter.overdue_on = Some(today),
            Some(other) => {
                return Err(AppError::field(
                    "status",
                    format!(
                        "状态“{}”无效：应为 open、closed、overdue 或 all",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        }
        let page = query.page.max(1);
        let per_page = if query.per_page == 0 {
            20
        } else {
            query.per_page.clamp(1, 100)
        };
        let (total, rows) = store::list_unresolved(
            &self.db,
            &filter,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page),
        )
        .await?;
        let requests = rows
            .into_iter()
            .map(|row| {
                let rights = self.rights(principal, &row);
                self.unresolved_view(row, rights, Vec::new(), false)
            })
            .collect();
        Ok(UnresolvedPage {
            total,
            page,
            per_page,
            scope: scope.to_owned(),
            requests,
        })
    }

    /// One request with its trail.
    pub async fn unresolved_request(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<UnresolvedView> {
        let row = store::unresolved(&self.db, id)
            .await?
            .ok_or_else(not_found)?;
        let rights = self.rights(principal, &row);
        if !rights.see {
            return Err(not_found());
        }
        let updates = store::updates(&self.db, id)
            .await?
            .iter()
            .map(update_view)
            .collect();
        Ok(self.unresolved_view(row, rights, updates, true))
    }

    /// Adds a progress note.
    pub async fn note_unresolved(
        &self,
        principal: &Principal,
        id: i64,
        note: &str,
    ) -> AppResult<UnresolvedView> {
        let note = clean_text("note", "跟进情况", Some(note), 1000, true)?.unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let row = self.locked(&mut tx, principal, id).await?;
        if !self.rights(principal, &row).note {
            return Err(refusal(
                &row,
                "只有责任人、登记人和综合窗口可以填写跟进情况",
            ));
        }
        let now = self.clock.now();
        if !store::touch_unresolved(&mut tx, id, row.revision, now).await? {
            return Err(AppError::conflict("记录已被他人修改，请刷新后重试"));
        }
        store::insert_update(
            &mut tx,
            id,
            now,
            principal.account_id,
            &principal.display_name,
            "note",
            &note,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "unresolved.note",
            &format!("unresolved:{}", row.number),
            None,
            Some(&json!({"note": mask_personal_data(&note)})),
        )
        .await?;
        tx.commit().await?;
        self.unresolved_request(principal, id).await
    }

    /// Gives a request to another owner; the deadline is counted again from today.
    pub async fn assign_unresolved(
        &self,
        principal: &Principal,
        id: i64,
        input: &AssignInput,
    ) -> AppResult<UnresolvedView> {
        let working_days = self.working_days_of(input.working_days)?;
        let note = clean_text("note", "转交说明", input.note.as_deref(), 500, false)?;
        let mut tx = self.db.begin().await?;
        let row = self.locked(&mut tx, principal, id).await?;
        if !self.rights(principal, &row).assign {
            return Err(refusal(&row, "只有登记人、综合窗口和区域管理员可以转交"));
        }
        let owner = self.owner_in(&row.region_code, &input.owner).await?;
        let now = self.clock.now();
        let deadline = self.add_working_days(self.clock.today_in_china(), working_days)?;
        let assigned = store::assign_unresolved(
            &mut tx,
            id,
            row.revision,
            Assignment {
                owner_account_id: owner.account_id,
                owner_name: owner.display_name.clone(),
                working_days: i64::from(working_days),
                deadline,
                at: now,
            },
        )
        .await?;
        if !assigned {
            return Err(AppError::conflict("记录已被他人修改，请刷新后重试"));
        }
        let mut text = format!("转交 {} 跟进，{} 前办结", owner.display_name, deadline);
        if let Some(note) = &note {
            text.push('：');
            text.push_str(note);
        }
        store::insert_update(
            &mut tx,
            id,
            now,
            principal.account_id,
            &principal.display_name,
            "assigned",
            &text,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "unresolved.assign",
            &format!("unresolved:{}", row.number),
            Some(&json!({"owner_account_id": row.owner_account_id, "deadline": row.deadline})),
            Some(&json!({"owner": owner.username, "deadline": deadline})),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::UNRESOLVED_ASSIGNED,
            &row.number,
            json!({
                "id": id,
                "number": row.number,
                "owner_account_id": owner.account_id,
                "deadline": deadline,
            }),
        )
        .await?;
        tx.commit().await?;
        self.unresolved_request(principal, id).await
    }

    /// Closes a request with its resolution (the owner).
    pub async fn close_unresolved(
        &self,
        principal: &Principal,
        id: i64,
        resolution: &str,
    ) -> AppResult<UnresolvedView> {
        let resolution =
            clean_text("resolution", "办理结果", Some(resolution), 1000, true)?.unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let row = self.locked(&mut tx, principal, id).await?;
        if row.status != "open" {
            return Err(AppError::conflict("该记录已办结"));
        }
        if !self.rights(principal, &row).close {
            return Err(AppError::forbidden("只有跟进责任人可以办结"));
        }
        let now = self.clock.now();
        let today = self.clock.today_in_china();
        if !store::close_unresolved(&mut tx, id, row.revision, &resolution, now, today).await? {
            return Err(AppError::conflict("记录已被他人修改，请刷新后重试"));
        }
        store::insert_update(
            &mut tx,
            id,
            now,
            principal.account_id,
            &principal.display_name,
            "closed",
            &resolution,
        )
        .await?;
        let on_time = today <= row.deadline;
        self.audit(
            &mut tx,
            &principal.username,
            "unresolved.close",
            &format!("unresolved:{}", row.number),
            Some(&json!({"status": row.status})),
            Some(&json!({
                "status": "closed",
                "resolution": mask_personal_data(&resolution),
                "closed_on": today,
                "on_time": on_time,
            })),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::UNRESOLVED_CLOSED,
            &row.number,
            json!({
                "id": id,
                "number": row.number,
                "region_code": row.region_code,
                "closed_on": today,
                "deadline": row.deadline,
                "on_time": on_time,
            }),
        )
        .await?;
        tx.commit().await?;
        self.unresolved_request(principal, id).await
    }

    /// The locked row, or "not found" for those who may not see it.
    async fn locked(
        &self,
        tx: &mut zerotrip_store::Tx,
        principal: &Principal,
        id: i64,
    ) -> AppResult<UnresolvedRow> {
        let row = store::unresolved_for_update(tx, id)
            .await?
            .ok_or_else(not_found)?;
        if !self.rights(principal, &row).see {
            return Err(not_found());
        }
        Ok(row)
    }

    fn unresolved_view(
        &self,
        row: UnresolvedRow,
        rights: Rights,
        updates: Vec<UnresolvedUpdateView>,
        detail: bool,
    ) -> UnresolvedView {
        let today = self.clock.today_in_china();
        let calendar = self.calendar();
        let (deadline_status, label) = match (row.status.as_str(), row.closed_on) {
            ("closed", Some(on)) if on <= row.deadline => ("closed_on_time", "按时办结"),
            ("closed", _) => ("closed_late", "逾期办结"),
            _ if today > row.deadline => ("overdue", "已逾期"),
            _ if calendar.working_days_between(today, row.deadline) <= DUE_SOON_WORKING_DAYS => {
                ("due_soon", "即将到期")
            }
            _ => ("normal", "正常"),
        };
        let phone_masked = MobileNumber::parse(&row.person_phone)
            .map(|m| m.masked())
            .unwrap_or_else(|_| "***".to_owned());
        let full = detail && rights.full_contact;
        UnresolvedView {
            id: row.id,
            number: row.number,
            region_name: self.region_name(&row.region_code),
            region_code: row.region_code,
            recorded_by: row.recorded_by_name,
            person_name_masked: mask_name(&row.person_name),
            person_name: full.then(|| row.person_name.clone()),
            person_phone: full.then(|| row.person_phone.clone()),
            person_phone_masked: phone_masked,
            item_code: row.item_code,
            item_name: row.item_name,
            request: if full {
                row.request
            } else {
                mask_personal_data(&row.request)
            },
            reasons: row
                .reasons
                .0
                .iter()
                .map(|code| ReasonView {
                    label: UnresolvedReason::parse(code)
                        .map(|r| r.label().to_owned())
                        .unwrap_or_else(|| code.clone()),
                    code: code.clone(),
                })
                .collect(),
            reason_note: row.reason_note,
            owner_account_id: row.owner_account_id,
            owner_name: row.owner_name,
            working_days: row.working_days,
            recorded_on: row.recorded_on,
            deadline: row.deadline,
            status_label: match row.status.as_str() {
                "open" => "跟进中",
                _ => "已办结",
            }
            .to_owned(),
            status: row.status,
            overdue: deadline_status == "overdue" || deadline_status == "closed_late",
            deadline_status: deadline_status.to_owned(),
            deadline_status_label: label.to_owned(),
            resolution: row.resolution,
            closed_on: row.closed_on,
            created_at: row.created_at,
            updates,
            may_note: rights.note,
            may_assign: rights.assign,
            may_close: rights.close,
        }
    }
}

/// 403 for those who may see a request but not do this; 409 once it is closed.
fn refusal(row: &UnresolvedRow, message: &str) -> AppError {
    if row.status != "open" {
        AppError::conflict("该记录已办结")
    } else {
        AppError::forbidden(message)
    }
}

fn update_view(row: &UnresolvedUpdateRow) -> UnresolvedUpdateView {
    UnresolvedUpdateView {
        at: row.at,
        actor: row.actor_name.clone(),
        kind_label: kind_label(&row.kind).to_owned(),
        kind: row.kind.clone(),
        note: row.note.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_parse_from_codes_and_labels() {
        for reason in UnresolvedReason::ALL {
            assert_eq!(UnresolvedReason::parse(reason.as_str()), Some(reason));
            assert_eq!(UnresolvedReason::parse(reason.label()), Some(reason));
        }
        assert_eq!(UnresolvedReason::parse("x"), None);
    }
}
