//! Text messages and in-site messages, on both backends: segment counting, the durable queue
//! with retries and delivery reports through the local gateway, the notification subscriber
//! under at-least-once delivery, and the owner-only inbox.

#[path = "notify_fixtures/mod.rs"]
mod fixtures;

use std::sync::Arc;

use chrono::Duration;
use fixtures::{case_event, count, emit_case_event, world};
use zerotrip_app::AppError;
use zerotrip_app::events::{OutboxWorker, Subscriber};
use zerotrip_app::notify::{
    LocalSmsProvider, NotificationSubscriber, OutgoingSms, SmsDispatcher, SmsFilter, SmsProvider,
    SmsStatus,
};
use zerotrip_core::access::Role;
use zerotrip_store::backend_test;
use zerotrip_store::notifications as store;

const PHONE: &str = "13812345678";

/// A text whose signed form (with 【海南政务】, 6 characters) is exactly `length` characters.
fn text_of(length: usize) -> String {
    "政".repeat(length - 6)
}

backend_test!(sms_segments_are_counted_at_70_71_134_135, |db| async move {
    let world = world(db).await;
    let app = &world.app;
    let mut tx = app.db.begin().await.unwrap();
    let mut ids = Vec::new();
    for length in [70, 71, 134, 135] {
        ids.push(
            app.queue_sms(&mut tx, PHONE, &text_of(length), "test.segments")
                .await
                .unwrap(),
        );
    }
    tx.commit().await.unwrap();
    let mut segments = Vec::new();
    for id in ids {
        let row = store::sms(&app.db, id).await.unwrap().unwrap();
        assert!(row.text.starts_with("【海南政务】"), "{}", row.text);
        assert_eq!(row.status, "queued");
        segments.push(row.segments);
    }
    assert_eq!(segments, vec![1, 2, 2, 3]);
});

