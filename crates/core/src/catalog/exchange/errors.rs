//! Import errors that say where the problem is in words staff understand.

use serde::{Deserialize, Serialize};
use std::fmt;

/// At most this many errors are kept; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// One problem in an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    /// Line of the file, counted from 1.
    pub line: Option<usize>,
    /// Position of the item in a JSON list, counted from 1.
    pub record: Option<usize>,
    /// The item's code (or source code), when it could be read.
    pub code: Option<String>,
    /// The element's Chinese label, e.g. `申请材料[2].来源渠道`; empty for file-level problems.
    pub field: String,
    pub message: String,
}

impl ImportError {
    /// A problem with the file as a whole or at a position that belongs to no item.
    pub(crate) fn at_line(line: Option<usize>, field: &str, message: impl Into<String>) -> Self {
        ImportError {
            line,
            record: None,
            code: None,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    /// `第 1203 行，第 12 条事项（HN-XK-00003）“申请材料[2].来源渠道”：未知取值……`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(line) = self.line {
            place.push(format!("第 {line} 行"));
        }
        let mut subject = String::new();
        if let Some(record) = self.record {
            subject.push_str(&format!("第 {record} 条事项"));
        }
        if let Some(code) = &self.code {
            if subject.is_empty() {
                subject.push_str("事项");
            }
            subject.push_str(&format!("（{code}）"));
        }
        if !subject.is_empty() {
            place.push(subject);
        }
        let mut head = place.join("，");
        if !self.field.is_empty() {
            head.push_str(&format!("“{}”", self.field));
        }
        if head.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{head}：{}", self.message)
        }
    }
}

/// Every problem found in one import (the first [`MAX_REPORTED_ERRORS`] of them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportErrors {
    pub errors: Vec<ImportError>,
    /// Problems found beyond the cap, counted but not kept.
    pub omitted: usize,
}

impl ImportErrors {
    pub(crate) fn one(error: ImportError) -> Self {
        ImportErrors {
            errors: vec![error],
            omitted: 0,
        }
    }

    pub(crate) fn push(&mut self, error: ImportError) {
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error);
        } else {
            self.omitted += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many problems were found, including those not kept.
    pub fn total(&self) -> usize {
        self.errors.len() + self.omitted
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ImportError> {
        self.errors.iter()
    }

    /// `Ok(value)` when nothing was found, the errors otherwise.
    pub(crate) fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, ImportErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a ImportErrors {
    type Item = &'a ImportError;
    type IntoIter = std::slice::Iter<'a, ImportError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ImportErrors {
    /// One problem per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        if self.omitted > 0 {
            write!(f, "\n另有 {} 处错误未列出", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_what_is_known() {
        let mut error = ImportError {
            line: Some(1203),
            record: Some(12),
            code: Some("HN-XK-00003".into()),
            field: "申请材料[2].来源渠道".into(),
            message: "未知取值“自备”".into(),
        };
        assert_eq!(
            error.to_string(),
            "第 1203 行，第 12 条事项（HN-XK-00003）“申请材料[2].来源渠道”：未知取值“自备”"
        );
        error.record = None;
        assert_eq!(
            error.to_string(),
            "第 1203 行，事项（HN-XK-00003）“申请材料[2].来源渠道”：未知取值“自备”"
        );
        let file = ImportError::at_line(Some(3), "", "多余的逗号");
        assert_eq!(file.to_string(), "第 3 行：多余的逗号");
        assert_eq!(
            ImportError::at_line(None, "", "文件为空").to_string(),
            "文件为空"
        );
    }

    #[test]
    fn keeps_at_most_the_cap() {
        let mut errors = ImportErrors::default();
        for line in 0..(MAX_REPORTED_ERRORS + 5) {
            errors.push(ImportError::at_line(Some(line), "", "错"));
        }
        assert_eq!(errors.errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!(errors.total(), MAX_REPORTED_ERRORS + 5);
        assert!(errors.to_string().ends_with("另有 5 处错误未列出"));
    }
}
