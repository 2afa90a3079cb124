//! The exchange formats: JSON and CSV round trips, the Sichuan list, and errors that say in
//! Chinese where a file is wrong.

use std::collections::{BTreeMap, HashSet};
use zerotrip_core::catalog::*;
use zerotrip_core::ids::BasicCode;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");
const LICENCE_TYPES: &str = include_str!("../../../data/demo/licence-types.json");
const SICHUAN: &str = include_str!("../../../data/samples/service-items-sichuan-guangan.csv");

const SICHUAN_HEADER: &str =
    "name,department,main_item,task_type_code,task_type,item_code,area_code,source_url";

fn items() -> Vec<ServiceItem> {
    parse_catalog_json(CATALOG).unwrap()
}

fn json_error(text: &str) -> String {
    parse_catalog_json(text).unwrap_err().to_string()
}

fn csv_error(text: &str) -> String {
    parse_catalog_csv(text, &mut SequentialAllocator::new())
        .unwrap_err()
        .to_string()
}

/// The first two demo items as exported, for editing into broken files.
fn two_items() -> String {
    catalog_to_json(&items()[..2])
}

#[test]
fn json_round_trip_is_byte_identical() {
    let items = items();
    let text = catalog_to_json(&items);
    let again = parse_catalog_json(&text).unwrap();
    assert_eq!(again, items);
    assert_eq!(catalog_to_json(&again), text);
    assert!(text.starts_with("[\n  {\n    \"code\": \"HN-GG-00001\",\n"));
    assert!(text.contains("\"name\": \"居民身份证首次申领\""));
    assert!(!text.contains("\\u"), "non-ASCII is written as is");
    assert!(text.ends_with("]\n"));
}

#[test]
fn csv_round_trip_keeps_every_item_equal() {
    let items = items();
    let text = catalog_to_csv(&items);
    assert!(text.starts_with('\u{feff}'), "Excel needs the BOM");
    let again = parse_catalog_csv(&text, &mut SequentialAllocator::new()).unwrap();
    assert_eq!(again.len(), items.len());
    for (read, original) in again.iter().zip(&items) {
        assert_eq!(read, original, "{}", original.code);
    }
}

#[test]
fn csv_export_has_chinese_headers_and_readable_cells() {
    let text = catalog_to_csv(&items()[..1]);
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "事项编码,基本编码,事项名称,事项类型,常用称呼,实施主体,主项名称,行使层级,服务对象,设定依据,受理条件,申请材料,法定办结时限,承诺办结时限,到办事现场次数,必须到现场原因,办理形式,网上办理深度,收费,办理结果,高频事项,年办件量,通办范围,四减两免,可秒批,常见问题,服务主题,办理流程,来源编码"
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(
        "HN-GG-00001,462000001000,居民身份证首次申领,公共服务,第一次办身份证；办身份证；小孩办身份证,公安机关,,市县级；乡镇（街道）,自然人,"
    ));
    assert!(row.contains(",掌上办；窗口办,Ⅲ级 在线预审,"));
}

#[test]
fn list_entries_containing_the_separator_survive_csv() {
    let items = items();
    let item = items
        .iter()
        .find(|i| i.code.as_str() == "HN-XK-00014")
        .unwrap();
    assert!(item.conditions.iter().any(|c| c.contains('；')));
    let again = parse_catalog_csv(
        &catalog_to_csv(std::slice::from_ref(item)),
        &mut SequentialAllocator::new(),
    )
    .unwrap();
    assert_eq!(again[0].conditions, item.conditions);
}

#[test]
fn hand_written_csv_rows_get_codes_from_the_allocator() {
    let text = "事项名称,事项类型,实施主体,承诺办结时限\n新增事项,行政许可,市场监督管理部门,5\n";
    let mut codes = SequentialAllocator::after(&items());
    let read = parse_catalog_csv(text, &mut codes).unwrap();
    assert_eq!(read[0].code.as_str(), "HN-XK-00062");
    assert_eq!(read[0].basic_code.as_str(), "460100062000");
    assert_eq!(read[0].promised_days, Some(5));
    assert_eq!(read[0].legal_days, None);
}

