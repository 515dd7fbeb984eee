//! `DomainDriver` and `SnapshotDriver` for the test driver: every method libvirt 9.0's test
//! driver answers is forwarded to its `op_*` implementation; the rest keep the trait's
//! NoSupport default, as libvirt's test driver does not have them either. Checks libvirt's public
//! API makes before any driver sees a call (on ids that must not be zero or negative) are made
//! here.

use async_trait::async_trait;
use uuid::Uuid;
use virtbus_core::{
    args,
    driver::{DomainDriver, DomainSummary, FsInfo, InterfaceAddresses, SnapshotDriver},
    params::TypedParams,
    state::StateReason,
    Error, Result,
};

use crate::TestDriver;

#[async_trait]
impl DomainDriver for TestDriver {
    async fn list_domains(&self, flags: u32) -> Result<Vec<Uuid>> {
        self.op_list_domains(flags)
    }
    async fn summary(&self, uuid: &Uuid) -> Result<DomainSummary> {
        self.op_summary(uuid)
    }
    async fn summaries(&self) -> Result<Vec<DomainSummary>> {
        self.op_summaries()
    }
    async fn lookup_by_name(&self, name: &str) -> Result<Uuid> {
        self.op_lookup_by_name(name)
    }
    async fn lookup_by_uuid(&self, uuid: &Uuid) -> Result<Uuid> {
        self.op_lookup_by_uuid(uuid)
    }
    async fn lookup_by_id(&self, id: i32) -> Result<Uuid> {
        args::non_negative(id, "id", "virDomainLookupByID")?;
        self.op_lookup_by_id(id)
    }
    async fn define_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        self.op_define_xml(xml, flags)
    }
    async fn create_xml(&self, xml: &str, flags: u32) -> Result<Uuid> {
        self.op_create_xml(xml, flags)
    }
    async fn create_xml_with_files(&self, xml: &str, _nfiles: usize, flags: u32) -> Result<Uuid> {
        self.op_create_xml(xml, flags)
    }
    async fn restore(&self, from: &str, xml: &str, flags: u32) -> Result<()> {
        self.op_restore(from, xml, flags)
    }
    async fn save_image_define_xml(&self, file: &str, xml: &str, flags: u32) -> Result<()> {
        self.op_save_image_define_xml(file, xml, flags)
    }
    async fn save_image_xml_desc(&self, file: &str, flags: u32) -> Result<String> {
        self.op_save_image_xml_desc(file, flags)
    }
    async fn all_domain_stats(&self, stats: u32, flags: u32) -> Result<Vec<(String, TypedParams)>> {
        self.op_all_domain_stats(stats, flags)
    }

    async fn create(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_create(uuid, flags)
    }
    async fn create_with_files(&self, uuid: &Uuid, _nfiles: usize, flags: u32) -> Result<()> {
        self.op_create(uuid, flags)
    }
    async fn destroy(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_destroy(uuid, flags)
    }
    async fn shutdown(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_shutdown(uuid, flags)
    }
    async fn reboot(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_reboot(uuid, flags)
    }
    async fn reset(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_reset(uuid, flags)
    }
    async fn suspend(&self, uuid: &Uuid) -> Result<()> {
        self.op_suspend(uuid)
    }
    async fn resume(&self, uuid: &Uuid) -> Result<()> {
        self.op_resume(uuid)
    }
    async fn undefine(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_undefine(uuid, flags)
    }
    async fn save(&self, uuid: &Uuid, to: &str, xml: &str, flags: u32) -> Result<()> {
        self.op_save(uuid, to, xml, flags)
    }
    async fn managed_save(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_managed_save(uuid, flags)
    }
    async fn managed_save_remove(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_managed_save_remove(uuid, flags)
    }
    async fn has_managed_save_image(&self, uuid: &Uuid, flags: u32) -> Result<bool> {
        self.op_has_managed_save_image(uuid, flags)
    }
    async fn core_dump(&self, uuid: &Uuid, to: &str, format: u32, flags: u32) -> Result<()> {
        self.op_core_dump(uuid, to, format, flags)
    }
    async fn inject_nmi(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        self.op_inject_nmi(uuid, flags)
    }
    async fn send_key(
        &self,
        uuid: &Uuid,
        codeset: u32,
        _holdtime: u32,
        keycodes: &[u32],
        flags: u32,
    ) -> Result<()> {
        self.op_send_key(uuid, codeset, keycodes, flags)
    }
    async fn send_process_signal(
        &self,
        uuid: &Uuid,
        pid: i64,
        signum: u32,
        flags: u32,
    ) -> Result<()> {
        self.op_send_process_signal(uuid, pid, signum, flags)
    }
    async fn rename(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<()> {
        self.op_rename(uuid, name, flags)
    }

    async fn xml_desc(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        self.op_xml_desc(uuid, flags)
    }
    async fn state(&self, uuid: &Uuid, flags: u32) -> Result<StateReason> {
        self.op_state(uuid, flags)
    }
    async fn control_info(&self, uuid: &Uuid, flags: u32) -> Result<(u32, u32, u64)> {
        self.op_control_info(uuid, flags)
    }
    async fn os_type(&self, uuid: &Uuid) -> Result<String> {
        self.op_os_type(uuid)
    }
    async fn scheduler_type(&self, uuid: &Uuid) -> Result<(String, i32)> {
        self.op_scheduler_type(uuid)
    }
    async fn set_autostart(&self, uuid: &Uuid, autostart: bool) -> Result<()> {
        self.op_set_autostart(uuid, autostart)
    }
    async fn metadata(&self, uuid: &Uuid, kind: i32, uri: &str, flags: u32) -> Result<String> {
        self.op_metadata(uuid, kind, uri, flags)
    }
    async fn set_metadata(
        &self,
        uuid: &Uuid,
        kind: i32,
        metadata: &str,
        key: &str,
        uri: &str,
        flags: u32,
    ) -> Result<()> {
        self.op_set_metadata(uuid, kind, metadata, key, uri, flags)
    }
    async fn guest_hostname(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        self.op_guest_hostname(uuid, flags)
    }
    async fn time(&self, uuid: &Uuid, flags: u32) -> Result<(u64, u32)> {
        self.op_time(uuid, flags)
    }
    async fn set_time(&self, uuid: &Uuid, seconds: u64, nseconds: u32, flags: u32) -> Result<()> {
        self.op_set_time(uuid, seconds, nseconds, flags)
    }
    async fn set_user_password(
        &self,
        uuid: &Uuid,
        _user: &str,
        _password: &str,
        flags: u32,
    ) -> Result<()> {
        self.op_set_user_password(uuid, flags)
    }

    async fn set_memory(&self, uuid: &Uuid, kib: u64, flags: u32) -> Result<()> {
        self.op_set_memory(uuid, kib, flags)
    }
    async fn set_memory_stats_period(&self, uuid: &Uuid, period: i32, flags: u32) -> Result<()> {
        self.op_set_memory_stats_period(uuid, period, flags)
    }
    async fn memory_stats(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(i32, u64)>> {
        self.op_memory_stats(uuid, flags)
    }
    async fn memory_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.op_memory_parameters(uuid, flags)
    }
    async fn set_memory_parameters(
        &self,
        uuid: &Uuid,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_memory_parameters(uuid, &params, flags)
    }
    async fn numa_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.op_numa_parameters(uuid, flags)
    }
    async fn set_numa_parameters(
        &self,
        uuid: &Uuid,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_numa_parameters(uuid, &params, flags)
    }
    async fn blkio_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.op_blkio_parameters(uuid, flags)
    }
    async fn set_blkio_parameters(
        &self,
        uuid: &Uuid,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_blkio_parameters(uuid, &params, flags)
    }
    async fn scheduler_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.op_scheduler_parameters(uuid, flags)
    }
    async fn set_scheduler_parameters(
        &self,
        uuid: &Uuid,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_scheduler_parameters(uuid, &params, flags)
    }
    async fn perf_events(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.op_perf_events(uuid, flags)
    }
    async fn set_perf_events(&self, uuid: &Uuid, params: TypedParams, flags: u32) -> Result<()> {
        self.op_set_perf_events(uuid, &params, flags)
    }
    async fn vcpus(&self, uuid: &Uuid, flags: u32) -> Result<u32> {
        self.op_vcpus(uuid, flags)
    }
    async fn set_vcpus(&self, uuid: &Uuid, count: u32, flags: u32) -> Result<()> {
        self.op_set_vcpus(uuid, count, flags)
    }
    async fn vcpu_pin_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<Vec<bool>>> {
        self.op_vcpu_pin_info(uuid, flags)
    }
    async fn pin_vcpu(&self, uuid: &Uuid, vcpu: u32, cpumap: &[bool], flags: u32) -> Result<()> {
        self.op_pin_vcpu(uuid, vcpu, cpumap, flags)
    }
    async fn emulator_pin_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<bool>> {
        self.op_emulator_pin_info(uuid, flags)
    }
    async fn pin_emulator(&self, uuid: &Uuid, cpumap: &[bool], flags: u32) -> Result<()> {
        self.op_pin_emulator(uuid, cpumap, flags)
    }
    async fn iothread_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(u32, Vec<bool>)>> {
        self.op_iothread_info(uuid, flags)
    }
    async fn pin_iothread(&self, uuid: &Uuid, id: u32, cpumap: &[bool], flags: u32) -> Result<()> {
        self.op_pin_iothread(uuid, id, cpumap, flags)
    }
    async fn add_iothread(&self, uuid: &Uuid, id: u32, flags: u32) -> Result<()> {
        self.op_add_iothread(uuid, id, flags)
    }
    async fn del_iothread(&self, uuid: &Uuid, id: u32, flags: u32) -> Result<()> {
        // libvirt's public API refuses id 0 before the driver sees the call.
        if id == 0 {
            return Err(Error::InvalidArgBare(
                "iothread_id in virDomainDelIOThread must not be zero".to_owned(),
            ));
        }
        self.op_del_iothread(uuid, id, flags)
    }

    async fn stats(&self, uuid: &Uuid, stats: u32, flags: u32) -> Result<TypedParams> {
        self.op_stats(uuid, stats, flags)
    }
    async fn disk_errors(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(String, i32)>> {
        self.op_disk_errors(uuid, flags)
    }
    async fn interface_addresses(
        &self,
        uuid: &Uuid,
        source: u32,
        flags: u32,
    ) -> Result<Vec<InterfaceAddresses>> {
        self.op_interface_addresses(uuid, source, flags)
    }
    async fn interface_parameters(
        &self,
        uuid: &Uuid,
        device: &str,
        flags: u32,
    ) -> Result<TypedParams> {
        self.op_interface_parameters(uuid, device, flags)
    }
    async fn set_interface_parameters(
        &self,
        uuid: &Uuid,
        device: &str,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_interface_parameters(uuid, device, &params, flags)
    }

    async fn memory_peek(
        &self,
        uuid: &Uuid,
        offset: u64,
        size: usize,
        flags: u32,
    ) -> Result<Vec<u8>> {
        self.op_memory_peek(uuid, offset, size, flags)
    }
    async fn block_io_tune(&self, uuid: &Uuid, disk: &str, flags: u32) -> Result<TypedParams> {
        self.op_block_io_tune(uuid, disk, flags)
    }
    async fn set_block_io_tune(
        &self,
        uuid: &Uuid,
        disk: &str,
        params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_set_block_io_tune(uuid, disk, &params, flags)
    }
    async fn fs_freeze(&self, uuid: &Uuid, mountpoints: &[String], flags: u32) -> Result<u32> {
        self.op_fs_freeze(uuid, mountpoints, flags, false)
    }
    async fn fs_thaw(&self, uuid: &Uuid, mountpoints: &[String], flags: u32) -> Result<u32> {
        self.op_fs_freeze(uuid, mountpoints, flags, true)
    }
    async fn fs_trim(
        &self,
        uuid: &Uuid,
        mountpoint: &str,
        _minimum: u64,
        flags: u32,
    ) -> Result<()> {
        self.op_fs_trim(uuid, mountpoint, flags)
    }
    async fn fs_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<FsInfo>> {
        self.op_fs_info(uuid, flags)
    }

    async fn migrate_to_uri3(
        &self,
        uuid: &Uuid,
        _uri: &str,
        _params: TypedParams,
        flags: u32,
    ) -> Result<()> {
        self.op_migrate_to_uri3(uuid, flags)
    }
}

