//! Text analysis for the index: jieba in search mode, character bigrams and unigrams, and the
//! pinyin tokens of the weak pinyin field. Input is always folded text ([`crate::text::normalize`]).

use std::sync::OnceLock;

use jieba_rs::Jieba;

use crate::py;
use crate::text::{RunKind, runs};

/// Words jieba's general dictionary splits but that people type as one word.
const EXTRA_WORDS: &[&str] = &[
    "社保卡",
    "医保卡",
    "公积金",
    "一件事",
    "营业执照",
    "个体户",
    "驾照",
    "驾驶证",
    "行驶证",
    "身份证",
    "户口本",
    "户口簿",
    "出生证",
    "准生证",
    "结婚证",
    "离婚证",
    "残疾证",
    "老年证",
    "居住证",
    "暂住证",
    "护照",
    "通行证",
    "签注",
    "落户",
    "上户口",
    "报户口",
    "低保",
    "五保户",
    "特困",
    "养老金",
    "失业金",
    "医保",
    "社保",
    "个税",
    "汇算",
    "网签",
    "过户",
    "上牌",
    "年检",
    "违章",
    "刻章",
    "公章",
    "发票",
    "清税",
    "注销",
    "宅基地",
    "公租房",
    "廉租房",
    "不动产",
    "房产证",
    "产权证",
    "无犯罪",
    "良民证",
    "工伤",
    "仲裁",
    "退役",
    "退伍",
    "优待证",
    "婚检",
    "网约车",
    "民宿",
    "小卖部",
    "便利店",
    "药店",
    "诊所",
    "餐饮店",
    "饭店",
    "饭馆",
    "餐馆",
];

/// The shared segmenter: jieba's embedded dictionary (about 150 ms to load, done once).
pub fn jieba() -> &'static Jieba {
    static JIEBA: OnceLock<Jieba> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut jieba = Jieba::new();
        for word in EXTRA_WORDS {
            jieba.add_word(word, Some(20_000), None);
        }
        jieba
    })
}

/// Loads the dictionaries and tables now rather than on the first query.
pub fn warm() {
    let _ = jieba().cut_for_search("居民身份证换领", true);
    py::warm();
}

/// Precise-mode words of a Han run (for reading queries).
pub fn cut(run: &str) -> Vec<&str> {
    jieba().cut(run, true).into_iter().map(|t| t.word).collect()
}

/// The tokens of one text, per kind.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    /// Search-mode words of two or more characters, and Latin/digit runs.
    pub words: Vec<String>,
    /// Character bigrams within Han runs.
    pub bigrams: Vec<String>,
    /// Single Han characters.
    pub unigrams: Vec<String>,
    /// Full pinyin of words, of whole runs and of syllable pairs.
    pub pinyin: Vec<String>,
    /// Pinyin initials of words and of whole runs.
    pub initials: Vec<String>,
}

impl Tokens {
    pub fn extend(&mut self, other: Tokens) {
        self.words.extend(other.words);
        self.bigrams.extend(other.bigrams);
        self.unigrams.extend(other.unigrams);
        self.pinyin.extend(other.pinyin);
        self.initials.extend(other.initials);
    }
}

/// Analyses folded text for indexing.
pub fn analyze(folded: &str, with_pinyin: bool) -> Tokens {
    let mut tokens = Tokens::default();
    for (kind, run, _) in runs(folded) {
        match kind {
            RunKind::Alnum => tokens.words.push(run.to_string()),
            RunKind::Han => {
                let chars: Vec<char> = run.chars().collect();
                for c in &chars {
                    tokens.unigrams.push(c.to_string());
                }
                for w in chars.windows(2) {
                    tokens.bigrams.push(w.iter().collect());
                }
                let words = jieba().cut_for_search(run, true);
                for t in &words {
                    if t.word.chars().count() >= 2 {
                        tokens.words.push(t.word.to_string());
                    }
                }
                if with_pinyin {
                    if let Some(syl) = py::syllables(run) {
                        if syl.len() >= 2 {
                            tokens.pinyin.push(syl.concat());
                            tokens
                                .initials
                                .push(syl.iter().filter_map(|s| s.chars().next()).collect());
                        }
                        for pair in syl.windows(2) {
                            tokens.pinyin.push(pair.concat());
                        }
                    }
                    for t in &words {
                        if t.word.chars().count() >= 2 && t.word.chars().count() < chars.len() {
                            if let Some(p) = py::full(t.word) {
                                tokens.pinyin.push(p);
                            }
                            if let Some(i) = py::initials(t.word) {
                                tokens.initials.push(i);
                            }
                        }
                    }
                }
            }
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyses_words_bigrams_and_pinyin() {
        let t = analyze("办社保卡", true);
        assert!(t.words.contains(&"社保卡".to_string()), "{:?}", t.words);
        assert!(t.bigrams.contains(&"保卡".to_string()));
        assert!(t.unigrams.contains(&"卡".to_string()));
        assert!(t.pinyin.contains(&"shebaoka".to_string()), "{:?}", t.pinyin);
        assert!(t.initials.contains(&"sbk".to_string()), "{:?}", t.initials);
        let latin = analyze("sc认证", false);
        assert!(latin.words.contains(&"sc".to_string()));
    }
}
