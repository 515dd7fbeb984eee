//! The embedded in-memory test driver: libvirt 9.0's `test:///default` re-implemented.
//!
//! [`TestDriver::new`] starts with the default domain `test` (running, id 1) and the default
//! network `default` (active), and implements the connection, domain and network calls
//! libvirt's test driver answers, with its states, event codes and error texts. Secrets and
//! network filters, which libvirt's test driver lacks, follow libvirt's secret and nwfilter
//! drivers; none is seeded. All state
//! lives in memory behind one lock; save images are kept in memory keyed by path and nothing
//! is ever written to disk. Events are published on the driver's
//! [`virtbus_core::event::EventSender`] after the lock is released: `Added` before the
//! DEFINED/STARTED event of a new domain or network, `Removed` after the UNDEFINED/STOPPED
//! event that makes one disappear.

mod bitmap;
mod connect;
mod default_domain;
mod dom;
mod domain;
mod driver;
mod host;
mod networks;
mod nwfilters;
mod ops;
mod parse;
mod secrets;
mod snapshots;
mod store;

pub use default_domain::{NAME as DEFAULT_DOMAIN_NAME, UUID as DEFAULT_DOMAIN_UUID};
pub use driver::TestDriver;
pub use networks::{DEFAULT_UUID as DEFAULT_NETWORK_UUID, DEFAULT_XML as DEFAULT_NETWORK_XML};
