//! Departments of each region: plausible names and valid unified social credit codes.