backend_test!(
    queueing_validates_the_number_and_the_text,
    |db| async move {
        let world = world(db).await;
        let app = &world.app;
        let mut tx = app.db.begin().await.unwrap();
        for (phone, text, field) in [
            ("0898-66668888", "您好", "phone"),
            ("1381234567", "您好", "phone"),
            ("12812345678", "您好", "phone"),
            (PHONE, "   ", "text"),
        ] {
            let error = app
                .queue_sms(&mut tx, phone, text, "test.validate")
                .await
                .unwrap_err();
            assert!(matches!(error, AppError::Invalid { .. }), "{error:?}");
            assert_eq!(error.fields()[0].field, field, "{phone} {text}: {error}");
        }
        let too_long = "政".repeat(600);
        let error = app
            .queue_sms(&mut tx, PHONE, &too_long, "test.validate")
            .await
            .unwrap_err();
        assert!(error.to_string().contains("短信内容过长"), "{error}");
        // A spelled-out number is stored as its 11 digits; the signature is not doubled.
        let id = app
            .queue_sms(
                &mut tx,
                "+86 138-1234-5678",
                "【海南政务】您好",
                "test.validate",
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let row = store::sms(&app.db, id).await.unwrap().unwrap();
        assert_eq!(
            (row.phone.as_str(), row.text.as_str()),
            (PHONE, "【海南政务】您好")
        );
        assert_eq!(count(app, "SELECT COUNT(*) FROM sms_messages").await, 1);
    }
);

backend_test!(
    transient_failures_are_retried_with_backoff_then_delivered,
    |db| async move {
        let world = world(db).await;
        let app = &world.app;
        let gateway = LocalSmsProvider::new(app);
        let dispatcher = SmsDispatcher::new(app.clone(), Arc::new(gateway.clone()));
        let mut tx = app.db.begin().await.unwrap();
        let id = app
            .queue_sms(&mut tx, PHONE, "您的申请已受理。", "case.accept")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        gateway.fail_next_transient(2);
        let first = dispatcher.run_once().await.unwrap();
        assert_eq!((first.sent, first.retried), (0, 1));
        // Not due again before the backoff (30 s after the first failure) has passed.
        app.clock.advance(Duration::seconds(20));
        assert!(dispatcher.run_once().await.unwrap().is_idle());
        app.clock.advance(Duration::seconds(11));
        assert_eq!(dispatcher.run_once().await.unwrap().retried, 1);
        // The second failure waits twice as long: 60 s.
        app.clock.advance(Duration::seconds(45));
        assert!(dispatcher.run_once().await.unwrap().is_idle());
        app.clock.advance(Duration::seconds(16));
        let third = dispatcher.run_once().await.unwrap();
        assert_eq!(third.sent, 1, "{third:?}");
        let sent = store::sms(&app.db, id).await.unwrap().unwrap();
        assert_eq!((sent.status.as_str(), sent.attempts), ("sent", 3));
        assert!(sent.provider_message_id.is_some());
        assert_eq!(sent.provider.as_deref(), Some("local"));
        // The gateway reports delivery once its delay has passed; the dispatcher asks for it.
        app.clock.advance(Duration::seconds(11));
        assert_eq!(dispatcher.run_once().await.unwrap().delivered, 1);
        let delivered = store::sms(&app.db, id).await.unwrap().unwrap();
        assert_eq!(delivered.status, "delivered");
        assert_eq!(delivered.delivery_report.as_deref(), Some("DELIVRD"));
        assert!(delivered.delivered_at.is_some());
        let attempts = store::sms_attempts(&app.db, id).await.unwrap();
        let outcomes: Vec<&str> = attempts.iter().map(|a| a.outcome.as_str()).collect();
        assert_eq!(outcomes, ["transient_error", "transient_error", "accepted"]);
        assert!(attempts[0].error.as_deref().unwrap().contains("繁忙"));
        // The gateway's own books hold the one message it accepted, with its segments.
        let books = gateway.sent(Some(PHONE), 10).await.unwrap();
        assert_eq!(books.len(), 1);
        assert_eq!(
            (books[0].status.as_str(), books[0].segments),
            ("delivered", 1)
        );
        assert_eq!(books[0].text, "【海南政务】您的申请已受理。");
    }
);

backend_test!(
    persistent_failure_is_marked_failed_after_max_attempts,
    |db| async move {
        let world = world(db).await;
        let app = &world.app;
        let gateway = LocalSmsProvider::new(app);
        gateway.set_unavailable(true);
        let dispatcher = SmsDispatcher::new(app.clone(), Arc::new(gateway.clone()));
        let mut tx = app.db.begin().await.unwrap();
        let id = app
            .queue_sms(&mut tx, PHONE, "您的申请已办结。", "case.complete")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for attempt in 1..=5 {
            let report = dispatcher.run_once().await.unwrap();
            let row = store::sms(&app.db, id).await.unwrap().unwrap();
            assert_eq!(row.attempts, attempt);
            if attempt < 5 {
                assert_eq!((report.retried, row.status.as_str()), (1, "queued"));
                app.clock
                    .advance(dispatcher.policy().backoff(attempt) + Duration::seconds(1));
            } else {
                assert_eq!(report.failed, 1);
            }
        }
        let failed = store::sms(&app.db, id).await.unwrap().unwrap();
        assert_eq!(failed.status, "failed");
        assert!(failed.failed_at.is_some());
        assert!(
            failed
                .last_error
                .as_deref()
                .unwrap()
                .contains("已尝试 5 次"),
            "{:?}",
            failed.last_error
        );
        // Nothing is tried again.
        app.clock.advance(Duration::hours(2));
        assert!(dispatcher.run_once().await.unwrap().is_idle());
        assert_eq!(store::sms_attempts(&app.db, id).await.unwrap().len(), 5);
        assert!(gateway.sent(None, 10).await.unwrap().is_empty());
    }
);

backend_test!(permanent_rejection_fails_at_once, |db| async move {
    let world = world(db).await;
    let app = &world.app;
    let gateway = LocalSmsProvider::new(app);
    gateway.fail_next_permanent(1);
    let dispatcher = SmsDispatcher::new(app.clone(), Arc::new(gateway.clone()));
    let mut tx = app.db.begin().await.unwrap();
    let id = app
        .queue_sms(&mut tx, PHONE, "测试", "test.permanent")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dispatcher.run_once().await.unwrap().failed, 1);
    let row = store::sms(&app.db, id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));
    let attempts = store::sms_attempts(&app.db, id).await.unwrap();
    assert_eq!(attempts[0].outcome, "permanent_error");
});

