//! The JSON exchange format: a list of items in the serde shape of [`ServiceItem`].

use super::errors::{ImportError, ImportErrors};
use super::serde_messages::{bare_message, data_message, syntax_message};
use super::uniqueness::{Located, check_unique};
use crate::catalog::item::ServiceItem;
use crate::catalog::labels::{PathStep, label_path};
use serde_json::value::RawValue;

/// Reads a catalogue file. Each item is read on its own, so one bad item does not hide the
/// problems of the next; then codes and basic codes are checked for duplicates across items.
pub fn parse_catalog_json(text: &str) -> Result<Vec<ServiceItem>, ImportErrors> {
    // A byte-order mark is invisible in editors but not valid JSON; line numbers are unaffected.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportErrors::one(ImportError::at_line(
            None,
            "",
            "文件为空",
        )));
    }
    let raw_items: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|error| ImportErrors::one(file_error(&error)))?;
    let mut errors = ImportErrors::default();
    let mut items = Vec::with_capacity(raw_items.len());
    let mut lines = LineCounter::new(text);
    for (index, raw) in raw_items.iter().enumerate() {
        let line = lines.line_of(raw.get());
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        match serde_path_to_error::deserialize::<_, ServiceItem>(&mut deserializer) {
            Ok(item) => items.push(Located {
                item,
                line,
                record: Some(index + 1),
            }),
            Err(error) => {
                let inner_line = error.inner().line();
                let (field, message) = describe_error(&error, Vec::new());
                errors.push(ImportError {
                    line: Some(line + inner_line.saturating_sub(1)),
                    record: Some(index + 1),
                    code: code_of(raw.get()),
                    field,
                    message,
                });
            }
        }
    }
    for error in check_unique(&items) {
        errors.push(error);
    }
    errors.into_result(|| items.into_iter().map(|located| located.item).collect())
}

/// An error in the file as a whole: not JSON, or not a list.
fn file_error(error: &serde_json::Error) -> ImportError {
    let message = bare_message(error);
    let message = if error.is_syntax() || error.is_eof() {
        let column = match error.column() {
            0 => String::new(),
            column => format!("（第 {column} 列）"),
        };
        format!("JSON 语法错误{column}：{}", syntax_message(&message))
    } else if message.starts_with("invalid type") {
        "目录文件应为事项列表（以“[”开头的 JSON 数组）".to_string()
    } else {
        data_message(&message).message
    };
    let line = (error.line() > 0).then_some(error.line());
    ImportError::at_line(line, "", message)
}

/// The element label and the Chinese message of a deserialisation error inside one item;
/// `prefix` is the path of the value within the item (for values read from a CSV cell).
pub(crate) fn describe_error(
    error: &serde_path_to_error::Error<serde_json::Error>,
    prefix: Vec<PathStep>,
) -> (String, String) {
    let mut steps = prefix;
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => steps.push(PathStep::Index(*index)),
            serde_path_to_error::Segment::Map { key } => steps.push(PathStep::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => {
                steps.push(PathStep::Key(variant.clone()))
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let inner = error.inner();
    let bare = bare_message(inner);
    if inner.is_syntax() || inner.is_eof() {
        return (
            label_path(&steps),
            format!("JSON 语法错误：{}", syntax_message(&bare)),
        );
    }
    let translated = data_message(&bare);
    if let Some(key) = translated.missing_key {
        steps.push(PathStep::Key(key));
    }
    (label_path(&steps), translated.message)
}

/// The code of an item that failed to read, if it has a readable one.
fn code_of(raw: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw).ok()?;
    value.get("code")?.as_str().map(str::to_string)
}

/// Line numbers of slices of one text, for slices visited in order.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
        }
    }

    /// The line on which `slice` (a part of the text, at or after the previous one) starts.
    fn line_of(&mut self, slice: &str) -> usize {
        // The slice borrows from the text, so its distance from the text's start is its offset.
        let start = (slice.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        let start = start.clamp(self.offset, self.text.len());
        self.line += self.text.as_bytes()[self.offset..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.offset = start;
        self.line
    }
}

/// The catalogue as JSON: pretty-printed with two-space indentation, Chinese as is, items in
/// the given order and elements in the exchange-format order, ending with a newline.
pub fn catalog_to_json(items: &[ServiceItem]) -> String {
    match serde_json::to_string_pretty(items) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Unreachable: every element serialises to JSON (string keys, no floats).
        Err(_) => String::new(),
    }
}
