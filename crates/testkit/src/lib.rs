//! Test helpers shared by zerotrip's crates.
//!
//! - [`browser`]: a headless Chromium per test, driven over WebDriver (chromedriver), with
//!   helpers for clicking, typing, keyboard navigation, phone-sized viewports and screenshots.

pub mod browser;
