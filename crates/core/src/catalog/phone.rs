//! Telephone numbers published for a service point (咨询电话, 监督投诉电话).

use std::fmt;

/// What kind of number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    /// Fixed line with area code, e.g. `0898-65200000`.
    Landline,
    /// Short or national service number, e.g. `12345`, `95518`, `400-123-4567`.
    Hotline,
    /// Mobile number, e.g. `13800000000`.
    Mobile,
}

/// The accepted forms, for messages.
pub const ACCEPTED_FORMS: &str =
    "带区号的固定电话（如 0898-65200000）、服务热线（如 12345）或 11 位手机号码";

/// Why a text is not a usable service phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("电话号码为空")]
    Empty,
    #[error("电话号码“{0}”格式不正确，应为{forms}", forms = ACCEPTED_FORMS)]
    Malformed(String),
}

/// A phone number in one of the accepted forms, with an optional extension (`转123`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePhone {
    text: String,
    kind: PhoneKind,
    digits: String,
}

impl ServicePhone {
    /// Parses one number; spaces are ignored, hyphens may separate the parts.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let malformed = || PhoneError::Malformed(text.to_string());
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let (number, extension) = match compact.split_once('转') {
            Some((number, extension)) if is_digits(extension, 1..=6) => (number, Some(extension)),
            Some(_) => return Err(malformed()),
            None => (compact.as_str(), None),
        };
        let (kind, mut digits) = classify(number).ok_or_else(malformed)?;
        if let Some(extension) = extension {
            digits.push_str(extension);
        }
        Ok(ServicePhone {
            text: text.to_string(),
            kind,
            digits,
        })
    }

    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The number as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether two numbers ring the same line, however they are written.
    pub fn same_line(&self, other: &ServicePhone) -> bool {
        self.digits == other.digits
    }
}

