//! `zerotrip search`: rebuild the search index, and measure relevance through the search the
//! platform serves.
//!
//! `search eval FILE.jsonl` reads lines `{"query": "...", "relevant": ["name", ...]}` and asks
//! every query of the platform's own search ([`App::search`]: the process's `SearchService` over
//! the published content of the database, with the synonym set administrators edit), then prints
//! one JSON object with recall@1/3/10, MRR and latency on stdout, and the queries whose answer was
//! not in the top 3 on stderr. `--baseline fts5|jieba` measures the reference engines of
//! `zerotrip_search::baselines` in the same run, over the same documents and queries.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use zerotrip_app::search::{SearchChannel, SearchRequest};
use zerotrip_app::{App, AppError};
use zerotrip_search::baselines::{Fts5Baseline, JiebaBaseline};
use zerotrip_search::{
    Engine, EvalQuery, EvalReport, SearchDocument, SearchError, evaluate_engine, percentile,
};

use crate::options::StoreArgs;
use crate::progress;
use crate::server::open_app;

/// The most results the platform returns for one search (`zerotrip_app::search::MAX_LIMIT`).
const MAX_K: usize = zerotrip_app::search::MAX_LIMIT;

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(subcommand)]
    pub what: SearchWhat,
}

#[derive(Debug, Subcommand)]
pub enum SearchWhat {
    /// 从数据库中已发布的内容重建搜索索引（运行中的服务会在下一次搜索时随之重建）
    Reindex {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// 用查询集评测平台搜索：标准输出一个 JSON 对象（recall@1/3/10、MRR、耗时），标准错误列出未进前 3 名的查询
    ///
    /// 文件每行一个 JSON：{"query": "...", "relevant": ["事项或一件事名称", ...]}。
    ///
    /// 查询经平台自己的搜索服务执行（与门户和 API 的搜索相同：数据库中已发布的内容和当前同义词），但不记入搜索日志。
    /// 数据库为空时会说明；演示数据可先用 `zerotrip demo --data-dir demo-data` 载入，再 `zerotrip search eval FILE --data-dir demo-data`。
    Eval {
        /// 查询集（JSON Lines）
        file: PathBuf,
        /// 计算 MRR 时看前 k 条结果（1–50）
        #[arg(long, default_value_t = 10)]
        k: usize,
        /// 在同一次运行中、用同一批文档和查询评测对照引擎（可重复，或用逗号分隔）
        #[arg(long, value_enum, value_delimiter = ',')]
        baseline: Vec<Baseline>,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// The reference engines of `zerotrip_search::baselines`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Baseline {
    /// SQLite FTS5 with the trigram tokenizer, bm25()
    Fts5,
    /// plain jieba word matching with BM25
    Jieba,
}

impl Baseline {
    fn key(self) -> &'static str {
        match self {
            Baseline::Fts5 => "fts5",
            Baseline::Jieba => "jieba",
        }
    }
}

pub async fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        SearchWhat::Reindex { store } => reindex(&store).await,
        SearchWhat::Eval {
            file,
            k,
            baseline,
            store,
        } => eval(&file, k, &baseline, &store).await,
    }
}

fn app_error(error: AppError) -> anyhow::Error {
    let mut text = error.public_message();
    for field in error.fields() {
        text.push_str(&format!("\n  - {}", field.message));
    }
    anyhow::anyhow!(text)
}

async fn reindex(store: &StoreArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(store, 2).await?;
    let bar = progress::bar(0, "重建搜索索引");
    let progress_bar = bar.clone();
    let started = Instant::now();
    let report = app
        .reindex_search(Arc::new(move |done, total| {
            progress_bar.set_length(total as u64);
            progress_bar.set_position(done as u64);
        }))
        .await;
    bar.finish_and_clear();
    let report = report.map_err(app_error)?;
    println!(
        "搜索索引已重建：共 {} 个文档（事项 {}，常见问题 {}，一件事 {}，知识库文章 {}），用时 {:.1} 秒",
        report.documents,
        report.items,
        report.faqs,
        report.bundles,
        report.articles,
        started.elapsed().as_secs_f64()
    );
    println!(
        "内容版本 {}，同义词版本 {}（{} 个词）；运行中的服务会在下一次搜索时按此重建索引。",
        report.content_version, report.synonyms_version, report.synonym_terms
    );
    Ok(ExitCode::SUCCESS)
}

