//! Handling an order: dispatch (with suggestions), return and re-dispatch, merging duplicates,
//! the department's reply and the assisting departments' opinions, sending a reply back, closure
//! and the callback that may reopen the order.

use serde_json::json;
use zerotrip_core::ids::DivisionCode;
use zerotrip_store::departments::{self, DepartmentRow};
use zerotrip_store::work_orders::{self as store, NewOrderEvent, WorkOrderRow};
use zerotrip_store::{Tx, catalog as catalog_store};

use super::{
    CallbackInput, CallbackSatisfaction, DepartmentOption, DispatchInput, DispatchSuggestion,
    HOTLINE_DEPARTMENT_KIND, HotlineActor, MAX_ASSISTS, MAX_CONTENT_CHARS, MAX_NOTE_CHARS,
    MergeInput, Step, StepActor, Viewer, WorkOrderStatus, WorkOrderView, clean_text, not_found,
    topics,
};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

impl App {
    /// Opens a transaction with the order locked and the principal's relation to it.
    async fn hotline_begin(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<(Tx, WorkOrderRow, HotlineActor, Viewer)> {
        let actor = self.hotline_actor(principal).await?;
        let mut tx = self.db.begin().await?;
        let row = store::order_for_update(&mut tx, id)
            .await?
            .ok_or_else(not_found)?;
        let assists: Vec<i64> = store::assists_tx(&mut tx, id)
            .await?
            .iter()
            .map(|a| a.department_id)
            .collect();
        let viewer = self
            .hotline_viewer(&actor, &row, &assists)
            .ok_or_else(not_found)?;
        Ok((tx, row, actor, viewer))
    }

    /// Refuses an action the viewer may not take now: 409 when another state would allow it,
    /// 403 when the viewer may never take it.
    fn hotline_allow(
        viewer: Viewer,
        row: &WorkOrderRow,
        action: &str,
        label: &str,
    ) -> AppResult<()> {
        if Self::hotline_actions(viewer, row)
            .iter()
            .any(|a| a == action)
        {
            return Ok(());
        }
        let possible = WorkOrderStatus::ALL.iter().any(|status| {
            let mut other = row.clone();
            other.status = status.as_str().to_owned();
            Self::hotline_actions(viewer, &other)
                .iter()
                .any(|a| a == action)
        });
        let status = WorkOrderStatus::parse(&row.status)
            .map(|s| s.label())
            .unwrap_or("未知");
        if possible {
            Err(AppError::conflict(format!(
                "工单当前状态为“{status}”，不能{label}"
            )))
        } else {
            Err(AppError::forbidden(format!("您无权对该工单{label}")))
        }
    }

    /// The view after an action; a viewer who lost access by it (退单) sees the order as it was
    /// left.
    async fn hotline_after(
        &self,
        principal: &Principal,
        row: &WorkOrderRow,
        viewer: Viewer,
    ) -> AppResult<WorkOrderView> {
        match self.work_order(principal, row.id).await {
            Err(AppError::NotFound(_)) => self.hotline_view(row, viewer, Vec::new(), true).await,
            other => other,
        }
    }

    /// A department to dispatch to, by unified social credit code.
    async fn hotline_department(&self, field: &str, code: &str) -> AppResult<DepartmentRow> {
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::field(field, "请选择承办单位"));
        }
        let department = departments::department_by_credit_code(&self.db, code)
            .await?
            .ok_or_else(|| {
                AppError::field(
                    field,
                    format!(
                        "承办单位“{}”不存在",
                        code.chars().take(30).collect::<String>()
                    ),
                )
            })?;
        if department.kind == HOTLINE_DEPARTMENT_KIND {
            return Err(AppError::field(field, "不能派给 12345 热线本身"));
        }
        Ok(department)
    }

    fn hotline_option(&self, department: &DepartmentRow) -> DepartmentOption {
        DepartmentOption {
            id: department.id,
            credit_code: department.credit_code.clone(),
            name: department.name.clone(),
            region_code: department.region_code.clone(),
            region_name: self.region_name(&department.region_code),
        }
    }

    /// The region and the regions above it, nearest first.
    fn hotline_region_chain(&self, region: &str) -> Vec<String> {
        let mut chain = vec![region.to_owned()];
        if let Ok(code) = DivisionCode::parse(region) {
            let mut ancestors: Vec<String> = self
                .regions()
                .ancestors(&code)
                .into_iter()
                .map(|d| d.code.to_string())
                .collect();
            // `ancestors` lists the province first.
            ancestors.reverse();
            for ancestor in ancestors {
                if !chain.contains(&ancestor) {
                    chain.push(ancestor);
                }
            }
        }
        chain
    }

    /// Departments an order about `region` can go to: those of the region and of the regions
    /// above it, nearest first.
    async fn hotline_department_options(&self, region: &str) -> AppResult<Vec<DepartmentOption>> {
        let all = departments::all_departments(&self.db).await?;
        let mut options = Vec::new();
        for code in self.hotline_region_chain(region) {
            options.extend(
                all.iter()
                    .filter(|d| d.region_code == code && d.kind != HOTLINE_DEPARTMENT_KIND)
                    .map(|d| self.hotline_option(d)),
            );
        }
        Ok(options)
    }

    /// What the 12345 body may dispatch the order to (hotline staff only).
    pub async fn work_order_departments(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<Vec<DepartmentOption>> {
        let (row, _, viewer, _) = self.hotline_load(principal, id).await?;
        if viewer != Viewer::Hotline {
            return Err(AppError::forbidden("只有 12345 热线可以派单"));
        }
        self.hotline_department_options(&row.region_code).await
    }

    /// Suggested lead departments (hotline staff only): from the order's item — its
    /// implementation serving the order's region (实施清单), then the body of the item's competent
    /// department kind in the region or the nearest region above it — and, for 差评整改, the
    /// department that handled the rated case.
    pub async fn work_order_suggestions(
        &self,
        principal: &Principal,
        id: i64,
    ) -> AppResult<Vec<DispatchSuggestion>> {
        let (row, _, viewer, _) = self.hotline_load(principal, id).await?;
        if viewer != Viewer::Hotline {
            return Err(AppError::forbidden("只有 12345 热线可以派单"));
        }
        self.hotline_suggestions(&row).await
    }

    pub(crate) async fn hotline_suggestions(
        &self,
        row: &WorkOrderRow,
    ) -> AppResult<Vec<DispatchSuggestion>> {
        let mut suggestions: Vec<DispatchSuggestion> = Vec::new();
        let mut push = |department: &DepartmentRow, reason: String| {
            if department.kind != HOTLINE_DEPARTMENT_KIND
                && !suggestions.iter().any(|s| s.department.id == department.id)
            {
                suggestions.push(DispatchSuggestion {
                    department: self.hotline_option(department),
                    reason,
                });
            }
        };
        if row.kind == "rectification"
            && let Some(id) = row.lead_department_id
            && let Some(department) = departments::department(&self.db, id).await?
        {
            push(&department, "被评价办件的办理部门".to_owned());
        }
        let Some(item_code) = row.item_code.as_deref() else {
            return Ok(suggestions);
        };
        let item_name = row
            .item_name
            .clone()
            .unwrap_or_else(|| item_code.to_owned());
        if let Ok(region) = DivisionCode::parse(&row.region_code) {
            let regions = catalog_store::implementing_regions(&self.db, item_code).await?;
            if let Some(implementation) = self
                .implementation_serving(item_code, &regions, &region)
                .await?
                && let Some(department) =
                    departments::department(&self.db, implementation.department_id).await?
            {
                push(
                    &department,
                    format!(
                        "实施清单：事项“{item_name}”在{}由该部门实施",
                        implementation.region_name
                    ),
                );
            }
        }
        if let Some(item) = catalog_store::item(&self.db, item_code).await? {
            let all = departments::all_departments(&self.db).await?;
            let nearest = self
                .hotline_region_chain(&row.region_code)
                .into_iter()
                .find_map(|code| {
                    all.iter()
                        .find(|d| d.kind == item.department_kind && d.region_code == code)
                        .cloned()
                });
            if let Some(department) = nearest {
                push(
                    &department,
                    format!("事项主管部门类别“{}”在当地的部门", item.department_kind),
                );
            }
        }
        Ok(suggestions)
    }

    /// 派单: the hotline gives a waiting order to a lead department, with assisting ones.
    pub async fn dispatch_work_order(
        &self,
        principal: &Principal,
        id: i64,
        input: &DispatchInput,
    ) -> AppResult<WorkOrderView> {
        self.hotline_assign(principal, id, input, false).await
    }

    /// 改派: the hotline gives a returned (or misdirected) order to another department; the
    /// reason is required.
    pub async fn redispatch_work_order(
        &self,
        principal: &Principal,
        id: i64,
        input: &DispatchInput,
    ) -> AppResult<WorkOrderView> {
        self.hotline_assign(principal, id, input, true).await
    }

    async fn hotline_assign(
        &self,
        principal: &Principal,
        id: i64,
        input: &DispatchInput,
        redispatch: bool,
    ) -> AppResult<WorkOrderView> {
        let (action, label, topic) = if redispatch {
            ("redispatch", "改派", topics::REDISPATCHED)
        } else {
            ("dispatch", "派单", topics::DISPATCHED)
        };
        let note = clean_text(
            "note",
            if redispatch {
                "改派原因"
            } else {
                "派单意见"
            },
            input.note.as_deref(),
            MAX_NOTE_CHARS,
            redispatch,
        )?;
        let lead = self
            .hotline_department("department", &input.department)
            .await?;
        let mut assists: Vec<DepartmentRow> = Vec::new();
        for code in input.assist.iter().filter(|c| !c.trim().is_empty()) {
            let department = self.hotline_department("assist", code).await?;
            if department.id != lead.id && !assists.iter().any(|a| a.id == department.id) {
                assists.push(department);
            }
        }
        if assists.len() > MAX_ASSISTS {
            return Err(AppError::field(
                "assist",
                format!("协办单位最多 {MAX_ASSISTS} 个"),
            ));
        }
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, action, label)?;
        if redispatch
            && row.status == WorkOrderStatus::Dispatched.as_str()
            && row.lead_department_id == Some(lead.id)
        {
            return Err(AppError::field(
                "department",
                "工单已由该单位办理，改派请选择其他承办单位",
            ));
        }
        let now = self.clock.now();
        let mut after = row.clone();
        after.status = WorkOrderStatus::Dispatched.as_str().to_owned();
        after.lead_department_id = Some(lead.id);
        after.lead_department_name = Some(lead.name.clone());
        after.dispatched_at = Some(now);
        let assist_ids: Vec<i64> = assists.iter().map(|a| a.id).collect();
        store::replace_assists(&mut tx, id, &assist_ids, now).await?;
        let assist_names: Vec<String> = assists.iter().map(|a| a.name.clone()).collect();
        let mut text = format!("{label}至 {} 主办", lead.name);
        if !assist_names.is_empty() {
            text.push_str(&format!("，{} 协办", assist_names.join("、")));
        }
        if let Some(note) = &note {
            text.push_str(&format!("。{note}"));
        }
        self.hotline_commit(
            &mut tx,
            &StepActor {
                principal: Some(principal),
                role: "hotline",
            },
            &row,
            &mut after,
            Step {
                action,
                topic,
                note: Some(text),
                department_id: Some(lead.id),
                // Requesters see where their order went, not why it moved.
                public: !redispatch,
                details: json!({
                    "lead": {"id": lead.id, "name": lead.name},
                    "assist": assists.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>(),
                    "previous_lead_department_id": row.lead_department_id,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 退单: the lead department returns an order that is not theirs, with the reason; the
    /// hotline re-dispatches it.
    pub async fn return_work_order(
        &self,
        principal: &Principal,
        id: i64,
        reason: &str,
    ) -> AppResult<WorkOrderView> {
        let reason = clean_text("reason", "退单理由", Some(reason), MAX_NOTE_CHARS, true)?;
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "return", "退单")?;
        let now = self.clock.now();
        let mut after = row.clone();
        after.status = WorkOrderStatus::Returned.as_str().to_owned();
        after.lead_department_id = None;
        after.lead_department_name = None;
        store::replace_assists(&mut tx, id, &[], now).await?;
        self.hotline_commit(
            &mut tx,
            &StepActor {
                principal: Some(principal),
                role: "department",
            },
            &row,
            &mut after,
            Step {
                action: "return",
                topic: topics::RETURNED,
                note: reason,
                department_id: row.lead_department_id,
                public: false,
                details: json!({"department": row.lead_department_name}),
            },
        )
        .await?;
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 重复诉求并单: the hotline merges this order into a lead order about the same matter; it
    /// then follows the lead's handling, and its requester gets the lead's reply and closure.
    pub async fn merge_work_order(
        &self,
        principal: &Principal,
        id: i64,
        input: &MergeInput,
    ) -> AppResult<WorkOrderView> {
        let note = clean_text(
            "note",
            "并单说明",
            input.note.as_deref(),
            MAX_NOTE_CHARS,
            false,
        )?;
        let into = input.into.trim();
        if into.is_empty() {
            return Err(AppError::field("into", "请填写主工单编号"));
        }
        let lead = match store::order_by_number(&self.db, into).await? {
            Some(found) => Some(found),
            None => match into.parse::<i64>() {
                Ok(lead_id) => store::order(&self.db, lead_id).await?,
                Err(_) => None,
            },
        }
        .ok_or_else(|| {
            AppError::field(
                "into",
                format!(
                    "主工单“{}”不存在",
                    into.chars().take(30).collect::<String>()
                ),
            )
        })?;
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "merge", "并单")?;
        if lead.id == row.id {
            return Err(AppError::field("into", "不能把工单并入它自己"));
        }
        let lead = store::order_for_update(&mut tx, lead.id)
            .await?
            .ok_or_else(not_found)?;
        let open = ["pending", "dispatched", "returned", "replied"];
        if !open.contains(&lead.status.as_str()) {
            return Err(AppError::field(
                "into",
                "主工单已办结或已并入其他工单，不能再把诉求并入",
            ));
        }
        let now = self.clock.now();
        let hotline = StepActor {
            principal: Some(principal),
            role: "hotline",
        };
        // Orders merged into this one before now follow the new lead too.
        let followers = store::merged_into(&mut tx, row.id).await?;
        let mut moved = vec![row.number.clone()];
        for follower in followers {
            let mut after = follower.clone();
            after.merged_into_id = Some(lead.id);
            after.reply = lead.reply.clone();
            after.replied_at = lead.replied_at;
            after.replied_by_name = lead.replied_by_name.clone();
            moved.push(follower.number.clone());
            self.hotline_commit(
                &mut tx,
                &hotline,
                &follower,
                &mut after,
                Step {
                    action: "merge",
                    topic: topics::MERGED,
                    note: Some(format!("随 {} 一并并入 {}", row.number, lead.number)),
                    department_id: None,
                    public: false,
                    details: json!({"into": lead.number}),
                },
            )
            .await?;
        }
        let mut after = row.clone();
        after.status = WorkOrderStatus::Merged.as_str().to_owned();
        after.merged_into_id = Some(lead.id);
        after.lead_department_id = None;
        after.lead_department_name = None;
        after.reply = lead.reply.clone();
        after.replied_at = lead.replied_at;
        after.replied_by_name = lead.replied_by_name.clone();
        store::replace_assists(&mut tx, id, &[], now).await?;
        let mut text = "与其他群众反映的相同诉求合并办理，办理结果将一并答复您".to_owned();
        if let Some(note) = &note {
            text.push_str(&format!("。{note}"));
        }
        self.hotline_commit(
            &mut tx,
            &hotline,
            &row,
            &mut after,
            Step {
                action: "merge",
                topic: topics::MERGED,
                note: Some(text),
                department_id: None,
                public: true,
                details: json!({"into": lead.number, "into_id": lead.id}),
            },
        )
        .await?;
        store::insert_event(
            &mut tx,
            NewOrderEvent {
                order_id: lead.id,
                at: now,
                actor_account_id: Some(principal.account_id),
                actor_name: principal.display_name.clone(),
                actor_role: "hotline".to_owned(),
                action: "merge_in".to_owned(),
                department_id: None,
                note: Some(format!("并入重复诉求：{}", moved.join("、"))),
                public: false,
                details: json!({"orders": moved}),
            },
        )
        .await?;
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 答复: the lead department answers; the hotline may answer a waiting order itself (a
    /// consultation answered on the phone). Merged orders get the same reply.
    pub async fn reply_work_order(
        &self,
        principal: &Principal,
        id: i64,
        reply: &str,
    ) -> AppResult<WorkOrderView> {
        let reply = clean_text("reply", "答复内容", Some(reply), MAX_CONTENT_CHARS, true)?
            .ok_or_else(|| AppError::field("reply", "请填写答复内容"))?;
        let (mut tx, row, actor, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "reply", "答复")?;
        let now = self.clock.now();
        let by = match viewer {
            Viewer::Hotline => "12345热线".to_owned(),
            _ => actor
                .department_name
                .clone()
                .unwrap_or_else(|| principal.display_name.clone()),
        };
        let step_actor = StepActor {
            principal: Some(principal),
            role: viewer.role(),
        };
        let mut after = row.clone();
        after.status = WorkOrderStatus::Replied.as_str().to_owned();
        after.reply = Some(reply.clone());
        after.replied_at = Some(now);
        after.replied_by_name = Some(by.clone());
        self.hotline_commit(
            &mut tx,
            &step_actor,
            &row,
            &mut after,
            Step {
                action: "reply",
                topic: topics::REPLIED,
                note: Some(reply.clone()),
                department_id: actor.department_id.filter(|_| viewer == Viewer::Lead),
                public: true,
                details: json!({"by": by}),
            },
        )
        .await?;
        for follower in store::merged_into(&mut tx, id).await? {
            let mut copy = follower.clone();
            copy.reply = Some(reply.clone());
            copy.replied_at = Some(now);
            copy.replied_by_name = Some(by.clone());
            self.hotline_commit(
                &mut tx,
                &step_actor,
                &follower,
                &mut copy,
                Step {
                    action: "reply",
                    topic: topics::REPLIED,
                    note: Some(reply.clone()),
                    department_id: None,
                    public: true,
                    details: json!({"by": by, "lead": row.number}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 协办意见: an assisting department's contribution, for the lead and the hotline.
    pub async fn add_work_order_opinion(
        &self,
        principal: &Principal,
        id: i64,
        note: &str,
    ) -> AppResult<WorkOrderView> {
        let note = clean_text("note", "协办意见", Some(note), MAX_NOTE_CHARS, true)?;
        let (mut tx, row, actor, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "opinion", "提出协办意见")?;
        let mut after = row.clone();
        self.hotline_commit(
            &mut tx,
            &StepActor {
                principal: Some(principal),
                role: "department",
            },
            &row,
            &mut after,
            Step {
                action: "opinion",
                topic: topics::OPINION,
                note,
                department_id: actor.department_id,
                public: false,
                details: json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 退回重办 (督办): the hotline sends an inadequate reply back to the lead department.
    pub async fn rework_work_order(
        &self,
        principal: &Principal,
        id: i64,
        reason: &str,
    ) -> AppResult<WorkOrderView> {
        let reason = clean_text("reason", "退回理由", Some(reason), MAX_NOTE_CHARS, true)?;
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "rework", "退回重办")?;
        let mut after = row.clone();
        after.status = if row.lead_department_id.is_some() {
            WorkOrderStatus::Dispatched
        } else {
            WorkOrderStatus::Pending
        }
        .as_str()
        .to_owned();
        after.reply = None;
        after.replied_at = None;
        after.replied_by_name = None;
        let hotline = StepActor {
            principal: Some(principal),
            role: "hotline",
        };
        self.hotline_commit(
            &mut tx,
            &hotline,
            &row,
            &mut after,
            Step {
                action: "rework",
                topic: topics::REWORK,
                note: reason.clone(),
                department_id: row.lead_department_id,
                public: false,
                details: json!({"previous_reply": row.reply}),
            },
        )
        .await?;
        for follower in store::merged_into(&mut tx, id).await? {
            let mut copy = follower.clone();
            copy.reply = None;
            copy.replied_at = None;
            copy.replied_by_name = None;
            self.hotline_commit(
                &mut tx,
                &hotline,
                &follower,
                &mut copy,
                Step {
                    action: "rework",
                    topic: topics::REWORK,
                    note: reason.clone(),
                    department_id: None,
                    public: false,
                    details: json!({"lead": row.number}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 办结: the hotline closes an answered order; the callback is due the next working day.
    /// Merged orders are closed with it.
    pub async fn close_work_order(
        &self,
        principal: &Principal,
        id: i64,
        note: Option<&str>,
    ) -> AppResult<WorkOrderView> {
        let note = clean_text("note", "办结意见", note, MAX_NOTE_CHARS, false)?;
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "close", "办结")?;
        let now = self.clock.now();
        let today = self.clock.today_in_china();
        let callback_due = self.add_working_days(today, 1)?;
        let hotline = StepActor {
            principal: Some(principal),
            role: "hotline",
        };
        let close = |row: &WorkOrderRow| {
            let mut after = row.clone();
            after.status = WorkOrderStatus::Closed.as_str().to_owned();
            after.closed_at = Some(now);
            after.closed_on = Some(today);
            after.close_note = note.clone();
            after.callback_due = Some(callback_due);
            after
        };
        let mut after = close(&row);
        self.hotline_commit(
            &mut tx,
            &hotline,
            &row,
            &mut after,
            Step {
                action: "close",
                topic: topics::CLOSED,
                note: Some(
                    note.clone()
                        .unwrap_or_else(|| format!("工单已办结，{callback_due}起回访")),
                ),
                department_id: None,
                public: true,
                details: json!({"callback_due": callback_due}),
            },
        )
        .await?;
        for follower in store::merged_into(&mut tx, id).await? {
            if follower.status != WorkOrderStatus::Merged.as_str() {
                continue;
            }
            let mut closed = close(&follower);
            closed.reply = row.reply.clone();
            closed.replied_at = row.replied_at;
            closed.replied_by_name = row.replied_by_name.clone();
            self.hotline_commit(
                &mut tx,
                &hotline,
                &follower,
                &mut closed,
                Step {
                    action: "close",
                    topic: topics::CLOSED,
                    note: Some("相同诉求已办结，办理结果一并答复".to_owned()),
                    department_id: None,
                    public: true,
                    details: json!({"lead": row.number, "callback_due": callback_due}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }

    /// 回访: records the requester's satisfaction — told to the hotline on the phone, or given
    /// by the requester on their order page. 不满意 reopens the order to the same lead
    /// department with a fresh deadline (the hotline may decide not to, e.g. for a request that
    /// cannot be met by law).
    pub async fn record_work_order_callback(
        &self,
        principal: &Principal,
        id: i64,
        input: &CallbackInput,
    ) -> AppResult<WorkOrderView> {
        let satisfaction = CallbackSatisfaction::parse(&input.satisfaction).ok_or_else(|| {
            AppError::field("satisfaction", "请选择满意度：满意、基本满意或不满意")
        })?;
        let note = clean_text("note", "回访记录", input.note.as_deref(), 500, false)?;
        let (mut tx, row, _, viewer) = self.hotline_begin(principal, id).await?;
        Self::hotline_allow(viewer, &row, "callback", "回访")?;
        let now = self.clock.now();
        let reopen = satisfaction == CallbackSatisfaction::Dissatisfied
            && (viewer == Viewer::Requester || input.reopen.unwrap_or(true));
        let step_actor = StepActor {
            principal: Some(principal),
            role: viewer.role(),
        };
        let mut after = row.clone();
        after.status = WorkOrderStatus::Completed.as_str().to_owned();
        after.satisfaction = Some(satisfaction.as_str().to_owned());
        after.callback_note = note.clone();
        after.callback_at = Some(now);
        after.callback_by_name = Some(match viewer {
            Viewer::Requester => "诉求人（网上回访）".to_owned(),
            _ => principal.display_name.clone(),
        });
        let mut text = format!("回访满意度：{}", satisfaction.label());
        if let Some(note) = &note {
            text.push_str(&format!("。{note}"));
        }
        self.hotline_commit(
            &mut tx,
            &step_actor,
            &row,
            &mut after,
            Step {
                action: "callback",
                topic: topics::CALLBACK,
                note: Some(text),
                department_id: None,
                public: true,
                details: json!({
                    "satisfaction": satisfaction.as_str(),
                    "by": if viewer == Viewer::Requester { "requester" } else { "hotline" },
                }),
            },
        )
        .await?;
        if reopen {
            // A merged order reopens on its own, with the department that led the merge.
            let department = match (row.lead_department_id, row.merged_into_id) {
                (Some(id), _) => departments::department(&self.db, id).await?,
                (None, Some(lead_id)) => match store::order_for_update(&mut tx, lead_id).await? {
                    Some(lead) => match lead.lead_department_id {
                        Some(id) => departments::department(&self.db, id).await?,
                        None => None,
                    },
                    None => None,
                },
                (None, None) => None,
            };
            let deadline = self.add_working_days(
                self.clock.today_in_china(),
                u32::try_from(row.working_days).unwrap_or(1),
            )?;
            let before = after.clone();
            let mut reopened = after.clone();
            reopened.status = if department.is_some() {
                WorkOrderStatus::Dispatched
            } else {
                WorkOrderStatus::Pending
            }
            .as_str()
            .to_owned();
            reopened.lead_department_id = department.as_ref().map(|d| d.id);
            reopened.lead_department_name = department.as_ref().map(|d| d.name.clone());
            reopened.merged_into_id = None;
            reopened.dispatched_at = department.as_ref().map(|_| now);
            reopened.deadline = deadline;
            reopened.reminded_at = None;
            reopened.escalated_at = None;
            reopened.reply = None;
            reopened.replied_at = None;
            reopened.replied_by_name = None;
            reopened.closed_at = None;
            reopened.closed_on = None;
            reopened.close_note = None;
            reopened.callback_due = None;
            reopened.reopen_count += 1;
            let reopen_actor = if viewer == Viewer::Requester {
                StepActor::system()
            } else {
                step_actor
            };
            let reopen_count = reopened.reopen_count;
            let to = department
                .as_ref()
                .map(|d| format!("，由{}重新办理", d.name))
                .unwrap_or_default();
            self.hotline_commit(
                &mut tx,
                &reopen_actor,
                &before,
                &mut reopened,
                Step {
                    action: "reopen",
                    topic: topics::REOPENED,
                    note: Some(format!(
                        "回访不满意，工单重新办理{to}，办理期限至 {deadline}"
                    )),
                    department_id: department.as_ref().map(|d| d.id),
                    public: true,
                    details: json!({"reopen_count": reopen_count, "deadline": deadline}),
                },
            )
            .await?;
            after = reopened;
        }
        tx.commit().await?;
        self.hotline_after(principal, &after, viewer).await
    }
}
