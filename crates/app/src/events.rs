//! Delivery of domain events from the transactional outbox.
//!
//! Use cases write events with [`crate::App::emit`] inside their transaction. The worker claims
//! due events, hands each to every subscriber that wants its topic, and marks it delivered only
//! when all of them succeeded; otherwise it retries with exponential backoff. Delivery is at
//! least once, so subscribers must be idempotent (keyed by event id or by the event's key).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use serde_json::Value;
use zerotrip_store::Tx;
use zerotrip_store::outbox::{self, OutboxEvent};

use crate::App;
use crate::error::AppResult;

/// Topics of the events the platform emits.
pub mod topics {
    pub const ITEM_DRAFT_SAVED: &str = "catalog.item.draft_saved";
    pub const ITEM_PUBLISHED: &str = "catalog.item.published";
    pub const IMPLEMENTATION_UPDATED: &str = "catalog.implementation.updated";
    pub const CATALOG_IMPORTED: &str = "catalog.imported";
    pub const ZERO_TRIP_PUBLISHED: &str = "zero_trip.published";
    pub const CALENDAR_UPDATED: &str = "calendar.updated";
    /// A case was submitted. Payload: [`super::CaseEventPayload`] with `action = "submit"`.
    pub const CASE_SUBMITTED: &str = "case.submitted";
    /// A staff or applicant action moved a case. Payload: [`super::CaseEventPayload`].
    pub const CASE_ACTION: &str = "case.action";
}

/// The payload of `case.*` events: enough for notifications, analytics and archiving to act
/// without reading the case again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaseEventPayload {
    pub case_id: i64,
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    /// `zerotrip_core::workflow::Action` as its snake_case name.
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    /// The Chinese label of the new state, for messages.
    pub to_state_label: String,
    /// Set when the case reached a final state: approved | denied | rejected | withdrawn | completed.
    pub outcome: Option<String>,
    pub applicant_account_id: i64,
    /// Where to send an SMS about the case.
    pub contact_phone: String,
    pub handling_department_id: i64,
    pub channel: String,
    pub comment: Option<String>,
    /// 补正告知: the materials asked for.
    pub materials: Vec<String>,
}

/// A boxed future, so subscribers can be stored as trait objects.
pub type DeliveryFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something downstream of the outbox: a search index, a notifier, an analytics projection.
pub trait Subscriber: Send + Sync {
    fn name(&self) -> &str;
    fn wants(&self, topic: &str) -> bool;
    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a>;
}

/// Counts delivered events per topic in the metrics, so operators see the flow.
pub struct EventMetrics;

impl Subscriber for EventMetrics {
    fn name(&self) -> &str {
        "metrics"
    }

    fn wants(&self, _topic: &str) -> bool {
        true
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        let topic = event.topic.clone();
        Box::pin(async move {
            metrics::counter!("zerotrip_events_delivered_total", "topic" => topic).increment(1);
            Ok(())
        })
    }
}

/// Claims and delivers outbox events.
#[derive(Clone)]
pub struct OutboxWorker {
    app: App,
    subscribers: Arc<Vec<Arc<dyn Subscriber>>>,
}

/// How long a claimed event is reserved for the worker that claimed it.
const LEASE: Duration = Duration::seconds(60);
const BATCH: i64 = 100;

impl OutboxWorker {
    pub fn new(app: App, subscribers: Vec<Arc<dyn Subscriber>>) -> Self {
        OutboxWorker {
            app,
            subscribers: Arc::new(subscribers),
        }
    }

    /// Delivers one batch of due events; returns how many were claimed.
    pub async fn run_once(&self) -> AppResult<usize> {
        let now = self.app.clock.now();
        let events = outbox::claim(&self.app.db, now, LEASE, BATCH).await?;
        for event in &events {
            match self.deliver(event).await {
                Ok(()) => {
                    outbox::mark_delivered(&self.app.db, event.id, self.app.clock.now()).await?
                }
                Err(error) => {
                    let retry_at = self.app.clock.now() + backoff(event.attempts);
                    tracing::warn!(event = event.id, topic = %event.topic, %error, "event delivery failed; will retry");
                    metrics::counter!("zerotrip_events_failed_total", "topic" => event.topic.clone()).increment(1);
                    outbox::mark_failed(&self.app.db, event.id, &error, retry_at).await?;
                }
            }
        }
        Ok(events.len())
    }

    /// Delivers until nothing is due (tests and the CLI use this to settle).
    pub async fn drain(&self) -> AppResult<usize> {
        let mut total = 0;
        loop {
            let claimed = self.run_once().await?;
            total += claimed;
            if claimed == 0 {
                return Ok(total);
            }
        }
    }

    /// Runs until `shutdown` resolves, polling every `interval` when idle.
    pub async fn run(self, interval: StdDuration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let idle = match self.run_once().await {
                Ok(claimed) => claimed == 0,
                Err(error) => {
                    tracing::error!(%error, "outbox worker failed; retrying");
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

    async fn deliver(&self, event: &OutboxEvent) -> Result<(), String> {
        let mut failures = Vec::new();
        for subscriber in self.subscribers.iter().filter(|s| s.wants(&event.topic)) {
            if let Err(error) = subscriber.deliver(event).await {
                failures.push(format!("{}: {error}", subscriber.name()));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }
}

/// 2^attempts seconds, capped at ten minutes.
fn backoff(attempts: i64) -> Duration {
    let exponent = attempts.clamp(0, 10) as u32;
    Duration::seconds(2i64.pow(exponent)).min(Duration::minutes(10))
}

impl App {
    /// Writes a domain event in the caller's transaction.
    pub async fn emit(
        &self,
        tx: &mut Tx,
        topic: &str,
        key: &str,
        payload: Value,
    ) -> AppResult<i64> {
        Ok(outbox::enqueue(tx, topic, key, payload, self.clock.now()).await?)
    }
}
