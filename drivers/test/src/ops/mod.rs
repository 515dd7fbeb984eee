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

use uuid::Uuid;
use virtbus_core::{model::DomainDef, Result};

use crate::TestDriver;

impl TestDriver {
    /// Runs `f` on the one definition of domain `uuid` that `flags` pick
    /// ([`crate::dom::Dom::one_def`]), read only.
    pub(crate) fn read_def<T>(
        &self,
        uuid: &Uuid,
        flags: u32,
        f: impl FnOnce(&DomainDef) -> Result<T>,
    ) -> Result<T> {
        self.read(|store| f(store.get(uuid)?.one_def(flags)?.0))
    }

    /// Runs `f` on the one definition of domain `uuid` that `flags` pick
    /// ([`crate::dom::Dom::one_def_mut`]). It queues no event.
    pub(crate) fn with_def<T>(
        &self,
        uuid: &Uuid,
        flags: u32,
        f: impl FnOnce(&mut DomainDef) -> Result<T>,
    ) -> Result<T> {
        self.with(|store, _| f(store.get_mut(uuid)?.one_def_mut(flags)?.0))
    }
}
