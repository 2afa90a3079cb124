//! Pinyin: the readings of characters, the pinyin of words, and splitting typed Latin letters into
//! syllables. Pinyin is never used to fold Chinese text (homophones would merge); it feeds a
//! separate, weaker field, the homophone typo candidates and the pinyin-to-word lookup.

use std::collections::HashSet;
use std::sync::OnceLock;

use pinyin::{ToPinyin, ToPinyinMulti};

fn plain(p: pinyin::Pinyin) -> String {
    p.plain().replace('ü', "v")
}

/// The most common toneless reading of a character (`ü` written `v`).
pub fn reading(c: char) -> Option<String> {
    c.to_pinyin().map(plain)
}

/// All toneless readings of a character.
pub fn readings(c: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(multi) = c.to_pinyin_multi() {
        for p in multi {
            let r = plain(p);
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// The syllables of a Han word, one per character; `None` if a character has no reading.
pub fn syllables(word: &str) -> Option<Vec<String>> {
    word.chars().map(reading).collect()
}

/// Full pinyin of a word without separators (社保卡 → shebaoka).
pub fn full(word: &str) -> Option<String> {
    syllables(word).map(|s| s.concat())
}

/// Pinyin initials of a word (社保卡 → sbk).
pub fn initials(word: &str) -> Option<String> {
    syllables(word).map(|s| s.iter().filter_map(|p| p.chars().next()).collect())
}

/// Every toneless syllable of standard Mandarin, gathered from the reading table.
fn syllable_set() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = HashSet::new();
        for cp in 0x4E00u32..=0x9FFF {
            if let Some(c) = char::from_u32(cp) {
                for r in readings(c) {
                    if r.chars().all(|c| c.is_ascii_lowercase()) {
                        set.insert(r);
                    }
                }
            }
        }
        // Interjection readings (hm, ng, m) make accidental splits of real words; drop them.
        for odd in ["hm", "hng", "m", "n", "ng", "r", "ê"] {
            set.remove(odd);
        }
        set
    })
}

/// Warms the syllable table (a few milliseconds).
pub fn warm() {
    let _ = syllable_set();
}

/// Splits lower-case letters into pinyin syllables, preferring the fewest syllables (so "xian"
/// stays one syllable). `None` when the letters are not pinyin.
pub fn split_syllables(letters: &str) -> Option<Vec<String>> {
    let set = syllable_set();
    let chars: Vec<char> = letters.chars().collect();
    if chars.is_empty() || !chars.iter().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    let n = chars.len();
    // best[i] = (syllable count, previous cut) for chars[..i]
    let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    best[0] = Some((0, 0));
    for end in 1..=n {
        for start in end.saturating_sub(6)..end {
            let Some((count, _)) = best[start] else {
                continue;
            };
            let piece: String = chars[start..end].iter().collect();
            if set.contains(&piece) {
                let candidate = (count + 1, start);
                if best[end].is_none_or(|(c, _)| candidate.0 < c) {
                    best[end] = Some(candidate);
                }
            }
        }
    }
    best[n]?;
    let mut out = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = best[end]?;
        out.push(chars[start..end].iter().collect());
        end = start;
    }
    out.reverse();
    Some(out)
}

/// Whether letters look like typed initials (社保卡 → "sbk"): 2–8 letters with no vowel that
/// would make them pinyin syllables.
pub fn looks_like_initials(letters: &str) -> bool {
    let n = letters.chars().count();
    (2..=8).contains(&n)
        && letters.chars().all(|c| c.is_ascii_lowercase())
        && !letters
            .chars()
            .any(|c| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'v'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(full("社保卡").as_deref(), Some("shebaoka"));
        assert_eq!(initials("社保卡").as_deref(), Some("sbk"));
        assert_eq!(reading('绿').as_deref(), Some("lv"));
        assert!(readings('行').len() >= 2);
    }

    #[test]
    fn splits() {
        assert_eq!(
            split_syllables("shenfenzheng"),
            Some(vec!["shen".into(), "fen".into(), "zheng".into()])
        );
        assert_eq!(split_syllables("xian"), Some(vec!["xian".into()]));
        assert_eq!(split_syllables("ktv"), None);
        assert!(looks_like_initials("sbk"));
        assert!(!looks_like_initials("shebao"));
    }
}
