//! Delivery of results (送达): electronic, pickup at the window, or mail through a courier.
//!
//! * The applicant's choice is recorded with [`App::choose_delivery`] (in the case code's
//!   transaction, e.g. at submission) or [`App::choose_delivery_as`] (the applicant changes it
//!   later); it can change until the result is ready.
//! * When the case is completed (`case.action` with `action = "complete"`), the
//!   [`DeliverySubscriber`] releases the delivery ([`App::release_delivery`]): electronic
//!   results are delivered at once, pickup results wait at the window
//!   ([`App::record_pickup`]), and mail goes to the [`DeliveryTracker`] job, which books a
//!   waybill with the [`CourierProvider`] (the [`LocalCourier`] by default) and records its
//!   tracking events until delivered or failed. A withdrawn case cancels its delivery.
//! * [`App::delivery_for_case_as`] serves the case pages (applicant and handling staff).
//!
//! Statuses: `created → picked_up → in_transit → delivered | failed` for mail;
//! `created → delivered` otherwise; `cancelled` when the case was withdrawn first.

pub mod courier;
pub mod subscriber;
pub mod tracker;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::privacy::mask_name;
use zerotrip_store::Tx;
use zerotrip_store::deliveries::{
    self as store, DeliveryChoiceRow, DeliveryEventRow, DeliveryRow, NewDeliveryEvent,
};
use zerotrip_store::notifications::{self as case_store, CaseFacts};
use zerotrip_store::sql;

pub use courier::{
    CourierError, CourierProvider, LocalCourier, TrackingEvent, Waybill, WaybillRequest,
};
pub use subscriber::DeliverySubscriber;
pub use tracker::{DeliveryTracker, TrackerReport};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::notify::sms::{mask_phone, parse_mobile};
use crate::payments::{is_handling_staff, may_view_case};

/// Topics of the delivery events. Payload: [`DeliveryEventPayload`].
pub mod topics {
    /// The applicant chose (or changed) how the result reaches them.
    pub const CHOSEN: &str = "delivery.chosen";
    /// The result is ready: waiting at the window (pickup) or for the courier (mail).
    pub const READY: &str = "delivery.ready";
    /// The courier booked the shipment; the payload has the tracking number.
    pub const DISPATCHED: &str = "delivery.dispatched";
    /// A mail delivery moved on (picked up, in transit).
    pub const STATUS_CHANGED: &str = "delivery.status_changed";
    /// The result reached the applicant; the case code may record 送达.
    pub const DELIVERED: &str = "delivery.delivered";
    /// The courier could not deliver.
    pub const FAILED: &str = "delivery.failed";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMethod {
    /// 电子送达: the result is available in the applicant's account.
    Electronic,
    /// 窗口领取.
    Pickup,
    /// 邮寄送达.
    Mail,
}

impl DeliveryMethod {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "electronic" => Some(DeliveryMethod::Electronic),
            "pickup" => Some(DeliveryMethod::Pickup),
            "mail" => Some(DeliveryMethod::Mail),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMethod::Electronic => "electronic",
            DeliveryMethod::Pickup => "pickup",
            DeliveryMethod::Mail => "mail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryMethod::Electronic => "电子送达",
            DeliveryMethod::Pickup => "窗口领取",
            DeliveryMethod::Mail => "邮寄送达",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Created,
    PickedUp,
    InTransit,
    Delivered,
    Failed,
    Cancelled,
}

impl DeliveryStatus {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(DeliveryStatus::Created),
            "picked_up" => Some(DeliveryStatus::PickedUp),
            "in_transit" => Some(DeliveryStatus::InTransit),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            "cancelled" => Some(DeliveryStatus::Cancelled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Created => "created",
            DeliveryStatus::PickedUp => "picked_up",
            DeliveryStatus::InTransit => "in_transit",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Created => "待送达",
            DeliveryStatus::PickedUp => "已揽收",
            DeliveryStatus::InTransit => "运输中",
            DeliveryStatus::Delivered => "已送达",
            DeliveryStatus::Failed => "投递失败",
            DeliveryStatus::Cancelled => "已取消",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Delivered | DeliveryStatus::Failed | DeliveryStatus::Cancelled
        )
    }

    /// Order along the way, so a late report never moves a delivery back.
    pub(crate) fn rank(self) -> u8 {
        match self {
            DeliveryStatus::Created => 0,
            DeliveryStatus::PickedUp => 1,
            DeliveryStatus::InTransit => 2,
            DeliveryStatus::Delivered | DeliveryStatus::Failed | DeliveryStatus::Cancelled => 3,
        }
    }
}

