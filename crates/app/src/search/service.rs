//! This process's index and synonym set, and how they catch up with the database.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::Serialize;
use zerotrip_core::ids::DivisionCode;
use zerotrip_core::regions::DivisionTree;
use zerotrip_search::{DocKind, SearchDocument, SearchIndex, SynonymSet};
use zerotrip_store::search_log::{self, ChangeRow, SearchProbe};

use super::{documents, synonyms};
use crate::App;
use crate::error::{AppError, AppResult};

/// Beyond this many pending changes a rebuild is cheaper than applying them one by one.
const MAX_INCREMENTAL: usize = 200;
/// How long the outbox subscriber waits before catching up, to take a burst of events at once.
const CATCH_UP_DELAY: Duration = Duration::from_millis(200);

/// A consistent view for one search: the index, the synonyms and what they reflect.
pub(crate) struct Ready {
    pub(crate) index: Arc<SearchIndex>,
    pub(crate) synonyms: Arc<SynonymSet>,
    probe: SearchProbe,
    /// Item code → regions implementing it.
    item_regions: Arc<HashMap<String, Vec<String>>>,
    /// Region → items serving it, computed on first use.
    serving: Mutex<HashMap<String, Arc<HashSet<String>>>>,
}

impl Ready {
    /// The items implemented for `region`: by the region itself, by a region containing it
    /// (city and province departments serve every county), or inside it (its townships).
    pub(crate) fn items_serving(
        &self,
        tree: &DivisionTree,
        region: &DivisionCode,
    ) -> Arc<HashSet<String>> {
        let key = region.to_string();
        if let Ok(cache) = self.serving.lock()
            && let Some(found) = cache.get(&key)
        {
            return Arc::clone(found);
        }
        let mut above: HashSet<String> = tree
            .ancestors(region)
            .into_iter()
            .map(|d| d.code.to_string())
            .collect();
        above.insert(key.clone());
        let below = |code: &str| {
            DivisionCode::parse(code).is_ok_and(|c| {
                region.is_ancestor_of(&c) || tree.ancestors(&c).iter().any(|a| a.code == *region)
            })
        };
        let allowed: HashSet<String> = self
            .item_regions
            .iter()
            .filter(|(_, regions)| regions.iter().any(|r| above.contains(r) || below(r)))
            .map(|(item, _)| item.clone())
            .collect();
        let allowed = Arc::new(allowed);
        if let Ok(mut cache) = self.serving.lock() {
            cache.insert(key, Arc::clone(&allowed));
        }
        allowed
    }
}

/// What `zerotrip search reindex` did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReindexReport {
    pub documents: usize,
    pub items: usize,
    pub faqs: usize,
    pub bundles: usize,
    pub articles: usize,
    /// The content version running servers will rebuild at.
    pub content_version: i64,
    pub synonyms_version: i64,
    pub synonym_terms: usize,
}

/// The search handle of one process: shared by every clone of [`App`].
pub struct SearchService {
    /// Serialises catching up; searches never wait for it unless the index is behind.
    sync: tokio::sync::Mutex<()>,
    ready: RwLock<Option<Arc<Ready>>>,
    /// A background catch-up is scheduled.
    pending: AtomicBool,
}

impl Default for SearchService {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchService {
    /// An empty handle; the index is built on first use.
    pub fn new() -> Self {
        SearchService {
            sync: tokio::sync::Mutex::new(()),
            ready: RwLock::new(None),
            pending: AtomicBool::new(false),
        }
    }

    fn current(&self) -> Option<Arc<Ready>> {
        self.ready.read().ok().and_then(|r| r.clone())
    }

    fn set(&self, ready: Arc<Ready>) {
        if let Ok(mut slot) = self.ready.write() {
            *slot = Some(ready);
        }
    }

    /// Whether the index was built in this process.
    pub fn is_built(&self) -> bool {
        self.current().is_some()
    }

