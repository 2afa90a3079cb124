//! Reading cases: one case with everything around it, the applicant's own list, and the staff
//! inbox — each query scoped to what the principal may see.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use zerotrip_core::access::{AccountKind, Role};
use zerotrip_core::workflow::{Actor, DeadlineStatus, WorkflowDefinition, allowed_actions};
use zerotrip_store::cases::{self as store, CaseFilter, CaseRow};
use zerotrip_store::departments;

use super::access::{CaseAccess, access_allows, actors};
use super::filing::not_found;
use super::forms::form_for_item;
use super::views::{
    ActionOption, CaseDetail, ClockView, applicant_of, delivery_label, material_of, state_label,
    summary_of, timeline_of,
};
use super::{CaseSummary, clock_of, definition_of};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// Parameters of case lists.
#[derive(Debug, Clone, Default)]
pub struct CaseListQuery {
    /// Only cases in this state.
    pub state: Option<String>,
    /// Number, item or applicant name contains this.
    pub text: Option<String>,
    pub channel: Option<String>,
    /// Staff inbox: only cases where the viewer can act now (default); false lists every case
    /// in the viewer's scope.
    pub actionable_only: bool,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub cases: Vec<CaseSummary>,
}

impl App {
    /// One case as the principal may see it; others' cases are "not found".
    pub async fn case_detail(&self, principal: &Principal, case_id: i64) -> AppResult<CaseDetail> {
        let row = store::case(&self.db, case_id)
            .await?
            .ok_or_else(not_found)?;
        self.detail_of(principal, row).await
    }

    pub async fn case_detail_by_number(
        &self,
        principal: &Principal,
        number: &str,
    ) -> AppResult<CaseDetail> {
        let row = store::case_by_number(&self.db, number.trim())
            .await?
            .ok_or_else(not_found)?;
        self.detail_of(principal, row).await
    }

    async fn detail_of(&self, principal: &Principal, row: CaseRow) -> AppResult<CaseDetail> {
        let access = self
            .case_access(principal, &row)
            .await?
            .ok_or_else(not_found)?;
        let definition = self
            .workflow_version(&row.workflow_code, row.workflow_version)
            .await?;
        let calendar = self.calendar();
        let today = self.clock.today_in_china();
        let clock = clock_of(&row)?;
        let status = clock.status(today, &calendar);
        let mut allowed: Vec<ActionOption> = Vec::new();
        for actor in actors(principal, access) {
            for action in allowed_actions(&definition, &row.state, &actor) {
                if access_allows(access, action) && allowed.iter().all(|a| a.action != action) {
                    let requires_comment = action.requires_reason()
                        || definition.actions_from(&row.state).any(|def| {
                            def.action == action && def.requires_comment && def.by.contains(&actor)
                        });
                    allowed.push(ActionOption {
                        action,
                        label: action.label().to_owned(),
                        requires_comment,
                    });
                }
            }
        }
        let item = self.pinned_item(&row).await?;
        let form_fields = form_for_item(&item, &self.bundles().await?);
        let form: BTreeMap<String, String> =
            serde_json::from_value(row.form.0.clone()).unwrap_or_default();
        let department = departments::department(&self.db, row.handling_department_id)
            .await?
            .map(|d| d.name)
            .unwrap_or_default();
        let materials = store::materials(&self.db, row.id)
            .await?
            .iter()
            .map(material_of)
            .collect();
        let timeline = store::events(&self.db, row.id)
            .await?
            .iter()
            .map(timeline_of)
            .collect();
        let clock_view = ClockView {
            limit_working_days: clock.total_limit(),
            accepted_on: clock.accepted_on,
            deadline: clock.deadline(&calendar),
            projected_deadline: clock.projected_deadline(today, &calendar),
            working_days_used: clock.working_days_used(today, &calendar),
            working_days_left: clock.working_days_left(today, &calendar),
            paused: clock.is_paused(),
            supplements: clock.supplement_count(),
            status,
            status_label: status.label().to_owned(),
        };
        Ok(CaseDetail {
            summary: summary_of(&row, state_label(&definition, &row.state), status),
            item_version: row.item_version,
            implementation_code: row.implementation_code.clone(),
            handling_department: department,
            handling_region_name: self.region_name(&row.handling_region_code),
            filing_region_name: self.region_name(&row.filing_region_code),
            applicant: applicant_of(&row),
            delivery_method_label: delivery_label(row.delivery_method.as_deref()),
            delivery_method: row.delivery_method.clone(),
            workflow: (row.workflow_code.clone(), row.workflow_version),
            form_fields,
            form,
            materials,
            timeline,
            clock: clock_view,
            allowed_actions: allowed,
            viewer_is_applicant: matches!(access, CaseAccess::Applicant | CaseAccess::Agent),
        })
    }

    /// The applicant's own cases (and, for an agent, the cases they filed for others).
    pub async fn my_cases(
        &self,
        principal: &Principal,
        query: &CaseListQuery,
    ) -> AppResult<CasePage> {
        if principal.kind == AccountKind::Staff {
            return Err(AppError::forbidden("工作人员请在工作台查看办件"));
        }
        let filter = CaseFilter {
            applicant_account_id: Some(principal.account_id),
            states: query.state.iter().cloned().collect(),
            text: query.text.clone(),
            channel: query.channel.clone(),
            ..Default::default()
        };
        self.page_of(&filter, query).await
    }

