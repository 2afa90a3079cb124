//! Closes a case's unpaid orders when the case ends without a result (撤回, 不予受理,
//! 不予批准), at most once per outbox event, and tells the provider.

use std::sync::Arc;

use zerotrip_store::notifications::claim_event_receipt;
use zerotrip_store::outbox::OutboxEvent;
use zerotrip_store::payments as store;

use super::provider::PaymentProvider;
use crate::App;
use crate::error::AppResult;
use crate::events::{CaseEventPayload, DeliveryFuture, Subscriber, topics};

pub struct PaymentSubscriber {
    app: App,
    provider: Arc<dyn PaymentProvider>,
}

impl PaymentSubscriber {
    pub const NAME: &'static str = "payments";

    pub fn new(app: App, provider: Arc<dyn PaymentProvider>) -> Self {
        PaymentSubscriber { app, provider }
    }

    async fn handle(&self, event: &OutboxEvent) -> AppResult<()> {
        let payload: CaseEventPayload = match serde_json::from_value(event.payload.0.clone()) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(event = event.id, %error, "case event payload unreadable; skipped");
                return Ok(());
            }
        };
        let reason = match payload.action.as_str() {
            "withdraw" => "申请已撤回，未支付订单关闭",
            "reject" => "申请不予受理，未支付订单关闭",
            "deny" => "申请不予批准，未支付订单关闭",
            _ => return Ok(()),
        };
        let mut tx = self.app.db.begin().await?;
        if !claim_event_receipt(&mut tx, Self::NAME, event.id, self.app.clock.now()).await? {
            return Ok(());
        }
        let mut closed = Vec::new();
        for order in store::orders_for_case_tx(&mut tx, payload.case_id).await? {
            if order.status == "created"
                && self
                    .app
                    .close_payment_order(&mut tx, order.id, reason)
                    .await?
            {
                closed.push(order.order_no);
            }
        }
        tx.commit().await?;
        for order_no in closed {
            if let Err(error) = self.provider.close(&order_no).await {
                tracing::warn!(order = %order_no, %error, "provider could not close the order");
            }
        }
        Ok(())
    }
}

impl Subscriber for PaymentSubscriber {
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
