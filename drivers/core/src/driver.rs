//! The contract every driver implements, in groups like libvirt's driver tables.
//!
//! Every method has a default body that fails with libvirt's "this function is not supported
//! by the connection driver: virXxx", so a driver fills in only what it supports. Objects are
//! addressed by the key of their [`crate::ObjectId`]: domains, networks, network filters,
//! secrets and storage pools by UUID, storage volumes by key, node devices by name, host
//! interfaces by MAC address, snapshots by their domain's UUID and their name. Names and
//! other keys are resolved with the lookup methods first.
//!
//! Method names carry their kind (`network_destroy`, `storage_pool_info`, ...) so that no two
//! groups share one: every group is callable on a `dyn Driver`.

use async_trait::async_trait;
use uuid::Uuid;

use crate::{
    error::{Error, Result},
    event::EventSender,
    params::TypedParams,
    state::StateReason,
};

macro_rules! unsupported {
    ($api:literal) => {
        Err(Error::NoSupport($api))
    };
}

/// A driver: its name, and its groups of operations.
pub trait Driver:
    ConnectDriver
    + DomainDriver
    + SnapshotDriver
    + NetworkDriver
    + StoragePoolDriver
    + StorageVolDriver
    + NodeDeviceDriver
    + InterfaceDriver
    + NWFilterDriver
    + SecretDriver
    + Send
    + Sync
    + 'static
{
    /// The name used in ACL checks and in the object path: "Test", "QEMU".
    fn name(&self) -> &'static str;
    /// The libvirt URI this driver answers for, e.g. `test:///default`.
    fn uri(&self) -> &str;
    /// Where the driver publishes its events.
    fn events(&self) -> &EventSender;
}

/// Facts returned by `virDomainGetInfo`-like summaries, used for properties and listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSummary {
    pub uuid: Uuid,
    pub name: String,
    pub id: i32,
    pub state: StateReason,
    pub persistent: bool,
    pub autostart: bool,
    pub updated: bool,
    pub os_type: String,
    pub has_managed_save: bool,
}

/// `virDomainBlockJobInfo` as (type, bandwidth, cur, end).
pub type BlockJobInfo = (i32, u64, u64, u64);
/// `virDomainJobInfo`: type then 11 counters, as libvirt-dbus returns it.
pub type JobInfo = (i32, [u64; 11]);
/// One `virDomainInterface`: name, hwaddr, addresses (type, addr, prefix).
pub type InterfaceAddresses = (String, String, Vec<(i32, String, u32)>);
/// One `virDomainFSInfo`: mountpoint, name, fstype, device aliases.
pub type FsInfo = (String, String, String, Vec<String>);

/// Connection-level operations (`virConnect*`, `virNode*`).
#[async_trait]
pub trait ConnectDriver: Send + Sync {
    /// virConnectGetHostname.
    async fn hostname(&self) -> Result<String> {
        unsupported!("virConnectGetHostname")
    }
    /// virConnectGetVersion.
    async fn version(&self) -> Result<u64> {
        unsupported!("virConnectGetVersion")
    }
    /// virConnectGetLibVersion.
    async fn lib_version(&self) -> Result<u64> {
        unsupported!("virConnectGetLibVersion")
    }
    /// virConnectIsEncrypted.
    async fn is_encrypted(&self) -> Result<bool> {
        unsupported!("virConnectIsEncrypted")
    }
    /// virConnectIsSecure.
    async fn is_secure(&self) -> Result<bool> {
        unsupported!("virConnectIsSecure")
    }
    /// virConnectGetCapabilities.
    async fn capabilities(&self) -> Result<String> {
        unsupported!("virConnectGetCapabilities")
    }
    /// virConnectGetSysinfo.
    async fn sysinfo(&self, _flags: u32) -> Result<String> {
        unsupported!("virConnectGetSysinfo")
    }
    /// virConnectGetCPUModelNames.
    async fn cpu_model_names(&self, _arch: &str, _flags: u32) -> Result<Vec<String>> {
        unsupported!("virConnectGetCPUModelNames")
    }
    /// virConnectGetDomainCapabilities (empty strings mean "default").
    async fn domain_capabilities(
        &self,
        _emulator: &str,
        _arch: &str,
        _machine: &str,
        _virttype: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virConnectGetDomainCapabilities")
    }
    /// virConnectBaselineCPU.
    async fn baseline_cpu(&self, _xml_cpus: &[String], _flags: u32) -> Result<String> {
        unsupported!("virConnectBaselineCPU")
    }
    /// virConnectCompareCPU.
    async fn compare_cpu(&self, _xml: &str, _flags: u32) -> Result<i32> {
        unsupported!("virConnectCompareCPU")
    }
    /// virNodeGetCPUMap: one bool per host CPU, true when online.
    async fn node_cpu_map(&self, _flags: u32) -> Result<Vec<bool>> {
        unsupported!("virNodeGetCPUMap")
    }
    /// virNodeGetCPUStats.
    async fn node_cpu_stats(&self, _cpu: i32, _flags: u32) -> Result<Vec<(String, u64)>> {
        unsupported!("virNodeGetCPUStats")
    }
    /// virNodeGetFreeMemory, in bytes.
    async fn node_free_memory(&self) -> Result<u64> {
        unsupported!("virNodeGetFreeMemory")
    }
    /// virNodeGetMemoryParameters.
    async fn node_memory_parameters(&self, _flags: u32) -> Result<TypedParams> {
        unsupported!("virNodeGetMemoryParameters")
    }
    /// virNodeSetMemoryParameters.
    async fn node_set_memory_parameters(&self, _params: TypedParams, _flags: u32) -> Result<()> {
        unsupported!("virNodeSetMemoryParameters")
    }
    /// virNodeGetMemoryStats.
    async fn node_memory_stats(&self, _cell: i32, _flags: u32) -> Result<Vec<(String, u64)>> {
        unsupported!("virNodeGetMemoryStats")
    }
    /// virNodeGetSecurityModel: (model, doi).
    async fn node_security_model(&self) -> Result<(String, String)> {
        unsupported!("virNodeGetSecurityModel")
    }
}

