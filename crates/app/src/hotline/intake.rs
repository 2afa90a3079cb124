//! Taking requests: from the web (a signed-in person or company), from callers (the staff of the
//! 12345 body enter the call) and from bad reviews (差评整改, see [`super::BadReviewSubscriber`]).

use serde_json::json;
use zerotrip_core::access::AccountKind;
use zerotrip_core::ids::{DivisionCode, ResidentId};
use zerotrip_store::work_orders::{self as store, NewOrderEvent, NewWorkOrder};
use zerotrip_store::{accounts, cases as case_store, catalog as catalog_store, departments};

use super::{
    BadReviewPayload, MAX_CONTENT_CHARS, MAX_TITLE_CHARS, WorkOrderInput, WorkOrderKind,
    WorkOrderStatus, WorkOrderView, clean_text, not_found, number_prefix, parse_phone, topics,
};
use crate::App;
use crate::audit::SYSTEM_ACTOR;
use crate::auth::Principal;
use crate::error::{AppError, AppResult, FieldError};

/// The first line of the content, shortened, as the title when none is given.
fn title_from(content: &str) -> String {
    let line = content.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let line = line.trim();
    let mut title: String = line.chars().take(30).collect();
    if line.chars().count() > 30 {
        title.push('…');
    }
    title
}

