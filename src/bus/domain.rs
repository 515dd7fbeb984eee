//! `org.libvirt.Domain`: one object per domain, at `<connection>/domain/_<uuid>`.
//!
//! The object is a thin handle (driver + UUID): every call goes to the driver, so nothing
//! here can go stale. The properties are defined once, with the kind ([`DomainKind`]). Each method
//! maps 1:1 to a libvirt API, as in libvirt-dbus; arguments are bounded (module `checks`) before
//! the driver is called, and every failure is an `org.libvirt.Error` carrying libvirt's text. The
//! per-domain event signals are declared here too; [`emit_event`] turns a driver event into the
//! matching one.

// The D-Bus argument names are libvirt-dbus's camelCase ones (`iothreadId`, `cacheSize`, ...),
// and zbus takes them from the Rust parameter names.
#![allow(non_snake_case)]

mod checks;
mod kind;
mod signals;

use std::{collections::HashMap, sync::Arc};

use uuid::Uuid;
use virtbus_core::{driver::Driver, Error as CoreError};
use zbus::{
    interface, message::Header, object_server::SignalEmitter, OwnedObjectPath, OwnedVariant,
};

pub use self::{
    kind::{DomainKind, DomainValues},
    signals::emit_event,
};
use super::{
    error::{Error, Result},
    params, path, snapshot,
};

/// The D-Bus interface name served by [`DomainObject`].
pub const INTERFACE: &str = "org.libvirt.Domain";

/// `a{sv}` as it travels on the bus.
type Dict = HashMap<String, OwnedVariant>;

/// The `org.libvirt.Domain` object of one domain: the driver that owns it and its UUID.
pub struct DomainObject {
    driver: Arc<dyn Driver>,
    uuid: Uuid,
}

impl DomainObject {
    /// A handle on domain `uuid` of `driver`. The domain need not exist: calls then fail with
    /// libvirt's "Domain not found", as on libvirt-dbus.
    pub fn new(driver: Arc<dyn Driver>, uuid: Uuid) -> Self {
        Self { driver, uuid }
    }

    /// Turns a refused argument into the error to reply with. libvirt looks the domain up
    /// before it checks arguments, so a missing domain is reported first.
    async fn refuse(&self, refusal: Error) -> Error {
        match self.driver.summary(&self.uuid).await {
            Err(missing @ CoreError::NoDomain(_)) => missing.into(),
            _ => refusal,
        }
    }

    /// Passes `checked` through, or replies with [`Self::refuse`].
    async fn check<T>(&self, checked: Result<T>) -> Result<T> {
        match checked {
            Ok(v) => Ok(v),
            Err(e) => Err(self.refuse(e).await),
        }
    }

    /// Typed parameters from an `a{sv}` argument, refused as [`Self::refuse`] does.
    async fn params(&self, dict: Dict) -> Result<virtbus_core::params::TypedParams> {
        self.check(params::from_dict(dict)).await
    }

    /// The object path of this domain's snapshot `name`.
    fn snapshot_path(&self, hdr: &Header<'_>, name: &str) -> Result<OwnedObjectPath> {
        let root = path::call_root(hdr, path::DOMAIN, self.driver.name());
        snapshot::object_path(&root, &self.uuid, name)
    }
}

#[interface(name = "org.libvirt.Domain")]
impl DomainObject {
    // ----- lifecycle -----

    /// Aborts the running background job (virDomainAbortJob).
    #[zbus(name = "AbortJob")]
    async fn abort_job(&self) -> Result<()> {
        Ok(self.driver.abort_job(&self.uuid).await?)
    }

    /// Starts the defined domain (virDomainCreateWithFlags).
    #[zbus(name = "Create")]
    async fn create(&self, flags: u32) -> Result<()> {
        Ok(self.driver.create(&self.uuid, flags).await?)
    }

    /// Starts the domain, passing it open files (virDomainCreateWithFiles).
    #[zbus(name = "CreateWithFiles")]
    async fn create_with_files(&self, files: Vec<zbus::OwnedFd>, flags: u32) -> Result<()> {
        self.check(checks::files(files.len())).await?;
        let count = files.len();
        drop(files);
        Ok(self
            .driver
            .create_with_files(&self.uuid, count, flags)
            .await?)
    }

    /// Stops the domain at once (virDomainDestroyFlags).
    #[zbus(name = "Destroy")]
    async fn destroy(&self, flags: u32) -> Result<()> {
        Ok(self.driver.destroy(&self.uuid, flags).await?)
    }

    /// Asks the guest to shut down (virDomainShutdownFlags).
    #[zbus(name = "Shutdown")]
    async fn shutdown(&self, flags: u32) -> Result<()> {
        Ok(self.driver.shutdown(&self.uuid, flags).await?)
    }

    /// Asks the guest to reboot (virDomainReboot).
    #[zbus(name = "Reboot")]
    async fn reboot(&self, flags: u32) -> Result<()> {
        Ok(self.driver.reboot(&self.uuid, flags).await?)
    }

    /// Resets the domain as if by the reset button (virDomainReset).
    #[zbus(name = "Reset")]
    async fn reset(&self, flags: u32) -> Result<()> {
        Ok(self.driver.reset(&self.uuid, flags).await?)
    }

