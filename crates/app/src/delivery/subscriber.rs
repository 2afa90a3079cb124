//! Releases a case's delivery when the case is completed (办结) and cancels it when the case is
//! withdrawn, at most once per outbox event.

use zerotrip_store::notifications::claim_event_receipt;
use zerotrip_store::outbox::OutboxEvent;

use crate::App;
use crate::error::AppResult;
use crate::events::{CaseEventPayload, DeliveryFuture, Subscriber, topics};

pub struct DeliverySubscriber {
    app: App,
}

impl DeliverySubscriber {
    pub const NAME: &'static str = "delivery";

    pub fn new(app: App) -> Self {
        DeliverySubscriber { app }
    }

    async fn handle(&self, event: &OutboxEvent) -> AppResult<()> {
        let payload: CaseEventPayload = match serde_json::from_value(event.payload.0.clone()) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(event = event.id, %error, "case event payload unreadable; skipped");
                return Ok(());
            }
        };
        if !matches!(payload.action.as_str(), "complete" | "withdraw") {
            return Ok(());
        }
        let mut tx = self.app.db.begin().await?;
        if !claim_event_receipt(&mut tx, Self::NAME, event.id, self.app.clock.now()).await? {
            return Ok(());
        }
        match payload.action.as_str() {
            "complete" => {
                self.app.release_delivery(&mut tx, payload.case_id).await?;
            }
            _ => {
                self.app
                    .cancel_delivery(&mut tx, payload.case_id, "申请已撤回")
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Subscriber for DeliverySubscriber {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn wants(&self, topic: &str) -> bool {
        topic == topics::CASE_ACTION
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        Box::pin(async move { self.handle(event).await.map_err(|error| error.to_string()) })
    }
}
