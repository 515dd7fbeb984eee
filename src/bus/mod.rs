//! The bus front: one module per org.libvirt interface, plus the method-call dispatcher,
//! paths, errors and parameters.

pub mod connect;
pub mod dispatch;
pub mod domain;
pub mod error;
pub mod interface;
pub mod kind;
pub mod kinds;
pub mod network;
pub mod node_device;
pub mod nwfilter;
pub mod object_manager;
pub mod params;
pub mod path;
pub mod registry;
pub mod secret;
pub mod snapshot;
pub mod startable;
pub mod storage_pool;
pub mod storage_vol;
pub mod visibility;
pub mod zbus_internals;
