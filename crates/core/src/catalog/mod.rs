//! The standardised service catalogue (事项库): the province-wide standard of each item with its
//! GB/T 39046 elements, and the quality rules over it.

pub mod elements;
pub mod item;
pub mod quality;

pub use elements::{
    CrossRegion, ItemType, MaterialForm, MaterialSource, Mode, OnlineDepth, ResultType,
    ServiceLevel, Target, Theme,
};
pub use item::{
    Exemption, Faq, Fee, Figures, ItemCode, ItemCodeError, ItemResult, Material, Optimization,
    ServiceItem, ZeroTripBasis,
};
pub use quality::{Finding, FindingKind, QualityContext, Severity, check_item};