/// Where to mail the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAddress {
    pub recipient_name: String,
    pub phone: String,
    /// A county-level division of Hainan or a township in it (GB/T 2260 / statistics code).
    pub region_code: String,
    /// Street, building, room.
    pub detail: String,
    pub postal_code: Option<String>,
}

/// A validated address, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ValidAddress {
    recipient_name: String,
    phone: String,
    region_code: String,
    detail: String,
    postal_code: Option<String>,
}

impl App {
    fn validate_address(&self, address: &MailAddress) -> AppResult<ValidAddress> {
        let mut fields = Vec::new();
        let name = address.recipient_name.trim();
        if name.is_empty() || name.chars().count() > 30 || name.chars().any(char::is_control) {
            fields.push(crate::FieldError::new(
                "recipient_name",
                "请填写收件人姓名（不超过 30 字）",
            ));
        }
        let phone = match parse_mobile(&address.phone) {
            Ok(phone) => Some(phone),
            Err(error) => {
                fields.push(crate::FieldError::new("phone", error));
                None
            }
        };
        let tree = self.regions();
        let region = tree
            .find(address.region_code.trim())
            .filter(|division| tree.county_level_unit_of(&division.code).is_some());
        if region.is_none() {
            fields.push(crate::FieldError::new(
                "region_code",
                "请选择海南省内的区县或乡镇（街道）",
            ));
        }
        let detail = address.detail.trim();
        let detail_chars = detail.chars().count();
        if !(4..=120).contains(&detail_chars) || detail.chars().any(char::is_control) {
            fields.push(crate::FieldError::new(
                "detail",
                "请填写详细地址（4–120 字）",
            ));
        }
        let postal_code = address
            .postal_code
            .as_deref()
            .map(str::trim)
            .filter(|code| !code.is_empty());
        if let Some(code) = postal_code
            && !(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
        {
            fields.push(crate::FieldError::new(
                "postal_code",
                "邮政编码应为 6 位数字",
            ));
        }
        match (fields.is_empty(), phone, region) {
            (true, Some(phone), Some(region)) => Ok(ValidAddress {
                recipient_name: name.to_owned(),
                phone,
                region_code: region.code.to_string(),
                detail: detail.to_owned(),
                postal_code: postal_code.map(str::to_owned),
            }),
            _ => Err(AppError::invalid("邮寄地址有误，请检查后重新填写", fields)),
        }
    }

    /// The full address of a delivery: `海南省海口市龙华区` + detail.
    fn full_address(&self, row: &DeliveryRow) -> Option<String> {
        let region = row.region_code.as_deref()?;
        let tree = self.regions();
        let prefix = tree
            .find(region)
            .map(|division| tree.full_name(&division.code))
            .unwrap_or_else(|| region.to_owned());
        Some(format!(
            "{prefix}{}",
            row.address_detail.as_deref().unwrap_or_default()
        ))
    }

    /// The county-level unit a delivery goes to, e.g. `龙华区`.
    pub(crate) fn destination(&self, row: &DeliveryRow) -> String {
        let tree = self.regions();
        row.region_code
            .as_deref()
            .and_then(|code| tree.find(code))
            .and_then(|division| tree.county_level_unit_of(&division.code))
            .map(|unit| unit.name.clone())
            .unwrap_or_else(|| "海口".to_owned())
    }

    /// Records how the case's result reaches the applicant, in the caller's transaction; mail
    /// needs an address. Replaces an earlier choice until the result is ready; emits
    /// `delivery.chosen` and returns the delivery's id.
    pub async fn choose_delivery(
        &self,
        tx: &mut Tx,
        case_id: i64,
        method: DeliveryMethod,
        address: Option<&MailAddress>,
    ) -> AppResult<i64> {
        let case = case_store::case_facts_tx(tx, case_id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("办件 {case_id} 不存在")))?;
        let address = match (method, address) {
            (DeliveryMethod::Mail, Some(address)) => Some(self.validate_address(address)?),
            (DeliveryMethod::Mail, None) => {
                return Err(AppError::field("address", "邮寄送达须填写收件地址"));
            }
            _ => None,
        };
        let now = self.clock.now();
        let choice = DeliveryChoiceRow {
            method: method.as_str(),
            recipient_name: address.as_ref().map(|a| a.recipient_name.as_str()),
            recipient_phone: address.as_ref().map(|a| a.phone.as_str()),
            region_code: address.as_ref().map(|a| a.region_code.as_str()),
            address_detail: address.as_ref().map(|a| a.detail.as_str()),
            postal_code: address.as_ref().and_then(|a| a.postal_code.as_deref()),
        };
        let id = store::upsert_choice(tx, case_id, &choice, now)
            .await?
            .ok_or_else(|| AppError::conflict("办理结果已开始送达，不能再更改送达方式"))?;
        let row = store::delivery_tx(tx, id)
            .await?
            .ok_or_else(|| AppError::internal("送达记录写入后不存在"))?;
        let description = match self.full_address(&row) {
            Some(full) => format!("选择送达方式：{}（{full}）", method.label()),
            None => format!("选择送达方式：{}", method.label()),
        };
        store::append_event(
            tx,
            id,
            &NewDeliveryEvent {
                at: now,
                status: DeliveryStatus::Created.as_str(),
                description: &description,
                location: None,
                source: "platform",
                external_id: None,
            },
            now,
        )
        .await?;
        // Keep the case's own column in step with the choice.
        tx.execute(
            sql("UPDATE cases SET delivery_method = $2 WHERE id = $1")
                .bind(case_id)
                .bind(method.as_str()),
        )
        .await?;
        self.emit_delivery(tx, topics::CHOSEN, &row, &case, None)
            .await?;
        Ok(id)
    }

