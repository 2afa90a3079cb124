//! Bad reviews become work orders: every `evaluation.bad` event (a 不满意 or 非常不满意 rating of
//! a case, see the 好差评 module) makes one 差评整改 order for the department that handled the case.
//! Delivery is at least once; the order is keyed by the event's id, so a redelivered event makes
//! nothing new.

use serde::{Deserialize, Serialize};
use zerotrip_store::outbox::OutboxEvent;

use super::EVALUATION_BAD_TOPIC;
use crate::App;
use crate::events::{DeliveryFuture, Subscriber};

/// What this module reads of an `evaluation.bad` event; other fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadReviewPayload {
    pub case_id: i64,
    #[serde(default)]
    pub case_number: Option<String>,
    #[serde(default)]
    pub item_code: Option<String>,
    #[serde(default)]
    pub item_name: Option<String>,
    /// The department that handled the case.
    pub department_id: i64,
    #[serde(default)]
    pub region_code: Option<String>,
    /// GB/T 39046 A.8: 4 不满意, 5 非常不满意.
    #[serde(default)]
    pub level: Option<i64>,
    #[serde(default)]
    pub level_label: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub applicant_account_id: Option<i64>,
}

/// Turns `evaluation.bad` events into 差评整改 work orders.
pub struct BadReviewSubscriber {
    app: App,
}

impl BadReviewSubscriber {
    pub fn new(app: App) -> Self {
        BadReviewSubscriber { app }
    }
}

impl Subscriber for BadReviewSubscriber {
    fn name(&self) -> &str {
        "hotline.bad_reviews"
    }

    fn wants(&self, topic: &str) -> bool {
        topic == EVALUATION_BAD_TOPIC
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let payload: BadReviewPayload = serde_json::from_value(event.payload.0.clone())
                .map_err(|error| format!("差评事件 {} 的内容无法解析：{error}", event.id))?;
            self.app
                .work_order_for_bad_review(event.id, &payload)
                .await
                .map(|_| ())
                .map_err(|error| error.to_string())
        })
    }
}