#[test]
fn sichuan_list_imports_every_row() {
    let mut codes = SequentialAllocator::new();
    let items = parse_catalog_csv(SICHUAN, &mut codes).unwrap();
    assert_eq!(items.len(), 1135);
    let mut by_type = BTreeMap::new();
    for item in &items {
        *by_type.entry(item.item_type.label()).or_insert(0) += 1;
    }
    let expected = [
        ("行政许可", 536),
        ("公共服务", 348),
        ("其他行政权力", 182),
        ("行政确认", 50),
        ("行政给付", 9),
        ("行政裁决", 8),
        ("行政奖励", 2),
    ];
    assert_eq!(by_type, expected.into_iter().collect::<BTreeMap<_, _>>());
    let first = &items[0];
    assert_eq!(first.name, "企业投资项目备案（技术改造）（市级/县级）");
    assert_eq!(first.department, "经信局");
    assert_eq!(first.item_type, ItemType::OtherPower);
    assert_eq!(first.code.as_str(), "HN-QT-00001");
    assert_eq!(first.basic_code.as_str(), "461000001000");
    assert_eq!(
        first.source_code.as_deref(),
        Some("511Z07001006-511602000000-000-11511301008778183N-1-00")
    );
    assert!(items.iter().all(|i| !i.department.starts_with('区')));
    assert!(items.iter().any(|i| i.department == "税务局"));
    let sources: HashSet<_> = items
        .iter()
        .map(|i| i.source_code.clone().unwrap())
        .collect();
    assert_eq!(sources.len(), 1135);
    // What the list does not say stays unset, and the quality check asks for it.
    let rules: HashSet<String> = check_item(first, &QualityContext::default())
        .into_iter()
        .map(|f| f.rule)
        .collect();
    for rule in [
        "legal-days-required",
        "visits-required",
        "fee-required",
        "basis-required",
    ] {
        assert!(rules.contains(rule), "{rule}");
    }
}

#[test]
fn reimporting_a_list_reuses_the_codes_of_its_source_items() {
    let mut codes = SequentialAllocator::new();
    let first = parse_catalog_csv(SICHUAN, &mut codes).unwrap();
    let second = parse_catalog_csv(SICHUAN, &mut codes).unwrap();
    assert_eq!(first, second);
}

#[test]
fn json_unknown_value_names_line_item_and_element() {
    let text = two_items().replacen("\"申请人自备\"", "\"自备\"", 1);
    assert_eq!(
        json_error(&text),
        "第 37 行，第 1 条事项（HN-GG-00001）“申请材料[2].来源渠道”：未知取值“自备”，应为 申请人自备、政府部门核发、中介机构出具"
    );
}

#[test]
fn json_unknown_element_is_rejected() {
    let text = two_items().replacen("\"legal_days\"", "\"legal_dayz\"", 1);
    assert_eq!(
        json_error(&text),
        "第 52 行，第 1 条事项（HN-GG-00001）“legal_dayz”：未知要素“legal_dayz”，应为 code、basic_code、name、item_type、aliases、department、main_item、levels、targets、basis、conditions、materials、legal_days、promised_days、on_site_visits、on_site_reason、modes、online_depth、fee、result、high_frequency、yearly_volume、cross_region、optimization、auto_approvable、faqs、themes、process、source_code"
    );
}

#[test]
fn json_type_and_missing_element_errors() {
    let text = two_items().replacen("\"promised_days\": 10", "\"promised_days\": \"十\"", 1);
    assert_eq!(
        json_error(&text),
        "第 53 行，第 1 条事项（HN-GG-00001）“承诺办结时限”：类型不符：应为非负整数，实际为文本“十”"
    );
    let text = two_items().replacen("      \"source\": \"政府部门核发\",\n", "", 1);
    assert_eq!(
        json_error(&text),
        "第 33 行，第 1 条事项（HN-GG-00001）“申请材料[1].来源渠道”：缺少此必填要素"
    );
    let text = two_items().replacen("\"online_depth\": 3", "\"online_depth\": 7", 1);
    assert_eq!(
        json_error(&text),
        "第 60 行，第 1 条事项（HN-GG-00001）“网上办理深度”：网上办理深度应为 1–4，实际为 7"
    );
}

