//! Quality rules whose reading of DOMAIN §1.4 the demo catalogue settled.

use zerotrip_core::catalog::*;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const LICENCE_TYPES: &str = include_str!("../../../data/demo/licence-types.json");

fn item(code: &str) -> ServiceItem {
    parse_catalog_json(CATALOG)
        .unwrap()
        .into_iter()
        .find(|i| i.code.as_str() == code)
        .unwrap()
}

fn rules(item: &ServiceItem) -> Vec<String> {
    let types: Vec<LicenceType> = serde_json::from_str(LICENCE_TYPES).unwrap();
    check_item(item, &QualityContext::with_licence_types(&types))
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn an_instant_licence_decides_and_delivers_on_the_spot() {
    // 机动车驾驶证初次申领 is a 即办件: no separate 审核、审批、送达 steps are needed.
    let mut licence = item("HN-XK-00010");
    assert!(licence.is_instant());
    assert_eq!(rules(&licence), Vec::<String>::new());
    // A licence decided later must still list every step.
    licence.promised_days = Some(1);
    licence.process = Some(vec![
        "申请".into(),
        "受理".into(),
        "审核".into(),
        "办结".into(),
    ]);
    let found = rules(&licence);
    assert!(
        found.contains(&"licensing-process-steps".to_string()),
        "{found:?}"
    );
}

#[test]
fn a_licence_result_may_lack_an_electronic_licence_type() {
    // 临时居民身份证 is a 证照 without an e-licence type in the registry: that is allowed.
    let paper_only = item("HN-GG-00004");
    let result = paper_only.result.as_ref().unwrap();
    assert_eq!(
        (result.kind, result.licence_type.as_deref()),
        (ResultType::Licence, None)
    );
    assert_eq!(rules(&paper_only), Vec::<String>::new());
    // The other direction still holds.
    let mut wrong = paper_only.clone();
    wrong.result = Some(ItemResult {
        kind: ResultType::Other,
        name: "临时居民身份证".into(),
        licence_type: Some("居民身份证".into()),
    });
    assert_eq!(rules(&wrong), ["licence-type-needs-licence-result"]);
}