/// Domain operations (`virDomain*` and the domain parts of `virConnect*`).
#[async_trait]
pub trait DomainDriver: Send + Sync {
    // --- connection-level domain operations ---

    /// virConnectListAllDomains, with its filter flags.
    async fn list_domains(&self, _flags: u32) -> Result<Vec<Uuid>> {
        unsupported!("virConnectListAllDomains")
    }
    /// The summary of one domain (state, id, persistence, ...), for properties and listings.
    async fn summary(&self, _uuid: &Uuid) -> Result<DomainSummary> {
        unsupported!("virDomainGetInfo")
    }
    /// Summaries of every domain, in one pass (for ObjectManager and benchmarks at scale).
    async fn summaries(&self) -> Result<Vec<DomainSummary>> {
        unsupported!("virConnectListAllDomains")
    }
    /// virDomainLookupByName.
    async fn lookup_by_name(&self, _name: &str) -> Result<Uuid> {
        unsupported!("virDomainLookupByName")
    }
    /// virDomainLookupByUUIDString (the UUID already parsed).
    async fn lookup_by_uuid(&self, _uuid: &Uuid) -> Result<Uuid> {
        unsupported!("virDomainLookupByUUID")
    }
    /// virDomainLookupByID.
    async fn lookup_by_id(&self, _id: i32) -> Result<Uuid> {
        unsupported!("virDomainLookupByID")
    }
    /// virDomainDefineXML(Flags).
    async fn define_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virDomainDefineXML")
    }
    /// virDomainCreateXML: a transient domain, started.
    async fn create_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virDomainCreateXML")
    }
    /// virDomainCreateXMLWithFiles.
    async fn create_xml_with_files(&self, _xml: &str, _nfiles: usize, _flags: u32) -> Result<Uuid> {
        unsupported!("virDomainCreateXMLWithFiles")
    }
    /// virDomainRestoreFlags (xml "" = none).
    async fn restore(&self, _from: &str, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainRestoreFlags")
    }
    /// virDomainSaveImageDefineXML.
    async fn save_image_define_xml(&self, _file: &str, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainSaveImageDefineXML")
    }
    /// virDomainSaveImageGetXMLDesc.
    async fn save_image_xml_desc(&self, _file: &str, _flags: u32) -> Result<String> {
        unsupported!("virDomainSaveImageGetXMLDesc")
    }
    /// virConnectGetAllDomainStats: (domain name, stats) records.
    async fn all_domain_stats(
        &self,
        _stats: u32,
        _flags: u32,
    ) -> Result<Vec<(String, TypedParams)>> {
        unsupported!("virConnectGetAllDomainStats")
    }

    // --- lifecycle ---

    /// virDomainCreateWithFlags.
    async fn create(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainCreateWithFlags")
    }
    /// virDomainCreateWithFiles.
    async fn create_with_files(&self, _uuid: &Uuid, _nfiles: usize, _flags: u32) -> Result<()> {
        unsupported!("virDomainCreateWithFiles")
    }
    /// virDomainDestroyFlags.
    async fn destroy(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainDestroyFlags")
    }
    /// virDomainShutdownFlags.
    async fn shutdown(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainShutdownFlags")
    }
    /// virDomainReboot.
    async fn reboot(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainReboot")
    }
    /// virDomainReset.
    async fn reset(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainReset")
    }
    /// virDomainSuspend.
    async fn suspend(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virDomainSuspend")
    }
    /// virDomainResume.
    async fn resume(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virDomainResume")
    }
    /// virDomainUndefineFlags.
    async fn undefine(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainUndefineFlags")
    }
    /// virDomainSaveFlags (xml "" = none).
    async fn save(&self, _uuid: &Uuid, _to: &str, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainSaveFlags")
    }
    /// virDomainManagedSave.
    async fn managed_save(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainManagedSave")
    }
    /// virDomainManagedSaveRemove.
    async fn managed_save_remove(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainManagedSaveRemove")
    }
    /// virDomainHasManagedSaveImage.
    async fn has_managed_save_image(&self, _uuid: &Uuid, _flags: u32) -> Result<bool> {
        unsupported!("virDomainHasManagedSaveImage")
    }
    /// virDomainCoreDumpWithFormat.
    async fn core_dump(&self, _uuid: &Uuid, _to: &str, _format: u32, _flags: u32) -> Result<()> {
        unsupported!("virDomainCoreDumpWithFormat")
    }
    /// virDomainPMWakeup.
    async fn pm_wakeup(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainPMWakeup")
    }
    /// virDomainInjectNMI.
    async fn inject_nmi(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainInjectNMI")
    }
    /// virDomainSendKey.
    async fn send_key(
        &self,
        _uuid: &Uuid,
        _codeset: u32,
        _holdtime: u32,
        _keycodes: &[u32],
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSendKey")
    }
    /// virDomainSendProcessSignal.
    async fn send_process_signal(
        &self,
        _uuid: &Uuid,
        _pid: i64,
        _signum: u32,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSendProcessSignal")
    }
    /// virDomainRename.
    async fn rename(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainRename")
    }

    // --- description and state ---

    /// virDomainGetXMLDesc.
    async fn xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virDomainGetXMLDesc")
    }
    /// virDomainGetState.
    async fn state(&self, _uuid: &Uuid, _flags: u32) -> Result<StateReason> {
        unsupported!("virDomainGetState")
    }
    /// virDomainGetControlInfo: (state, details, stateTime).
    async fn control_info(&self, _uuid: &Uuid, _flags: u32) -> Result<(u32, u32, u64)> {
        unsupported!("virDomainGetControlInfo")
    }
    /// virDomainGetOSType.
    async fn os_type(&self, _uuid: &Uuid) -> Result<String> {
        unsupported!("virDomainGetOSType")
    }
    /// virDomainGetSchedulerType: (type, nparams).
    async fn scheduler_type(&self, _uuid: &Uuid) -> Result<(String, i32)> {
        unsupported!("virDomainGetSchedulerType")
    }
    /// virDomainSetAutostart.
    async fn set_autostart(&self, _uuid: &Uuid, _autostart: bool) -> Result<()> {
        unsupported!("virDomainSetAutostart")
    }
    /// virDomainGetMetadata (uri "" = none).
    async fn metadata(&self, _uuid: &Uuid, _kind: i32, _uri: &str, _flags: u32) -> Result<String> {
        unsupported!("virDomainGetMetadata")
    }
    /// virDomainSetMetadata (key and uri "" = none).
    async fn set_metadata(
        &self,
        _uuid: &Uuid,
        _kind: i32,
        _metadata: &str,
        _key: &str,
        _uri: &str,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetMetadata")
    }
    /// virDomainGetHostname.
    async fn guest_hostname(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virDomainGetHostname")
    }
    /// virDomainGetTime: (seconds, nseconds).
    async fn time(&self, _uuid: &Uuid, _flags: u32) -> Result<(u64, u32)> {
        unsupported!("virDomainGetTime")
    }
    /// virDomainSetTime.
    async fn set_time(
        &self,
        _uuid: &Uuid,
        _seconds: u64,
        _nseconds: u32,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetTime")
    }
    /// virDomainGetSecurityLabelList: (label, enforcing).
    async fn security_labels(&self, _uuid: &Uuid) -> Result<Vec<(String, bool)>> {
        unsupported!("virDomainGetSecurityLabelList")
    }
    /// virDomainSetUserPassword.
    async fn set_user_password(
        &self,
        _uuid: &Uuid,
        _user: &str,
        _password: &str,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetUserPassword")
    }

    // --- resources ---

    /// virDomainSetMemoryFlags (KiB).
    async fn set_memory(&self, _uuid: &Uuid, _kib: u64, _flags: u32) -> Result<()> {
        unsupported!("virDomainSetMemoryFlags")
    }
    /// virDomainSetMemoryStatsPeriod.
    async fn set_memory_stats_period(&self, _uuid: &Uuid, _period: i32, _flags: u32) -> Result<()> {
        unsupported!("virDomainSetMemoryStatsPeriod")
    }
    /// virDomainMemoryStats: (tag, value).
    async fn memory_stats(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<(i32, u64)>> {
        unsupported!("virDomainMemoryStats")
    }
    /// virDomainGetMemoryParameters.
    async fn memory_parameters(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetMemoryParameters")
    }
    /// virDomainSetMemoryParameters.
    async fn set_memory_parameters(
        &self,
        _uuid: &Uuid,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetMemoryParameters")
    }
    /// virDomainGetNumaParameters.
    async fn numa_parameters(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetNumaParameters")
    }
    /// virDomainSetNumaParameters.
    async fn set_numa_parameters(
        &self,
        _uuid: &Uuid,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetNumaParameters")
    }
    /// virDomainGetBlkioParameters.
    async fn blkio_parameters(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetBlkioParameters")
    }
    /// virDomainSetBlkioParameters.
    async fn set_blkio_parameters(
        &self,
        _uuid: &Uuid,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetBlkioParameters")
    }
    /// virDomainGetSchedulerParametersFlags.
    async fn scheduler_parameters(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetSchedulerParametersFlags")
    }
    /// virDomainSetSchedulerParametersFlags.
    async fn set_scheduler_parameters(
        &self,
        _uuid: &Uuid,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetSchedulerParametersFlags")
    }
    /// virDomainGetPerfEvents.
    async fn perf_events(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetPerfEvents")
    }
    /// virDomainSetPerfEvents.
    async fn set_perf_events(&self, _uuid: &Uuid, _params: TypedParams, _flags: u32) -> Result<()> {
        unsupported!("virDomainSetPerfEvents")
    }
    /// virDomainGetVcpusFlags.
    async fn vcpus(&self, _uuid: &Uuid, _flags: u32) -> Result<u32> {
        unsupported!("virDomainGetVcpusFlags")
    }
    /// virDomainSetVcpusFlags.
    async fn set_vcpus(&self, _uuid: &Uuid, _count: u32, _flags: u32) -> Result<()> {
        unsupported!("virDomainSetVcpusFlags")
    }
    /// virDomainGetVcpuPinInfo: one CPU map per vCPU.
    async fn vcpu_pin_info(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<Vec<bool>>> {
        unsupported!("virDomainGetVcpuPinInfo")
    }
    /// virDomainPinVcpuFlags.
    async fn pin_vcpu(
        &self,
        _uuid: &Uuid,
        _vcpu: u32,
        _cpumap: &[bool],
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainPinVcpuFlags")
    }
    /// virDomainGetEmulatorPinInfo.
    async fn emulator_pin_info(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<bool>> {
        unsupported!("virDomainGetEmulatorPinInfo")
    }
    /// virDomainPinEmulator.
    async fn pin_emulator(&self, _uuid: &Uuid, _cpumap: &[bool], _flags: u32) -> Result<()> {
        unsupported!("virDomainPinEmulator")
    }
    /// virDomainGetIOThreadInfo: (id, cpumap).
    async fn iothread_info(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<(u32, Vec<bool>)>> {
        unsupported!("virDomainGetIOThreadInfo")
    }
    /// virDomainPinIOThread.
    async fn pin_iothread(
        &self,
        _uuid: &Uuid,
        _id: u32,
        _cpumap: &[bool],
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainPinIOThread")
    }
    /// virDomainAddIOThread.
    async fn add_iothread(&self, _uuid: &Uuid, _id: u32, _flags: u32) -> Result<()> {
        unsupported!("virDomainAddIOThread")
    }
    /// virDomainDelIOThread.
    async fn del_iothread(&self, _uuid: &Uuid, _id: u32, _flags: u32) -> Result<()> {
        unsupported!("virDomainDelIOThread")
    }
    /// virDomainGetGuestVcpus.
    async fn guest_vcpus(&self, _uuid: &Uuid, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetGuestVcpus")
    }
    /// virDomainSetGuestVcpus (map as a bool per vCPU).
    async fn set_guest_vcpus(
        &self,
        _uuid: &Uuid,
        _map: &[bool],
        _state: i32,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetGuestVcpus")
    }

    // --- statistics ---

    /// virDomainListGetStats for one domain.
    async fn stats(&self, _uuid: &Uuid, _stats: u32, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainListGetStats")
    }
    /// virDomainGetJobInfo.
    async fn job_info(&self, _uuid: &Uuid) -> Result<JobInfo> {
        unsupported!("virDomainGetJobInfo")
    }
    /// virDomainGetJobStats: (type, params).
    async fn job_stats(&self, _uuid: &Uuid, _flags: u32) -> Result<(i32, TypedParams)> {
        unsupported!("virDomainGetJobStats")
    }
    /// virDomainAbortJob.
    async fn abort_job(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virDomainAbortJob")
    }
    /// virDomainGetDiskErrors: (disk, error code).
    async fn disk_errors(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<(String, i32)>> {
        unsupported!("virDomainGetDiskErrors")
    }
    /// virDomainInterfaceAddresses.
    async fn interface_addresses(
        &self,
        _uuid: &Uuid,
        _source: u32,
        _flags: u32,
    ) -> Result<Vec<InterfaceAddresses>> {
        unsupported!("virDomainInterfaceAddresses")
    }
    /// virDomainGetInterfaceParameters.
    async fn interface_parameters(
        &self,
        _uuid: &Uuid,
        _device: &str,
        _flags: u32,
    ) -> Result<TypedParams> {
        unsupported!("virDomainGetInterfaceParameters")
    }
    /// virDomainSetInterfaceParameters.
    async fn set_interface_parameters(
        &self,
        _uuid: &Uuid,
        _device: &str,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetInterfaceParameters")
    }

    // --- devices and blocks ---

    /// virDomainAttachDeviceFlags.
    async fn attach_device(&self, _uuid: &Uuid, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainAttachDeviceFlags")
    }
    /// virDomainDetachDeviceFlags.
    async fn detach_device(&self, _uuid: &Uuid, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainDetachDeviceFlags")
    }
    /// virDomainUpdateDeviceFlags.
    async fn update_device(&self, _uuid: &Uuid, _xml: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainUpdateDeviceFlags")
    }
    /// virDomainBlockPeek. `size` has been bounded by the caller.
    async fn block_peek(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _offset: u64,
        _size: usize,
        _flags: u32,
    ) -> Result<Vec<u8>> {
        unsupported!("virDomainBlockPeek")
    }
    /// virDomainMemoryPeek. `size` has been bounded by the caller.
    async fn memory_peek(
        &self,
        _uuid: &Uuid,
        _offset: u64,
        _size: usize,
        _flags: u32,
    ) -> Result<Vec<u8>> {
        unsupported!("virDomainMemoryPeek")
    }
    /// virDomainBlockResize.
    async fn block_resize(&self, _uuid: &Uuid, _disk: &str, _size: u64, _flags: u32) -> Result<()> {
        unsupported!("virDomainBlockResize")
    }
    /// virDomainGetBlockIoTune.
    async fn block_io_tune(&self, _uuid: &Uuid, _disk: &str, _flags: u32) -> Result<TypedParams> {
        unsupported!("virDomainGetBlockIoTune")
    }
    /// virDomainSetBlockIoTune.
    async fn set_block_io_tune(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetBlockIoTune")
    }
    /// virDomainSetBlockThreshold: a BLOCK_THRESHOLD event when writes to disk `dev` pass
    /// `threshold` bytes.
    async fn set_block_threshold(
        &self,
        _uuid: &Uuid,
        _dev: &str,
        _threshold: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainSetBlockThreshold")
    }
    /// virDomainGetBlockJobInfo.
    async fn block_job_info(&self, _uuid: &Uuid, _disk: &str, _flags: u32) -> Result<BlockJobInfo> {
        unsupported!("virDomainGetBlockJobInfo")
    }
    /// virDomainBlockJobAbort.
    async fn block_job_abort(&self, _uuid: &Uuid, _disk: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainBlockJobAbort")
    }
    /// virDomainBlockJobSetSpeed.
    async fn block_job_set_speed(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _bandwidth: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainBlockJobSetSpeed")
    }
    /// virDomainBlockPull.
    async fn block_pull(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _bandwidth: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainBlockPull")
    }
    /// virDomainBlockRebase (base "" = none).
    async fn block_rebase(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _base: &str,
        _bandwidth: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainBlockRebase")
    }
    /// virDomainBlockCommit.
    async fn block_commit(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _base: &str,
        _top: &str,
        _bandwidth: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainBlockCommit")
    }
    /// virDomainBlockCopy.
    async fn block_copy(
        &self,
        _uuid: &Uuid,
        _disk: &str,
        _destxml: &str,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainBlockCopy")
    }
    /// virDomainFSFreeze.
    async fn fs_freeze(&self, _uuid: &Uuid, _mountpoints: &[String], _flags: u32) -> Result<u32> {
        unsupported!("virDomainFSFreeze")
    }
    /// virDomainFSThaw.
    async fn fs_thaw(&self, _uuid: &Uuid, _mountpoints: &[String], _flags: u32) -> Result<u32> {
        unsupported!("virDomainFSThaw")
    }
    /// virDomainFSTrim (mountpoint "" = all).
    async fn fs_trim(
        &self,
        _uuid: &Uuid,
        _mountpoint: &str,
        _minimum: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainFSTrim")
    }
    /// virDomainGetFSInfo.
    async fn fs_info(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<FsInfo>> {
        unsupported!("virDomainGetFSInfo")
    }

    // --- migration ---

    /// virDomainMigrateGetCompressionCache.
    async fn migrate_compression_cache(&self, _uuid: &Uuid, _flags: u32) -> Result<u64> {
        unsupported!("virDomainMigrateGetCompressionCache")
    }
    /// virDomainMigrateSetCompressionCache.
    async fn migrate_set_compression_cache(
        &self,
        _uuid: &Uuid,
        _size: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainMigrateSetCompressionCache")
    }
    /// virDomainMigrateGetMaxSpeed.
    async fn migrate_max_speed(&self, _uuid: &Uuid, _flags: u32) -> Result<u64> {
        unsupported!("virDomainMigrateGetMaxSpeed")
    }
    /// virDomainMigrateSetMaxSpeed.
    async fn migrate_set_max_speed(
        &self,
        _uuid: &Uuid,
        _bandwidth: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainMigrateSetMaxSpeed")
    }
    /// virDomainMigrateSetMaxDowntime.
    async fn migrate_set_max_downtime(
        &self,
        _uuid: &Uuid,
        _downtime: u64,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainMigrateSetMaxDowntime")
    }
    /// virDomainMigrateStartPostCopy.
    async fn migrate_start_post_copy(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virDomainMigrateStartPostCopy")
    }
    /// virDomainMigrateToURI3.
    async fn migrate_to_uri3(
        &self,
        _uuid: &Uuid,
        _uri: &str,
        _params: TypedParams,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainMigrateToURI3")
    }
    /// virDomainOpenConsole: joins `fd` to the console or serial device `dev` (its alias;
    /// `None` for the first console) until the session or the domain ends.
    async fn open_console(
        &self,
        _uuid: &Uuid,
        _dev: Option<&str>,
        _fd: std::os::fd::OwnedFd,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virDomainOpenConsole")
    }
    /// virDomainOpenGraphicsFD: returns an owned file descriptor.
    async fn open_graphics_fd(
        &self,
        _uuid: &Uuid,
        _idx: u32,
        _flags: u32,
    ) -> Result<std::os::fd::OwnedFd> {
        unsupported!("virDomainOpenGraphicsFD")
    }
}

/// Domain snapshot operations (the snapshot members of the Domain interface and the
/// DomainSnapshot interface). A snapshot is named by its domain's UUID and its name.
#[async_trait]
pub trait SnapshotDriver: Send + Sync {
    /// virDomainListAllSnapshots: snapshot names.
    async fn list_snapshots(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<String>> {
        unsupported!("virDomainListAllSnapshots")
    }
    /// virDomainSnapshotCreateXML: the new snapshot's name.
    async fn snapshot_create_xml(&self, _uuid: &Uuid, _xml: &str, _flags: u32) -> Result<String> {
        unsupported!("virDomainSnapshotCreateXML")
    }
    /// virDomainSnapshotLookupByName.
    async fn snapshot_lookup_by_name(
        &self,
        _uuid: &Uuid,
        _name: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virDomainSnapshotLookupByName")
    }
    /// virDomainSnapshotCurrent.
    async fn snapshot_current(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virDomainSnapshotCurrent")
    }
    /// virDomainSnapshotGetXMLDesc.
    async fn snapshot_xml_desc(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<String> {
        unsupported!("virDomainSnapshotGetXMLDesc")
    }
    /// virDomainSnapshotDelete.
    async fn snapshot_delete(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainSnapshotDelete")
    }
    /// virDomainRevertToSnapshot.
    async fn snapshot_revert(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<()> {
        unsupported!("virDomainRevertToSnapshot")
    }
    /// virDomainSnapshotGetParent: the parent snapshot's name.
    async fn snapshot_parent(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<String> {
        unsupported!("virDomainSnapshotGetParent")
    }
    /// virDomainSnapshotListAllChildren: the children's names (all descendants with
    /// VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS), filtered like the domain's listing.
    async fn snapshot_list_children(
        &self,
        _uuid: &Uuid,
        _name: &str,
        _flags: u32,
    ) -> Result<Vec<String>> {
        unsupported!("virDomainSnapshotListAllChildren")
    }
    /// virDomainSnapshotIsCurrent.
    async fn snapshot_is_current(&self, _uuid: &Uuid, _name: &str, _flags: u32) -> Result<bool> {
        unsupported!("virDomainSnapshotIsCurrent")
    }
}

/// The facts behind a network's properties (`Name`, `UUID`, `Active`, `Persistent`,
/// `Autostart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSummary {
    pub uuid: Uuid,
    pub name: String,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

/// One `virNetworkDHCPLease`, in the order of libvirt-dbus's `(sxisssuss)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DhcpLease {
    /// The network interface name.
    pub iface: String,
    /// When the lease expires, in seconds since the epoch.
    pub expiry_time: i64,
    /// `virIPAddrType`: 0 IPv4, 1 IPv6.
    pub addr_type: i32,
    /// The MAC address ("" for none).
    pub mac: String,
    /// The IAID, IPv6 only ("" for none).
    pub iaid: String,
    pub ip_addr: String,
    pub prefix: u32,
    /// "" for none.
    pub hostname: String,
    /// "" for none.
    pub client_id: String,
}

/// Network operations (`virNetwork*` and the network parts of `virConnect*`).
#[async_trait]
pub trait NetworkDriver: Send + Sync {
    /// virConnectListAllNetworks, with its filter flags.
    async fn list_networks(&self, _flags: u32) -> Result<Vec<Uuid>> {
        unsupported!("virConnectListAllNetworks")
    }
    /// The facts behind one network's properties.
    async fn network_summary(&self, _uuid: &Uuid) -> Result<NetworkSummary> {
        unsupported!("virNetworkIsActive")
    }
    /// virNetworkLookupByName.
    async fn network_lookup_by_name(&self, _name: &str) -> Result<Uuid> {
        unsupported!("virNetworkLookupByName")
    }
    /// virNetworkLookupByUUIDString (the UUID already parsed).
    async fn network_lookup_by_uuid(&self, _uuid: &Uuid) -> Result<Uuid> {
        unsupported!("virNetworkLookupByUUIDString")
    }
    /// virNetworkDefineXML(Flags).
    async fn network_define_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virNetworkDefineXML")
    }
    /// virNetworkCreateXML(Flags): a transient network, started.
    async fn network_create_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virNetworkCreateXML")
    }
    /// virNetworkCreate.
    async fn network_create(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virNetworkCreate")
    }
    /// virNetworkDestroy.
    async fn network_destroy(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virNetworkDestroy")
    }
    /// virNetworkUndefine.
    async fn network_undefine(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virNetworkUndefine")
    }
    /// virNetworkGetXMLDesc.
    async fn network_xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virNetworkGetXMLDesc")
    }
    /// virNetworkUpdate: `command` and `section` as libvirt's enums, `parent_index` -1 for
    /// any.
    async fn network_update(
        &self,
        _uuid: &Uuid,
        _command: u32,
        _section: u32,
        _parent_index: i32,
        _xml: &str,
        _flags: u32,
    ) -> Result<()> {
        unsupported!("virNetworkUpdate")
    }
    /// virNetworkGetDHCPLeases (mac "" = every lease).
    async fn network_dhcp_leases(
        &self,
        _uuid: &Uuid,
        _mac: &str,
        _flags: u32,
    ) -> Result<Vec<DhcpLease>> {
        unsupported!("virNetworkGetDHCPLeases")
    }
    /// virNetworkSetAutostart.
    async fn network_set_autostart(&self, _uuid: &Uuid, _autostart: bool) -> Result<()> {
        unsupported!("virNetworkSetAutostart")
    }
}

/// The facts behind a storage pool's properties (`Name`, `UUID`, `Active`, `Persistent`,
/// `Autostart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePoolSummary {
    pub uuid: Uuid,
    pub name: String,
    pub active: bool,
    pub persistent: bool,
    pub autostart: bool,
}

/// `virStoragePoolInfo`, as libvirt-dbus's `(ittt)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoragePoolInfo {
    /// `virStoragePoolState`.
    pub state: i32,
    /// In bytes.
    pub capacity: u64,
    /// In bytes.
    pub allocation: u64,
    /// In bytes.
    pub available: u64,
}

/// Storage pool operations (`virStoragePool*`, the volume members of the StoragePool
/// interface, and the pool parts of `virConnect*`).
#[async_trait]
pub trait StoragePoolDriver: Send + Sync {
    /// virConnectListAllStoragePools, with its filter flags.
    async fn list_storage_pools(&self, _flags: u32) -> Result<Vec<Uuid>> {
        unsupported!("virConnectListAllStoragePools")
    }
    /// The facts behind one pool's properties.
    async fn storage_pool_summary(&self, _uuid: &Uuid) -> Result<StoragePoolSummary> {
        unsupported!("virStoragePoolIsActive")
    }
    /// virStoragePoolLookupByName.
    async fn storage_pool_lookup_by_name(&self, _name: &str) -> Result<Uuid> {
        unsupported!("virStoragePoolLookupByName")
    }
    /// virStoragePoolLookupByUUIDString (the UUID already parsed).
    async fn storage_pool_lookup_by_uuid(&self, _uuid: &Uuid) -> Result<Uuid> {
        unsupported!("virStoragePoolLookupByUUIDString")
    }
    /// virStoragePoolDefineXML.
    async fn storage_pool_define_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virStoragePoolDefineXML")
    }
    /// virStoragePoolCreateXML: a transient pool, started.
    async fn storage_pool_create_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virStoragePoolCreateXML")
    }
    /// virConnectFindStoragePoolSources (src_spec "" = none): the sources as XML.
    async fn find_storage_pool_sources(
        &self,
        _pool_type: &str,
        _src_spec: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virConnectFindStoragePoolSources")
    }
    /// virStoragePoolBuild.
    async fn storage_pool_build(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virStoragePoolBuild")
    }
    /// virStoragePoolCreate.
    async fn storage_pool_create(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virStoragePoolCreate")
    }
    /// virStoragePoolDelete.
    async fn storage_pool_delete(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virStoragePoolDelete")
    }
    /// virStoragePoolDestroy.
    async fn storage_pool_destroy(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virStoragePoolDestroy")
    }
    /// virStoragePoolUndefine.
    async fn storage_pool_undefine(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virStoragePoolUndefine")
    }
    /// virStoragePoolGetInfo.
    async fn storage_pool_info(&self, _uuid: &Uuid) -> Result<StoragePoolInfo> {
        unsupported!("virStoragePoolGetInfo")
    }
    /// virStoragePoolGetXMLDesc.
    async fn storage_pool_xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virStoragePoolGetXMLDesc")
    }
    /// virStoragePoolRefresh.
    async fn storage_pool_refresh(&self, _uuid: &Uuid, _flags: u32) -> Result<()> {
        unsupported!("virStoragePoolRefresh")
    }
    /// virStoragePoolSetAutostart.
    async fn storage_pool_set_autostart(&self, _uuid: &Uuid, _autostart: bool) -> Result<()> {
        unsupported!("virStoragePoolSetAutostart")
    }
    /// virStoragePoolListAllVolumes: the volumes' keys.
    async fn storage_pool_list_volumes(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<String>> {
        unsupported!("virStoragePoolListAllVolumes")
    }
    /// virStorageVolCreateXML in pool `uuid`: the new volume's key.
    async fn storage_vol_create_xml(
        &self,
        _uuid: &Uuid,
        _xml: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virStorageVolCreateXML")
    }
    /// virStorageVolCreateXMLFrom in pool `uuid`, cloning the volume with key `clone_key`:
    /// the new volume's key.
    async fn storage_vol_create_xml_from(
        &self,
        _uuid: &Uuid,
        _xml: &str,
        _clone_key: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virStorageVolCreateXMLFrom")
    }
    /// virStorageVolLookupByName in pool `uuid`: the volume's key.
    async fn storage_vol_lookup_by_name(&self, _uuid: &Uuid, _name: &str) -> Result<String> {
        unsupported!("virStorageVolLookupByName")
    }
}

/// The facts behind a storage volume's properties (`Name`, `Key`, `Path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolSummary {
    pub key: String,
    pub name: String,
    pub path: String,
}