#[async_trait]
impl SnapshotDriver for TestDriver {
    async fn list_snapshots(&self, uuid: &Uuid, flags: u32) -> Result<Vec<String>> {
        self.op_list_snapshots(uuid, flags)
    }
    async fn snapshot_lookup_by_name(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<String> {
        self.op_snapshot_lookup_by_name(uuid, name, flags)
    }
    async fn snapshot_current(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        self.op_snapshot_current(uuid, flags)
    }
    async fn snapshot_create_xml(&self, uuid: &Uuid, xml: &str, flags: u32) -> Result<String> {
        self.op_snapshot_create_xml(uuid, xml, flags)
    }
    async fn snapshot_xml_desc(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<String> {
        self.op_snapshot_xml_desc(uuid, name, flags)
    }
    async fn snapshot_delete(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<()> {
        self.op_snapshot_delete(uuid, name, flags)
    }
    async fn snapshot_revert(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<()> {
        self.op_snapshot_revert(uuid, name, flags)
    }
    async fn snapshot_parent(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<String> {
        self.op_snapshot_parent(uuid, name, flags)
    }
    async fn snapshot_list_children(
        &self,
        uuid: &Uuid,
        name: &str,
        flags: u32,
    ) -> Result<Vec<String>> {
        self.op_snapshot_list_children(uuid, name, flags)
    }
    async fn snapshot_is_current(&self, uuid: &Uuid, name: &str, flags: u32) -> Result<bool> {
        self.op_snapshot_is_current(uuid, name, flags)
    }
}
