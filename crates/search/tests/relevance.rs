//! Relevance regression: our own queries (colloquial phrasings, questions, life events, partial
//! words, pinyin, typos, traditional characters) over the demo catalogue, with thresholds, and
//! the engine measured against the two baselines on them.
//!
//! `ZEROTRIP_SEARCH_EVAL=FILE.jsonl` additionally evaluates any query file by hand (printed, not
//! asserted); without it that test does nothing.

use zerotrip_core::catalog::{Bundle, parse_catalog_json};
use zerotrip_search::baselines::{Fts5Baseline, JiebaBaseline};
use zerotrip_search::{
    EvalQuery, EvalReport, SearchDocument, SearchIndex, SynonymSet, evaluate, evaluate_engine,
};

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
const HELD_OUT: &str = include_str!("data/heldout.jsonl");

fn demo_docs() -> Vec<SearchDocument> {
    let items = parse_catalog_json(CATALOG).expect("catalogue");
    let bundles: Vec<Bundle> = serde_json::from_str(BUNDLES).expect("bundles");
    SearchDocument::from_catalog(&items, &bundles)
}

fn demo_index() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    index.replace_all(demo_docs(), &|_| {}).expect("build");
    index
}

fn show(name: &str, r: &EvalReport) {
    eprintln!("{name}: {}", r.summary_json());
    for m in &r.misses {
        eprintln!(
            "  miss {:?} (rank {:?}) expected {:?} got {:?}",
            m.query, m.rank, m.expected, m.got_top3
        );
    }
}

#[test]
fn held_out_queries_meet_the_thresholds() {
    let queries = EvalQuery::parse_jsonl(HELD_OUT).expect("held-out set");
    assert!(queries.len() >= 100);
    let index = demo_index();
    let report = evaluate(&index, &SynonymSet::default_set(), &queries, 10);
    show("held-out", &report);
    assert!(
        report.recall_at_3 >= 0.95,
        "recall@3 {}",
        report.recall_at_3
    );
    assert!(
        report.recall_at_10 >= 0.97,
        "recall@10 {}",
        report.recall_at_10
    );
    assert!(report.mrr >= 0.88, "mrr {}", report.mrr);
}

#[test]
fn every_kind_of_query_works() {
    let queries = EvalQuery::parse_jsonl(HELD_OUT).expect("held-out set");
    let index = demo_index();
    let set = SynonymSet::default_set();
    let mut kinds: Vec<String> = queries.iter().filter_map(|q| q.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    assert!(kinds.len() >= 7, "{kinds:?}");
    for kind in kinds {
        let subset: Vec<EvalQuery> = queries
            .iter()
            .filter(|q| q.kind.as_deref() == Some(&kind))
            .cloned()
            .collect();
        let r = evaluate(&index, &set, &subset, 10);
        assert!(r.recall_at_3 >= 0.85, "{kind}: {}", r.summary_json());
    }
}

#[test]
fn beats_both_baselines_on_the_held_out_queries() {
    let queries = EvalQuery::parse_jsonl(HELD_OUT).expect("held-out set");
    let docs = demo_docs();
    let index = demo_index();
    let ours = evaluate(&index, &SynonymSet::default_set(), &queries, 10);
    let jieba = evaluate_engine(&JiebaBaseline::build(&docs).expect("jieba"), &queries, 10);
    let fts5 = evaluate_engine(&Fts5Baseline::build(&docs).expect("fts5"), &queries, 10);
    eprintln!(
        "ours {}\njieba {}\nfts5 {}",
        ours.summary_json(),
        jieba.summary_json(),
        fts5.summary_json()
    );
    assert!(ours.recall_at_3 > jieba.recall_at_3 + 0.1);
    assert!(ours.recall_at_3 > fts5.recall_at_3 + 0.1);
    assert!(ours.mrr > jieba.mrr && ours.mrr > fts5.mrr);
    // The baselines find something: they are measured, not broken.
    assert!(jieba.recall_at_10 > 0.5 && fts5.recall_at_10 > 0.4);
}

/// A development tool, not part of the suite: evaluates the file named by ZEROTRIP_SEARCH_EVAL.
#[test]
fn evaluate_a_query_file_by_hand() {
    let Ok(path) = std::env::var("ZEROTRIP_SEARCH_EVAL") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("query file");
    let queries = EvalQuery::parse_jsonl(&text).expect("query file parses");
    let docs = demo_docs();
    let index = demo_index();
    show(
        "zerotrip-search",
        &evaluate(&index, &SynonymSet::default_set(), &queries, 10),
    );
    show(
        "jieba-bm25",
        &evaluate_engine(&JiebaBaseline::build(&docs).expect("jieba"), &queries, 10),
    );
    show(
        "sqlite-fts5-trigram",
        &evaluate_engine(&Fts5Baseline::build(&docs).expect("fts5"), &queries, 10),
    );
}
