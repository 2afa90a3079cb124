//! The in-memory side of the index: every document with its folded texts, and the statistics the
//! query pipeline reads (bigram document frequencies, the vocabulary of names and aliases with its
//! pinyin, homophones, the suggestion list). Rebuilt from the stored documents after each change.

use std::sync::Arc;

use crate::analysis::jieba;
use crate::document::{DocKind, SearchDocument};
use crate::py;
use crate::text::{IntMap, RunKind, is_han, normalize, pack, runs};

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
    /// The distinct bigrams of the name, aliases and keywords, sorted.
    pub bigrams: Vec<u64>,
    /// The distinct Han characters of the name, aliases and keywords, sorted.
    pub han: Vec<char>,
    /// The name and aliases as suggestions (none for FAQs).
    pub suggestions: Vec<Suggestion>,
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
        let strong = || texts.iter().filter(|t| t.part != Part::Body);
        let mut bigrams: Vec<u64> = strong().flat_map(|t| t.bigrams.iter().copied()).collect();
        bigrams.sort_unstable();
        bigrams.dedup();
        let mut han: Vec<char> = strong()
            .flat_map(|t| t.chars.iter().copied())
            .filter(|c| is_han(*c))
            .collect();
        han.sort_unstable();
        han.dedup();
        let mut suggestions = Vec::new();
        if doc.kind != DocKind::Faq {
            for text in texts
                .iter()
                .filter(|t| matches!(t.part, Part::Name | Part::Alias))
            {
                let folded: String = text.chars.iter().collect();
                let raw = match text.part {
                    Part::Name => doc.name.as_str(),
                    _ => doc.aliases.get(text.index).map_or("", String::as_str),
                };
                let weight = doc.boost
                    * if text.part == Part::Name { 1.0 } else { 0.9 }
                    * if doc.kind == DocKind::Item { 1.0 } else { 0.95 };
                let han: String = folded.chars().filter(|c| is_han(*c)).collect();
                suggestions.push(Suggestion {
                    pinyin: py::full(&han).unwrap_or_default(),
                    initials: py::initials(&han).unwrap_or_default(),
                    folded,
                    display: raw.to_string(),
                    weight,
                });
            }
        }
        Entry {
            uid,
            doc,
            texts,
            words,
            bigrams,
            han,
            suggestions,
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

/// What the statistics count, updated document by document.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counts {
    pub docs: usize,
    /// In how many documents' names, aliases and keywords a bigram occurs.
    pub bigram_df: IntMap<u64, u32>,
    /// Words of two or more characters of names, aliases and keywords, with their counts.
    pub vocab: IntMap<String, u32>,
    /// Full pinyin → vocabulary words (unordered; see [`Stats::words_by_pinyin`]).
    pub by_pinyin: IntMap<String, Vec<String>>,
    /// Pinyin initials → vocabulary words (unordered).
    pub by_initials: IntMap<String, Vec<String>>,
    /// Han characters of names, aliases and keywords, with the number of documents.
    pub chars: IntMap<char, u32>,
}

impl Counts {
    pub fn add(&mut self, entry: &Entry) {
        self.docs += 1;
        for b in &entry.bigrams {
            *self.bigram_df.entry(*b).or_default() += 1;
        }
        for c in &entry.han {
            *self.chars.entry(*c).or_default() += 1;
        }
        for word in &entry.words {
            if let Some(n) = self.vocab.get_mut(word) {
                *n += 1;
                continue;
            }
            self.vocab.insert(word.clone(), 1);
            if let Some(p) = py::full(word) {
                self.by_pinyin.entry(p).or_default().push(word.clone());
            }
            if let Some(i) = py::initials(word) {
                self.by_initials.entry(i).or_default().push(word.clone());
            }
        }
    }

    pub fn remove(&mut self, entry: &Entry) {
        self.docs = self.docs.saturating_sub(1);
        for b in &entry.bigrams {
            decrement(&mut self.bigram_df, b);
        }
        for c in &entry.han {
            decrement(&mut self.chars, c);
        }
        for word in &entry.words {
            let gone = match self.vocab.get_mut(word) {
                Some(n) if *n > 1 => {
                    *n -= 1;
                    false
                }
                Some(_) => true,
                None => false,
            };
            if gone {
                self.vocab.remove(word);
                for (map, key) in [
                    (&mut self.by_pinyin, py::full(word)),
                    (&mut self.by_initials, py::initials(word)),
                ] {
                    if let Some(key) = key
                        && let Some(list) = map.get_mut(&key)
                    {
                        list.retain(|w| w != word);
                        if list.is_empty() {
                            map.remove(&key);
                        }
                    }
                }
            }
        }
    }
}