/// `virStorageVolInfo`, as libvirt-dbus's `(itt)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StorageVolInfo {
    /// `virStorageVolType`.
    pub kind: i32,
    /// In bytes.
    pub capacity: u64,
    /// In bytes.
    pub allocation: u64,
}

/// Storage volume operations (`virStorageVol*` on a volume, and the volume lookups of
/// `virConnect*`). A volume is addressed by its key.
#[async_trait]
pub trait StorageVolDriver: Send + Sync {
    /// The facts behind one volume's properties.
    async fn storage_vol_summary(&self, _key: &str) -> Result<StorageVolSummary> {
        unsupported!("virStorageVolGetPath")
    }
    /// virStorageVolLookupByKey: the volume's key.
    async fn storage_vol_lookup_by_key(&self, _key: &str) -> Result<String> {
        unsupported!("virStorageVolLookupByKey")
    }
    /// virStorageVolLookupByPath: the volume's key.
    async fn storage_vol_lookup_by_path(&self, _path: &str) -> Result<String> {
        unsupported!("virStorageVolLookupByPath")
    }
    /// virStorageVolDelete.
    async fn storage_vol_delete(&self, _key: &str, _flags: u32) -> Result<()> {
        unsupported!("virStorageVolDelete")
    }
    /// virStorageVolGetInfoFlags.
    async fn storage_vol_info(&self, _key: &str, _flags: u32) -> Result<StorageVolInfo> {
        unsupported!("virStorageVolGetInfoFlags")
    }
    /// virStorageVolGetXMLDesc.
    async fn storage_vol_xml_desc(&self, _key: &str, _flags: u32) -> Result<String> {
        unsupported!("virStorageVolGetXMLDesc")
    }
    /// virStorageVolResize (bytes).
    async fn storage_vol_resize(&self, _key: &str, _capacity: u64, _flags: u32) -> Result<()> {
        unsupported!("virStorageVolResize")
    }
    /// virStorageVolWipePattern (`algorithm` a virStorageVolWipeAlgorithm).
    async fn storage_vol_wipe(&self, _key: &str, _algorithm: u32, _flags: u32) -> Result<()> {
        unsupported!("virStorageVolWipePattern")
    }
}

