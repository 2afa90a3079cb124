//! The job that books waybills for mail deliveries and follows their tracking.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use zerotrip_store::deliveries::{self as store, DeliveryRow, NewDeliveryEvent};
use zerotrip_store::notifications as case_store;

use super::courier::{CourierError, CourierProvider, WaybillRequest};
use super::{DeliveryStatus, topics};
use crate::App;
use crate::error::{AppError, AppResult};

/// Booking attempts before a delivery that keeps failing is given up.
pub const MAX_WAYBILL_ATTEMPTS: i64 = 8;

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackerReport {
    pub waybills: usize,
    pub events: usize,
    pub delivered: usize,
    pub failed: usize,
    pub retries: usize,
}

impl TrackerReport {
    pub fn is_idle(&self) -> bool {
        *self == TrackerReport::default()
    }
}

#[derive(Clone)]
pub struct DeliveryTracker {
    app: App,
    courier: Arc<dyn CourierProvider>,
    poll_interval: Duration,
}

/// 1 min, 2 min, 4 min … capped at an hour.
fn backoff(attempts: i64) -> Duration {
    let exponent = (attempts - 1).clamp(0, 12) as u32;
    (Duration::minutes(1) * 2i32.saturating_pow(exponent)).min(Duration::hours(1))
}

impl DeliveryTracker {
    /// Polls each shipment every 30 minutes of the platform clock.
    pub fn new(app: App, courier: Arc<dyn CourierProvider>) -> Self {
        DeliveryTracker {
            app,
            courier,
            poll_interval: Duration::minutes(30),
        }
    }

    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    pub async fn run_once(&self) -> AppResult<TrackerReport> {
        let mut report = TrackerReport::default();
        let due =
            store::claim_due(&self.app.db, self.app.clock.now(), Duration::minutes(5), 50).await?;
        for row in &due {
            let result = if row.tracking_number.is_none() {
                self.book(row, &mut report).await
            } else {
                self.follow(row, &mut report).await
            };
            if let Err(error) = result {
                tracing::error!(delivery = row.id, %error, "delivery step failed");
                store::record_failure(
                    &self.app.db,
                    row.id,
                    &error.public_message(),
                    Some(self.app.clock.now() + backoff(row.attempts)),
                    self.app.clock.now(),
                )
                .await?;
            }
        }
        Ok(report)
    }

