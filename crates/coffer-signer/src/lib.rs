//! coffer