/// The facts behind a node device's properties (`Name`, `Parent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeDeviceSummary {
    pub name: String,
    /// The parent device's name; `None` for the root device.
    pub parent: Option<String>,
}

/// Node device operations (`virNodeDevice*` and the node device parts of `virConnect*`). A
/// device is addressed by its name.
#[async_trait]
pub trait NodeDeviceDriver: Send + Sync {
    /// virConnectListAllNodeDevices, with its filter flags: the devices' names.
    async fn list_node_devices(&self, _flags: u32) -> Result<Vec<String>> {
        unsupported!("virConnectListAllNodeDevices")
    }
    /// The facts behind one device's properties.
    async fn node_device_summary(&self, _name: &str) -> Result<NodeDeviceSummary> {
        unsupported!("virNodeDeviceGetParent")
    }
    /// virNodeDeviceLookupByName: the device's name.
    async fn node_device_lookup_by_name(&self, _name: &str) -> Result<String> {
        unsupported!("virNodeDeviceLookupByName")
    }
    /// virNodeDeviceLookupSCSIHostByWWN: the SCSI host's name.
    async fn node_device_lookup_scsi_host_by_wwn(
        &self,
        _wwnn: &str,
        _wwpn: &str,
        _flags: u32,
    ) -> Result<String> {
        unsupported!("virNodeDeviceLookupSCSIHostByWWN")
    }
    /// virNodeDeviceCreateXML: the new device's name.
    async fn node_device_create_xml(&self, _xml: &str, _flags: u32) -> Result<String> {
        unsupported!("virNodeDeviceCreateXML")
    }
    /// virNodeDeviceDestroy.
    async fn node_device_destroy(&self, _name: &str) -> Result<()> {
        unsupported!("virNodeDeviceDestroy")
    }
    /// virNodeDeviceDetachFlags (driver_name "" = the default).
    async fn node_device_detach(&self, _name: &str, _driver_name: &str, _flags: u32) -> Result<()> {
        unsupported!("virNodeDeviceDetachFlags")
    }
    /// virNodeDeviceReAttach.
    async fn node_device_reattach(&self, _name: &str) -> Result<()> {
        unsupported!("virNodeDeviceReAttach")
    }
    /// virNodeDeviceReset.
    async fn node_device_reset(&self, _name: &str) -> Result<()> {
        unsupported!("virNodeDeviceReset")
    }
    /// virNodeDeviceGetXMLDesc.
    async fn node_device_xml_desc(&self, _name: &str, _flags: u32) -> Result<String> {
        unsupported!("virNodeDeviceGetXMLDesc")
    }
    /// virNodeDeviceListCaps.
    async fn node_device_list_caps(&self, _name: &str) -> Result<Vec<String>> {
        unsupported!("virNodeDeviceListCaps")
    }
}

