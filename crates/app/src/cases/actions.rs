//! Taking an action on a case: the pinned workflow decides whether the actor may take it, the
//! clock follows (补正 and special procedures stop it), the timeline records it, staff actions
//! enter the audit trail, and an outbox event tells notifications and analytics.

use serde_json::json;
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::CreditCode;
use zerotrip_core::workflow::{
    Action, ActionRequest, Actor, ClockEffect, Command, WorkflowError, transition,
};
use zerotrip_store::cases::{self as store, CaseRow, CaseUpdate, NewEvent};
use zerotrip_store::{Tx, departments, sql};

use super::access::{access_allows, actors};
use super::filing::not_found;
use super::views::state_label;
use super::{clock_json, clock_of};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::events::{CaseEventPayload, topics};

impl App {
    /// Takes one action on a case and answers with the case as the actor now sees it.
    pub async fn act_on_case(
        &self,
        principal: &Principal,
        case_id: i64,
        request: ActionRequest,
    ) -> AppResult<super::CaseDetail> {
        let mut tx = self.db.begin().await?;
        let row = store::case_for_update(&mut tx, case_id)
            .await?
            .ok_or_else(not_found)?;
        if request.command.action() == Action::Submit {
            return Err(AppError::field(
                "action",
                "提交申请请使用提交接口（须带 Idempotency-Key）",
            ));
        }
        self.apply_command(
            &mut tx,
            principal,
            row,
            request.command,
            request.comment.as_deref(),
        )
        .await?;
        tx.commit().await?;
        self.case_detail(principal, case_id).await
    }