    /// The applicant chooses or changes the delivery of their case.
    pub async fn choose_delivery_as(
        &self,
        principal: &Principal,
        case_id: i64,
        method: DeliveryMethod,
        address: Option<&MailAddress>,
    ) -> AppResult<DeliveryView> {
        let case = case_store::case_facts(&self.db, case_id)
            .await?
            .ok_or_else(|| AppError::not_found("办件不存在"))?;
        if principal.account_id != case.applicant_account_id {
            return Err(AppError::not_found("办件不存在"));
        }
        let mut tx = self.db.begin().await?;
        self.choose_delivery(&mut tx, case_id, method, address)
            .await?;
        tx.commit().await?;
        self.delivery_for_case(case_id)
            .await?
            .ok_or_else(|| AppError::internal("送达记录写入后不存在"))
    }

    /// The case's delivery with its events, for the case code (no authorisation).
    pub async fn delivery_for_case(&self, case_id: i64) -> AppResult<Option<DeliveryView>> {
        let Some(row) = store::delivery_for_case(&self.db, case_id).await? else {
            return Ok(None);
        };
        let events = store::events(&self.db, row.id).await?;
        Ok(Some(self.delivery_view(row, events)))
    }

    /// The case's delivery as `principal` may see it: the applicant, staff of the handling
    /// department, province administrators and auditors.
    pub async fn delivery_for_case_as(
        &self,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<Option<DeliveryView>> {
        let case = case_store::case_facts(&self.db, case_id)
            .await?
            .ok_or_else(|| AppError::not_found("办件不存在"))?;
        if !may_view_case(principal, &case) {
            return Err(AppError::not_found("办件不存在"));
        }
        self.delivery_for_case(case_id).await
    }

    /// The result is ready (办结): electronic results are delivered now, pickup results wait at
    /// the window, mail goes to the courier. In the caller's transaction; idempotent. Returns
    /// the status afterwards, or `None` when no delivery was chosen.
    pub async fn release_delivery(
        &self,
        tx: &mut Tx,
        case_id: i64,
    ) -> AppResult<Option<DeliveryStatus>> {
        let Some(row) = store::delivery_for_case_tx(tx, case_id).await? else {
            return Ok(None);
        };
        let status = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Created);
        if row.ready_at.is_some() || status.is_final() {
            return Ok(Some(status));
        }
        let case = case_store::case_facts_tx(tx, case_id)
            .await?
            .ok_or_else(|| AppError::not_found(format!("办件 {case_id} 不存在")))?;
        let now = self.clock.now();
        let method = DeliveryMethod::parse(&row.method).unwrap_or(DeliveryMethod::Electronic);
        match method {
            DeliveryMethod::Electronic => {
                store::mark_ready(tx, row.id, None, now).await?;
                self.move_delivery(
                    tx,
                    &row,
                    &case,
                    DeliveryStatus::Delivered,
                    "办理结果已送达您的账户，可登录平台查看、下载",
                    None,
                )
                .await?;
                Ok(Some(DeliveryStatus::Delivered))
            }
            DeliveryMethod::Pickup => {
                store::mark_ready(tx, row.id, None, now).await?;
                self.platform_event(
                    tx,
                    row.id,
                    DeliveryStatus::Created,
                    "办理结果已可领取，请携带有效身份证件到办理窗口领取",
                )
                .await?;
                self.emit_delivery(tx, topics::READY, &row, &case, None)
                    .await?;
                Ok(Some(DeliveryStatus::Created))
            }
            DeliveryMethod::Mail => {
                store::mark_ready(tx, row.id, Some(now), now).await?;
                self.platform_event(
                    tx,
                    row.id,
                    DeliveryStatus::Created,
                    "办理结果已交寄递窗口，等待快递揽收",
                )
                .await?;
                self.emit_delivery(tx, topics::READY, &row, &case, None)
                    .await?;
                Ok(Some(DeliveryStatus::Created))
            }
        }
    }

