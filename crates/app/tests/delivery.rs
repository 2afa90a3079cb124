//! Delivery of results on both backends: the applicant's choice with a validated address, the
//! release on completion, mail tracked through the local courier as the clock moves, pickup at
//! the window, failures and who may see what.

#[path = "notify_fixtures/mod.rs"]
mod fixtures;

use std::sync::Arc;

use chrono::Duration;
use fixtures::{World, case_event, count, emit_case_event, outbox_topics, world};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::delivery::{
    DeliveryMethod, DeliveryStatus, DeliverySubscriber, DeliveryTracker, LocalCourier, MailAddress,
};
use zerotrip_app::events::OutboxWorker;
use zerotrip_app::notify::NotificationSubscriber;
use zerotrip_core::access::Role;
use zerotrip_store::{backend_test, sql};

const PHONE: &str = "13812345678";
const NUMBER: &str = "HN202612030201";

fn address() -> MailAddress {
    MailAddress {
        recipient_name: "张三".to_owned(),
        phone: "13812345678".to_owned(),
        region_code: "460106".to_owned(),
        detail: "滨海大道 100 号 2 单元 301 室".to_owned(),
        postal_code: Some("570100".to_owned()),
    }
}

struct Delivering {
    world: World,
    applicant: Principal,
    case_id: i64,
    courier: LocalCourier,
    worker: OutboxWorker,
}

async fn delivering(db: zerotrip_store::Db) -> Delivering {
    let world = world(db).await;
    let applicant = world.person("receiver", PHONE).await;
    let case_id = world.case(&applicant, NUMBER, PHONE).await;
    let courier = LocalCourier::new(&world.app);
    let worker = OutboxWorker::new(
        world.app.clone(),
        vec![
            Arc::new(DeliverySubscriber::new(world.app.clone())),
            Arc::new(NotificationSubscriber::new(world.app.clone())),
        ],
    );
    Delivering {
        world,
        applicant,
        case_id,
        courier,
        worker,
    }
}

impl Delivering {
    async fn complete(&self) {
        let event = case_event(self.case_id, NUMBER, &self.applicant, PHONE, "complete");
        emit_case_event(&self.world.app, &event).await;
        self.worker.drain().await.unwrap();
    }

    fn tracker(&self) -> DeliveryTracker {
        DeliveryTracker::new(self.world.app.clone(), Arc::new(self.courier.clone()))
    }

    async fn status(&self) -> DeliveryStatus {
        self.world
            .app
            .delivery_for_case(self.case_id)
            .await
            .unwrap()
            .unwrap()
            .status
    }
}

