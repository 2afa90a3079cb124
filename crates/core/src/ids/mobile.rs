//! Mainland mobile phone numbers (11 digits, 1[3-9]…), where SMS can be sent.

use serde::{Deserialize, Serialize};

/// Why a string is not a mobile number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum MobileNumberError {
    #[error("手机号码应为 11 位数字，实际为 {actual} 位")]
    Length { actual: usize },
    #[error("手机号码只能包含数字")]
    NonDigit,
    #[error("手机号码应以 13–19 开头")]
    Prefix,
}

/// A valid mainland mobile number, stored as 11 digits (a `+86` or `86` prefix and spaces or
/// hyphens are accepted on input).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

impl MobileNumber {
    pub fn parse(input: &str) -> Result<Self, MobileNumberError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("86").filter(|rest| rest.len() == 11))
            .unwrap_or(&compact);
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(MobileNumberError::NonDigit);
        }
        if digits.len() != 11 {
            return Err(MobileNumberError::Length {
                actual: digits.chars().count(),
            });
        }
        let second = digits.as_bytes()[1];
        if !digits.starts_with('1') || !(b'3'..=b'9').contains(&second) {
            return Err(MobileNumberError::Prefix);
        }
        Ok(MobileNumber(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`, for pages and logs.
    pub fn masked(&self) -> String {
        crate::privacy::mask_middle(&self.0, 3, 4)
    }
}

impl_code_string!(MobileNumber, MobileNumberError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for text in [
            "13812345678",
            "+86 138 1234 5678",
            "86-138-1234-5678",
            " 19912345678 ",
        ] {
            assert!(MobileNumber::parse(text).is_ok(), "{text}");
        }
        assert_eq!(
            MobileNumber::parse("+8613812345678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            MobileNumber::parse("13812345678").unwrap().masked(),
            "138****5678"
        );
    }

    #[test]
    fn rejects_with_a_reason() {
        let message = |text: &str| MobileNumber::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("1381234567"),
            "手机号码应为 11 位数字，实际为 10 位"
        );
        assert_eq!(message("12812345678"), "手机号码应以 13–19 开头");
        // A landline is not a mobile number.
        assert_eq!(message("0898-6666666"), "手机号码应以 13–19 开头");
        assert_eq!(message("1381234567a"), "手机号码只能包含数字");
    }
}