backend_test!(undeliverable_numbers_are_reported_failed, |db| async move {
    let world = world(db).await;
    let app = &world.app;
    let gateway = LocalSmsProvider::new(app);
    gateway.mark_undeliverable("13900000000");
    let dispatcher = SmsDispatcher::new(app.clone(), Arc::new(gateway.clone()));
    let mut tx = app.db.begin().await.unwrap();
    let id = app
        .queue_sms(&mut tx, "13900000000", "测试", "test.report")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(dispatcher.run_once().await.unwrap().sent, 1);
    // Too early for a report: it stays sent.
    app.clock.advance(Duration::seconds(11));
    assert_eq!(dispatcher.run_once().await.unwrap().undeliverable, 1);
    let row = store::sms(&app.db, id).await.unwrap().unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.delivery_report.as_deref().unwrap().contains("空号"));
});

backend_test!(
    the_gateway_accepts_a_repeated_submission_once,
    |db| async move {
        let world = world(db).await;
        let gateway = LocalSmsProvider::new(&world.app);
        let sms = OutgoingSms {
            client_ref: "sms-42".to_owned(),
            phone: PHONE.to_owned(),
            text: "【海南政务】测试".to_owned(),
            segments: 1,
        };
        let first = gateway.send(&sms).await.unwrap();
        let second = gateway.send(&sms).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(gateway.sent(None, 10).await.unwrap().len(), 1);
        // A message without a signature is refused, as a real gateway does.
        let unsigned = OutgoingSms {
            client_ref: "sms-43".to_owned(),
            text: "测试".to_owned(),
            ..sms
        };
        assert!(gateway.send(&unsigned).await.is_err());
    }
);

backend_test!(
    the_subscriber_notifies_once_under_redelivery,
    |db| async move {
        let world = world(db).await;
        let app = &world.app;
        let applicant = world.person("zhang", PHONE).await;
        let case_id = world.case(&applicant, "HN202612030001", PHONE).await;
        let event = emit_case_event(
            app,
            &case_event(case_id, "HN202612030001", &applicant, PHONE, "accept"),
        )
        .await;
        let subscriber = NotificationSubscriber::new(app.clone());
        assert!(subscriber.wants(&event.topic));
        // At least once: the same event arrives twice (and then again through the worker).
        subscriber.deliver(&event).await.unwrap();
        subscriber.deliver(&event).await.unwrap();
        OutboxWorker::new(
            app.clone(),
            vec![Arc::new(NotificationSubscriber::new(app.clone()))],
        )
        .drain()
        .await
        .unwrap();
        assert_eq!(count(app, "SELECT COUNT(*) FROM messages").await, 1);
        assert_eq!(count(app, "SELECT COUNT(*) FROM sms_messages").await, 1);
        let inbox = app.message_inbox(&applicant).await.unwrap();
        assert_eq!((inbox.messages.len(), inbox.unread), (1, 1));
        let message = &inbox.messages[0];
        assert_eq!(message.title, "申请已受理");
        assert_eq!(
            message.body,
            "您的【居民身份证换领】申请（办件编号 HN202612030001）已受理，承诺 2026年12月18日 前办结。"
        );
        assert_eq!(message.case_id, Some(case_id));
        let sms = store::list_sms(&app.db, &SmsFilter::default(), 10, 0)
            .await
            .unwrap();
        assert_eq!(sms[0].text, format!("【海南政务】{}", message.body));
        assert_eq!(
            (sms[0].purpose.as_str(), sms[0].case_id),
            ("case.accept", Some(case_id))
        );
        assert_eq!(sms[0].account_id, Some(applicant.account_id));
    }
);

