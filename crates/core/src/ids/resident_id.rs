//! 公民身份号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
//! number (odd = male) and an ISO 7064 MOD 11-2 check character.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const LENGTH: usize = 18;
/// `W_i = 2^(17-i) mod 11` for positions 1–17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character indexed by `Σ a_i·W_i mod 11`.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a string is not a 公民身份号码.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ResidentIdError {
    #[error("身份证号码应为 18 位，实际为 {actual} 位")]
    Length { actual: usize },
    #[error("{}", non_digit_message(*position))]
    NonDigit { position: usize },
    #[error("身份证号码中的出生日期 {digits} 不是有效日期")]
    BadBirthDate { digits: String },
    #[error("身份证号码校验位错误：应为 {expected}，实际为 {found}")]
    CheckDigit { expected: char, found: char },
}

fn non_digit_message(position: usize) -> String {
    if position == LENGTH {
        format!("身份证号码第 {position} 位（校验位）应为数字或 X")
    } else {
        format!("身份证号码第 {position} 位应为数字")
    }
}

/// A valid 18-character 公民身份号码, stored with an upper-case `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    text: String,
    // Kept alongside the text so the accessor needs no re-parse and cannot fail.
    birth_date: NaiveDate,
}

impl ResidentId {
    /// Parses an ID number, trimming surrounding whitespace and accepting a lower-case `x`.
    ///
    /// Checks length, digits, that the birth date exists on the calendar and the check character.
    /// Whether the birth date lies in the future is not checked: that needs a clock.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let trimmed = input.trim();
        let actual = trimmed.chars().count();
        if actual != LENGTH {
            return Err(ResidentIdError::Length { actual });
        }

        let mut text = String::with_capacity(LENGTH);
        for (index, raw) in trimmed.chars().enumerate() {
            let is_check_position = index == LENGTH - 1;
            let c = if is_check_position {
                raw.to_ascii_uppercase()
            } else {
                raw
            };
            if !(c.is_ascii_digit() || (is_check_position && c == 'X')) {
                return Err(ResidentIdError::NonDigit {
                    position: index + 1,
                });
            }
            text.push(c);
        }

        let birth_date = birth_date_of(&text[6..14])?;
        let expected = check_char_of_digits(&text.as_bytes()[..17]);
        let found = text.as_bytes()[17] as char;
        if expected != found {
            return Err(ResidentIdError::CheckDigit { expected, found });
        }
        Ok(Self { text, birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// From the sequence number (position 17): odd is male, even is female.
    pub fn gender(&self) -> Gender {
        if (self.text.as_bytes()[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The 6-digit address code (地址码) where the number was first issued.
    pub fn region_code(&self) -> &str {
        &self.text[..6]
    }

    /// The number with positions 5–14 hidden (`4601**********1239`), for display and logs.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.text[..4], "*".repeat(10), &self.text[14..])
    }
}

impl_code_string!(ResidentId, ResidentIdError);

/// The check character for the first 17 digits of an ID number, or `None` if `first17` is not
/// exactly 17 ASCII digits. Useful for generating valid test numbers.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    (bytes.len() == 17 && bytes.iter().all(u8::is_ascii_digit)).then(|| check_char_of_digits(bytes))
}

/// Caller guarantees 17 ASCII digits.
fn check_char_of_digits(digits: &[u8]) -> char {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Caller guarantees 8 ASCII digits `YYYYMMDD`.
fn birth_date_of(digits: &str) -> Result<NaiveDate, ResidentIdError> {
    let bad = || ResidentIdError::BadBirthDate {
        digits: digits.to_owned(),
    };
    let year = digits[..4].parse().map_err(|_| bad())?;
    let month = digits[4..6].parse().map_err(|_| bad())?;
    let day = digits[6..8].parse().map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad)
}

/// 性别 as encoded in the ID number's sequence code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Gender {
    Male,
    Female,
}

/// The text is neither `male`/`female` nor `男`/`女`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("性别应为 男 或 女（male 或 female），实际为 \"{found}\"")]
pub struct GenderError {
    pub found: String,
}

impl Gender {
    /// Chinese label for display: 男 / 女.
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }

    /// Stable machine name used in serialised data: `male` / `female`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    /// Accepts the machine name or the Chinese label.
    pub fn parse(text: &str) -> Result<Self, GenderError> {
        match text.trim() {
            "male" | "男" => Ok(Gender::Male),
            "female" | "女" => Ok(Gender::Female),
            other => Err(GenderError {
                found: other.to_owned(),
            }),
        }
    }
}

impl std::fmt::Display for Gender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl std::str::FromStr for Gender {
    type Err = GenderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for Gender {
    type Error = GenderError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Gender> for String {
    fn from(gender: Gender) -> String {
        gender.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_verified_examples() {
        for text in [
            "11010519491231002X",
            "440524188001010014",
            "460106199001011239",
        ] {
            assert_eq!(ResidentId::parse(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn normalises_lower_case_x_and_whitespace() {
        let id = ResidentId::parse("  11010519491231002x\n").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn reads_birth_date_gender_and_region() {
        let id = ResidentId::parse("460106199001011239").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
        );
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.gender().label(), "男");
        assert_eq!(id.region_code(), "460106");
        assert_eq!(id.masked(), "4601**********1239");

        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.gender(), Gender::Female);
    }

    #[test]
    fn reports_each_kind_of_error_in_chinese() {
        let message = |text: &str| ResidentId::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("4601061990010112"),
            "身份证号码应为 18 位，实际为 16 位"
        );
        assert_eq!(
            message("46010619900101123A"),
            "身份证号码第 18 位（校验位）应为数字或 X"
        );
        assert_eq!(message("4601061990X101123X"), "身份证号码第 11 位应为数字");
        assert_eq!(
            message("460106199002301239"),
            "身份证号码中的出生日期 19900230 不是有效日期"
        );
        assert_eq!(
            message("460106199001011233"),
            "身份证号码校验位错误：应为 9，实际为 3"
        );
    }

    #[test]
    fn check_char_helper_rejects_bad_input() {
        assert_eq!(resident_id_check_char("46010619900101123"), Some('9'));
        assert_eq!(resident_id_check_char("4601061990010112"), None);
        assert_eq!(resident_id_check_char("4601061990010112X"), None);
    }

    #[test]
    fn serde_goes_through_parse() {
        let id: ResidentId = serde_json::from_str("\"11010519491231002x\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"11010519491231002X\""
        );
        assert!(serde_json::from_str::<ResidentId>("\"11010519491231002\"").is_err());
    }

    #[test]
    fn gender_round_trips() {
        for gender in [Gender::Male, Gender::Female] {
            assert_eq!(gender.to_string().parse::<Gender>().unwrap(), gender);
            let json = serde_json::to_string(&gender).unwrap();
            assert_eq!(serde_json::from_str::<Gender>(&json).unwrap(), gender);
        }
        assert!("M".parse::<Gender>().is_err());
    }
}
