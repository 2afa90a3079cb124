//! The shipped demo catalogue and its reference lists load, pass every quality rule and refer
//! to each other consistently.

use std::collections::{BTreeMap, HashSet};
use zerotrip_core::catalog::quality::refresh_after;
use zerotrip_core::catalog::*;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const BUNDLES: &str = include_str!("../../../data/demo/bundles.json");
const LICENCE_TYPES: &str = include_str!("../../../data/demo/licence-types.json");
const PROACTIVE_RULES: &str = include_str!("../../../data/demo/proactive-rules.json");

fn items() -> Vec<ServiceItem> {
    parse_catalog_json(CATALOG).unwrap()
}

fn strict<T: serde::de::DeserializeOwned>(text: &str) -> T {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer).unwrap()
}

fn licence_types() -> Vec<LicenceType> {
    strict(LICENCE_TYPES)
}

fn bundles() -> Vec<Bundle> {
    strict(BUNDLES)
}

fn rules() -> Vec<ProactiveRule> {
    strict(PROACTIVE_RULES)
}

fn show(findings: &[(String, Finding)]) -> String {
    findings
        .iter()
        .map(|(code, f)| format!("{code} {} {}：{}", f.rule, f.element, f.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_demo_item_passes_every_quality_rule() {
    let items = items();
    assert_eq!(items.len(), 227);
    let context = QualityContext::with_licence_types(&licence_types());
    let findings: Vec<(String, Finding)> = items
        .iter()
        .flat_map(|item| {
            check_item(item, &context)
                .into_iter()
                .map(|f| (item.code.to_string(), f))
        })
        .collect();
    let errors: Vec<_> = findings
        .iter()
        .filter(|(_, f)| f.severity == Severity::Error)
        .cloned()
        .collect();
    assert!(errors.is_empty(), "errors:\n{}", show(&errors));
    assert!(findings.is_empty(), "warnings:\n{}", show(&findings));
}

#[test]
fn after_figures_are_the_derived_ones() {
    for item in items() {
        let record = item.optimization.unwrap();
        let (before, after) = (record.before, record.after);
        let supplied = item
            .materials
            .iter()
            .filter(|m| m.applicant_supplies())
            .count();
        assert_eq!(after.materials as usize, supplied, "{}", item.code);
        assert_eq!(Some(after.days), item.promised_days, "{}", item.code);
        assert_eq!(Some(after.visits), item.on_site_visits, "{}", item.code);
        assert!((1..=4).contains(&after.steps), "{}", item.code);
        assert_eq!(refresh_after(&item), Some(after), "{}", item.code);
        assert!(before.materials >= after.materials && before.days >= after.days);
        assert!(before.steps >= after.steps && before.visits >= after.visits);
        assert!(
            before.materials as usize >= item.materials.len(),
            "{}",
            item.code
        );
        assert!(Some(before.days) <= item.legal_days, "{}", item.code);
    }
}

#[test]
fn demo_catalogue_matches_its_documented_breakdown() {
    let items = items();
    let mut by_type = BTreeMap::new();
    for item in &items {
        *by_type.entry(item.item_type.label()).or_insert(0) += 1;
    }
    let expected = [
        ("公共服务", 79),
        ("行政许可", 61),
        ("行政给付", 28),
        ("行政确认", 25),
        ("其他行政权力", 25),
        ("行政征收", 5),
        ("行政裁决", 2),
        ("行政奖励", 2),
    ];
    assert_eq!(by_type, expected.into_iter().collect::<BTreeMap<_, _>>());
    let visits = |n| items.iter().filter(|i| i.on_site_visits == Some(n)).count();
    assert_eq!((visits(0), visits(1), visits(2)), (204, 20, 3));
    let charged = items
        .iter()
        .filter(|i| i.fee.as_ref().unwrap().charged)
        .count();
    assert_eq!(charged, 18);
    assert_eq!(items.iter().filter(|i| i.high_frequency).count(), 91);
    assert_eq!(items.iter().filter(|i| i.auto_approvable).count(), 64);
}

#[test]
fn reference_files_parse_and_serialise_back_to_the_same_json() {
    fn same<T: serde::Serialize>(parsed: &T, text: &str) {
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_value(parsed).unwrap(), original);
    }
    let (bundles, types, rules) = (bundles(), licence_types(), rules());
    assert_eq!((bundles.len(), types.len(), rules.len()), (31, 37, 13));
    same(&bundles, BUNDLES);
    same(&types, LICENCE_TYPES);
    same(&rules, PROACTIVE_RULES);
    same(&items(), CATALOG);
    assert_eq!(
        bundles[0].shared_form_fields[1].field_type,
        FieldType::IdNumber
    );
    assert_eq!(types[0].holder, Target::NaturalPerson);
    assert_eq!(rules[1].benefit.amount_monthly, Some(100));
}

#[test]
fn bundles_refer_to_existing_items_consistently() {
    let items = items();
    let bundles = bundles();
    let findings = check_bundles(&bundles, &items);
    assert!(findings.is_empty(), "{findings:#?}");
    let known: HashSet<&ItemCode> = items.iter().map(|i| &i.code).collect();
    for bundle in &bundles {
        assert!(bundle.item_codes.iter().all(|code| known.contains(code)));
        for code in &bundle.item_codes {
            assert!(bundle.includes(code));
            assert!(bundle.fields_for(code).next().is_some());
        }
    }
}

#[test]
fn broken_bundle_references_are_reported() {
    let items = items();
    let mut bundle = bundles().remove(0);
    let unknown = ItemCode::parse("HN-GG-99999").unwrap();
    bundle.item_codes.push(unknown.clone());
    bundle.shared_form_fields[0].used_by.push(unknown);
    bundle.promised_days = 0;
    let messages: Vec<String> = check_bundles(&[bundle], &items)
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert!(messages.contains(
        &"一件事“新生儿出生一件事”（HN-YJS-001）所含事项 HN-GG-99999 不在事项库中".to_string()
    ));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("短于其中最慢事项的承诺办结时限"))
    );
}

#[test]
fn every_licence_type_named_anywhere_is_registered_and_used() {
    let items = items();
    let types = licence_types();
    let registered: HashSet<&str> = types.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        registered.len(),
        types.len(),
        "licence type names are unique"
    );
    let mut named: HashSet<&str> = HashSet::new();
    for item in &items {
        named.extend(
            item.materials
                .iter()
                .filter_map(|m| m.licence_type.as_deref()),
        );
        named.extend(item.result.iter().filter_map(|r| r.licence_type.as_deref()));
    }
    let rules = rules();
    named.extend(
        rules
            .iter()
            .filter_map(|r| r.benefit.licence_type.as_deref()),
    );
    let unknown: Vec<&&str> = named.difference(&registered).collect();
    assert!(unknown.is_empty(), "{unknown:?}");
    assert_eq!(named, registered, "every registered type is referenced");
}

#[test]
fn proactive_rules_grant_proactive_items() {
    let findings = check_proactive_rules(&rules(), &items(), &licence_types());
    assert!(findings.is_empty(), "{findings:#?}");
    let mut broken = rules().remove(0);
    broken.benefit.licence_type = Some("不存在的证".into());
    let messages: Vec<String> = check_proactive_rules(&[broken], &items(), &licence_types())
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(
        messages,
        [
            "主动办规则“老年人优待证免申即发”（HN-ZDB-001）发放的电子证照类型“不存在的证”不在证照目录中",
            "主动办规则“老年人优待证免申即发”（HN-ZDB-001）发放的证照“不存在的证”与事项 HN-GG-00047 的结果证照“老年人优待证”不一致",
        ]
    );
}
