//! `org.libvirt.Connect`: the connection object of one driver, e.g. `/org/libvirt/Test`.
//!
//! Every member of libvirt-dbus's interface is served with its exact name, signature and
//! argument names, and calls the driver's method for it; what the driver lacks answers
//! libvirt's "not supported" text from the trait's default. Objects are returned as their
//! paths ([`path::object_path`]). Lifecycle events go out from here as `DomainEvent` and its
//! siblings.
//!
//! Strings that libvirt takes as optional (`DomainRestore`'s `xml`, `FindStoragePoolSources`'s
//! `srcSpec`, the four strings of `GetDomainCapabilities`) are "" for NULL, as on
//! libvirt-dbus; the driver contract takes "" the same way.

// The D-Bus argument names are libvirt-dbus's camelCase ones (`xmlDesc`, `cpuNum`, ...), and
// zbus takes them from the Rust parameter names.
#![allow(non_snake_case)]

use std::collections::HashMap;

use uuid::Uuid;
use virtbus_core::{uuid_str, Error as CoreError, ObjectId};
use zbus::{
    interface, object_server::SignalEmitter, Fd, ObjectPath, OwnedObjectPath, OwnedVariant,
};

use super::{
    domain::DomainKind,
    error::Result,
    params, path,
    registry::{Paths, Registry},
    visibility,
};

/// The D-Bus interface name served by [`Connect`].
pub const INTERFACE: &str = "org.libvirt.Connect";

/// The most file descriptors `DomainCreateXMLWithFiles` accepts, as libvirt's remote
/// protocol bounds them.
pub const MAX_FILES: usize = 32;

/// `a{sv}` as it travels on the bus.
type Dict = HashMap<String, OwnedVariant>;

/// The `org.libvirt.Connect` object of one driver.
pub struct Connect {
    registry: Registry,
}

impl Connect {
    /// The connection object for the driver and object tree of `registry`.
    pub fn new(registry: Registry) -> Self {
        Self { registry }
    }

    /// The object path of a domain that a call just made. Any domain path is answered (see
    /// `super::dispatch`), so the caller can use it at once.
    fn made(&self, uuid: Uuid) -> Result<OwnedObjectPath> {
        Ok(self.registry.path::<DomainKind>(&uuid))
    }

    /// The object path of `id` under this connection object.
    fn path(&self, id: &ObjectId) -> OwnedObjectPath {
        path::object_path(self.registry.root().as_str(), id)
    }

    /// The object paths of `ids`, for an `ao` reply.
    fn paths(&self, ids: impl IntoIterator<Item = ObjectId>) -> Vec<OwnedObjectPath> {
        ids.into_iter().map(|id| self.path(&id)).collect()
    }
}

#[interface(name = "org.libvirt.Connect")]
impl Connect {
    // ----- properties -----

    /// Whether the connection to the driver is encrypted (virConnectIsEncrypted).
    #[zbus(property(emits_changed_signal = "const"), name = "Encrypted")]
    async fn encrypted(&self) -> Result<bool> {
        Ok(self.registry.driver().is_encrypted().await?)
    }

    /// The name of the host the driver runs on (virConnectGetHostname).
    #[zbus(property(emits_changed_signal = "false"), name = "Hostname")]
    async fn hostname(&self) -> Result<String> {
        Ok(self.registry.driver().hostname().await?)
    }

    /// The libvirt version the service is compatible with, as major * 1,000,000 + minor *
    /// 1,000 + release (virConnectGetLibVersion).
    #[zbus(property(emits_changed_signal = "false"), name = "LibVersion")]
    async fn lib_version(&self) -> Result<u64> {
        Ok(self.registry.driver().lib_version().await?)
    }

    /// Whether the connection is encrypted.
    ///
    /// libvirt-dbus answers this property with virConnectIsEncrypted rather than
    /// virConnectIsSecure (the test driver thus reads `false` although it is secure), and
    /// clients see that value; we keep it for compatibility.
    #[zbus(property(emits_changed_signal = "const"), name = "Secure")]
    async fn secure(&self) -> Result<bool> {
        Ok(self.registry.driver().is_encrypted().await?)
    }

