//! Accounts, events, the calendar and the 零跑动 publications, on both backends.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Duration, NaiveDate};
use support::{demo_app, sign_in};
use zerotrip_app::AppError;
use zerotrip_app::auth::SessionKind;
use zerotrip_app::events::{DeliveryFuture, OutboxWorker, Subscriber};
use zerotrip_core::catalog::ZeroTripBasis;
use zerotrip_store::backend_test;
use zerotrip_store::outbox::OutboxEvent;

backend_test!(repeated_failures_lock_the_account, |db| async move {
    let app = demo_app(db).await;
    for attempt in 1..=4 {
        let error = app
            .authenticate("admin", "wrong-password1")
            .await
            .unwrap_err();
        assert!(
            matches!(error, AppError::Unauthenticated(_)),
            "attempt {attempt}: {error:?}"
        );
        assert_eq!(error.to_string(), "用户名或密码错误");
    }
    let fifth = app
        .authenticate("admin", "wrong-password1")
        .await
        .unwrap_err();
    assert!(matches!(fifth, AppError::TooManyRequests(_)), "{fifth:?}");
    // Locked: even the right password is refused until the lock expires.
    let locked = app
        .authenticate("admin", zerotrip_app::seed::DEMO_PASSWORD)
        .await
        .unwrap_err();
    assert!(locked.to_string().contains("已锁定"), "{locked}");
    app.clock.advance(Duration::minutes(16));
    let principal = app
        .authenticate("admin", zerotrip_app::seed::DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(principal.username, "admin");
    // An unknown user gets the same answer as a wrong password.
    assert_eq!(
        app.authenticate("nobody", "x")
            .await
            .unwrap_err()
            .to_string(),
        "用户名或密码错误"
    );
});

backend_test!(
    sessions_are_bound_to_their_kind_and_expire,
    |db| async move {
        let app = demo_app(db).await;
        let admin = sign_in(&app, "admin").await;
        let cookie = app.open_session(&admin, SessionKind::Cookie).await.unwrap();
        let bearer = app.open_session(&admin, SessionKind::Bearer).await.unwrap();
        assert!(
            app.session(&cookie.token, SessionKind::Cookie)
                .await
                .unwrap()
                .is_some()
        );
        // A page session is not an API token and the reverse.
        assert!(
            app.session(&cookie.token, SessionKind::Bearer)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            app.session(&bearer.token, SessionKind::Cookie)
                .await
                .unwrap()
                .is_none()
        );
        // The database holds only a hash of the token.
        let stored: Vec<(String,)> = app
            .db
            .fetch_all(zerotrip_store::sql("SELECT token_hash FROM sessions"))
            .await
            .unwrap();
        assert!(
            stored
                .iter()
                .all(|(hash,)| hash != &cookie.token && hash.len() == 64)
        );
        app.close_session(&cookie.token).await.unwrap();
        assert!(
            app.session(&cookie.token, SessionKind::Cookie)
                .await
                .unwrap()
                .is_none()
        );
        app.clock.advance(Duration::hours(9));
        assert!(
            app.session(&bearer.token, SessionKind::Bearer)
                .await
                .unwrap()
                .is_none()
        );
    }
);

/// Fails the first delivery of every event, then succeeds; records what it saw.
struct Flaky {
    attempts: AtomicUsize,
    failed_once: std::sync::Mutex<std::collections::HashSet<i64>>,
    delivered: std::sync::Mutex<Vec<i64>>,
}

impl Subscriber for Flaky {
    fn name(&self) -> &str {
        "flaky"
    }

    fn wants(&self, topic: &str) -> bool {
        topic == zerotrip_app::events::topics::ITEM_PUBLISHED
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        Box::pin(async move {
            self.attempts.fetch_add(1, Ordering::SeqCst);
            if self.failed_once.lock().unwrap().insert(event.id) {
                return Err("下游暂不可用".to_owned());
            }
            self.delivered.lock().unwrap().push(event.id);
            Ok(())
        })
    }
}

backend_test!(the_outbox_retries_until_delivered, |db| async move {
    let app = demo_app(db).await;
    let flaky = Arc::new(Flaky {
        attempts: AtomicUsize::new(0),
        failed_once: Default::default(),
        delivered: Default::default(),
    });
    let worker = OutboxWorker::new(app.clone(), vec![flaky.clone()]);
    // The demo load itself published 227 items: drain what it emitted first.
    worker.drain().await.unwrap();
    let stats = zerotrip_store::outbox::stats(&app.db).await.unwrap();
    // Every item event failed once; the import and zero-trip events had no failing subscriber.
    assert_eq!(
        (stats.pending, stats.failing, stats.delivered),
        (227, 227, 2),
        "{stats:?}"
    );
    // Retries come due after their backoff.
    app.clock.advance(Duration::minutes(1));
    worker.drain().await.unwrap();
    let stats = zerotrip_store::outbox::stats(&app.db).await.unwrap();
    assert_eq!((stats.pending, stats.failing), (0, 0), "{stats:?}");
    let delivered = flaky.delivered.lock().unwrap().clone();
    assert_eq!(
        delivered.len(),
        227,
        "each published item delivered exactly once after its retry"
    );
    assert_eq!(flaky.attempts.load(Ordering::SeqCst), 2 * 227);
});

backend_test!(
    calendar_import_extends_later_years_in_one_transaction,
    |db| async move {
        let app = demo_app(db).await;
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(!app.calendar().covers(new_year));
        assert!(
            app.calendar().is_working_day(new_year),
            "without a notice 2027-01-01 is a plain Friday"
        );
        let bad = "date,name,is_off_day\n2027-01-01,元旦,true\n2027-13-01,元旦,true\n";
        assert!(matches!(
            app.import_calendar(bad, "admin").await,
            Err(AppError::Invalid { .. })
        ));
        assert!(
            app.calendar().is_working_day(new_year),
            "a bad file changes nothing"
        );
        let good = "date,name,is_off_day\n2027-01-01,元旦,true\n2027-01-02,元旦,true\n2027-01-03,元旦,true\n";
        let report = app.import_calendar(good, "admin").await.unwrap();
        assert_eq!((report.entries, report.years.clone()), (3, vec![2027]));
        assert!(!app.calendar().is_working_day(new_year));
        assert_eq!(
            app.add_working_days(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(), 1)
                .unwrap(),
            NaiveDate::from_ymd_opt(2027, 1, 4).unwrap()
        );
        // The import survives a restart: the calendar is reloaded from the database.
        app.reload_calendar().await.unwrap();
        assert!(!app.calendar().is_working_day(new_year));
        assert!(app.add_working_days(new_year, 3651).is_err());
    }
);

backend_test!(
    zero_trip_publications_record_what_changed,
    |db| async move {
        let app = demo_app(db).await;
        let admin = sign_in(&app, "admin").await;
        let history = app.zero_trip_history().await.unwrap();
        assert_eq!(history.len(), 1);
        let first = &history[0];
        assert_eq!(
            first.entry_count as usize,
            app.current_zero_trip_entries().await.unwrap().len()
        );
        // Nothing changed: publishing again is refused.
        assert!(matches!(
            app.publish_zero_trip(&admin, "").await,
            Err(AppError::Conflict(_))
        ));

        // An item that now needs a visit leaves the list in every region.
        let code = "HN-GG-00056";
        let before = app
            .zero_trip_list(Some("460106"), None, None)
            .await
            .unwrap();
        assert!(
            before
                .entries
                .iter()
                .any(|e| e.item_code.as_str() == code && e.basis == ZeroTripBasis::FullyOnline)
        );
        let mut item = app.item_detail(code).await.unwrap().item;
        item.online_depth = Some(zerotrip_core::catalog::OnlineDepth::PreReview);
        item.modes
            .retain(|m| *m != zerotrip_core::catalog::Mode::FullyOnline);
        if !item.modes.contains(&zerotrip_core::catalog::Mode::Window) {
            item.modes.push(zerotrip_core::catalog::Mode::Window);
        }
        item.on_site_visits = Some(1);
        item.on_site_reason = Some("须现场核验原件".to_owned());
        app.save_item_draft(&admin, item).await.unwrap();
        app.publish_item(&admin, code, "需现场核验").await.unwrap();
        let outcome = app.publish_zero_trip(&admin, "第二期").await.unwrap();
        let implementations = app.item_implementations(code).await.unwrap().len();
        assert_eq!(outcome.changes.removed.len(), implementations);
        assert_eq!(outcome.publication.removed as usize, implementations);
        assert_eq!(
            outcome.publication.entry_count,
            first.entry_count - implementations as i64
        );
        let after = app
            .zero_trip_list(Some("460106"), None, None)
            .await
            .unwrap();
        assert!(!after.entries.iter().any(|e| e.item_code.as_str() == code));
        // The first period still shows what it showed.
        let old = app
            .zero_trip_list(Some("460106"), None, Some(first.id))
            .await
            .unwrap();
        assert_eq!(old.total, before.total);
        // A city's list covers its districts; a township's only itself.
        let city = app
            .zero_trip_list(Some("460100"), None, None)
            .await
            .unwrap();
        assert!(city.total > after.total);
        assert!(matches!(
            app.zero_trip_list(Some("469999"), None, None).await,
            Err(AppError::NotFound(_))
        ));
        assert!(matches!(
            app.zero_trip_list(Some("46abc"), None, None).await,
            Err(AppError::Invalid { .. })
        ));
    }
);
