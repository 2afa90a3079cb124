//! Reading a query: normalise, drop question words and filler, split into concepts, expand each
//! concept with synonyms, typo corrections and pinyin-to-word lookups.

use std::collections::HashSet;

use crate::analysis::{self, cut};
use crate::corpus::Stats;
use crate::py;
use crate::synonyms::SynonymSet;
use crate::text::{RunKind, normalize, pack, runs};

/// Question words and filler: they carry no subject and must not decide the ranking.
const FILLER: &[&str] = &[
    "怎么办",
    "怎么",
    "怎样",
    "怎么样",
    "如何",
    "咋",
    "咋办",
    "咋弄",
    "啥",
    "什么",
    "哪里",
    "在哪里",
    "在哪",
    "在哪儿",
    "哪儿",
    "哪个",
    "哪些",
    "哪",
    "去哪",
    "去哪里",
    "去哪儿",
    "到哪",
    "到哪里",
    "需要",
    "需",
    "要",
    "想",
    "我想",
    "我要",
    "想要",
    "我",
    "我们",
    "你们",
    "了",
    "的",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "么",
    "请问",
    "请",
    "可以",
    "能",
    "能不能",
    "可不可以",
    "是不是",
    "有没有",
    "办理",
    "办",
    "去",
    "带",
    "要带",
    "准备",
    "手续",
    "流程",
    "材料",
    "资料",
    "多久",
    "多长时间",
    "多少钱",
    "一下",
    "一个",
    "个",
    "给",
    "帮",
    "帮忙",
    "弄",
    "搞",
    "有",
    "都",
    "还",
    "和",
    "与",
    "及",
    "或",
    "以后",
    "之后",
    "后",
    "时候",
    "的话",
    "应该",
    "必须",
    "得",
    "该",
    "找",
    "谁",
    "哪家",
    "地方",
    "怎么弄",
    "咨询",
    "问",
    "问一下",
    "一般",
    "现在",
    "刚",
    "刚刚",
    "已经",
    "就",
    "又",
    "再",
    "也",
    "呢",
    "吗？",
    "办个",
    "办张",
    "张",
    "本",
    "些",
    "这个",
    "那个",
    "这",
    "那",
];

/// Longer queries are cut (a pasted paragraph must not make a query of hundreds of terms).
const MAX_QUERY_CHARS: usize = 64;

/// Unknown bigrams examined for typos per span.
const MAX_TYPO_PROBES: usize = 4;

/// Words that make a query read as a life event ("生孩子了要办什么"): 一件事 bundles rank higher.
const EVENT_CUES: &[&str] = &[
    "手续",
    "流程",
    "一件事",
    "办什么",
    "办哪些",
    "要办的",
    "做什么",
    "哪些事",
    "全套",
    "全流程",
    "都要",
    "一站式",
    "一次办",
];

fn filler_set() -> &'static HashSet<&'static str> {
    static SET: std::sync::OnceLock<HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| FILLER.iter().copied().collect())
}

/// Where a form comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Query,
    Synonym,
    Typo,
    Pinyin,
    /// Latin letters searched in the pinyin fields.
    PinyinLetters,
}

/// One way of writing a concept.
#[derive(Debug, Clone)]
pub struct Form {
    /// Folded text.
    pub text: String,
    pub chars: Vec<char>,
    /// Packed bigrams (Han only).
    pub bigrams: Vec<u64>,
    pub weight: f32,
    pub origin: Origin,
}

impl Form {
    fn new(text: &str, weight: f32, origin: Origin) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let mut bigrams = Vec::new();
        for (kind, run, _) in runs(text) {
            if kind == RunKind::Han {
                let rc: Vec<char> = run.chars().collect();
                bigrams.extend(rc.windows(2).map(|w| pack(w[0], w[1])));
            }
        }
        Form {
            text: text.to_string(),
            chars,
            bigrams,
            weight,
            origin,
        }
    }

    /// Whether the form is latin letters/digits only.
    pub fn is_latin(&self) -> bool {
        self.chars.iter().all(|c| c.is_ascii_alphanumeric())
    }
}

/// A unit of meaning in the query, with the ways it may be written.
#[derive(Debug, Clone)]
pub struct Concept {
    /// `forms[0]` is what was typed (folded).
    pub forms: Vec<Form>,
    /// Importance (information content) of the concept.
    pub weight: f32,
}

/// The query as understood.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub folded: String,
    pub concepts: Vec<Concept>,
    /// Content spans as typed (for the bigrams that cross word boundaries).
    pub spans: Vec<String>,
    /// The query reads as a life event.
    pub event: bool,
    /// A rewrite of the query (typo fixed, pinyin turned into words), for "您是不是要找…".
    pub rewrite: Option<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }
}

