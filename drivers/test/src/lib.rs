//! The embedded in-memory test driver: libvirt 9.0's `test:///default` re-implemented.
//!
//! [`TestDriver::new`] starts with the default domain `test` (running, id 1) and the default
//! network `default` (active), the storage pool `default-pool` (active, no volumes), the host
//! interface `eth1` (active) and the node devices `computer`, `scsi_host1`, `scsi_host2` and
//! `scsi_host11`, and implements the connection, domain, network, storage pool and volume,
//! host interface and node device calls libvirt's test driver answers, with its states, event codes
//! and error texts. Secrets and network filters, which libvirt's test driver lacks, follow
//! libvirt's secret and nwfilter drivers; none is seeded. All state
//! lives in memory behind one lock; save images are kept in memory keyed by path and nothing
//! is ever written to disk. Events are published on the driver's
//! [`virtbus_core::event::EventSender`] after the lock is released: `Added` before the
//! DEFINED/STARTED event of a new domain, network or storage pool, `Removed` after the
//! UNDEFINED/STOPPED event that makes one disappear; a volume is `Added`/`Removed` as it is
//! created/deleted and as its pool starts/stops.

mod bitmap;
mod connect;
mod default_domain;
mod dom;
mod domain;
mod driver;
mod host;
mod interfaces;
mod networks;
mod node_devices;
mod nwfilters;
mod ops;
mod parse;
mod secrets;
mod snapshots;
mod storage;
mod store;

pub use default_domain::{NAME as DEFAULT_DOMAIN_NAME, UUID as DEFAULT_DOMAIN_UUID};
pub use driver::TestDriver;
pub use networks::{DEFAULT_UUID as DEFAULT_NETWORK_UUID, DEFAULT_XML as DEFAULT_NETWORK_XML};
pub use storage::{
    DEFAULT_UUID as DEFAULT_POOL_UUID, DEFAULT_XML as DEFAULT_POOL_XML,
    POOL_CAPACITY as DEFAULT_POOL_CAPACITY,
};