#[test]
fn json_reports_every_bad_item_not_just_the_first() {
    let text = two_items()
        .replacen("\"promised_days\": 10", "\"promised_days\": -1", 1)
        .replacen("\"item_type\": \"公共服务\"", "\"item_type\": \"服务\"", 2);
    let errors = parse_catalog_json(&text).unwrap_err();
    let records: Vec<_> = errors.iter().map(|e| e.record).collect();
    assert_eq!(records, [Some(1), Some(2)]);
    assert_eq!(errors.errors[1].code.as_deref(), Some("HN-GG-00002"));
}

#[test]
fn json_syntax_errors_name_the_line() {
    assert_eq!(
        json_error("[\n  {\"code\": \"HN-GG-00001\",\n   \"name\" \"x\"}\n]"),
        "第 3 行：JSON 语法错误（第 11 列）：缺少冒号“:”"
    );
    assert_eq!(
        json_error("[\n  {\"code\": \"HN-GG-00001\"},\n]"),
        "第 3 行：JSON 语法错误（第 1 列）：多余的逗号"
    );
    assert_eq!(
        json_error("{\"code\": \"HN-GG-00001\"}"),
        "第 1 行：目录文件应为事项列表（以“[”开头的 JSON 数组）"
    );
    assert_eq!(json_error("  "), "文件为空");
}

#[test]
fn json_duplicate_codes_name_both_items() {
    let text = two_items().replacen("\"HN-GG-00002\"", "\"HN-GG-00001\"", 1);
    assert_eq!(
        json_error(&text),
        "第 106 行，第 2 条事项（HN-GG-00001）“事项编码”：与第 1 条事项（HN-GG-00001，第 2 行）的事项编码重复"
    );
    let text = two_items().replacen("\"462000002000\"", "\"462000001000\"", 1);
    assert_eq!(
        json_error(&text),
        "第 106 行，第 2 条事项（HN-GG-00002）“基本编码”：“462000001000”与第 1 条事项（HN-GG-00001，第 2 行）的基本编码重复"
    );
}

#[test]
fn json_accepts_a_byte_order_mark() {
    let text = format!("\u{feff}{}", two_items());
    assert_eq!(parse_catalog_json(&text).unwrap().len(), 2);
}

#[test]
fn sichuan_row_errors_name_line_and_column() {
    let text = format!(
        "{SICHUAN_HEADER}\n\
         企业投资项目备案,区经信局,,99,其他行政权力,511Z07001006,511602000000,http://x\n\
         ,区经信局,,10,其他行政权力,511Z07001007,511602000000,http://x\n\
         学生资助政策咨询,区教科体局,,1,公共服务,512C0053300008,511602000000,http://x\n"
    );
    assert_eq!(
        csv_error(&text),
        "第 2 行，事项（511Z07001006）“事项类型编码”：未知取值“99”，应为 1–10 或 20\n\
         第 3 行，事项（511Z07001007）“事项名称”：不能为空\n\
         第 4 行，事项（512C0053300008）“事项类型”：“公共服务”与事项类型编码 1（行政许可）不一致"
    );
}

#[test]
fn unknown_header_lists_the_expected_columns() {
    assert_eq!(
        csv_error("名称,类型\n甲,乙\n"),
        "第 1 行“表头”：无法识别的列“名称”“类型”。应为四川事项清单格式：name,department,main_item,task_type_code,task_type,item_code,area_code,source_url；或本系统导出格式：事项编码,基本编码,事项名称,事项类型,常用称呼,实施主体,主项名称,行使层级,服务对象,设定依据,受理条件,申请材料,法定办结时限,承诺办结时限,到办事现场次数,必须到现场原因,办理形式,网上办理深度,收费,办理结果,高频事项,年办件量,通办范围,四减两免,可秒批,常见问题,服务主题,办理流程,来源编码（至少含 事项名称、事项类型）"
    );
    assert_eq!(csv_error(""), "文件为空，缺少表头");
}

