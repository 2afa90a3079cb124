//! The outbox subscriber that turns content events into recorded search changes (see the module
//! documentation of [`crate::search`] for why it records rather than only updating its own index).

use chrono::Duration;
use zerotrip_store::outbox::OutboxEvent;
use zerotrip_store::search_log;

use crate::App;
use crate::events::{DeliveryFuture, Subscriber, topics};
use crate::knowledge::topics as knowledge_topics;

/// How long recorded changes are kept; a process further behind rebuilds its index.
const KEEP_CHANGES: Duration = Duration::days(30);

/// Follows `catalog.item.published`, `catalog.imported` and `knowledge.*`.
pub struct SearchSubscriber {
    app: App,
}

impl SearchSubscriber {
    pub fn new(app: App) -> Self {
        SearchSubscriber { app }
    }
}

/// What an event changes in the index: (kind, code), kind `all` for everything.
fn change_of(event: &OutboxEvent) -> Result<(&'static str, String), String> {
    let payload = &event.payload.0;
    let text = |name: &str| {
        payload
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .filter(|v| !v.is_empty())
    };
    match event.topic.as_str() {
        topics::ITEM_PUBLISHED => Ok((
            "item",
            text("code").unwrap_or_else(|| event.event_key.clone()),
        )),
        topics::CATALOG_IMPORTED => Ok(("all", String::new())),
        knowledge_topics::ENTRY_PUBLISHED | knowledge_topics::ENTRY_WITHDRAWN => {
            let code = text("code").unwrap_or_else(|| event.event_key.clone());
            match text("kind").as_deref() {
                Some("faq") => Ok(("faq", code)),
                Some("article") => Ok(("article", code)),
                other => Err(format!("knowledge event without a known kind: {other:?}")),
            }
        }
        // Other knowledge events, should any appear, change nothing searchable.
        other => Err(format!("unexpected topic {other}")),
    }
}

impl Subscriber for SearchSubscriber {
    fn name(&self) -> &str {
        "search"
    }

    fn wants(&self, topic: &str) -> bool {
        matches!(
            topic,
            topics::ITEM_PUBLISHED
                | topics::CATALOG_IMPORTED
                | knowledge_topics::ENTRY_PUBLISHED
                | knowledge_topics::ENTRY_WITHDRAWN
        )
    }

    fn deliver<'a>(&'a self, event: &'a OutboxEvent) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let (kind, code) = change_of(event)?;
            let now = self.app.clock.now();
            let recorded =
                search_log::record_change(&self.app.db, kind, &code, Some(event.id), now)
                    .await
                    .map_err(|e| e.to_string())?;
            if recorded.is_some_and(|version| version % 100 == 0) {
                search_log::prune_changes(&self.app.db, now - KEEP_CHANGES)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            // This process catches up in a moment; every process also does on its next search.
            self.app.search.schedule_catch_up(&self.app);
            Ok(())
        })
    }
}
