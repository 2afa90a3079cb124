//! Importing a generated catalogue ten times the demo size (2,270 items, published with their
//! implementation lists), against a baseline of inserting the same documents with plain
//! multi-row INSERTs into a bare table in the same run.
//!
//! `cargo bench -p zerotrip-app --bench import` (PostgreSQL too when
//! `ZEROTRIP_TEST_DATABASE_URL` or the default local server answers).

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use zerotrip_app::catalog::{CatalogFormat, ImportOptions};
use zerotrip_app::{App, Clock};
use zerotrip_core::catalog::{catalog_to_json, generate_catalog, parse_catalog_json};
use zerotrip_store::testing::TestDatabase;
use zerotrip_store::{Arg, Backend, sql_assembled};

fn ten_times_demo() -> String {
    let demo =
        parse_catalog_json(zerotrip_app::seed::DEMO_CATALOG).expect("the demo catalogue parses");
    let mut items = demo.clone();
    items.extend(generate_catalog(&demo, 9));
    assert_eq!(items.len(), 2_270);
    catalog_to_json(&items)
}

async fn fresh_app(backend: Backend) -> (TestDatabase, App) {
    let test = TestDatabase::new(backend).await;
    let app = App::open(test.db.clone(), std::env::temp_dir(), Clock::system())
        .await
        .expect("open");
    zerotrip_app::seed::load_demo_licence_types(&app)
        .await
        .expect("licence types");
    (test, app)
}

/// Time to import and publish the whole file.
async fn import_once(backend: Backend, text: &str) -> Duration {
    let (test, app) = fresh_app(backend).await;
    let options = ImportOptions {
        format: CatalogFormat::Json,
        publish: true,
        note: "基准".to_owned(),
    };
    let started = Instant::now();
    let report = app
        .import_catalog("bench", text, &options, &|_, _| {})
        .await
        .expect("import");
    let elapsed = started.elapsed();
    assert_eq!(report.published, 2_270);
    test.cleanup().await;
    elapsed
}

/// Time to store the same 2,270 documents in one transaction with no parsing, checks, versions,
/// implementation lists or audit: the floor any import sits on.
async fn raw_insert_once(backend: Backend, text: &str) -> Duration {
    let (test, app) = fresh_app(backend).await;
    let documents: Vec<serde_json::Value> = serde_json::from_str(text).expect("json");
    app.db
        .execute(sql_assembled(
            "CREATE TABLE bench_raw (code TEXT PRIMARY KEY, content TEXT NOT NULL)".to_owned(),
        ))
        .await
        .expect("create");
    let started = Instant::now();
    let mut tx = app.db.begin().await.expect("begin");
    for chunk in documents.chunks(400) {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let mut query = sql_assembled(format!(
            "INSERT INTO bench_raw (code, content) VALUES {}",
            placeholders.join(", ")
        ));
        for document in chunk {
            query = query
                .bind(Arg::from(document["code"].as_str().unwrap_or_default()))
                .bind(Arg::from(document.to_string()));
        }
        tx.execute(query).await.expect("insert");
    }
    tx.commit().await.expect("commit");
    let elapsed = started.elapsed();
    test.cleanup().await;
    elapsed
}

fn postgres_reachable(runtime: &tokio::runtime::Runtime) -> bool {
    runtime.block_on(async {
        zerotrip_store::Db::connect(
            &zerotrip_store::testing::postgres_url(),
            &Default::default(),
        )
        .await
        .is_ok()
    })
}

fn bench_import(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let text = ten_times_demo();
    let mut backends = vec![Backend::Sqlite];
    if postgres_reachable(&runtime) {
        backends.push(Backend::Postgres);
    }
    let mut group = c.benchmark_group("catalog_import_2270_items");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(60))
        .warm_up_time(Duration::from_secs(1));
    for backend in backends {
        group.bench_function(format!("{}/import_and_publish", backend.label()), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| runtime.block_on(import_once(backend, &text)))
                    .sum()
            })
        });
        group.bench_function(format!("{}/baseline_raw_insert", backend.label()), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| runtime.block_on(raw_insert_once(backend, &text)))
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
