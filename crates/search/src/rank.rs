//! Re-ranking the candidates BM25 found: how much of the query each document's name or aliases
//! cover (weighted by how informative each bigram is), how much of the name the query covers,
//! plus the BM25 evidence from every field; and the highlighted snippet.

use std::collections::HashSet;

use crate::corpus::{Entry, Part, Stats, Text};
use crate::document::DocKind;
use crate::query::{Form, Origin, Plan};
use crate::text::{IntSet, escape_html, pack};

/// What the ranker needs from the query, computed once.
pub(crate) struct QueryView<'a> {
    pub plan: &'a Plan,
    /// All bigrams of all forms and spans.
    pub bigrams: IntSet<u64>,
    /// The same, sorted.
    sorted: Vec<u64>,
    /// Some form is a single character or Latin word (matched without bigrams).
    has_unigram_forms: bool,
    /// Single characters typed as concepts of their own.
    pub singles: HashSet<char>,
    /// Latin words (literal forms).
    pub latin: Vec<String>,
    /// idf of each bigram of each form: `[concept][form][bigram]`.
    idf: Vec<Vec<Vec<f32>>>,
    total_weight: f32,
    /// The weight of the concepts the corpus knows at all (a place name or a word no document
    /// has cannot be matched by any, and must not make good results look weak).
    known_weight: f32,
}

impl<'a> QueryView<'a> {
    pub fn new(plan: &'a Plan, stats: &Stats) -> Self {
        let mut bigrams = IntSet::default();
        let mut singles = HashSet::new();
        let mut latin = Vec::new();
        for concept in &plan.concepts {
            for form in &concept.forms {
                bigrams.extend(form.bigrams.iter().copied());
                if form.origin == Origin::PinyinLetters {
                    continue;
                }
                if form.is_latin() {
                    latin.push(form.text.clone());
                } else if form.chars.len() == 1 {
                    singles.insert(form.chars[0]);
                }
            }
        }
        for span in &plan.spans {
            let chars: Vec<char> = span.chars().collect();
            bigrams.extend(chars.windows(2).map(|w| pack(w[0], w[1])));
        }
        let idf = plan
            .concepts
            .iter()
            .map(|c| {
                c.forms
                    .iter()
                    .map(|f| f.bigrams.iter().map(|b| stats.idf(*b)).collect())
                    .collect()
            })
            .collect();
        let known_weight = plan
            .concepts
            .iter()
            .filter(|c| {
                c.forms
                    .iter()
                    .any(|f| f.bigrams.is_empty() || f.bigrams.iter().any(|b| stats.knows(b)))
            })
            .map(|c| c.weight)
            .sum::<f32>();
        let total_weight = plan
            .concepts
            .iter()
            .map(|c| c.weight)
            .sum::<f32>()
            .max(1e-3);
        let mut sorted: Vec<u64> = bigrams.iter().copied().collect();
        sorted.sort_unstable();
        let has_unigram_forms = !singles.is_empty() || !latin.is_empty();
        QueryView {
            plan,
            bigrams,
            sorted,
            has_unigram_forms,
            singles,
            latin,
            idf,
            total_weight,
            known_weight,
        }
    }

    /// A share of the whole query expressed as a share of what the corpus can match at all.
    pub fn of_known(&self, share: f32) -> f32 {
        if self.known_weight <= 0.0 {
            0.0
        } else {
            share * self.total_weight / self.known_weight
        }
    }
}

fn part_weight(kind: DocKind, part: Part) -> f32 {
    match (kind, part) {
        (DocKind::Faq, Part::Name) => 0.85,
        (_, Part::Name) => 1.0,
        (_, Part::Alias) => 0.95,
        (_, Part::Keyword) => 0.6,
        (_, Part::Body) => 0.35,
    }
}

/// How well one form matches one text, 0..=1.
fn form_match(form: &Form, idf: &[f32], text: &Text, matched: &[u64]) -> f32 {
    if form.origin == Origin::PinyinLetters {
        return 0.0;
    }
    if form.bigrams.is_empty() {
        if form.is_latin() {
            return if text.words.contains(&form.text) {
                1.0
            } else {
                0.0
            };
        }
        return match form.chars.first() {
            Some(c) if form.chars.len() == 1 && text.has_char(*c) => 0.8,
            _ => 0.0,
        };
    }
    if matched.is_empty() {
        return 0.0;
    }
    let mut hit = 0.0;
    let mut all = 0.0;
    for (b, w) in form.bigrams.iter().zip(idf) {
        all += w;
        if matched.binary_search(b).is_ok() {
            hit += w;
        }
    }
    if all <= 0.0 { 0.0 } else { hit / all }
}

/// The query bigrams a text contains, sorted (probing from whichever side is smaller).
fn matched_bigrams(text: &Text, view: &QueryView<'_>) -> Vec<u64> {
    if text.bigrams.len() <= view.sorted.len() {
        text.bigrams
            .iter()
            .filter(|b| view.bigrams.contains(b))
            .copied()
            .collect()
    } else {
        view.sorted
            .iter()
            .filter(|b| text.has_bigram(**b))
            .copied()
            .collect()
    }
}

/// The score of one candidate and why.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub score: f32,
    /// How well the best name or alias matches the query, 0..=1.
    pub name_sim: f32,
    /// How much of the query the document covers anywhere, 0..=1.
    pub coverage: f32,
    /// The text of the entry that matched best (index into `texts`).
    pub best_text: usize,
}

