//! The operations of the driver, one module per group. Each is an inherent method of
//! [`crate::TestDriver`] named `op_*`; the trait implementation in [`crate::domain`] only
//! forwards to them.

mod define;
mod guest;
mod lifecycle;
mod meta;
mod migrate;
mod pinning;
pub(crate) mod query;
mod resources;
mod snapshots;
mod stats;
mod tuning;
