//! zbus proxies for `org.libvirt.Connect` and `org.libvirt.Domain`, generated from
//! `interfaces/libvirt-dbus-1.4.1.tsv` (every member except the ones taking
//! file descriptors). Every wire name is pinned with `name = "..."`. Build them with
//! [`super::connect_proxy`] / [`super::domain_proxy`], which turn property caching off so
//! that values are always read from the service.

/// Proxy for `org.libvirt.Connect`; every member of the inventory, wire names pinned.
#[zbus::proxy(
    interface = "org.libvirt.Connect",
    default_service = "org.libvirt",
    default_path = "/org/libvirt/Test"
)]
pub trait Connect {
    /// `BaselineCPU(asu) -> (s)`.
    #[zbus(name = "BaselineCPU")]
    fn baseline_cpu(&self, arg0: &[&str], arg1: u32) -> zbus::Result<String>;
    /// `CompareCPU(su) -> (i)`.
    #[zbus(name = "CompareCPU")]
    fn compare_cpu(&self, arg0: &str, arg1: u32) -> zbus::Result<i32>;
    /// `DomainCreateXML(su) -> (o)`.
    #[zbus(name = "DomainCreateXML")]
    fn domain_create_xml(&self, arg0: &str, arg1: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `DomainDefineXML(s) -> (o)`.
    #[zbus(name = "DomainDefineXML")]
    fn domain_define_xml(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `DomainLookupByID(i) -> (o)`.
    #[zbus(name = "DomainLookupByID")]
    fn domain_lookup_by_id(&self, arg0: i32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `DomainLookupByName(s) -> (o)`.
    #[zbus(name = "DomainLookupByName")]
    fn domain_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `DomainLookupByUUID(s) -> (o)`.
    #[zbus(name = "DomainLookupByUUID")]
    fn domain_lookup_by_uuid(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `DomainRestore(ssu) -> ()`.
    #[zbus(name = "DomainRestore")]
    fn domain_restore(&self, arg0: &str, arg1: &str, arg2: u32) -> zbus::Result<()>;
    /// `DomainSaveImageDefineXML(ssu) -> ()`.
    #[zbus(name = "DomainSaveImageDefineXML")]
    fn domain_save_image_define_xml(&self, arg0: &str, arg1: &str, arg2: u32) -> zbus::Result<()>;
    /// `DomainSaveImageGetXMLDesc(su) -> (s)`.
    #[zbus(name = "DomainSaveImageGetXMLDesc")]
    fn domain_save_image_get_xml_desc(&self, arg0: &str, arg1: u32) -> zbus::Result<String>;
    /// `FindStoragePoolSources(ssu) -> (s)`.
    #[zbus(name = "FindStoragePoolSources")]
    fn find_storage_pool_sources(&self, arg0: &str, arg1: &str, arg2: u32) -> zbus::Result<String>;
    /// `GetAllDomainStats(uu) -> (a(sa{sv}))`.
    #[zbus(name = "GetAllDomainStats")]
    fn get_all_domain_stats(
        &self,
        arg0: u32,
        arg1: u32,
    ) -> zbus::Result<
        Vec<(
            String,
            std::collections::HashMap<String, zbus::OwnedVariant>,
        )>,
    >;
    /// `GetCapabilities() -> (s)`.
    #[zbus(name = "GetCapabilities")]
    fn get_capabilities(&self) -> zbus::Result<String>;
    /// `GetCPUModelNames(su) -> (as)`.
    #[zbus(name = "GetCPUModelNames")]
    fn get_cpu_model_names(&self, arg0: &str, arg1: u32) -> zbus::Result<Vec<String>>;
    /// `GetDomainCapabilities(ssssu) -> (s)`.
    #[zbus(name = "GetDomainCapabilities")]
    fn get_domain_capabilities(
        &self,
        arg0: &str,
        arg1: &str,
        arg2: &str,
        arg3: &str,
        arg4: u32,
    ) -> zbus::Result<String>;
    /// `GetSysinfo(u) -> (s)`.
    #[zbus(name = "GetSysinfo")]
    fn get_sysinfo(&self, arg0: u32) -> zbus::Result<String>;
    /// `InterfaceChangeBegin(u) -> ()`.
    #[zbus(name = "InterfaceChangeBegin")]
    fn interface_change_begin(&self, arg0: u32) -> zbus::Result<()>;
    /// `InterfaceChangeCommit(u) -> ()`.
    #[zbus(name = "InterfaceChangeCommit")]
    fn interface_change_commit(&self, arg0: u32) -> zbus::Result<()>;
    /// `InterfaceChangeRollback(u) -> ()`.
    #[zbus(name = "InterfaceChangeRollback")]
    fn interface_change_rollback(&self, arg0: u32) -> zbus::Result<()>;
    /// `InterfaceDefineXML(su) -> (o)`.
    #[zbus(name = "InterfaceDefineXML")]
    fn interface_define_xml(&self, arg0: &str, arg1: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `InterfaceLookupByMAC(s) -> (o)`.
    #[zbus(name = "InterfaceLookupByMAC")]
    fn interface_lookup_by_mac(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `InterfaceLookupByName(s) -> (o)`.
    #[zbus(name = "InterfaceLookupByName")]
    fn interface_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `ListDomains(u) -> (ao)`.
    #[zbus(name = "ListDomains")]
    fn list_domains(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListInterfaces(u) -> (ao)`.
    #[zbus(name = "ListInterfaces")]
    fn list_interfaces(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListNetworks(u) -> (ao)`.
    #[zbus(name = "ListNetworks")]
    fn list_networks(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListNodeDevices(u) -> (ao)`.
    #[zbus(name = "ListNodeDevices")]
    fn list_node_devices(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListNWFilters(u) -> (ao)`.
    #[zbus(name = "ListNWFilters")]
    fn list_nw_filters(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListSecrets(u) -> (ao)`.
    #[zbus(name = "ListSecrets")]
    fn list_secrets(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ListStoragePools(u) -> (ao)`.
    #[zbus(name = "ListStoragePools")]
    fn list_storage_pools(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `NetworkCreateXML(s) -> (o)`.
    #[zbus(name = "NetworkCreateXML")]
    fn network_create_xml(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NetworkDefineXML(s) -> (o)`.
    #[zbus(name = "NetworkDefineXML")]
    fn network_define_xml(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NetworkLookupByName(s) -> (o)`.
    #[zbus(name = "NetworkLookupByName")]
    fn network_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NetworkLookupByUUID(s) -> (o)`.
    #[zbus(name = "NetworkLookupByUUID")]
    fn network_lookup_by_uuid(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NodeDeviceCreateXML(su) -> (o)`.
    #[zbus(name = "NodeDeviceCreateXML")]
    fn node_device_create_xml(&self, arg0: &str, arg1: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NodeDeviceLookupByName(s) -> (o)`.
    #[zbus(name = "NodeDeviceLookupByName")]
    fn node_device_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NodeDeviceLookupSCSIHostByWWN(ssu) -> (o)`.
    #[zbus(name = "NodeDeviceLookupSCSIHostByWWN")]
    fn node_device_lookup_scsi_host_by_wwn(
        &self,
        arg0: &str,
        arg1: &str,
        arg2: u32,
    ) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NWFilterDefineXML(s) -> (o)`.
    #[zbus(name = "NWFilterDefineXML")]
    fn nw_filter_define_xml(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NWFilterLookupByName(s) -> (o)`.
    #[zbus(name = "NWFilterLookupByName")]
    fn nw_filter_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NWFilterLookupByUUID(s) -> (o)`.
    #[zbus(name = "NWFilterLookupByUUID")]
    fn nw_filter_lookup_by_uuid(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `NodeGetCPUMap(u) -> (ab)`.
    #[zbus(name = "NodeGetCPUMap")]
    fn node_get_cpu_map(&self, arg0: u32) -> zbus::Result<Vec<bool>>;
    /// `NodeGetCPUStats(iu) -> (a{st})`.
    #[zbus(name = "NodeGetCPUStats")]
    fn node_get_cpu_stats(
        &self,
        arg0: i32,
        arg1: u32,
    ) -> zbus::Result<std::collections::HashMap<String, u64>>;
    /// `NodeGetFreeMemory() -> (t)`.
    #[zbus(name = "NodeGetFreeMemory")]
    fn node_get_free_memory(&self) -> zbus::Result<u64>;
    /// `NodeGetMemoryParameters(u) -> (a{sv})`.
    #[zbus(name = "NodeGetMemoryParameters")]
    fn node_get_memory_parameters(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `NodeGetMemoryStats(iu) -> (a{st})`.
    #[zbus(name = "NodeGetMemoryStats")]
    fn node_get_memory_stats(
        &self,
        arg0: i32,
        arg1: u32,
    ) -> zbus::Result<std::collections::HashMap<String, u64>>;
    /// `NodeGetSecurityModel() -> ((ss))`.
    #[zbus(name = "NodeGetSecurityModel")]
    fn node_get_security_model(&self) -> zbus::Result<(String, String)>;
    /// `NodeSetMemoryParameters(a{sv}u) -> ()`.
    #[zbus(name = "NodeSetMemoryParameters")]
    fn node_set_memory_parameters(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SecretDefineXML(su) -> (o)`.
    #[zbus(name = "SecretDefineXML")]
    fn secret_define_xml(&self, arg0: &str, arg1: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `SecretLookupByUUID(s) -> (o)`.
    #[zbus(name = "SecretLookupByUUID")]
    fn secret_lookup_by_uuid(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `SecretLookupByUsage(is) -> (o)`.
    #[zbus(name = "SecretLookupByUsage")]
    fn secret_lookup_by_usage(&self, arg0: i32, arg1: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StoragePoolCreateXML(su) -> (o)`.
    #[zbus(name = "StoragePoolCreateXML")]
    fn storage_pool_create_xml(&self, arg0: &str, arg1: u32)
        -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StoragePoolDefineXML(su) -> (o)`.
    #[zbus(name = "StoragePoolDefineXML")]
    fn storage_pool_define_xml(&self, arg0: &str, arg1: u32)
        -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StoragePoolLookupByName(s) -> (o)`.
    #[zbus(name = "StoragePoolLookupByName")]
    fn storage_pool_lookup_by_name(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StoragePoolLookupByUUID(s) -> (o)`.
    #[zbus(name = "StoragePoolLookupByUUID")]
    fn storage_pool_lookup_by_uuid(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StorageVolLookupByKey(s) -> (o)`.
    #[zbus(name = "StorageVolLookupByKey")]
    fn storage_vol_lookup_by_key(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `StorageVolLookupByPath(s) -> (o)`.
    #[zbus(name = "StorageVolLookupByPath")]
    fn storage_vol_lookup_by_path(&self, arg0: &str) -> zbus::Result<zbus::OwnedObjectPath>;
    /// Signal `DomainEvent(oii)`.
    #[zbus(signal, name = "DomainEvent")]
    fn domain_event(
        &self,
        domain: zbus::OwnedObjectPath,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;
    /// Signal `NetworkEvent(oi)`.
    #[zbus(signal, name = "NetworkEvent")]
    fn network_event(&self, network: zbus::OwnedObjectPath, event: i32) -> zbus::Result<()>;
    /// Signal `NodeDeviceEvent(oii)`.
    #[zbus(signal, name = "NodeDeviceEvent")]
    fn node_device_event(
        &self,
        device: zbus::OwnedObjectPath,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;
    /// Signal `SecretEvent(oii)`.
    #[zbus(signal, name = "SecretEvent")]
    fn secret_event(
        &self,
        secret: zbus::OwnedObjectPath,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;
    /// Signal `StoragePoolEvent(oii)`.
    #[zbus(signal, name = "StoragePoolEvent")]
    fn storage_pool_event(
        &self,
        pool: zbus::OwnedObjectPath,
        event: i32,
        detail: i32,
    ) -> zbus::Result<()>;
    /// Property `Encrypted` (b).
    #[zbus(property, name = "Encrypted")]
    fn encrypted(&self) -> zbus::Result<bool>;
    /// Property `Hostname` (s).
    #[zbus(property, name = "Hostname")]
    fn hostname(&self) -> zbus::Result<String>;
    /// Property `LibVersion` (t).
    #[zbus(property, name = "LibVersion")]
    fn lib_version(&self) -> zbus::Result<u64>;
    /// Property `Secure` (b).
    #[zbus(property, name = "Secure")]
    fn secure(&self) -> zbus::Result<bool>;
    /// Property `Version` (t).
    #[zbus(property, name = "Version")]
    fn version(&self) -> zbus::Result<u64>;
}

/// Proxy for `org.libvirt.Domain`; every member of the inventory, wire names pinned.
#[zbus::proxy(interface = "org.libvirt.Domain", default_service = "org.libvirt")]
pub trait Domain {
    /// `AbortJob() -> ()`.
    #[zbus(name = "AbortJob")]
    fn abort_job(&self) -> zbus::Result<()>;
    /// `AddIOThread(uu) -> ()`.
    #[zbus(name = "AddIOThread")]
    fn add_io_thread(&self, arg0: u32, arg1: u32) -> zbus::Result<()>;
    /// `AttachDevice(su) -> ()`.
    #[zbus(name = "AttachDevice")]
    fn attach_device(&self, arg0: &str, arg1: u32) -> zbus::Result<()>;
    /// `BlockCommit(ssstu) -> ()`.
    #[zbus(name = "BlockCommit")]
    fn block_commit(
        &self,
        arg0: &str,
        arg1: &str,
        arg2: &str,
        arg3: u64,
        arg4: u32,
    ) -> zbus::Result<()>;
    /// `BlockCopy(ssa{sv}u) -> ()`.
    #[zbus(name = "BlockCopy")]
    fn block_copy(
        &self,
        arg0: &str,
        arg1: &str,
        arg2: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg3: u32,
    ) -> zbus::Result<()>;
    /// `BlockJobAbort(su) -> ()`.
    #[zbus(name = "BlockJobAbort")]
    fn block_job_abort(&self, arg0: &str, arg1: u32) -> zbus::Result<()>;
    /// `BlockPeek(sttu) -> (ay)`.
    #[zbus(name = "BlockPeek")]
    fn block_peek(&self, arg0: &str, arg1: u64, arg2: u64, arg3: u32) -> zbus::Result<Vec<u8>>;
    /// `BlockPull(stu) -> ()`.
    #[zbus(name = "BlockPull")]
    fn block_pull(&self, arg0: &str, arg1: u64, arg2: u32) -> zbus::Result<()>;
    /// `BlockRebase(sstu) -> ()`.
    #[zbus(name = "BlockRebase")]
    fn block_rebase(&self, arg0: &str, arg1: &str, arg2: u64, arg3: u32) -> zbus::Result<()>;
    /// `BlockResize(stu) -> ()`.
    #[zbus(name = "BlockResize")]
    fn block_resize(&self, arg0: &str, arg1: u64, arg2: u32) -> zbus::Result<()>;
    /// `BlockJobSetSpeed(stu) -> ()`.
    #[zbus(name = "BlockJobSetSpeed")]
    fn block_job_set_speed(&self, arg0: &str, arg1: u64, arg2: u32) -> zbus::Result<()>;
    /// `CoreDump(suu) -> ()`.
    #[zbus(name = "CoreDump")]
    fn core_dump(&self, arg0: &str, arg1: u32, arg2: u32) -> zbus::Result<()>;
    /// `Create(u) -> ()`.
    #[zbus(name = "Create")]
    fn create(&self, arg0: u32) -> zbus::Result<()>;
    /// `DelIOThread(uu) -> ()`.
    #[zbus(name = "DelIOThread")]
    fn del_io_thread(&self, arg0: u32, arg1: u32) -> zbus::Result<()>;
    /// `Destroy(u) -> ()`.
    #[zbus(name = "Destroy")]
    fn destroy(&self, arg0: u32) -> zbus::Result<()>;
    /// `DetachDevice(su) -> ()`.
    #[zbus(name = "DetachDevice")]
    fn detach_device(&self, arg0: &str, arg1: u32) -> zbus::Result<()>;
    /// `FSFreeze(asu) -> (u)`.
    #[zbus(name = "FSFreeze")]
    fn fs_freeze(&self, arg0: &[&str], arg1: u32) -> zbus::Result<u32>;
    /// `FSThaw(asu) -> (u)`.
    #[zbus(name = "FSThaw")]
    fn fs_thaw(&self, arg0: &[&str], arg1: u32) -> zbus::Result<u32>;
    /// `FSTrim(stu) -> ()`.
    #[zbus(name = "FSTrim")]
    fn fs_trim(&self, arg0: &str, arg1: u64, arg2: u32) -> zbus::Result<()>;
    /// `GetBlockIOParameters(u) -> (a{sv})`.
    #[zbus(name = "GetBlockIOParameters")]
    fn get_block_io_parameters(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetBlockIOTune(su) -> (a{sv})`.
    #[zbus(name = "GetBlockIOTune")]
    fn get_block_io_tune(
        &self,
        arg0: &str,
        arg1: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetBlockJobInfo(su) -> ((ittt))`.
    #[zbus(name = "GetBlockJobInfo")]
    fn get_block_job_info(&self, arg0: &str, arg1: u32) -> zbus::Result<(i32, u64, u64, u64)>;
    /// `GetControlInfo(u) -> ((uut))`.
    #[zbus(name = "GetControlInfo")]
    fn get_control_info(&self, arg0: u32) -> zbus::Result<(u32, u32, u64)>;
    /// `GetDiskErrors(u) -> (a(si))`.
    #[zbus(name = "GetDiskErrors")]
    fn get_disk_errors(&self, arg0: u32) -> zbus::Result<Vec<(String, i32)>>;
    /// `GetEmulatorPinInfo(u) -> (ab)`.
    #[zbus(name = "GetEmulatorPinInfo")]
    fn get_emulator_pin_info(&self, arg0: u32) -> zbus::Result<Vec<bool>>;
    /// `GetFSInfo(u) -> (a(sssas))`.
    #[zbus(name = "GetFSInfo")]
    fn get_fs_info(&self, arg0: u32) -> zbus::Result<Vec<(String, String, String, Vec<String>)>>;
    /// `GetGuestVcpus(u) -> (a{sv})`.
    #[zbus(name = "GetGuestVcpus")]
    fn get_guest_vcpus(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetHostname(u) -> (s)`.
    #[zbus(name = "GetHostname")]
    fn get_hostname(&self, arg0: u32) -> zbus::Result<String>;
    /// `GetInterfaceParameters(su) -> (a{sv})`.
    #[zbus(name = "GetInterfaceParameters")]
    fn get_interface_parameters(
        &self,
        arg0: &str,
        arg1: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetIOThreadInfo(u) -> (a(uab))`.
    #[zbus(name = "GetIOThreadInfo")]
    fn get_io_thread_info(&self, arg0: u32) -> zbus::Result<Vec<(u32, Vec<bool>)>>;
    /// `GetJobInfo() -> ((ittttttttttt))`.
    #[zbus(name = "GetJobInfo")]
    fn get_job_info(
        &self,
    ) -> zbus::Result<(i32, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64)>;
    /// `GetJobStats(u) -> ((ia{sv}))`.
    #[zbus(name = "GetJobStats")]
    fn get_job_stats(
        &self,
        arg0: u32,
    ) -> zbus::Result<(i32, std::collections::HashMap<String, zbus::OwnedVariant>)>;
    /// `GetMemoryParameters(u) -> (a{sv})`.
    #[zbus(name = "GetMemoryParameters")]
    fn get_memory_parameters(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetMetadata(isu) -> (s)`.
    #[zbus(name = "GetMetadata")]
    fn get_metadata(&self, arg0: i32, arg1: &str, arg2: u32) -> zbus::Result<String>;
    /// `GetNumaParameters(u) -> (a{sv})`.
    #[zbus(name = "GetNumaParameters")]
    fn get_numa_parameters(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetPerfEvents(u) -> (a{sv})`.
    #[zbus(name = "GetPerfEvents")]
    fn get_perf_events(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetSchedulerParameters(u) -> (a{sv})`.
    #[zbus(name = "GetSchedulerParameters")]
    fn get_scheduler_parameters(
        &self,
        arg0: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetSecurityLabelList() -> (a(sb))`.
    #[zbus(name = "GetSecurityLabelList")]
    fn get_security_label_list(&self) -> zbus::Result<Vec<(String, bool)>>;
    /// `GetState(u) -> ((ii))`.
    #[zbus(name = "GetState")]
    fn get_state(&self, arg0: u32) -> zbus::Result<(i32, i32)>;
    /// `GetStats(uu) -> (a{sv})`.
    #[zbus(name = "GetStats")]
    fn get_stats(
        &self,
        arg0: u32,
        arg1: u32,
    ) -> zbus::Result<std::collections::HashMap<String, zbus::OwnedVariant>>;
    /// `GetTime(u) -> ((tu))`.
    #[zbus(name = "GetTime")]
    fn get_time(&self, arg0: u32) -> zbus::Result<(u64, u32)>;
    /// `GetVcpuPinInfo(u) -> (aab)`.
    #[zbus(name = "GetVcpuPinInfo")]
    fn get_vcpu_pin_info(&self, arg0: u32) -> zbus::Result<Vec<Vec<bool>>>;
    /// `GetVcpus(u) -> (u)`.
    #[zbus(name = "GetVcpus")]
    fn get_vcpus(&self, arg0: u32) -> zbus::Result<u32>;
    /// `GetXMLDesc(u) -> (s)`.
    #[zbus(name = "GetXMLDesc")]
    fn get_xml_desc(&self, arg0: u32) -> zbus::Result<String>;
    /// `HasManagedSaveImage(u) -> (b)`.
    #[zbus(name = "HasManagedSaveImage")]
    fn has_managed_save_image(&self, arg0: u32) -> zbus::Result<bool>;
    /// `InjectNMI(u) -> ()`.
    #[zbus(name = "InjectNMI")]
    fn inject_nmi(&self, arg0: u32) -> zbus::Result<()>;
    /// `InterfaceAddresses(uu) -> (a(ssa(isu)))`.
    #[zbus(name = "InterfaceAddresses")]
    fn interface_addresses(
        &self,
        arg0: u32,
        arg1: u32,
    ) -> zbus::Result<Vec<(String, String, Vec<(i32, String, u32)>)>>;
    /// `ListDomainSnapshots(u) -> (ao)`.
    #[zbus(name = "ListDomainSnapshots")]
    fn list_domain_snapshots(&self, arg0: u32) -> zbus::Result<Vec<zbus::OwnedObjectPath>>;
    /// `ManagedSave(u) -> ()`.
    #[zbus(name = "ManagedSave")]
    fn managed_save(&self, arg0: u32) -> zbus::Result<()>;
    /// `ManagedSaveRemove(u) -> ()`.
    #[zbus(name = "ManagedSaveRemove")]
    fn managed_save_remove(&self, arg0: u32) -> zbus::Result<()>;
    /// `MemoryPeek(ttu) -> (ay)`.
    #[zbus(name = "MemoryPeek")]
    fn memory_peek(&self, arg0: u64, arg1: u64, arg2: u32) -> zbus::Result<Vec<u8>>;
    /// `MemoryStats(u) -> (a{it})`.
    #[zbus(name = "MemoryStats")]
    fn memory_stats(&self, arg0: u32) -> zbus::Result<std::collections::HashMap<i32, u64>>;
    /// `MigrateGetCompressionCache(u) -> (t)`.
    #[zbus(name = "MigrateGetCompressionCache")]
    fn migrate_get_compression_cache(&self, arg0: u32) -> zbus::Result<u64>;
    /// `MigrateGetMaxSpeed(u) -> (t)`.
    #[zbus(name = "MigrateGetMaxSpeed")]
    fn migrate_get_max_speed(&self, arg0: u32) -> zbus::Result<u64>;
    /// `MigrateSetCompressionCache(tu) -> ()`.
    #[zbus(name = "MigrateSetCompressionCache")]
    fn migrate_set_compression_cache(&self, arg0: u64, arg1: u32) -> zbus::Result<()>;
    /// `MigrateSetMaxDowntime(tu) -> ()`.
    #[zbus(name = "MigrateSetMaxDowntime")]
    fn migrate_set_max_downtime(&self, arg0: u64, arg1: u32) -> zbus::Result<()>;
    /// `MigrateSetMaxSpeed(tu) -> ()`.
    #[zbus(name = "MigrateSetMaxSpeed")]
    fn migrate_set_max_speed(&self, arg0: u64, arg1: u32) -> zbus::Result<()>;
    /// `MigrateStartPostCopy(u) -> ()`.
    #[zbus(name = "MigrateStartPostCopy")]
    fn migrate_start_post_copy(&self, arg0: u32) -> zbus::Result<()>;
    /// `MigrateToURI3(sa{sv}u) -> ()`.
    #[zbus(name = "MigrateToURI3")]
    fn migrate_to_uri3(
        &self,
        arg0: &str,
        arg1: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg2: u32,
    ) -> zbus::Result<()>;
    /// `OpenGraphicsFD(uu) -> (h)`.
    #[zbus(name = "OpenGraphicsFD")]
    fn open_graphics_fd(&self, arg0: u32, arg1: u32) -> zbus::Result<zbus::OwnedFd>;
    /// `PinEmulator(abu) -> ()`.
    #[zbus(name = "PinEmulator")]
    fn pin_emulator(&self, arg0: &[bool], arg1: u32) -> zbus::Result<()>;
    /// `PinIOThread(uabu) -> ()`.
    #[zbus(name = "PinIOThread")]
    fn pin_io_thread(&self, arg0: u32, arg1: &[bool], arg2: u32) -> zbus::Result<()>;
    /// `PinVcpu(uabu) -> ()`.
    #[zbus(name = "PinVcpu")]
    fn pin_vcpu(&self, arg0: u32, arg1: &[bool], arg2: u32) -> zbus::Result<()>;
    /// `PMWakeup(u) -> ()`.
    #[zbus(name = "PMWakeup")]
    fn pm_wakeup(&self, arg0: u32) -> zbus::Result<()>;
    /// `Reboot(u) -> ()`.
    #[zbus(name = "Reboot")]
    fn reboot(&self, arg0: u32) -> zbus::Result<()>;
    /// `Rename(su) -> ()`.
    #[zbus(name = "Rename")]
    fn rename(&self, arg0: &str, arg1: u32) -> zbus::Result<()>;
    /// `Reset(u) -> ()`.
    #[zbus(name = "Reset")]
    fn reset(&self, arg0: u32) -> zbus::Result<()>;
    /// `Resume() -> ()`.
    #[zbus(name = "Resume")]
    fn resume(&self) -> zbus::Result<()>;
    /// `Save(ssu) -> ()`.
    #[zbus(name = "Save")]
    fn save(&self, arg0: &str, arg1: &str, arg2: u32) -> zbus::Result<()>;
    /// `SendKey(uuauu) -> ()`.
    #[zbus(name = "SendKey")]
    fn send_key(&self, arg0: u32, arg1: u32, arg2: &[u32], arg3: u32) -> zbus::Result<()>;
    /// `SendProcessSignal(xuu) -> ()`.
    #[zbus(name = "SendProcessSignal")]
    fn send_process_signal(&self, arg0: i64, arg1: u32, arg2: u32) -> zbus::Result<()>;
    /// `SetBlockIOParameters(a{sv}u) -> ()`.
    #[zbus(name = "SetBlockIOParameters")]
    fn set_block_io_parameters(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SetBlockIOTune(sa{sv}u) -> ()`.
    #[zbus(name = "SetBlockIOTune")]
    fn set_block_io_tune(
        &self,
        arg0: &str,
        arg1: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg2: u32,
    ) -> zbus::Result<()>;
    /// `SetGuestVcpus(abiu) -> ()`.
    #[zbus(name = "SetGuestVcpus")]
    fn set_guest_vcpus(&self, arg0: &[bool], arg1: i32, arg2: u32) -> zbus::Result<()>;
    /// `SetInterfaceParameters(sa{sv}u) -> ()`.
    #[zbus(name = "SetInterfaceParameters")]
    fn set_interface_parameters(
        &self,
        arg0: &str,
        arg1: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg2: u32,
    ) -> zbus::Result<()>;
    /// `SetMemory(tu) -> ()`.
    #[zbus(name = "SetMemory")]
    fn set_memory(&self, arg0: u64, arg1: u32) -> zbus::Result<()>;
    /// `SetMemoryParameters(a{sv}u) -> ()`.
    #[zbus(name = "SetMemoryParameters")]
    fn set_memory_parameters(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SetMemoryStatsPeriod(iu) -> ()`.
    #[zbus(name = "SetMemoryStatsPeriod")]
    fn set_memory_stats_period(&self, arg0: i32, arg1: u32) -> zbus::Result<()>;
    /// `SetMetadata(isssu) -> ()`.
    #[zbus(name = "SetMetadata")]
    fn set_metadata(
        &self,
        arg0: i32,
        arg1: &str,
        arg2: &str,
        arg3: &str,
        arg4: u32,
    ) -> zbus::Result<()>;
    /// `SetNumaParameters(a{sv}u) -> ()`.
    #[zbus(name = "SetNumaParameters")]
    fn set_numa_parameters(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SetPerfEvents(a{sv}u) -> ()`.
    #[zbus(name = "SetPerfEvents")]
    fn set_perf_events(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SetSchedulerParameters(a{sv}u) -> ()`.
    #[zbus(name = "SetSchedulerParameters")]
    fn set_scheduler_parameters(
        &self,
        arg0: std::collections::HashMap<&str, zbus::Variant<'_>>,
        arg1: u32,
    ) -> zbus::Result<()>;
    /// `SetUserPassword(ssu) -> ()`.
    #[zbus(name = "SetUserPassword")]
    fn set_user_password(&self, arg0: &str, arg1: &str, arg2: u32) -> zbus::Result<()>;
    /// `SetTime(tuu) -> ()`.
    #[zbus(name = "SetTime")]
    fn set_time(&self, arg0: u64, arg1: u32, arg2: u32) -> zbus::Result<()>;
    /// `SetVcpus(uu) -> ()`.
    #[zbus(name = "SetVcpus")]
    fn set_vcpus(&self, arg0: u32, arg1: u32) -> zbus::Result<()>;
    /// `Shutdown(u) -> ()`.
    #[zbus(name = "Shutdown")]
    fn shutdown(&self, arg0: u32) -> zbus::Result<()>;
    /// `SnapshotCurrent(u) -> (o)`.
    #[zbus(name = "SnapshotCurrent")]
    fn snapshot_current(&self, arg0: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `SnapshotCreateXML(su) -> (o)`.
    #[zbus(name = "SnapshotCreateXML")]
    fn snapshot_create_xml(&self, arg0: &str, arg1: u32) -> zbus::Result<zbus::OwnedObjectPath>;
    /// `SnapshotLookupByName(su) -> (o)`.
    #[zbus(name = "SnapshotLookupByName")]
    fn snapshot_lookup_by_name(&self, arg0: &str, arg1: u32)
        -> zbus::Result<zbus::OwnedObjectPath>;
    /// `Suspend() -> ()`.
    #[zbus(name = "Suspend")]
    fn suspend(&self) -> zbus::Result<()>;
    /// `Undefine(u) -> ()`.
    #[zbus(name = "Undefine")]
    fn undefine(&self, arg0: u32) -> zbus::Result<()>;
    /// `UpdateDevice(su) -> ()`.
    #[zbus(name = "UpdateDevice")]
    fn update_device(&self, arg0: &str, arg1: u32) -> zbus::Result<()>;
    /// Signal `AgentEvent(ii)`.
    #[zbus(signal, name = "AgentEvent")]
    fn agent_event(&self, state: i32, reason: i32) -> zbus::Result<()>;
    /// Signal `BalloonChange(t)`.
    #[zbus(signal, name = "BalloonChange")]
    fn balloon_change(&self, actual: u64) -> zbus::Result<()>;
    /// Signal `BlockJob(sii)`.
    #[zbus(signal, name = "BlockJob")]
    fn block_job(&self, disk: String, job_type: i32, status: i32) -> zbus::Result<()>;
    /// Signal `ControlError()`.
    #[zbus(signal, name = "ControlError")]
    fn control_error(&self) -> zbus::Result<()>;
    /// Signal `DeviceAdded(s)`.
    #[zbus(signal, name = "DeviceAdded")]
    fn device_added(&self, device: String) -> zbus::Result<()>;
    /// Signal `DeviceRemovalFailed(s)`.
    #[zbus(signal, name = "DeviceRemovalFailed")]
    fn device_removal_failed(&self, device: String) -> zbus::Result<()>;
    /// Signal `DeviceRemoved(s)`.
    #[zbus(signal, name = "DeviceRemoved")]
    fn device_removed(&self, device: String) -> zbus::Result<()>;
    /// Signal `DiskChange(sssi)`.
    #[zbus(signal, name = "DiskChange")]
    fn disk_change(
        &self,
        old_src: String,
        new_src: String,
        device: String,
        reason: i32,
    ) -> zbus::Result<()>;
    /// Signal `Graphics(i(iss)(iss)sa(ss))`.
    #[zbus(signal, name = "Graphics")]
    fn graphics(
        &self,
        phase: i32,
        local: (i32, String, String),
        remote: (i32, String, String),
        auth_scheme: String,
        subject: Vec<(String, String)>,
    ) -> zbus::Result<()>;
    /// Signal `IOError(ssis)`.
    #[zbus(signal, name = "IOError")]
    fn io_error(
        &self,
        src_path: String,
        device: String,
        action: i32,
        reason: String,
    ) -> zbus::Result<()>;
    /// Signal `JobCompleted(a{sv})`.
    #[zbus(signal, name = "JobCompleted")]
    fn job_completed(
        &self,
        stats: std::collections::HashMap<String, zbus::OwnedVariant>,
    ) -> zbus::Result<()>;
    /// Signal `MetadataChange(is)`.
    #[zbus(signal, name = "MetadataChange")]
    fn metadata_change(&self, kind: i32, nsuri: String) -> zbus::Result<()>;
    /// Signal `MigrationIteration(i)`.
    #[zbus(signal, name = "MigrationIteration")]
    fn migration_iteration(&self, iteration: i32) -> zbus::Result<()>;
    /// Signal `PMSuspend(i)`.
    #[zbus(signal, name = "PMSuspend")]
    fn pm_suspend(&self, reason: i32) -> zbus::Result<()>;
    /// Signal `PMSuspendDisk(i)`.
    #[zbus(signal, name = "PMSuspendDisk")]
    fn pm_suspend_disk(&self, reason: i32) -> zbus::Result<()>;
    /// Signal `PMWakeup(i)`.
    #[zbus(signal, name = "PMWakeup")]
    fn pm_wakeup_event(&self, reason: i32) -> zbus::Result<()>;
    /// Signal `Reboot()`.
    #[zbus(signal, name = "Reboot")]
    fn reboot_event(&self) -> zbus::Result<()>;
    /// Signal `RTCChange(x)`.
    #[zbus(signal, name = "RTCChange")]
    fn rtc_change(&self, offset: i64) -> zbus::Result<()>;
    /// Signal `TrayChange(si)`.
    #[zbus(signal, name = "TrayChange")]
    fn tray_change(&self, device: String, reason: i32) -> zbus::Result<()>;
    /// Signal `Tunable(a{sv})`.
    #[zbus(signal, name = "Tunable")]
    fn tunable(
        &self,
        params: std::collections::HashMap<String, zbus::OwnedVariant>,
    ) -> zbus::Result<()>;
    /// Signal `Watchdog(i)`.
    #[zbus(signal, name = "Watchdog")]
    fn watchdog(&self, action: i32) -> zbus::Result<()>;
    /// Property `Active` (b).
    #[zbus(property, name = "Active")]
    fn active(&self) -> zbus::Result<bool>;
    /// Property `Autostart` (b).
    #[zbus(property, name = "Autostart")]
    fn autostart(&self) -> zbus::Result<bool>;
    /// Sets property `Autostart`.
    #[zbus(property, name = "Autostart")]
    fn set_autostart(&self, value: bool) -> zbus::Result<()>;
    /// Property `Id` (u).
    #[zbus(property, name = "Id")]
    fn id(&self) -> zbus::Result<u32>;
    /// Property `Name` (s).
    #[zbus(property, name = "Name")]
    fn name(&self) -> zbus::Result<String>;
    /// Property `OSType` (s).
    #[zbus(property, name = "OSType")]
    fn os_type(&self) -> zbus::Result<String>;
    /// Property `Persistent` (b).
    #[zbus(property, name = "Persistent")]
    fn persistent(&self) -> zbus::Result<bool>;
    /// Property `SchedulerType` ((si)).
    #[zbus(property, name = "SchedulerType")]
    fn scheduler_type(&self) -> zbus::Result<(String, i32)>;
    /// Property `Updated` (b).
    #[zbus(property, name = "Updated")]
    fn updated(&self) -> zbus::Result<bool>;
    /// Property `UUID` (s).
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> zbus::Result<String>;
}