    /// Applies `command` to the locked case row in `tx`; returns the updated row.
    pub(crate) async fn apply_command(
        &self,
        tx: &mut Tx,
        principal: &Principal,
        row: CaseRow,
        command: Command,
        comment: Option<&str>,
    ) -> AppResult<CaseRow> {
        let access = self
            .case_access(principal, &row)
            .await?
            .ok_or_else(not_found)?;
        if comment.is_some_and(|c| c.chars().count() > zerotrip_core::workflow::MAX_COMMENT_CHARS) {
            return Err(AppError::field(
                "comment",
                format!(
                    "意见最多 {} 个字",
                    zerotrip_core::workflow::MAX_COMMENT_CHARS
                ),
            ));
        }
        let action = command.action();
        if !access_allows(access, action) {
            return Err(AppError::forbidden(format!(
                "您不能对该办件执行“{}”",
                action.label()
            )));
        }
        let definition = self
            .workflow_version(&row.workflow_code, row.workflow_version)
            .await?;
        let candidates = actors(principal, access);
        if candidates.is_empty() {
            return Err(AppError::forbidden("您只能查看该办件"));
        }
        let mut first_error: Option<WorkflowError> = None;
        let mut chosen = None;
        for actor in candidates {
            match transition(&definition, &row.state, &command, &actor, comment) {
                Ok(step) => {
                    chosen = Some((actor, step));
                    break;
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        let (actor, step) = match (chosen, first_error) {
            (Some(found), _) => found,
            (None, Some(error)) => return Err(AppError::conflict(error.to_string())),
            (None, None) => return Err(AppError::forbidden("您不能处理该办件")),
        };

        let today = self.clock.today_in_china();
        let mut clock = clock_of(&row)?;
        clock
            .apply(&step.clock, today)
            .map_err(|error| AppError::conflict(error.to_string()))?;
        let mut update = CaseUpdate {
            state: step.to.clone(),
            outcome: step
                .outcome
                .map(|o| o.as_str().to_owned())
                .or(row.outcome.clone()),
            clock: clock_json(&clock)?,
            deadline: clock.deadline(&self.calendar()),
            form: row.form.0.clone(),
            handling_department_id: row.handling_department_id,
            handling_region_code: row.handling_region_code.clone(),
            implementation_code: row.implementation_code.clone(),
            delivery_method: row.delivery_method.clone(),
            submitted_at: row.submitted_at,
            completed_at: row.completed_at,
            updated_at: self.clock.now(),
        };
        let mut details = json!({"clock": step.clock});
        match &command {
            Command::Submit => update.submitted_at = Some(self.clock.now()),
            Command::RequestSupplement { materials } => {
                let positions = self.request_supplement(tx, &row, materials).await?;
                details["materials"] = json!(materials);
                details["positions"] = json!(positions);
            }
            Command::Supplement => self.check_supplemented(tx, &row).await?,
            Command::Accept => {
                if let Some(order) = self.charge_standard_fee(tx, &row).await? {
                    details["payment_order"] = json!(order);
                }
            }
            Command::Transfer { department } => {
                let (department_id, region, implementation) =
                    self.transfer_target(tx, &row, department).await?;
                details["to_department"] = json!(department);
                update.handling_department_id = department_id;
                update.handling_region_code = region;
                update.implementation_code = implementation;
            }
            _ => {}
        }
        if matches!(step.clock, ClockEffect::Stop) && update.completed_at.is_none() {
            update.completed_at = Some(self.clock.now());
        }
        if !store::update_case(tx, row.id, row.revision, update).await? {
            return Err(AppError::conflict("办件已被他人处理，请刷新后重试"));
        }
        let actor_role = match actor {
            Actor::Applicant if row.applicant_account_id != principal.account_id => {
                "agent".to_owned()
            }
            Actor::Applicant => "applicant".to_owned(),
            Actor::Staff(role) => role.as_str().to_owned(),
        };
        store::insert_event(
            tx,
            NewEvent {
                case_id: row.id,
                at: self.clock.now(),
                actor_account_id: Some(principal.account_id),
                actor_name: &principal.display_name,
                actor_role: &actor_role,
                action: action.as_str(),
                from_state: &row.state,
                to_state: &step.to,
                comment,
                details: details.clone(),
            },
        )
        .await?;
        if principal.kind == AccountKind::Staff {
            let before = json!({"state": row.state});
            let after = json!({"state": step.to, "action": action.as_str(), "comment": comment});
            self.audit(
                tx,
                &principal.username,
                &format!("case.{}", action.as_str()),
                &format!("case:{}", row.number),
                Some(&before),
                Some(&after),
            )
            .await?;
        }
        let updated = store::case_for_update(tx, row.id)
            .await?
            .ok_or_else(not_found)?;
        let payload = CaseEventPayload {
            case_id: row.id,
            number: row.number.clone(),
            item_code: row.item_code.clone(),
            item_name: row.item_name.clone(),
            action: action.as_str().to_owned(),
            from_state: row.state.clone(),
            to_state: step.to.clone(),
            to_state_label: state_label(&definition, &step.to),
            outcome: updated.outcome.clone(),
            applicant_account_id: row.applicant_account_id,
            contact_phone: updated.contact_phone.clone(),
            handling_department_id: updated.handling_department_id,
            channel: row.channel.clone(),
            comment: comment.map(str::to_owned),
            materials: match &command {
                Command::RequestSupplement { materials } => materials.clone(),
                _ => Vec::new(),
            },
        };
        let topic = if action == Action::Submit {
            topics::CASE_SUBMITTED
        } else {
            topics::CASE_ACTION
        };
        let payload = serde_json::to_value(&payload).map_err(AppError::internal)?;
        self.emit(tx, topic, &row.number, payload).await?;
        Ok(updated)
    }

    /// Marks the named materials as to be supplemented; every name must be a material of the
    /// case that the applicant supplies.
    async fn request_supplement(
        &self,
        tx: &mut Tx,
        row: &CaseRow,
        names: &[String],
    ) -> AppResult<Vec<i64>> {
        let materials = store::materials_tx(tx, row.id).await?;
        let mut positions = Vec::new();
        for name in names {
            let material = materials
                .iter()
                .find(|m| m.name == name.trim())
                .ok_or_else(|| {
                    AppError::field("materials", format!("该办件没有名为“{name}”的材料"))
                })?;
            if material.status == "exempt" {
                return Err(AppError::field(
                    "materials",
                    format!("“{}”免提交，不能要求申请人补正", material.name),
                ));
            }
            store::set_material_status(tx, row.id, material.position, "supplement_requested")
                .await?;
            positions.push(material.position);
        }
        Ok(positions)
    }

    async fn check_supplemented(&self, tx: &mut Tx, row: &CaseRow) -> AppResult<()> {
        let missing: Vec<String> = store::materials_tx(tx, row.id)
            .await?
            .into_iter()
            .filter(|m| m.status == "supplement_requested")
            .map(|m| m.name)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid(
                format!("还需补正：{}", missing.join("、")),
                missing
                    .iter()
                    .map(|name| crate::FieldError::new("materials", format!("请重新上传“{name}”")))
                    .collect(),
            ))
        }
    }

    /// The department a case is transferred to, by credit code: it must implement the item.
    async fn transfer_target(
        &self,
        tx: &mut Tx,
        row: &CaseRow,
        department: &str,
    ) -> AppResult<(i64, String, String)> {
        let code =
            CreditCode::parse(department).map_err(|error| AppError::field("department", error))?;
        let target = departments::department_by_credit_code(&self.db, code.as_str())
            .await?
            .ok_or_else(|| {
                AppError::field(
                    "department",
                    format!("统一社会信用代码为 {code} 的部门不存在"),
                )
            })?;
        if target.id == row.handling_department_id {
            return Err(AppError::field("department", "办件已由该部门办理"));
        }
        let implementation: Option<(String, String)> = tx
            .fetch_optional(
                sql("SELECT code, region_code FROM implementations WHERE item_code = $1 AND department_id = $2")
                    .bind(&row.item_code)
                    .bind(target.id),
            )
            .await?;
        let (implementation, region) = implementation.ok_or_else(|| {
            AppError::field(
                "department",
                format!("{}不实施“{}”，不能转办", target.name, row.item_name),
            )
        })?;
        Ok((target.id, region, implementation))
    }
}
