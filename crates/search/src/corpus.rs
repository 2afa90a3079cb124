//! The in-memory side of the index: every document with its folded texts, and the statistics the
//! query pipeline reads (bigram document frequencies, the vocabulary of names and aliases with its
//! pinyin, homophones, the suggestion list). Rebuilt from the stored documents after each change.

use std::sync::Arc;

use crate::analysis::jieba;
use crate::document::{DocKind, SearchDocument};
use crate::py;
use crate::text::{IntMap, IntSet, RunKind, is_han, normalize, pack, runs};

/// Which part of a document a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Name,
    Alias,
    Keyword,
    Body,
}

/// One folded text of a document, ready for overlap scoring.
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub part: Part,
    /// Index into the document's aliases/keywords (0 for name/body).
    pub index: usize,
    pub chars: Vec<char>,
    /// Sorted, de-duplicated packed bigrams of the Han runs.
    pub bigrams: Vec<u64>,
    /// Latin/digit words.
    pub words: Vec<String>,
}

impl Text {
    pub fn new(part: Part, index: usize, raw: &str) -> Self {
        let folded = normalize(raw);
        let chars: Vec<char> = folded.chars().collect();
        let mut bigrams = Vec::new();
        let mut words = Vec::new();
        for (kind, run, _) in runs(&folded) {
            match kind {
                RunKind::Han => {
                    let rc: Vec<char> = run.chars().collect();
                    bigrams.extend(rc.windows(2).map(|w| pack(w[0], w[1])));
                }
                RunKind::Alnum => words.push(run.to_string()),
            }
        }
        bigrams.sort_unstable();
        bigrams.dedup();
        Text {
            part,
            index,
            chars,
            bigrams,
            words,
        }
    }

    pub fn has_bigram(&self, b: u64) -> bool {
        self.bigrams.binary_search(&b).is_ok()
    }

    pub fn has_char(&self, c: char) -> bool {
        self.chars.contains(&c)
    }
}

/// A document with its texts.
#[derive(Debug)]
pub(crate) struct Entry {
    pub uid: u64,
    pub doc: SearchDocument,
    pub texts: Vec<Text>,
    /// Vocabulary words (2+ characters) of the name, aliases and keywords: whole Han runs and
    /// their search-mode sub-words, computed once per document.
    pub words: Vec<String>,
}

const BODY_TEXT_LIMIT: usize = 600;

impl Entry {
    pub fn new(uid: u64, doc: SearchDocument) -> Self {
        let mut texts = vec![Text::new(Part::Name, 0, &doc.name)];
        for (i, a) in doc.aliases.iter().enumerate() {
            texts.push(Text::new(Part::Alias, i, a));
        }
        for (i, k) in doc.keywords.iter().enumerate() {
            texts.push(Text::new(Part::Keyword, i, k));
        }
        if !doc.body.is_empty() {
            let body: String = doc.body.chars().take(BODY_TEXT_LIMIT).collect();
            texts.push(Text::new(Part::Body, 0, &body));
        }
        let mut words = Vec::new();
        for text in texts.iter().filter(|t| t.part != Part::Body) {
            let folded: String = text.chars.iter().collect();
            for (kind, run, _) in runs(&folded) {
                if kind != RunKind::Han {
                    continue;
                }
                if run.chars().count() >= 2 {
                    words.push(run.to_string());
                }
                for t in jieba().cut_for_search(run, true) {
                    if t.word.chars().count() >= 2 && t.word != run {
                        words.push(t.word.to_string());
                    }
                }
            }
        }
        Entry {
            uid,
            doc,
            texts,
            words,
        }
    }

    pub fn raw_text(&self, text: &Text) -> &str {
        match text.part {
            Part::Name => &self.doc.name,
            Part::Alias => self.doc.aliases.get(text.index).map_or("", String::as_str),
            Part::Keyword => self.doc.keywords.get(text.index).map_or("", String::as_str),
            Part::Body => &self.doc.body,
        }
    }
}

/// A name or alias offered as you type.
#[derive(Debug, Clone)]
pub(crate) struct Suggestion {
    pub folded: String,
    pub display: String,
    pub pinyin: String,
    pub initials: String,
    pub weight: f32,
}

/// Corpus statistics for the query pipeline.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub docs: usize,
    /// In how many documents' names, aliases and keywords a bigram occurs.
    pub bigram_df: IntMap<u64, u32>,
    /// Inverse document frequency of the known bigrams.
    pub bigram_idf: IntMap<u64, f32>,
    /// The idf of a bigram no document has.
    pub unknown_idf: f32,
    /// Words of two or more characters of names, aliases and keywords, with their counts.
    pub vocab: IntMap<String, u32>,
    /// Full pinyin → vocabulary words.
    pub by_pinyin: IntMap<String, Vec<String>>,
    /// Pinyin initials → vocabulary words.
    pub by_initials: IntMap<String, Vec<String>>,
    /// Toneless syllable → characters of the corpus read that way.
    pub homophones: IntMap<String, Vec<char>>,
    /// Sorted by `folded`.
    pub suggestions: Vec<Suggestion>,
    /// For each character, the characters that follow it in some known bigram (sorted).
    pub next: IntMap<char, Vec<char>>,
    /// For each character, the characters that precede it in some known bigram (sorted).
    pub prev: IntMap<char, Vec<char>>,
}

