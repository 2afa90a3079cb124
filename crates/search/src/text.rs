//! Character-level normalisation shared by indexing and querying.
//!
//! Every fold here maps one character to exactly one character, so a position in folded text is
//! the same position in the original: snippets highlight the original text with offsets found in
//! the folded one.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// A fast hasher for the engine's own integer keys (packed bigrams, document ids); not for
/// anything an outsider chooses the keys of in bulk.
#[derive(Debug, Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

pub type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;
pub type IntSet<K> = HashSet<K, BuildHasherDefault<IntHasher>>;

const T2S_TABLE: &str = include_str!("../data/t2s.txt");

fn t2s_map() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::with_capacity(2800);
        for line in T2S_TABLE.lines() {
            let mut chars = line.chars().filter(|c| !c.is_whitespace());
            if let (Some(from), Some(to), None) = (chars.next(), chars.next(), chars.next()) {
                map.insert(from, to);
            }
        }
        map
    })
}

/// Folds one character: full-width ASCII to half-width, the ideographic space to a space,
/// upper to lower case, traditional to simplified Chinese.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c.is_uppercase() {
        let mut lower = c.to_lowercase();
        if let (Some(l), None) = (lower.next(), lower.next()) {
            return l;
        }
        return c;
    }
    t2s_map().get(&c).copied().unwrap_or(c)
}

/// Folds every character of `text` (see [`fold_char`]); the result has the same number of chars.
pub fn normalize(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Traditional to simplified only, for display ("您是不是要找…").
pub fn to_simplified(text: &str) -> String {
    text.chars()
        .map(|c| t2s_map().get(&c).copied().unwrap_or(c))
        .collect()
}

/// A CJK ideograph (the unified blocks, extension A–B, compatibility ideographs, 〇).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2EBEF
        | 0xF900..=0xFAFF | 0x3007)
}

/// A run of text of one script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Han,
    /// ASCII letters and digits.
    Alnum,
}

/// Splits folded text into runs of Han characters and of ASCII letters/digits; everything else
/// separates runs. Returns (kind, text, char offset of the run's start).
pub fn runs(text: &str) -> Vec<(RunKind, &str, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(RunKind, usize, usize)> = None; // kind, byte start, char start
    for (char_index, (byte_index, c)) in text.char_indices().enumerate() {
        let kind = if is_han(c) {
            Some(RunKind::Han)
        } else if c.is_ascii_alphanumeric() {
            Some(RunKind::Alnum)
        } else {
            None
        };
        match (current, kind) {
            (Some((k, _, _)), Some(now)) if k == now => {}
            (Some((k, start, chars)), _) => {
                out.push((k, &text[start..byte_index], chars));
                current = kind.map(|k| (k, byte_index, char_index));
            }
            (None, _) => current = kind.map(|k| (k, byte_index, char_index)),
        }
    }
    if let Some((k, start, chars)) = current {
        out.push((k, &text[start..], chars));
    }
    out
}

/// Two characters packed into one number, for sorted bigram sets.
pub fn pack(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// The bigrams of all Han runs of folded text, as strings.
pub fn bigram_strings(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, run, _) in runs(folded) {
        if kind == RunKind::Han {
            let chars: Vec<char> = run.chars().collect();
            for w in chars.windows(2) {
                let mut s = String::with_capacity(6);
                s.push(w[0]);
                s.push(w[1]);
                out.push(s);
            }
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_traditional_width_and_case() {
        assert_eq!(normalize("駕駛證換證"), "驾驶证换证");
        assert_eq!(normalize("ＳＣ認證　ＫＴＶ"), "sc认证 ktv");
        assert_eq!(normalize("身份證").chars().count(), 3);
    }

    #[test]
    fn splits_runs() {
        let r = runs("办sc认证80岁 补贴");
        let kinds: Vec<_> = r.iter().map(|(k, t, s)| (*k, *t, *s)).collect();
        assert_eq!(
            kinds,
            vec![
                (RunKind::Han, "办", 0),
                (RunKind::Alnum, "sc", 1),
                (RunKind::Han, "认证", 3),
                (RunKind::Alnum, "80", 5),
                (RunKind::Han, "岁", 7),
                (RunKind::Han, "补贴", 9),
            ]
        );
    }

    #[test]
    fn escapes() {
        let mut s = String::new();
        escape_html("<a href=\"x\">&'", &mut s);
        assert_eq!(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
