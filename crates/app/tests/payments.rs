//! Payments on both backends: orders, the local provider's signed callbacks (accepted once;
//! unsigned, forged, wrong-amount, stale and replayed ones rejected without a change), refunds
//! only by staff of the handling department, expiry and reconciliation.

#[path = "notify_fixtures/mod.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use fixtures::{World, case_event, count, emit_case_event, outbox_topics, world};
use zerotrip_app::AppError;
use zerotrip_app::auth::Principal;
use zerotrip_app::events::Subscriber;
use zerotrip_app::payments::{
    CallbackOutcome, LocalPaymentProvider, MismatchKind, PaymentJobs, PaymentOrder, PaymentStatus,
    PaymentSubscriber, SIGNATURE_HEADER,
};
use zerotrip_core::access::Role;
use zerotrip_store::backend_test;
use zerotrip_store::payments as store;

const PHONE: &str = "13812345678";

struct Paying {
    world: World,
    applicant: Principal,
    case_id: i64,
    provider: LocalPaymentProvider,
}

async fn paying(db: zerotrip_store::Db) -> Paying {
    let world = world(db).await;
    let applicant = world.person("payer", PHONE).await;
    let case_id = world.case(&applicant, "HN202612030101", PHONE).await;
    let provider = LocalPaymentProvider::new(world.app.clone());
    Paying {
        world,
        applicant,
        case_id,
        provider,
    }
}

impl Paying {
    async fn order(&self, amount_fen: i64) -> PaymentOrder {
        let app = &self.world.app;
        let mut tx = app.db.begin().await.unwrap();
        let order = app
            .create_payment_order(&mut tx, self.case_id, amount_fen, "工本费")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        order
    }

    /// Pays an order through the local cashier; returns the trade number.
    async fn pay(&self, order: &PaymentOrder) -> String {
        let app = &self.world.app;
        let (_, prepared) = app
            .start_payment(&self.applicant, order.id, &self.provider)
            .await
            .unwrap();
        let token = prepared.pay_url.trim_start_matches("/pay/local/");
        let receipt = self.provider.confirm(token).await.unwrap();
        assert!(
            receipt.notified,
            "the platform acknowledged the notification"
        );
        receipt.trade_no
    }

    async fn status(&self, order_id: i64) -> String {
        store::order_by_id(&self.world.app.db, order_id)
            .await
            .unwrap()
            .unwrap()
            .status
    }

    /// The fields of a well-formed notification for `order`, signed as the provider would.
    async fn signed(&self, fields: &BTreeMap<String, String>) -> (Vec<u8>, String) {
        let signature = self.provider.sign(fields).await.unwrap();
        (serde_json::to_vec(fields).unwrap(), signature)
    }

    fn fields(
        &self,
        order: &PaymentOrder,
        trade_no: &str,
        nonce: &str,
    ) -> BTreeMap<String, String> {
        let now = self.world.app.clock.now().timestamp();
        [
            ("provider", "local".to_owned()),
            ("order_no", order.order_no.clone()),
            ("trade_no", trade_no.to_owned()),
            ("amount_fen", order.amount_fen.to_string()),
            ("status", "paid".to_owned()),
            ("paid_at", now.to_string()),
            ("timestamp", now.to_string()),
            ("nonce", nonce.to_owned()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }
}

backend_test!(a_signed_callback_is_accepted_once, |db| async move {
    let paying = paying(db).await;
    let app = &paying.world.app;
    let order = paying.order(2000).await;
    assert_eq!(order.status, PaymentStatus::Created);
    assert!(order.order_no.starts_with("ZF"), "{}", order.order_no);
    assert_eq!(order.amount_label, "20.00 元");
    let mut tx = app.db.begin().await.unwrap();
    assert_eq!(
        app.outstanding_fees(&mut tx, paying.case_id).await.unwrap(),
        2000
    );
    drop(tx);
    // Only the applicant can start paying.
    let stranger = paying.world.person("stranger", "13900002222").await;
    assert!(matches!(
        app.start_payment(&stranger, order.id, &paying.provider)
            .await,
        Err(AppError::NotFound(_))
    ));
    let trade_no = paying.pay(&order).await;
    assert_eq!(paying.status(order.id).await, "paid");
    let stored = store::order_by_id(&app.db, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.provider_trade_no.as_deref(), Some(trade_no.as_str()));
    assert!(stored.paid_at.is_some());
    let mut tx = app.db.begin().await.unwrap();
    assert_eq!(
        app.outstanding_fees(&mut tx, paying.case_id).await.unwrap(),
        0
    );
    drop(tx);
    let paid_events = outbox_topics(app)
        .await
        .iter()
        .filter(|t| *t == "payment.paid")
        .count();
    assert_eq!(paid_events, 1);
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.paid'"
        )
        .await,
        1
    );

    // The provider re-signs and repeats its notification: acknowledged, nothing changes.
    let again = paying
        .provider
        .signed_notification(&trade_no)
        .await
        .unwrap();
    let ack = app
        .handle_payment_callback(again.body.as_bytes(), Some(&again.signature))
        .await
        .unwrap();
    assert_eq!(ack.outcome, CallbackOutcome::AlreadyPaid);
    assert_eq!(
        outbox_topics(app)
            .await
            .iter()
            .filter(|t| *t == "payment.paid")
            .count(),
        1
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.paid'"
        )
        .await,
        1
    );
    // Paying again is refused.
    assert!(matches!(
        app.start_payment(&paying.applicant, order.id, &paying.provider)
            .await,
        Err(AppError::Conflict(_))
    ));
    let log = store::recent_callbacks(&app.db, 10).await.unwrap();
    let outcomes: Vec<&str> = log.iter().rev().map(|row| row.outcome.as_str()).collect();
    assert_eq!(outcomes, ["accepted", "duplicate"]);
    assert_eq!(SIGNATURE_HEADER, "X-Zerotrip-Signature");
});

