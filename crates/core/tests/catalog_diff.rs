//! Version diffs name what changed, element by element, in Chinese.

use zerotrip_core::catalog::*;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");

fn items() -> Vec<ServiceItem> {
    parse_catalog_json(CATALOG).unwrap()
}

fn first() -> ServiceItem {
    items().remove(0)
}

fn described(old: &ServiceItem, new: &ServiceItem) -> Vec<String> {
    diff_items(old, new)
        .iter()
        .map(ElementChange::describe)
        .collect()
}

#[test]
fn equal_items_have_no_diff_and_different_items_do() {
    let items = items();
    for item in &items {
        assert_eq!(diff_items(item, &item.clone()), []);
    }
    for pair in items.windows(2) {
        assert!(!diff_items(&pair[0], &pair[1]).is_empty());
    }
}

#[test]
fn scalar_changes_read_as_sentences() {
    let old = first();
    let mut new = old.clone();
    new.promised_days = Some(3);
    new.legal_days = None;
    new.name = "居民身份证申领".into();
    new.online_depth = Some(OnlineDepth::FullyOnline);
    new.high_frequency = false;
    assert_eq!(
        described(&old, &new),
        [
            "事项名称由“居民身份证首次申领”改为“居民身份证申领”",
            "法定办结时限删除“60 个工作日”",
            "承诺办结时限由“10 个工作日”改为“3 个工作日”",
            "网上办理深度由“Ⅲ级 在线预审”改为“Ⅳ级 全程网办”",
            "高频事项由“是”改为“否”",
        ]
    );
    let change = &diff_items(&old, &new)[2];
    assert_eq!(change.element, "承诺办结时限");
    assert_eq!(change.change, ChangeKind::Changed);
    assert_eq!(change.before.as_deref(), Some("10 个工作日"));
    assert_eq!(change.after.as_deref(), Some("3 个工作日"));
}

#[test]
fn list_changes_name_entries_added_and_removed() {
    let old = first();
    let mut new = old.clone();
    new.aliases.retain(|a| a != "办身份证");
    new.aliases.push("身份证办理".into());
    new.modes.insert(0, Mode::FullyOnline);
    new.themes.reverse();
    new.cross_region.push(CrossRegion::CrossProvince);
    assert_eq!(
        described(&old, &new),
        [
            "常用称呼删除“办身份证”",
            "常用称呼新增“身份证办理”",
            "办理形式新增“全流程网上办”",
            "通办范围新增“跨省通办”",
            "服务主题顺序由“户籍、证照办理”改为“证照办理、户籍”",
        ]
    );
}

#[test]
fn materials_are_matched_by_name() {
    let old = first();
    let mut new = old.clone();
    new.materials[1].required = false;
    new.materials[1].note = None;
    new.materials.remove(2);
    new.materials.push(Material {
        name: "近期免冠照片".into(),
        source: MaterialSource::Applicant,
        licence_type: None,
        required: true,
        form: MaterialForm::Original,
        note: None,
        original_count: 1,
        copy_count: 0,
    });
    assert_eq!(
        described(&old, &new),
        [
            "申请材料删除“监护人居民身份证”",
            "申请材料新增“近期免冠照片”",
            "申请材料“《居民身份证申领登记表》”的是否必要由“是”改为“否”",
            "申请材料“《居民身份证申领登记表》”的备注删除“可网上预填，现场签字确认”",
        ]
    );
}

#[test]
fn structured_elements_report_their_fields() {
    let old = first();
    let mut new = old.clone();
    if let Some(fee) = new.fee.as_mut() {
        fee.amount_note = Some("40元/证".into());
    }
    if let Some(result) = new.result.as_mut() {
        result.licence_type = None;
    }
    if let Some(record) = new.optimization.as_mut() {
        record.after.days = 7;
    }
    new.faqs.remove(0);
    new.faqs[0].a = "可以。".into();
    new.process = Some(vec!["申请".into(), "受理".into(), "办结".into()]);
    assert_eq!(
        described(&old, &new),
        [
            "收费标准由“20元/证”改为“40元/证”",
            "结果证照类型删除“居民身份证”",
            "四减两免（改革后时限）由“10”改为“7”",
            "常见问题删除“未满十六周岁可以办身份证吗？”",
            "常见问题“办好后可以邮寄吗？”的答复由“可以，申领时选择邮寄送达即可。”改为“可以。”",
            "办理流程由“按事项类型的标准流程”改为“申请→受理→办结”",
        ]
    );
    let mut without_fee = old.clone();
    without_fee.fee = None;
    assert_eq!(described(&old, &without_fee), ["收费删除“收费（20元/证）”"]);
}

/// Changes one element of an item in place.
type Mutation = fn(&mut ServiceItem);

#[test]
fn every_element_is_compared() {
    let old = first();
    let mutations: Vec<(&str, Mutation)> = vec![
        ("事项编码", |i| {
            i.code = ItemCode::parse("HN-GG-09999").unwrap()
        }),
        ("基本编码", |i| {
            i.basic_code = "462009999000".parse().unwrap()
        }),
        ("事项名称", |i| i.name.push('甲')),
        ("事项类型", |i| i.item_type = ItemType::Confirmation),
        ("常用称呼", |i| i.aliases.clear()),
        ("实施主体", |i| i.department.push('甲')),
        ("主项名称", |i| i.main_item = Some("甲".into())),
        ("行使层级", |i| i.levels.clear()),
        ("服务对象", |i| i.targets.push(Target::LegalPerson)),
        ("设定依据", |i| i.basis.clear()),
        ("受理条件", |i| {
            i.conditions.pop().map(drop).unwrap_or_default()
        }),
        ("申请材料", |i| i.materials.clear()),
        ("法定办结时限", |i| i.legal_days = Some(1)),
        ("承诺办结时限", |i| i.promised_days = None),
        ("到办事现场次数", |i| i.on_site_visits = Some(2)),
        ("必须到现场原因", |i| i.on_site_reason = None),
        ("办理形式", |i| i.modes.clear()),
        ("网上办理深度", |i| i.online_depth = None),
        ("是否收费", |i| i.fee.as_mut().unwrap().charged = false),
        ("结果名称", |i| {
            i.result.as_mut().unwrap().name.push('甲')
        }),
        ("高频事项", |i| i.high_frequency = false),
        ("年办件量", |i| i.yearly_volume += 1),
        ("通办范围", |i| i.cross_region.clear()),
        ("四减两免", |i| i.optimization = None),
        ("可秒批", |i| i.auto_approvable = true),
        ("常见问题", |i| i.faqs.clear()),
        ("服务主题", |i| i.themes.clear()),
        ("办理流程", |i| i.process = Some(Vec::new())),
        ("来源编码", |i| i.source_code = Some("S1".into())),
    ];
    for (label, mutate) in mutations {
        let mut new = old.clone();
        mutate(&mut new);
        let changes = diff_items(&old, &new);
        assert!(!changes.is_empty(), "{label}");
        assert!(
            changes.iter().all(|c| c.element.starts_with(label)),
            "{label}: {changes:?}"
        );
    }
}

#[test]
fn changes_serialise_for_the_api() {
    let old = first();
    let mut new = old.clone();
    new.aliases.push("身份证".into());
    let json = serde_json::to_string(&diff_items(&old, &new)).unwrap();
    assert_eq!(
        json,
        r#"[{"element":"常用称呼","change":"added","before":null,"after":"身份证"}]"#
    );
    let back: Vec<ElementChange> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, diff_items(&old, &new));
}