fn decrement<K: std::hash::Hash + Eq>(map: &mut IntMap<K, u32>, key: &K) {
    let gone = match map.get_mut(key) {
        Some(n) if *n > 1 => {
            *n -= 1;
            false
        }
        Some(_) => true,
        None => false,
    };
    if gone {
        map.remove(key);
    }
}

/// Corpus statistics for the query pipeline: the counts and what is derived from them.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub counts: Counts,
    pub docs: usize,
    /// Inverse document frequency of the known bigrams.
    pub bigram_idf: IntMap<u64, f32>,
    /// The idf of a bigram no document has.
    pub unknown_idf: f32,
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
    /// Statistics of all `entries`.
    #[cfg(test)]
    pub fn build<'a>(entries: impl Iterator<Item = &'a Arc<Entry>> + Clone) -> Self {
        let mut counts = Counts::default();
        for entry in entries.clone() {
            counts.add(entry);
        }
        Self::derive(counts, entries)
    }

    /// The derived tables for `counts`, which must be the counts of `entries`.
    pub fn derive<'a>(counts: Counts, entries: impl Iterator<Item = &'a Arc<Entry>>) -> Self {
        let mut stats = Stats {
            docs: counts.docs,
            ..Stats::default()
        };
        let mut seen: IntMap<&str, usize> = IntMap::default();
        let mut suggestions: Vec<&Suggestion> = Vec::new();
        let mut bonus: Vec<f32> = Vec::new();
        for entry in entries {
            for s in &entry.suggestions {
                match seen.get(s.folded.as_str()) {
                    Some(&i) => {
                        bonus[i] += 0.05;
                        if s.weight > suggestions[i].weight {
                            suggestions[i] = s;
                        }
                    }
                    None => {
                        seen.insert(s.folded.as_str(), suggestions.len());
                        suggestions.push(s);
                        bonus.push(0.0);
                    }
                }
            }
        }
        stats.suggestions = suggestions
            .into_iter()
            .zip(bonus)
            .map(|(s, b)| Suggestion {
                weight: s.weight + b,
                ..s.clone()
            })
            .collect();
        stats.suggestions.sort_by(|a, b| a.folded.cmp(&b.folded));
        let mut chars: Vec<char> = counts.chars.keys().copied().collect();
        chars.sort_unstable();
        for &c in &chars {
            for r in py::readings(c) {
                stats.homophones.entry(r).or_default().push(c);
            }
        }
        let n = stats.docs as f32 + 1.0;
        stats.unknown_idf = (1.0 + n).ln();
        stats.bigram_idf = counts
            .bigram_df
            .iter()
            .map(|(b, df)| (*b, (1.0 + n / (*df as f32 + 1.0)).ln()))
            .collect();
        for &b in counts.bigram_df.keys() {
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
        stats.counts = counts;
        stats
    }

    /// Whether a bigram occurs in some name, alias or keyword.
    pub fn knows(&self, bigram: &u64) -> bool {
        self.counts.bigram_df.contains_key(bigram)
    }

    /// Whether a word is in the vocabulary.
    pub fn has_word(&self, word: &str) -> bool {
        self.counts.vocab.contains_key(word)
    }

    fn ranked(&self, list: Option<&Vec<String>>, n: usize) -> Vec<String> {
        let Some(list) = list else {
            return Vec::new();
        };
        let mut words: Vec<&String> = list.iter().collect();
        let count = |w: &String| self.counts.vocab.get(w).copied().unwrap_or(0);
        words.sort_by(|a, b| {
            count(b)
                .cmp(&count(a))
                .then(a.chars().count().cmp(&b.chars().count()))
                .then(a.cmp(b))
        });
        words.into_iter().take(n).cloned().collect()
    }

    /// Vocabulary words spelled by this full pinyin, most common first.
    pub fn words_by_pinyin(&self, pinyin: &str, n: usize) -> Vec<String> {
        self.ranked(self.counts.by_pinyin.get(pinyin), n)
    }

    /// Vocabulary words with these initials, most common first.
    pub fn words_by_initials(&self, initials: &str, n: usize) -> Vec<String> {
        self.ranked(self.counts.by_initials.get(initials), n)
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
        self.counts.bigram_df.get(&pack(a, b)).copied().unwrap_or(0)
    }

    /// Inverse document frequency of a bigram over names, aliases and keywords.
    pub fn idf(&self, bigram: u64) -> f32 {
        self.bigram_idf
            .get(&bigram)
            .copied()
            .unwrap_or(self.unknown_idf)
    }
}
