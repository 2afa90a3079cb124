//! Masking personal data for logs and pages where the full value is not needed.

/// Masks what looks like a resident ID number (18 characters, 17 digits and a digit or X; or
/// the old 15-digit form) and mobile numbers (11 digits starting with 1) inside free text:
/// `4601**********1239`, `138****5678`. Other text is kept.
pub fn mask_personal_data(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if !chars[index].is_ascii_digit() || (index > 0 && chars[index - 1].is_ascii_alphanumeric())
        {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        let mut end = index;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        // An ID number may end with X.
        if end - index == 17 && end < chars.len() && matches!(chars[end], 'X' | 'x') {
            end += 1;
        }
        let run: String = chars[index..end].iter().collect();
        let standalone = end == chars.len() || !chars[end].is_ascii_alphanumeric();
        let masked = match run.len() {
            18 | 15 if standalone => Some(mask_middle(&run, 4, 4)),
            11 if standalone && run.starts_with('1') => Some(mask_middle(&run, 3, 4)),
            _ => None,
        };
        out.push_str(masked.as_deref().unwrap_or(&run));
        index = end;
    }
    out
}

/// Keeps `head` leading and `tail` trailing characters of an ASCII string and stars the rest.
pub fn mask_middle(text: &str, head: usize, tail: usize) -> String {
    let length = text.chars().count();
    if length <= head + tail {
        return "*".repeat(length);
    }
    let kept_head: String = text.chars().take(head).collect();
    let kept_tail: String = text.chars().skip(length - tail).collect();
    format!("{kept_head}{}{kept_tail}", "*".repeat(length - head - tail))
}

/// Masks a Chinese name for display: 张三 → 张*, 欧阳娜娜 → 欧***.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_id_numbers_and_mobiles_in_text() {
        assert_eq!(
            mask_personal_data("id=460106199001011239&phone=13812345678"),
            "id=4601**********1239&phone=138****5678"
        );
        assert_eq!(
            mask_personal_data("11010519491231002X 申请"),
            "1101**********002X 申请"
        );
        assert_eq!(
            mask_personal_data("/items/HN-XK-00001"),
            "/items/HN-XK-00001"
        );
        // Codes that merely contain long digit runs are left alone when glued to letters.
        assert_eq!(
            mask_personal_data("91460100MA5TQ7B2X8"),
            "91460100MA5TQ7B2X8"
        );
        assert_eq!(mask_personal_data("共 12 项"), "共 12 项");
    }

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("王"), "王*");
    }
}