impl fmt::Display for ServicePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_digits(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Recognises the number without extension; returns its kind and its digits.
fn classify(number: &str) -> Option<(PhoneKind, String)> {
    if let Some(landline) = bracketed_landline(number) {
        return Some(landline);
    }
    let mobile = number
        .strip_prefix("+86")
        .map(|rest| rest.trim_start_matches('-'));
    if let Some(rest) = mobile {
        let digits: String = rest.chars().filter(|c| *c != '-').collect();
        return is_mobile(&digits).then_some((PhoneKind::Mobile, digits));
    }
    if !number.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    let digits: String = number.chars().filter(|c| *c != '-').collect();
    if digits.starts_with('0') {
        return landline(number);
    }
    if is_mobile(&digits) {
        return Some((PhoneKind::Mobile, digits));
    }
    is_hotline(&digits).then_some((PhoneKind::Hotline, digits))
}

fn is_mobile(digits: &str) -> bool {
    is_digits(digits, 11..=11)
        && digits.starts_with('1')
        && !digits[1..].starts_with(['0', '1', '2'])
}

/// 12345-style government hotlines, 95xxx/96xxx service numbers, 400/800 numbers.
fn is_hotline(digits: &str) -> bool {
    let short = is_digits(digits, 5..=5) && digits.starts_with('1');
    let service =
        is_digits(digits, 5..=6) && (digits.starts_with("95") || digits.starts_with("96"));
    let national =
        is_digits(digits, 10..=10) && (digits.starts_with("400") || digits.starts_with("800"));
    short || service || national
}

/// `(0898)65200000` or `（0898）65200000`.
fn bracketed_landline(number: &str) -> Option<(PhoneKind, String)> {
    let rest = number
        .strip_prefix('(')
        .or_else(|| number.strip_prefix('（'))?;
    let (area, local) = rest.split_once(')').or_else(|| rest.split_once('）'))?;
    let local = local.trim_start_matches('-');
    (is_area_code(area) && is_local_number(local))
        .then(|| (PhoneKind::Landline, format!("{area}{local}")))
}

/// `0898-65200000`, `089865200000`, `010-62345678-801`, or a hotline behind its area code
/// (`0898-12345`, which rings the same line as `12345`).
fn landline(number: &str) -> Option<(PhoneKind, String)> {
    let parts: Vec<&str> = number.split('-').collect();
    let (area, local, extension) = match parts.as_slice() {
        [whole] => {
            // Without a hyphen the area code's length follows from its second digit: 010 and
            // 020–029 have three digits, all others four.
            let area_length = if whole.starts_with("01") || whole.starts_with("02") {
                3
            } else {
                4
            };
            let (area, local) = whole.split_at_checked(area_length)?;
            (area, local, None)
        }
        [area, local] => (*area, *local, None),
        [area, local, extension] => (*area, *local, Some(*extension)),
        _ => return None,
    };
    if !is_area_code(area) || extension.is_some_and(|e| !is_digits(e, 1..=6)) {
        return None;
    }
    let extension = extension.unwrap_or_default();
    if is_local_number(local) {
        return Some((PhoneKind::Landline, format!("{area}{local}{extension}")));
    }
    let hotline = is_digits(local, 5..=5) && local.starts_with('1');
    hotline.then(|| (PhoneKind::Hotline, format!("{local}{extension}")))
}

fn is_area_code(area: &str) -> bool {
    let three = area.starts_with("01") || area.starts_with("02");
    let length = if three { 3..=3 } else { 4..=4 };
    is_digits(area, length) && area.starts_with('0') && !area.starts_with("00")
}

fn is_local_number(local: &str) -> bool {
    is_digits(local, 7..=8) && !local.starts_with(['0', '1'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Option<PhoneKind> {
        ServicePhone::parse(text).ok().map(|p| p.kind())
    }

    #[test]
    fn accepts_the_published_forms() {
        assert_eq!(kind("0898-65200000"), Some(PhoneKind::Landline));
        assert_eq!(kind("089865200000"), Some(PhoneKind::Landline));
        assert_eq!(kind("(0898)65200000"), Some(PhoneKind::Landline));
        assert_eq!(kind("（0898）65200000"), Some(PhoneKind::Landline));
        assert_eq!(kind("010-62345678-801"), Some(PhoneKind::Landline));
        assert_eq!(kind("0898-65200000转8001"), Some(PhoneKind::Landline));
        assert_eq!(kind("12345"), Some(PhoneKind::Hotline));
        assert_eq!(kind("0898-12345"), Some(PhoneKind::Hotline));
        assert_eq!(kind("95518"), Some(PhoneKind::Hotline));
        assert_eq!(kind("400-123-4567"), Some(PhoneKind::Hotline));
        assert_eq!(kind("13800000000"), Some(PhoneKind::Mobile));
        assert_eq!(kind("138 0000 0000"), Some(PhoneKind::Mobile));
        assert_eq!(kind("+86-13800000000"), Some(PhoneKind::Mobile));
    }

    #[test]
    fn rejects_malformed_numbers() {
        for text in [
            "65200000",
            "0898-6520",
            "0898-12345678",
            "0898-05200000",
            "12800000000",
            "1234",
            "电话：12345",
            "0898-65200000转",
            "0898-65200000、0898-65200001",
        ] {
            assert!(
                matches!(ServicePhone::parse(text), Err(PhoneError::Malformed(_))),
                "{text}"
            );
        }
        assert_eq!(ServicePhone::parse("  "), Err(PhoneError::Empty));
    }

    #[test]
    fn same_line_ignores_formatting() {
        let a = ServicePhone::parse("0898-65200000").unwrap();
        let b = ServicePhone::parse("(0898)65200000").unwrap();
        let c = ServicePhone::parse("0898-65200001").unwrap();
        assert!(a.same_line(&b));
        assert!(!a.same_line(&c));
        let hotline = ServicePhone::parse("12345").unwrap();
        assert!(hotline.same_line(&ServicePhone::parse("0898-12345").unwrap()));
    }
}