/// The facts behind a host interface's properties (`Name`, `MAC`, `Active`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSummary {
    pub mac: String,
    pub name: String,
    pub active: bool,
}

/// Host interface operations (`virInterface*` and the interface parts of `virConnect*`). An
/// interface is addressed by its MAC address.
#[async_trait]
pub trait InterfaceDriver: Send + Sync {
    /// virConnectListAllInterfaces, with its filter flags: the interfaces' MAC addresses.
    async fn list_interfaces(&self, _flags: u32) -> Result<Vec<String>> {
        unsupported!("virConnectListAllInterfaces")
    }
    /// The facts behind one interface's properties.
    async fn interface_summary(&self, _mac: &str) -> Result<InterfaceSummary> {
        unsupported!("virInterfaceIsActive")
    }
    /// virInterfaceLookupByName: the interface's MAC address.
    async fn interface_lookup_by_name(&self, _name: &str) -> Result<String> {
        unsupported!("virInterfaceLookupByName")
    }
    /// virInterfaceLookupByMACString: the interface's MAC address.
    async fn interface_lookup_by_mac(&self, _mac: &str) -> Result<String> {
        unsupported!("virInterfaceLookupByMACString")
    }
    /// virInterfaceDefineXML: the interface's MAC address.
    async fn interface_define_xml(&self, _xml: &str, _flags: u32) -> Result<String> {
        unsupported!("virInterfaceDefineXML")
    }
    /// virInterfaceChangeBegin.
    async fn interface_change_begin(&self, _flags: u32) -> Result<()> {
        unsupported!("virInterfaceChangeBegin")
    }
    /// virInterfaceChangeCommit.
    async fn interface_change_commit(&self, _flags: u32) -> Result<()> {
        unsupported!("virInterfaceChangeCommit")
    }
    /// virInterfaceChangeRollback.
    async fn interface_change_rollback(&self, _flags: u32) -> Result<()> {
        unsupported!("virInterfaceChangeRollback")
    }
    /// virInterfaceCreate.
    async fn interface_create(&self, _mac: &str, _flags: u32) -> Result<()> {
        unsupported!("virInterfaceCreate")
    }
    /// virInterfaceDestroy.
    async fn interface_destroy(&self, _mac: &str, _flags: u32) -> Result<()> {
        unsupported!("virInterfaceDestroy")
    }
    /// virInterfaceUndefine.
    async fn interface_undefine(&self, _mac: &str) -> Result<()> {
        unsupported!("virInterfaceUndefine")
    }
    /// virInterfaceGetXMLDesc.
    async fn interface_xml_desc(&self, _mac: &str, _flags: u32) -> Result<String> {
        unsupported!("virInterfaceGetXMLDesc")
    }
}

