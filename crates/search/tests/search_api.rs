//! The public API over the demo catalogue: building, updating, searching, suggestions, synonyms
//! at runtime, FAQ folding, filters, snippets and persistence.

use std::sync::{Arc, OnceLock};

use zerotrip_core::catalog::{Bundle, ServiceItem, parse_catalog_json};
use zerotrip_search::{
    Article, DocKind, FaqMode, SearchDocument, SearchIndex, SearchOptions, SynonymSet,
};

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");

fn catalog() -> &'static (Vec<ServiceItem>, Vec<Bundle>) {
    static DATA: OnceLock<(Vec<ServiceItem>, Vec<Bundle>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let items = parse_catalog_json(CATALOG).unwrap_or_default();
        let bundles: Vec<Bundle> = serde_json::from_str(BUNDLES).unwrap_or_default();
        assert!(items.len() > 200 && bundles.len() > 30, "demo data loads");
        (items, bundles)
    })
}

fn docs() -> Vec<SearchDocument> {
    let (items, bundles) = catalog();
    SearchDocument::from_catalog(items, bundles)
}

/// One shared, read-only index for the tests that do not write.
fn shared() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(fresh)
}

fn fresh() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    index.replace_all(docs(), &|_| {}).expect("build");
    index
}

fn names(index: &SearchIndex, q: &str, synonyms: &SynonymSet) -> Vec<String> {
    index
        .search(q, &SearchOptions::with_limit(10), synonyms)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.name)
        .collect()
}

fn top3(q: &str) -> Vec<String> {
    let mut n = names(shared(), q, &SynonymSet::default_set());
    n.truncate(3);
    n
}

#[test]
fn builds_the_demo_catalogue_with_progress() {
    let index = SearchIndex::in_memory().expect("index");
    let reported = std::sync::Mutex::new(Vec::new());
    let docs = docs();
    let expected = docs.len();
    let n = index
        .replace_all(docs, &|n| reported.lock().expect("lock").push(n))
        .expect("build");
    assert_eq!(n, expected);
    assert_eq!(index.len(), expected);
    let faqs = SearchDocument::from_catalog(&catalog().0, &[])
        .iter()
        .filter(|d| d.kind == DocKind::Faq)
        .count();
    assert!(faqs > 100, "one document per FAQ");
    assert_eq!(reported.lock().expect("lock").last(), Some(&expected));
}

#[test]
fn faq_documents_are_coded_and_linked() {
    let item = &catalog().0[0];
    let faqs = SearchDocument::from_item_faqs(item);
    assert_eq!(faqs[0].code, format!("{}#faq-1", item.code.as_str()));
    assert_eq!(faqs[0].parent.as_deref(), Some(item.code.as_str()));
}

#[test]
fn exact_names_come_first() {
    for item in catalog().0.iter().take(60) {
        assert_eq!(top3(&item.name).first(), Some(&item.name), "{}", item.name);
    }
}

#[test]
fn part_of_a_word_still_matches() {
    // 处理 is the tail of a word and 农村 the head of another: word-only engines miss these.
    assert!(top3("违法行为处理").contains(&"交通技术监控记录违法行为处理".to_string()));
    assert!(top3("捕捞").contains(&"渔业捕捞许可证核发".to_string()));
    assert!(top3("宅基").contains(&"农村村民宅基地审批".to_string()));
}

#[test]
fn question_words_do_not_dominate() {
    assert_eq!(top3("护照怎么办")[0], "普通护照签发");
    assert_eq!(top3("我想问一下要怎么办理护照")[0], "普通护照签发");
    // Nothing but filler is still searched ("失业了怎么办" is an alias).
    let r = shared()
        .search(
            "怎么办",
            &SearchOptions::default(),
            &SynonymSet::default_set(),
        )
        .expect("search");
    assert!(!r.hits.is_empty());
}

#[test]
fn traditional_and_full_width_input_is_folded() {
    assert!(top3("駕駛證換證").contains(&"机动车驾驶证期满换证".to_string()));
    assert!(top3("ＫＴＶ许可证").contains(&"娱乐场所经营活动审批".to_string()));
}

#[test]
fn pinyin_and_initials_find_words() {
    assert!(
        top3("shebaoka")
            .iter()
            .any(|n| n.starts_with("社会保障卡") || n.contains("社会保障卡"))
    );
    assert!(top3("sbk").iter().any(|n| n.contains("社会保障卡")));
    // Initials or pinyin of the start of a name that is no word of its own.
    assert!(top3("shbzk").iter().any(|n| n.contains("社会保障卡")));
    assert_eq!(
        shared().did_you_mean("shbzk", &SynonymSet::default_set()),
        Some("社会保障卡".to_string())
    );
    assert_eq!(
        shared().did_you_mean("shebaoka", &SynonymSet::default_set()),
        Some("社保卡".to_string())
    );
}