backend_test!(
    notices_list_the_materials_and_give_the_reasons,
    |db| async move {
        let world = world(db).await;
        let app = &world.app;
        let applicant = world.person("li", PHONE).await;
        let case_id = world.case(&applicant, "HN202612030002", PHONE).await;
        let subscriber = NotificationSubscriber::new(app.clone());
        let mut supplement = case_event(
            case_id,
            "HN202612030002",
            &applicant,
            PHONE,
            "request_supplement",
        );
        supplement.materials = vec!["户口簿".to_owned(), "近期免冠照片".to_owned()];
        let mut reject = case_event(case_id, "HN202612030002", &applicant, PHONE, "deny");
        reject.comment = Some("申请材料与实际情况不符".to_owned());
        let review = case_event(case_id, "HN202612030002", &applicant, PHONE, "review");
        let withdraw = case_event(case_id, "HN202612030002", &applicant, PHONE, "withdraw");
        for payload in [&supplement, &reject, &review, &withdraw] {
            let event = emit_case_event(app, payload).await;
            subscriber.deliver(&event).await.unwrap();
        }
        let inbox = app.message_inbox(&applicant).await.unwrap();
        let titles: Vec<&str> = inbox.messages.iter().map(|m| m.title.as_str()).collect();
        // Newest first; the internal review step is not announced.
        assert_eq!(titles, ["申请已撤回", "申请不予批准", "请补正材料"]);
        assert!(
            inbox.messages[2].body.contains("户口簿、近期免冠照片"),
            "{}",
            inbox.messages[2].body
        );
        assert!(
            inbox.messages[1]
                .body
                .contains("原因：申请材料与实际情况不符。"),
            "{}",
            inbox.messages[1].body
        );
        assert_eq!(count(app, "SELECT COUNT(*) FROM sms_messages").await, 3);
    }
);