backend_test!(
    hostile_callbacks_are_rejected_and_change_nothing,
    |db| async move {
        let paying = paying(db).await;
        let app = &paying.world.app;
        let order = paying.order(1500).await;
        let before = outbox_topics(app).await;
        let audits = count(app, "SELECT COUNT(*) FROM audit_log").await;

        let fields = paying.fields(&order, "LP-FORGED-1", "nonce0000000000000001");
        let (body, signature) = paying.signed(&fields).await;

        // Unsigned.
        let error = app.handle_payment_callback(&body, None).await.unwrap_err();
        assert!(matches!(error, AppError::Unauthenticated(_)), "{error:?}");
        assert!(error.to_string().contains("缺少签名"), "{error}");
        // Signed with another key.
        let forged = "ab".repeat(32);
        let error = app
            .handle_payment_callback(&body, Some(&forged))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "支付回调签名无效");
        // A valid signature over other fields: the amount was changed after signing.
        let mut tampered = fields.clone();
        tampered.insert("amount_fen".to_owned(), "1".to_owned());
        let tampered_body = serde_json::to_vec(&tampered).unwrap();
        let error = app
            .handle_payment_callback(&tampered_body, Some(&signature))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), "支付回调签名无效");
        // Correctly signed, but for the wrong amount.
        let mut wrong_amount = paying.fields(&order, "LP-FORGED-2", "nonce0000000000000002");
        wrong_amount.insert("amount_fen".to_owned(), "1".to_owned());
        let (wrong_body, wrong_signature) = paying.signed(&wrong_amount).await;
        let error = app
            .handle_payment_callback(&wrong_body, Some(&wrong_signature))
            .await
            .unwrap_err();
        assert!(matches!(error, AppError::Invalid { .. }), "{error:?}");
        assert_eq!(error.fields()[0].field, "amount_fen");
        assert!(
            error.to_string().contains("与订单金额 1500 分不符"),
            "{error}"
        );
        // Correctly signed, but six minutes old.
        let mut stale = paying.fields(&order, "LP-FORGED-3", "nonce0000000000000003");
        let old = (app.clock.now() - Duration::minutes(6))
            .timestamp()
            .to_string();
        stale.insert("timestamp".to_owned(), old);
        let (stale_body, stale_signature) = paying.signed(&stale).await;
        let error = app
            .handle_payment_callback(&stale_body, Some(&stale_signature))
            .await
            .unwrap_err();
        assert_eq!(error.fields()[0].field, "timestamp");
        assert!(error.to_string().contains("已过期"), "{error}");
        // Correctly signed, for an order that does not exist.
        let mut unknown = paying.fields(&order, "LP-FORGED-4", "nonce0000000000000004");
        unknown.insert("order_no".to_owned(), "ZF2026120399999999".to_owned());
        let (unknown_body, unknown_signature) = paying.signed(&unknown).await;
        let error = app
            .handle_payment_callback(&unknown_body, Some(&unknown_signature))
            .await
            .unwrap_err();
        assert!(matches!(error, AppError::NotFound(_)), "{error:?}");
        // Not JSON at all.
        let error = app
            .handle_payment_callback(b"order_no=1", Some(&signature))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("格式错误"), "{error}");

        // None of it changed anything.
        assert_eq!(paying.status(order.id).await, "created");
        assert_eq!(outbox_topics(app).await, before);
        assert_eq!(count(app, "SELECT COUNT(*) FROM audit_log").await, audits);
        assert_eq!(
            count(app, "SELECT COUNT(*) FROM payment_callback_nonces").await,
            0
        );

        // The genuine notification is accepted …
        let ack = app
            .handle_payment_callback(&body, Some(&signature))
            .await
            .unwrap();
        assert_eq!(ack.outcome, CallbackOutcome::Paid);
        assert_eq!(paying.status(order.id).await, "paid");
        let after_payment = outbox_topics(app).await;
        // … and replaying it is refused, even though it is still fresh and correctly signed.
        let error = app
            .handle_payment_callback(&body, Some(&signature))
            .await
            .unwrap_err();
        assert!(matches!(error, AppError::Conflict(_)), "{error:?}");
        assert!(error.to_string().contains("重放"), "{error}");
        assert_eq!(outbox_topics(app).await, after_payment);
        assert_eq!(paying.status(order.id).await, "paid");
        // Another transaction claiming the same paid order is a conflict, not a second payment.
        let double = paying.fields(&order, "LP-OTHER-TRADE", "nonce0000000000000005");
        let (double_body, double_signature) = paying.signed(&double).await;
        let error = app
            .handle_payment_callback(&double_body, Some(&double_signature))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("已由另一笔交易支付"), "{error}");

        let log = store::recent_callbacks(&app.db, 20).await.unwrap();
        let reasons: Vec<&str> = log
            .iter()
            .rev()
            .map(|row| row.reason.as_deref().unwrap_or(row.outcome.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                "missing_signature",
                "bad_signature",
                "bad_signature",
                "amount_mismatch",
                "stale",
                "unknown_order",
                "malformed",
                "accepted",
                "replayed",
                "state_conflict",
            ]
        );
    }
);