#[test]
fn one_wrong_character_is_tolerated() {
    assert!(top3("公基金提取").iter().any(|n| n.contains("住房公积金")));
    assert_eq!(top3("社保卡申陵")[0], "社会保障卡申领");
    let r = shared()
        .search(
            "公基金提取",
            &SearchOptions::default(),
            &SynonymSet::default_set(),
        )
        .expect("search");
    assert_eq!(r.did_you_mean.as_deref(), Some("公积金提取"));
}

#[test]
fn life_events_surface_bundles() {
    assert_eq!(top3("生孩子了要办什么")[0], "新生儿出生一件事");
    assert!(top3("开饭馆要办哪些手续").contains(&"开办餐饮店一件事".to_string()));
}

#[test]
fn synonyms_apply_at_query_time_without_reindex() {
    let index = shared();
    let none = SynonymSet::empty();
    let q = "银发卡";
    let before = names(index, q, &none);
    assert_ne!(before.first().map(String::as_str), Some("老年人优待证办理"));
    let set = none.with("银发卡", ["老年人优待证"]);
    assert_eq!(set.version(), none.version() + 1);
    assert_eq!(names(index, q, &set)[0], "老年人优待证办理");
}

#[test]
fn faqs_lift_their_item_or_stand_beside_it() {
    let index = shared();
    let set = SynonymSet::default_set();
    let q = "未满十六周岁可以办身份证吗";
    let folded = index
        .search(q, &SearchOptions::default(), &set)
        .expect("search");
    assert_eq!(folded.hits[0].name, "居民身份证首次申领");
    assert!(folded.hits.iter().all(|h| h.kind != DocKind::Faq));
    assert!(folded.hits[0].snippet.contains("<mark>"));
    let separate = index
        .search(q, &SearchOptions::default().faqs(FaqMode::Separate), &set)
        .expect("search");
    let item = separate.hits.iter().position(|h| h.kind == DocKind::Item);
    let faq = separate.hits.iter().position(|h| h.kind == DocKind::Faq);
    assert!(
        item.is_some() && faq.is_some() && item < faq,
        "{:?}",
        separate.hits
    );
    let faq_hit = &separate.hits[faq.unwrap_or(0)];
    let only_faqs = index
        .search(q, &SearchOptions::default().kinds(&[DocKind::Faq]), &set)
        .expect("search");
    assert!(!only_faqs.hits.is_empty());
    assert!(only_faqs.hits.iter().all(|h| h.kind == DocKind::Faq));
    assert!(only_faqs.took_ms() >= 0.0);
    assert!(faq_hit.code.contains("#faq-"));
    assert!(faq_hit.parent.is_some());
}

#[test]
fn kinds_and_the_region_hook_filter() {
    let index = shared();
    let set = SynonymSet::default_set();
    let only_bundles = index
        .search(
            "开公司",
            &SearchOptions::default().kinds(&[DocKind::Bundle]),
            &set,
        )
        .expect("search");
    assert!(!only_bundles.hits.is_empty());
    assert!(only_bundles.hits.iter().all(|h| h.kind == DocKind::Bundle));
    let hidden = "HN-XK-00018"; // 公司设立登记
    let filtered = index
        .search(
            "公司设立登记",
            &SearchOptions::default().filter(move |_, code| code != hidden),
            &set,
        )
        .expect("search");
    assert!(filtered.hits.iter().all(|h| h.code != hidden));
    assert!(!filtered.hits.is_empty());
}

#[test]
fn snippets_mark_matches_and_escape_html() {
    let index = SearchIndex::in_memory().expect("index");
    let mut doc = SearchDocument::new(DocKind::Article, "A-1", "<b>护照</b>办理指南");
    doc.body = "办理护照 & 签注 \"须知\"".into();
    index.upsert(vec![doc]).expect("upsert");
    let r = index
        .search("护照", &SearchOptions::default(), &SynonymSet::empty())
        .expect("search");
    let s = &r.hits[0].snippet;
    assert!(s.starts_with("&lt;b&gt;<mark>护照</mark>&lt;/b&gt;"), "{s}");
    assert!(s.contains("&amp;") && s.contains("&quot;"), "{s}");
    assert!(!s.contains("<b>"));
}

#[test]
fn upsert_and_remove_by_kind_and_code() {
    let index = fresh();
    let n = index.len();
    let set = SynonymSet::empty();
    let article = Article {
        code: "KB-7".into(),
        title: "海南离岛免税购物指南".into(),
        body: "离岛旅客每年每人免税购物额度为10万元。".into(),
        keywords: vec!["免税".into()],
    };
    index
        .upsert(vec![SearchDocument::from_article(&article)])
        .expect("upsert");
    assert_eq!(index.len(), n + 1);
    let hits = index
        .search("离岛免税购物指南", &SearchOptions::default(), &set)
        .expect("search")
        .hits;
    assert_eq!(
        (hits[0].kind, hits[0].code.as_str()),
        (DocKind::Article, "KB-7")
    );
    // Same (kind, code) replaces.
    let mut changed = SearchDocument::from_article(&article);
    changed.name = "离岛免税新规解读".into();
    index.upsert(vec![changed]).expect("upsert");
    assert_eq!(index.len(), n + 1);
    let hits = index
        .search("新规解读", &SearchOptions::default(), &set)
        .expect("search")
        .hits;
    assert_eq!(hits[0].name, "离岛免税新规解读");
    index.remove(DocKind::Article, "KB-7").expect("remove");
    assert_eq!(index.len(), n);
    assert!(index.get(DocKind::Article, "KB-7").is_none());
    index
        .remove(DocKind::Article, "KB-7")
        .expect("removing twice is fine");
}