#[test]
fn own_csv_cell_errors_use_element_labels() {
    let text = "事项编码,基本编码,事项名称,事项类型,承诺办结时限,申请材料,办理形式\n\
        HN-GG-00001,462000001000,甲,公共服务,十,\"[{\"\"name\"\":\"\"x\"\",\"\"source\"\":\"\"自备\"\"}]\",网上办\n\
        HN-GG-00002,,乙,公共服务,,,\n";
    assert_eq!(
        csv_error(text),
        "第 2 行，事项（HN-GG-00001）“申请材料[1].来源渠道”：未知取值“自备”，应为 申请人自备、政府部门核发、中介机构出具\n\
         第 2 行，事项（HN-GG-00001）“承诺办结时限”：应为非负整数，实际为“十”\n\
         第 2 行，事项（HN-GG-00001）“办理形式”：未知取值“网上办”，应为 全流程网上办、掌上办、自助办、主动办、帮办代办、窗口办、快递办\n\
         第 3 行，事项（HN-GG-00002）“基本编码”：事项编码与基本编码须同时填写，或同时留空由系统分配"
    );
}

#[test]
fn csv_row_errors_are_capped_and_counted() {
    let mut text = format!("{SICHUAN_HEADER}\n");
    for row in 0..150 {
        text.push_str(&format!("事项{row},区民政局,,42,,S{row},511602000000,u\n"));
    }
    let errors = parse_catalog_csv(&text, &mut SequentialAllocator::new()).unwrap_err();
    assert_eq!(errors.errors.len(), MAX_REPORTED_ERRORS);
    assert_eq!(errors.omitted, 50);
    assert_eq!(errors.errors[99].line, Some(101));
    assert!(errors.to_string().ends_with("另有 50 处错误未列出"));
}

#[test]
fn a_failed_import_uses_up_no_codes() {
    let text = format!(
        "{SICHUAN_HEADER}\n甲,区民政局,,20,,S1,511602000000,u\n乙,区民政局,,42,,S2,511602000000,u\n"
    );
    let mut allocated = 0;
    let mut counting = |item_type: ItemType, _: Option<&str>| {
        allocated += 1;
        let code = ItemCode::parse(&format!("HN-{}-{allocated:05}", item_type.tag())).unwrap();
        Ok((
            code,
            BasicCode::new("46", item_type.code(), allocated, 0).unwrap(),
        ))
    };
    assert!(parse_catalog_csv(&text, &mut counting).is_err());
    assert_eq!(allocated, 0);
}

#[test]
fn allocator_failures_are_row_errors() {
    let text = format!("{SICHUAN_HEADER}\n甲,区民政局,,20,,S1,511602000000,u\n");
    let mut refusing = |_: ItemType, _: Option<&str>| -> Result<(ItemCode, BasicCode), String> {
        Err("编号已用尽".into())
    };
    assert_eq!(
        parse_catalog_csv(&text, &mut refusing)
            .unwrap_err()
            .to_string(),
        "第 2 行，事项（S1）“事项编码”：编号已用尽"
    );
}

#[test]
fn import_errors_are_std_errors() {
    fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    is_error(&parse_catalog_json("[").unwrap_err());
}

#[test]
fn generated_catalogue_is_fresh_and_clean() {
    let base = items();
    let generated = generate_catalog(&base, 3);
    assert_eq!(generated.len(), base.len() * 3);
    let mut codes = HashSet::new();
    let mut basic_codes = HashSet::new();
    for item in base.iter().chain(&generated) {
        assert!(codes.insert(item.code.clone()), "{}", item.code);
        assert!(
            basic_codes.insert(item.basic_code.clone()),
            "{}",
            item.basic_code
        );
    }
    assert_eq!(generated[0].name, "居民身份证首次申领（样本1）");
    assert_eq!(generated[0].code.as_str(), "HN-GG-00080");
    let types: Vec<LicenceType> = serde_json::from_str(LICENCE_TYPES).unwrap();
    let context = QualityContext::with_licence_types(&types);
    for item in &generated {
        assert_eq!(check_item(item, &context), [], "{}", item.code);
    }
    let mut all = base.clone();
    all.extend(generated);
    assert_eq!(parse_catalog_json(&catalog_to_json(&all)).unwrap(), all);
}
