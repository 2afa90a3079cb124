//! `zerotrip bench submissions`: durable case submissions per second over HTTP, against raw
//! INSERTs of case rows into the same database in the same run.
//!
//! The platform runs in-process on a fresh database (a temporary SQLite file, or a temporary
//! schema of the given PostgreSQL database) with the demo data; a citizen files
//! `POST /api/v1/cases` with an uploaded material and a fresh `Idempotency-Key` per request,
//! `concurrency` requests at a time. Each 201 means the case, its materials, its timeline event
//! and its outbox event were committed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use serde_json::{Value, json};
use zerotrip_app::{App, Clock};
use zerotrip_store::{Arg, ConnectOptions, Db, sql_assembled};
use zerotrip_web::{AppState, WebConfig};

use crate::options::SubmissionBenchArgs;

const ITEM: &str = "HN-XK-00001";
const CITIZEN: &str = "460106199001011239";
const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Latency figures of one run.
#[derive(Debug, Clone, serde::Serialize)]
struct RunFigures {
    requests: usize,
    concurrency: usize,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn figures(mut latencies: Vec<Duration>, concurrency: usize, elapsed: Duration) -> RunFigures {
    latencies.sort_unstable();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(index)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    RunFigures {
        requests: latencies.len(),
        concurrency,
        seconds: elapsed.as_secs_f64(),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    }
}

pub async fn submissions(args: SubmissionBenchArgs) -> anyhow::Result<std::process::ExitCode> {
    let dir = tempfile::tempdir().context("无法创建临时目录")?;
    let (url, schema) = match &args.database_url {
        Some(url) if url.starts_with("postgres") => (
            url.clone(),
            Some(format!("zt_bench_{}", std::process::id())),
        ),
        Some(url) => (url.clone(), None),
        None => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
    };
    let db = Db::connect(
        &url,
        &ConnectOptions {
            max_connections: 32,
            schema: schema.clone(),
        },
    )
    .await?;
    db.migrate().await?;
    let outcome = run(&db, dir.path(), &args).await;
    if let Some(schema) = schema {
        // Leave no benchmark data behind in a real database.
        let _ = db
            .execute(sql_assembled(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .await;
    }
    db.close().await;
    outcome
}

async fn run(
    db: &Db,
    dir: &std::path::Path,
    args: &SubmissionBenchArgs,
) -> anyhow::Result<std::process::ExitCode> {
    eprintln!("准备：载入演示数据（{}）……", db.backend().label());
    let app = App::open(db.clone(), dir.join("files"), Clock::system()).await?;
    zerotrip_app::seed::load_demo(&app).await?;
    let config = WebConfig {
        secure_cookies: false,
        max_body_bytes: 16 << 20,
        csrf_key: b"bench".to_vec(),
    };
    let router = zerotrip_web::router(AppState::new(app.clone(), config, None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    let base = format!("http://{address}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;

    let token: Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": CITIZEN, "password": zerotrip_app::seed::DEMO_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .context("未取得访问令牌")?
        .to_owned();
    let file: Value = client
        .post(format!("{base}/api/v1/files"))
        .bearer_auth(&token)
        .body(PDF.to_vec())
        .send()
        .await?
        .json()
        .await?;
    let key = file["key"].as_str().context("上传材料失败")?.to_owned();
    let detail = app.item_detail(ITEM).await?;
    let materials: Vec<Value> = detail
        .item
        .materials
        .iter()
        .filter(|m| m.applicant_supplies())
        .map(|m| json!({"material": m.name, "file": key, "file_name": "申请表.pdf"}))
        .collect();
    let body = Arc::new(
        json!({"item_code": ITEM, "region": "460106", "form": {"description": "性能测试"}, "materials": materials}),
    );

    // Warm up: connections, prepared statements, caches.
    for index in 0..args.concurrency.min(20) {
        submit(&client, &base, &token, &body, &format!("warmup-{index:06}")).await?;
    }

    eprintln!(
        "测量：{} 次提交，并发 {}……",
        args.requests, args.concurrency
    );
    let started = Instant::now();
    let results: Vec<anyhow::Result<Duration>> = futures_util::stream::iter(0..args.requests)
        .map(|index| {
            let (client, base, token, body) =
                (client.clone(), base.clone(), token.clone(), body.clone());
            async move {
                let began = Instant::now();
                submit(&client, &base, &token, &body, &format!("bench-{index:08}")).await?;
                Ok(began.elapsed())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let latencies = results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let http = figures(latencies, args.concurrency, elapsed);
    let (cases,): (i64,) = db
        .fetch_one(zerotrip_store::sql("SELECT COUNT(*) FROM cases"))
        .await?;
    let expected = (args.requests + args.concurrency.min(20)) as i64;
    if cases != expected {
        bail!("应有 {expected} 个办件，实际 {cases} 个");
    }

    let baseline = raw_inserts(db, args).await?;
    let ratio = baseline.per_second / http.per_second.max(1e-9);
    let report = json!({
        "backend": db.backend().label(),
        "http_case_submissions": http,
        "baseline_raw_insert": baseline,
        "baseline_over_http_ratio": ratio,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    eprintln!(
        "{}：经 HTTP 提交办件 {:.0} 件/秒（p50 {:.1} ms，p99 {:.1} ms）；同库裸 INSERT {:.0} 行/秒；比值 {:.1}×",
        db.backend().label(),
        http.per_second,
        http.p50_ms,
        http.p99_ms,
        baseline.per_second,
        ratio
    );
    Ok(std::process::ExitCode::SUCCESS)
}

async fn submit(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: &Value,
    key: &str,
) -> anyhow::Result<()> {
    let response = client
        .post(format!("{base}/api/v1/cases"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await?;
    let status = response.status();
    if status.as_u16() != 201 {
        let text = response.text().await.unwrap_or_default();
        bail!("提交失败：{status} {text}");
    }
    Ok(())
}

/// One committed transaction per row, the same concurrency: the floor a durable submission sits on.
async fn raw_inserts(db: &Db, args: &SubmissionBenchArgs) -> anyhow::Result<RunFigures> {
    db.execute(sql_assembled(
        "CREATE TABLE bench_raw_cases (id BIGINT PRIMARY KEY, number TEXT NOT NULL, form TEXT NOT NULL, created_at TEXT NOT NULL)"
            .to_owned(),
    ))
    .await?;
    let form = json!({"description": "性能测试", "contact_phone": "13800138000"}).to_string();
    let started = Instant::now();
    let results: Vec<anyhow::Result<Duration>> = futures_util::stream::iter(0..args.requests)
        .map(|index| {
            let (db, form) = (db.clone(), form.clone());
            async move {
                let began = Instant::now();
                let mut tx = db.begin().await?;
                tx.execute(
                    sql_assembled(
                        "INSERT INTO bench_raw_cases (id, number, form, created_at) VALUES ($1, $2, $3, $4)".to_owned(),
                    )
                    .bind(Arg::from(index as i64))
                    .bind(Arg::from(format!("RAW{index:08}")))
                    .bind(Arg::from(form))
                    .bind(Arg::from(chrono::Utc::now().to_rfc3339())),
                )
                .await?;
                tx.commit().await?;
                Ok(began.elapsed())
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let latencies = results.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    Ok(figures(latencies, args.concurrency, elapsed))
}
