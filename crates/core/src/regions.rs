//! The province's administrative divisions as a tree.
