//! Relevance evaluation: recall@1/3/10, MRR and latency over a set of queries with the names of
//! the items or bundles a good answer lists.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::SearchError;
use crate::index::{SearchIndex, SearchOptions};
use crate::synonyms::SynonymSet;
use crate::text::normalize;

/// One evaluation query: a line `{"query": "...", "relevant": ["name", ...], "kind": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalQuery {
    pub query: String,
    pub relevant: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl EvalQuery {
    /// Parses JSON lines; blank lines are skipped; an error names its line.
    pub fn parse_jsonl(text: &str) -> Result<Vec<EvalQuery>, SearchError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let q: EvalQuery = serde_json::from_str(line).map_err(|e| SearchError::Eval {
                line: n + 1,
                message: e.to_string(),
            })?;
            if q.query.trim().is_empty() || q.relevant.is_empty() {
                return Err(SearchError::Eval {
                    line: n + 1,
                    message: "needs a query and at least one relevant name".into(),
                });
            }
            out.push(q);
        }
        Ok(out)
    }
}

/// A query none of whose relevant names made the top k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    pub query: String,
    pub expected: Vec<String>,
    pub got_top3: Vec<String>,
    /// 1-based rank of the first relevant name beyond the top 3, if within k.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

/// The figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    #[serde(rename = "recall@1")]
    pub recall_at_1: f64,
    #[serde(rename = "recall@3")]
    pub recall_at_3: f64,
    #[serde(rename = "recall@10")]
    pub recall_at_10: f64,
    pub mrr: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub queries: usize,
    /// Queries whose first relevant name was not in the top 3.
    #[serde(skip)]
    pub misses: Vec<Miss>,
}

impl EvalReport {
    /// The one-line JSON the evaluation command prints (without the misses).
    pub fn summary_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }
}

/// Anything that answers a query with a ranked list of names.
pub trait Engine {
    fn name(&self) -> &str;
    fn top_names(&self, query: &str, k: usize) -> Result<Vec<String>, SearchError>;
}

/// The engine of this crate with a synonym set.
pub struct IndexEngine<'a> {
    pub index: &'a SearchIndex,
    pub synonyms: &'a SynonymSet,
}

impl Engine for IndexEngine<'_> {
    fn name(&self) -> &str {
        "zerotrip-search"
    }

    fn top_names(&self, query: &str, k: usize) -> Result<Vec<String>, SearchError> {
        let results = self
            .index
            .search(query, &SearchOptions::with_limit(k), self.synonyms)?;
        Ok(results.hits.into_iter().map(|h| h.name).collect())
    }
}

/// Evaluates this crate's engine.
pub fn evaluate(
    index: &SearchIndex,
    synonyms: &SynonymSet,
    queries: &[EvalQuery],
    k: usize,
) -> EvalReport {
    evaluate_engine(&IndexEngine { index, synonyms }, queries, k)
}

/// Evaluates any engine; a query that fails counts as unanswered.
pub fn evaluate_engine(engine: &dyn Engine, queries: &[EvalQuery], k: usize) -> EvalReport {
    let k = k.max(1);
    let fetch = k.max(10);
    let mut at1 = 0usize;
    let mut at3 = 0usize;
    let mut at10 = 0usize;
    let mut reciprocal = 0.0f64;
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    let mut misses = Vec::new();
    for q in queries {
        let relevant: Vec<String> = q.relevant.iter().map(|r| normalize(r.trim())).collect();
        let started = Instant::now();
        let names = engine.top_names(&q.query, fetch).unwrap_or_default();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let rank = names
            .iter()
            .position(|n| relevant.contains(&normalize(n.trim())))
            .map(|p| p + 1);
        if let Some(r) = rank {
            at1 += usize::from(r <= 1);
            at3 += usize::from(r <= 3);
            at10 += usize::from(r <= 10);
            if r <= k {
                reciprocal += 1.0 / r as f64;
            }
        }
        if rank.is_none_or(|r| r > 3) {
            misses.push(Miss {
                query: q.query.clone(),
                expected: q.relevant.clone(),
                got_top3: names.iter().take(3).cloned().collect(),
                rank: rank.filter(|r| *r <= k),
            });
        }
    }
    let n = queries.len().max(1) as f64;
    times.sort_by(f64::total_cmp);
    EvalReport {
        recall_at_1: at1 as f64 / n,
        recall_at_3: at3 as f64 / n,
        recall_at_10: at10 as f64 / n,
        mrr: reciprocal / n,
        p50_ms: percentile(&times, 0.50),
        p99_ms: percentile(&times, 0.99),
        queries: queries.len(),
        misses,
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_names_the_bad_one() {
        let ok = EvalQuery::parse_jsonl(
            "{\"query\":\"a\",\"relevant\":[\"b\"],\"kind\":\"alias\"}\n\n{\"query\":\"c\",\"relevant\":[\"d\"]}\n",
        );
        assert_eq!(ok.map(|v| v.len()).ok(), Some(2));
        let bad = EvalQuery::parse_jsonl("{\"query\":\"a\",\"relevant\":[\"b\"]}\n{oops}\n");
        assert!(bad.err().is_some_and(|e| e.to_string().contains("line 2")));
    }

    #[test]
    fn percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
    }
}
