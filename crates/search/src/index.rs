//! The search index: tantivy (in RAM or on disk) for candidate retrieval with BM25 over weighted
//! fields, and the in-memory corpus for re-ranking, suggestions and typo correction.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::SearchError;
use crate::analysis::{Tokens, analyze};
use crate::corpus::{Counts, Entry, Stats};
use crate::document::{DocKind, SearchDocument, doc_key};
use crate::query::{self, Origin, Plan};
use crate::rank::{self, QueryView, Scored};
use crate::synonyms::SynonymSet;
use crate::text::{IntMap, is_han, normalize};

/// Decides whether a document may be shown (e.g. only items implemented in the user's region).
pub type DocFilter = Arc<dyn Fn(DocKind, &str) -> bool + Send + Sync>;

/// How FAQ matches are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaqMode {
    /// An FAQ that matches lifts its item (which is returned instead, with the FAQ as snippet).
    #[default]
    FoldIntoItem,
    /// FAQs are returned as hits of their own, after their item when both match.
    Separate,
}

/// What to search for besides the text.
#[derive(Clone)]
pub struct SearchOptions {
    /// Maximum hits (1..=100; 0 is taken as 10).
    pub limit: usize,
    /// Only these kinds (`None`: all). FAQs still lift their items when `Faq` is excluded.
    pub kinds: Option<Vec<DocKind>>,
    /// The region restriction hook: documents for which it returns false are left out.
    pub filter: Option<DocFilter>,
    pub faqs: FaqMode,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: 10,
            kinds: None,
            filter: None,
            faqs: FaqMode::FoldIntoItem,
        }
    }
}

impl fmt::Debug for SearchOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchOptions")
            .field("limit", &self.limit)
            .field("kinds", &self.kinds)
            .field("filter", &self.filter.as_ref().map(|_| "…"))
            .field("faqs", &self.faqs)
            .finish()
    }
}

impl SearchResults {
    /// `took` in milliseconds, as the search API reports it.
    pub fn took_ms(&self) -> f64 {
        self.took.as_secs_f64() * 1000.0
    }
}

impl SearchOptions {
    pub fn with_limit(limit: usize) -> Self {
        SearchOptions {
            limit,
            ..Self::default()
        }
    }

    pub fn kinds(mut self, kinds: &[DocKind]) -> Self {
        self.kinds = Some(kinds.to_vec());
        self
    }

    pub fn filter(
        mut self,
        filter: impl Fn(DocKind, &str) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.filter = Some(Arc::new(filter));
        self
    }

    pub fn faqs(mut self, mode: FaqMode) -> Self {
        self.faqs = mode;
        self
    }
}

/// One result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub kind: DocKind,
    pub code: String,
    pub name: String,
    /// HTML: matched terms in `<mark>…</mark>`, everything else escaped.
    pub snippet: String,
    pub score: f32,
    /// For an FAQ, its item's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// The results of one search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub took: Duration,
    /// Nothing matched well: offer suggestions and the hotline.
    pub weak: bool,
    /// "您是不是要找…": the query with a typo fixed or pinyin turned into words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<String>,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    uid: Field,
    doc: Field,
    name_w: Field,
    name_g: Field,
    alias_w: Field,
    alias_g: Field,
    kw_w: Field,
    kw_g: Field,
    body_w: Field,
    body_g: Field,
    uni: Field,
    py: Field,
    py_i: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        uid: b.add_u64_field("uid", FAST | STORED),
        doc: b.add_text_field("doc", STORED),
        name_w: b.add_text_field("name_w", text.clone()),
        name_g: b.add_text_field("name_g", text.clone()),
        alias_w: b.add_text_field("alias_w", text.clone()),
        alias_g: b.add_text_field("alias_g", text.clone()),
        kw_w: b.add_text_field("kw_w", text.clone()),
        kw_g: b.add_text_field("kw_g", text.clone()),
        body_w: b.add_text_field("body_w", text.clone()),
        body_g: b.add_text_field("body_g", text.clone()),
        uni: b.add_text_field("uni", text.clone()),
        py: b.add_text_field("py", text.clone()),
        py_i: b.add_text_field("py_i", text),
    };
    (b.build(), fields)
}