backend_test!(the_inbox_belongs_to_its_owner, |db| async move {
    let world = world(db).await;
    let app = &world.app;
    let owner = world.person("wang", PHONE).await;
    let other = world.person("zhao", "13900001111").await;
    let mut tx = app.db.begin().await.unwrap();
    let id = app
        .post_message(&mut tx, owner.account_id, "测试标题", "测试内容", None)
        .await
        .unwrap();
    app.post_message(&mut tx, owner.account_id, "第二条", "内容", None)
        .await
        .unwrap();
    assert!(
        app.post_message(&mut tx, owner.account_id, " ", "内容", None)
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    // Another account cannot read or mark it, and learns nothing about it.
    assert!(matches!(
        app.mark_read(&other, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.message(&other, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(app.message_inbox(&other).await.unwrap().messages.is_empty());
    assert_eq!(app.message_inbox(&owner).await.unwrap().unread, 2);
    let read = app.mark_read(&owner, id).await.unwrap();
    let first_read = read.read_at.unwrap();
    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        app.mark_read(&owner, id).await.unwrap().read_at,
        Some(first_read)
    );
    assert_eq!(app.message_inbox(&owner).await.unwrap().unread, 1);
    let unread = app.message_inbox_page(&owner, true, 10, 0).await.unwrap();
    assert_eq!(unread.messages.len(), 1);
    assert_eq!(app.mark_all_read(&owner).await.unwrap(), 1);
    assert_eq!(app.message_inbox(&owner).await.unwrap().unread, 0);
});

backend_test!(operators_see_masked_messages, |db| async move {
    let world = world(db).await;
    let app = &world.app;
    let operator = world.staff("ops", None, &[Role::ProvinceAdmin]).await;
    let clerk = world
        .staff("clerk", Some(world.department_id), &[Role::WindowClerk])
        .await;
    let mut tx = app.db.begin().await.unwrap();
    app.queue_sms(
        &mut tx,
        PHONE,
        "您的验证码为 482913，5 分钟内有效。",
        "otp.progress",
    )
    .await
    .unwrap();
    app.queue_sms(&mut tx, PHONE, "您的申请已受理。", "case.accept")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(
        app.sms_messages(&clerk, &SmsFilter::default(), 50, 0).await,
        Err(AppError::Forbidden(_))
    ));
    let all = app
        .sms_messages(&operator, &SmsFilter::default(), 50, 0)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|m| m.phone == "138****5678" && m.status == SmsStatus::Queued)
    );
    let otp = all.iter().find(|m| m.purpose == "otp.progress").unwrap();
    assert!(!otp.text.contains("482913"), "{}", otp.text);
    let filtered = app
        .sms_messages(
            &operator,
            &SmsFilter {
                purpose: Some("case.accept".to_owned()),
                phone: Some("138 1234 5678".to_owned()),
                ..SmsFilter::default()
            },
            50,
            0,
        )
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    let summary = app
        .sms_summary(&operator, &SmsFilter::default())
        .await
        .unwrap();
    assert_eq!(
        (summary[0].status.as_str(), summary[0].messages),
        ("queued", 2)
    );
    let detail = app.sms_message(&operator, filtered[0].id).await.unwrap();
    assert!(detail.attempts.is_empty());
});

mod support;

/// Files the demo item for the demo citizen with its required uploads; returns the case id.
async fn filed_demo_case(app: &zerotrip_app::App) -> i64 {
    use zerotrip_app::cases::{CaseApplication, MaterialFile};
    const PDF: &[u8] =
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    let citizen = support::sign_in(app, "460106199001011239").await;
    let stored = app
        .store_file(bytes::Bytes::from_static(PDF))
        .await
        .unwrap();
    let detail = app.item_detail("HN-XK-00001").await.unwrap();
    let materials = detail
        .item
        .materials
        .iter()
        .filter(|m| m.applicant_supplies())
        .map(|m| MaterialFile {
            material: m.name.clone(),
            file: stored.key.clone(),
            file_name: Some("申请表.pdf".into()),
        })
        .collect();
    let application = CaseApplication {
        item_code: "HN-XK-00001".to_owned(),
        region: "460106".to_owned(),
        form: [("description".to_owned(), "迁入龙华区".to_owned())]
            .into_iter()
            .collect(),
        materials,
        channel: None,
        applicant_account_id: None,
    };
    app.file_case(&citizen, &application, "notify-0001")
        .await
        .unwrap()
        .id
}

backend_test!(real_case_actions_reach_the_applicant, |db| async move {
    use zerotrip_core::workflow::{ActionRequest, Command};
    let app = support::demo_app(db).await;
    let case_id = filed_demo_case(&app).await;
    let clerk = support::sign_in(&app, "lh_clerk").await;
    let accepted = app
        .act_on_case(
            &clerk,
            case_id,
            ActionRequest {
                command: Command::Accept,
                comment: None,
            },
        )
        .await
        .unwrap();
    let deadline = accepted.clock.deadline.unwrap();
    let worker = OutboxWorker::new(
        app.clone(),
        vec![Arc::new(NotificationSubscriber::new(app.clone()))],
    );
    worker.drain().await.unwrap();
    let citizen = support::sign_in(&app, "460106199001011239").await;
    let inbox = app.message_inbox(&citizen).await.unwrap();
    let titles: Vec<&str> = inbox.messages.iter().map(|m| m.title.as_str()).collect();
    assert_eq!(titles, ["申请已受理", "申请已提交"]);
    let promise = format!(
        "承诺 {} 前办结",
        zerotrip_app::notify::templates::chinese_date(deadline)
    );
    assert!(
        inbox.messages[0].body.contains(&promise),
        "{} / {promise}",
        inbox.messages[0].body
    );
    assert!(inbox.messages[0].body.contains(&accepted.summary.number));
    let sms = store::list_sms(
        &app.db,
        &SmsFilter {
            case_id: Some(case_id),
            ..SmsFilter::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    assert_eq!(sms.len(), 2);
    assert!(sms.iter().all(|m| m.account_id == Some(citizen.account_id)));
    // Running the worker again sends nothing more.
    worker.drain().await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sms_messages").await, 2);
});
