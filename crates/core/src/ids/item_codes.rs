//! Codes of 政务服务事项 as seen in live national-exchange data (DOMAIN.md §1.1):
//! 基本编码 (12 digits), 行使层级 (GB/T 39046 A.2) and 实施编码 (31 characters).

use serde::{Deserialize, Serialize};

use super::{CreditCode, CreditCodeError};

const BASIC_LENGTH: usize = 12;
const IMPLEMENTATION_LENGTH: usize = 31;
const MAX_MAIN_ITEM: u32 = 99_999;
const MAX_SUB_ITEM: u32 = 999;

/// Why a string is not a 基本编码.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum BasicCodeError {
    #[error("基本编码应为 12 位数字，实际为 {actual} 位")]
    Length { actual: usize },
    #[error("基本编码第 {position} 位应为数字")]
    NonDigit { position: usize },
    #[error("基本编码前两位应为 00（国家目录）或省级行政区划代码 11–82，实际为 {found}")]
    Owner { found: String },
    #[error("基本编码第 3–4 位（事项类型）应为 00–29，实际为 {found}")]
    TypeCode { found: String },
    #[error("基本编码的主项编号应在 0–99999 之间，实际为 {found}")]
    MainItemOutOfRange { found: u32 },
    #[error("基本编码的子项编号应在 0–999 之间，实际为 {found}")]
    SubItemOutOfRange { found: u32 },
}

/// A valid 基本编码: catalogue owner (2) + 事项类型 (2) + 主项 (5) + 子项 (3, `000` = none).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BasicCode(String);

impl BasicCode {
    /// Parses 12 digits, trimming surrounding whitespace.
    ///
    /// The owner must be `00` (national catalogue) or a province code 11–82; the 事项类型 must
    /// be 00–29, which covers the GB/T 39046 A.1 codes 00–10 and 20 and their extension ranges
    /// 11–19 and 21–29.
    pub fn parse(input: &str) -> Result<Self, BasicCodeError> {
        let trimmed = input.trim();
        if let Some(index) = trimmed.chars().position(|c| !c.is_ascii_digit()) {
            return Err(BasicCodeError::NonDigit {
                position: index + 1,
            });
        }
        // All ASCII digits from here, so byte offsets are character offsets.
        if trimmed.len() != BASIC_LENGTH {
            return Err(BasicCodeError::Length {
                actual: trimmed.len(),
            });
        }
        let owner = &trimmed[..2];
        if !is_valid_owner(owner) {
            return Err(BasicCodeError::Owner {
                found: owner.to_owned(),
            });
        }
        let type_code = &trimmed[2..4];
        if type_code > "29" {
            return Err(BasicCodeError::TypeCode {
                found: type_code.to_owned(),
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// Builds a code from its parts: `new("00", "01", 4002, 0)` is `000104002000`.
    pub fn new(owner: &str, type_code: &str, main: u32, sub: u32) -> Result<Self, BasicCodeError> {
        if main > MAX_MAIN_ITEM {
            return Err(BasicCodeError::MainItemOutOfRange { found: main });
        }
        if sub > MAX_SUB_ITEM {
            return Err(BasicCodeError::SubItemOutOfRange { found: sub });
        }
        let owner = owner.trim();
        if owner.chars().count() != 2 || !owner.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BasicCodeError::Owner {
                found: owner.to_owned(),
            });
        }
        let type_code = type_code.trim();
        if type_code.chars().count() != 2 || !type_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BasicCodeError::TypeCode {
                found: type_code.to_owned(),
            });
        }
        Self::parse(&format!("{owner}{type_code}{main:05}{sub:03}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Catalogue owner: `00` for the national catalogue, else a province code such as `46`.
    pub fn owner(&self) -> &str {
        &self.0[..2]
    }

    /// 事项类型 code (GB/T 39046 A.1), e.g. `01` 行政许可, `20` 公共服务.
    pub fn type_code(&self) -> &str {
        &self.0[2..4]
    }

    /// 主项 (5 digits).
    pub fn main_item(&self) -> &str {
        &self.0[4..9]
    }

    /// 子项 (3 digits); `000` when the item has no sub-items.
    pub fn sub_item(&self) -> &str {
        &self.0[9..]
    }
}

impl_code_string!(BasicCode, BasicCodeError);

fn is_valid_owner(owner: &str) -> bool {
    owner == "00" || ("11"..="82").contains(&owner)
}

/// 行使层级 (GB/T 39046 A.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ExerciseLevel {
    National = 1,
    Provincial = 2,
    Municipal = 3,
    County = 4,
    Township = 5,
    Village = 6,
    Tiered = 7,
}

/// The text is not a 行使层级 code 1–7 or label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("行使层级应为 1–7 或其名称（如 县级），实际为 \"{found}\"")]
pub struct ExerciseLevelError {
    pub found: String,
}

impl ExerciseLevel {
    pub const ALL: [ExerciseLevel; 7] = [
        ExerciseLevel::National,
        ExerciseLevel::Provincial,
        ExerciseLevel::Municipal,
        ExerciseLevel::County,
        ExerciseLevel::Township,
        ExerciseLevel::Village,
        ExerciseLevel::Tiered,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExerciseLevel::National => "国家级",
            ExerciseLevel::Provincial => "省级",
            ExerciseLevel::Municipal => "市级",
            ExerciseLevel::County => "县级",
            ExerciseLevel::Township => "镇（乡、街道）级",
            ExerciseLevel::Village => "村（社区）级",
            ExerciseLevel::Tiered => "分级管理",
        }
    }

    /// Accepts the one-digit code (`4`) or the Chinese label (`县级`).
    pub fn parse(text: &str) -> Result<Self, ExerciseLevelError> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|level| level.label() == text || text.parse() == Ok(level.code()))
            .ok_or_else(|| ExerciseLevelError {
                found: text.to_owned(),
            })
    }

    fn from_code_char(c: char) -> Option<Self> {
        c.to_digit(10)
            .and_then(|digit| Self::from_code(digit as u8))
    }
}