impl App {
    /// Takes a request: from a signed-in person or company (channel 网站), or from a caller
    /// entered by the staff of the 12345 body (channel 电话). Other staff get 403.
    pub async fn create_work_order(
        &self,
        principal: &Principal,
        input: &WorkOrderInput,
    ) -> AppResult<WorkOrderView> {
        let actor = self.hotline_actor(principal).await?;
        if actor.staff && !actor.hotline {
            return Err(AppError::forbidden(
                "只有 12345 热线的工作人员可以登记来电诉求",
            ));
        }
        let mut errors: Vec<FieldError> = Vec::new();
        let mut keep = |result: AppResult<Option<String>>| match result {
            Ok(value) => value,
            Err(error) => {
                errors.extend(error.fields().iter().cloned());
                None
            }
        };
        let kind = match WorkOrderKind::parse(&input.kind) {
            Some(kind) if WorkOrderKind::INTAKE.contains(&kind) => Some(kind),
            _ => {
                keep(Err(AppError::field(
                    "kind",
                    "请选择诉求类型：咨询、求助、投诉、建议或未办成事",
                )));
                None
            }
        };
        let content = keep(clean_text(
            "content",
            "诉求内容",
            Some(&input.content),
            MAX_CONTENT_CHARS,
            true,
        ));
        let title = keep(clean_text(
            "title",
            "标题",
            input.title.as_deref(),
            MAX_TITLE_CHARS,
            false,
        ));
        let search_query = keep(clean_text(
            "search_query",
            "搜索内容",
            input.search_query.as_deref(),
            100,
            false,
        ));
        let region = match DivisionCode::parse(input.region.trim()) {
            Ok(code) if self.regions().get(&code).is_some() => Some(code.to_string()),
            _ => {
                keep(Err(AppError::field("region", "请选择诉求所在地区")));
                None
            }
        };
        let item = match input
            .item_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(code) => match catalog_store::item(&self.db, code).await? {
                Some(item) if item.published_version.is_some() => Some(item),
                _ => {
                    keep(Err(AppError::field(
                        "item_code",
                        format!(
                            "事项编码“{}”不存在",
                            code.chars().take(30).collect::<String>()
                        ),
                    )));
                    None
                }
            },
        };
        // Who asks, and where to answer them.
        let (requester_account_id, requester_name, phone_text, channel) = if actor.staff {
            let name = keep(clean_text(
                "requester_name",
                "来电人姓名",
                input.requester_name.as_deref(),
                50,
                true,
            ));
            let linked = match input
                .requester_id_number
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                None => None,
                Some(text) => match ResidentId::parse(text) {
                    Ok(id) => accounts::account_by_id_number(&self.db, id.as_str())
                        .await?
                        .map(|a| a.id),
                    Err(error) => {
                        keep(Err(AppError::field("requester_id_number", error)));
                        None
                    }
                },
            };
            (
                linked,
                name.unwrap_or_default(),
                input.contact_phone.clone().unwrap_or_default(),
                "phone",
            )
        } else {
            let name = match principal.kind {
                AccountKind::Company => principal.display_name.clone(),
                _ => principal
                    .real_name
                    .clone()
                    .unwrap_or_else(|| principal.display_name.clone()),
            };
            let phone = input
                .contact_phone
                .clone()
                .filter(|p| !p.trim().is_empty())
                .or_else(|| principal.phone.clone())
                .unwrap_or_default();
            (Some(principal.account_id), name, phone, "web")
        };
        let contact_phone = if phone_text.trim().is_empty() {
            keep(Err(AppError::field("contact_phone", "请填写联系电话")));
            None
        } else {
            match parse_phone("contact_phone", &phone_text) {
                Ok(phone) => Some(phone),
                Err(error) => {
                    keep(Err(error));
                    None
                }
            }
        };
        if !errors.is_empty() {
            return Err(AppError::invalid("诉求内容有误，请按提示修改", errors));
        }
        let (Some(kind), Some(content), Some(region), Some(contact_phone)) =
            (kind, content, region, contact_phone)
        else {
            return Err(AppError::internal("诉求校验后缺少字段"));
        };
        let title = title.unwrap_or_else(|| title_from(&content));
        let days = self.hotline_working_days(kind).await?;
        let today = self.clock.today_in_china();
        let deadline = self.add_working_days(today, days)?;
        let now = self.clock.now();

        let mut tx = self.db.begin().await?;
        let (id, number) = store::insert_order(
            &mut tx,
            NewWorkOrder {
                kind: kind.as_str().to_owned(),
                channel: channel.to_owned(),
                title,
                content,
                requester_account_id,
                requester_name,
                contact_phone,
                region_code: region,
                item_code: item.as_ref().map(|i| i.code.clone()),
                item_name: item.as_ref().map(|i| i.name.clone()),
                search_query,
                source_case_id: None,
                source_case_number: None,
                source_event_id: None,
                status: WorkOrderStatus::Pending.as_str().to_owned(),
                lead_department_id: None,
                working_days: i64::from(days),
                accepted_on: today,
                deadline,
                dispatched_at: None,
                created_by_account_id: Some(principal.account_id),
                created_by_name: principal.display_name.clone(),
                created_at: now,
            },
            &number_prefix(now),
        )
        .await?
        .ok_or_else(|| AppError::internal("工单未能保存"))?;
        let role = if actor.staff { "hotline" } else { "requester" };
        store::insert_event(
            &mut tx,
            NewOrderEvent {
                order_id: id,
                at: now,
                actor_account_id: Some(principal.account_id),
                actor_name: principal.display_name.clone(),
                actor_role: role.to_owned(),
                action: "create".to_owned(),
                department_id: None,
                note: Some(format!(
                    "{}诉求已受理，承诺 {days} 个工作日内办理（{deadline}前）",
                    kind.label()
                )),
                public: true,
                details: json!({"channel": channel, "kind": kind.as_str(), "working_days": days}),
            },
        )
        .await?;
        let row = store::order_for_update(&mut tx, id)
            .await?
            .ok_or_else(not_found)?;
        if actor.staff {
            self.audit(
                &mut tx,
                &principal.username,
                "hotline.create",
                &format!("work_order:{number}"),
                None,
                Some(&json!({"kind": kind.as_str(), "channel": channel, "region": row.region_code, "deadline": deadline})),
            )
            .await?;
        }
        self.hotline_emit(&mut tx, topics::CREATED, "create", &row, None)
            .await?;
        tx.commit().await?;
        tracing::info!(order = %number, kind = kind.as_str(), channel, "work order taken");
        self.work_order(principal, id).await
    }

    /// Makes the 差评整改 order of a bad rating, once per event: a redelivered event changes
    /// nothing. Returns the new order's id, or `None` when the event was handled before.
    pub async fn work_order_for_bad_review(
        &self,
        event_id: i64,
        payload: &BadReviewPayload,
    ) -> AppResult<Option<i64>> {
        if store::order_by_source_event(&self.db, event_id)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        let department = departments::department(&self.db, payload.department_id)
            .await?
            .ok_or_else(|| {
                AppError::internal(format!("差评事件中的部门 {} 不存在", payload.department_id))
            })?;
        let case = case_store::case(&self.db, payload.case_id)
            .await?
            .ok_or_else(|| {
                AppError::internal(format!("差评事件中的办件 {} 不存在", payload.case_id))
            })?;
        let region = payload
            .region_code
            .clone()
            .filter(|r| self.regions().find(r).is_some())
            .unwrap_or_else(|| case.handling_region_code.clone());
        let requester_account_id = payload
            .applicant_account_id
            .or(Some(case.applicant_account_id));
        let item_name = payload
            .item_name
            .clone()
            .unwrap_or_else(|| case.item_name.clone());
        let level = payload
            .level_label
            .clone()
            .unwrap_or_else(|| match payload.level {
                Some(5) => "非常不满意".to_owned(),
                _ => "不满意".to_owned(),
            });
        let comment = payload
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or("（未填写评价内容）");
        let content = format!(
            "办件 {}（{item_name}）的申请人评价为“{level}”。评价内容：{comment}",
            case.number
        );
        let kind = WorkOrderKind::Rectification;
        let days = self.hotline_working_days(kind).await?;
        let today = self.clock.today_in_china();
        let deadline = self.add_working_days(today, days)?;
        let now = self.clock.now();

        let mut tx = self.db.begin().await?;
        let Some((id, number)) = store::insert_order(
            &mut tx,
            NewWorkOrder {
                kind: kind.as_str().to_owned(),
                channel: "evaluation".to_owned(),
                title: format!("差评整改：{item_name}")
                    .chars()
                    .take(super::MAX_TITLE_CHARS)
                    .collect(),
                content: content.chars().take(MAX_CONTENT_CHARS).collect(),
                requester_account_id,
                requester_name: case.applicant_name.clone(),
                contact_phone: case.contact_phone.clone(),
                region_code: region,
                item_code: Some(case.item_code.clone()),
                item_name: Some(item_name),
                search_query: None,
                source_case_id: Some(case.id),
                source_case_number: Some(case.number.clone()),
                source_event_id: Some(event_id),
                status: WorkOrderStatus::Dispatched.as_str().to_owned(),
                lead_department_id: Some(department.id),
                working_days: i64::from(days),
                accepted_on: today,
                deadline,
                dispatched_at: Some(now),
                created_by_account_id: None,
                created_by_name: "系统".to_owned(),
                created_at: now,
            },
            &number_prefix(now),
        )
        .await?
        else {
            // Another delivery of the same event got there first.
            return Ok(None);
        };
        for (action, note, department_id) in [
            (
                "create",
                format!(
                    "根据好差评差评自动生成整改工单，承诺 {days} 个工作日内办理（{deadline}前）"
                ),
                None,
            ),
            (
                "dispatch",
                format!("派至被评价办件的办理部门：{}", department.name),
                Some(department.id),
            ),
        ] {
            store::insert_event(
                &mut tx,
                NewOrderEvent {
                    order_id: id,
                    at: now,
                    actor_account_id: None,
                    actor_name: "系统".to_owned(),
                    actor_role: "system".to_owned(),
                    action: action.to_owned(),
                    department_id,
                    note: Some(note),
                    public: true,
                    details: json!({"source_event_id": event_id, "case": case.number}),
                },
            )
            .await?;
        }
        self.audit(
            &mut tx,
            SYSTEM_ACTOR,
            "hotline.create",
            &format!("work_order:{number}"),
            None,
            Some(&json!({
                "kind": kind.as_str(),
                "source_event_id": event_id,
                "case": case.number,
                "lead_department_id": department.id,
                "deadline": deadline,
            })),
        )
        .await?;
        let row = store::order_for_update(&mut tx, id)
            .await?
            .ok_or_else(not_found)?;
        self.hotline_emit(&mut tx, topics::CREATED, "create", &row, None)
            .await?;
        tx.commit().await?;
        tracing::info!(order = %number, case = %case.number, "rectification work order made from a bad review");
        Ok(Some(id))
    }
}