/// Field weights of the BM25 query: name ≫ aliases > keywords > body; pinyin low.
const W_NAME_W: f32 = 4.0;
const W_NAME_G: f32 = 2.5;
const W_ALIAS_W: f32 = 3.0;
const W_ALIAS_G: f32 = 2.0;
const W_KW_W: f32 = 1.2;
const W_KW_G: f32 = 0.8;
const W_BODY_W: f32 = 0.5;
const W_BODY_G: f32 = 0.3;
const W_UNI: f32 = 0.5;
const W_PY: f32 = 0.8;
const W_PY_I: f32 = 0.5;

/// A document, its score, and the FAQ that lifted it.
type Ranked = (Arc<Entry>, Scored, Option<Arc<Entry>>);

/// Below this share of the query matched by the best hit, results are weak.
const WEAK_BELOW: f32 = 0.45;
/// A weak best hit matching at least this share is offered as "您是不是要找…".
const OFFER_ABOVE: f32 = 0.25;

/// How many BM25 candidates are re-ranked.
const CANDIDATES: usize = 80;

struct State {
    entries: IntMap<u64, Arc<Entry>>,
    by_key: HashMap<String, u64>,
    stats: Stats,
    next_uid: u64,
}

impl State {
    fn empty() -> Self {
        State {
            entries: IntMap::default(),
            by_key: HashMap::new(),
            stats: Stats::default(),
            next_uid: 1,
        }
    }

    /// Statistics from scratch.
    fn restat(&mut self) {
        let mut counts = Counts::default();
        for entry in self.entries.values() {
            counts.add(entry);
        }
        self.stats = Stats::derive(counts, self.entries.values());
    }
}

/// The index. Cheap to share (`Send + Sync`); writes are serialised inside.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    state: RwLock<Arc<State>>,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.len())
            .finish()
    }
}

const WRITER_MEMORY: usize = 50_000_000;

impl SearchIndex {
    /// An empty index in RAM.
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    /// The index in a directory (created if missing); documents already there are loaded.
    pub fn open_in_dir(path: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(path)?;
        let (schema, fields) = schema();
        let dir = MmapDirectory::open(path).map_err(|e| SearchError::Index(e.to_string()))?;
        let index = Index::open_or_create(dir, schema).map_err(|e| {
            SearchError::Index(format!(
                "{e} (an index of another version: remove {} and reindex)",
                path.display()
            ))
        })?;
        Self::from_index(index, fields)
    }