backend_test!(mail_is_tracked_as_the_clock_moves, |db| async move {
    let d = delivering(db).await;
    let app = &d.world.app;
    let view = app
        .choose_delivery_as(
            &d.applicant,
            d.case_id,
            DeliveryMethod::Mail,
            Some(&address()),
        )
        .await
        .unwrap();
    assert_eq!(
        (view.method, view.status),
        (DeliveryMethod::Mail, DeliveryStatus::Created)
    );
    assert_eq!(
        view.address.as_deref(),
        Some("海南省海口市龙华区滨海大道 100 号 2 单元 301 室")
    );
    assert_eq!(view.recipient_phone.as_deref(), Some("138****5678"));
    let (method,): (Option<String>,) = app
        .db
        .fetch_one(sql("SELECT delivery_method FROM cases WHERE id = $1").bind(d.case_id))
        .await
        .unwrap();
    assert_eq!(method.as_deref(), Some("mail"));
    let tracker = d.tracker();
    // Nothing moves before the result is ready.
    assert!(tracker.run_once().await.unwrap().is_idle());
    d.complete().await;
    let booked = tracker.run_once().await.unwrap();
    assert_eq!(booked.waybills, 1);
    let view = app.delivery_for_case(d.case_id).await.unwrap().unwrap();
    let tracking = view.tracking_number.clone().unwrap();
    assert!(tracking.starts_with("LC"), "{tracking}");
    assert_eq!(view.status, DeliveryStatus::Created);
    d.worker.drain().await.unwrap();
    let inbox = app.message_inbox(&d.applicant).await.unwrap();
    assert_eq!(inbox.messages[0].title, "办理结果已寄出");
    assert!(
        inbox.messages[0].body.contains(&tracking),
        "{}",
        inbox.messages[0].body
    );

    // Two and a half hours later the courier has picked it up.
    app.clock.advance(Duration::minutes(150));
    tracker.run_once().await.unwrap();
    assert_eq!(d.status().await, DeliveryStatus::PickedUp);
    // Through the hub …
    app.clock.advance(Duration::hours(8));
    tracker.run_once().await.unwrap();
    assert_eq!(d.status().await, DeliveryStatus::InTransit);
    // … and signed for after a day.
    app.clock.advance(Duration::hours(17));
    let report = tracker.run_once().await.unwrap();
    assert_eq!(report.delivered, 1);
    let view = app.delivery_for_case(d.case_id).await.unwrap().unwrap();
    assert_eq!(view.status, DeliveryStatus::Delivered);
    assert!(view.delivered_at.is_some());
    let courier_events: Vec<&str> = view
        .events
        .iter()
        .filter(|e| e.source == "courier")
        .map(|e| e.status.as_str())
        .collect();
    assert_eq!(
        courier_events,
        [
            "picked_up",
            "in_transit",
            "in_transit",
            "in_transit",
            "delivered"
        ]
    );
    assert!(
        view.events
            .iter()
            .any(|e| e.description.contains("龙华区营业部"))
    );
    // Final: no more polling, no duplicate events however often it runs.
    app.clock.advance(Duration::hours(5));
    assert!(tracker.run_once().await.unwrap().is_idle());
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM delivery_events WHERE source = 'courier'"
        )
        .await,
        5
    );
    let topics = outbox_topics(app).await;
    for topic in [
        "delivery.chosen",
        "delivery.ready",
        "delivery.dispatched",
        "delivery.status_changed",
        "delivery.delivered",
    ] {
        assert!(topics.contains(&topic.to_owned()), "{topic} in {topics:?}");
    }
    // The choice cannot change any more.
    assert!(matches!(
        app.choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Pickup, None)
            .await,
        Err(AppError::Conflict(_))
    ));
});

backend_test!(bad_addresses_are_refused_field_by_field, |db| async move {
    let d = delivering(db).await;
    let app = &d.world.app;
    let bad = MailAddress {
        recipient_name: " ".to_owned(),
        phone: "0898-1234".to_owned(),
        region_code: "110105".to_owned(),
        detail: "短".to_owned(),
        postal_code: Some("57A".to_owned()),
    };
    let error = app
        .choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Mail, Some(&bad))
        .await
        .unwrap_err();
    let fields: Vec<&str> = error.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "recipient_name",
            "phone",
            "region_code",
            "detail",
            "postal_code"
        ]
    );
    // A city with counties is not precise enough; a township is.
    let mut city = address();
    city.region_code = "460100".to_owned();
    assert!(
        app.choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Mail, Some(&city))
            .await
            .is_err()
    );
    let error = app
        .choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Mail, None)
        .await
        .unwrap_err();
    assert_eq!(error.fields()[0].field, "address");
    assert_eq!(count(app, "SELECT COUNT(*) FROM deliveries").await, 0);
    // Someone else cannot choose for the applicant.
    let other = d.world.person("other", "13900003333").await;
    assert!(matches!(
        app.choose_delivery_as(&other, d.case_id, DeliveryMethod::Electronic, None)
            .await,
        Err(AppError::NotFound(_))
    ));
});

backend_test!(
    electronic_results_are_delivered_on_completion,
    |db| async move {
        let d = delivering(db).await;
        let app = &d.world.app;
        // The choice can change until the result is ready.
        app.choose_delivery_as(
            &d.applicant,
            d.case_id,
            DeliveryMethod::Mail,
            Some(&address()),
        )
        .await
        .unwrap();
        app.choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Electronic, None)
            .await
            .unwrap();
        d.complete().await;
        // The same completion delivered again changes nothing.
        d.worker.drain().await.unwrap();
        let view = app.delivery_for_case(d.case_id).await.unwrap().unwrap();
        assert_eq!(view.status, DeliveryStatus::Delivered);
        assert!(view.address.is_none());
        assert_eq!(
            outbox_topics(app)
                .await
                .iter()
                .filter(|t| *t == "delivery.delivered")
                .count(),
            1
        );
        let inbox = app.message_inbox(&d.applicant).await.unwrap();
        assert!(
            inbox.messages[0].body.contains("可登录平台查看、下载"),
            "{}",
            inbox.messages[0].body
        );
    }
);

