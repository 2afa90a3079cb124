//! The 四减两免 summary and the 零跑动 list over the demo catalogue.

use zerotrip_core::catalog::*;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");

fn items() -> Vec<ServiceItem> {
    parse_catalog_json(CATALOG).unwrap()
}

#[test]
fn reduction_summary_over_the_demo_catalogue() {
    let items = items();
    let summary = ReductionSummary::of(&items);
    assert_eq!(summary.item_count, 227);
    assert_eq!(summary.items_with_record, 227);
    assert_eq!(summary.materials_listed, 652);
    assert_eq!(summary.exempt_by_licence, 319);
    assert_eq!(summary.exempt_by_sharing, 42);
    assert_eq!(summary.materials_exempt, 319 + 42);
    assert_eq!(summary.zero_visit_items, 204);
    assert_eq!(summary.free_items, 227 - 18);
    for figure in [
        summary.materials,
        summary.days,
        summary.steps,
        summary.visits,
    ] {
        assert!(figure.average_before >= figure.average_after);
        assert!((0.0..=100.0).contains(&figure.average_reduction_percent));
    }
    let visits_before: u32 = items
        .iter()
        .map(|i| i.optimization.unwrap().before.visits)
        .sum();
    assert!((summary.visits.average_before - f64::from(visits_before) / 227.0).abs() < 1e-9);
    assert_eq!(summarize_reductions(&items), summary);
    let json = serde_json::to_value(&summary).unwrap();
    assert!(json["materials"]["average_reduction_percent"].is_f64());
}

#[test]
fn reduction_percent_averages_items_and_skips_zero_baselines() {
    let mut items = items();
    items.truncate(2);
    let set = |item: &mut ServiceItem, before: u32, after: u32| {
        let record = item.optimization.as_mut().unwrap();
        record.before.days = before;
        record.after.days = after;
    };
    set(&mut items[0], 10, 5);
    set(&mut items[1], 0, 0);
    let summary = ReductionSummary::of(&items);
    assert_eq!(summary.days.average_before, 5.0);
    assert_eq!(summary.days.average_after, 2.5);
    assert_eq!(summary.days.average_reduction_percent, 50.0);
    items[1].optimization = None;
    let summary = ReductionSummary::of(&items);
    assert_eq!(summary.items_with_record, 1);
    assert_eq!(item_reductions(&items).len(), 1);
    assert_eq!(ReductionSummary::of(&[]).days.average_before, 0.0);
}

#[test]
fn zero_trip_follows_visits_depth_and_scope() {
    let items = items();
    for item in &items {
        let expected = if in_zero_trip_scope(item.item_type) {
            item.zero_trip()
        } else {
            None
        };
        assert_eq!(zero_trip_basis(item), expected, "{}", item.code);
    }
    let listed = items
        .iter()
        .filter(|i| zero_trip_basis(i).is_some())
        .count();
    assert_eq!(listed, 199);
    let levy = items
        .iter()
        .find(|i| i.item_type == ItemType::Levy)
        .unwrap();
    assert_eq!(levy.zero_trip(), Some(ZeroTripBasis::FullyOnline));
    assert_eq!(
        zero_trip_basis(levy),
        None,
        "levies are outside the 6+1 scope"
    );
    let needs_visit = items.iter().find(|i| i.on_site_visits == Some(1)).unwrap();
    assert_eq!(zero_trip_basis(needs_visit), None);
}

fn entry(item: &ServiceItem, implementation_code: &str) -> ZeroTripEntry {
    ZeroTripEntry::for_implementation(
        item,
        implementation_code,
        "460108",
        "美兰区",
        "美兰区公安分局",
    )
    .unwrap()
}

#[test]
fn zero_trip_changes_between_two_lists() {
    let items = items();
    let zero: Vec<&ServiceItem> = items
        .iter()
        .filter(|i| zero_trip_basis(i).is_some())
        .collect();
    let before = vec![entry(zero[0], "I-1"), entry(zero[1], "I-2")];
    let mut renamed = entry(zero[1], "I-2");
    renamed.department_name = "美兰区政务服务中心".into();
    let after = vec![renamed.clone(), entry(zero[2], "I-3")];
    let changes = ZeroTripChanges::between(&before, &after);
    assert_eq!(changes.added, [entry(zero[2], "I-3")]);
    assert_eq!(changes.removed, [entry(zero[0], "I-1")]);
    assert_eq!(changes.changed, [renamed]);
    assert!(ZeroTripChanges::between(&after, &after).is_empty());
}

#[test]
fn zero_trip_csv_opens_in_excel() {
    let items = items();
    let item = items
        .iter()
        .find(|i| i.code.as_str() == "HN-XK-00003")
        .unwrap();
    let mut e = entry(item, "11460108MB1234567X1460100003000");
    e.region_name = "美兰区, 海口".into();
    let csv = entries_to_csv(&[e]);
    assert_eq!(
        csv,
        "\u{feff}事项编码,事项名称,实施编码,行政区划代码,行政区划名称,实施部门,零跑动依据\n\
         HN-XK-00003,户口迁移审批（人才引进落户）,11460108MB1234567X1460100003000,460108,\"美兰区, 海口\",美兰区公安分局,全程网办\n"
    );
    let json = serde_json::to_string(&entry(item, "I")).unwrap();
    assert!(json.contains(r#""basis":"fully_online""#));
}
