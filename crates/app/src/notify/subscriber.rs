//! Tells applicants what happened to their cases: an in-site message and, where it matters, a
//! text message, for each `case.*`, `payment.*` and `delivery.*` event.
//!
//! The outbox delivers at least once; the subscriber acts at most once per event: the receipt
//! (`event_receipts`, keyed by subscriber and outbox event id), the message and the queued SMS
//! commit in one transaction, so a repeated delivery finds the receipt and changes nothing.

use zerotrip_store::notifications::{self as store, claim_event_receipt};
use zerotrip_store::outbox::OutboxEvent;

use super::sms::{SmsRequest, mask_phone, parse_mobile};
use super::templates::{self, CaseContext, Notice};
use crate::App;
use crate::delivery::{self, DeliveryEventPayload};
use crate::error::AppResult;
use crate::events::{CaseEventPayload, DeliveryFuture, Subscriber, topics};
use crate::payments::{self, PaymentEventPayload};

pub struct NotificationSubscriber {
    app: App,
}

/// Whom to tell what.
struct Addressed {
    account_id: i64,
    phone: String,
    case_id: i64,
    notice: Notice,
}

impl NotificationSubscriber {
    pub const NAME: &'static str = "notifications";

    pub fn new(app: App) -> Self {
        NotificationSubscriber { app }
    }

    async fn compose(&self, event: &OutboxEvent) -> AppResult<Option<Addressed>> {
        let payload = event.payload.0.clone();
        let unreadable = |error: serde_json::Error| {
            tracing::error!(event = event.id, topic = %event.topic, %error, "event payload unreadable; skipped");
            metrics::counter!("zerotrip_notifications_skipped_total", "reason" => "unreadable")
                .increment(1);
        };
        match event.topic.as_str() {
            topics::CASE_SUBMITTED | topics::CASE_ACTION => {
                let case: CaseEventPayload = match serde_json::from_value(payload) {
                    Ok(case) => case,
                    Err(error) => {
                        unreadable(error);
                        return Ok(None);
                    }
                };
                let facts = store::case_facts(&self.app.db, case.case_id).await?;
                let delivery =
                    zerotrip_store::deliveries::delivery_for_case(&self.app.db, case.case_id)
                        .await?;
                let context = CaseContext {
                    deadline: facts.and_then(|facts| facts.deadline),
                    delivery_method: delivery.map(|delivery| delivery.method),
                };
                Ok(
                    templates::case_notice(&case, &context).map(|notice| Addressed {
                        account_id: case.applicant_account_id,
                        phone: case.contact_phone.clone(),
                        case_id: case.case_id,
                        notice,
                    }),
                )
            }
            payments::topics::ORDER_CREATED
            | payments::topics::PAID
            | payments::topics::REFUNDED => {
                let paid: PaymentEventPayload = match serde_json::from_value(payload) {
                    Ok(paid) => paid,
                    Err(error) => {
                        unreadable(error);
                        return Ok(None);
                    }
                };
                let notice = match event.topic.as_str() {
                    payments::topics::ORDER_CREATED => templates::payment_due_notice(
                        &paid.case_number,
                        &paid.item_name,
                        &paid.description,
                        paid.amount_fen,
                    ),
                    payments::topics::PAID => templates::payment_paid_notice(
                        &paid.case_number,
                        &paid.item_name,
                        &paid.description,
                        paid.amount_fen,
                    ),
                    _ => templates::payment_refunded_notice(
                        &paid.case_number,
                        &paid.item_name,
                        paid.amount_fen,
                    ),
                };
                Ok(Some(Addressed {
                    account_id: paid.applicant_account_id,
                    phone: paid.contact_phone,
                    case_id: paid.case_id,
                    notice,
                }))
            }
            delivery::topics::DISPATCHED | delivery::topics::READY | delivery::topics::FAILED => {
                let sent: DeliveryEventPayload = match serde_json::from_value(payload) {
                    Ok(sent) => sent,
                    Err(error) => {
                        unreadable(error);
                        return Ok(None);
                    }
                };
                let notice = match event.topic.as_str() {
                    delivery::topics::DISPATCHED => templates::delivery_dispatched_notice(
                        &sent.case_number,
                        &sent.item_name,
                        sent.courier_label.as_deref().unwrap_or("快递"),
                        sent.tracking_number.as_deref().unwrap_or("（暂无）"),
                    ),
                    delivery::topics::READY if sent.method == "pickup" => {
                        templates::delivery_ready_for_pickup_notice(
                            &sent.case_number,
                            &sent.item_name,
                        )
                    }
                    delivery::topics::READY => return Ok(None),
                    _ => templates::delivery_failed_notice(
                        &sent.case_number,
                        &sent.item_name,
                        sent.reason
                            .as_deref()
                            .map(|reason| reason.trim_end_matches('。'))
                            .unwrap_or("快件无法投递"),
                    ),
                };
                Ok(Some(Addressed {
                    account_id: sent.applicant_account_id,
                    phone: sent.contact_phone,
                    case_id: sent.case_id,
                    notice,
                }))
            }
            _ => Ok(None),
        }
    }

    async fn handle(&self, event: &OutboxEvent) -> AppResult<()> {
        let Some(addressed) = self.compose(event).await? else {
            return Ok(());
        };
        let mut tx = self.app.db.begin().await?;
        if !claim_event_receipt(&mut tx, Self::NAME, event.id, self.app.clock.now()).await? {
            metrics::counter!("zerotrip_notifications_duplicates_total").increment(1);
            return Ok(());
        }
        let notice = &addressed.notice;
        self.app
            .post_message(
                &mut tx,
                addressed.account_id,
                &notice.title,
                &notice.body,
                Some(addressed.case_id),
            )
            .await?;
        if let Some(text) = &notice.sms {
            match parse_mobile(&addressed.phone) {
                Ok(phone) => {
                    self.app
                        .queue_sms_with(
                            &mut tx,
                            SmsRequest {
                                phone,
                                text: text.clone(),
                                purpose: notice.purpose.clone(),
                                case_id: Some(addressed.case_id),
                                account_id: Some(addressed.account_id),
                                max_attempts: None,
                            },
                        )
                        .await?;
                }
                Err(_) => {
                    tracing::warn!(event = event.id, phone = %mask_phone(&addressed.phone), "no valid mobile number; sms skipped");
                    metrics::counter!("zerotrip_notifications_skipped_total", "reason" => "no_mobile")
                        .increment(1);
                }
            }
        }
        tx.commit().await?;
        metrics::counter!("zerotrip_notifications_total", "purpose" => notice.purpose.clone())
            .increment(1);
        Ok(())
    }
}

impl Subscriber for NotificationSubscriber {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn wants(&self, topic: &str) -> bool {
        matches!(
            topic,
            topics::CASE_SUBMITTED
                | topics::CASE_ACTION
                | payments::topics::ORDER_CREATED
                | payments::topics::PAID
                | payments::topics::REFUNDED
                | delivery::topics::DISPATCHED
                | delivery::topics::READY
                | delivery::topics::FAILED
        )
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        Box::pin(async move { self.handle(event).await.map_err(|error| error.to_string()) })
    }
}
