//! `zerotrip search eval` and `zerotrip search reindex` on the demo data, on both backends:
//! SQLite through a data directory (as `zerotrip demo --data-dir DIR` leaves it), PostgreSQL
//! through `--database-url`; and the server keeping search current through the outbox.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use zerotrip_app::{App, Clock};
use zerotrip_store::testing::TestDatabase;
use zerotrip_store::{ConnectOptions, Db};

/// Four queries the demo catalogue answers, written for this test, and one it cannot answer.
const QUERIES: &str = r#"{"query": "身份证丢了想补一张", "relevant": ["居民身份证补领"], "kind": "question"}
{"query": "结婚登记", "relevant": ["内地居民结婚登记"], "kind": "partial"}

{"query": "個體工商戶營業執照", "relevant": ["个体工商户设立登记"], "kind": "traditional"}
{"query": "huzhao", "relevant": ["普通护照签发"], "kind": "pinyin"}
{"query": "火星上明天的天气预报", "relevant": ["居民身份证补领"], "kind": "nonsense"}
"#;

const NONSENSE: &str = "火星上明天的天气预报";

fn zerotrip(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zerotrip"))
        .args(args)
        .env("ZEROTRIP_LOG", "warn")
        .output()
        .expect("run the zerotrip binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn load_demo(db: &Db, files: &Path) {
    let app = App::open(db.clone(), files.to_path_buf(), Clock::system())
        .await
        .expect("open the platform");
    zerotrip_app::seed::load_demo(&app)
        .await
        .expect("load the demo data");
}

/// A data directory holding the demo data in its SQLite database, as `zerotrip demo` makes it.
async fn demo_data_dir(dir: &Path) {
    let url = format!("sqlite://{}", dir.join("zerotrip.db").display());
    let db = Db::connect(&url, &ConnectOptions::default())
        .await
        .expect("create the SQLite database");
    db.migrate().await.expect("migrate");
    let files = dir.join("files");
    std::fs::create_dir_all(&files).expect("the files directory");
    load_demo(&db, &files).await;
    db.close().await;
}

fn number(figures: &Value, key: &str) -> f64 {
    figures[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number in {figures}"))
}

/// The shape and the sanity of one engine's figures over the five queries.
#[track_caller]
fn assert_figures(figures: &Value) {
    assert!(figures["engine"].is_string(), "{figures}");
    assert_eq!(figures["queries"], 5, "{figures}");
    assert!(
        figures["documents"].as_u64().is_some_and(|n| n >= 227 + 31),
        "every item and bundle is searched: {figures}"
    );
    let at1 = number(figures, "recall@1");
    let at3 = number(figures, "recall@3");
    let at10 = number(figures, "recall@10");
    let mrr = number(figures, "mrr");
    assert!(
        (0.0..=1.0).contains(&at1) && at1 <= at3 && at3 <= at10 && at10 <= 1.0,
        "recalls grow with k: {figures}"
    );
    assert!(
        at1 <= mrr + 1e-9 && mrr <= at10 + 1e-9,
        "MRR lies between recall@1 and recall@10: {figures}"
    );
    let p50 = number(figures, "p50_ms");
    let p99 = number(figures, "p99_ms");
    assert!(p50 >= 0.0 && p50 <= p99 && p99 < 2_000.0, "{figures}");
}

/// Runs the evaluation with `target` (the flags naming the database) and checks what it prints.
async fn evaluates(target: &[&str], dir: &Path) {
    let file = dir.join("queries.jsonl");
    std::fs::write(&file, QUERIES).expect("write the queries");
    let file = file.to_str().expect("utf-8 path");

    let mut args = vec!["search", "eval", file, "--baseline", "fts5,jieba"];
    args.extend_from_slice(target);
    let output = zerotrip(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.trim().lines().count(), 1, "one JSON object: {text}");
    let report: Value = serde_json::from_str(text.trim()).expect("stdout is JSON");
    assert_figures(&report);
    assert_eq!(report["engine"], "zerotrip-search");
    // The platform's search answers the four real queries within the top 3, and not the fifth.
    assert_eq!(number(&report, "recall@3"), 0.8, "{report}");
    assert_eq!(number(&report, "recall@10"), 0.8, "{report}");
    assert!(number(&report, "mrr") >= 0.7, "{report}");
    assert!(
        number(&report, "served_p50_ms") >= number(&report, "p50_ms"),
        "the whole call includes the engine: {report}"
    );
    for baseline in ["fts5", "jieba"] {
        assert_figures(&report["baselines"][baseline]);
    }
    assert_eq!(
        report["baselines"]["fts5"]["engine"], "sqlite-fts5-trigram",
        "{report}"
    );
    assert_eq!(report["baselines"]["jieba"]["engine"], "jieba-bm25");
    // The misses go to stderr, with what came instead.
    let misses = stderr(&output);
    assert!(misses.contains(NONSENSE), "{misses}");
    assert!(misses.contains("居民身份证补领"), "{misses}");
    assert!(
        !misses.contains("huzhao"),
        "answered queries are not misses: {misses}"
    );

    // Without baselines: the same object, without `baselines`.
    let mut args = vec!["search", "eval", file, "--k", "3"];
    args.extend_from_slice(target);
    let output = zerotrip(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(stdout(&output).trim()).expect("stdout is JSON");
    assert_figures(&report);
    assert!(report.get("baselines").is_none(), "{report}");

    // A bad line is named.
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"query\": \"结婚登记\", \"relevant\": [\"内地居民结婚登记\"]}\n{oops}\n",
    )
    .expect("write the bad file");
    let mut args = vec!["search", "eval", bad.to_str().expect("utf-8 path")];
    args.extend_from_slice(target);
    let output = zerotrip(&args);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("line 2"), "{}", stderr(&output));

    // Reindexing reports what it wrote.
    let mut args = vec!["search", "reindex"];
    args.extend_from_slice(target);
    let output = zerotrip(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("搜索索引已重建：共 "), "{text}");
    assert!(text.contains("一件事 31"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluates_a_demo_data_dir_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("demo-data");
    std::fs::create_dir_all(&data).expect("the data directory");
    demo_data_dir(&data).await;
    let path = data.to_str().expect("utf-8 path").to_owned();
    evaluates(&["--data-dir", &path], dir.path()).await;
    // Nobody asked: the evaluation's searches are not in the consultation log.
    let db = Db::connect(
        &format!("sqlite://{}", data.join("zerotrip.db").display()),
        &ConnectOptions::default(),
    )
    .await
    .expect("open the data directory's database");
    let logged = zerotrip_store::search_log::log_summary(&db, chrono::DateTime::UNIX_EPOCH)
        .await
        .expect("the consultation log");
    assert_eq!(logged.searches, 0, "evaluation searches are not logged");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluates_the_demo_on_postgres() {
    let test = TestDatabase::postgres().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).expect("the files directory");
    load_demo(&test.db, &files).await;
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path").to_owned();
    evaluates(
        &["--database-url", &test.url, "--data-dir", &data],
        dir.path(),
    )
    .await;
    test.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_is_named_not_measured() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("queries.jsonl");
    std::fs::write(&file, QUERIES).expect("write the queries");
    let data = dir.path().join("empty");
    let output = zerotrip(&[
        "search",
        "eval",
        file.to_str().expect("utf-8 path"),
        "--data-dir",
        data.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(message.contains("没有可搜索的内容"), "{message}");
    assert!(message.contains("zerotrip demo --data-dir"), "{message}");
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `zerotrip demo` on a fresh directory: the index is built at start-up, and the outbox worker
/// hands the demo's content events to the search subscriber, which records them as changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_searches_at_once_and_records_content_changes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zerotrip"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            dir.path().to_str().expect("utf-8 path"),
        ])
        .env("ZEROTRIP_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zerotrip demo");
    let stdout = child.stdout.take().expect("piped stdout");
    let demo = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("the demo prints its address")
            .expect("readable stdout");
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    let found: Value = reqwest::Client::new()
        .get(format!("{url}api/v1/search"))
        .query(&[("q", "身份证丢了想补一张")])
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("JSON");
    assert_eq!(found["results"][0]["name"], "居民身份证补领", "{found}");

    // Every published item reaches the search subscriber (one recorded change each).
    let db = Db::connect(
        &format!("sqlite://{}", dir.path().join("zerotrip.db").display()),
        &ConnectOptions::default(),
    )
    .await
    .expect("open the demo database");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let probe = zerotrip_store::search_log::probe(&db)
            .await
            .expect("read the search counters");
        if probe.content_version >= 227 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox delivered only {} content changes to search",
            probe.content_version
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.close().await;
    drop(demo);
}