    /// Pauses the domain's CPUs (virDomainSuspend).
    #[zbus(name = "Suspend")]
    async fn suspend(&self) -> Result<()> {
        Ok(self.driver.suspend(&self.uuid).await?)
    }

    /// Resumes a paused domain (virDomainResume).
    #[zbus(name = "Resume")]
    async fn resume(&self) -> Result<()> {
        Ok(self.driver.resume(&self.uuid).await?)
    }

    /// Wakes a domain suspended by guest power management (virDomainPMWakeup).
    #[zbus(name = "PMWakeup")]
    async fn pm_wakeup(&self, flags: u32) -> Result<()> {
        Ok(self.driver.pm_wakeup(&self.uuid, flags).await?)
    }

    /// Removes the persistent definition (virDomainUndefineFlags).
    #[zbus(name = "Undefine")]
    async fn undefine(&self, flags: u32) -> Result<()> {
        Ok(self.driver.undefine(&self.uuid, flags).await?)
    }

    /// Renames the inactive domain; its object path stays the same (virDomainRename).
    #[zbus(name = "Rename")]
    async fn rename(&self, name: &str, flags: u32) -> Result<()> {
        self.check(checks::string("name", name)).await?;
        Ok(self.driver.rename(&self.uuid, name, flags).await?)
    }

    /// Saves the domain's memory to a file and stops it; `xml` "" keeps the definition
    /// (virDomainSaveFlags).
    #[zbus(name = "Save")]
    async fn save(&self, to: &str, xml: &str, flags: u32) -> Result<()> {
        self.check(checks::string("xml", xml)).await?;
        Ok(self.driver.save(&self.uuid, to, xml, flags).await?)
    }

    /// Saves the domain to the service-managed image and stops it (virDomainManagedSave).
    #[zbus(name = "ManagedSave")]
    async fn managed_save(&self, flags: u32) -> Result<()> {
        Ok(self.driver.managed_save(&self.uuid, flags).await?)
    }

    /// Deletes the managed save image (virDomainManagedSaveRemove).
    #[zbus(name = "ManagedSaveRemove")]
    async fn managed_save_remove(&self, flags: u32) -> Result<()> {
        Ok(self.driver.managed_save_remove(&self.uuid, flags).await?)
    }

    /// Whether a managed save image exists (virDomainHasManagedSaveImage).
    #[zbus(name = "HasManagedSaveImage", out_args("managedSaveImage"))]
    async fn has_managed_save_image(&self, flags: u32) -> Result<bool> {
        Ok(self
            .driver
            .has_managed_save_image(&self.uuid, flags)
            .await?)
    }