backend_test!(
    refunds_are_only_for_staff_of_the_handling_department,
    |db| async move {
        let paying = paying(db).await;
        let world = &paying.world;
        let app = &world.app;
        let order = paying.order(3000).await;
        // An unpaid order cannot be refunded.
        let approver = world
            .staff("approver", Some(world.department_id), &[Role::Approver])
            .await;
        assert!(matches!(
            app.refund(&approver, order.id, "多收费用").await,
            Err(AppError::Conflict(_))
        ));
        paying.pay(&order).await;

        let clerk = world
            .staff("clerk", Some(world.department_id), &[Role::WindowClerk])
            .await;
        let elsewhere = world
            .staff(
                "elsewhere",
                Some(world.other_department_id),
                &[Role::Approver],
            )
            .await;
        let province = world.staff("province", None, &[Role::ProvinceAdmin]).await;
        for (who, principal) in [
            ("applicant", &paying.applicant),
            ("window clerk", &clerk),
            ("approver of another department", &elsewhere),
            ("province admin", &province),
        ] {
            let error = app
                .refund(principal, order.id, "多收费用")
                .await
                .unwrap_err();
            // Those who may not see the order (another department) are told it does not exist.
            if principal == &elsewhere {
                assert!(matches!(error, AppError::NotFound(_)), "{who}: {error:?}");
            } else {
                assert!(matches!(error, AppError::Forbidden(_)), "{who}: {error:?}");
            }
        }
        assert!(matches!(
            app.refund(&approver, order.id, "  ").await,
            Err(AppError::Invalid { .. })
        ));
        assert_eq!(count(app, "SELECT COUNT(*) FROM payment_refunds").await, 0);

        let refund = app.refund(&approver, order.id, "多收费用").await.unwrap();
        assert_eq!(
            (refund.status.as_str(), refund.amount_fen),
            ("requested", 3000)
        );
        assert!(refund.refund_no.starts_with("TK"));
        assert!(matches!(
            app.refund(&approver, order.id, "再退一次").await,
            Err(AppError::Conflict(_))
        ));
        // The provider is busy once; the job tries again after its backoff.
        paying.provider.fail_next_refunds(1);
        let jobs = PaymentJobs::new(app.clone(), Arc::new(paying.provider.clone()));
        assert_eq!(jobs.run_once().await.unwrap().refund_retries, 1);
        assert_eq!(paying.status(order.id).await, "paid");
        app.clock.advance(Duration::minutes(2));
        assert_eq!(jobs.run_once().await.unwrap().refunded, 1);
        assert_eq!(paying.status(order.id).await, "refunded");
        let (view, refunds) = app
            .payment_order(&paying.applicant, order.id)
            .await
            .unwrap();
        assert_eq!(view.status, PaymentStatus::Refunded);
        assert_eq!(refunds[0].status, "succeeded");
        assert!(refunds[0].provider_refund_no.is_some());
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.refund'"
            )
            .await,
            1
        );
        assert_eq!(
            count(
                app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.refunded'"
            )
            .await,
            1
        );
        let topics = outbox_topics(app).await;
        assert!(topics.contains(&"payment.refund_requested".to_owned()));
        assert!(topics.contains(&"payment.refunded".to_owned()));
        // Staff of another department do not even see the order.
        assert!(matches!(
            app.payment_order(&elsewhere, order.id).await,
            Err(AppError::NotFound(_))
        ));
    }
);

