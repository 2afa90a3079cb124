//! serde and serde_json report problems in English; staff read Chinese. This turns the
//! messages serde produces into Chinese ones. Messages raised by our own types (codes, online
//! depth) are Chinese already and pass through unchanged.

/// A data error in Chinese, with the key it is about when serde names one outside the path.
pub(crate) struct DataMessage {
    pub message: String,
    /// The key of a missing element (serde reports the path of its parent).
    pub missing_key: Option<String>,
}

/// The message of a serde_json error without serde_json's " at line N column M" suffix.
pub(crate) fn bare_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    if error.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

/// The values between backticks: `unknown variant `a`, expected `b` or `c`` gives a, b, c.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// Translates a type or value error.
pub(crate) fn data_message(message: &str) -> DataMessage {
    let plain = |message: String| DataMessage {
        message,
        missing_key: None,
    };
    if message.starts_with("unknown variant") {
        let values = quoted(message);
        let found = values.first().copied().unwrap_or_default();
        return plain(format!(
            "未知取值“{found}”，应为 {}",
            values.get(1..).unwrap_or_default().join("、")
        ));
    }
    if message.starts_with("unknown field") {
        let values = quoted(message);
        let found = values.first().copied().unwrap_or_default();
        return plain(format!(
            "未知要素“{found}”，应为 {}",
            values.get(1..).unwrap_or_default().join("、")
        ));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return DataMessage {
            message: "缺少此必填要素".to_string(),
            missing_key: Some(rest.trim_matches('`').to_string()),
        };
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return plain(format!("要素“{}”重复出现", rest.trim_matches('`')));
    }
    for (prefix, what) in [
        ("invalid type: ", "类型不符"),
        ("invalid value: ", "取值无效"),
    ] {
        if let Some((found, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return plain(format!(
                "{what}：应为{}，实际为{}",
                expected_in_chinese(expected),
                found_in_chinese(found)
            ));
        }
    }
    plain(message.to_string())
}

fn expected_in_chinese(expected: &str) -> String {
    let text = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "非负整数",
        "i8" | "i16" | "i32" | "i64" | "an integer" => "整数",
        "f32" | "f64" => "数字",
        "a string" | "a borrowed string" => "文本",
        "a boolean" => "布尔值（true 或 false）",
        "a sequence" => "列表",
        "a map" => "对象",
        other if other.starts_with("struct ") => "对象",
        other if other.starts_with("tuple") => "列表",
        other => return other.to_string(),
    };
    text.to_string()
}

fn found_in_chinese(found: &str) -> String {
    let inner = |rest: &str| rest.trim_matches('`').to_string();
    if let Some(rest) = found.strip_prefix("string ") {
        return format!("文本“{}”", rest.trim_matches('"'));
    }
    if let Some(rest) = found.strip_prefix("integer ") {
        return format!("整数 {}", inner(rest));
    }
    if let Some(rest) = found.strip_prefix("floating point ") {
        return format!("小数 {}", inner(rest));
    }
    if let Some(rest) = found.strip_prefix("boolean ") {
        return format!("布尔值 {}", inner(rest));
    }
    match found {
        "null" | "unit value" => "空值 null".to_string(),
        "sequence" => "列表".to_string(),
        "map" => "对象".to_string(),
        other => other.to_string(),
    }
}

/// Translates a JSON syntax error (the file is not well-formed JSON).
pub(crate) fn syntax_message(message: &str) -> String {
    let text = match message {
        "EOF while parsing a list" => "文件在列表结束前中断，缺少“]”",
        "EOF while parsing an object" => "文件在对象结束前中断，缺少“}”",
        "EOF while parsing a string" => "文件在字符串结束前中断，缺少右引号",
        "EOF while parsing a value" => "文件意外结束，缺少取值",
        "expected `:`" => "缺少冒号“:”",
        "expected `,` or `]`" => "缺少逗号“,”或右方括号“]”",
        "expected `,` or `}`" => "缺少逗号“,”或右花括号“}”",
        "expected ident" => "无法识别的字面量，应为 true、false 或 null",
        "expected value" => "此处应为一个取值",
        "invalid escape" => "无效的转义字符",
        "invalid number" => "无效的数字",
        "number out of range" => "数字超出范围",
        "invalid unicode code point" => "无效的 Unicode 字符",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "字符串中含有未转义的控制字符（如换行）"
        }
        "key must be a string" => "键名必须是带双引号的字符串",
        "trailing comma" => "多余的逗号",
        "trailing characters" => "JSON 结束后还有多余内容",
        "recursion limit exceeded" => "嵌套层数过多",
        other => return other.to_string(),
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_serde_messages() {
        assert_eq!(
            data_message("unknown variant `自备`, expected one of `申请人自备`, `政府部门核发`")
                .message,
            "未知取值“自备”，应为 申请人自备、政府部门核发"
        );
        assert_eq!(
            data_message("invalid type: string \"五\", expected u32").message,
            "类型不符：应为非负整数，实际为文本“五”"
        );
        assert_eq!(
            data_message("invalid value: integer `-1`, expected u32").message,
            "取值无效：应为非负整数，实际为整数 -1"
        );
        let missing = data_message("missing field `source`");
        assert_eq!(missing.missing_key.as_deref(), Some("source"));
        assert_eq!(
            data_message("网上办理深度应为 1–4，实际为 5").message,
            "网上办理深度应为 1–4，实际为 5"
        );
    }
}
