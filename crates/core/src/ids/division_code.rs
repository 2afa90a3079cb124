//! 统计用区划代码: 6 digits for province (`XX0000`), city (`XXYY00`) and county (`XXYYZZ`),
//! 9 for township, 12 for village. The hierarchy is read from the code's structure alone.

use serde::{Deserialize, Serialize};

/// Why a string is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DivisionCodeError {
    #[error("行政区划代码应为 6、9 或 12 位数字，实际为 {actual} 位")]
    Length { actual: usize },
    #[error("行政区划代码第 {position} 位应为数字")]
    NonDigit { position: usize },
    #[error("行政区划代码的省级代码（前两位）不能为 00")]
    ZeroProvince,
}

/// A valid division code in its shortest form.
///
/// Trailing all-zero township or village groups are dropped when parsing, so the 12-digit form
/// `460400100000` of township `460400100` parses to the township itself and
/// `parse(code.to_twelve_digits()) == code` for every code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Parses a 6-, 9- or 12-digit code, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, DivisionCodeError> {
        let trimmed = input.trim();
        if let Some(index) = trimmed.chars().position(|c| !c.is_ascii_digit()) {
            return Err(DivisionCodeError::NonDigit {
                position: index + 1,
            });
        }
        // All ASCII digits from here, so byte offsets are character offsets.
        let mut digits = trimmed;
        if !matches!(digits.len(), 6 | 9 | 12) {
            return Err(DivisionCodeError::Length {
                actual: digits.len(),
            });
        }
        if digits.starts_with("00") {
            return Err(DivisionCodeError::ZeroProvince);
        }
        while digits.len() > 6 && digits.ends_with("000") {
            digits = &digits[..digits.len() - 3];
        }
        Ok(Self(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> DivisionLevel {
        match self.0.len() {
            12 => DivisionLevel::Village,
            9 => DivisionLevel::Township,
            _ if &self.0[2..] == "0000" => DivisionLevel::Province,
            _ if &self.0[4..] == "00" => DivisionLevel::City,
            _ => DivisionLevel::County,
        }
    }

    /// The structural parent: village → its 9-digit township, township → its 6-digit county (or
    /// city, as for 儋州 `460400`), county `XXYYZZ` → `XXYY00`, city → `XX0000`, province → none.
    pub fn parent(&self) -> Option<DivisionCode> {
        let parent = match self.level() {
            DivisionLevel::Province => return None,
            DivisionLevel::City => format!("{}0000", &self.0[..2]),
            DivisionLevel::County => format!("{}00", &self.0[..4]),
            DivisionLevel::Township => self.0[..6].to_owned(),
            DivisionLevel::Village => self.0[..9].to_owned(),
        };
        Some(Self(parent))
    }

    /// The 2-digit province part.
    pub fn province_code(&self) -> &str {
        &self.0[..2]
    }

    /// True if `other` lies strictly below `self` in the structural hierarchy. A code is not its
    /// own ancestor.
    pub fn is_ancestor_of(&self, other: &DivisionCode) -> bool {
        std::iter::successors(other.parent(), DivisionCode::parent)
            .any(|ancestor| ancestor == *self)
    }

    /// The code right-padded with zeros to 12 digits, as 12-digit NBS / GB/T 2260-style fields
    /// store it.
    pub fn to_twelve_digits(&self) -> String {
        format!("{:0<12}", self.0)
    }
}

impl_code_string!(DivisionCode, DivisionCodeError);

/// 区划层级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DivisionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

/// The text names no division level.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error(
    "区划层级应为 province、city、county、township、village（或 省、市、县、乡镇、村）之一，实际为 \"{found}\""
)]
pub struct DivisionLevelError {
    pub found: String,
}

impl DivisionLevel {
    pub const ALL: [DivisionLevel; 5] = [
        DivisionLevel::Province,
        DivisionLevel::City,
        DivisionLevel::County,
        DivisionLevel::Township,
        DivisionLevel::Village,
    ];

    /// Chinese label for display: 省 / 市 / 县 / 乡镇 / 村.
    pub fn label(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省",
            DivisionLevel::City => "市",
            DivisionLevel::County => "县",
            DivisionLevel::Township => "乡镇",
            DivisionLevel::Village => "村",
        }
    }

    /// Stable machine name, as in the `level` column of `hainan-divisions.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
            DivisionLevel::Township => "township",
            DivisionLevel::Village => "village",
        }
    }

    /// Accepts the machine name or the Chinese label.
    pub fn parse(text: &str) -> Result<Self, DivisionLevelError> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == text || level.label() == text)
            .ok_or_else(|| DivisionLevelError {
                found: text.to_owned(),
            })
    }
}

impl std::fmt::Display for DivisionLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for DivisionLevel {
    type Err = DivisionLevelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for DivisionLevel {
    type Error = DivisionLevelError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<DivisionLevel> for String {
    fn from(level: DivisionLevel) -> String {
        level.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap()
    }

    #[test]
    fn reads_levels_from_structure() {
        assert_eq!(code("460000").level(), DivisionLevel::Province);
        assert_eq!(code("460100").level(), DivisionLevel::City);
        assert_eq!(code("460105").level(), DivisionLevel::County);
        assert_eq!(code("460400100").level(), DivisionLevel::Township);
        assert_eq!(code("460106100201").level(), DivisionLevel::Village);
    }

    #[test]
    fn walks_parents_up_to_the_province() {
        assert_eq!(code("460106100201").parent(), Some(code("460106100")));
        assert_eq!(code("460106100").parent(), Some(code("460106")));
        assert_eq!(code("460106").parent(), Some(code("460100")));
        assert_eq!(code("460100").parent(), Some(code("460000")));
        assert_eq!(code("460000").parent(), None);
        // 儋州 has no counties: its townships hang directly under the city.
        assert_eq!(code("460400100").parent(), Some(code("460400")));
        assert_eq!(code("469001").parent(), Some(code("469000")));
    }

    #[test]
    fn ancestry_is_strict() {
        assert!(code("460000").is_ancestor_of(&code("460106100201")));
        assert!(code("460106").is_ancestor_of(&code("460106100")));
        assert!(!code("460106").is_ancestor_of(&code("460106")));
        assert!(!code("460105").is_ancestor_of(&code("460106100")));
        assert!(!code("460106100").is_ancestor_of(&code("460106")));
    }

    #[test]
    fn twelve_digit_forms_round_trip() {
        assert_eq!(code("460400100").to_twelve_digits(), "460400100000");
        assert_eq!(code("460400100000"), code("460400100"));
        assert_eq!(code("460100000000"), code("460100"));
        assert_eq!(code("460100").province_code(), "46");
    }

    #[test]
    fn reports_each_kind_of_error_in_chinese() {
        let message = |text: &str| DivisionCode::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("4601"),
            "行政区划代码应为 6、9 或 12 位数字，实际为 4 位"
        );
        assert_eq!(message("46010A"), "行政区划代码第 6 位应为数字");
        assert_eq!(
            message("000100"),
            "行政区划代码的省级代码（前两位）不能为 00"
        );
    }

    #[test]
    fn levels_parse_from_either_name() {
        for level in DivisionLevel::ALL {
            assert_eq!(level.as_str().parse::<DivisionLevel>().unwrap(), level);
            assert_eq!(level.to_string().parse::<DivisionLevel>().unwrap(), level);
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(serde_json::from_str::<DivisionLevel>(&json).unwrap(), level);
        }
        assert!("town".parse::<DivisionLevel>().is_err());
    }
}
