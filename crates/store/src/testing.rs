//! Throw-away databases for tests, on both backends.
//!
//! SQLite databases live in a temporary directory; PostgreSQL ones are schemas named
//! `zt_test_<pid>_<n>` in the database of `ZEROTRIP_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). An unreachable PostgreSQL fails the test with a
//! clear message — it is never skipped silently.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::db::{ConnectOptions, Db, sql};
use crate::{Backend, StoreError};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

static COUNTER: AtomicU32 = AtomicU32::new(0);
static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The PostgreSQL URL tests use.
pub fn postgres_url() -> String {
    std::env::var("ZEROTRIP_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// A migrated, empty database that is removed again by [`TestDatabase::cleanup`].
pub struct TestDatabase {
    pub db: Db,
    /// The URL a separate process (e.g. the `zerotrip` binary) can open the same database with.
    pub url: String,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory for the test database");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url, &ConnectOptions::default())
            .await
            .expect("open the SQLite test database");
        db.migrate()
            .await
            .expect("migrate the SQLite test database");
        TestDatabase {
            db,
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDatabase {
        let base = postgres_url();
        SWEPT
            .get_or_init(|| sweep_stale_schemas(base.clone()))
            .await;
        let schema = format!(
            "zt_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let options = ConnectOptions {
            max_connections: 8,
            schema: Some(schema.clone()),
        };
        let db = match Db::connect(&base, &options).await {
            Ok(db) => db,
            Err(error) => panic!(
                "PostgreSQL is required for the test suite but {} is not reachable: {error}. \
                 Start PostgreSQL or set ZEROTRIP_TEST_DATABASE_URL.",
                crate::db::redact_url(&base)
            ),
        };
        db.migrate()
            .await
            .expect("migrate the PostgreSQL test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
        TestDatabase {
            db,
            url,
            schema: Some(schema),
            _dir: None,
        }
    }

    /// Drops the PostgreSQL schema (the SQLite directory goes with the value).
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some(schema) = &self.schema {
            let _ = drop_schema(&postgres_url(), schema).await;
        }
    }
}

async fn drop_schema(base: &str, schema: &str) -> Result<(), StoreError> {
    let db = Db::connect(
        base,
        &ConnectOptions {
            max_connections: 1,
            schema: None,
        },
    )
    .await?;
    // The name was generated above from digits and underscores.
    db.execute(crate::db::sql_assembled(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .await?;
    db.close().await;
    Ok(())
}

/// Drops schemas left behind by test processes that no longer run (a failed test keeps its
/// schema for inspection until the next run).
async fn sweep_stale_schemas(base: String) {
    let Ok(db) = Db::connect(
        &base,
        &ConnectOptions {
            max_connections: 1,
            schema: None,
        },
    )
    .await
    else {
        return;
    };
    let schemas: Vec<(String,)> = db
        .fetch_all(sql(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'zt\\_test\\_%'",
        ))
        .await
        .unwrap_or_default();
    for (schema,) in schemas {
        let pid = schema
            .split('_')
            .nth(2)
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        let valid_name = schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !alive && valid_name {
            let _ = db
                .execute(crate::db::sql_assembled(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .await;
        }
    }
    db.close().await;
}

/// Declares a test that runs once on SQLite and once on PostgreSQL:
///
/// ```ignore
/// backend_test!(publishes_a_version, |db| async move { … });
/// ```
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$db:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($db: $crate::Db) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test = $crate::testing::TestDatabase::sqlite().await;
                run(test.db.clone()).await;
                test.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let test = $crate::testing::TestDatabase::postgres().await;
                run(test.db.clone()).await;
                test.cleanup().await;
            }
        }
    };
}