    fn from_index(index: Index, fields: Fields) -> Result<Self, SearchError> {
        query::warm();
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let this = SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            state: RwLock::new(Arc::new(State::empty())),
        };
        this.load_stored()?;
        Ok(this)
    }

    /// Rebuilds the in-memory corpus from the stored documents.
    fn load_stored(&self) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        let addresses = searcher.search(&AllQuery, &DocSetCollector)?;
        let mut state = State::empty();
        for address in addresses {
            let stored: TantivyDocument = searcher.doc(address)?;
            let uid = stored
                .get_first(self.fields.uid)
                .and_then(|v| v.as_u64())
                .ok_or_else(|| SearchError::Corrupt("a document without uid".into()))?;
            let json = stored
                .get_first(self.fields.doc)
                .and_then(|v| v.as_str().map(str::to_string))
                .ok_or_else(|| SearchError::Corrupt("a document without body".into()))?;
            let doc: SearchDocument = serde_json::from_str(&json)
                .map_err(|e| SearchError::Corrupt(format!("stored document: {e}")))?;
            state.next_uid = state.next_uid.max(uid + 1);
            state.by_key.insert(doc.key(), uid);
            state.entries.insert(uid, Arc::new(Entry::new(uid, doc)));
        }
        state.restat();
        self.set_state(state);
        Ok(())
    }

    fn current(&self) -> Arc<State> {
        match self.state.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn set_state(&self, state: State) {
        let state = Arc::new(state);
        match self.state.write() {
            Ok(mut guard) => *guard = state,
            Err(poisoned) => *poisoned.into_inner() = state,
        }
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        match self.writer.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn tantivy_doc(&self, uid: u64, doc: &SearchDocument) -> Result<TantivyDocument, SearchError> {
        let f = &self.fields;
        let mut t = TantivyDocument::new();
        t.add_text(f.key, doc.key());
        t.add_u64(f.uid, uid);
        let json = serde_json::to_string(doc).map_err(|e| SearchError::Corrupt(e.to_string()))?;
        t.add_text(f.doc, json);
        let name = analyze(&normalize(&doc.name), true);
        let mut aliases = Tokens::default();
        for a in &doc.aliases {
            aliases.extend(analyze(&normalize(a), true));
        }
        let mut keywords = Tokens::default();
        for k in &doc.keywords {
            keywords.extend(analyze(&normalize(k), false));
        }
        let body = analyze(&normalize(&doc.body), false);
        let mut uni = name.unigrams.clone();
        uni.extend(aliases.unigrams.iter().cloned());
        let mut py = name.pinyin.clone();
        py.extend(aliases.pinyin.iter().cloned());
        let mut py_i = name.initials.clone();
        py_i.extend(aliases.initials.iter().cloned());
        let put = |t: &mut TantivyDocument, field: Field, tokens: Vec<String>| {
            if !tokens.is_empty() {
                t.add_pre_tokenized_text(field, pretokenized(tokens));
            }
        };
        put(&mut t, f.name_w, name.words);
        put(&mut t, f.name_g, name.bigrams);
        put(&mut t, f.alias_w, aliases.words);
        put(&mut t, f.alias_g, aliases.bigrams);
        put(&mut t, f.kw_w, keywords.words);
        put(&mut t, f.kw_g, keywords.bigrams);
        put(&mut t, f.body_w, body.words);
        put(&mut t, f.body_g, body.bigrams);
        put(&mut t, f.uni, uni);
        put(&mut t, f.py, py);
        put(&mut t, f.py_i, py_i);
        Ok(t)
    }

    /// Replaces everything with `docs` (a full rebuild); `progress` is called with the number of
    /// documents written so far. Returns how many documents the index holds.
    pub fn replace_all(
        &self,
        docs: impl IntoIterator<Item = SearchDocument>,
        progress: &dyn Fn(usize),
    ) -> Result<usize, SearchError> {
        let mut unique: Vec<SearchDocument> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        for doc in docs {
            match position.get(&doc.key()) {
                Some(&i) => unique[i] = doc,
                None => {
                    position.insert(doc.key(), unique.len());
                    unique.push(doc);
                }
            }
        }
        let mut state = State::empty();
        let mut writer = self.writer();
        writer.delete_all_documents()?;
        for (n, doc) in unique.into_iter().enumerate() {
            let uid = state.next_uid;
            state.next_uid += 1;
            writer.add_document(self.tantivy_doc(uid, &doc)?)?;
            state.by_key.insert(doc.key(), uid);
            state.entries.insert(uid, Arc::new(Entry::new(uid, doc)));
            if (n + 1) % 500 == 0 {
                progress(n + 1);
            }
        }
        writer.commit()?;
        self.reader.reload()?;
        state.restat();
        let count = state.entries.len();
        self.set_state(state);
        drop(writer);
        progress(count);
        Ok(count)
    }

    /// Adds or replaces documents by (kind, code).
    pub fn upsert(&self, docs: Vec<SearchDocument>) -> Result<(), SearchError> {
        if docs.is_empty() {
            return Ok(());
        }
        // The writer lock serialises writers; the state is read under it.
        let mut writer = self.writer();
        let old = self.current();
        let mut entries = old.entries.clone();
        let mut by_key = old.by_key.clone();
        let mut counts = old.stats.counts.clone();
        let mut next_uid = old.next_uid;
        for doc in docs {
            let key = doc.key();
            writer.delete_term(Term::from_field_text(self.fields.key, &key));
            if let Some(previous) = by_key.remove(&key)
                && let Some(entry) = entries.remove(&previous)
            {
                counts.remove(&entry);
            }
            let uid = next_uid;
            next_uid += 1;
            writer.add_document(self.tantivy_doc(uid, &doc)?)?;
            let entry = Arc::new(Entry::new(uid, doc));
            counts.add(&entry);
            by_key.insert(key, uid);
            entries.insert(uid, entry);
        }
        writer.commit()?;
        self.reader.reload()?;
        let stats = Stats::derive(counts, entries.values());
        self.set_state(State {
            entries,
            by_key,
            stats,
            next_uid,
        });
        drop(writer);
        Ok(())
    }

    /// Removes a document (no error if it is not there).
    pub fn remove(&self, kind: DocKind, code: &str) -> Result<(), SearchError> {
        let key = doc_key(kind, code);
        let mut writer = self.writer();
        let old = self.current();
        writer.delete_term(Term::from_field_text(self.fields.key, &key));
        writer.commit()?;
        self.reader.reload()?;
        let mut entries = old.entries.clone();
        let mut by_key = old.by_key.clone();
        let mut counts = old.stats.counts.clone();
        if let Some(uid) = by_key.remove(&key)
            && let Some(entry) = entries.remove(&uid)
        {
            counts.remove(&entry);
        }
        let stats = Stats::derive(counts, entries.values());
        self.set_state(State {
            entries,
            by_key,
            stats,
            next_uid: old.next_uid,
        });
        drop(writer);
        Ok(())
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.current().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A stored document by (kind, code).
    pub fn get(&self, kind: DocKind, code: &str) -> Option<SearchDocument> {
        let state = self.current();
        let uid = state.by_key.get(&doc_key(kind, code))?;
        state.entries.get(uid).map(|e| e.doc.clone())
    }

    /// How the engine reads a query (for debugging and the admin pages).
    pub fn explain(&self, query: &str, synonyms: &SynonymSet) -> String {
        let state = self.current();
        let plan = query::plan(query, synonyms, &state.stats);
        let mut out = format!("{}\n", plan.folded);
        for c in &plan.concepts {
            let forms: Vec<String> = c
                .forms
                .iter()
                .map(|f| format!("{}({:?} {:.2})", f.text, f.origin, f.weight))
                .collect();
            out.push_str(&format!("[{:.2}] {}\n", c.weight, forms.join(" | ")));
        }
        if plan.event {
            out.push_str("life event\n");
        }
        out
    }

    fn build_query(&self, plan: &Plan, searcher: &tantivy::Searcher) -> Box<dyn Query> {
        let f = &self.fields;
        let mut weights: HashMap<(Field, String), f32> = HashMap::new();
        let mut add = |field: Field, term: &str, w: f32| {
            let e = weights.entry((field, term.to_string())).or_insert(0.0);
            *e = e.max(w);
        };
        for concept in &plan.concepts {
            for form in &concept.forms {
                let w = form.weight;
                if form.origin == Origin::PinyinLetters {
                    add(f.py, &form.text, W_PY * w);
                    if let Some(syl) = crate::py::split_syllables(&form.text) {
                        for pair in syl.windows(2) {
                            add(f.py, &pair.concat(), W_PY * 0.5 * w);
                        }
                    }
                    continue;
                }
                if form.is_latin() {
                    for field in [f.name_w, f.alias_w] {
                        add(field, &form.text, W_ALIAS_W * w);
                    }
                    add(f.kw_w, &form.text, W_KW_W * w);
                    add(f.body_w, &form.text, W_BODY_W * w);
                    add(f.py_i, &form.text, W_PY_I * w);
                    continue;
                }
                let tokens = analyze(&form.text, false);
                // Han words are matched in names and aliases; elsewhere their bigrams do.
                for word in &tokens.words {
                    add(f.name_w, word, W_NAME_W * w);
                    add(f.alias_w, word, W_ALIAS_W * w);
                }
                for bigram in &tokens.bigrams {
                    add(f.name_g, bigram, W_NAME_G * w);
                    add(f.alias_g, bigram, W_ALIAS_G * w);
                    add(f.kw_g, bigram, W_KW_G * w);
                    add(f.body_g, bigram, W_BODY_G * w);
                }
                if form.chars.len() == 1 && is_han(form.chars[0]) {
                    add(f.uni, &form.text, W_UNI * w);
                }
            }
        }
        for span in &plan.spans {
            for bigram in crate::text::bigram_strings(span) {
                add(f.name_g, &bigram, W_NAME_G * 0.5);
                add(f.alias_g, &bigram, W_ALIAS_G * 0.5);
            }
        }
        // Terms found in a large share of the documents say little and cost most: they are left
        // out of candidate retrieval when rarer terms remain (the re-ranker still counts them).
        let common = (searcher.num_docs() / 10).max(300);
        let weak = [f.kw_g, f.body_g, f.uni];
        let mut terms: Vec<((Field, String), f32, u64)> = weights
            .into_iter()
            .map(|((field, text), w)| {
                // Only the weak fields hold terms that common; names are not looked up twice.
                let df = if weak.contains(&field) {
                    searcher
                        .doc_freq(&Term::from_field_text(field, &text))
                        .unwrap_or(0)
                } else {
                    1
                };
                ((field, text), w, df)
            })
            .filter(|(_, _, df)| *df > 0)
            .collect();
        if terms.iter().any(|(_, _, df)| *df <= common) {
            terms.retain(|(_, _, df)| *df <= common);
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .into_iter()
            .map(|(key, w, _)| (key, w))
            .map(|((field, text), w)| {
                let q: Box<dyn Query> = Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &text),
                        IndexRecordOption::WithFreqs,
                    )),
                    w,
                ));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// Searches. Synonyms are applied here, at query time: a new [`SynonymSet`] takes effect on
    /// the next search without reindexing.
    pub fn search(
        &self,
        query: &str,
        options: &SearchOptions,
        synonyms: &SynonymSet,
    ) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let state = self.current();
        let plan = query::plan(query, synonyms, &state.stats);
        let limit = match options.limit {
            0 => 10,
            n => n.min(100),
        };
        if plan.is_empty() || state.entries.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                took: started.elapsed(),
                weak: true,
                did_you_mean: plan.rewrite,
            });
        }
        let searcher = self.reader.searcher();
        let tantivy_query = self.build_query(&plan, &searcher);
        let want = if options.filter.is_some() {
            CANDIDATES * 3
        } else {
            CANDIDATES
        };
        let top: Vec<(f32, DocAddress)> =
            searcher.search(&tantivy_query, &TopDocs::with_limit(want).order_by_score())?;
        let max_bm25 = top.first().map_or(1.0, |(s, _)| s.max(1e-6));
        let mut columns = HashMap::new();
        let view = QueryView::new(&plan, &state.stats);
        let mut scored: Vec<(Arc<Entry>, Scored)> = Vec::with_capacity(top.len());
        for (bm25, address) in top {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(v) => v.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64("uid")?,
                ),
            };
            let Some(uid) = column.first(address.doc_id) else {
                continue;
            };
            let Some(entry) = state.entries.get(&uid) else {
                continue;
            };
            let s = rank::score(entry, &view, &state.stats, bm25 / max_bm25);
            scored.push((Arc::clone(entry), s));
        }
        let hits = self.assemble(&state, scored, &view, options, limit);
        let best = hits
            .first()
            .map(|h| view.of_known(h.1.name_sim.max(h.1.coverage)));
        let weak = best.is_none_or(|b| b < WEAK_BELOW);
        let did_you_mean = plan.rewrite.clone().or_else(|| {
            // A weak match that still shares a good part of the query is worth offering.
            let (hit, _) = hits.first()?;
            (weak && best.is_some_and(|b| b >= OFFER_ABOVE)).then(|| hit.name.clone())
        });
        let hits = hits.into_iter().map(|(hit, _)| hit).collect();
        Ok(SearchResults {
            hits,
            took: started.elapsed(),
            weak,
            did_you_mean,
        })
    }

    /// FAQ folding, filtering, ordering and snippets.
    fn assemble(
        &self,
        state: &State,
        scored: Vec<(Arc<Entry>, Scored)>,
        view: &QueryView<'_>,
        options: &SearchOptions,
        limit: usize,
    ) -> Vec<(SearchHit, Scored)> {
        let allowed = |kind: DocKind, code: &str| -> bool {
            options.filter.as_ref().is_none_or(|f| f(kind, code))
        };
        let kind_shown = |kind: DocKind| options.kinds.as_ref().is_none_or(|k| k.contains(&kind));
        // FAQs are hits of their own when asked for, or when their items are not shown.
        let separate_faqs = options.faqs == FaqMode::Separate || !kind_shown(DocKind::Item);
        // Best score per shown document, and the FAQ that lifted an item.
        let mut best: IntMap<u64, Ranked> = IntMap::default();
        let mut faqs: Vec<(Arc<Entry>, Scored)> = Vec::new();
        for (entry, s) in scored {
            let doc = &entry.doc;
            let parent = (doc.kind == DocKind::Faq)
                .then_some(doc.parent.as_ref())
                .flatten()
                .and_then(|p| state.by_key.get(&doc_key(DocKind::Item, p)))
                .and_then(|uid| state.entries.get(uid));
            if let Some(parent) = parent {
                if allowed(DocKind::Item, &parent.doc.code) && kind_shown(DocKind::Item) {
                    let lifted = Scored {
                        score: s.score * 0.9,
                        ..s
                    };
                    let slot = best
                        .entry(parent.uid)
                        .or_insert_with(|| (Arc::clone(parent), lifted, None));
                    if lifted.score > slot.1.score {
                        slot.1 = Scored {
                            best_text: slot.1.best_text,
                            ..lifted
                        };
                        slot.2 = Some(Arc::clone(&entry));
                    }
                }
                if separate_faqs {
                    faqs.push((entry, s));
                }
                continue;
            }
            // Anything else, including an FAQ of no item in the index, stands on its own.
            if !allowed(doc.kind, &doc.code) || !kind_shown(doc.kind) {
                continue;
            }
            let slot = best
                .entry(entry.uid)
                .or_insert_with(|| (Arc::clone(&entry), s, None));
            if s.score >= slot.1.score {
                *slot = (Arc::clone(&entry), s, None);
            }
        }
        let mut ranked: Vec<Ranked> = best.into_values().collect();
        if separate_faqs && kind_shown(DocKind::Faq) {
            for (faq, s) in faqs {
                let parent_ok = faq
                    .doc
                    .parent
                    .as_deref()
                    .is_none_or(|p| allowed(DocKind::Item, p));
                if parent_ok {
                    let s = Scored {
                        score: s.score * 0.85,
                        ..s
                    };
                    ranked.push((faq, s, None));
                }
            }
        }
        ranked.sort_by(|a, b| {
            b.1.score
                .total_cmp(&a.1.score)
                .then_with(|| {
                    a.0.doc
                        .name
                        .chars()
                        .count()
                        .cmp(&b.0.doc.name.chars().count())
                })
                .then_with(|| a.0.doc.code.cmp(&b.0.doc.code))
        });
        ranked.truncate(limit);
        ranked
            .into_iter()
            .map(|(entry, s, via_faq)| {
                let snippet = match &via_faq {
                    Some(faq) => rank::snippet(faq, 0, view),
                    None => rank::snippet(&entry, s.best_text, view),
                };
                let hit = SearchHit {
                    kind: entry.doc.kind,
                    code: entry.doc.code.clone(),
                    name: entry.doc.name.clone(),
                    snippet,
                    score: s.score,
                    parent: entry.doc.parent.clone(),
                };
                (hit, s)
            })
            .collect()
    }

    /// As-you-type suggestions: names and aliases starting with `prefix` (or whose pinyin or
    /// initials do), then names and aliases containing it.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        let folded: String = normalize(prefix.trim())
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if folded.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let state = self.current();
        let list = &state.stats.suggestions;
        let latin = folded.chars().all(|c| c.is_ascii_alphanumeric());
        let mut found: Vec<(u8, f32, usize, &str)> = Vec::new();
        if latin {
            for s in list {
                let rank = if s.pinyin.starts_with(&folded) || s.folded.starts_with(&folded) {
                    Some(0)
                } else if s.initials.starts_with(&folded) {
                    Some(1)
                } else {
                    None
                };
                if let Some(r) = rank {
                    found.push((r, s.weight, s.display.chars().count(), &s.display));
                }
            }
        } else {
            let start = list.partition_point(|s| s.folded.as_str() < folded.as_str());
            let mut prefixed = HashSet::new();
            for (i, s) in list.iter().enumerate().skip(start) {
                if !s.folded.starts_with(&folded) {
                    break;
                }
                prefixed.insert(i);
                found.push((0, s.weight, s.display.chars().count(), &s.display));
            }
            if found.len() < limit {
                for (i, s) in list.iter().enumerate() {
                    if !prefixed.contains(&i) && s.folded.contains(&folded) {
                        found.push((1, s.weight, s.display.chars().count(), &s.display));
                    }
                }
            }
        }
        found.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.total_cmp(&a.1))
                .then(a.2.cmp(&b.2))
                .then(a.3.cmp(b.3))
        });
        let mut seen = HashSet::new();
        Ok(found
            .into_iter()
            .filter(|f| seen.insert(f.3))
            .take(limit)
            .map(|f| f.3.to_string())
            .collect())
    }

    /// "您是不是要找…": a rewrite of the query when it had a typo or was typed in pinyin, else
    /// the best name when the query matched only weakly.
    pub fn did_you_mean(&self, query: &str, synonyms: &SynonymSet) -> Option<String> {
        self.search(query, &SearchOptions::with_limit(3), synonyms)
            .ok()?
            .did_you_mean
    }

    /// The tantivy index (for tools).
    pub fn tantivy(&self) -> &Index {
        &self.index
    }
}

