//! The object model: definitions parsed from XML, and runtime objects.

pub mod domain;

pub use domain::*;