impl Stats {
    pub fn build<'a>(entries: impl Iterator<Item = &'a Arc<Entry>>) -> Self {
        let mut stats = Stats::default();
        let mut chars: IntSet<char> = IntSet::default();
        let mut seen_suggestion: IntMap<String, usize> = IntMap::default();
        for entry in entries {
            stats.docs += 1;
            let mut doc_bigrams: IntSet<u64> = IntSet::default();
            for text in entry.texts.iter().filter(|t| t.part != Part::Body) {
                doc_bigrams.extend(text.bigrams.iter().copied());
                chars.extend(text.chars.iter().copied().filter(|c| is_han(*c)));
                let suggestible =
                    entry.doc.kind != DocKind::Faq && matches!(text.part, Part::Name | Part::Alias);
                if suggestible {
                    let folded: String = text.chars.iter().collect();
                    let display = entry.raw_text(text).to_string();
                    let weight = entry.doc.boost
                        * if text.part == Part::Name { 1.0 } else { 0.9 }
                        * if entry.doc.kind == DocKind::Item {
                            1.0
                        } else {
                            0.95
                        };
                    match seen_suggestion.get(&folded) {
                        Some(&i) => {
                            if let Some(s) = stats.suggestions.get_mut(i) {
                                s.weight = s.weight.max(weight) + 0.05;
                            }
                        }
                        None => {
                            let han: String = folded.chars().filter(|c| is_han(*c)).collect();
                            seen_suggestion.insert(folded.clone(), stats.suggestions.len());
                            stats.suggestions.push(Suggestion {
                                pinyin: py::full(&han).unwrap_or_default(),
                                initials: py::initials(&han).unwrap_or_default(),
                                folded,
                                display,
                                weight,
                            });
                        }
                    }
                }
            }
            for b in doc_bigrams {
                *stats.bigram_df.entry(b).or_default() += 1;
            }
            for word in &entry.words {
                match stats.vocab.get_mut(word) {
                    Some(n) => *n += 1,
                    None => {
                        stats.vocab.insert(word.clone(), 1);
                    }
                }
            }
        }
        for word in stats.vocab.keys() {
            if let Some(p) = py::full(word) {
                stats.by_pinyin.entry(p).or_default().push(word.clone());
            }
            if let Some(i) = py::initials(word) {
                stats.by_initials.entry(i).or_default().push(word.clone());
            }
        }
        let vocab = &stats.vocab;
        let by_count = |a: &String, b: &String| {
            let (ca, cb) = (vocab.get(a).copied(), vocab.get(b).copied());
            cb.cmp(&ca)
                .then(a.chars().count().cmp(&b.chars().count()))
                .then(a.cmp(b))
        };
        for list in stats.by_pinyin.values_mut() {
            list.sort_by(by_count);
        }
        for list in stats.by_initials.values_mut() {
            list.sort_by(by_count);
        }
        let mut chars: Vec<char> = chars.into_iter().collect();
        chars.sort_unstable();
        for &c in &chars {
            for r in py::readings(c) {
                stats.homophones.entry(r).or_default().push(c);
            }
        }
        let n = stats.docs as f32 + 1.0;
        stats.unknown_idf = (1.0 + n).ln();
        stats.bigram_idf = stats
            .bigram_df
            .iter()
            .map(|(b, df)| (*b, (1.0 + n / (*df as f32 + 1.0)).ln()))
            .collect();
        for &b in stats.bigram_df.keys() {
            let (Some(first), Some(second)) =
                (char::from_u32((b >> 32) as u32), char::from_u32(b as u32))
            else {
                continue;
            };
            stats.next.entry(first).or_default().push(second);
            stats.prev.entry(second).or_default().push(first);
        }
        for list in stats.next.values_mut().chain(stats.prev.values_mut()) {
            list.sort_unstable();
        }
        stats.suggestions.sort_by(|a, b| a.folded.cmp(&b.folded));
        stats
    }

    /// Characters c with both `a c` and `c b` known bigrams.
    pub fn between(&self, a: char, b: char) -> Vec<char> {
        let (Some(after), Some(before)) = (self.next.get(&a), self.prev.get(&b)) else {
            return Vec::new();
        };
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < after.len() && j < before.len() {
            match after[i].cmp(&before[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    out.push(after[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        out
    }

    pub fn df(&self, a: char, b: char) -> u32 {
        self.bigram_df.get(&pack(a, b)).copied().unwrap_or(0)
    }

    /// Inverse document frequency of a bigram over names, aliases and keywords.
    pub fn idf(&self, bigram: u64) -> f32 {
        self.bigram_idf
            .get(&bigram)
            .copied()
            .unwrap_or(self.unknown_idf)
    }
}
