//! Our own CSV format: one row per item, one column per element, headed by the elements'
//! Chinese labels (see [`ITEM_ELEMENTS`]), so a catalogue can be reviewed and edited in a
//! spreadsheet and imported again.

use super::csv_cells::{
    CellError, CellResult, cell_error, read_bool, read_json, read_labels, read_list, read_number,
    read_optional_text, read_volume, write_bool, write_json, write_labels, write_list,
    write_number,
};
use crate::catalog::csv_text::{BOM, push_record};
use crate::catalog::elements::{
    CrossRegion, ItemType, Mode, OnlineDepth, ServiceLevel, Target, Theme,
};
use crate::catalog::item::{ItemCode, ServiceItem};
use crate::catalog::labels::ITEM_ELEMENTS;
use crate::ids::BasicCode;
use std::collections::HashMap;

/// The catalogue in our CSV format (UTF-8 with a BOM so Excel reads the Chinese correctly),
/// items in the given order.
pub fn catalog_to_csv(items: &[ServiceItem]) -> String {
    let mut out = String::new();
    out.push(BOM);
    let header: Vec<&str> = ITEM_ELEMENTS.iter().map(|(_, label)| *label).collect();
    push_record(&mut out, &header);
    for item in items {
        push_record(&mut out, &item_cells(item));
    }
    out
}

/// The cells of one item, in [`ITEM_ELEMENTS`] order.
fn item_cells(item: &ServiceItem) -> Vec<String> {
    // Destructured without `..`, so a new element cannot be forgotten here.
    let ServiceItem {
        code,
        basic_code,
        name,
        item_type,
        aliases,
        department,
        main_item,
        levels,
        targets,
        basis,
        conditions,
        materials,
        legal_days,
        promised_days,
        on_site_visits,
        on_site_reason,
        modes,
        online_depth,
        fee,
        result,
        high_frequency,
        yearly_volume,
        cross_region,
        optimization,
        auto_approvable,
        faqs,
        themes,
        process,
        source_code,
    } = item;
    let optional_json = |present: bool, json: String| if present { json } else { String::new() };
    vec![
        code.to_string(),
        basic_code.to_string(),
        name.clone(),
        item_type.to_string(),
        write_list(aliases),
        department.clone(),
        main_item.clone().unwrap_or_default(),
        write_labels(levels),
        write_labels(targets),
        basis.clone(),
        write_list(conditions),
        optional_json(!materials.is_empty(), write_json(materials)),
        write_number(*legal_days),
        write_number(*promised_days),
        write_number(*on_site_visits),
        on_site_reason.clone().unwrap_or_default(),
        write_labels(modes),
        online_depth
            .map(|d| d.label().to_string())
            .unwrap_or_default(),
        optional_json(fee.is_some(), write_json(fee)),
        optional_json(result.is_some(), write_json(result)),
        write_bool(*high_frequency),
        yearly_volume.to_string(),
        write_labels(cross_region),
        optional_json(optimization.is_some(), write_json(optimization)),
        write_bool(*auto_approvable),
        optional_json(!faqs.is_empty(), write_json(faqs)),
        write_labels(themes),
        match process {
            Some(steps) if steps.is_empty() => "[]".to_string(),
            Some(steps) => write_list(steps),
            None => String::new(),
        },
        source_code.clone().unwrap_or_default(),
    ]
}

/// A row read from a file, waiting for its codes: they are allocated only once every row has
/// been read without error, so a rejected file uses up no codes.
pub(crate) struct Draft {
    pub line: usize,
    pub item_type: ItemType,
    pub source_code: Option<String>,
    /// Codes given in the file, if any.
    pub codes: Option<(ItemCode, BasicCode)>,
    pub finish: Box<dyn FnOnce(ItemCode, BasicCode) -> ServiceItem>,
}

/// The columns of a file in our format: element key → column index.
pub(crate) struct OwnColumns(HashMap<&'static str, usize>);

impl OwnColumns {
    /// Recognises a header of our format: known labels only, each once, with at least the
    /// name and the type. Returns the labels it does not know otherwise.
    pub(crate) fn detect(header: &[&str]) -> Result<Self, Vec<String>> {
        let mut columns = HashMap::new();
        let mut unknown = Vec::new();
        for (index, label) in header.iter().enumerate() {
            match ITEM_ELEMENTS.iter().find(|(_, l)| l == label) {
                Some((key, _)) if !columns.contains_key(key) => {
                    columns.insert(*key, index);
                }
                _ => unknown.push((*label).to_string()),
            }
        }
        let complete = columns.contains_key("name") && columns.contains_key("item_type");
        if unknown.is_empty() && complete {
            Ok(OwnColumns(columns))
        } else {
            Err(unknown)
        }
    }

    fn cell<'r>(&self, record: &'r csv::StringRecord, key: &str) -> &'r str {
        self.0
            .get(key)
            .and_then(|index| record.get(*index))
            .unwrap_or_default()
    }
}

/// Keeps the value or records the error and carries on with a default, so one row reports all
/// of its bad cells.
fn keep<T: Default>(errors: &mut Vec<CellError>, result: CellResult<T>) -> T {
    result.unwrap_or_else(|error| {
        errors.push(error);
        T::default()
    })
}

