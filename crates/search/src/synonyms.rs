//! Synonyms and colloquial aliases as data, applied at query time: adding one needs no reindex.
//!
//! The text format is the widely used one of Solr's `synonyms.txt`: `a, b, c` makes the terms
//! equivalent to each other; `a, b => c, d` makes a query containing `a` or `b` also look for `c`
//! and `d`. `#` starts a comment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::SearchError;
use crate::text::normalize;

const DEFAULT_RULES: &str = include_str!("../data/synonyms.txt");

/// A versioned set of one-way expansions `term → equivalents`, stored folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynonymSet {
    version: u64,
    entries: BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    longest: usize,
}

impl Default for SynonymSet {
    fn default() -> Self {
        Self::empty()
    }
}

/// A synonym term found in a query: char range and what it expands to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynonymMatch<'a> {
    pub start: usize,
    pub end: usize,
    pub equivalents: &'a [String],
}

impl SynonymSet {
    /// No synonyms, version 0.
    pub fn empty() -> Self {
        SynonymSet {
            version: 0,
            entries: BTreeMap::new(),
            longest: 0,
        }
    }

    /// The general list shipped with the engine (colloquial ↔ official terms), version 1.
    pub fn default_set() -> Self {
        let mut set = Self::parse_rules(DEFAULT_RULES).unwrap_or_default();
        set.version = 1;
        set
    }

    /// One-way expansions from `(term, equivalents)` pairs, version 1.
    pub fn from_pairs<I, T, E, S>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (T, E)>,
        T: AsRef<str>,
        E: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = Self::empty();
        for (term, equivalents) in pairs {
            set.insert(term.as_ref(), equivalents);
        }
        set.version = 1;
        set
    }

    /// Parses rules in the `synonyms.txt` format (see the module documentation); version 1.
    pub fn parse_rules(text: &str) -> Result<Self, SearchError> {
        let mut set = Self::empty();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let split = |s: &str| -> Vec<String> {
                s.split([',', '，', '、'])
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect()
            };
            if let Some((lhs, rhs)) = line.split_once("=>") {
                let (lhs, rhs) = (split(lhs), split(rhs));
                if lhs.is_empty() || rhs.is_empty() {
                    return Err(SearchError::Synonyms(format!(
                        "line {}: both sides of => need a term",
                        n + 1
                    )));
                }
                for term in &lhs {
                    set.insert(term, rhs.iter());
                }
            } else {
                let group = split(line);
                if group.len() < 2 {
                    return Err(SearchError::Synonyms(format!(
                        "line {}: a group needs two or more terms",
                        n + 1
                    )));
                }
                set.insert_group(&group);
            }
        }
        set.version = 1;
        Ok(set)
    }

    fn insert<S: AsRef<str>>(&mut self, term: &str, equivalents: impl IntoIterator<Item = S>) {
        let key = normalize(term.trim());
        if key.chars().count() < 2 && !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            // A single Chinese character would match almost every query.
            return;
        }
        if key.is_empty() {
            return;
        }
        let list = self.entries.entry(key.clone()).or_default();
        for e in equivalents {
            let e = normalize(e.as_ref().trim());
            if !e.is_empty() && e != key && !list.contains(&e) {
                list.push(e);
            }
        }
        if list.is_empty() {
            self.entries.remove(&key);
        }
        self.longest = self.longest.max(key.chars().count());
    }

    fn insert_group<S: AsRef<str>>(&mut self, group: &[S]) {
        for (i, term) in group.iter().enumerate() {
            let others = group
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, t)| t.as_ref());
            self.insert(term.as_ref(), others);
        }
    }

    /// A copy with `term → equivalents` added (merged with what `term` had), version + 1.
    pub fn with<S: AsRef<str>>(
        &self,
        term: &str,
        equivalents: impl IntoIterator<Item = S>,
    ) -> Self {
        let mut next = self.clone();
        next.insert(term, equivalents);
        next.version = self.version + 1;
        next
    }

    /// A copy with the terms made equivalent to each other, version + 1.
    pub fn with_group<S: AsRef<str>>(&self, group: &[S]) -> Self {
        let mut next = self.clone();
        next.insert_group(group);
        next.version = self.version + 1;
        next
    }

    /// A copy without `term`'s expansions, version + 1.
    pub fn without(&self, term: &str) -> Self {
        let mut next = self.clone();
        next.entries.remove(&normalize(term.trim()));
        next.longest = next
            .entries
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        next.version = self.version + 1;
        next
    }

    /// Increases with every change made through `with`, `with_group` and `without`.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The expansions of a (folded) term.
    pub fn get(&self, term: &str) -> Option<&[String]> {
        self.entries.get(term).map(Vec::as_slice)
    }

    /// All `(term, equivalents)` entries, in term order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Leftmost-longest, non-overlapping synonym terms in folded text.
    pub fn find<'a>(&'a self, folded: &str) -> Vec<SynonymMatch<'a>> {
        let chars: Vec<char> = folded.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        let mut probe = String::new();
        while i < chars.len() {
            let mut found = None;
            let max = self.longest.min(chars.len() - i);
            for len in (1..=max).rev() {
                probe.clear();
                probe.extend(&chars[i..i + len]);
                if let Some(eq) = self.entries.get(&probe) {
                    found = Some((len, eq));
                    break;
                }
            }
            match found {
                Some((len, eq)) => {
                    out.push(SynonymMatch {
                        start: i,
                        end: i + len,
                        equivalents: eq,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    pub fn from_json(text: &str) -> Result<Self, SearchError> {
        let mut set: SynonymSet =
            serde_json::from_str(text).map_err(|e| SearchError::Synonyms(e.to_string()))?;
        set.longest = set
            .entries
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_parses_and_finds_longest() {
        let set = SynonymSet::default_set();
        assert!(set.len() > 50);
        assert_eq!(set.version(), 1);
        let m = set.find("社保卡补办");
        assert_eq!(m[0].start, 0);
        assert_eq!(m[0].end, 3, "社保卡 wins over 社保");
    }

    #[test]
    fn with_bumps_version_and_round_trips() {
        let set = SynonymSet::from_pairs([("老人卡", ["老年人优待证"])]);
        let next = set.with("長者卡", ["老年人优待证"]);
        assert_eq!(next.version(), 2);
        assert!(next.get("长者卡").is_some(), "terms are folded");
        let back = SynonymSet::from_json(&next.to_json());
        assert_eq!(back.ok(), Some(next));
    }

    #[test]
    fn rules_report_their_line() {
        let err = SynonymSet::parse_rules("a, b\n单\n").err();
        assert!(err.is_some_and(|e| e.to_string().contains("line 2")));
    }
}
