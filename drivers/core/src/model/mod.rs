//! The object model: definitions parsed from XML, and runtime objects.

pub mod capabilities;
pub mod cpu_def;
pub mod domain;
pub mod domain_capabilities;
pub mod host_cpu;
pub mod interface;
pub mod network;
pub mod node_device;
pub mod nwfilter;
pub mod secret;
pub mod snapshot;
pub mod sparse;
pub mod storage;
pub mod tune;

pub use capabilities::*;
pub use cpu_def::*;
pub use domain::*;
pub use domain_capabilities::*;
pub use host_cpu::{is_known_arch, CpuSpec};
pub use interface::*;
pub use network::*;
pub use node_device::*;
pub use nwfilter::*;
pub use secret::*;
pub use snapshot::*;
pub use sparse::{EmptyValue, Sparse};
pub use storage::*;
pub use tune::*;