/// The facts behind a network filter's properties (`Name`, `UUID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NWFilterSummary {
    pub uuid: Uuid,
    pub name: String,
}

/// Network filter operations (`virNWFilter*` and the filter parts of `virConnect*`).
#[async_trait]
pub trait NWFilterDriver: Send + Sync {
    /// virConnectListAllNWFilters.
    async fn list_nwfilters(&self, _flags: u32) -> Result<Vec<Uuid>> {
        unsupported!("virConnectListAllNWFilters")
    }
    /// The facts behind one filter's properties.
    async fn nwfilter_summary(&self, _uuid: &Uuid) -> Result<NWFilterSummary> {
        unsupported!("virNWFilterGetName")
    }
    /// virNWFilterLookupByName.
    async fn nwfilter_lookup_by_name(&self, _name: &str) -> Result<Uuid> {
        unsupported!("virNWFilterLookupByName")
    }
    /// virNWFilterLookupByUUIDString (the UUID already parsed).
    async fn nwfilter_lookup_by_uuid(&self, _uuid: &Uuid) -> Result<Uuid> {
        unsupported!("virNWFilterLookupByUUIDString")
    }
    /// virNWFilterDefineXML(Flags).
    async fn nwfilter_define_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virNWFilterDefineXML")
    }
    /// virNWFilterUndefine.
    async fn nwfilter_undefine(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virNWFilterUndefine")
    }
    /// virNWFilterGetXMLDesc.
    async fn nwfilter_xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virNWFilterGetXMLDesc")
    }
}