backend_test!(a_refused_refund_fails_visibly, |db| async move {
    let paying = paying(db).await;
    let world = &paying.world;
    let app = &world.app;
    let order = paying.order(800).await;
    paying.pay(&order).await;
    let admin = world
        .staff(
            "deptadmin",
            Some(world.department_id),
            &[Role::DepartmentAdmin],
        )
        .await;
    app.refund(&admin, order.id, "申请人撤回").await.unwrap();
    paying.provider.refuse_refunds(true);
    let jobs = PaymentJobs::new(app.clone(), Arc::new(paying.provider.clone()));
    assert_eq!(jobs.run_once().await.unwrap().refund_failures, 1);
    assert_eq!(paying.status(order.id).await, "paid");
    let (_, refunds) = app.payment_order(&admin, order.id).await.unwrap();
    assert_eq!(refunds[0].status, "failed");
    assert!(
        refunds[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("退款被拒绝")
    );
    assert!(
        outbox_topics(app)
            .await
            .contains(&"payment.refund_failed".to_owned())
    );
    // After a failed refund a new one can be requested.
    paying.provider.refuse_refunds(false);
    app.refund(&admin, order.id, "申请人撤回").await.unwrap();
    assert_eq!(jobs.run_once().await.unwrap().refunded, 1);
});

backend_test!(expired_and_ended_orders_are_closed, |db| async move {
    let paying = paying(db).await;
    let app = &paying.world.app;
    let expiring = paying.order(500).await;
    let (_, prepared) = app
        .start_payment(&paying.applicant, expiring.id, &paying.provider)
        .await
        .unwrap();
    let token = prepared
        .pay_url
        .trim_start_matches("/pay/local/")
        .to_owned();
    assert_eq!(
        paying.provider.cashier(&token).await.unwrap().amount_label,
        "5.00 元"
    );
    app.clock.advance(Duration::hours(73));
    let jobs = PaymentJobs::new(app.clone(), Arc::new(paying.provider.clone()));
    assert_eq!(jobs.run_once().await.unwrap().closed, 1);
    assert_eq!(paying.status(expiring.id).await, "closed");
    // The provider was told: its cashier no longer takes the payment.
    assert!(matches!(
        paying.provider.confirm(&token).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        app.start_payment(&paying.applicant, expiring.id, &paying.provider)
            .await,
        Err(AppError::Conflict(_))
    ));
    // A payment notification for the closed order is refused and changes nothing.
    let fields = paying.fields(&expiring, "LP-LATE", "nonce0000000000000009");
    let (body, signature) = paying.signed(&fields).await;
    assert!(matches!(
        app.handle_payment_callback(&body, Some(&signature)).await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(paying.status(expiring.id).await, "closed");

    // Withdrawing the case closes its open orders, once however often the event arrives.
    let open = paying.order(700).await;
    let event = emit_case_event(
        app,
        &case_event(
            paying.case_id,
            "HN202612030101",
            &paying.applicant,
            PHONE,
            "withdraw",
        ),
    )
    .await;
    let subscriber = PaymentSubscriber::new(app.clone(), Arc::new(paying.provider.clone()));
    subscriber.deliver(&event).await.unwrap();
    subscriber.deliver(&event).await.unwrap();
    assert_eq!(paying.status(open.id).await, "closed");
    let closed_events = outbox_topics(app)
        .await
        .iter()
        .filter(|t| *t == "payment.closed")
        .count();
    assert_eq!(closed_events, 2);
});

backend_test!(reconciliation_totals_and_differences, |db| async move {
    let paying = paying(db).await;
    let world = &paying.world;
    let app = &world.app;
    let paid = paying.order(1000).await;
    let refunded = paying.order(2500).await;
    let open = paying.order(400).await;
    let closed = paying.order(300).await;
    let collected_unnoticed = paying.order(600).await;
    paying.pay(&paid).await;
    paying.pay(&refunded).await;
    let mut tx = app.db.begin().await.unwrap();
    app.close_payment_order(&mut tx, closed.id, "测试关闭")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let approver = world
        .staff("approver", Some(world.department_id), &[Role::Approver])
        .await;
    app.refund(&approver, refunded.id, "不予受理，退还费用")
        .await
        .unwrap();
    PaymentJobs::new(app.clone(), Arc::new(paying.provider.clone()))
        .run_once()
        .await
        .unwrap();
    // The provider collected an order whose notification never arrived.
    let (_, prepared) = app
        .start_payment(&paying.applicant, collected_unnoticed.id, &paying.provider)
        .await
        .unwrap();
    let token = prepared.pay_url.trim_start_matches("/pay/local/");
    store::local_mark_paid(&app.db, token, "LPUNNOTICED0001", app.clock.now())
        .await
        .unwrap();

    let today = app.clock.today_in_china();
    let auditor = world.staff("auditor", None, &[Role::Auditor]).await;
    let books = app
        .reconciliation(&auditor, today, today, Some(&paying.provider))
        .await
        .unwrap();
    let totals: Vec<(&str, i64, i64)> = books
        .order_totals
        .iter()
        .map(|t| (t.status.as_str(), t.count, t.amount_fen))
        .collect();
    assert_eq!(
        totals,
        [
            ("created", 2, 1000),
            ("paid", 1, 1000),
            ("refunded", 1, 2500),
            ("closed", 1, 300)
        ]
    );
    assert_eq!(books.orders.len(), 5);
    assert_eq!(
        (books.received_fen, books.refunded_fen, books.net_fen),
        (3500, 2500, 1000)
    );
    assert_eq!(books.provider_received_fen, Some(4100));
    assert_eq!(books.provider_refunded_fen, Some(2500));
    let succeeded = books
        .refund_totals
        .iter()
        .find(|t| t.status == "succeeded")
        .unwrap();
    assert_eq!((succeeded.count, succeeded.amount_fen), (1, 2500));
    let kinds: Vec<(MismatchKind, Option<&str>)> = books
        .mismatches
        .iter()
        .map(|m| (m.kind, m.order_no.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [(
            MismatchKind::NotPaidOnPlatform,
            Some(collected_unnoticed.order_no.as_str())
        )]
    );
    assert_eq!(books.mismatches[0].label, "渠道已收款，平台未确认支付");
    let _ = open;

    // A department sees its own cases only; an applicant none; a period is bounded.
    let elsewhere = world
        .staff(
            "elsewhere",
            Some(world.other_department_id),
            &[Role::DepartmentAdmin],
        )
        .await;
    let theirs = app
        .reconciliation(&elsewhere, today, today, Some(&paying.provider))
        .await
        .unwrap();
    assert!(theirs.orders.is_empty() && theirs.mismatches.is_empty());
    let ours = app
        .reconciliation(&approver, today, today, None)
        .await
        .unwrap();
    assert_eq!(ours.orders.len(), 5);
    assert!(ours.provider.is_none());
    assert!(matches!(
        app.reconciliation(&paying.applicant, today, today, None)
            .await,
        Err(AppError::Forbidden(_))
    ));
    let long_ago = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    assert!(matches!(
        app.reconciliation(&auditor, long_ago, today, None).await,
        Err(AppError::Invalid { .. })
    ));
    // Yesterday had nothing.
    let yesterday = today.pred_opt().unwrap();
    let empty = app
        .reconciliation(&auditor, yesterday, yesterday, Some(&paying.provider))
        .await
        .unwrap();
    assert!(empty.orders.is_empty() && empty.mismatches.is_empty());
    assert!(empty.order_totals.iter().all(|t| t.count == 0));
});

backend_test!(orders_are_validated, |db| async move {
    let paying = paying(db).await;
    let app = &paying.world.app;
    let mut tx = app.db.begin().await.unwrap();
    for (amount, description, field) in [
        (0, "工本费", "amount_fen"),
        (-5, "工本费", "amount_fen"),
        (100, " ", "description"),
    ] {
        let error = app
            .create_payment_order(&mut tx, paying.case_id, amount, description)
            .await
            .unwrap_err();
        assert_eq!(error.fields()[0].field, field);
    }
    assert!(matches!(
        app.create_payment_order(&mut tx, 999_999, 100, "工本费")
            .await,
        Err(AppError::NotFound(_))
    ));
    drop(tx);
    assert_eq!(count(app, "SELECT COUNT(*) FROM payment_orders").await, 0);
});