fn read_item_type(cell: &str) -> CellResult<ItemType> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(cell_error("item_type", "不能为空"));
    }
    ItemType::from_label(cell)
        .or_else(|| ItemType::from_code(cell))
        .ok_or_else(|| {
            cell_error(
                "item_type",
                format!("未知取值“{cell}”，应为 {}", ItemType::expected()),
            )
        })
}

fn read_online_depth(cell: &str) -> CellResult<Option<OnlineDepth>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let by_level = cell
        .parse::<u8>()
        .ok()
        .and_then(|n| OnlineDepth::try_from(n).ok());
    let by_label = OnlineDepth::ALL.iter().copied().find(|d| d.label() == cell);
    by_level.or(by_label).map(Some).ok_or_else(|| {
        let labels: Vec<&str> = OnlineDepth::ALL.iter().map(|d| d.label()).collect();
        cell_error(
            "online_depth",
            format!("未知取值“{cell}”，应为 1–4 或 {}", labels.join("、")),
        )
    })
}

fn read_codes(code: &str, basic: &str) -> CellResult<Option<(ItemCode, BasicCode)>> {
    match (code.trim().is_empty(), basic.trim().is_empty()) {
        (true, true) => Ok(None),
        (false, false) => {
            let code = ItemCode::parse(code).map_err(|e| cell_error("code", e.to_string()))?;
            let basic =
                BasicCode::parse(basic).map_err(|e| cell_error("basic_code", e.to_string()))?;
            Ok(Some((code, basic)))
        }
        _ => Err(cell_error(
            if code.trim().is_empty() {
                "code"
            } else {
                "basic_code"
            },
            "事项编码与基本编码须同时填写，或同时留空由系统分配",
        )),
    }
}

/// Reads one row of our format, reporting every bad cell.
pub(crate) fn read_own_row(
    columns: &OwnColumns,
    record: &csv::StringRecord,
    line: usize,
) -> Result<Draft, Vec<CellError>> {
    let cell = |key| columns.cell(record, key);
    let mut errors = Vec::new();
    let codes = keep(&mut errors, read_codes(cell("code"), cell("basic_code")));
    let name = cell("name").to_string();
    if name.trim().is_empty() {
        errors.push(cell_error("name", "不能为空"));
    }
    let item_type = read_item_type(cell("item_type"))
        .map_err(|e| errors.push(e))
        .ok();
    let aliases = keep(&mut errors, read_list("aliases", cell("aliases")));
    let department = cell("department").to_string();
    let main_item = read_optional_text(cell("main_item"));
    let levels = keep(
        &mut errors,
        read_labels(
            "levels",
            cell("levels"),
            ServiceLevel::from_label,
            ServiceLevel::expected,
        ),
    );
    let targets = keep(
        &mut errors,
        read_labels(
            "targets",
            cell("targets"),
            Target::from_label,
            Target::expected,
        ),
    );
    let basis = cell("basis").to_string();
    let conditions = keep(&mut errors, read_list("conditions", cell("conditions")));
    let materials = keep(&mut errors, read_json("materials", cell("materials")));
    let legal_days = keep(&mut errors, read_number("legal_days", cell("legal_days")));
    let promised_days = keep(
        &mut errors,
        read_number("promised_days", cell("promised_days")),
    );
    let on_site_visits = keep(
        &mut errors,
        read_number("on_site_visits", cell("on_site_visits")),
    );
    let on_site_reason = read_optional_text(cell("on_site_reason"));
    let modes = keep(
        &mut errors,
        read_labels("modes", cell("modes"), Mode::from_label, Mode::expected),
    );
    let online_depth = keep(&mut errors, read_online_depth(cell("online_depth")));
    let fee = keep(&mut errors, read_json("fee", cell("fee")));
    let result = keep(&mut errors, read_json("result", cell("result")));
    let high_frequency = keep(
        &mut errors,
        read_bool("high_frequency", cell("high_frequency")),
    );
    let yearly_volume = keep(
        &mut errors,
        read_volume("yearly_volume", cell("yearly_volume")),
    );
    let cross_region = keep(
        &mut errors,
        read_labels(
            "cross_region",
            cell("cross_region"),
            CrossRegion::from_label,
            CrossRegion::expected,
        ),
    );
    let optimization = keep(&mut errors, read_json("optimization", cell("optimization")));
    let auto_approvable = keep(
        &mut errors,
        read_bool("auto_approvable", cell("auto_approvable")),
    );
    let faqs = keep(&mut errors, read_json("faqs", cell("faqs")));
    let themes = keep(
        &mut errors,
        read_labels("themes", cell("themes"), Theme::from_label, Theme::expected),
    );
    let process = match cell("process").trim() {
        "" => None,
        "[]" => Some(Vec::new()),
        text => Some(keep(&mut errors, read_list("process", text))),
    };
    let source_code = read_optional_text(cell("source_code"));
    let Some(item_type) = item_type.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Draft {
        line,
        item_type,
        source_code: source_code.clone(),
        codes,
        finish: Box::new(move |code, basic_code| ServiceItem {
            code,
            basic_code,
            name,
            item_type,
            aliases,
            department,
            main_item,
            levels,
            targets,
            basis,
            conditions,
            materials,
            legal_days,
            promised_days,
            on_site_visits,
            on_site_reason,
            modes,
            online_depth,
            fee,
            result,
            high_frequency,
            yearly_volume,
            cross_region,
            optimization,
            auto_approvable,
            faqs,
            themes,
            process,
            source_code,
        }),
    })
}