    /// The version of the hypervisor behind the driver (virConnectGetVersion).
    #[zbus(property(emits_changed_signal = "false"), name = "Version")]
    async fn version(&self) -> Result<u64> {
        Ok(self.registry.driver().version().await?)
    }

    // ----- host and CPU -----

    /// The most featureful CPU that every CPU of `xmlCPUs` supports (virConnectBaselineCPU).
    #[zbus(name = "BaselineCPU", out_args("cpu"))]
    async fn baseline_cpu(&self, xmlCPUs: Vec<String>, flags: u32) -> Result<String> {
        Ok(self.registry.driver().baseline_cpu(&xmlCPUs, flags).await?)
    }

    /// How the CPU described by `xmlDesc` compares with the host CPU (virConnectCompareCPU).
    #[zbus(name = "CompareCPU", out_args("compareResult"))]
    async fn compare_cpu(&self, xmlDesc: &str, flags: u32) -> Result<i32> {
        Ok(self.registry.driver().compare_cpu(xmlDesc, flags).await?)
    }

    /// The capabilities of the host and driver as XML (virConnectGetCapabilities).
    #[zbus(name = "GetCapabilities", out_args("capabilities"))]
    async fn get_capabilities(&self) -> Result<String> {
        Ok(self.registry.driver().capabilities().await?)
    }

    /// The CPU models known for `arch` (virConnectGetCPUModelNames).
    #[zbus(name = "GetCPUModelNames", out_args("models"))]
    async fn get_cpu_model_names(&self, arch: &str, flags: u32) -> Result<Vec<String>> {
        Ok(self.registry.driver().cpu_model_names(arch, flags).await?)
    }

    /// The capabilities of one emulator, architecture, machine and virtualization type as
    /// XML; "" leaves a value to the driver's default (virConnectGetDomainCapabilities).
    #[zbus(name = "GetDomainCapabilities", out_args("domCapabilities"))]
    async fn get_domain_capabilities(
        &self,
        emulatorbin: &str,
        arch: &str,
        machine: &str,
        virttype: &str,
        flags: u32,
    ) -> Result<String> {
        Ok(self
            .registry
            .driver()
            .domain_capabilities(emulatorbin, arch, machine, virttype, flags)
            .await?)
    }

    /// The host's SMBIOS information as XML (virConnectGetSysinfo).
    #[zbus(name = "GetSysinfo", out_args("sysinfo"))]
    async fn get_sysinfo(&self, flags: u32) -> Result<String> {
        Ok(self.registry.driver().sysinfo(flags).await?)
    }

    /// One boolean per host CPU, true when it is online (virNodeGetCPUMap).
    #[zbus(name = "NodeGetCPUMap", out_args("res"))]
    async fn node_get_cpu_map(&self, flags: u32) -> Result<Vec<bool>> {
        Ok(self.registry.driver().node_cpu_map(flags).await?)
    }

    /// CPU time counters of host CPU `cpuNum`, or of all CPUs for -1 (virNodeGetCPUStats).
    #[zbus(name = "NodeGetCPUStats", out_args("cpuStats"))]
    async fn node_get_cpu_stats(&self, cpuNum: i32, flags: u32) -> Result<HashMap<String, u64>> {
        let stats = self.registry.driver().node_cpu_stats(cpuNum, flags).await?;
        Ok(stats.into_iter().collect())
    }

    /// The free memory of the host in bytes (virNodeGetFreeMemory).
    #[zbus(name = "NodeGetFreeMemory", out_args("freemem"))]
    async fn node_get_free_memory(&self) -> Result<u64> {
        Ok(self.registry.driver().node_free_memory().await?)
    }

    /// The host's memory tunables (virNodeGetMemoryParameters).
    #[zbus(name = "NodeGetMemoryParameters", out_args("memoryParameters"))]
    async fn node_get_memory_parameters(&self, flags: u32) -> Result<Dict> {
        let params = self.registry.driver().node_memory_parameters(flags).await?;
        Ok(params::to_dict(params))
    }