    /// The case was withdrawn before its result went out: the delivery is cancelled (in the
    /// caller's transaction). Returns whether it was.
    pub async fn cancel_delivery(
        &self,
        tx: &mut Tx,
        case_id: i64,
        reason: &str,
    ) -> AppResult<bool> {
        let Some(row) = store::delivery_for_case_tx(tx, case_id).await? else {
            return Ok(false);
        };
        if row.status != "created" || row.tracking_number.is_some() {
            return Ok(false);
        }
        let now = self.clock.now();
        store::set_status(tx, row.id, DeliveryStatus::Cancelled.as_str(), None, now).await?;
        self.platform_event(
            tx,
            row.id,
            DeliveryStatus::Cancelled,
            &format!("送达已取消：{reason}"),
        )
        .await?;
        metrics::counter!("zerotrip_deliveries_total", "method" => row.method.clone(), "status" => "cancelled")
            .increment(1);
        Ok(true)
    }

    /// A window clerk hands the result over to the applicant (统一出件): staff of the handling
    /// department only, for a pickup delivery that is ready.
    pub async fn record_pickup(
        &self,
        principal: &Principal,
        case_id: i64,
    ) -> AppResult<DeliveryView> {
        let mut tx = self.db.begin().await?;
        let case = case_store::case_facts_tx(&mut tx, case_id)
            .await?
            .ok_or_else(|| AppError::not_found("办件不存在"))?;
        let roles = [
            Role::WindowClerk,
            Role::Reviewer,
            Role::Approver,
            Role::DepartmentAdmin,
        ];
        // Those who may not see the case are told it does not exist, like a missing one.
        if !may_view_case(principal, &case) {
            return Err(AppError::not_found("办件不存在"));
        }
        if !is_handling_staff(principal, &case, &roles) {
            return Err(AppError::forbidden("只有办理部门的工作人员可以登记领取"));
        }
        let row = store::delivery_for_case_tx(&mut tx, case_id)
            .await?
            .ok_or_else(|| AppError::conflict("该办件没有选择送达方式"))?;
        if row.method != DeliveryMethod::Pickup.as_str() {
            return Err(AppError::conflict("该办件的送达方式不是窗口领取"));
        }
        if row.status != "created" {
            return Err(AppError::conflict("办理结果已领取或送达已结束"));
        }
        if row.ready_at.is_none() {
            return Err(AppError::conflict("办理结果尚未办结，不能领取"));
        }
        self.move_delivery(
            &mut tx,
            &row,
            &case,
            DeliveryStatus::Delivered,
            &format!(
                "申请人已在窗口领取办理结果（经办人：{}）",
                principal.display_name
            ),
            None,
        )
        .await?;
        self.audit(
            &mut tx,
            &principal.username,
            "delivery.pickup",
            &format!("case:{}", case.number),
            Some(&json!({"status": row.status})),
            Some(&json!({"status": "delivered"})),
        )
        .await?;
        tx.commit().await?;
        self.delivery_for_case(case_id)
            .await?
            .ok_or_else(|| AppError::internal("送达记录不存在"))
    }