/// The platform's search as an [`Engine`]: every query goes through [`App::search`] (on the
/// evaluation channel, which is not written to the consultation log). The wall time of each call
/// (the check for content changes, the engine) is what `evaluate_engine` measures; the engine's own time, as the platform reports it, is kept apart
/// so that it compares with the baselines, which are engines only.
struct Served<'a> {
    app: &'a App,
    engine_ms: Mutex<Vec<f64>>,
}

impl Engine for Served<'_> {
    fn name(&self) -> &str {
        "zerotrip-search"
    }

    fn top_names(&self, query: &str, k: usize) -> Result<Vec<String>, SearchError> {
        let request = SearchRequest {
            q: query.to_owned(),
            limit: Some(k.min(MAX_K)),
            region: None,
            channel: SearchChannel::Evaluation,
        };
        let handle = tokio::runtime::Handle::current();
        let outcome = tokio::task::block_in_place(|| handle.block_on(self.app.search(&request)))
            .map_err(|error| SearchError::Index(error.public_message()))?;
        if let Ok(mut times) = self.engine_ms.lock() {
            times.push(outcome.took_ms);
        }
        Ok(outcome.results.into_iter().map(|r| r.name).collect())
    }
}

fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// What `search eval` prints: the figures of the platform's search, and of each baseline asked
/// for, in this order.
#[derive(Debug, Serialize)]
struct Figures {
    engine: String,
    #[serde(rename = "recall@1")]
    recall_at_1: f64,
    #[serde(rename = "recall@3")]
    recall_at_3: f64,
    #[serde(rename = "recall@10")]
    recall_at_10: f64,
    mrr: f64,
    /// The engine's time per query.
    p50_ms: f64,
    p99_ms: f64,
    queries: usize,
    /// Documents searched.
    documents: usize,
    /// The platform's whole search call: the check for content changes and the engine (no HTTP;
    /// evaluation runs are not logged).
    #[serde(skip_serializing_if = "Option::is_none")]
    served_p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    served_p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    baselines: BTreeMap<&'static str, Figures>,
}

impl Figures {
    fn of(engine: &str, report: &EvalReport, documents: usize) -> Self {
        Figures {
            engine: engine.to_owned(),
            recall_at_1: report.recall_at_1,
            recall_at_3: report.recall_at_3,
            recall_at_10: report.recall_at_10,
            mrr: report.mrr,
            p50_ms: round_ms(report.p50_ms),
            p99_ms: round_ms(report.p99_ms),
            queries: report.queries,
            documents,
            served_p50_ms: None,
            served_p99_ms: None,
            baselines: BTreeMap::new(),
        }
    }
}

fn print_misses(engine: &str, report: &EvalReport, k: usize) {
    if report.misses.is_empty() {
        eprintln!("{engine}：全部 {} 条查询的答案都在前 3 名", report.queries);
        return;
    }
    eprintln!(
        "{engine}：{} 条查询的答案不在前 3 名：",
        report.misses.len()
    );
    for miss in &report.misses {
        let rank = match miss.rank {
            Some(rank) => format!("第 {rank} 名"),
            None => format!("前 {k} 名内没有"),
        };
        eprintln!(
            "  {}：{rank}；应为 {}；前 3 名 {}",
            miss.query,
            miss.expected.join(" / "),
            if miss.got_top3.is_empty() {
                "（无结果）".to_owned()
            } else {
                miss.got_top3.join(" / ")
            }
        );
    }
}

