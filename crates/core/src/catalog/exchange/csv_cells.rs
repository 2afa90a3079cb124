//! How element values are written to and read from the cells of our CSV export.
//!
//! Lists are joined with "；" so they read naturally in a spreadsheet; a list whose entries
//! would be ambiguous that way (an entry containing a separator, an empty entry, surrounding
//! spaces) is written as a JSON array instead, which reads back exactly. Structured elements
//! are compact JSON.

use super::json::describe_error;
use super::serde_messages::{bare_message, syntax_message};
use crate::catalog::labels::{PathStep, item_label};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Display;

/// The separator of list entries in a cell; the ASCII ";" is accepted on import too.
const SEPARATOR: &str = "；";

/// A cell that cannot be read: the element (label path) and what is wrong.
pub(crate) struct CellError {
    pub field: String,
    pub message: String,
}

pub(crate) type CellResult<T> = Result<T, CellError>;

/// Names the element a message is about.
pub(crate) fn cell_error(key: &str, message: impl Into<String>) -> CellError {
    CellError {
        field: item_label(key),
        message: message.into(),
    }
}

pub(crate) fn write_list<S: AsRef<str>>(entries: &[S]) -> String {
    let ambiguous = entries.iter().map(AsRef::as_ref).any(|entry| {
        entry.is_empty()
            || entry.contains([';', '；'])
            || entry.trim() != entry
            || entry.starts_with('[')
    });
    if ambiguous {
        write_json(&entries.iter().map(AsRef::as_ref).collect::<Vec<_>>())
    } else {
        entries
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(SEPARATOR)
    }
}

pub(crate) fn read_list(key: &str, cell: &str) -> CellResult<Vec<String>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(Vec::new());
    }
    if cell.starts_with('[') {
        return serde_json::from_str(cell)
            .map_err(|_| cell_error(key, "以“[”开头的列表须为 JSON 文本数组，如 [\"甲\",\"乙\"]"));
    }
    Ok(cell
        .split([';', '；'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(str::to_string)
        .collect())
}

pub(crate) fn write_labels<T: Display>(values: &[T]) -> String {
    write_list(&values.iter().map(ToString::to_string).collect::<Vec<_>>())
}

/// A list of values from a closed vocabulary, by their Chinese labels.
pub(crate) fn read_labels<T>(
    key: &str,
    cell: &str,
    from_label: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> CellResult<Vec<T>> {
    read_list(key, cell)?
        .iter()
        .map(|entry| {
            from_label(entry)
                .ok_or_else(|| cell_error(key, format!("未知取值“{entry}”，应为 {}", expected())))
        })
        .collect()
}

pub(crate) fn write_bool(value: bool) -> String {
    if value { "是" } else { "否" }.to_string()
}

/// 是/否; an empty cell is 否.
pub(crate) fn read_bool(key: &str, cell: &str) -> CellResult<bool> {
    match cell.trim() {
        "是" | "true" => Ok(true),
        "否" | "false" | "" => Ok(false),
        other => Err(cell_error(key, format!("应为“是”或“否”，实际为“{other}”"))),
    }
}

pub(crate) fn write_number(value: Option<u32>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A count or a number of days; an empty cell means "not given".
pub(crate) fn read_number(key: &str, cell: &str) -> CellResult<Option<u32>> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse()
        .map(Some)
        .map_err(|_| cell_error(key, format!("应为非负整数，实际为“{cell}”")))
}

pub(crate) fn read_volume(key: &str, cell: &str) -> CellResult<u64> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(0);
    }
    cell.parse()
        .map_err(|_| cell_error(key, format!("应为非负整数，实际为“{cell}”")))
}

/// Text that may be absent; an empty cell is absent.
pub(crate) fn read_optional_text(cell: &str) -> Option<String> {
    (!cell.trim().is_empty()).then(|| cell.to_string())
}

pub(crate) fn write_json<T: Serialize + ?Sized>(value: &T) -> String {
    // Plain data with string keys always serialises.
    serde_json::to_string(value).unwrap_or_default()
}

/// A structured element as compact JSON; an empty cell is the element's default (none).
pub(crate) fn read_json<T: DeserializeOwned + Default>(key: &str, cell: &str) -> CellResult<T> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(T::default());
    }
    let mut deserializer = serde_json::Deserializer::from_str(cell);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let (field, message) = describe_error(&error, vec![PathStep::Key(key.to_string())]);
        CellError { field, message }
    })?;
    // Text after the value would be silently dropped otherwise.
    deserializer.end().map_err(|error| {
        cell_error(
            key,
            format!("JSON 语法错误：{}", syntax_message(&bare_message(&error))),
        )
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_back_exactly() {
        for entries in [
            vec!["甲", "乙"],
            vec!["含；分号", "乙"],
            vec!["", "x"],
            vec![" 空格"],
            vec!["[注]"],
        ] {
            let cell = write_list(&entries);
            assert_eq!(read_list("aliases", &cell).ok().unwrap(), entries);
        }
        assert_eq!(write_list(&["甲", "乙"]), "甲；乙");
        assert_eq!(read_list("aliases", "甲; 乙；").ok().unwrap(), ["甲", "乙"]);
    }
}
