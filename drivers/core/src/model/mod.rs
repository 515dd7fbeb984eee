//! The object model: definitions parsed from XML, and runtime objects.

pub mod domain;
pub mod snapshot;
pub mod sparse;
pub mod tune;

pub use domain::*;
pub use snapshot::*;
pub use sparse::{EmptyValue, Sparse};
pub use tune::*;