    /// The staff inbox: cases of the viewer's department and region (or, for the comprehensive
    /// window, those filed in its region; for overseers, their region), by default only those the
    /// viewer can act on now, most urgent first.
    pub async fn inbox(&self, principal: &Principal, query: &CaseListQuery) -> AppResult<CasePage> {
        if principal.kind != AccountKind::Staff {
            return Err(AppError::forbidden("仅工作人员可以查看工作台"));
        }
        let mut filter = CaseFilter {
            text: query.text.clone(),
            channel: query.channel.clone(),
            exclude_states: vec!["draft".to_owned()],
            ..Default::default()
        };
        let handling_roles: Vec<Role> = principal
            .roles
            .iter()
            .copied()
            .filter(|r| matches!(r, Role::WindowClerk | Role::Reviewer | Role::Approver))
            .collect();
        let region = principal.region_code.clone();
        match principal.department_id {
            Some(department) if !handling_roles.is_empty() => {
                filter.department_id = Some(department)
            }
            None if principal.has_role(Role::WindowClerk) => {
                filter.filing_region_prefix = region.map(|r| region_prefix(&r))
            }
            _ if principal.has_role(Role::ProvinceAdmin) || principal.has_role(Role::Auditor) => {}
            _ if principal.has_role(Role::RegionAdmin) => {
                filter.region_prefix = region.map(|r| region_prefix(&r))
            }
            _ => return Err(AppError::forbidden("您的账号没有可查看的办件范围")),
        }
        if let Some(state) = &query.state {
            filter.states = vec![state.clone()];
        } else if query.actionable_only && !handling_roles.is_empty() {
            filter.states = self
                .actionable_states(&handling_roles, principal.department_id.is_none())
                .await?
                .into_iter()
                .collect();
            if filter.states.is_empty() {
                return Ok(CasePage {
                    total: 0,
                    page: query.page.max(1),
                    per_page: query.per_page,
                    cases: Vec::new(),
                });
            }
        }
        self.page_of(&filter, query).await
    }

    /// States (across the stored workflow definitions) in which one of `roles` can act.
    async fn actionable_states(
        &self,
        roles: &[Role],
        window_only: bool,
    ) -> AppResult<BTreeSet<String>> {
        let rows: Vec<zerotrip_store::cases::WorkflowRow> = self
            .db
            .fetch_all(zerotrip_store::sql(
                "SELECT code, version, content, created_at, created_by FROM workflow_definitions",
            ))
            .await?;
        let mut states = BTreeSet::new();
        for row in rows {
            let definition: WorkflowDefinition = definition_of(&row)?;
            for state in &definition.states {
                let actionable = roles.iter().any(|role| {
                    allowed_actions(&definition, &state.key, &Actor::Staff(*role))
                        .into_iter()
                        .any(|action| !window_only || access_allows(CaseAccess::Window, action))
                });
                if actionable && state.key != "draft" {
                    states.insert(state.key.clone());
                }
            }
        }
        Ok(states)
    }

    async fn page_of(&self, filter: &CaseFilter, query: &CaseListQuery) -> AppResult<CasePage> {
        let page = query.page.max(1);
        let per_page = query.per_page.clamp(1, 100);
        let (total, rows) = store::list_cases(
            &self.db,
            filter,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page),
        )
        .await?;
        let calendar = self.calendar();
        let today = self.clock.today_in_china();
        let mut definitions: BTreeMap<(String, i64), WorkflowDefinition> = BTreeMap::new();
        let mut cases = Vec::with_capacity(rows.len());
        for row in rows {
            let key = (row.workflow_code.clone(), row.workflow_version);
            if !definitions.contains_key(&key) {
                let definition = self
                    .workflow_version(&row.workflow_code, row.workflow_version)
                    .await?;
                definitions.insert(key.clone(), definition);
            }
            let label = definitions
                .get(&key)
                .map(|d| state_label(d, &row.state))
                .unwrap_or_else(|| row.state.clone());
            let status = clock_of(&row)
                .map(|c| c.status(today, &calendar))
                .unwrap_or(DeadlineStatus::Normal);
            cases.push(summary_of(&row, label, status));
        }
        Ok(CasePage {
            total,
            page,
            per_page,
            cases,
        })
    }
}

/// The code prefix of a region and everything below it.
fn region_prefix(code: &str) -> String {
    if code.ends_with("0000") && code.len() == 6 {
        code[..2].to_owned()
    } else if code.ends_with("00") && code.len() == 6 {
        code[..4].to_owned()
    } else {
        code.to_owned()
    }
}

impl App {
    /// The file of one material, for whoever may see the case.
    pub async fn case_material_file(
        &self,
        principal: &Principal,
        case_id: i64,
        position: i64,
    ) -> AppResult<(bytes::Bytes, String, String)> {
        let row = store::case(&self.db, case_id)
            .await?
            .ok_or_else(not_found)?;
        self.case_access(principal, &row)
            .await?
            .ok_or_else(not_found)?;
        let material = store::materials(&self.db, case_id)
            .await?
            .into_iter()
            .find(|m| m.position == position)
            .ok_or_else(|| AppError::not_found("材料不存在"))?;
        let key = material
            .object_key
            .ok_or_else(|| AppError::not_found("该材料尚未上传"))?;
        let (bytes, content_type) = self.read_file(&key).await?;
        Ok((
            bytes,
            content_type,
            material.file_name.unwrap_or_else(|| material.name.clone()),
        ))
    }
}
