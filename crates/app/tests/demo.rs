//! The demo data set loads on both backends and starts clean.

use std::time::Instant;

use zerotrip_app::{App, Clock};
use zerotrip_store::backend_test;

async fn open(db: zerotrip_store::Db) -> App {
    App::open(db, std::env::temp_dir(), Clock::system())
        .await
        .unwrap()
}

backend_test!(demo_loads_once_and_starts_clean, |db| async move {
    let started = Instant::now();
    let app = open(db.clone()).await;
    let accounts = zerotrip_app::seed::load_demo(&app).await.unwrap();
    eprintln!("demo load on {:?}: {:?}", db.backend(), started.elapsed());
    assert!(accounts.iter().any(|a| a.username == "admin"));
    assert!(accounts.iter().any(|a| a.role_label.contains("自然人")));
    let items = app.published_items().await.unwrap();
    assert_eq!(items.len(), 227);
    let started = Instant::now();
    let report = app.check_catalog().await.unwrap();
    eprintln!("check: {:?}", started.elapsed());
    for item in report.items.iter().take(5) {
        eprintln!("{} {:?}", item.code, item.findings);
    }
    for imp in report.implementations.iter().take(5) {
        eprintln!("{} {:?}", imp.code, imp.findings);
    }
    assert!(
        report.is_clean(),
        "errors {} warnings {}",
        report.errors,
        report.warnings
    );
    assert!(
        report.implementations_checked > 10_000,
        "{}",
        report.implementations_checked
    );
    // A second load keeps what is there.
    zerotrip_app::seed::load_demo(&app).await.unwrap();
    assert_eq!(app.published_items().await.unwrap().len(), 227);
    let history = app.zero_trip_history().await.unwrap();
    assert_eq!(history.len(), 1);
    eprintln!("zero trip entries {}", history[0].entry_count);
});
