//! Use cases of zerotrip, one module per capability.
//!
//! Handlers in the web layer parse and authorise, then call one method of [`App`]. Use cases own
//! their transactions; a change, its domain event (outbox) and its audit record commit together.

pub mod audit;
pub mod auth;
pub mod calendar;
pub mod cases;
pub mod catalog;
mod clock;
pub mod delivery;
pub mod error;
pub mod evaluation;
pub mod events;
pub mod files;
pub mod hotline;
pub mod identity;
pub mod knowledge;
pub mod notify;
pub mod otp;
pub mod payments;
pub mod regions;
pub mod search;
pub mod seed;
pub mod unresolved;
pub mod zero_trip;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use zerotrip_core::calendar::WorkingDayCalendar;
use zerotrip_core::regions::DivisionTree;
use zerotrip_store::Db;

pub use clock::Clock;
pub use error::{AppError, AppResult, FieldError};

/// The platform: its database, files and the reference data every request needs.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Clock,
    /// Where uploaded and generated files live (a local directory by default).
    pub files_dir: PathBuf,
    /// The object store over `files_dir` (S3-compatible in production).
    pub(crate) files: Arc<dyn object_store::ObjectStore>,
    calendar: Arc<RwLock<Arc<WorkingDayCalendar>>>,
    regions: &'static DivisionTree,
    /// This process's search index and synonyms (see [`search`]).
    search: Arc<search::SearchService>,
}

impl App {
    /// Opens the platform on a migrated database: loads reference data on first start and the
    /// working-day calendar as stored.
    pub async fn open(db: Db, files_dir: PathBuf, clock: Clock) -> AppResult<App> {
        let files = files::local_store(&files_dir)?;
        let app = App {
            db,
            clock,
            files,
            files_dir,
            calendar: Arc::new(RwLock::new(Arc::new(WorkingDayCalendar::official()))),
            regions: DivisionTree::hainan(),
            search: Arc::new(search::SearchService::new()),
        };
        seed::ensure_reference_data(&app).await?;
        app.ensure_default_workflows().await?;
        app.reload_calendar().await?;
        Ok(app)
    }

    /// The province's division tree.
    pub fn regions(&self) -> &'static DivisionTree {
        self.regions
    }
}
