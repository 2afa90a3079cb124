//! Reading a catalogue CSV: the header decides the format, every row is read and checked, and
//! only a file without errors gets codes.

use super::codes::CodeAllocator;
use super::csv_cells::CellError;
use super::csv_own::{Draft, OwnColumns, read_own_row};
use super::csv_sichuan::{SICHUAN_COLUMNS, SichuanColumns, read_sichuan_row};
use super::errors::{ImportError, ImportErrors};
use super::uniqueness::{Located, check_unique};
use crate::catalog::csv_text::BOM;
use crate::catalog::item::ServiceItem;
use crate::catalog::labels::ITEM_ELEMENTS;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The formats a catalogue CSV may be in.
enum Format {
    Sichuan(SichuanColumns),
    Own(OwnColumns),
}

impl Format {
    /// Picks the format from the header row.
    fn detect(header: &[&str]) -> Result<Format, ImportError> {
        if let Some(columns) = SichuanColumns::detect(header) {
            return Ok(Format::Sichuan(columns));
        }
        let unknown = match OwnColumns::detect(header) {
            Ok(columns) => return Ok(Format::Own(columns)),
            Err(unknown) => unknown,
        };
        let sichuan: Vec<&str> = SICHUAN_COLUMNS.iter().map(|(key, _)| *key).collect();
        let own: Vec<&str> = ITEM_ELEMENTS.iter().map(|(_, label)| *label).collect();
        let problem = if unknown.is_empty() {
            "缺少“事项名称”或“事项类型”列".to_string()
        } else {
            format!("无法识别的列“{}”", unknown.join("”“"))
        };
        Err(ImportError::at_line(
            Some(1),
            "表头",
            format!(
                "{problem}。应为四川事项清单格式：{}；或本系统导出格式：{}（至少含 事项名称、事项类型）",
                sichuan.join(","),
                own.join(",")
            ),
        ))
    }

    fn read(&self, record: &csv::StringRecord, line: usize) -> Result<Draft, Vec<CellError>> {
        match self {
            Format::Sichuan(columns) => read_sichuan_row(columns, record, line),
            Format::Own(columns) => read_own_row(columns, record, line),
        }
    }

    /// The code a row names, to identify it in errors.
    fn row_code(&self, header: &[&str], record: &csv::StringRecord) -> Option<String> {
        let column = match self {
            Format::Sichuan(_) => "item_code",
            Format::Own(_) => "事项编码",
        };
        let index = header.iter().position(|h| *h == column)?;
        record
            .get(index)
            .map(str::trim)
            .filter(|code| !code.is_empty())
            .map(str::to_string)
    }
}

/// Reads a catalogue CSV in the Sichuan list format or our own export format, chosen by the
/// header. Every row is checked and all problems are reported (up to
/// [`MAX_REPORTED_ERRORS`](super::MAX_REPORTED_ERRORS)); rows without codes get them from
/// `codes` only when the whole file is clean.
pub fn parse_catalog_csv(
    text: &str,
    codes: &mut dyn CodeAllocator,
) -> Result<Vec<ServiceItem>, ImportErrors> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            return Err(ImportErrors::one(ImportError::at_line(
                None,
                "",
                "文件为空，缺少表头",
            )));
        }
        Some(Err(error)) => return Err(ImportErrors::one(csv_error(&error))),
        Some(Ok(header)) => header,
    };
    let header: Vec<&str> = header.iter().map(str::trim).collect();
    let format = Format::detect(&header).map_err(ImportErrors::one)?;
    let mut errors = ImportErrors::default();
    let mut drafts = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(csv_error(&error));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let code = format.row_code(&header, &record);
        if record.len() != header.len() {
            errors.push(ImportError {
                code,
                ..ImportError::at_line(
                    Some(line),
                    "",
                    format!("本行有 {} 列，表头有 {} 列", record.len(), header.len()),
                )
            });
            continue;
        }
        match format.read(&record, line) {
            Ok(draft) => drafts.push(draft),
            Err(cells) => {
                for cell in cells {
                    errors.push(ImportError {
                        line: Some(line),
                        record: None,
                        code: code.clone(),
                        field: cell.field,
                        message: cell.message,
                    });
                }
            }
        }
    }
    for error in duplicate_sources(&drafts) {
        errors.push(error);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let items = allocate(drafts, codes)?;
    for error in check_unique(&items) {
        errors.push(error);
    }
    errors.into_result(|| items.into_iter().map(|located| located.item).collect())
}

/// Two rows to be given codes from the same source item would get the same codes.
fn duplicate_sources(drafts: &[Draft]) -> Vec<ImportError> {
    let mut first_line = HashMap::new();
    let mut errors = Vec::new();
    for draft in drafts.iter().filter(|d| d.codes.is_none()) {
        let Some(source) = &draft.source_code else {
            continue;
        };
        match first_line.entry(source.as_str()) {
            Entry::Occupied(first) => errors.push(ImportError {
                code: Some(source.clone()),
                ..ImportError::at_line(
                    Some(draft.line),
                    "来源编码",
                    format!("与第 {} 行的来源编码重复", first.get()),
                )
            }),
            Entry::Vacant(slot) => {
                slot.insert(draft.line);
            }
        }
    }
    errors
}

fn allocate(
    drafts: Vec<Draft>,
    codes: &mut dyn CodeAllocator,
) -> Result<Vec<Located>, ImportErrors> {
    let mut errors = ImportErrors::default();
    let mut items = Vec::with_capacity(drafts.len());
    for draft in drafts {
        let Draft {
            line,
            item_type,
            source_code,
            codes: given,
            finish,
        } = draft;
        let allocated = match given {
            Some(given) => Ok(given),
            None => codes.allocate(item_type, source_code.as_deref()),
        };
        match allocated {
            Ok((code, basic_code)) => items.push(Located {
                item: finish(code, basic_code),
                line,
                record: None,
            }),
            Err(message) => errors.push(ImportError {
                code: source_code,
                ..ImportError::at_line(Some(line), "事项编码", message)
            }),
        }
    }
    errors.into_result(|| items)
}

fn csv_error(error: &csv::Error) -> ImportError {
    let line = error.position().map(|p| p.line() as usize);
    ImportError::at_line(line, "", format!("CSV 格式错误：{error}"))
}