    /// Runs until `shutdown` resolves, every `interval` when idle.
    pub async fn run(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.run_once().await {
                Ok(report) => report.is_idle(),
                Err(error) => {
                    tracing::error!(%error, "delivery tracker failed; retrying");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(interval) => {}
                }
            }
        }
    }

    async fn book(&self, row: &DeliveryRow, report: &mut TrackerReport) -> AppResult<()> {
        let request = WaybillRequest {
            client_ref: format!("delivery-{}", row.id),
            recipient_name: row.recipient_name.clone().unwrap_or_default(),
            recipient_phone: row.recipient_phone.clone().unwrap_or_default(),
            address: self.app.full_address(row).unwrap_or_default(),
            destination: self.app.destination(row),
        };
        let result = self.courier.create_waybill(&request).await;
        let now = self.app.clock.now();
        let case = case_store::case_facts(&self.app.db, row.case_id)
            .await?
            .ok_or_else(|| AppError::internal(format!("送达 {} 的办件不存在", row.id)))?;
        match result {
            Ok(waybill) => {
                let mut tx = self.app.db.begin().await?;
                store::set_waybill(
                    &mut tx,
                    row.id,
                    self.courier.name(),
                    &waybill.tracking_number,
                    now + self.poll_interval,
                    now,
                )
                .await?;
                let description = format!(
                    "已交{}寄递，运单号 {}",
                    self.courier.display_name(),
                    waybill.tracking_number
                );
                store::append_event(
                    &mut tx,
                    row.id,
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
                let mut booked = row.clone();
                booked.courier = Some(self.courier.name().to_owned());
                booked.tracking_number = Some(waybill.tracking_number.clone());
                self.app
                    .emit_delivery(&mut tx, topics::DISPATCHED, &booked, &case, None)
                    .await?;
                tx.commit().await?;
                report.waybills += 1;
                metrics::counter!("zerotrip_deliveries_total", "method" => "mail", "status" => "dispatched")
                    .increment(1);
                tracing::info!(delivery = row.id, tracking = %waybill.tracking_number, "waybill booked");
            }
            Err(CourierError::Transient(error)) if row.attempts < MAX_WAYBILL_ATTEMPTS => {
                store::record_failure(
                    &self.app.db,
                    row.id,
                    &error,
                    Some(now + backoff(row.attempts)),
                    now,
                )
                .await?;
                report.retries += 1;
                tracing::warn!(delivery = row.id, attempts = row.attempts, %error, "waybill booking failed; will retry");
            }
            Err(error) => {
                let reason = format!("快递下单失败：{error}");
                let mut tx = self.app.db.begin().await?;
                self.app
                    .move_delivery(
                        &mut tx,
                        row,
                        &case,
                        DeliveryStatus::Failed,
                        &reason,
                        Some(&reason),
                    )
                    .await?;
                tx.commit().await?;
                store::record_failure(&self.app.db, row.id, &reason, None, now).await?;
                report.failed += 1;
                tracing::error!(delivery = row.id, %reason, "waybill booking given up");
            }
        }
        Ok(())
    }

    async fn follow(&self, row: &DeliveryRow, report: &mut TrackerReport) -> AppResult<()> {
        let Some(tracking_number) = row.tracking_number.as_deref() else {
            return Ok(());
        };
        let now = self.app.clock.now();
        if row.courier.as_deref() != Some(self.courier.name()) {
            // Another courier's shipment: not this tracker's to follow; look again later.
            store::record_failure(
                &self.app.db,
                row.id,
                "运单不属于当前快递渠道",
                Some(now + self.poll_interval),
                now,
            )
            .await?;
            return Ok(());
        }
        let events = match self.courier.track(tracking_number).await {
            Ok(events) => events,
            Err(CourierError::Transient(error)) => {
                store::record_failure(
                    &self.app.db,
                    row.id,
                    &error,
                    Some(now + self.poll_interval),
                    now,
                )
                .await?;
                report.retries += 1;
                return Ok(());
            }
            Err(CourierError::Permanent(error)) => {
                store::record_failure(&self.app.db, row.id, &error, None, now).await?;
                tracing::error!(delivery = row.id, %error, "courier cannot track the shipment");
                return Ok(());
            }
        };
        let current = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Created);
        let mut tx = self.app.db.begin().await?;
        let mut latest = current;
        let mut last_description = None;
        for event in &events {
            let recorded = store::append_event(
                &mut tx,
                row.id,
                &NewDeliveryEvent {
                    at: event.at,
                    status: event.status.as_str(),
                    description: &event.description,
                    location: event.location.as_deref(),
                    source: "courier",
                    external_id: Some(&event.id),
                },
                now,
            )
            .await?;
            if recorded {
                report.events += 1;
            }
            if event.status.rank() > latest.rank()
                || (event.status.is_final() && !latest.is_final())
            {
                latest = event.status;
                last_description = Some(event.description.clone());
            }
        }
        let next = (!latest.is_final()).then(|| now + self.poll_interval);
        if latest != current {
            let case = case_store::case_facts_tx(&mut tx, row.case_id)
                .await?
                .ok_or_else(|| AppError::internal(format!("送达 {} 的办件不存在", row.id)))?;
            store::set_status(&mut tx, row.id, latest.as_str(), next, now).await?;
            let topic = match latest {
                DeliveryStatus::Delivered => topics::DELIVERED,
                DeliveryStatus::Failed => topics::FAILED,
                _ => topics::STATUS_CHANGED,
            };
            let mut moved = row.clone();
            moved.status = latest.as_str().to_owned();
            let reason = (latest == DeliveryStatus::Failed)
                .then_some(last_description.as_deref())
                .flatten();
            self.app
                .emit_delivery(&mut tx, topic, &moved, &case, reason)
                .await?;
            metrics::counter!("zerotrip_deliveries_total", "method" => "mail", "status" => latest.as_str())
                .increment(1);
            match latest {
                DeliveryStatus::Delivered => report.delivered += 1,
                DeliveryStatus::Failed => report.failed += 1,
                _ => {}
            }
            tracing::info!(delivery = row.id, tracking = %tracking_number, status = latest.as_str(), "delivery moved");
        } else {
            store::set_status(&mut tx, row.id, current.as_str(), next, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
