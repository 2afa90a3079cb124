//! Query latency and rebuild time over ≥ 10,000 documents: the demo catalogue (items, FAQs,
//! bundles), the 1,135 real item names of 四川省广安市广安区 and generated FAQs for them.
//!
//! ```text
//! cargo bench -p zerotrip-search --bench query
//! ```
//! Besides criterion's figures, prints the p50/p99 of single queries (held-out queries, names,
//! typos, pinyin) measured one by one, and the same for the plain jieba baseline.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use zerotrip_core::catalog::{Bundle, parse_catalog_json};
use zerotrip_search::baselines::JiebaBaseline;
use zerotrip_search::{
    DocKind, Engine, EvalQuery, SearchDocument, SearchIndex, SearchOptions, SynonymSet, percentile,
};

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
const SICHUAN: &str = include_str!("../../../data/samples/service-items-sichuan-guangan.csv");
const HELD_OUT: &str = include_str!("../tests/data/heldout.jsonl");

const FAQ_TEMPLATES: &[(&str, &str)] = &[
    (
        "{}需要哪些材料？",
        "办理{}需提交申请表、申请人身份证明及相关证明材料，可在网上预填。",
    ),
    (
        "{}多久能办好？",
        "{}承诺时限为5个工作日，材料齐全的当场受理。",
    ),
    (
        "{}在哪里办理？",
        "可在政务服务中心综合窗口办理，也可在网上全程办理{}。",
    ),
    ("{}收费吗？", "{}不收取费用。"),
    (
        "{}可以委托他人办理吗？",
        "可以，受托人需携带授权委托书和本人身份证件办理{}。",
    ),
    (
        "{}的办理条件是什么？",
        "符合法定条件的申请人均可申请{}，具体以办事指南为准。",
    ),
    (
        "{}办好后结果怎么领取？",
        "{}的结果可选择窗口领取或免费邮寄送达。",
    ),
    (
        "{}能在手机上办吗？",
        "可通过政务服务移动端申请{}，进度可随时查询。",
    ),
];

fn corpus() -> Vec<SearchDocument> {
    let items = parse_catalog_json(CATALOG).unwrap_or_default();
    let bundles: Vec<Bundle> = serde_json::from_str(BUNDLES).unwrap_or_default();
    let mut docs = SearchDocument::from_catalog(&items, &bundles);
    let mut reader = csv::Reader::from_reader(SICHUAN.as_bytes());
    for (i, record) in reader.records().flatten().enumerate() {
        let (Some(name), Some(department)) = (record.get(0), record.get(1)) else {
            continue;
        };
        let code = format!("SC-{i:05}");
        let mut item = SearchDocument::new(DocKind::Item, &code, name);
        item.keywords = vec![department.to_string()];
        docs.push(item);
        for (n, (q, a)) in FAQ_TEMPLATES.iter().enumerate() {
            let mut faq = SearchDocument::new(
                DocKind::Faq,
                format!("{code}#faq-{}", n + 1),
                q.replace("{}", name),
            );
            faq.body = a.replace("{}", name);
            faq.keywords = vec![name.to_string()];
            faq.parent = Some(code.clone());
            docs.push(faq);
        }
    }
    docs
}

fn queries(docs: &[SearchDocument]) -> Vec<String> {
    let mut out: Vec<String> = EvalQuery::parse_jsonl(HELD_OUT)
        .unwrap_or_default()
        .into_iter()
        .map(|q| q.query)
        .collect();
    // Names and name fragments of the real items, and single-character typos of them.
    for d in docs.iter().filter(|d| d.kind == DocKind::Item).step_by(23) {
        let chars: Vec<char> = d.name.chars().collect();
        out.push(chars.iter().take(8).collect());
        if chars.len() > 4 {
            let mut typo = chars.clone();
            typo[2] = '的';
            out.push(typo.iter().take(8).collect());
        }
    }
    out.extend(
        [
            "shebaoka",
            "gongjijin",
            "yyzz",
            "怎么办",
            "我想办个证需要带什么材料",
        ]
        .map(String::from),
    );
    out
}

fn latency(c: &mut Criterion) {
    let docs = corpus();
    assert!(docs.len() >= 10_000, "{} documents", docs.len());
    let index = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
    index
        .replace_all(docs.clone(), &|_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let synonyms = SynonymSet::default_set();
    let queries = queries(&docs);
    let options = SearchOptions::with_limit(10);
    // Each query 5 times after one warm-up round: every single time, and each query's median
    // (the latter is robust against the other processes of a shared machine preempting us).
    let rounds = 5;
    let mut per_query: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); queries.len()];
    for round in 0..=rounds {
        for (qi, q) in queries.iter().enumerate() {
            let started = Instant::now();
            let r = index.search(q, &options, &synonyms);
            let elapsed = started.elapsed().as_secs_f64() * 1000.0;
            black_box(r.ok());
            if round > 0 {
                per_query[qi].push(elapsed);
            }
        }
    }
    let mut times: Vec<f64> = per_query.iter().flatten().copied().collect();
    times.sort_by(f64::total_cmp);
    let mut medians: Vec<f64> = per_query
        .iter_mut()
        .map(|t| {
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    println!(
        "zerotrip-search over {} documents, {} queries × {rounds}: every run p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; per-query median p50 {:.3} ms, p99 {:.3} ms",
        index.len(),
        queries.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or(0.0),
        percentile(&medians, 0.5),
        percentile(&medians, 0.99),
    );
    let baseline = JiebaBaseline::build(&docs).unwrap_or_else(|e| panic!("{e}"));
    let mut base = Vec::new();
    for round in 0..6 {
        for q in &queries {
            let started = Instant::now();
            black_box(baseline.top_names(q, 10).ok());
            if round > 0 {
                base.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    base.sort_by(f64::total_cmp);
    println!(
        "jieba-bm25 baseline, same queries: p50 {:.3} ms, p99 {:.3} ms",
        percentile(&base, 0.5),
        percentile(&base, 0.99)
    );
    let mut i = 0;
    c.bench_function("search/mixed queries (10k docs)", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(index.search(&queries[i], &options, &synonyms).ok())
        })
    });
    c.bench_function("suggest/prefix (10k docs)", |b| {
        let prefixes = ["社保", "公积金", "gongji", "营业", "sbk", "不动产"];
        let mut j = 0;
        b.iter(|| {
            j = (j + 1) % prefixes.len();
            black_box(index.suggest(prefixes[j], 8).ok())
        })
    });
}

fn rebuild(c: &mut Criterion) {
    let docs = corpus();
    let index = SearchIndex::in_memory().unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("replace_all");
    group.sample_size(10);
    group.bench_function(format!("{} documents", docs.len()), |b| {
        b.iter(|| black_box(index.replace_all(docs.clone(), &|_| {}).ok()))
    });
    group.finish();
    index
        .replace_all(docs, &|_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("upsert");
    group.sample_size(10);
    let mut n = 0u32;
    group.bench_function(format!("one article into {} documents", index.len()), |b| {
        b.iter(|| {
            n += 1;
            let mut doc = SearchDocument::new(
                DocKind::Article,
                "BENCH-1",
                format!("离岛免税政策解读第{n}版"),
            );
            doc.body = "离岛旅客每年每人免税购物额度为10万元。".into();
            black_box(index.upsert(vec![doc]).ok())
        })
    });
    group.finish();
}

criterion_group!(benches, latency, rebuild);
criterion_main!(benches);
