//! Domain XML: parsing into [`crate::model::DomainDef`] and formatting back.
//!
//! Two layers, as in busd: `tree` reads the text with quick-xml's `Reader` into a small
//! element tree (bounded in size, depth and element count, with libvirt-shaped syntax errors
//! carrying line and column); `domain`, `devices`, `tune` (resource tuning) and `metadata`
//! convert that tree into the typed model, `postparse` applies libvirt's generic defaults and
//! implicit devices, and `writer` formats the model back the way libvirt prints it.
//!
//! The raw layer is a tree rather than serde structs because three things need it: validation
//! (VIR_DOMAIN_DEFINE_VALIDATE) reports whatever the conversion did not consume, which a
//! tree with "used" marks gives for free; `<metadata>` keeps arbitrary namespaced XML; and
//! syntax errors need exact positions.
//!
//! `snapshot` reads and writes `<domainsnapshot>` documents the same way, `network` the
//! `<network>` documents, `storage` the `<pool>` and `<volume>`, `secret` the `<secret>`
//! documents, `nwfilter` the `<filter>`
//! documents; `cpu` reads the host
//! `<cpu>` descriptions of `virConnectBaselineCPU` and writes the CPU it answers. `options`
//! holds how a document is read, which every reader shares; `metadata` also serves
//! `virDomainSetMetadata`/`virDomainGetMetadata` on elements given by the caller.

mod capabilities;
mod conv;
mod cpu;
mod devices;
mod domain;
mod domain_capabilities;
mod encryption;
mod interface;
mod metadata;
mod netdev;
mod network;
mod network_update;
mod node_device;
mod nwfilter;
mod options;
mod postparse;
mod secret;
mod snapshot;
mod storage;
mod tree;
mod tune;
mod units;
mod writer;

pub use capabilities::{format_capabilities, format_sysinfo};
pub(crate) use cpu::format_cpu;
pub use cpu::{parse_cpu, parse_cpu_def};
pub use devices::{format_device, parse_device, parse_device_with};
pub use domain::{
    check_name, format_domain, is_known_domain_type, parse_domain, parse_domain_with,
    FormatOptions, MAX_NAME_BYTES, MAX_VCPUS,
};
pub use domain_capabilities::format_domain_capabilities;
pub use interface::{format_interface, parse_interface, parse_interface_with};
pub use metadata::{metadata_for_get, metadata_from_set};
pub use network::{format_network, parse_network, parse_network_with};
pub use network_update::{
    command as network_update_command, section as network_section, update_network,
};
pub use node_device::{format_node_device, parse_node_device, NodeDeviceParse};
pub use nwfilter::{format_nwfilter, parse_nwfilter, parse_nwfilter_with};
pub use options::ParseOptions;
pub use postparse::insert_disk;
pub use secret::{format_secret, parse_secret, parse_secret_with};
pub use snapshot::{format_snapshot, parse_snapshot, SnapshotParseOptions};
pub use storage::{
    format_storage_pool, format_storage_pool_sources, format_storage_vol, parse_storage_pool,
    parse_storage_pool_source, parse_storage_pool_with, parse_storage_vol, sanitize_path,
};
pub use tree::{MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_ELEMENTS};
pub use tune::MAX_IOTHREADS;
