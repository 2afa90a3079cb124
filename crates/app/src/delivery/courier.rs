//! The courier port and the local courier.
//!
//! The local courier keeps its waybills in `local_courier_waybills` and derives the tracking of
//! each from the time since the waybill was created on the platform clock: picked up after two
//! hours, through the Haikou hub, out for delivery, signed for after 26 hours — or, for a
//! shipment injected as undeliverable, returned. Tests move the clock to watch it progress.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use zerotrip_store::deliveries::{self as store, WaybillRow};

use super::DeliveryStatus;
use crate::notify::sms::ProviderFuture;
use crate::payments::random_digits;
use crate::{App, Clock};

/// A shipment to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaybillRequest {
    /// Our reference (`delivery-<id>`): a courier that sees it twice books once.
    pub client_ref: String,
    pub recipient_name: String,
    pub recipient_phone: String,
    /// The full address.
    pub address: String,
    /// The county-level unit the shipment goes to (for routing), e.g. `龙华区`.
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waybill {
    pub tracking_number: String,
}

/// One tracking event as the courier reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingEvent {
    /// The courier's id of the event; the same event is recorded once.
    pub id: String,
    pub at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub description: String,
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourierError {
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

/// A courier (EMS and the like).
pub trait CourierProvider: Send + Sync {
    /// A stable name, stored with every delivery it carries.
    fn name(&self) -> &str;
    /// The name people read, e.g. `中国邮政 EMS`.
    fn display_name(&self) -> &str;
    /// Books a shipment (idempotent per client reference).
    fn create_waybill<'a>(
        &'a self,
        request: &'a WaybillRequest,
    ) -> ProviderFuture<'a, Result<Waybill, CourierError>>;
    /// Every tracking event of a shipment so far, oldest first.
    fn track<'a>(
        &'a self,
        tracking_number: &'a str,
    ) -> ProviderFuture<'a, Result<Vec<TrackingEvent>, CourierError>>;
}

#[derive(Debug, Default)]
struct Faults {
    transient_waybills: u32,
    undeliverable_next: u32,
}

/// The local courier. Clones share their injected faults.
#[derive(Clone)]
pub struct LocalCourier {
    db: zerotrip_store::Db,
    clock: Clock,
    faults: Arc<Mutex<Faults>>,
}

/// Minutes after booking, status, description and location of each step; `{dest}` is the
/// destination.
const STEPS: [(i64, DeliveryStatus, &str, &str); 4] = [
    (
        120,
        DeliveryStatus::PickedUp,
        "快递员已揽收，办理结果已寄出",
        "政务服务中心寄递窗口",
    ),
    (
        300,
        DeliveryStatus::InTransit,
        "快件已到达【海口转运中心】",
        "海口转运中心",
    ),
    (
        540,
        DeliveryStatus::InTransit,
        "快件已从【海口转运中心】发出，发往【{dest}营业部】",
        "海口转运中心",
    ),
    (
        1200,
        DeliveryStatus::InTransit,
        "快件已到达【{dest}营业部】，快递员正在派送",
        "{dest}营业部",
    ),
];
/// Minutes after booking of the final step.
pub const LOCAL_DELIVERY_MINUTES: i64 = 1560;

impl LocalCourier {
    pub const NAME: &'static str = "local";

    pub fn new(app: &App) -> Self {
        LocalCourier {
            db: app.db.clone(),
            clock: app.clock.clone(),
            faults: Arc::new(Mutex::new(Faults::default())),
        }
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next `count` bookings fail transiently.
    pub fn fail_next_waybills(&self, count: u32) {
        self.faults().transient_waybills = count;
    }

    /// The next `count` shipments booked cannot be delivered and go back.
    pub fn undeliverable_next(&self, count: u32) {
        self.faults().undeliverable_next = count;
    }

    async fn book(&self, request: &WaybillRequest) -> Result<Waybill, CourierError> {
        let scenario = {
            let mut faults = self.faults();
            if faults.transient_waybills > 0 {
                faults.transient_waybills -= 1;
                return Err(CourierError::Transient(
                    "快递下单接口繁忙，请稍后重试（本地模拟）".to_owned(),
                ));
            }
            if faults.undeliverable_next > 0 {
                faults.undeliverable_next -= 1;
                "undeliverable"
            } else {
                "normal"
            }
        };
        if request.address.trim().is_empty() || request.recipient_phone.trim().is_empty() {
            return Err(CourierError::Permanent("收件地址或电话为空".to_owned()));
        }
        let row = WaybillRow {
            tracking_number: format!("LC{}", random_digits(12)),
            client_ref: request.client_ref.clone(),
            recipient_name: request.recipient_name.clone(),
            recipient_phone: request.recipient_phone.clone(),
            address: request.address.clone(),
            destination: request.destination.clone(),
            scenario: scenario.to_owned(),
            created_at: self.clock.now(),
        };
        let stored = store::create_waybill(&self.db, &row)
            .await
            .map_err(|error| CourierError::Transient(format!("快递系统内部错误：{error}")))?;
        Ok(Waybill {
            tracking_number: stored.tracking_number,
        })
    }

    async fn events(&self, tracking_number: &str) -> Result<Vec<TrackingEvent>, CourierError> {
        let waybill = store::waybill(&self.db, tracking_number)
            .await
            .map_err(|error| CourierError::Transient(format!("快递系统内部错误：{error}")))?
            .ok_or_else(|| CourierError::Permanent(format!("运单号 {tracking_number} 不存在")))?;
        let now = self.clock.now();
        let fill = |text: &str| text.replace("{dest}", &waybill.destination);
        let mut events: Vec<TrackingEvent> = STEPS
            .iter()
            .enumerate()
            .map(
                |(index, (minutes, status, description, location))| TrackingEvent {
                    id: format!("{tracking_number}-{}", index + 1),
                    at: waybill.created_at + Duration::minutes(*minutes),
                    status: *status,
                    description: fill(description),
                    location: Some(fill(location)),
                },
            )
            .collect();
        let last = if waybill.scenario == "undeliverable" {
            TrackingEvent {
                id: format!("{tracking_number}-{}", STEPS.len() + 1),
                at: waybill.created_at + Duration::minutes(LOCAL_DELIVERY_MINUTES),
                status: DeliveryStatus::Failed,
                description: "收件人电话无法接通，多次投递未成功，快件将退回寄件人".to_owned(),
                location: Some(fill("{dest}营业部")),
            }
        } else {
            TrackingEvent {
                id: format!("{tracking_number}-{}", STEPS.len() + 1),
                at: waybill.created_at + Duration::minutes(LOCAL_DELIVERY_MINUTES),
                status: DeliveryStatus::Delivered,
                description: format!("快件已签收，签收人：{}", waybill.recipient_name),
                location: Some(fill("{dest}营业部")),
            }
        };
        events.push(last);
        events.retain(|event| event.at <= now);
        Ok(events)
    }
}

impl CourierProvider for LocalCourier {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn display_name(&self) -> &str {
        "本地模拟快递"
    }

    fn create_waybill<'a>(
        &'a self,
        request: &'a WaybillRequest,
    ) -> ProviderFuture<'a, Result<Waybill, CourierError>> {
        Box::pin(self.book(request))
    }

    fn track<'a>(
        &'a self,
        tracking_number: &'a str,
    ) -> ProviderFuture<'a, Result<Vec<TrackingEvent>, CourierError>> {
        Box::pin(self.events(tracking_number))
    }
}