    /// Memory counters of NUMA cell `cellNum`, or of the whole host for -1
    /// (virNodeGetMemoryStats).
    #[zbus(name = "NodeGetMemoryStats", out_args("stats"))]
    async fn node_get_memory_stats(
        &self,
        cellNum: i32,
        flags: u32,
    ) -> Result<HashMap<String, u64>> {
        let stats = self
            .registry
            .driver()
            .node_memory_stats(cellNum, flags)
            .await?;
        Ok(stats.into_iter().collect())
    }

    /// The host's security model and its DOI (virNodeGetSecurityModel).
    #[zbus(name = "NodeGetSecurityModel", out_args("secModel"))]
    async fn node_get_security_model(&self) -> Result<((String, String),)> {
        Ok((self.registry.driver().node_security_model().await?,))
    }

    /// Sets the host's memory tunables (virNodeSetMemoryParameters).
    #[zbus(name = "NodeSetMemoryParameters")]
    async fn node_set_memory_parameters(&self, params: Dict, flags: u32) -> Result<()> {
        let params = params::from_dict(params)?;
        Ok(self
            .registry
            .driver()
            .node_set_memory_parameters(params, flags)
            .await?)
    }

    // ----- domains -----

    /// Creates and starts a transient domain from its XML, and returns its object
    /// (virDomainCreateXML).
    #[zbus(name = "DomainCreateXML", out_args("domain"))]
    async fn domain_create_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().create_xml(xml, flags).await?;
        self.made(uuid)
    }

    /// Creates and starts a transient domain, passing it open files
    /// (virDomainCreateXMLWithFiles).
    #[zbus(name = "DomainCreateXMLWithFiles", out_args("domain"))]
    async fn domain_create_xml_with_files(
        &self,
        xml: &str,
        files: Vec<Fd<'_>>,
        flags: u32,
    ) -> Result<OwnedObjectPath> {
        if files.len() > MAX_FILES {
            return Err(CoreError::InvalidArg(format!(
                "too many file descriptors: {} (at most {MAX_FILES})",
                files.len()
            ))
            .into());
        }
        let uuid = self
            .registry
            .driver()
            .create_xml_with_files(xml, files.len(), flags)
            .await?;
        self.made(uuid)
    }

    /// Defines a persistent domain from its XML, or replaces the definition of an existing
    /// one, and returns its object (virDomainDefineXML).
    #[zbus(name = "DomainDefineXML", out_args("domain"))]
    async fn domain_define_xml(&self, xml: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().define_xml(xml, 0).await?;
        self.made(uuid)
    }

    /// The object of the running domain with hypervisor id `id` (virDomainLookupByID).
    #[zbus(name = "DomainLookupByID", out_args("domain"))]
    async fn domain_lookup_by_id(&self, id: i32) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().lookup_by_id(id).await?;
        Ok(self.registry.path::<DomainKind>(&uuid))
    }

    /// The object of the domain called `name` (virDomainLookupByName).
    #[zbus(name = "DomainLookupByName", out_args("domain"))]
    async fn domain_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().lookup_by_name(name).await?;
        Ok(self.registry.path::<DomainKind>(&uuid))
    }

    /// The object of the domain with UUID `uuid`, in any of libvirt's UUID spellings
    /// (virDomainLookupByUUIDString).
    #[zbus(name = "DomainLookupByUUID", out_args("domain"))]
    async fn domain_lookup_by_uuid(&self, uuid: &str) -> Result<OwnedObjectPath> {
        let uuid = uuid_str::parse(uuid)?;
        let uuid = self.registry.driver().lookup_by_uuid(&uuid).await?;
        Ok(self.registry.path::<DomainKind>(&uuid))
    }

    /// Starts a domain from the image saved at `from`; a non-empty `xml` replaces its
    /// definition (virDomainRestoreFlags).
    #[zbus(name = "DomainRestore")]
    async fn domain_restore(&self, from: &str, xml: &str, flags: u32) -> Result<()> {
        Ok(self.registry.driver().restore(from, xml, flags).await?)
    }

    /// Replaces the domain definition stored in the saved image `file`
    /// (virDomainSaveImageDefineXML).
    #[zbus(name = "DomainSaveImageDefineXML")]
    async fn domain_save_image_define_xml(&self, file: &str, xml: &str, flags: u32) -> Result<()> {
        Ok(self
            .registry
            .driver()
            .save_image_define_xml(file, xml, flags)
            .await?)
    }

    /// The domain definition stored in the saved image `file`
    /// (virDomainSaveImageGetXMLDesc).
    #[zbus(name = "DomainSaveImageGetXMLDesc", out_args("xml"))]
    async fn domain_save_image_get_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        Ok(self
            .registry
            .driver()
            .save_image_xml_desc(file, flags)
            .await?)
    }

    /// Statistics of every domain, keyed by domain name (virConnectGetAllDomainStats).
    #[zbus(name = "GetAllDomainStats", out_args("records"))]
    async fn get_all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<(String, Dict)>> {
        let records = self
            .registry
            .driver()
            .all_domain_stats(stats, flags)
            .await?;
        let records = visibility::retain_readable_domains(records, |(name, _)| name).await;
        Ok(records
            .into_iter()
            .map(|(name, params)| (name, params::to_dict(params)))
            .collect())
    }

    /// The objects of the domains that match the filter `flags`
    /// (virConnectListAllDomains).
    #[zbus(name = "ListDomains", out_args("domains"))]
    async fn list_domains(&self, flags: u32) -> Result<Paths<DomainKind>> {
        let uuids = self.registry.driver().list_domains(flags).await?;
        let uuids = visibility::retain_keys::<DomainKind>(uuids).await;
        Ok(self.registry.paths::<DomainKind>(uuids))
    }

    // ----- signals -----

    /// A domain lifecycle event: `event` is libvirt's virDomainEventType (DEFINED = 0 ...
    /// CRASHED = 8) and `detail` the detail code of that type.
    #[zbus(signal, name = "DomainEvent")]
    pub async fn domain_event(
        emitter: &SignalEmitter<'_>,
        domain: ObjectPath<'_>,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;

    /// A network lifecycle event (virNetworkEventLifecycleType); libvirt-dbus drops the
    /// detail, so there is none.
    #[zbus(signal, name = "NetworkEvent")]
    pub async fn network_event(
        emitter: &SignalEmitter<'_>,
        network: ObjectPath<'_>,
        event: i32,
    ) -> zbus::Result<()>;

    /// A node device lifecycle event (virNodeDeviceEventLifecycleType) and its detail.
    #[zbus(signal, name = "NodeDeviceEvent")]
    pub async fn node_device_event(
        emitter: &SignalEmitter<'_>,
        dev: ObjectPath<'_>,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;

    /// A secret lifecycle event (virSecretEventLifecycleType) and its detail.
    #[zbus(signal, name = "SecretEvent")]
    pub async fn secret_event(
        emitter: &SignalEmitter<'_>,
        secret: ObjectPath<'_>,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;

    /// A storage pool lifecycle event (virStoragePoolEventLifecycleType) and its detail.
    #[zbus(signal, name = "StoragePoolEvent")]
    pub async fn storage_pool_event(
        emitter: &SignalEmitter<'_>,
        storagePool: ObjectPath<'_>,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;

    // ----- storage pools and volumes -----

    /// Describes the storage pools of type `type` that could be found on the host;
    /// `srcSpec` "" for none (virConnectFindStoragePoolSources).
    #[zbus(name = "FindStoragePoolSources", out_args("storagePoolSources"))]
    async fn find_storage_pool_sources(
        &self,
        r#type: &str,
        srcSpec: &str,
        flags: u32,
    ) -> Result<String> {
        Ok(self
            .registry
            .driver()
            .find_storage_pool_sources(r#type, srcSpec, flags)
            .await?)
    }

    /// The storage pools that match `flags` (virConnectListAllStoragePools).
    #[zbus(name = "ListStoragePools", out_args("storagePools"))]
    async fn list_storage_pools(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let uuids = self.registry.driver().list_storage_pools(flags).await?;
        Ok(
            visibility::retain_paths(self.paths(uuids.into_iter().map(ObjectId::StoragePool)))
                .await,
        )
    }

    /// Creates and starts a transient storage pool from its XML (virStoragePoolCreateXML).
    #[zbus(name = "StoragePoolCreateXML", out_args("storagePool"))]
    async fn storage_pool_create_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let uuid = self
            .registry
            .driver()
            .storage_pool_create_xml(xml, flags)
            .await?;
        Ok(self.path(&ObjectId::StoragePool(uuid)))
    }

    /// Defines a persistent storage pool from its XML (virStoragePoolDefineXML).
    #[zbus(name = "StoragePoolDefineXML", out_args("storagePool"))]
    async fn storage_pool_define_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let uuid = self
            .registry
            .driver()
            .storage_pool_define_xml(xml, flags)
            .await?;
        Ok(self.path(&ObjectId::StoragePool(uuid)))
    }

    /// The storage pool called `name` (virStoragePoolLookupByName).
    #[zbus(name = "StoragePoolLookupByName", out_args("storagePool"))]
    async fn storage_pool_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let uuid = self
            .registry
            .driver()
            .storage_pool_lookup_by_name(name)
            .await?;
        Ok(self.path(&ObjectId::StoragePool(uuid)))
    }

    /// The storage pool with UUID `uuid` (virStoragePoolLookupByUUIDString).
    #[zbus(name = "StoragePoolLookupByUUID", out_args("storagePool"))]
    async fn storage_pool_lookup_by_uuid(&self, uuid: &str) -> Result<OwnedObjectPath> {
        let uuid = uuid_str::parse(uuid)?;
        let uuid = self
            .registry
            .driver()
            .storage_pool_lookup_by_uuid(&uuid)
            .await?;
        Ok(self.path(&ObjectId::StoragePool(uuid)))
    }

    /// The storage volume with key `key` (virStorageVolLookupByKey).
    #[zbus(name = "StorageVolLookupByKey", out_args("storageVol"))]
    async fn storage_vol_lookup_by_key(&self, key: &str) -> Result<OwnedObjectPath> {
        let key = self
            .registry
            .driver()
            .storage_vol_lookup_by_key(key)
            .await?;
        Ok(self.path(&ObjectId::StorageVol(key)))
    }

    /// The storage volume at `path` on the host (virStorageVolLookupByPath).
    #[zbus(name = "StorageVolLookupByPath", out_args("storageVol"))]
    async fn storage_vol_lookup_by_path(&self, path: &str) -> Result<OwnedObjectPath> {
        let key = self
            .registry
            .driver()
            .storage_vol_lookup_by_path(path)
            .await?;
        Ok(self.path(&ObjectId::StorageVol(key)))
    }

    // ----- host interfaces -----

    /// Starts a transaction on the host interface configuration
    /// (virInterfaceChangeBegin).
    #[zbus(name = "InterfaceChangeBegin")]
    async fn interface_change_begin(&self, flags: u32) -> Result<()> {
        Ok(self.registry.driver().interface_change_begin(flags).await?)
    }

    /// Commits the transaction on the host interface configuration
    /// (virInterfaceChangeCommit).
    #[zbus(name = "InterfaceChangeCommit")]
    async fn interface_change_commit(&self, flags: u32) -> Result<()> {
        Ok(self
            .registry
            .driver()
            .interface_change_commit(flags)
            .await?)
    }

    /// Rolls back the transaction on the host interface configuration
    /// (virInterfaceChangeRollback).
    #[zbus(name = "InterfaceChangeRollback")]
    async fn interface_change_rollback(&self, flags: u32) -> Result<()> {
        Ok(self
            .registry
            .driver()
            .interface_change_rollback(flags)
            .await?)
    }

    /// Defines a host interface from its XML (virInterfaceDefineXML).
    #[zbus(name = "InterfaceDefineXML", out_args("interface"))]
    async fn interface_define_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let mac = self
            .registry
            .driver()
            .interface_define_xml(xml, flags)
            .await?;
        Ok(self.path(&ObjectId::Interface(mac)))
    }

    /// The host interface with MAC address `mac` (virInterfaceLookupByMACString).
    #[zbus(name = "InterfaceLookupByMAC", out_args("interface"))]
    async fn interface_lookup_by_mac(&self, mac: &str) -> Result<OwnedObjectPath> {
        let mac = self.registry.driver().interface_lookup_by_mac(mac).await?;
        Ok(self.path(&ObjectId::Interface(mac)))
    }

    /// The host interface called `name` (virInterfaceLookupByName).
    #[zbus(name = "InterfaceLookupByName", out_args("interface"))]
    async fn interface_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let mac = self
            .registry
            .driver()
            .interface_lookup_by_name(name)
            .await?;
        Ok(self.path(&ObjectId::Interface(mac)))
    }

    /// The host interfaces that match `flags` (virConnectListAllInterfaces).
    #[zbus(name = "ListInterfaces", out_args("interfaces"))]
    async fn list_interfaces(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let macs = self.registry.driver().list_interfaces(flags).await?;
        Ok(visibility::retain_paths(self.paths(macs.into_iter().map(ObjectId::Interface))).await)
    }

    // ----- networks -----

    /// The networks that match `flags` (virConnectListAllNetworks).
    #[zbus(name = "ListNetworks", out_args("networks"))]
    async fn list_networks(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let uuids = self.registry.driver().list_networks(flags).await?;
        Ok(visibility::retain_paths(self.paths(uuids.into_iter().map(ObjectId::Network))).await)
    }

    /// Creates and starts a transient network from its XML (virNetworkCreateXML).
    #[zbus(name = "NetworkCreateXML", out_args("network"))]
    async fn network_create_xml(&self, xml: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().network_create_xml(xml, 0).await?;
        Ok(self.path(&ObjectId::Network(uuid)))
    }

    /// Defines a persistent network from its XML (virNetworkDefineXML).
    #[zbus(name = "NetworkDefineXML", out_args("network"))]
    async fn network_define_xml(&self, xml: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().network_define_xml(xml, 0).await?;
        Ok(self.path(&ObjectId::Network(uuid)))
    }

    /// The network called `name` (virNetworkLookupByName).
    #[zbus(name = "NetworkLookupByName", out_args("network"))]
    async fn network_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().network_lookup_by_name(name).await?;
        Ok(self.path(&ObjectId::Network(uuid)))
    }

    /// The network with UUID `uuid` (virNetworkLookupByUUIDString).
    #[zbus(name = "NetworkLookupByUUID", out_args("network"))]
    async fn network_lookup_by_uuid(&self, uuid: &str) -> Result<OwnedObjectPath> {
        let uuid = uuid_str::parse(uuid)?;
        let uuid = self.registry.driver().network_lookup_by_uuid(&uuid).await?;
        Ok(self.path(&ObjectId::Network(uuid)))
    }

    // ----- node devices -----

    /// The node devices that match `flags` (virConnectListAllNodeDevices).
    #[zbus(name = "ListNodeDevices", out_args("devs"))]
    async fn list_node_devices(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let names = self.registry.driver().list_node_devices(flags).await?;
        Ok(visibility::retain_paths(self.paths(names.into_iter().map(ObjectId::NodeDevice))).await)
    }

    /// Creates a node device from its XML (virNodeDeviceCreateXML).
    #[zbus(name = "NodeDeviceCreateXML", out_args("dev"))]
    async fn node_device_create_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let name = self
            .registry
            .driver()
            .node_device_create_xml(xml, flags)
            .await?;
        Ok(self.path(&ObjectId::NodeDevice(name)))
    }

    /// The node device called `name` (virNodeDeviceLookupByName).
    #[zbus(name = "NodeDeviceLookupByName", out_args("dev"))]
    async fn node_device_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let name = self
            .registry
            .driver()
            .node_device_lookup_by_name(name)
            .await?;
        Ok(self.path(&ObjectId::NodeDevice(name)))
    }

    /// The SCSI host adapter with world wide names `wwnn` and `wwpn`
    /// (virNodeDeviceLookupSCSIHostByWWN).
    #[zbus(name = "NodeDeviceLookupSCSIHostByWWN", out_args("dev"))]
    async fn node_device_lookup_scsi_host_by_wwn(
        &self,
        wwnn: &str,
        wwpn: &str,
        flags: u32,
    ) -> Result<OwnedObjectPath> {
        let name = self
            .registry
            .driver()
            .node_device_lookup_scsi_host_by_wwn(wwnn, wwpn, flags)
            .await?;
        Ok(self.path(&ObjectId::NodeDevice(name)))
    }

    // ----- network filters -----

    /// The network filters (virConnectListAllNWFilters).
    #[zbus(name = "ListNWFilters", out_args("nwfilters"))]
    async fn list_nwfilters(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let uuids = self.registry.driver().list_nwfilters(flags).await?;
        Ok(visibility::retain_paths(self.paths(uuids.into_iter().map(ObjectId::NWFilter))).await)
    }

    /// Defines a network filter from its XML (virNWFilterDefineXML).
    #[zbus(name = "NWFilterDefineXML", out_args("nwfilter"))]
    async fn nwfilter_define_xml(&self, xml: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().nwfilter_define_xml(xml, 0).await?;
        Ok(self.path(&ObjectId::NWFilter(uuid)))
    }

    /// The network filter called `name` (virNWFilterLookupByName).
    #[zbus(name = "NWFilterLookupByName", out_args("nwfilter"))]
    async fn nwfilter_lookup_by_name(&self, name: &str) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().nwfilter_lookup_by_name(name).await?;
        Ok(self.path(&ObjectId::NWFilter(uuid)))
    }

    /// The network filter with UUID `uuid` (virNWFilterLookupByUUIDString).
    #[zbus(name = "NWFilterLookupByUUID", out_args("nwfilter"))]
    async fn nwfilter_lookup_by_uuid(&self, uuid: &str) -> Result<OwnedObjectPath> {
        let uuid = uuid_str::parse(uuid)?;
        let uuid = self
            .registry
            .driver()
            .nwfilter_lookup_by_uuid(&uuid)
            .await?;
        Ok(self.path(&ObjectId::NWFilter(uuid)))
    }

    // ----- secrets -----

    /// The secrets that match `flags` (virConnectListAllSecrets).
    #[zbus(name = "ListSecrets", out_args("secrets"))]
    async fn list_secrets(&self, flags: u32) -> Result<Vec<OwnedObjectPath>> {
        let uuids = self.registry.driver().list_secrets(flags).await?;
        Ok(visibility::retain_paths(self.paths(uuids.into_iter().map(ObjectId::Secret))).await)
    }

    /// Defines a secret from its XML (virSecretDefineXML).
    #[zbus(name = "SecretDefineXML", out_args("secret"))]
    async fn secret_define_xml(&self, xml: &str, flags: u32) -> Result<OwnedObjectPath> {
        let uuid = self.registry.driver().secret_define_xml(xml, flags).await?;
        Ok(self.path(&ObjectId::Secret(uuid)))
    }

    /// The secret with UUID `uuid` (virSecretLookupByUUIDString).
    #[zbus(name = "SecretLookupByUUID", out_args("secret"))]
    async fn secret_lookup_by_uuid(&self, uuid: &str) -> Result<OwnedObjectPath> {
        let uuid = uuid_str::parse(uuid)?;
        let uuid = self.registry.driver().secret_lookup_by_uuid(&uuid).await?;
        Ok(self.path(&ObjectId::Secret(uuid)))
    }

    /// The secret used for `usageID` of usage type `usageType` (virSecretLookupByUsage).
    #[zbus(name = "SecretLookupByUsage", out_args("secret"))]
    async fn secret_lookup_by_usage(
        &self,
        usageType: i32,
        usageID: &str,
    ) -> Result<OwnedObjectPath> {
        let uuid = self
            .registry
            .driver()
            .secret_lookup_by_usage(usageType, usageID)
            .await?;
        Ok(self.path(&ObjectId::Secret(uuid)))
    }
}