async fn eval(
    file: &std::path::Path,
    k: usize,
    baselines: &[Baseline],
    store: &StoreArgs,
) -> anyhow::Result<ExitCode> {
    if !(1..=MAX_K).contains(&k) {
        anyhow::bail!("--k 应在 1–{MAX_K} 之间（平台一次搜索最多返回 {MAX_K} 条结果）");
    }
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("无法读取查询集 {}", file.display()))?;
    let queries = EvalQuery::parse_jsonl(&text)
        .map_err(|error| anyhow::anyhow!("查询集 {} 有误：{error}", file.display()))?;
    if queries.is_empty() {
        anyhow::bail!("查询集 {} 中没有查询", file.display());
    }
    let app = open_app(store, 4).await?;
    let spinner = progress::spinner("正在从数据库建立搜索索引……");
    let documents = app.search_documents().await.map_err(app_error);
    let built = match &documents {
        Ok(docs) if !docs.is_empty() => app.sync_search().await.map_err(app_error),
        _ => Ok(()),
    };
    spinner.finish_and_clear();
    let documents = documents?;
    built?;
    if documents.is_empty() {
        anyhow::bail!(
            "数据库 {} 中没有可搜索的内容（没有已发布的事项、一件事或知识库条目），无法评测。\n\
             先载入演示数据：`zerotrip demo --data-dir DIR`（首次启动时载入，看到地址后即可停止），\n\
             再对同一目录评测：`zerotrip search eval FILE --data-dir DIR`；或用 --database-url 指向已有数据的数据库。",
            zerotrip_store::db::redact_url(&store.url())
        );
    }

    let served = Served {
        app: &app,
        engine_ms: Mutex::new(Vec::new()),
    };
    // One warm-up pass, so that latency leaves out first-touch costs (as the crate's own
    // evaluation does); then the measured pass.
    let _ = evaluate_engine(&served, &queries, k);
    if let Ok(mut times) = served.engine_ms.lock() {
        times.clear();
    }
    let report = evaluate_engine(&served, &queries, k);
    let mut engine_ms = served
        .engine_ms
        .lock()
        .map(|times| times.clone())
        .unwrap_or_default();
    engine_ms.sort_by(f64::total_cmp);
    let mut ours = report.clone();
    ours.p50_ms = percentile(&engine_ms, 0.50);
    ours.p99_ms = percentile(&engine_ms, 0.99);
    let mut out = Figures::of(served.name(), &ours, documents.len());
    out.served_p50_ms = Some(round_ms(report.p50_ms));
    out.served_p99_ms = Some(round_ms(report.p99_ms));
    print_misses(served.name(), &report, k);

    let mut wanted: Vec<Baseline> = Vec::new();
    for baseline in baselines {
        if !wanted.contains(baseline) {
            wanted.push(*baseline);
        }
    }
    for baseline in wanted {
        let (engine, report) = evaluate_baseline(baseline, &documents, &queries, k)?;
        eprintln!(
            "{engine}（--baseline {}）：{} 条查询的答案不在前 3 名",
            baseline.key(),
            report.misses.len()
        );
        out.baselines.insert(
            baseline.key(),
            Figures::of(&engine, &report, documents.len()),
        );
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(ExitCode::SUCCESS)
}

/// Builds a baseline over the platform's documents and evaluates it like the platform's search:
/// one warm-up pass, then the measured one.
fn evaluate_baseline(
    baseline: Baseline,
    documents: &[SearchDocument],
    queries: &[EvalQuery],
    k: usize,
) -> anyhow::Result<(String, EvalReport)> {
    let engine: Box<dyn Engine> = match baseline {
        Baseline::Fts5 => Box::new(Fts5Baseline::build(documents)?),
        Baseline::Jieba => Box::new(JiebaBaseline::build(documents)?),
    };
    let _ = evaluate_engine(engine.as_ref(), queries, k);
    let report = evaluate_engine(engine.as_ref(), queries, k);
    Ok((engine.name().to_owned(), report))
}