pub(crate) fn score(entry: &Entry, view: &QueryView<'_>, stats: &Stats, bm25: f32) -> Scored {
    let concepts = &view.plan.concepts;
    let mut doc_best = vec![0.0f32; concepts.len()];
    let mut name_sim = 0.0f32;
    let mut best_text = 0;
    for (ti, text) in entry.texts.iter().enumerate() {
        let pw = part_weight(entry.doc.kind, text.part);
        let matched = matched_bigrams(text, view);
        if matched.is_empty() && !view.has_unigram_forms {
            continue;
        }
        let mut covered = 0.0;
        for (ci, concept) in concepts.iter().enumerate() {
            let m = concept
                .forms
                .iter()
                .zip(&view.idf[ci])
                .map(|(f, idf)| f.weight * form_match(f, idf, text, &matched))
                .fold(0.0, f32::max);
            covered += concept.weight * m;
            doc_best[ci] = doc_best[ci].max(pw * m);
        }
        if covered > 0.0 && matches!(text.part, Part::Name | Part::Alias) {
            let cov = covered / view.total_weight;
            let precision = precision(text, view, stats, &matched);
            let sim = pw * cov * (0.6 + 0.4 * precision);
            if sim > name_sim {
                name_sim = sim;
                best_text = ti;
            }
        }
    }
    let coverage = concepts
        .iter()
        .zip(&doc_best)
        .map(|(c, m)| c.weight * m)
        .sum::<f32>()
        / view.total_weight;
    let kind_factor = match entry.doc.kind {
        DocKind::Bundle if view.plan.event => 1.2,
        DocKind::Bundle => 0.97,
        _ => 1.0,
    };
    let score = entry.doc.boost * kind_factor * (0.5 * name_sim + 0.35 * coverage + 0.15 * bm25);
    Scored {
        score,
        name_sim,
        coverage,
        best_text,
    }
}

/// The idf-weighted share of a text's bigrams that the query mentions.
fn precision(text: &Text, view: &QueryView<'_>, stats: &Stats, matched: &[u64]) -> f32 {
    if text.bigrams.is_empty() {
        return if text.chars.iter().any(|c| view.singles.contains(c)) {
            1.0
        } else {
            0.0
        };
    }
    let mut hit = 0.0;
    let mut all = 0.0;
    for b in &text.bigrams {
        let idf = stats.idf(*b);
        all += idf;
        if matched.binary_search(b).is_ok() {
            hit += idf;
        }
    }
    if all <= 0.0 { 0.0 } else { hit / all }
}

/// Which characters of a folded text the query matches.
fn marks(chars: &[char], view: &QueryView<'_>) -> Vec<bool> {
    let mut marked = vec![false; chars.len()];
    for k in 0..chars.len() {
        if k + 1 < chars.len() && view.bigrams.contains(&pack(chars[k], chars[k + 1])) {
            marked[k] = true;
            marked[k + 1] = true;
        }
        if view.singles.contains(&chars[k]) {
            marked[k] = true;
        }
    }
    for word in &view.latin {
        let w: Vec<char> = word.chars().collect();
        if w.is_empty() {
            continue;
        }
        for k in 0..chars.len().saturating_sub(w.len() - 1) {
            if chars[k..k + w.len()] == w[..] {
                marked[k..k + w.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    marked
}

/// HTML for `raw` (whose folded form is `chars`) from `from` to `to` (chars), matches in <mark>.
fn render(raw: &str, marked: &[bool], from: usize, to: usize, out: &mut String) {
    let mut open = false;
    let mut buf = [0u8; 4];
    for (k, c) in raw
        .chars()
        .enumerate()
        .skip(from)
        .take(to.saturating_sub(from))
    {
        let m = marked.get(k).copied().unwrap_or(false);
        if m && !open {
            out.push_str("<mark>");
            open = true;
        } else if !m && open {
            out.push_str("</mark>");
            open = false;
        }
        escape_html(c.encode_utf8(&mut buf), out);
    }
    if open {
        out.push_str("</mark>");
    }
}

const BODY_WINDOW: usize = 56;

/// The snippet: the best name or alias, then a window of the body around its first match.
pub(crate) fn snippet(entry: &Entry, best_text: usize, view: &QueryView<'_>) -> String {
    let mut out = String::new();
    let head = entry.texts.get(best_text).unwrap_or(&entry.texts[0]);
    let head_raw = entry.raw_text(head);
    let head_marks = marks(&head.chars, view);
    render(head_raw, &head_marks, 0, head.chars.len(), &mut out);
    if let Some(body) = entry.texts.iter().find(|t| t.part == Part::Body) {
        let raw = entry.raw_text(body);
        let body_marks = marks(&body.chars, view);
        let first = body_marks.iter().position(|m| *m);
        let (from, to) = match first {
            Some(p) => {
                let from = p.saturating_sub(12);
                (from, (from + BODY_WINDOW).min(body.chars.len()))
            }
            None => (0, BODY_WINDOW.min(body.chars.len())),
        };
        if to > from {
            out.push_str(" · ");
            if from > 0 {
                out.push('…');
            }
            render(raw, &body_marks, from, to, &mut out);
            if to < raw.chars().count() {
                out.push('…');
            }
        }
    }
    out
}