/// Reads a query.
pub fn plan(query: &str, synonyms: &SynonymSet, stats: &Stats) -> Plan {
    let folded: String = normalize(query.trim())
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect();
    let mut plan = Plan {
        folded: folded.clone(),
        event: EVENT_CUES.iter().any(|cue| folded.contains(cue)),
        ..Plan::default()
    };
    // Pieces of content in query order: Han spans (with filler removed) and Latin runs.
    enum Piece {
        Han(String),
        Latin(String),
    }
    let mut pieces: Vec<Piece> = Vec::new();
    let mut all_han: Vec<String> = Vec::new();
    for (kind, run, _) in runs(&folded) {
        match kind {
            RunKind::Alnum => pieces.push(Piece::Latin(run.to_string())),
            RunKind::Han => {
                all_han.push(run.to_string());
                let mut span = String::new();
                for word in cut(run) {
                    if filler_set().contains(word) {
                        if !span.is_empty() {
                            pieces.push(Piece::Han(std::mem::take(&mut span)));
                        }
                    } else {
                        span.push_str(word);
                    }
                }
                if !span.is_empty() {
                    pieces.push(Piece::Han(span));
                }
            }
        }
    }
    if pieces.is_empty() {
        // Nothing but filler: search for it after all.
        pieces = all_han.into_iter().map(Piece::Han).collect();
    }
    let mut rewrite_parts: Vec<String> = Vec::new();
    let mut rewritten = false;
    for piece in pieces {
        match piece {
            Piece::Latin(letters) => {
                let (concept, words) = latin_concept(&letters, stats);
                if let Some(w) = words {
                    rewrite_parts.push(w);
                    rewritten = true;
                } else {
                    rewrite_parts.push(letters.clone());
                }
                plan.concepts.push(concept);
            }
            Piece::Han(span) => {
                let correction = correct(&span, stats);
                let primary = correction
                    .as_ref()
                    .map_or(span.as_str(), |c| c.text.as_str());
                if let Some(c) = &correction {
                    rewritten = true;
                    rewrite_parts.push(c.text.clone());
                } else {
                    rewrite_parts.push(span.clone());
                }
                plan.spans.push(span.clone());
                if primary != span {
                    plan.spans.push(primary.to_string());
                }
                let mut concepts = han_concepts(primary, synonyms, stats);
                if let Some(c) = &correction {
                    attach_originals(&mut concepts, &span, c);
                }
                plan.concepts.extend(concepts);
            }
        }
    }
    if rewritten {
        plan.rewrite = Some(rewrite_parts.join(" "));
    }
    plan
}

/// Concepts of a Han span: synonym terms (longest first) and the jieba words between them.
fn han_concepts(span: &str, synonyms: &SynonymSet, stats: &Stats) -> Vec<Concept> {
    let chars: Vec<char> = span.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    let push_words = |out: &mut Vec<Concept>, text: &str| {
        if text.is_empty() {
            return;
        }
        for word in cut(text) {
            let mut forms = vec![Form::new(word, 1.0, Origin::Query)];
            // A jieba word inside a longer synonym term is handled by that term; here a word
            // that is itself a term (found because its neighbours split differently) expands.
            if let Some(eq) = synonyms.get(word) {
                for e in eq {
                    forms.push(Form::new(e, 0.8, Origin::Synonym));
                }
            }
            let weight = concept_weight(&forms[0], stats);
            out.push(Concept { forms, weight });
        }
    };
    for m in synonyms.find(span) {
        let before: String = chars[at..m.start].iter().collect();
        push_words(&mut out, &before);
        let term: String = chars[m.start..m.end].iter().collect();
        let mut forms = vec![Form::new(&term, 1.0, Origin::Query)];
        for e in m.equivalents {
            forms.push(Form::new(e, 0.8, Origin::Synonym));
        }
        let weight = concept_weight(&forms[0], stats);
        out.push(Concept { forms, weight });
        at = m.end;
    }
    let rest: String = chars[at..].iter().collect();
    push_words(&mut out, &rest);
    out
}

/// Information content: idf-weighted bigrams (single characters count half).
fn concept_weight(form: &Form, stats: &Stats) -> f32 {
    if form.bigrams.is_empty() {
        let n = form.chars.len().max(1) as f32;
        if form.is_latin() {
            return 2.0;
        }
        return 0.6 * n;
    }
    form.bigrams.iter().map(|b| stats.idf(*b)).sum::<f32>()
}

