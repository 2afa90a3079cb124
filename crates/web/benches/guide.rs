//! Rendering the item guide page (办事指南) in-process, against the same data served as JSON by
//! the API in the same run: the difference is what the page (template, layout, escaping) costs.
//!
//! `cargo bench -p zerotrip-web --bench guide`

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;
use zerotrip_app::{App, Clock};
use zerotrip_store::testing::TestDatabase;
use zerotrip_web::{AppState, WebConfig};

const PAGE: &str = "/items/HN-XK-00001?region=460106";
const JSON: &str = "/api/v1/items/HN-XK-00001/guide?region=460106";

fn bench_guide(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (database, router) = runtime.block_on(async {
        let database = TestDatabase::sqlite().await;
        let app = App::open(database.db.clone(), std::env::temp_dir(), Clock::system())
            .await
            .expect("open");
        zerotrip_app::seed::load_demo(&app)
            .await
            .expect("demo data");
        let config = WebConfig {
            secure_cookies: false,
            max_body_bytes: 1 << 20,
            csrf_key: b"bench".to_vec(),
        };
        (
            database,
            zerotrip_web::router(AppState::new(app, config, None)),
        )
    });
    let fetch = |path: &'static str| {
        let router = router.clone();
        async move {
            let response = router
                .oneshot(Request::get(path).body(Body::empty()).expect("request"))
                .await
                .expect("response");
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("body")
                .len()
        }
    };
    let page_bytes = runtime.block_on(fetch(PAGE));
    assert!(page_bytes > 10_000, "the guide is a full page");
    let mut group = c.benchmark_group("item_guide");
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("page_html", |b| b.to_async(&runtime).iter(|| fetch(PAGE)));
    group.bench_function("baseline_same_data_as_json", |b| {
        b.to_async(&runtime).iter(|| fetch(JSON))
    });
    group.finish();
    runtime.block_on(database.cleanup());
}

criterion_group!(benches, bench_guide);
criterion_main!(benches);
