//! The department table against the shipped demo catalogue.

use std::collections::BTreeSet;

use zerotrip_core::departments::{KINDS, department_for};
use zerotrip_core::regions::DivisionTree;

const CATALOG: &str = include_str!("../../../data/demo/catalog.json");

#[test]
fn every_catalogue_department_kind_has_a_rule() {
    let items: Vec<serde_json::Value> = serde_json::from_str(CATALOG).unwrap();
    let kinds: BTreeSet<&str> = items
        .iter()
        .map(|item| item["department"].as_str().unwrap())
        .collect();
    let known: BTreeSet<&str> = KINDS.into_iter().collect();
    assert_eq!(kinds, known);
}

#[test]
fn every_county_level_unit_has_every_kind_named_after_it_or_above() {
    let tree = DivisionTree::hainan();
    for unit in tree.county_level_units() {
        for kind in KINDS {
            let spec = department_for(kind, unit, tree);
            // The body belongs to the unit itself or to a region above it.
            assert!(
                spec.region == unit.code || spec.region.is_ancestor_of(&unit.code),
                "{kind} in {}: {} belongs to {}",
                unit.name,
                spec.name,
                spec.region
            );
            assert!(!spec.name.contains('{'), "{}", spec.name);
        }
    }
}