/// Latin letters: a literal word, pinyin of vocabulary words, or initials.
fn latin_concept(letters: &str, stats: &Stats) -> (Concept, Option<String>) {
    let mut forms = vec![Form::new(letters, 1.0, Origin::Query)];
    let mut found: Vec<String> = Vec::new();
    if letters.chars().all(|c| c.is_ascii_lowercase()) {
        if let Some(syllables) = py::split_syllables(letters) {
            if syllables.len() >= 2 {
                forms.push(Form::new(letters, 0.5, Origin::PinyinLetters));
                found = pinyin_to_words(&syllables, stats)
                    .unwrap_or_else(|| name_prefixes(stats, syllables.len(), letters, false));
            }
        } else if py::looks_like_initials(letters) {
            found = stats.words_by_initials(letters, 3);
            if found.is_empty() {
                found = name_prefixes(stats, letters.len(), letters, true);
            }
        }
    }
    for (i, w) in found.iter().enumerate() {
        forms.push(Form::new(w, if i == 0 { 0.9 } else { 0.6 }, Origin::Pinyin));
    }
    let words_found = found.first().cloned();
    let weight = if forms.len() > 1 {
        forms
            .iter()
            .skip(1)
            .map(|f| concept_weight(f, stats))
            .fold(0.0, f32::max)
            .max(2.0)
    } else {
        2.0
    };
    (Concept { forms, weight }, words_found)
}

/// The first `n` characters of the names and aliases whose pinyin (or initials) starts with the
/// letters: "shbzk" → 社会保障卡. Up to three, most common first.
fn name_prefixes(stats: &Stats, n: usize, letters: &str, initials: bool) -> Vec<String> {
    let mut counts: Vec<(String, f32)> = Vec::new();
    for s in &stats.suggestions {
        let key = if initials { &s.initials } else { &s.pinyin };
        if !key.starts_with(letters) {
            continue;
        }
        let han: Vec<char> = s
            .folded
            .chars()
            .filter(|c| crate::text::is_han(*c))
            .collect();
        if han.len() < n {
            continue;
        }
        let prefix: String = han[..n].iter().collect();
        // The letters must spell exactly these characters (not run into the next syllable).
        let spelled = match py::syllables(&prefix) {
            Some(syl) if initials => {
                syl.iter()
                    .filter_map(|p| p.chars().next())
                    .collect::<String>()
                    == letters
            }
            Some(syl) => syl.concat() == letters,
            None => false,
        };
        if !spelled {
            continue;
        }
        match counts.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, w)) => *w += s.weight,
            None => counts.push((prefix, s.weight)),
        }
    }
    counts.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.into_iter().take(3).map(|(p, _)| p).collect()
}

/// Syllables → the vocabulary words they spell: the whole sequence if it is one word, else a
/// cover by the fewest words. Returns up to three readings, best first.
fn pinyin_to_words(syllables: &[String], stats: &Stats) -> Option<Vec<String>> {
    let whole = syllables.concat();
    let whole_words = stats.words_by_pinyin(&whole, 3);
    if !whole_words.is_empty() {
        return Some(whole_words);
    }
    let n = syllables.len();
    // best[i] = (words used, previous cut, word) for syllables[..i]
    let mut best: Vec<Option<(usize, usize, String)>> = vec![None; n + 1];
    best[0] = Some((0, 0, String::new()));
    for end in 1..=n {
        for start in end.saturating_sub(8)..end {
            let Some((count, _, _)) = &best[start] else {
                continue;
            };
            let count = *count;
            let key = syllables[start..end].concat();
            let word = if end - start >= 2 {
                stats.words_by_pinyin(&key, 1).into_iter().next()
            } else {
                None
            };
            if let Some(word) = word
                && best[end].as_ref().is_none_or(|(c, _, _)| count + 1 < *c)
            {
                best[end] = Some((count + 1, start, word));
            }
        }
    }
    let mut words = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start, word) = best[end].clone()?;
        words.push(word);
        end = start;
    }
    words.reverse();
    Some(vec![words.concat()])
}

/// A typo correction of a span.
#[derive(Debug, Clone)]
struct Correction {
    text: String,
    /// For each char of `text`, the index of the original char it stands for (None if inserted).
    origin: Vec<Option<usize>>,
}

