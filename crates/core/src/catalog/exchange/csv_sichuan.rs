//! The Sichuan list format (四川政务服务网, one district's items): name, department and type
//! only. Elements the list does not carry stay unset, so the quality check asks for them
//! instead of the import inventing them.

use super::csv_cells::CellError;
use super::csv_own::Draft;
use crate::catalog::elements::ItemType;
use crate::catalog::item::ServiceItem;
use crate::ids::DivisionCode;
use std::collections::HashMap;

/// The list's columns with the Chinese labels errors use.
pub(crate) const SICHUAN_COLUMNS: [(&str, &str); 8] = [
    ("name", "事项名称"),
    ("department", "实施部门"),
    ("main_item", "主项名称"),
    ("task_type_code", "事项类型编码"),
    ("task_type", "事项类型"),
    ("item_code", "实施编码"),
    ("area_code", "行政区划代码"),
    ("source_url", "来源链接"),
];

/// Column positions of a file in the Sichuan format.
pub(crate) struct SichuanColumns(HashMap<&'static str, usize>);

impl SichuanColumns {
    /// Recognises the header: exactly the list's eight columns, in any order.
    pub(crate) fn detect(header: &[&str]) -> Option<Self> {
        if header.len() != SICHUAN_COLUMNS.len() {
            return None;
        }
        let mut columns = HashMap::new();
        for (index, name) in header.iter().enumerate() {
            let (key, _) = SICHUAN_COLUMNS.iter().find(|(key, _)| key == name)?;
            columns.insert(*key, index);
        }
        (columns.len() == SICHUAN_COLUMNS.len()).then_some(SichuanColumns(columns))
    }

    fn cell<'r>(&self, record: &'r csv::StringRecord, key: &str) -> &'r str {
        self.0
            .get(key)
            .and_then(|index| record.get(*index))
            .map_or("", str::trim)
    }
}

fn error(key: &str, message: impl Into<String>) -> CellError {
    let label = SICHUAN_COLUMNS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| *label);
    CellError {
        field: label.to_string(),
        message: message.into(),
    }
}

/// The department kind a district's department text names: `区行政审批局` → `行政审批局`,
/// `广安区税务局` → `税务局`. Each region's department of that kind implements the item.
pub(crate) fn department_kind(text: &str) -> String {
    let text = text.trim();
    const LEVELS: [char; 3] = ['区', '市', '县'];
    if let Some(rest) = text.strip_prefix(LEVELS).filter(|rest| !rest.is_empty()) {
        return rest.to_string();
    }
    // A place name of two or three characters ending in 区/市/县 (广安区, 华蓥市).
    let position = text
        .char_indices()
        .skip(2)
        .take(2)
        .find(|(_, c)| LEVELS.contains(c));
    match position {
        Some((offset, level)) if text.len() > offset + level.len_utf8() => {
            text[offset + level.len_utf8()..].to_string()
        }
        _ => text.to_string(),
    }
}

/// The list's type codes: GB/T 39046 A.1 without its leading zero (1–10) and 20.
fn read_type(code: &str, label: &str) -> Result<ItemType, CellError> {
    let item_type = ItemType::from_code(code)
        .filter(|_| !code.is_empty())
        .ok_or_else(|| {
            error(
                "task_type_code",
                format!("未知取值“{code}”，应为 1–10 或 20"),
            )
        })?;
    if label.is_empty() {
        return Ok(item_type);
    }
    match ItemType::from_label(label) {
        Some(named) if named == item_type => Ok(item_type),
        Some(_) => Err(error(
            "task_type",
            format!("“{label}”与事项类型编码 {code}（{item_type}）不一致"),
        )),
        None => Err(error(
            "task_type",
            format!("未知取值“{label}”，应为 {}", ItemType::expected()),
        )),
    }
}

/// Reads one row of the Sichuan list, reporting every bad cell.
pub(crate) fn read_sichuan_row(
    columns: &SichuanColumns,
    record: &csv::StringRecord,
    line: usize,
) -> Result<Draft, Vec<CellError>> {
    let cell = |key| columns.cell(record, key);
    let mut errors = Vec::new();
    let name = cell("name").to_string();
    if name.is_empty() {
        errors.push(error("name", "不能为空"));
    }
    let item_type = read_type(cell("task_type_code"), cell("task_type"))
        .map_err(|e| errors.push(e))
        .ok();
    let area = cell("area_code");
    if !area.is_empty()
        && let Err(problem) = DivisionCode::parse(area)
    {
        errors.push(error("area_code", problem.to_string()));
    }
    let department = department_kind(cell("department"));
    let main_item = Some(cell("main_item").to_string()).filter(|m| !m.is_empty());
    let source_code = Some(cell("item_code").to_string()).filter(|c| !c.is_empty());
    let Some(item_type) = item_type.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Draft {
        line,
        item_type,
        source_code: source_code.clone(),
        codes: None,
        finish: Box::new(move |code, basic_code| ServiceItem {
            code,
            basic_code,
            name,
            item_type,
            aliases: Vec::new(),
            department,
            main_item,
            levels: Vec::new(),
            targets: Vec::new(),
            basis: String::new(),
            conditions: Vec::new(),
            materials: Vec::new(),
            legal_days: None,
            promised_days: None,
            on_site_visits: None,
            on_site_reason: None,
            modes: Vec::new(),
            online_depth: None,
            fee: None,
            result: None,
            high_frequency: false,
            yearly_volume: 0,
            cross_region: Vec::new(),
            optimization: None,
            auto_approvable: false,
            faqs: Vec::new(),
            themes: Vec::new(),
            process: None,
            source_code,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn department_text_becomes_its_kind() {
        assert_eq!(department_kind("区行政审批局"), "行政审批局");
        assert_eq!(department_kind("区市监局"), "市监局");
        assert_eq!(department_kind("广安区税务局"), "税务局");
        assert_eq!(department_kind("自然资源和规划局"), "自然资源和规划局");
        assert_eq!(department_kind("区"), "区");
    }
}