/// The facts behind a secret's properties (`UUID`, `UsageType`, `UsageID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSummary {
    pub uuid: Uuid,
    /// `virSecretUsageType`.
    pub usage_type: i32,
    /// "" for none.
    pub usage_id: String,
}

/// Secret operations (`virSecret*` and the secret parts of `virConnect*`).
#[async_trait]
pub trait SecretDriver: Send + Sync {
    /// virConnectListAllSecrets, with its filter flags.
    async fn list_secrets(&self, _flags: u32) -> Result<Vec<Uuid>> {
        unsupported!("virConnectListAllSecrets")
    }
    /// The facts behind one secret's properties.
    async fn secret_summary(&self, _uuid: &Uuid) -> Result<SecretSummary> {
        unsupported!("virSecretGetUsageID")
    }
    /// virSecretLookupByUUIDString (the UUID already parsed).
    async fn secret_lookup_by_uuid(&self, _uuid: &Uuid) -> Result<Uuid> {
        unsupported!("virSecretLookupByUUIDString")
    }
    /// virSecretLookupByUsage.
    async fn secret_lookup_by_usage(&self, _usage_type: i32, _usage_id: &str) -> Result<Uuid> {
        unsupported!("virSecretLookupByUsage")
    }
    /// virSecretDefineXML.
    async fn secret_define_xml(&self, _xml: &str, _flags: u32) -> Result<Uuid> {
        unsupported!("virSecretDefineXML")
    }
    /// virSecretUndefine.
    async fn secret_undefine(&self, _uuid: &Uuid) -> Result<()> {
        unsupported!("virSecretUndefine")
    }
    /// virSecretGetXMLDesc.
    async fn secret_xml_desc(&self, _uuid: &Uuid, _flags: u32) -> Result<String> {
        unsupported!("virSecretGetXMLDesc")
    }
    /// virSecretGetValue.
    async fn secret_value(&self, _uuid: &Uuid, _flags: u32) -> Result<Vec<u8>> {
        unsupported!("virSecretGetValue")
    }
    /// virSecretSetValue.
    async fn secret_set_value(&self, _uuid: &Uuid, _value: &[u8], _flags: u32) -> Result<()> {
        unsupported!("virSecretSetValue")
    }
}