fn pretokenized(tokens: Vec<String>) -> PreTokenizedString {
    let mut offset = 0;
    let tokens = tokens
        .into_iter()
        .enumerate()
        .map(|(position, text)| {
            let from = offset;
            offset += text.len() + 1;
            Token {
                offset_from: from,
                offset_to: from + text.len(),
                position,
                text,
                position_length: 1,
            }
        })
        .collect();
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(code: &str, name: &str, aliases: &[&str]) -> SearchDocument {
        let mut d = SearchDocument::new(DocKind::Item, code, name);
        d.aliases = aliases.iter().map(|a| a.to_string()).collect();
        d
    }

    fn sorted(map: &IntMap<String, Vec<String>>) -> Vec<(String, Vec<String>)> {
        let mut v: Vec<(String, Vec<String>)> = map
            .iter()
            .map(|(k, l)| {
                let mut l = l.clone();
                l.sort();
                (k.clone(), l)
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn incremental_statistics_equal_a_rebuild() {
        let index = SearchIndex::in_memory().expect("index");
        index
            .replace_all(
                vec![
                    doc("A", "居民身份证换领", &["换身份证"]),
                    doc("B", "社会保障卡申领", &["办社保卡"]),
                    doc("C", "住房公积金提取", &[]),
                ],
                &|_| {},
            )
            .expect("build");
        index
            .upsert(vec![
                doc("B", "社会保障卡补领", &["补办社保卡"]),
                doc("D", "护照签发", &["办护照"]),
            ])
            .expect("upsert");
        index.remove(DocKind::Item, "C").expect("remove");
        let state = index.current();
        let mut fresh = State {
            entries: state.entries.clone(),
            by_key: state.by_key.clone(),
            stats: Stats::default(),
            next_uid: state.next_uid,
        };
        fresh.restat();
        let (a, b) = (&state.stats.counts, &fresh.stats.counts);
        assert_eq!(a.docs, 3);
        assert_eq!(a.docs, b.docs);
        assert_eq!(a.bigram_df, b.bigram_df);
        assert_eq!(a.vocab, b.vocab);
        assert_eq!(a.chars, b.chars);
        assert_eq!(sorted(&a.by_pinyin), sorted(&b.by_pinyin));
        assert_eq!(sorted(&a.by_initials), sorted(&b.by_initials));
        assert!(
            !a.vocab.contains_key("公积金"),
            "removed words leave the vocabulary"
        );
        assert_eq!(state.stats.suggestions.len(), fresh.stats.suggestions.len());
    }
}
