//! Whatever is typed, searching, suggesting and "did you mean" answer without failing.

use std::sync::OnceLock;

use proptest::prelude::*;
use zerotrip_core::catalog::{Bundle, parse_catalog_json};
use zerotrip_search::{SearchDocument, SearchIndex, SearchOptions, SynonymSet};

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let items = parse_catalog_json(CATALOG).expect("catalogue");
        let bundles: Vec<Bundle> = serde_json::from_str(BUNDLES).expect("bundles");
        let index = SearchIndex::in_memory().expect("index");
        index
            .replace_all(SearchDocument::from_catalog(&items, &bundles), &|_| {})
            .expect("build");
        index
    })
}

fn synonyms() -> &'static SynonymSet {
    static SET: OnceLock<SynonymSet> = OnceLock::new();
    SET.get_or_init(SynonymSet::default_set)
}

/// Mostly characters of the catalogue's own names (so typos and partial words are exercised),
/// mixed with Latin letters, digits, punctuation and arbitrary characters.
fn query() -> impl Strategy<Value = String> {
    let names: Vec<char> = "居民身份证换领补办社会保障卡公积金提取营业执照驾驶证户口迁移结婚登记一件事怎么办要带什么的了駕駛證"
        .chars()
        .collect();
    let piece = prop_oneof![
        4 => proptest::sample::select(names).prop_map(|c| c.to_string()),
        2 => "[a-z]{1,6}",
        1 => "[0-9 ，。？！、()（）<>&\"']{1,3}",
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_query_is_answered(q in query()) {
        let r = index().search(&q, &SearchOptions::with_limit(5), synonyms());
        prop_assert!(r.is_ok());
        let r = r.unwrap_or_else(|_| unreachable!());
        prop_assert!(r.hits.len() <= 5);
        for h in &r.hits {
            // Snippets are escaped HTML: the only tags are <mark> and </mark>.
            let stripped = h.snippet.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!stripped.contains('<') && !stripped.contains('>'), "{}", h.snippet);
        }
        prop_assert!(index().suggest(&q, 5).is_ok());
        let _ = index().did_you_mean(&q, synonyms());
    }
}