/// Fixes one wrong, missing or extra character per unknown stretch when the fix makes a word of
/// the catalogue's vocabulary. Homophones (what an input method gets wrong) are preferred.
fn correct(span: &str, stats: &Stats) -> Option<Correction> {
    let mut chars: Vec<char> = span.chars().collect();
    if chars.len() < 2 || stats.docs == 0 {
        return None;
    }
    let mut origin: Vec<Option<usize>> = (0..chars.len()).map(Some).collect();
    let mut changed = false;
    let mut edits = 0;
    let mut i = 0;
    let mut probes = 0;
    while i + 1 < chars.len() && edits < 2 && probes < MAX_TYPO_PROBES {
        if stats.df(chars[i], chars[i + 1]) > 0 || settled_pair(&chars, i) {
            i += 1;
            continue;
        }
        probes += 1;
        match best_edit(&chars, i, stats) {
            Some(edit) => {
                apply(&mut chars, &mut origin, &edit);
                changed = true;
                edits += 1;
                i += 1;
            }
            None => i += 1,
        }
    }
    changed.then(|| Correction {
        text: chars.iter().collect(),
        origin,
    })
}

/// Whether chars i, i+1 are not worth correcting: inside one dictionary word, or the boundary
/// between two words of two or more characters.
fn settled_pair(chars: &[char], i: usize) -> bool {
    let text: String = chars.iter().collect();
    let mut pos = 0;
    let mut left_long = false;
    for word in cut(&text) {
        let len = word.chars().count();
        let end = pos + len;
        if pos <= i && i + 1 < end {
            return len >= 2 && analysis::jieba().has_word(word);
        }
        if end == i + 1 {
            left_long = len >= 2;
        }
        if pos == i + 1 {
            return left_long && len >= 2;
        }
        pos = end;
    }
    false
}

#[derive(Debug, Clone)]
enum Edit {
    Substitute(usize, char),
    Insert(usize, char),
    Delete(usize),
}

fn apply(chars: &mut Vec<char>, origin: &mut Vec<Option<usize>>, edit: &Edit) {
    match *edit {
        Edit::Substitute(p, c) => chars[p] = c,
        Edit::Insert(p, c) => {
            chars.insert(p, c);
            origin.insert(p, None);
        }
        Edit::Delete(p) => {
            chars.remove(p);
            origin.remove(p);
        }
    }
}

/// The best edit that repairs the unknown bigram chars[i], chars[i+1].
fn best_edit(chars: &[char], i: usize, stats: &Stats) -> Option<Edit> {
    let known = |a: char, b: char| stats.df(a, b);
    let mut best: Option<(f32, Edit)> = None;
    let consider = |score: f32, edit: Edit, best: &mut Option<(f32, Edit)>| {
        let mut trial = chars.to_vec();
        let mut origin: Vec<Option<usize>> = (0..chars.len()).map(Some).collect();
        apply(&mut trial, &mut origin, &edit);
        let at = match edit {
            Edit::Substitute(p, _) | Edit::Insert(p, _) => p,
            Edit::Delete(p) => p.saturating_sub(1),
        };
        if !makes_vocab_word(&trial, at, stats) {
            return;
        }
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            *best = Some((score, edit));
        }
    };
    // Substitutions of either character: both new bigrams must be known.
    for p in [i, i + 1] {
        let left = p.checked_sub(1).map(|l| chars[l]);
        let right = chars.get(p + 1).copied();
        let fits = |c: char| -> Option<f32> {
            let l = left.map_or(Some(0), |l| (known(l, c) > 0).then(|| known(l, c)));
            let r = right.map_or(Some(0), |r| (known(c, r) > 0).then(|| known(c, r)));
            match (l, r) {
                (Some(a), Some(b)) if a + b > 0 => Some((a + b) as f32),
                _ => None,
            }
        };
        let sounds: HashSet<char> = py::readings(chars[p])
            .iter()
            .filter_map(|r| stats.homophones.get(r))
            .flatten()
            .copied()
            .filter(|c| *c != chars[p])
            .collect();
        let both_sides = left.is_some() && right.is_some();
        for &c in &sounds {
            if let Some(s) = fits(c) {
                consider(3.0 + s.ln_1p(), Edit::Substitute(p, c), &mut best);
            }
        }
        if let (true, Some(l), Some(r)) = (both_sides, left, right) {
            for c in stats.between(l, r) {
                if c != chars[p]
                    && !sounds.contains(&c)
                    && let Some(s) = fits(c)
                {
                    consider(1.0 + s.ln_1p(), Edit::Substitute(p, c), &mut best);
                }
            }
        }
    }
    // A missing character between the two.
    for c in stats.between(chars[i], chars[i + 1]) {
        let (a, b) = (known(chars[i], c), known(c, chars[i + 1]));
        consider(
            2.0 + ((a + b) as f32).ln_1p(),
            Edit::Insert(i + 1, c),
            &mut best,
        );
    }
    // An extra character (typed twice, or a stray one).
    if i >= 1 && known(chars[i - 1], chars[i + 1]) > 0 {
        consider(1.5, Edit::Delete(i), &mut best);
    }
    if i + 2 < chars.len() && known(chars[i], chars[i + 2]) > 0 {
        consider(1.5, Edit::Delete(i + 1), &mut best);
    }
    best.map(|(_, e)| e)
}

