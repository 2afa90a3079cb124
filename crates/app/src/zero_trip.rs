//! The 零跑动 list: computed per implementing unit from the published standard and its local
//! lists, published as immutable snapshots with their history.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use zerotrip_core::access::Role;
use zerotrip_core::catalog::{
    ElementOverrides, ItemCode, ZeroTripBasis, ZeroTripChanges, ZeroTripEntry, effective_item,
};
use zerotrip_core::ids::{DivisionCode, DivisionLevel};
use zerotrip_store::catalog as store_catalog;
use zerotrip_store::zero_trip::{self as store, EntryRow, NewPublication, PublicationRow};

use crate::App;
use crate::auth::Principal;
use crate::catalog::item_from_json;
use crate::error::{AppError, AppResult};
use crate::events::topics;

#[derive(Debug, Clone, Serialize)]
pub struct PublicationInfo {
    pub id: i64,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
    pub note: String,
    pub entry_count: i64,
    pub added: i64,
    pub removed: i64,
}

impl From<PublicationRow> for PublicationInfo {
    fn from(row: PublicationRow) -> Self {
        PublicationInfo {
            id: row.id,
            published_at: row.published_at,
            published_by: row.published_by,
            note: row.note,
            entry_count: row.entry_count,
            added: row.added,
            removed: row.removed,
        }
    }
}

