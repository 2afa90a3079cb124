//! Implementation lists: a region adds local facts only; anything it restates differently is a
//! deviation from the province standard.

use zerotrip_core::catalog::*;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");

fn item(code: &str) -> ServiceItem {
    parse_catalog_json(CATALOG)
        .unwrap()
        .into_iter()
        .find(|i| i.code.as_str() == code)
        .unwrap()
}

fn facts() -> LocalFacts {
    LocalFacts {
        address: "海口市美兰区政务服务中心一楼".into(),
        consult_phone: "0898-65200000".into(),
        complaint_phone: "12345".into(),
        hours: "周一至周五 9:00-17:00（法定节假日除外）".into(),
        window: Some("A12".into()),
    }
}

fn messages(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.message.as_str()).collect()
}

#[test]
fn an_implementation_that_only_adds_local_facts_is_clean() {
    let standard = item("HN-XK-00002");
    let overrides = ElementOverrides::default();
    assert!(overrides.is_empty());
    assert_eq!(check_implementation(&standard, &facts(), &overrides), []);
    assert_eq!(effective_item(&standard, &overrides), standard);
}

#[test]
fn restating_an_element_identically_is_no_deviation() {
    let standard = item("HN-XK-00002");
    let overrides = ElementOverrides {
        promised_days: standard.promised_days,
        modes: Some(standard.modes.clone()),
        materials: Some(standard.materials.clone()),
        ..ElementOverrides::default()
    };
    assert_eq!(check_implementation(&standard, &facts(), &overrides), []);
}

#[test]
fn a_longer_promise_is_a_deviation_error() {
    let standard = item("HN-XK-00002");
    assert_eq!(standard.promised_days, Some(5));
    let overrides = ElementOverrides {
        promised_days: Some(10),
        ..ElementOverrides::default()
    };
    let findings = check_implementation(&standard, &facts(), &overrides);
    assert_eq!(
        findings,
        [Finding {
            rule: "deviation-promised-days".into(),
            kind: FindingKind::Deviation,
            severity: Severity::Error,
            element: "承诺办结时限".into(),
            message: "承诺办结时限：省级标准 5 个工作日，本地清单 10 个工作日".into(),
        }]
    );
}

#[test]
fn material_deviations_name_the_materials() {
    let standard = item("HN-XK-00002");
    let mut materials = standard.materials.clone();
    let removed = materials.remove(0);
    assert_eq!(removed.name, "居民户口簿");
    materials[0].source = MaterialSource::Applicant;
    materials[0].licence_type = None;
    materials.push(Material {
        name: "户口簿复印件".into(),
        source: MaterialSource::Applicant,
        licence_type: None,
        required: true,
        form: MaterialForm::Copy,
        note: None,
        original_count: 0,
        copy_count: 1,
    });
    let overrides = ElementOverrides {
        materials: Some(materials),
        ..ElementOverrides::default()
    };
    let findings = check_implementation(&standard, &facts(), &overrides);
    assert_eq!(
        messages(&findings),
        [
            "申请材料：本地清单删去“居民户口簿”",
            "申请材料：本地清单增加“户口簿复印件”",
            "申请材料“居民身份证”的来源渠道：省级标准 政府部门核发，本地清单 申请人自备",
            "申请材料“居民身份证”的电子证照类型：省级标准 居民身份证，本地清单未列",
        ]
    );
    assert!(findings.iter().all(|f| f.kind == FindingKind::Deviation
        && f.severity == Severity::Error
        && f.element == "申请材料"));
    // Applicants there now hand in two more materials than the standard asks.
    let local = effective_item(&standard, &overrides);
    let standard_after = standard.optimization.unwrap().after.materials;
    assert_eq!(
        local.optimization.unwrap().after.materials,
        standard_after + 2
    );
}

#[test]
fn mode_fee_and_visit_deviations() {
    let standard = item("HN-XK-00003");
    let overrides = ElementOverrides {
        modes: Some(vec![Mode::Window]),
        fee: Some(Fee {
            charged: true,
            basis: Some("本地文件".into()),
            amount_note: Some("10元/件".into()),
            online_payment: false,
        }),
        on_site_visits: Some(1),
        online_depth: Some(OnlineDepth::PreReview),
        ..ElementOverrides::default()
    };
    let findings = check_implementation(&standard, &facts(), &overrides);
    assert_eq!(
        messages(&findings),
        [
            "到办事现场次数：省级标准 0 次，本地清单 1 次",
            "办理形式：本地清单删去“全流程网上办”",
            "办理形式：本地清单删去“掌上办”",
            "网上办理深度：省级标准 Ⅳ级 全程网办，本地清单 Ⅲ级 在线预审",
            "是否收费：省级标准 否，本地清单 是",
            "收费依据：省级标准未规定，本地清单 本地文件",
            "收费标准：省级标准未规定，本地清单 10元/件",
        ]
    );
    let local = effective_item(&standard, &overrides);
    assert_eq!(zero_trip_basis(&standard), Some(ZeroTripBasis::FullyOnline));
    assert_eq!(zero_trip_basis(&local), None);
}

#[test]
fn local_facts_are_checked() {
    let standard = item("HN-XK-00002");
    let mut local = LocalFacts {
        address: " ".into(),
        consult_phone: "6520000".into(),
        complaint_phone: String::new(),
        hours: String::new(),
        window: Some(String::new()),
    };
    let findings = check_implementation(&standard, &local, &ElementOverrides::default());
    assert_eq!(
        messages(&findings),
        [
            "办理地点未填写",
            "办理时间未填写",
            "办理窗口为空，没有固定窗口时请不填",
            "咨询电话“6520000”格式不正确，应为带区号的固定电话（如 0898-65200000）、服务热线（如 12345）或 11 位手机号码",
            "监督投诉电话未填写",
        ]
    );
    assert!(findings.iter().all(|f| f.kind == FindingKind::Quality));
    assert_eq!(findings[2].severity, Severity::Warning);

    local = facts();
    local.complaint_phone = "(0898)65200000".into();
    let findings = check_implementation(&standard, &local, &ElementOverrides::default());
    assert_eq!(
        messages(&findings),
        ["监督投诉电话与咨询电话相同（(0898)65200000），投诉须有独立于咨询的渠道"]
    );
    assert_eq!(findings[0].rule, "phones-differ");
}

#[test]
fn mobile_and_hotline_numbers_are_accepted() {
    let standard = item("HN-XK-00002");
    let mut local = facts();
    local.consult_phone = "13800138000".into();
    local.complaint_phone = "0898-12345".into();
    local.window = None;
    assert_eq!(
        check_implementation(&standard, &local, &ElementOverrides::default()),
        []
    );
}

#[test]
fn overrides_serialise_only_what_is_restated() {
    assert_eq!(
        serde_json::to_string(&ElementOverrides::default()).unwrap(),
        "{}"
    );
    let overrides = ElementOverrides {
        promised_days: Some(3),
        modes: Some(vec![Mode::Window, Mode::Mobile]),
        ..ElementOverrides::default()
    };
    let json = serde_json::to_string(&overrides).unwrap();
    assert_eq!(json, r#"{"promised_days":3,"modes":["窗口办","掌上办"]}"#);
    assert_eq!(
        serde_json::from_str::<ElementOverrides>(&json).unwrap(),
        overrides
    );
    let local: LocalFacts = serde_json::from_str(
        r#"{"address":"a","consult_phone":"12345","complaint_phone":"12366","hours":"h"}"#,
    )
    .unwrap();
    assert_eq!(local.window, None);
}