backend_test!(pickup_waits_for_the_window, |db| async move {
    let d = delivering(db).await;
    let world = &d.world;
    let app = &world.app;
    app.choose_delivery_as(&d.applicant, d.case_id, DeliveryMethod::Pickup, None)
        .await
        .unwrap();
    let clerk = world
        .staff("clerk", Some(world.department_id), &[Role::WindowClerk])
        .await;
    let elsewhere = world
        .staff(
            "elsewhere",
            Some(world.other_department_id),
            &[Role::WindowClerk],
        )
        .await;
    // Not before completion.
    assert!(matches!(
        app.record_pickup(&clerk, d.case_id).await,
        Err(AppError::Conflict(_))
    ));
    d.complete().await;
    let inbox = app.message_inbox(&d.applicant).await.unwrap();
    assert!(inbox.messages.iter().any(|m| m.title == "办理结果可领取"));
    // Another department's clerk is told the case does not exist, like a missing one.
    assert!(matches!(
        app.record_pickup(&elsewhere, d.case_id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.record_pickup(&d.applicant, d.case_id).await,
        Err(AppError::Forbidden(_))
    ));
    let view = app.record_pickup(&clerk, d.case_id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Delivered);
    assert!(
        view.events
            .last()
            .unwrap()
            .description
            .contains("工作人员clerk")
    );
    assert!(matches!(
        app.record_pickup(&clerk, d.case_id).await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'delivery.pickup'"
        )
        .await,
        1
    );
    // Who may look: the applicant and the handling department, not another department.
    assert!(
        app.delivery_for_case_as(&d.applicant, d.case_id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        app.delivery_for_case_as(&clerk, d.case_id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        app.delivery_for_case_as(&elsewhere, d.case_id).await,
        Err(AppError::NotFound(_))
    ));
});

backend_test!(
    undeliverable_mail_fails_and_booking_is_retried,
    |db| async move {
        let d = delivering(db).await;
        let app = &d.world.app;
        app.choose_delivery_as(
            &d.applicant,
            d.case_id,
            DeliveryMethod::Mail,
            Some(&address()),
        )
        .await
        .unwrap();
        d.complete().await;
        d.courier.fail_next_waybills(2);
        d.courier.undeliverable_next(1);
        let tracker = d.tracker();
        assert_eq!(tracker.run_once().await.unwrap().retries, 1);
        let view = app.delivery_for_case(d.case_id).await.unwrap().unwrap();
        assert!(view.tracking_number.is_none());
        assert!(view.last_error.as_deref().unwrap().contains("繁忙"));
        // Backoff: one minute, then two.
        app.clock.advance(Duration::seconds(61));
        assert_eq!(tracker.run_once().await.unwrap().retries, 1);
        app.clock.advance(Duration::seconds(121));
        assert_eq!(tracker.run_once().await.unwrap().waybills, 1);
        app.clock.advance(Duration::hours(27));
        let report = tracker.run_once().await.unwrap();
        assert_eq!(report.failed, 1);
        assert_eq!(d.status().await, DeliveryStatus::Failed);
        d.worker.drain().await.unwrap();
        let inbox = app.message_inbox(&d.applicant).await.unwrap();
        assert_eq!(inbox.messages[0].title, "办理结果投递未成功");
        assert!(
            inbox.messages[0].body.contains("快件将退回寄件人"),
            "{}",
            inbox.messages[0].body
        );
    }
);

backend_test!(a_withdrawn_case_cancels_its_delivery, |db| async move {
    let d = delivering(db).await;
    let app = &d.world.app;
    app.choose_delivery_as(
        &d.applicant,
        d.case_id,
        DeliveryMethod::Mail,
        Some(&address()),
    )
    .await
    .unwrap();
    let event = case_event(d.case_id, NUMBER, &d.applicant, PHONE, "withdraw");
    emit_case_event(app, &event).await;
    d.worker.drain().await.unwrap();
    assert_eq!(d.status().await, DeliveryStatus::Cancelled);
    assert!(d.tracker().run_once().await.unwrap().is_idle());
});
