//! virtbus-core: the contract every virtbus driver implements.
//!
//! This crate knows nothing of D-Bus. It holds the driver traits ([`driver`]), the domain,
//! network, storage pool and volume, secret and network filter model ([`model`]) with its CPU
//! sets ([`bitmap`]), domain, snapshot, network, pool, volume, secret and filter XML parsing and
//! formatting ([`xml`]), host CPU models and baselines ([`cpu`]), the domain state machine
//! ([`state`]), the identities of the objects drivers serve ([`object`]), typed events
//! ([`event`]), libvirt's flag values and checks ([`flags`]), typed parameters ([`params`]) and
//! the error type carrying libvirt's codes and texts ([`error`]).

pub mod args;
pub mod bitmap;
pub mod cpu;
pub mod domain_list;
pub mod driver;
pub mod error;
pub mod event;
pub mod flags;
pub mod model;
pub mod object;
pub mod params;
pub mod state;
pub mod uuid_str;
pub mod xml;

pub use error::{Error, Result};
pub use object::ObjectId;
pub use uuid::Uuid;
