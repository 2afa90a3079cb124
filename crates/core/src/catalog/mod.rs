//! The standardised service catalogue (事项库): the province-wide standard of each item with its
//! GB/T 39046 elements, the quality rules over it, the lists that refer to it (bundles, licence
//! types, proactive rules, implementation lists) and its exchange formats.

pub mod bundle;
mod csv_text;
pub mod diff;
pub mod elements;
pub mod exchange;
pub mod field_type;
pub mod implementation;
pub mod item;
pub mod labels;
pub mod licence_type;
pub mod phone;
pub mod proactive;
pub mod quality;
pub mod reductions;
pub mod references;
pub mod zero_trip;

pub use bundle::{Bundle, FormField};
pub use diff::{ChangeKind, ElementChange, diff_items};
pub use elements::{
    CrossRegion, ItemType, MaterialForm, MaterialSource, Mode, OnlineDepth, ResultType,
    ServiceLevel, Target, Theme,
};
pub use exchange::{
    CodeAllocator, ImportError, ImportErrors, MAX_REPORTED_ERRORS, SequentialAllocator,
    catalog_to_csv, catalog_to_json, generate_catalog, parse_catalog_csv, parse_catalog_json,
};
pub use field_type::FieldType;
pub use implementation::{ElementOverrides, LocalFacts, check_implementation, effective_item};
pub use item::{
    Exemption, Faq, Fee, Figures, ItemCode, ItemCodeError, ItemResult, Material, Optimization,
    ServiceItem, ZeroTripBasis,
};
pub use labels::element_label;
pub use licence_type::{LicenceField, LicenceType};
pub use phone::{PhoneError, PhoneKind, ServicePhone};
pub use proactive::{Benefit, ProactiveRule};
pub use quality::{Finding, FindingKind, QualityContext, Severity, check_item};
pub use reductions::{
    FigureSummary, ItemReduction, ReductionSummary, item_reductions, summarize_reductions,
};
pub use references::{check_bundles, check_proactive_rules};
pub use zero_trip::{
    ZeroTripChanges, ZeroTripEntry, entries_to_csv, in_zero_trip_scope, zero_trip_basis,
};
