//! Evaluates the engine and both baselines on the demo catalogue against a query file.
//!
//! ```text
//! cargo run --release -p zerotrip-search --example search-eval -- FILE.jsonl [--k 10] [--misses] [--explain]
//! ```
//! Prints one JSON line per engine; with `--misses` the queries whose answer was not in the top
//! 3 go to stderr.

use std::process::ExitCode;

use zerotrip_core::catalog::{Bundle, parse_catalog_json};
use zerotrip_search::baselines::{Fts5Baseline, JiebaBaseline};
use zerotrip_search::{
    Engine, EvalQuery, EvalReport, IndexEngine, SearchDocument, SearchIndex, SynonymSet,
    evaluate_engine,
};

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: search-eval FILE.jsonl [--k 10] [--misses] [--explain]");
        return ExitCode::from(2);
    };
    let k = args
        .iter()
        .position(|a| a == "--k")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let show_misses = args.iter().any(|a| a == "--misses");
    let explain = args.iter().any(|a| a == "--explain");
    match run(path, k, show_misses, explain) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    path: &str,
    k: usize,
    show_misses: bool,
    explain: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let queries = EvalQuery::parse_jsonl(&std::fs::read_to_string(path)?)?;
    let items = parse_catalog_json(CATALOG).map_err(|e| e.to_string())?;
    let bundles: Vec<Bundle> = serde_json::from_str(BUNDLES)?;
    let docs = SearchDocument::from_catalog(&items, &bundles);
    let index = SearchIndex::in_memory()?;
    index.replace_all(docs.clone(), &|_| {})?;
    let synonyms = SynonymSet::default_set();
    let ours = IndexEngine {
        index: &index,
        synonyms: &synonyms,
    };
    let jieba = JiebaBaseline::build(&docs)?;
    let fts5 = Fts5Baseline::build(&docs)?;
    let engines: [&dyn Engine; 3] = [&ours, &jieba, &fts5];
    for engine in engines {
        // One warm-up pass so that latency excludes first-touch costs.
        let _ = evaluate_engine(engine, &queries, k);
        let report = evaluate_engine(engine, &queries, k);
        print_report(
            engine.name(),
            &report,
            show_misses && engine.name() == ours.name(),
        );
    }
    if explain {
        for q in &queries {
            eprintln!("{}\n{}", q.query, index.explain(&q.query, &synonyms));
        }
    }
    Ok(())
}

fn print_report(name: &str, report: &EvalReport, show_misses: bool) {
    println!("{name}: {}", report.summary_json());
    if show_misses {
        for m in &report.misses {
            eprintln!(
                "  miss {:?} rank {:?}: expected {:?}, got {:?}",
                m.query, m.rank, m.expected, m.got_top3
            );
        }
    }
}