    /// Catches up shortly in the background, once for a burst of changes (an import delivers
    /// hundreds of events). Nothing to do while the index was never built: the first search
    /// builds it. Searches never depend on this: each checks the counters itself.
    pub(crate) fn schedule_catch_up(&self, app: &App) {
        if !self.is_built() || self.pending.swap(true, Ordering::SeqCst) {
            return;
        }
        let app = app.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CATCH_UP_DELAY).await;
            app.search.pending.store(false, Ordering::SeqCst);
            if let Err(error) = app.search.ready(&app).await {
                tracing::warn!(%error, "search: catching up with content changes failed; the next search retries");
            }
        });
    }

    /// The current view, after catching up with the database if it is behind.
    pub(crate) async fn ready(&self, app: &App) -> AppResult<Arc<Ready>> {
        let current = self.current();
        let probe = match search_log::probe(&app.db).await {
            Ok(probe) => probe,
            // Without the database the last view still answers.
            Err(error) => match current {
                Some(ready) => {
                    tracing::warn!(%error, "search: cannot check for changes; answering from the current index");
                    return Ok(ready);
                }
                None => return Err(error.into()),
            },
        };
        if let Some(ready) = &current
            && covers(&ready.probe, &probe)
        {
            return Ok(Arc::clone(ready));
        }
        let _guard = self.sync.lock().await;
        let current = self.current();
        if let Some(ready) = &current
            && covers(&ready.probe, &probe)
        {
            return Ok(Arc::clone(ready));
        }
        let ready = Arc::new(self.catch_up(app, current, probe).await?);
        self.set(Arc::clone(&ready));
        Ok(ready)
    }

    async fn catch_up(
        &self,
        app: &App,
        current: Option<Arc<Ready>>,
        probe: SearchProbe,
    ) -> AppResult<Ready> {
        let synonyms = match &current {
            Some(ready) if ready.probe.synonyms_version == probe.synonyms_version => {
                Arc::clone(&ready.synonyms)
            }
            _ => Arc::new(synonyms::load(&app.db, probe.synonyms_version).await?),
        };
        let Some(current) = current else {
            let index = Arc::new(new_index().await?);
            return rebuild(app, index, synonyms, probe).await;
        };
        let index = Arc::clone(&current.index);
        let have = current.probe.content_version;
        if probe.bundles != current.probe.bundles || probe.content_version < have {
            return rebuild(app, index, synonyms, probe).await;
        }
        if probe.content_version == have {
            return Ok(Ready {
                index,
                synonyms,
                probe,
                item_regions: Arc::clone(&current.item_regions),
                serving: Mutex::new(HashMap::new()),
            });
        }
        let changes = search_log::changes_between(&app.db, have, probe.content_version).await?;
        let complete = i64::try_from(changes.len()).ok() == Some(probe.content_version - have);
        if !complete || changes.len() > MAX_INCREMENTAL || changes.iter().any(|c| c.kind == "all") {
            return rebuild(app, index, synonyms, probe).await;
        }
        let mut item_regions = (*current.item_regions).clone();
        apply(app, &index, &changes, &mut item_regions).await?;
        Ok(Ready {
            index,
            synonyms,
            probe,
            item_regions: Arc::new(item_regions),
            serving: Mutex::new(HashMap::new()),
        })
    }

    /// Rebuilds this process's index from scratch and asks every other process to do the same
    /// (`zerotrip search reindex`). `progress(done, total)` follows the documents written.
    pub async fn reindex(
        &self,
        app: &App,
        progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
    ) -> AppResult<ReindexReport> {
        let _guard = self.sync.lock().await;
        let now = app.clock.now();
        search_log::record_change(&app.db, "all", "", None, now).await?;
        let probe = search_log::probe(&app.db).await?;
        let synonyms = Arc::new(synonyms::load(&app.db, probe.synonyms_version).await?);
        let docs = documents::all(app).await?;
        let mut report = ReindexReport {
            documents: docs.len(),
            content_version: probe.content_version,
            synonyms_version: probe.synonyms_version,
            synonym_terms: synonyms.len(),
            ..ReindexReport::default()
        };
        for doc in &docs {
            match doc.kind {
                DocKind::Item => report.items += 1,
                DocKind::Faq => report.faqs += 1,
                DocKind::Bundle => report.bundles += 1,
                DocKind::Article => report.articles += 1,
            }
        }
        let index = match self.current() {
            Some(ready) => Arc::clone(&ready.index),
            None => Arc::new(new_index().await?),
        };
        let total = docs.len();
        let writer = Arc::clone(&index);
        let written = tokio::task::spawn_blocking(move || {
            writer.replace_all(docs, &|done| progress(done, total))
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
        report.documents = written;
        let item_regions = Arc::new(load_item_regions(app).await?);
        self.set(Arc::new(Ready {
            index,
            synonyms,
            probe,
            item_regions,
            serving: Mutex::new(HashMap::new()),
        }));
        Ok(report)
    }
}

/// Whether a view taken at `have` already reflects `now`.
fn covers(have: &SearchProbe, now: &SearchProbe) -> bool {
    have.content_version >= now.content_version
        && have.synonyms_version == now.synonyms_version
        && have.bundles == now.bundles
}

async fn new_index() -> AppResult<SearchIndex> {
    // Creating an index loads jieba's dictionary and the pinyin tables (~150 ms).
    tokio::task::spawn_blocking(SearchIndex::in_memory)
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

async fn rebuild(
    app: &App,
    index: Arc<SearchIndex>,
    synonyms: Arc<SynonymSet>,
    probe: SearchProbe,
) -> AppResult<Ready> {
    // The probe was read before the content: a change committed meanwhile is applied again
    // later, which changes nothing.
    let docs = documents::all(app).await?;
    let count = docs.len();
    let writer = Arc::clone(&index);
    tokio::task::spawn_blocking(move || writer.replace_all(docs, &|_| {}))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    tracing::info!(
        documents = count,
        content_version = probe.content_version,
        "search index built"
    );
    let item_regions = Arc::new(load_item_regions(app).await?);
    Ok(Ready {
        index,
        synonyms,
        probe,
        item_regions,
        serving: Mutex::new(HashMap::new()),
    })
}

async fn load_item_regions(app: &App) -> AppResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for (item, region) in search_log::implementation_regions(&app.db).await? {
        map.entry(item).or_default().push(region);
    }
    Ok(map)
}

/// Applies recorded changes by re-reading the current published content of what they name.
async fn apply(
    app: &App,
    index: &Arc<SearchIndex>,
    changes: &[ChangeRow],
    item_regions: &mut HashMap<String, Vec<String>>,
) -> AppResult<()> {
    let mut seen = HashSet::new();
    let mut upserts: Vec<SearchDocument> = Vec::new();
    let mut removals: Vec<(DocKind, String)> = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut items_changed: Vec<String> = Vec::new();
    let mut bundles_changed = false;
    for change in changes {
        if !seen.insert((change.kind.clone(), change.code.clone())) {
            continue;
        }
        match change.kind.as_str() {
            "item" => {
                items_changed.push(change.code.clone());
                match documents::item(app, &change.code).await? {
                    Some(item) => {
                        names.insert(change.code.clone(), item.name.clone());
                        let faqs = SearchDocument::from_item_faqs(&item);
                        // FAQs the item no longer has.
                        let mut n = faqs.len() + 1;
                        while index
                            .get(DocKind::Faq, &format!("{}#faq-{n}", change.code))
                            .is_some()
                        {
                            removals.push((DocKind::Faq, format!("{}#faq-{n}", change.code)));
                            n += 1;
                        }
                        upserts.push(SearchDocument::from_item(&item));
                        upserts.extend(faqs);
                        item_regions.insert(
                            change.code.clone(),
                            search_log::regions_of_item(&app.db, &change.code).await?,
                        );
                    }
                    None => {
                        removals.push((DocKind::Item, change.code.clone()));
                        let mut n = 1;
                        while index
                            .get(DocKind::Faq, &format!("{}#faq-{n}", change.code))
                            .is_some()
                        {
                            removals.push((DocKind::Faq, format!("{}#faq-{n}", change.code)));
                            n += 1;
                        }
                        item_regions.remove(&change.code);
                    }
                }
                bundles_changed = true;
            }
            "bundle" => bundles_changed = true,
            "article" | "faq" => {
                let kind = if change.kind == "faq" {
                    DocKind::Faq
                } else {
                    DocKind::Article
                };
                let name_of = |code: &str| {
                    names
                        .get(code)
                        .cloned()
                        .or_else(|| index.get(DocKind::Item, code).map(|d| d.name))
                };
                match documents::entry(app, &change.code, &name_of).await? {
                    Some(doc) => upserts.push(doc),
                    None => removals.push((kind, change.code.clone())),
                }
            }
            other => {
                tracing::warn!(kind = other, "search: unknown change kind ignored");
            }
        }
    }
    let name_of = |code: &str| {
        names
            .get(code)
            .cloned()
            .or_else(|| index.get(DocKind::Item, code).map(|d| d.name))
    };
    if bundles_changed {
        upserts.extend(documents::bundles(app, &name_of).await?);
    }
    if !items_changed.is_empty() {
        // Entries about a changed item carry its name.
        let done: HashSet<String> = upserts.iter().map(|d| d.code.clone()).collect();
        for doc in documents::entries_about(app, &items_changed, &name_of).await? {
            if !done.contains(&doc.code) {
                upserts.push(doc);
            }
        }
    }
    let writer = Arc::clone(index);
    tokio::task::spawn_blocking(move || -> Result<(), zerotrip_search::SearchError> {
        for (kind, code) in &removals {
            writer.remove(*kind, code)?;
        }
        writer.upsert(upserts)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    Ok(())
}