    async fn platform_event(
        &self,
        tx: &mut Tx,
        delivery_id: i64,
        status: DeliveryStatus,
        description: &str,
    ) -> AppResult<()> {
        let now = self.clock.now();
        store::append_event(
            tx,
            delivery_id,
            &NewDeliveryEvent {
                at: now,
                status: status.as_str(),
                description,
                location: None,
                source: "platform",
                external_id: None,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Moves a delivery to `status` with a platform event and the matching outbox event.
    pub(crate) async fn move_delivery(
        &self,
        tx: &mut Tx,
        row: &DeliveryRow,
        case: &CaseFacts,
        status: DeliveryStatus,
        description: &str,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let now = self.clock.now();
        store::set_status(tx, row.id, status.as_str(), None, now).await?;
        self.platform_event(tx, row.id, status, description).await?;
        let topic = match status {
            DeliveryStatus::Delivered => topics::DELIVERED,
            DeliveryStatus::Failed => topics::FAILED,
            _ => topics::STATUS_CHANGED,
        };
        let mut moved = row.clone();
        moved.status = status.as_str().to_owned();
        self.emit_delivery(tx, topic, &moved, case, reason).await?;
        metrics::counter!("zerotrip_deliveries_total", "method" => row.method.clone(), "status" => status.as_str())
            .increment(1);
        Ok(())
    }

    pub(crate) async fn emit_delivery(
        &self,
        tx: &mut Tx,
        topic: &str,
        row: &DeliveryRow,
        case: &CaseFacts,
        reason: Option<&str>,
    ) -> AppResult<i64> {
        let payload = DeliveryEventPayload {
            delivery_id: row.id,
            case_id: case.id,
            case_number: case.number.clone(),
            item_name: case.item_name.clone(),
            method: row.method.clone(),
            status: row.status.clone(),
            courier: row.courier.clone(),
            courier_label: row.courier.as_deref().map(courier_label),
            tracking_number: row.tracking_number.clone(),
            reason: reason.map(str::to_owned),
            applicant_account_id: case.applicant_account_id,
            contact_phone: case.contact_phone.clone(),
            handling_department_id: case.handling_department_id,
        };
        let payload = serde_json::to_value(&payload).map_err(AppError::internal)?;
        self.emit(tx, topic, &format!("delivery:{}", row.id), payload)
            .await
    }

    fn delivery_view(&self, row: DeliveryRow, events: Vec<DeliveryEventRow>) -> DeliveryView {
        let method = DeliveryMethod::parse(&row.method).unwrap_or(DeliveryMethod::Electronic);
        let status = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Created);
        DeliveryView {
            id: row.id,
            case_id: row.case_id,
            method,
            method_label: method.label(),
            status,
            status_label: status.label(),
            recipient_name: row.recipient_name.as_deref().map(mask_name),
            recipient_phone: row.recipient_phone.as_deref().map(mask_phone),
            address: self.full_address(&row),
            postal_code: row.postal_code.clone(),
            courier: row.courier.as_deref().map(courier_label),
            tracking_number: row.tracking_number.clone(),
            ready_at: row.ready_at,
            dispatched_at: row.dispatched_at,
            delivered_at: row.delivered_at,
            last_error: row.last_error.clone(),
            events: events
                .into_iter()
                .map(|event| {
                    let status =
                        DeliveryStatus::parse(&event.status).unwrap_or(DeliveryStatus::Created);
                    DeliveryEventView {
                        at: event.at,
                        status,
                        status_label: status.label(),
                        description: event.description,
                        location: event.location,
                        source: event.source,
                    }
                })
                .collect(),
        }
    }
}

/// The name people read for a courier stored by its provider name.
pub fn courier_label(name: &str) -> String {
    match name {
        LocalCourier::NAME => "本地模拟快递".to_owned(),
        "ems" => "中国邮政 EMS".to_owned(),
        other => other.to_owned(),
    }
}

/// A delivery as pages show it (recipient name and phone masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryView {
    pub id: i64,
    pub case_id: i64,
    pub method: DeliveryMethod,
    pub method_label: &'static str,
    pub status: DeliveryStatus,
    pub status_label: &'static str,
    pub recipient_name: Option<String>,
    pub recipient_phone: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub courier: Option<String>,
    pub tracking_number: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Oldest first.
    pub events: Vec<DeliveryEventView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryEventView {
    pub at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub status_label: &'static str,
    pub description: String,
    pub location: Option<String>,
    /// `platform` or `courier`.
    pub source: String,
}

/// The payload of `delivery.*` events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryEventPayload {
    pub delivery_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub item_name: String,
    pub method: String,
    pub status: String,
    pub courier: Option<String>,
    /// The courier's name for people, e.g. `中国邮政 EMS`.
    pub courier_label: Option<String>,
    pub tracking_number: Option<String>,
    pub reason: Option<String>,
    pub applicant_account_id: i64,
    /// Where to send an SMS about the delivery.
    pub contact_phone: String,
    pub handling_department_id: i64,
}
