//! Migration: the test driver has none, so libvirt's public API refuses every request after
//! checking the flags in its own order.

use uuid::Uuid;
use virtbus_core::{
    flags::{exclusive, migrate},
    Error, Result,
};

use crate::TestDriver;

impl TestDriver {
    /// virDomainMigrateToURI3, as libvirt 9.0's public API answers for a driver without
    /// migration: TUNNELLED and PARALLEL exclusive, then NON_SHARED_DISK and NON_SHARED_INC,
    /// then OFFLINE, then peer-to-peer or direct migration refused.
    pub(crate) fn op_migrate_to_uri3(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.read(|store| store.get(uuid).map(|_| ()))?;
        exclusive(
            flags,
            migrate::TUNNELLED,
            migrate::PARALLEL,
            "VIR_MIGRATE_TUNNELLED",
            "VIR_MIGRATE_PARALLEL",
        )?;
        exclusive(
            flags,
            migrate::NON_SHARED_DISK,
            migrate::NON_SHARED_INC,
            "VIR_MIGRATE_NON_SHARED_DISK",
            "VIR_MIGRATE_NON_SHARED_INC",
        )?;
        let refused = if flags & migrate::OFFLINE != 0 {
            "offline migration is not supported by the source host"
        } else if flags & migrate::PEER2PEER != 0 {
            "p2p migration is not supported by the source host"
        } else {
            "direct migration is not supported by the source host"
        };
        Err(Error::ArgumentUnsupported(refused.to_owned()))
    }
}
