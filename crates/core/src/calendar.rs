//! Working days on the official holiday calendar.