impl std::fmt::Display for ExerciseLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for ExerciseLevel {
    type Err = ExerciseLevelError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for ExerciseLevel {
    type Error = ExerciseLevelError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

/// Serialised as the one-digit code, as 实施编码 and the exchange field `use_level` carry it.
impl From<ExerciseLevel> for String {
    fn from(level: ExerciseLevel) -> String {
        level.code().to_string()
    }
}

/// Why a string is not a 实施编码; names the part that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ImplementationCodeError {
    #[error("实施编码应为 31 位，实际为 {actual} 位")]
    Length { actual: usize },
    #[error("实施编码第 1–18 位（实施主体统一社会信用代码）有误：{0}")]
    CreditCode(#[source] CreditCodeError),
    #[error("实施编码第 19 位（行使层级）应为 1–7，实际为“{found}”")]
    Level { found: char },
    #[error("实施编码第 20–31 位（基本编码）有误：{0}")]
    BasicCode(#[source] BasicCodeError),
}

/// A valid 实施编码: the implementing body's 统一社会信用代码 (18) + 行使层级 (1) + 基本编码 (12).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ImplementationCode {
    text: String,
    // The parsed parts, kept so accessors need no re-parse and cannot fail.
    credit_code: CreditCode,
    level: ExerciseLevel,
    basic_code: BasicCode,
}

impl ImplementationCode {
    /// Parses 31 characters, trimming surrounding whitespace; letters in the credit code may be
    /// lower-case.
    pub fn parse(input: &str) -> Result<Self, ImplementationCodeError> {
        let trimmed = input.trim();
        let actual = trimmed.chars().count();
        if actual != IMPLEMENTATION_LENGTH {
            return Err(ImplementationCodeError::Length { actual });
        }
        // Split on character boundaries: a stray non-ASCII character must be reported by the
        // part it falls in, not cause a slicing error.
        let mut boundaries = trimmed.char_indices().map(|(offset, _)| offset);
        let (Some(level_at), Some(basic_at)) = (boundaries.nth(18), boundaries.next()) else {
            return Err(ImplementationCodeError::Length { actual });
        };
        let credit_code =
            CreditCode::parse(&trimmed[..level_at]).map_err(ImplementationCodeError::CreditCode)?;
        let level_char = trimmed[level_at..basic_at]
            .chars()
            .next()
            .unwrap_or_default();
        let level = ExerciseLevel::from_code_char(level_char)
            .ok_or(ImplementationCodeError::Level { found: level_char })?;
        let basic_code =
            BasicCode::parse(&trimmed[basic_at..]).map_err(ImplementationCodeError::BasicCode)?;
        Ok(Self::new(&credit_code, level, &basic_code))
    }

    pub fn new(credit_code: &CreditCode, level: ExerciseLevel, basic_code: &BasicCode) -> Self {
        let text = format!("{credit_code}{}{basic_code}", level.code());
        Self {
            text,
            credit_code: credit_code.clone(),
            level,
            basic_code: basic_code.clone(),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// 实施主体统一社会信用代码.
    pub fn credit_code(&self) -> CreditCode {
        self.credit_code.clone()
    }

    /// 行使层级.
    pub fn level(&self) -> ExerciseLevel {
        self.level
    }

    /// 基本编码 of the catalogue item this implements.
    pub fn basic_code(&self) -> BasicCode {
        self.basic_code.clone()
    }
}

impl_code_string!(ImplementationCode, ImplementationCodeError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_observed_example() {
        // Live Guangxi record (DOMAIN.md §1.1); its credit code passes both check characters.
        let code = ImplementationCode::parse(
            "114507 21MB1558081140001040 02000"
                .replace(' ', "")
                .as_str(),
        )
        .unwrap();
        assert_eq!(code.as_str(), "11450721MB155808114000104002000");
        assert_eq!(code.credit_code().as_str(), "11450721MB15580811");
        assert_eq!(code.level(), ExerciseLevel::County);
        assert_eq!(code.basic_code().as_str(), "000104002000");
        assert_eq!(code.basic_code().type_code(), "01");
    }

    #[test]
    fn basic_code_parts() {
        let code = BasicCode::parse("370117002011").unwrap();
        assert_eq!(code.owner(), "37");
        assert_eq!(code.type_code(), "01");
        assert_eq!(code.main_item(), "17002");
        assert_eq!(code.sub_item(), "011");
        assert_eq!(
            BasicCode::new("00", "10", 33002, 0).unwrap().as_str(),
            "001033002000"
        );
        assert_eq!(
            BasicCode::new("46", "20", 7, 12).unwrap().as_str(),
            "462000007012"
        );
    }

    #[test]
    fn basic_code_errors_in_chinese() {
        let message = |text: &str| BasicCode::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("00010400200"),
            "基本编码应为 12 位数字，实际为 11 位"
        );
        assert_eq!(message("0001040020A0"), "基本编码第 11 位应为数字");
        assert_eq!(
            message("990104002000"),
            "基本编码前两位应为 00（国家目录）或省级行政区划代码 11–82，实际为 99"
        );
        assert_eq!(
            message("003004002000"),
            "基本编码第 3–4 位（事项类型）应为 00–29，实际为 30"
        );
        assert_eq!(
            BasicCode::new("00", "01", 100_000, 0)
                .unwrap_err()
                .to_string(),
            "基本编码的主项编号应在 0–99999 之间，实际为 100000"
        );
        assert_eq!(
            BasicCode::new("00", "01", 1, 1000),
            Err(BasicCodeError::SubItemOutOfRange { found: 1000 })
        );
    }

    #[test]
    fn implementation_code_errors_name_the_part() {
        let message = |text: &str| ImplementationCode::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("11450721MB155808114"),
            "实施编码应为 31 位，实际为 19 位"
        );
        assert_eq!(
            message("11450721MB155808124000104002000"),
            "实施编码第 1–18 位（实施主体统一社会信用代码）有误：统一社会信用代码校验位错误：应为 1，实际为 2"
        );
        assert_eq!(
            message("11450721MB155808118000104002000"),
            "实施编码第 19 位（行使层级）应为 1–7，实际为“8”"
        );
        assert_eq!(
            message("11450721MB155808114003004002000"),
            "实施编码第 20–31 位（基本编码）有误：基本编码第 3–4 位（事项类型）应为 00–29，实际为 30"
        );
        // A non-ASCII character is reported by its part rather than breaking the split.
        assert!(matches!(
            ImplementationCode::parse("11450721MB1558081１4000104002000"),
            Err(ImplementationCodeError::CreditCode(
                CreditCodeError::InvalidChar { position: 18, .. }
            ))
        ));
    }

    #[test]
    fn exercise_levels() {
        for level in ExerciseLevel::ALL {
            assert_eq!(ExerciseLevel::from_code(level.code()), Some(level));
            assert_eq!(level.to_string().parse::<ExerciseLevel>().unwrap(), level);
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.code()));
            assert_eq!(serde_json::from_str::<ExerciseLevel>(&json).unwrap(), level);
        }
        assert_eq!(ExerciseLevel::from_code(0), None);
        assert_eq!(ExerciseLevel::from_code(8), None);
        assert_eq!(ExerciseLevel::County.label(), "县级");
        assert_eq!(ExerciseLevel::Township.label(), "镇（乡、街道）级");
    }
}