/// A published list for one region (and everything below it), optionally one department.
#[derive(Debug, Clone, Serialize)]
pub struct ZeroTripList {
    pub region: RegionRef,
    pub department: Option<String>,
    pub publication: PublicationInfo,
    pub total: usize,
    pub entries: Vec<ZeroTripEntry>,
    /// Entries per department, largest first.
    pub by_department: Vec<(String, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionRef {
    pub code: String,
    pub name: String,
}

/// A publication as it was made: what it added and removed against the one before.
#[derive(Debug, Clone, Serialize)]
pub struct PublicationOutcome {
    pub publication: PublicationInfo,
    pub changes: ZeroTripChanges,
}

impl App {
    /// The list as it would be published now.
    pub async fn current_zero_trip_entries(&self) -> AppResult<Vec<ZeroTripEntry>> {
        let items: HashMap<String, zerotrip_core::catalog::ServiceItem> =
            store_catalog::all_published(&self.db)
                .await?
                .iter()
                .map(|row| Ok((row.code.clone(), item_from_json(&row.code, &row.content.0)?)))
                .collect::<AppResult<_>>()?;
        let mut entries = Vec::new();
        for view in store_catalog::all_implementations(&self.db).await? {
            let Some(standard) = items.get(&view.item_code) else {
                continue;
            };
            let overrides: ElementOverrides = serde_json::from_value(view.overrides.0.clone())
                .map_err(|error| {
                    AppError::Store(zerotrip_store::StoreError::corrupt(
                        format!("实施清单 {}", view.code),
                        error,
                    ))
                })?;
            let effective = if overrides.is_empty() {
                standard.clone()
            } else {
                effective_item(standard, &overrides)
            };
            if let Some(entry) = ZeroTripEntry::for_implementation(
                &effective,
                &view.code,
                &view.region_code,
                &view.region_name,
                &view.department_name,
            ) {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| (&a.region_code, &a.item_code).cmp(&(&b.region_code, &b.item_code)));
        Ok(entries)
    }

    /// Publishes the current list as a new immutable snapshot.
    pub async fn publish_zero_trip(
        &self,
        principal: &Principal,
        note: &str,
    ) -> AppResult<PublicationOutcome> {
        principal.require(Role::ProvinceAdmin)?;
        self.publish_zero_trip_as(&principal.username, note).await
    }

    pub(crate) async fn publish_zero_trip_as(
        &self,
        actor: &str,
        note: &str,
    ) -> AppResult<PublicationOutcome> {
        let current = self.current_zero_trip_entries().await?;
        let mut tx = self.db.begin().await?;
        let previous = match store::latest_publication_tx(&mut tx).await? {
            Some(publication) => {
                entries_from_rows(store::entries_tx(&mut tx, publication.id).await?)?
            }
            None => Vec::new(),
        };
        let changes = ZeroTripChanges::between(&previous, &current);
        if !previous.is_empty() && changes.is_empty() {
            return Err(AppError::conflict(
                "零跑动清单与上次发布相比没有变化，无需重新发布",
            ));
        }
        let note = if note.trim().is_empty() {
            "发布零跑动清单"
        } else {
            note.trim()
        };
        let published_at = self.clock.now();
        let rows = current.iter().map(entry_row).collect();
        let id = store::insert_publication(
            &mut tx,
            NewPublication {
                published_at,
                published_by: actor,
                note,
                added: changes.added.len() as i64,
                removed: changes.removed.len() as i64,
            },
            rows,
        )
        .await?;
        let summary = json!({
            "publication": id, "entries": current.len(),
            "added": changes.added.len(), "removed": changes.removed.len(),
        });
        self.audit(
            &mut tx,
            actor,
            "zero_trip.publish",
            &format!("zero_trip:{id}"),
            None,
            Some(&summary),
        )
        .await?;
        self.emit(
            &mut tx,
            topics::ZERO_TRIP_PUBLISHED,
            &id.to_string(),
            summary,
        )
        .await?;
        tx.commit().await?;
        let publication = store::publication(&self.db, id)
            .await?
            .ok_or_else(|| AppError::internal("刚发布的零跑动清单不存在"))?;
        Ok(PublicationOutcome {
            publication: publication.into(),
            changes,
        })
    }

    /// The published list of a region (the whole province when `region` is None).
    pub async fn zero_trip_list(
        &self,
        region: Option<&str>,
        department: Option<&str>,
        publication: Option<i64>,
    ) -> AppResult<ZeroTripList> {
        let tree = self.regions();
        let region = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(code) => {
                let code =
                    DivisionCode::parse(code).map_err(|error| AppError::field("region", error))?;
                tree.get(&code)
                    .ok_or_else(|| AppError::not_found(format!("行政区划 {code} 不在本省区划中")))?
            }
            None => tree.province(),
        };
        let publication = match publication {
            Some(id) => store::publication(&self.db, id)
                .await?
                .ok_or_else(|| AppError::not_found(format!("第 {id} 期零跑动清单不存在")))?,
            None => store::latest_publication(&self.db)
                .await?
                .ok_or_else(|| AppError::not_found("零跑动清单尚未发布"))?,
        };
        let department = department.map(str::trim).filter(|d| !d.is_empty());
        let rows = store::entries_in_region(
            &self.db,
            publication.id,
            region_prefix(&region.code, region.level),
            department,
        )
        .await?;
        let entries = entries_from_rows(rows)?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &entries {
            *counts.entry(entry.department_name.as_str()).or_default() += 1;
        }
        let mut by_department: Vec<(String, usize)> = counts
            .into_iter()
            .map(|(name, n)| (name.to_owned(), n))
            .collect();
        by_department.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(ZeroTripList {
            region: RegionRef {
                code: region.code.to_string(),
                name: tree.full_name(&region.code),
            },
            department: department.map(str::to_owned),
            publication: publication.into(),
            total: entries.len(),
            entries,
            by_department,
        })
    }

    /// Every publication, newest first.
    pub async fn zero_trip_history(&self) -> AppResult<Vec<PublicationInfo>> {
        Ok(store::publications(&self.db)
            .await?
            .into_iter()
            .map(PublicationInfo::from)
            .collect())
    }

    /// Entries per region in the latest publication.
    pub async fn zero_trip_region_counts(&self) -> AppResult<Vec<(String, String, i64)>> {
        let Some(latest) = store::latest_publication(&self.db).await? else {
            return Ok(Vec::new());
        };
        Ok(store::region_counts(&self.db, latest.id)
            .await?
            .into_iter()
            .map(|row| (row.region_code, row.region_name, row.count))
            .collect())
    }
}

/// The code prefix shared by a region and everything below it.
fn region_prefix(code: &DivisionCode, level: DivisionLevel) -> &str {
    let text = code.as_str();
    match level {
        DivisionLevel::Province => &text[..2],
        DivisionLevel::City => &text[..4],
        _ => text,
    }
}

fn entry_row(entry: &ZeroTripEntry) -> EntryRow {
    EntryRow {
        implementation_code: entry.implementation_code.clone(),
        item_code: entry.item_code.to_string(),
        item_name: entry.item_name.clone(),
        region_code: entry.region_code.clone(),
        region_name: entry.region_name.clone(),
        department_name: entry.department_name.clone(),
        basis: basis_key(entry.basis).to_owned(),
    }
}

fn basis_key(basis: ZeroTripBasis) -> &'static str {
    match basis {
        ZeroTripBasis::NoVisit => "no_visit",
        ZeroTripBasis::FullyOnline => "fully_online",
    }
}

fn entries_from_rows(rows: Vec<EntryRow>) -> AppResult<Vec<ZeroTripEntry>> {
    rows.into_iter()
        .map(|row| {
            let basis = match row.basis.as_str() {
                "no_visit" => ZeroTripBasis::NoVisit,
                "fully_online" => ZeroTripBasis::FullyOnline,
                other => {
                    return Err(AppError::Store(zerotrip_store::StoreError::corrupt(
                        "零跑动清单",
                        format!("未知依据 {other}"),
                    )));
                }
            };
            let item_code = ItemCode::parse(&row.item_code).map_err(|error| {
                AppError::Store(zerotrip_store::StoreError::corrupt("零跑动清单", error))
            })?;
            Ok(ZeroTripEntry {
                item_code,
                item_name: row.item_name,
                implementation_code: row.implementation_code,
                region_code: row.region_code,
                region_name: row.region_name,
                department_name: row.department_name,
                basis,
            })
        })
        .collect()
}

impl App {
    /// Publishes from the command line, recorded as the system actor.
    pub async fn publish_zero_trip_from_cli(&self, note: &str) -> AppResult<PublicationOutcome> {
        self.publish_zero_trip_as(crate::audit::SYSTEM_ACTOR, note)
            .await
    }
}