#[test]
fn suggests_as_you_type() {
    let index = shared();
    let s = index.suggest("社保", 5).expect("suggest");
    assert!(!s.is_empty() && s.len() <= 5);
    assert!(s.iter().all(|x| x.contains("社保")), "{s:?}");
    let infix = index.suggest("异地转移", 8).expect("suggest");
    assert!(
        infix.contains(&"住房公积金异地转移接续".to_string()),
        "{infix:?}"
    );
    let py = index.suggest("gongji", 5).expect("suggest");
    assert!(py.iter().any(|x| x.starts_with("公积金")), "{py:?}");
    assert!(index.suggest("", 5).expect("suggest").is_empty());
}

#[test]
fn weak_results_and_did_you_mean() {
    let index = shared();
    let set = SynonymSet::default_set();
    let good = index
        .search("护照", &SearchOptions::default(), &set)
        .expect("search");
    assert!(!good.weak);
    let bad = index
        .search("量子计算机超导芯片", &SearchOptions::default(), &set)
        .expect("search");
    assert!(bad.weak, "{:?}", bad.hits.first());
    assert_eq!(index.did_you_mean("护照", &set), None);
}

#[test]
fn hostile_input_does_not_fail() {
    let index = shared();
    let set = SynonymSet::default_set();
    let long = "身份证".repeat(500);
    for q in [
        "",
        "   ",
        "\"*:()[]{}^~-+",
        "🙂🙂",
        long.as_str(),
        "a",
        "证",
        "\u{0}\u{feff}",
    ] {
        let r = index
            .search(q, &SearchOptions::default(), &set)
            .expect("search");
        assert!(r.hits.len() <= 10);
        let _ = index.suggest(q, 5).expect("suggest");
        let _ = index.did_you_mean(q, &set);
    }
}

#[test]
fn single_characters_match() {
    let r = top3("证");
    assert_eq!(r.len(), 3);
}

#[test]
fn persists_on_disk_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let index = SearchIndex::open_in_dir(dir.path()).expect("open");
        index.replace_all(docs(), &|_| {}).expect("build");
    }
    let index = SearchIndex::open_in_dir(dir.path()).expect("reopen");
    assert_eq!(index.len(), docs().len());
    let hits = index
        .search(
            "补办身份证",
            &SearchOptions::default(),
            &SynonymSet::default_set(),
        )
        .expect("search")
        .hits;
    assert_eq!(hits[0].name, "居民身份证补领");
    index.remove(DocKind::Item, "HN-GG-00003").expect("remove");
    drop(index);
    let index = SearchIndex::open_in_dir(dir.path()).expect("reopen");
    assert!(index.get(DocKind::Item, "HN-GG-00003").is_none());
}

#[test]
fn shared_between_threads() {
    let index = Arc::new(fresh());
    let set = Arc::new(SynonymSet::default_set());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let index = Arc::clone(&index);
            let set = Arc::clone(&set);
            std::thread::spawn(move || {
                for _ in 0..20 {
                    let r = index.search("社保卡补办", &SearchOptions::default(), &set);
                    assert!(r.is_ok_and(|r| !r.hits.is_empty()));
                }
                if i == 0 {
                    let doc = SearchDocument::new(DocKind::Article, "T", "线程测试文章");
                    assert!(index.upsert(vec![doc]).is_ok());
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
}

#[test]
fn synonym_sets_serialise_and_report_versions() {
    let set = SynonymSet::default_set();
    let json = set.to_json();
    let back = SynonymSet::from_json(&json).expect("json");
    assert_eq!(back, set);
    assert!(SynonymSet::from_json("{nope").is_err());
    let rules = SynonymSet::parse_rules("老人卡, 敬老卡\n开饭馆 => 食品经营许可\n").expect("rules");
    assert!(
        rules
            .get("敬老卡")
            .is_some_and(|e| e.contains(&"老人卡".to_string()))
    );
    assert!(rules.get("食品经营许可").is_none(), "=> is one-way");
}

#[test]
fn a_place_name_does_not_make_results_weak() {
    let r = shared()
        .search(
            "海口社保卡补办",
            &SearchOptions::default(),
            &SynonymSet::default_set(),
        )
        .expect("search");
    assert_eq!(r.hits[0].name, "社会保障卡补领、换领、换发");
    assert!(!r.weak);
}