    /// Dumps the guest's memory to a file in the given format (virDomainCoreDumpWithFormat).
    #[zbus(name = "CoreDump")]
    async fn core_dump(&self, to: &str, dumpformat: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .core_dump(&self.uuid, to, dumpformat, flags)
            .await?)
    }

    /// Sends a non-maskable interrupt to the guest (virDomainInjectNMI).
    #[zbus(name = "InjectNMI")]
    async fn inject_nmi(&self, flags: u32) -> Result<()> {
        Ok(self.driver.inject_nmi(&self.uuid, flags).await?)
    }

    /// Sends up to 16 key codes to the guest (virDomainSendKey).
    #[zbus(name = "SendKey")]
    async fn send_key(
        &self,
        codeset: u32,
        holdtime: u32,
        keycodes: Vec<u32>,
        flags: u32,
    ) -> Result<()> {
        self.check(checks::keycodes(&keycodes)).await?;
        Ok(self
            .driver
            .send_key(&self.uuid, codeset, holdtime, &keycodes, flags)
            .await?)
    }

    /// Sends a signal to a process in the guest (virDomainSendProcessSignal).
    #[zbus(name = "SendProcessSignal")]
    async fn send_process_signal(&self, pidValue: i64, sigNum: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .send_process_signal(&self.uuid, pidValue, sigNum, flags)
            .await?)
    }

    // ----- description and state -----

    /// The domain XML (virDomainGetXMLDesc).
    #[zbus(name = "GetXMLDesc", out_args("xml"))]
    async fn get_xml_desc(&self, flags: u32) -> Result<String> {
        Ok(self.driver.xml_desc(&self.uuid, flags).await?)
    }

    /// The state and its reason (virDomainGetState).
    #[zbus(name = "GetState", out_args("state"))]
    async fn get_state(&self, flags: u32) -> Result<((i32, i32),)> {
        Ok((checks::state(self.driver.state(&self.uuid, flags).await?),))
    }

    /// The control state, its details and how long it has lasted in ms
    /// (virDomainGetControlInfo).
    #[zbus(name = "GetControlInfo", out_args("controlInfo"))]
    async fn get_control_info(&self, flags: u32) -> Result<((u32, u32, u64),)> {
        Ok((self.driver.control_info(&self.uuid, flags).await?,))
    }

    /// A metadata element, title or description; `uri` "" for none (virDomainGetMetadata).
    #[zbus(name = "GetMetadata", out_args("metadata"))]
    async fn get_metadata(&self, r#type: i32, uri: &str, flags: u32) -> Result<String> {
        Ok(self.driver.metadata(&self.uuid, r#type, uri, flags).await?)
    }

    /// Sets a metadata element, title or description; `key` and `uri` "" for none
    /// (virDomainSetMetadata).
    #[zbus(name = "SetMetadata")]
    async fn set_metadata(
        &self,
        r#type: i32,
        metadata: &str,
        key: &str,
        uri: &str,
        flags: u32,
    ) -> Result<()> {
        self.check(checks::string("metadata", metadata)).await?;
        Ok(self
            .driver
            .set_metadata(&self.uuid, r#type, metadata, key, uri, flags)
            .await?)
    }

    /// The guest's host name (virDomainGetHostname).
    #[zbus(name = "GetHostname", out_args("hostname"))]
    async fn get_hostname(&self, flags: u32) -> Result<String> {
        Ok(self.driver.guest_hostname(&self.uuid, flags).await?)
    }

    /// The guest's clock as seconds and nanoseconds (virDomainGetTime).
    #[zbus(name = "GetTime", out_args("time"))]
    async fn get_time(&self, flags: u32) -> Result<((u64, u32),)> {
        Ok((self.driver.time(&self.uuid, flags).await?,))
    }

    /// Sets the guest's clock (virDomainSetTime).
    #[zbus(name = "SetTime")]
    async fn set_time(&self, seconds: u64, nseconds: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .set_time(&self.uuid, seconds, nseconds, flags)
            .await?)
    }

    /// The security labels and whether each is enforcing (virDomainGetSecurityLabelList).
    #[zbus(name = "GetSecurityLabelList", out_args("securityLabels"))]
    async fn get_security_label_list(&self) -> Result<Vec<(String, bool)>> {
        Ok(self.driver.security_labels(&self.uuid).await?)
    }

    /// Sets a guest user's password (virDomainSetUserPassword).
    #[zbus(name = "SetUserPassword")]
    async fn set_user_password(&self, user: &str, password: &str, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .set_user_password(&self.uuid, user, password, flags)
            .await?)
    }

    // ----- memory -----

    /// Sets the memory size in KiB (virDomainSetMemoryFlags).
    #[zbus(name = "SetMemory")]
    async fn set_memory(&self, memory: u64, flags: u32) -> Result<()> {
        Ok(self.driver.set_memory(&self.uuid, memory, flags).await?)
    }

    /// Sets how often the balloon driver reports statistics (virDomainSetMemoryStatsPeriod).
    #[zbus(name = "SetMemoryStatsPeriod")]
    async fn set_memory_stats_period(&self, period: i32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .set_memory_stats_period(&self.uuid, period, flags)
            .await?)
    }

    /// Memory statistics, by libvirt's tag numbers (virDomainMemoryStats).
    #[zbus(name = "MemoryStats", out_args("stats"))]
    async fn memory_stats(&self, flags: u32) -> Result<HashMap<i32, u64>> {
        Ok(checks::memory_stats(
            self.driver.memory_stats(&self.uuid, flags).await?,
        ))
    }

    /// Memory tunables (virDomainGetMemoryParameters).
    #[zbus(name = "GetMemoryParameters", out_args("memoryParameters"))]
    async fn get_memory_parameters(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.memory_parameters(&self.uuid, flags).await?,
        ))
    }

    /// Sets memory tunables (virDomainSetMemoryParameters).
    #[zbus(name = "SetMemoryParameters")]
    async fn set_memory_parameters(&self, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_memory_parameters(&self.uuid, params, flags)
            .await?)
    }

    /// NUMA tunables (virDomainGetNumaParameters).
    #[zbus(name = "GetNumaParameters", out_args("numaParameters"))]
    async fn get_numa_parameters(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.numa_parameters(&self.uuid, flags).await?,
        ))
    }

    /// Sets NUMA tunables (virDomainSetNumaParameters).
    #[zbus(name = "SetNumaParameters")]
    async fn set_numa_parameters(&self, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_numa_parameters(&self.uuid, params, flags)
            .await?)
    }

    /// Reads guest memory; at most 4 MiB at a time (virDomainMemoryPeek).
    #[zbus(name = "MemoryPeek", out_args("buffer"))]
    async fn memory_peek(&self, offset: u64, size: u64, flags: u32) -> Result<Vec<u8>> {
        let size = self
            .check(
                checks::memory_peek_flags(flags).and_then(|()| checks::peek_size("memory", size)),
            )
            .await?;
        Ok(self
            .driver
            .memory_peek(&self.uuid, offset, size, flags)
            .await?)
    }

    // ----- CPUs and I/O threads -----

    /// The number of vCPUs (virDomainGetVcpusFlags).
    #[zbus(name = "GetVcpus", out_args("vcpus"))]
    async fn get_vcpus(&self, flags: u32) -> Result<u32> {
        Ok(self.driver.vcpus(&self.uuid, flags).await?)
    }

    /// Sets the number of vCPUs (virDomainSetVcpusFlags).
    #[zbus(name = "SetVcpus")]
    async fn set_vcpus(&self, vcpus: u32, flags: u32) -> Result<()> {
        Ok(self.driver.set_vcpus(&self.uuid, vcpus, flags).await?)
    }

    /// The host CPUs each vCPU may run on (virDomainGetVcpuPinInfo).
    #[zbus(name = "GetVcpuPinInfo", out_args("vcpuPinInfo"))]
    async fn get_vcpu_pin_info(&self, flags: u32) -> Result<Vec<Vec<bool>>> {
        Ok(self.driver.vcpu_pin_info(&self.uuid, flags).await?)
    }

    /// Pins a vCPU to host CPUs (virDomainPinVcpuFlags).
    #[zbus(name = "PinVcpu")]
    async fn pin_vcpu(&self, vcpu: u32, cpumap: Vec<bool>, flags: u32) -> Result<()> {
        self.check(checks::cpumap(&cpumap, "cpumap", "virDomainPinVcpuFlags"))
            .await?;
        Ok(self
            .driver
            .pin_vcpu(&self.uuid, vcpu, &cpumap, flags)
            .await?)
    }

    /// The host CPUs the emulator threads may run on (virDomainGetEmulatorPinInfo).
    #[zbus(name = "GetEmulatorPinInfo", out_args("cpumap"))]
    async fn get_emulator_pin_info(&self, flags: u32) -> Result<Vec<bool>> {
        Ok(self.driver.emulator_pin_info(&self.uuid, flags).await?)
    }

    /// Pins the emulator threads to host CPUs (virDomainPinEmulator).
    #[zbus(name = "PinEmulator")]
    async fn pin_emulator(&self, cpumap: Vec<bool>, flags: u32) -> Result<()> {
        self.check(checks::cpumap(&cpumap, "cpumap", "virDomainPinEmulator"))
            .await?;
        Ok(self.driver.pin_emulator(&self.uuid, &cpumap, flags).await?)
    }

    /// The I/O threads and the host CPUs each may run on (virDomainGetIOThreadInfo).
    #[zbus(name = "GetIOThreadInfo", out_args("ioThreadInfo"))]
    async fn get_iothread_info(&self, flags: u32) -> Result<Vec<(u32, Vec<bool>)>> {
        Ok(self.driver.iothread_info(&self.uuid, flags).await?)
    }

    /// Pins an I/O thread to host CPUs (virDomainPinIOThread).
    #[zbus(name = "PinIOThread")]
    async fn pin_iothread(&self, iothreadId: u32, cpumap: Vec<bool>, flags: u32) -> Result<()> {
        self.check(checks::cpumap(&cpumap, "cpumap", "virDomainPinIOThread"))
            .await?;
        Ok(self
            .driver
            .pin_iothread(&self.uuid, iothreadId, &cpumap, flags)
            .await?)
    }

    /// Adds an I/O thread (virDomainAddIOThread).
    #[zbus(name = "AddIOThread")]
    async fn add_iothread(&self, iothreadId: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .add_iothread(&self.uuid, iothreadId, flags)
            .await?)
    }

    /// Removes an I/O thread (virDomainDelIOThread).
    #[zbus(name = "DelIOThread")]
    async fn del_iothread(&self, iothreadId: u32, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .del_iothread(&self.uuid, iothreadId, flags)
            .await?)
    }

    /// The guest agent's view of the vCPUs (virDomainGetGuestVcpus).
    #[zbus(name = "GetGuestVcpus", out_args("vcpus"))]
    async fn get_guest_vcpus(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.guest_vcpus(&self.uuid, flags).await?,
        ))
    }

    /// Onlines or offlines guest vCPUs through the agent (virDomainSetGuestVcpus).
    #[zbus(name = "SetGuestVcpus")]
    async fn set_guest_vcpus(&self, vcpumap: Vec<bool>, state: i32, flags: u32) -> Result<()> {
        self.check(checks::cpumap(&vcpumap, "cpumap", "virDomainSetGuestVcpus"))
            .await?;
        Ok(self
            .driver
            .set_guest_vcpus(&self.uuid, &vcpumap, state, flags)
            .await?)
    }

    /// Scheduler tunables (virDomainGetSchedulerParametersFlags).
    #[zbus(name = "GetSchedulerParameters", out_args("SchedulerParameters"))]
    async fn get_scheduler_parameters(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.scheduler_parameters(&self.uuid, flags).await?,
        ))
    }

    /// Sets scheduler tunables (virDomainSetSchedulerParametersFlags).
    #[zbus(name = "SetSchedulerParameters")]
    async fn set_scheduler_parameters(&self, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_scheduler_parameters(&self.uuid, params, flags)
            .await?)
    }

    /// Which perf events are enabled (virDomainGetPerfEvents).
    #[zbus(name = "GetPerfEvents", out_args("perfEvents"))]
    async fn get_perf_events(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.perf_events(&self.uuid, flags).await?,
        ))
    }

    /// Enables or disables perf events (virDomainSetPerfEvents).
    #[zbus(name = "SetPerfEvents")]
    async fn set_perf_events(&self, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_perf_events(&self.uuid, params, flags)
            .await?)
    }

    // ----- statistics and jobs -----

    /// Statistics of the groups in `stats` (virDomainListGetStats for this domain).
    #[zbus(name = "GetStats", out_args("records"))]
    async fn get_stats(&self, stats: u32, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.stats(&self.uuid, stats, flags).await?,
        ))
    }

    /// The background job's type and progress counters (virDomainGetJobInfo).
    #[zbus(name = "GetJobInfo", out_args("jobInfo"))]
    #[allow(clippy::type_complexity)]
    async fn get_job_info(
        &self,
    ) -> Result<((i32, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64),)> {
        Ok((checks::job_info(self.driver.job_info(&self.uuid).await?),))
    }

    /// The background job's type and statistics (virDomainGetJobStats).
    #[zbus(name = "GetJobStats", out_args("stats"))]
    async fn get_job_stats(&self, flags: u32) -> Result<((i32, Dict),)> {
        let (kind, stats) = self.driver.job_stats(&self.uuid, flags).await?;
        Ok(((kind, params::to_dict(stats)),))
    }

    /// Disks with an I/O error and the error codes (virDomainGetDiskErrors). libvirt-dbus
    /// does not pass `flags` on (libvirt defines none), and neither do we.
    #[zbus(name = "GetDiskErrors", out_args("diskErrors"))]
    async fn get_disk_errors(&self, flags: u32) -> Result<Vec<(String, i32)>> {
        let _ = flags;
        Ok(self.driver.disk_errors(&self.uuid, 0).await?)
    }

    /// The guest's network interfaces and their addresses (virDomainInterfaceAddresses).
    #[zbus(name = "InterfaceAddresses", out_args("ifaces"))]
    #[allow(clippy::type_complexity)]
    async fn interface_addresses(
        &self,
        source: u32,
        flags: u32,
    ) -> Result<Vec<(String, String, Vec<(i32, String, u32)>)>> {
        Ok(self
            .driver
            .interface_addresses(&self.uuid, source, flags)
            .await?)
    }

    /// Bandwidth tunables of an interface (virDomainGetInterfaceParameters).
    #[zbus(name = "GetInterfaceParameters", out_args("interfaceParameters"))]
    async fn get_interface_parameters(&self, device: &str, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver
                .interface_parameters(&self.uuid, device, flags)
                .await?,
        ))
    }

    /// Sets bandwidth tunables of an interface (virDomainSetInterfaceParameters).
    #[zbus(name = "SetInterfaceParameters")]
    async fn set_interface_parameters(&self, device: &str, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_interface_parameters(&self.uuid, device, params, flags)
            .await?)
    }

    // ----- devices -----

    /// Attaches a device described in XML (virDomainAttachDeviceFlags).
    #[zbus(name = "AttachDevice")]
    async fn attach_device(&self, xml: &str, flags: u32) -> Result<()> {
        self.check(checks::string("xml", xml)).await?;
        Ok(self.driver.attach_device(&self.uuid, xml, flags).await?)
    }

    /// Detaches a device described in XML (virDomainDetachDeviceFlags).
    #[zbus(name = "DetachDevice")]
    async fn detach_device(&self, xml: &str, flags: u32) -> Result<()> {
        self.check(checks::string("xml", xml)).await?;
        Ok(self.driver.detach_device(&self.uuid, xml, flags).await?)
    }

    /// Changes a device described in XML, e.g. a CD-ROM's medium (virDomainUpdateDeviceFlags).
    #[zbus(name = "UpdateDevice")]
    async fn update_device(&self, xml: &str, flags: u32) -> Result<()> {
        self.check(checks::string("xml", xml)).await?;
        Ok(self.driver.update_device(&self.uuid, xml, flags).await?)
    }

    /// Joins the passed file descriptor to a console or serial device of the running
    /// domain, named by its alias ("" for the first console), until the session or the
    /// domain ends (virDomainOpenConsole; a virtbus extension of libvirt-dbus's API).
    #[zbus(name = "OpenConsole")]
    async fn open_console(&self, dev: &str, fd: zbus::OwnedFd, flags: u32) -> Result<()> {
        let dev = (!dev.is_empty()).then_some(dev);
        Ok(self
            .driver
            .open_console(&self.uuid, dev, fd.into(), flags)
            .await?)
    }

    /// Opens a connection to a graphics display and returns its file descriptor
    /// (virDomainOpenGraphicsFD).
    #[zbus(name = "OpenGraphicsFD", out_args("fd"))]
    async fn open_graphics_fd(&self, idx: u32, flags: u32) -> Result<zbus::OwnedFd> {
        Ok(self
            .driver
            .open_graphics_fd(&self.uuid, idx, flags)
            .await?
            .into())
    }

    // ----- block devices -----

    /// Reads bytes of a disk image; at most 4 MiB at a time (virDomainBlockPeek).
    #[zbus(name = "BlockPeek", out_args("buffer"))]
    async fn block_peek(&self, disk: &str, offset: u64, size: u64, flags: u32) -> Result<Vec<u8>> {
        let size = self
            .check(
                checks::non_empty("disk", "virDomainBlockPeek", disk)
                    .and_then(|()| checks::peek_size("block", size)),
            )
            .await?;
        Ok(self
            .driver
            .block_peek(&self.uuid, disk, offset, size, flags)
            .await?)
    }

    /// Resizes a disk, in KiB unless the BYTES flag is given (virDomainBlockResize).
    #[zbus(name = "BlockResize")]
    async fn block_resize(&self, disk: &str, size: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .block_resize(&self.uuid, disk, size, flags)
            .await?)
    }

    /// I/O throttling of a disk (virDomainGetBlockIoTune).
    #[zbus(name = "GetBlockIOTune", out_args("blockIOTune"))]
    async fn get_block_io_tune(&self, disk: &str, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.block_io_tune(&self.uuid, disk, flags).await?,
        ))
    }

    /// Sets I/O throttling of a disk (virDomainSetBlockIoTune).
    #[zbus(name = "SetBlockIOTune")]
    async fn set_block_io_tune(&self, disk: &str, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_block_io_tune(&self.uuid, disk, params, flags)
            .await?)
    }

    /// Asks for a `BlockThreshold` signal when writes to disk `dev` pass `threshold` bytes
    /// (virDomainSetBlockThreshold; libvirt-dbus after 1.4.1).
    #[zbus(name = "SetBlockThreshold")]
    async fn set_block_threshold(&self, dev: &str, threshold: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .set_block_threshold(&self.uuid, dev, threshold, flags)
            .await?)
    }

    /// Block I/O weights (virDomainGetBlkioParameters).
    #[zbus(name = "GetBlockIOParameters", out_args("BlkioParameters"))]
    async fn get_block_io_parameters(&self, flags: u32) -> Result<Dict> {
        Ok(params::to_dict(
            self.driver.blkio_parameters(&self.uuid, flags).await?,
        ))
    }

    /// Sets block I/O weights (virDomainSetBlkioParameters).
    #[zbus(name = "SetBlockIOParameters")]
    async fn set_block_io_parameters(&self, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .set_blkio_parameters(&self.uuid, params, flags)
            .await?)
    }

    /// The block job on a disk: type, bandwidth, progress and end (virDomainGetBlockJobInfo).
    #[zbus(name = "GetBlockJobInfo", out_args("blockJobInfo"))]
    async fn get_block_job_info(&self, disk: &str, flags: u32) -> Result<((i32, u64, u64, u64),)> {
        Ok((self.driver.block_job_info(&self.uuid, disk, flags).await?,))
    }

    /// Cancels or pivots the block job on a disk (virDomainBlockJobAbort).
    #[zbus(name = "BlockJobAbort")]
    async fn block_job_abort(&self, disk: &str, flags: u32) -> Result<()> {
        Ok(self.driver.block_job_abort(&self.uuid, disk, flags).await?)
    }

    /// Limits the bandwidth of the block job on a disk (virDomainBlockJobSetSpeed).
    #[zbus(name = "BlockJobSetSpeed")]
    async fn block_job_set_speed(&self, disk: &str, bandwidth: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .block_job_set_speed(&self.uuid, disk, bandwidth, flags)
            .await?)
    }

    /// Pulls the backing chain into a disk's active layer (virDomainBlockPull).
    #[zbus(name = "BlockPull")]
    async fn block_pull(&self, disk: &str, bandwidth: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .block_pull(&self.uuid, disk, bandwidth, flags)
            .await?)
    }

    /// Pulls a disk's backing chain down to `base` ("" for all of it) (virDomainBlockRebase).
    #[zbus(name = "BlockRebase")]
    async fn block_rebase(&self, disk: &str, base: &str, bandwidth: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .block_rebase(&self.uuid, disk, base, bandwidth, flags)
            .await?)
    }

    /// Commits the layers from `top` down into `base` (virDomainBlockCommit).
    #[zbus(name = "BlockCommit")]
    async fn block_commit(
        &self,
        disk: &str,
        base: &str,
        top: &str,
        bandwidth: u64,
        flags: u32,
    ) -> Result<()> {
        Ok(self
            .driver
            .block_commit(&self.uuid, disk, base, top, bandwidth, flags)
            .await?)
    }

    /// Copies a disk to the destination described in XML (virDomainBlockCopy).
    #[zbus(name = "BlockCopy")]
    async fn block_copy(&self, disk: &str, destxml: &str, params: Dict, flags: u32) -> Result<()> {
        self.check(checks::string("destxml", destxml)).await?;
        let params = self.params(params).await?;
        Ok(self
            .driver
            .block_copy(&self.uuid, disk, destxml, params, flags)
            .await?)
    }

    // ----- guest file systems -----

    /// Freezes guest file systems, all of them for an empty list; returns how many
    /// (virDomainFSFreeze).
    #[zbus(name = "FSFreeze", out_args("frozenFilesystems"))]
    async fn fs_freeze(&self, mountpoints: Vec<String>, flags: u32) -> Result<u32> {
        self.check(checks::mountpoints(&mountpoints)).await?;
        Ok(self
            .driver
            .fs_freeze(&self.uuid, &mountpoints, flags)
            .await?)
    }

    /// Thaws guest file systems, all of them for an empty list; returns how many
    /// (virDomainFSThaw).
    #[zbus(name = "FSThaw", out_args("thawedFilesystems"))]
    async fn fs_thaw(&self, mountpoints: Vec<String>, flags: u32) -> Result<u32> {
        self.check(checks::mountpoints(&mountpoints)).await?;
        Ok(self.driver.fs_thaw(&self.uuid, &mountpoints, flags).await?)
    }

    /// Discards unused blocks of a guest file system, all of them for "" (virDomainFSTrim).
    #[zbus(name = "FSTrim")]
    async fn fs_trim(&self, mountpoint: &str, minimum: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .fs_trim(&self.uuid, mountpoint, minimum, flags)
            .await?)
    }

    /// The guest's mounted file systems: mount point, device, type, disk targets
    /// (virDomainGetFSInfo).
    #[zbus(name = "GetFSInfo", out_args("fsInfo"))]
    async fn get_fs_info(&self, flags: u32) -> Result<Vec<(String, String, String, Vec<String>)>> {
        Ok(self.driver.fs_info(&self.uuid, flags).await?)
    }

    // ----- migration -----

    /// The migration compression cache size in bytes (virDomainMigrateGetCompressionCache).
    #[zbus(name = "MigrateGetCompressionCache", out_args("cacheSize"))]
    async fn migrate_get_compression_cache(&self, flags: u32) -> Result<u64> {
        Ok(self
            .driver
            .migrate_compression_cache(&self.uuid, flags)
            .await?)
    }

    /// Sets the migration compression cache size (virDomainMigrateSetCompressionCache).
    #[zbus(name = "MigrateSetCompressionCache")]
    async fn migrate_set_compression_cache(&self, cacheSize: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .migrate_set_compression_cache(&self.uuid, cacheSize, flags)
            .await?)
    }

    /// The migration bandwidth limit in MiB/s (virDomainMigrateGetMaxSpeed).
    #[zbus(name = "MigrateGetMaxSpeed", out_args("bandwidth"))]
    async fn migrate_get_max_speed(&self, flags: u32) -> Result<u64> {
        Ok(self.driver.migrate_max_speed(&self.uuid, flags).await?)
    }

    /// Sets the migration bandwidth limit (virDomainMigrateSetMaxSpeed).
    #[zbus(name = "MigrateSetMaxSpeed")]
    async fn migrate_set_max_speed(&self, bandwidth: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .migrate_set_max_speed(&self.uuid, bandwidth, flags)
            .await?)
    }

    /// Sets the longest pause a live migration may cause, in ms
    /// (virDomainMigrateSetMaxDowntime).
    #[zbus(name = "MigrateSetMaxDowntime")]
    async fn migrate_set_max_downtime(&self, downtime: u64, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .migrate_set_max_downtime(&self.uuid, downtime, flags)
            .await?)
    }

    /// Switches a running migration to post-copy (virDomainMigrateStartPostCopy).
    #[zbus(name = "MigrateStartPostCopy")]
    async fn migrate_start_post_copy(&self, flags: u32) -> Result<()> {
        Ok(self
            .driver
            .migrate_start_post_copy(&self.uuid, flags)
            .await?)
    }

    /// Migrates the domain to the host at `dconuri` (virDomainMigrateToURI3).
    #[zbus(name = "MigrateToURI3")]
    async fn migrate_to_uri3(&self, dconuri: &str, params: Dict, flags: u32) -> Result<()> {
        let params = self.params(params).await?;
        Ok(self
            .driver
            .migrate_to_uri3(&self.uuid, dconuri, params, flags)
            .await?)
    }

    // ----- snapshots -----

    /// The domain's snapshots as object paths (virDomainListAllSnapshots).
    #[zbus(name = "ListDomainSnapshots", out_args("domainSnapshots"))]
    async fn list_domain_snapshots(
        &self,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<Vec<OwnedObjectPath>> {
        self.driver
            .list_snapshots(&self.uuid, flags)
            .await?
            .iter()
            .map(|name| self.snapshot_path(&hdr, name))
            .collect()
    }

    /// Creates a snapshot described in XML and returns its path (virDomainSnapshotCreateXML).
    #[zbus(name = "SnapshotCreateXML", out_args("domainSnapshot"))]
    async fn snapshot_create_xml(
        &self,
        xml: &str,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        self.check(checks::string("xml", xml)).await?;
        let name = self
            .driver
            .snapshot_create_xml(&self.uuid, xml, flags)
            .await?;
        self.snapshot_path(&hdr, &name)
    }

    /// The path of the current snapshot (virDomainSnapshotCurrent).
    #[zbus(name = "SnapshotCurrent", out_args("domainSnapshot"))]
    async fn snapshot_current(
        &self,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let name = self.driver.snapshot_current(&self.uuid, flags).await?;
        self.snapshot_path(&hdr, &name)
    }

    /// The path of the snapshot called `name` (virDomainSnapshotLookupByName).
    #[zbus(name = "SnapshotLookupByName", out_args("domainSnapshot"))]
    async fn snapshot_lookup_by_name(
        &self,
        name: &str,
        flags: u32,
        #[zbus(header)] hdr: Header<'_>,
    ) -> Result<OwnedObjectPath> {
        let name = self
            .driver
            .snapshot_lookup_by_name(&self.uuid, name, flags)
            .await?;
        self.snapshot_path(&hdr, &name)
    }

    // ----- signals (the lifecycle event is Connect.DomainEvent) -----

    /// The guest agent connected or disconnected (VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE).
    #[zbus(signal, name = "AgentEvent")]
    async fn agent_event(emitter: &SignalEmitter<'_>, state: i32, reason: i32) -> zbus::Result<()>;

    /// The balloon changed the guest's memory, in KiB (VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE).
    #[zbus(signal, name = "BalloonChange")]
    async fn balloon_change(emitter: &SignalEmitter<'_>, actual: u64) -> zbus::Result<()>;

    /// A block job on disk target `disk` changed status (VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2).
    #[zbus(signal, name = "BlockJob")]
    async fn block_job(
        emitter: &SignalEmitter<'_>,
        disk: &str,
        r#type: i32,
        status: i32,
    ) -> zbus::Result<()>;

    /// The connection to the hypervisor broke (VIR_DOMAIN_EVENT_ID_CONTROL_ERROR).
    #[zbus(signal, name = "ControlError")]
    async fn control_error(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// A device was hot-plugged (VIR_DOMAIN_EVENT_ID_DEVICE_ADDED).
    #[zbus(signal, name = "DeviceAdded")]
    async fn device_added(emitter: &SignalEmitter<'_>, device: &str) -> zbus::Result<()>;

    /// The guest refused to release a device (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED).
    #[zbus(signal, name = "DeviceRemovalFailed")]
    async fn device_removal_failed(emitter: &SignalEmitter<'_>, device: &str) -> zbus::Result<()>;

    /// Writes to disk `dev` (source `path`) passed `threshold` by `excess` bytes
    /// (VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD; libvirt-dbus after 1.4.1).
    #[zbus(signal, name = "BlockThreshold")]
    pub async fn block_threshold(
        emitter: &SignalEmitter<'_>,
        dev: &str,
        path: &str,
        threshold: u64,
        excess: u64,
    ) -> zbus::Result<()>;

    /// A device was unplugged (VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED).
    #[zbus(signal, name = "DeviceRemoved")]
    async fn device_removed(emitter: &SignalEmitter<'_>, device: &str) -> zbus::Result<()>;

    /// A disk's medium changed or was dropped; "" for a missing path
    /// (VIR_DOMAIN_EVENT_ID_DISK_CHANGE).
    #[zbus(signal, name = "DiskChange")]
    async fn disk_change(
        emitter: &SignalEmitter<'_>,
        oldSrcPath: &str,
        newSrcPath: &str,
        device: &str,
        reason: i32,
    ) -> zbus::Result<()>;

    /// A graphics client connected, authenticated or left (VIR_DOMAIN_EVENT_ID_GRAPHICS).
    #[zbus(signal, name = "Graphics")]
    async fn graphics(
        emitter: &SignalEmitter<'_>,
        phase: i32,
        local: (i32, &str, &str),
        remote: (i32, &str, &str),
        authScheme: &str,
        identities: &[(&str, &str)],
    ) -> zbus::Result<()>;

    /// A disk hit an I/O error (VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON).
    #[zbus(signal, name = "IOError")]
    async fn io_error(
        emitter: &SignalEmitter<'_>,
        srcPath: &str,
        device: &str,
        action: i32,
        reason: &str,
    ) -> zbus::Result<()>;

    /// A background job finished, with its final statistics
    /// (VIR_DOMAIN_EVENT_ID_JOB_COMPLETED).
    #[zbus(signal, name = "JobCompleted")]
    async fn job_completed(emitter: &SignalEmitter<'_>, params: &Dict) -> zbus::Result<()>;

    /// Metadata changed; `nsuri` is "" for title and description
    /// (VIR_DOMAIN_EVENT_ID_METADATA_CHANGE).
    #[zbus(signal, name = "MetadataChange")]
    async fn metadata_change(
        emitter: &SignalEmitter<'_>,
        r#type: i32,
        nsuri: &str,
    ) -> zbus::Result<()>;

    /// A live migration started another pass over memory
    /// (VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION).
    #[zbus(signal, name = "MigrationIteration")]
    async fn migration_iteration(emitter: &SignalEmitter<'_>, iteration: i32) -> zbus::Result<()>;

    /// The guest suspended to memory (VIR_DOMAIN_EVENT_ID_PMSUSPEND).
    #[zbus(signal, name = "PMSuspend")]
    async fn pm_suspend(emitter: &SignalEmitter<'_>, reason: i32) -> zbus::Result<()>;

    /// The guest suspended to disk (VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK).
    #[zbus(signal, name = "PMSuspendDisk")]
    async fn pm_suspend_disk(emitter: &SignalEmitter<'_>, reason: i32) -> zbus::Result<()>;

    /// The guest woke up from a power-management suspend (VIR_DOMAIN_EVENT_ID_PMWAKEUP).
    #[zbus(signal, name = "PMWakeup")]
    async fn pm_wakeup_signal(emitter: &SignalEmitter<'_>, reason: i32) -> zbus::Result<()>;

    /// The guest rebooted (VIR_DOMAIN_EVENT_ID_REBOOT).
    #[zbus(signal, name = "Reboot")]
    async fn reboot_signal(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// The guest changed its real-time clock; new offset from UTC in seconds
    /// (VIR_DOMAIN_EVENT_ID_RTC_CHANGE).
    #[zbus(signal, name = "RTCChange")]
    async fn rtc_change(emitter: &SignalEmitter<'_>, utcoffset: i64) -> zbus::Result<()>;

    /// A removable-media tray opened or closed (VIR_DOMAIN_EVENT_ID_TRAY_CHANGE).
    #[zbus(signal, name = "TrayChange")]
    async fn tray_change(
        emitter: &SignalEmitter<'_>,
        device: &str,
        reason: i32,
    ) -> zbus::Result<()>;

    /// Tunables changed, with their new values (VIR_DOMAIN_EVENT_ID_TUNABLE).
    #[zbus(signal, name = "Tunable")]
    async fn tunable(emitter: &SignalEmitter<'_>, params: &Dict) -> zbus::Result<()>;

    /// The watchdog fired and took `action` (VIR_DOMAIN_EVENT_ID_WATCHDOG).
    #[zbus(signal, name = "Watchdog")]
    async fn watchdog(emitter: &SignalEmitter<'_>, action: i32) -> zbus::Result<()>;
}
