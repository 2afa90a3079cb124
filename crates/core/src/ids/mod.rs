//! Identifiers defined by national standards, each parsed once at the edge.