/// Whether a vocabulary word of 2+ characters covers position `at` of `chars`.
fn makes_vocab_word(chars: &[char], at: usize, stats: &Stats) -> bool {
    let n = chars.len();
    for start in at.saturating_sub(7)..=at.min(n.saturating_sub(1)) {
        for end in (at + 1).max(start + 2)..=(start + 8).min(n) {
            let word: String = chars[start..end].iter().collect();
            if stats.has_word(&word) {
                return true;
            }
        }
    }
    false
}

/// After a correction, each concept touching an edited character also accepts what was typed.
fn attach_originals(concepts: &mut [Concept], original: &str, c: &Correction) {
    let orig: Vec<char> = original.chars().collect();
    let text: Vec<char> = c.text.chars().collect();
    let edited: Vec<bool> = (0..text.len())
        .map(|k| match c.origin[k] {
            None => true,
            Some(o) => {
                orig.get(o) != Some(&text[k])
                    || (k > 0 && c.origin[k - 1].is_some_and(|p| p + 1 != o))
            }
        })
        .collect();
    let mut pos = 0;
    for concept in concepts.iter_mut() {
        let len = concept.forms[0].chars.len();
        let range = pos..(pos + len).min(text.len());
        pos += len;
        if !range.clone().any(|k| edited[k]) {
            continue;
        }
        // The corrected text is primary but marked as a correction; the typed text stays a form.
        concept.forms[0].origin = Origin::Typo;
        concept.forms[0].weight = 0.9;
        let typed: String = range
            .filter_map(|k| c.origin[k])
            .filter_map(|o| orig.get(o))
            .collect();
        if !typed.is_empty() {
            concept.forms.push(Form::new(&typed, 0.6, Origin::Query));
        }
    }
}

/// Warms the segmenter and tables.
pub fn warm() {
    analysis::warm();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Entry, Stats};
    use crate::document::{DocKind, SearchDocument};
    use std::sync::Arc;

    fn stats(names: &[(&str, &[&str])]) -> Stats {
        let entries: Vec<Arc<Entry>> = names
            .iter()
            .enumerate()
            .map(|(i, (name, aliases))| {
                let mut d = SearchDocument::new(DocKind::Item, format!("C{i}"), *name);
                d.aliases = aliases.iter().map(|s| s.to_string()).collect();
                Arc::new(Entry::new(i as u64, d))
            })
            .collect();
        Stats::build(entries.iter())
    }

    #[test]
    fn strips_filler_and_expands_synonyms() {
        let s = stats(&[("居民身份证补领", &["补办身份证"])]);
        let p = plan("补办身份证要带什么", &SynonymSet::default_set(), &s);
        let texts: Vec<&str> = p
            .concepts
            .iter()
            .map(|c| c.forms[0].text.as_str())
            .collect();
        assert_eq!(texts, vec!["补办", "身份证"]);
        assert!(p.concepts[1].forms.iter().any(|f| f.text == "居民身份证"));
    }

    #[test]
    fn keeps_filler_when_nothing_else_is_left() {
        let s = stats(&[("居民身份证补领", &[])]);
        let p = plan("怎么办", &SynonymSet::empty(), &s);
        assert!(!p.is_empty());
    }

    #[test]
    fn corrects_a_homophone() {
        let s = stats(&[("住房公积金提取", &["公积金提取"]), ("社会保障卡申领", &[])]);
        let p = plan("公基金提取", &SynonymSet::empty(), &s);
        assert_eq!(p.rewrite.as_deref(), Some("公积金提取"));
        let p = plan("社保卡申陵", &SynonymSet::empty(), &s);
        assert!(
            p.rewrite.as_ref().is_some_and(|r| r.ends_with("申领")),
            "{p:?}"
        );
    }

    #[test]
    fn reads_pinyin() {
        let s = stats(&[("社会保障卡申领", &["办社保卡"])]);
        let p = plan("shebaoka", &SynonymSet::empty(), &s);
        assert_eq!(p.rewrite.as_deref(), Some("社保卡"));
        let p = plan("sbk", &SynonymSet::empty(), &s);
        assert_eq!(p.rewrite.as_deref(), Some("社保卡"));
    }
}
