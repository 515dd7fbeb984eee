//! libvirt's flag values and its checks of the flags a call is given.
//!
//! The values are libvirt's (they travel unchanged over the bus); where a set is narrower
//! than libvirt's enum, it is the set libvirt 9.0's drivers accept, and says so.

use crate::error::{Error, Result};

/// Fails with libvirt's "unsupported flags (0x..) in function NAME" unless `flags` only has
/// bits of `allowed`.
pub fn check_flags(flags: u32, allowed: u32, function: &str) -> Result<()> {
    if flags & !allowed != 0 {
        return Err(Error::unsupported_flags(flags & !allowed, function));
    }
    Ok(())
}

/// libvirt's public-API check that flags `a` and `b` are not both given, with its text
/// ("Flags 'A' and 'B' are mutually exclusive").
pub fn exclusive(flags: u32, a: u32, b: u32, a_name: &str, b_name: &str) -> Result<()> {
    if flags & a != 0 && flags & b != 0 {
        return Err(Error::InvalidArgBare(format!(
            "Flags '{a_name}' and '{b_name}' are mutually exclusive"
        )));
    }
    Ok(())
}

/// `virDomainModificationImpact`.
pub mod affect {
    /// VIR_DOMAIN_AFFECT_LIVE.
    pub const LIVE: u32 = 1;
    /// VIR_DOMAIN_AFFECT_CONFIG.
    pub const CONFIG: u32 = 2;
    /// Both.
    pub const BOTH: u32 = LIVE | CONFIG;

    /// libvirt's `virDomainObjUpdateModificationImpact`: resolves AFFECT_CURRENT (0) to LIVE
    /// for an `active` domain and CONFIG otherwise, then refuses LIVE on an inactive domain
    /// and CONFIG on a transient one. Returns (live, config).
    pub fn impact(flags: u32, active: bool, persistent: bool) -> crate::Result<(bool, bool)> {
        let mut flags = flags & BOTH;
        if flags == 0 {
            flags = if active { LIVE } else { CONFIG };
        }
        if !active && flags & LIVE != 0 {
            return Err(crate::Error::not_running());
        }
        if !persistent && flags & CONFIG != 0 {
            return Err(crate::Error::no_persistent_config());
        }
        Ok((flags & LIVE != 0, flags & CONFIG != 0))
    }

    /// libvirt's check that AFFECT_LIVE and AFFECT_CONFIG are not both given.
    pub fn check_exclusive(flags: u32) -> crate::Result<()> {
        super::exclusive(
            flags,
            LIVE,
            CONFIG,
            "VIR_DOMAIN_AFFECT_LIVE",
            "VIR_DOMAIN_AFFECT_CONFIG",
        )
    }
}

/// VIR_TYPED_PARAM_STRING_OKAY, accepted by the parameter getters.
pub const TYPED_PARAM_STRING_OKAY: u32 = 4;

/// `virConnectListAllDomainsFlags`.
pub mod list {
    pub const ACTIVE: u32 = 1;
    pub const INACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const RUNNING: u32 = 16;
    pub const PAUSED: u32 = 32;
    pub const SHUTOFF: u32 = 64;
    pub const OTHER: u32 = 128;
    pub const MANAGEDSAVE: u32 = 256;
    pub const NO_MANAGEDSAVE: u32 = 512;
    pub const AUTOSTART: u32 = 1024;
    pub const NO_AUTOSTART: u32 = 2048;
    pub const HAS_SNAPSHOT: u32 = 4096;
    pub const NO_SNAPSHOT: u32 = 8192;
    pub const HAS_CHECKPOINT: u32 = 16384;
    pub const NO_CHECKPOINT: u32 = 32768;
    /// Every filter flag.
    pub const ALL: u32 = 0xffff;
}

/// `virConnectGetAllDomainStatsFlags` and `virDomainStatsTypes`.
pub mod stats {
    /// The filter flags the stats API shares with the listing API (ACTIVE ... OTHER).
    pub const FILTERS: u32 = 0xff;
    pub const NOWAIT: u32 = 1 << 29;
    pub const BACKING: u32 = 1 << 30;
    pub const ENFORCE: u32 = 1 << 31;
    /// VIR_DOMAIN_STATS_STATE.
    pub const STATE: u32 = 1;
    /// VIR_DOMAIN_STATS_CPU_TOTAL.
    pub const CPU_TOTAL: u32 = 2;
    /// VIR_DOMAIN_STATS_BALLOON.
    pub const BALLOON: u32 = 4;
    /// VIR_DOMAIN_STATS_VCPU.
    pub const VCPU: u32 = 8;
    /// VIR_DOMAIN_STATS_INTERFACE.
    pub const INTERFACE: u32 = 16;
    /// VIR_DOMAIN_STATS_BLOCK.
    pub const BLOCK: u32 = 32;
    /// VIR_DOMAIN_STATS_IOTHREAD.
    pub const IOTHREAD: u32 = 128;
    /// The groups libvirt 9.0's test driver reports.
    pub const SUPPORTED: u32 = STATE | IOTHREAD;

    /// Checks the flags of virConnectGetAllDomainStats/virDomainListGetStats for `function`
    /// and returns the groups to report out of `requested`: all the driver reports
    /// (`supported`) for 0, else the requested ones it reports; with ENFORCE, asking for a
    /// group it does not report is an error (libvirt's `virDomainStatsGetTypes` rule).
    pub fn requested_groups(
        requested: u32,
        flags: u32,
        supported: u32,
        function: &str,
    ) -> crate::error::Result<u32> {
        super::check_flags(flags, FILTERS | NOWAIT | BACKING | ENFORCE, function)?;
        if flags & ENFORCE != 0 && requested & !supported != 0 {
            return Err(crate::error::Error::ArgumentUnsupported(format!(
                "Stats types bits 0x{:x} are not supported by this daemon",
                requested & !supported
            )));
        }
        Ok(if requested == 0 {
            supported
        } else {
            requested & supported
        })
    }
}

/// `virDomainUndefineFlagsValues` the test driver accepts.
pub mod undefine {
    pub const MANAGED_SAVE: u32 = 1;
    pub const SNAPSHOTS_METADATA: u32 = 2;
    /// VIR_DOMAIN_UNDEFINE_NVRAM.
    pub const NVRAM: u32 = 4;
    /// VIR_DOMAIN_UNDEFINE_KEEP_NVRAM.
    pub const KEEP_NVRAM: u32 = 8;
    /// VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.
    pub const CHECKPOINTS_METADATA: u32 = 16;
    /// VIR_DOMAIN_UNDEFINE_TPM.
    pub const TPM: u32 = 32;
    /// VIR_DOMAIN_UNDEFINE_KEEP_TPM.
    pub const KEEP_TPM: u32 = 64;
}

/// `virDomainXMLFlags` the test driver accepts.
pub mod xml {
    pub const SECURE: u32 = 1;
    pub const INACTIVE: u32 = 2;
    pub const MIGRATABLE: u32 = 8;
}

/// `virDomainCoreDumpFlags`.
pub mod dump {
    pub const CRASH: u32 = 1;
    pub const LIVE: u32 = 2;
    pub const RESET: u32 = 16;
}

/// `virDomainVcpuFlags`: VIR_DOMAIN_VCPU_MAXIMUM.
pub const VCPU_MAXIMUM: u32 = 4;
/// `virDomainMemoryModFlags`: VIR_DOMAIN_MEM_MAXIMUM.
pub const MEM_MAXIMUM: u32 = 4;

/// `virDomainMemoryFlags` of virDomainMemoryPeek.
pub mod memory {
    pub const VIRTUAL: u32 = 1;
    pub const PHYSICAL: u32 = 2;
}

/// `virDomainSaveRestoreFlags` accepted by managed save and save image definition.
pub mod save {
    pub const BYPASS_CACHE: u32 = 1;
    pub const RUNNING: u32 = 2;
    pub const PAUSED: u32 = 4;
}

/// `virDomainCreateFlags`.
pub mod start {
    /// VIR_DOMAIN_START_PAUSED.
    pub const PAUSED: u32 = 1;
    /// VIR_DOMAIN_START_AUTODESTROY.
    pub const AUTODESTROY: u32 = 2;
    /// VIR_DOMAIN_START_BYPASS_CACHE.
    pub const BYPASS_CACHE: u32 = 4;
    /// VIR_DOMAIN_START_FORCE_BOOT.
    pub const FORCE_BOOT: u32 = 8;
    /// VIR_DOMAIN_START_VALIDATE.
    pub const VALIDATE: u32 = 16;
}

/// `virDomainShutdownFlagValues` / `virDomainRebootFlagValues` (the same bits).
pub mod power {
    /// VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN.
    pub const ACPI_POWER_BTN: u32 = 1;
    /// VIR_DOMAIN_SHUTDOWN_GUEST_AGENT.
    pub const GUEST_AGENT: u32 = 2;
}

/// VIR_DOMAIN_DEFINE_VALIDATE.
pub const DEFINE_VALIDATE: u32 = 1;
/// VIR_DOMAIN_START_VALIDATE.
pub const START_VALIDATE: u32 = 16;
/// VIR_DOMAIN_DESTROY_GRACEFUL.
pub const DESTROY_GRACEFUL: u32 = 1;
/// Every `virDomainRebootFlagValues` bit (ACPI, guest agent, initctl, signal, paravirt).
pub const REBOOT_ALL: u32 = 0x1f;
/// VIR_DOMAIN_TIME_SYNC.
pub const TIME_SYNC: u32 = 1;
/// VIR_DOMAIN_SAVE_IMAGE_XML_SECURE.
pub const SAVE_IMAGE_XML_SECURE: u32 = 1;
/// `virDomainMigrateFlags` that libvirt's public API checks before the driver.
pub mod migrate {
    pub const PEER2PEER: u32 = 2;
    pub const TUNNELLED: u32 = 4;
    pub const NON_SHARED_DISK: u32 = 64;
    pub const NON_SHARED_INC: u32 = 128;
    pub const OFFLINE: u32 = 1024;
    pub const PARALLEL: u32 = 131_072;
}

/// The snapshot listing flags the test driver accepts (ROOTS, TOPOLOGICAL and every filter).
pub const SNAPSHOT_LIST_ALL: u32 = 0x7ff;

/// `virDomainSnapshotCreateFlags`.
pub mod snapshot_create {
    pub const REDEFINE: u32 = 1;
    pub const CURRENT: u32 = 2;
    pub const NO_METADATA: u32 = 4;
    pub const HALT: u32 = 8;
    pub const QUIESCE: u32 = 64;
    pub const ATOMIC: u32 = 128;
    pub const LIVE: u32 = 256;
    pub const VALIDATE: u32 = 512;
    /// The flags the test driver accepts.
    pub const ACCEPTED: u32 = REDEFINE | CURRENT | HALT | QUIESCE | ATOMIC | LIVE | VALIDATE;
}

/// VIR_DOMAIN_SNAPSHOT_XML_SECURE.
pub const SNAPSHOT_XML_SECURE: u32 = 1;

/// `virDomainSnapshotDeleteFlags` the test driver accepts.
pub mod snapshot_delete {
    pub const CHILDREN: u32 = 1;
    pub const CHILDREN_ONLY: u32 = 4;
}

/// `virDomainSnapshotRevertFlags` the test driver accepts.
pub mod snapshot_revert {
    pub const RUNNING: u32 = 1;
    pub const PAUSED: u32 = 2;
    pub const FORCE: u32 = 4;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_outside_the_allowed_set_fail() {
        assert!(check_flags(3, 3, "virDomainFoo").is_ok());
        assert_eq!(
            check_flags(5, 1, "virDomainFoo").unwrap_err().to_string(),
            "unsupported flags (0x4) in function virDomainFoo"
        );
    }

    #[test]
    fn modification_impact_follows_the_domain() {
        use affect::{impact, BOTH, CONFIG, LIVE};
        assert_eq!(impact(0, true, true), Ok((true, false)));
        assert_eq!(impact(0, false, true), Ok((false, true)));
        assert_eq!(impact(BOTH, true, true), Ok((true, true)));
        assert_eq!(impact(LIVE, false, true), Err(Error::not_running()));
        assert_eq!(
            impact(CONFIG, true, false).unwrap_err().to_string(),
            "Requested operation is not valid: transient domains do not have any persistent config"
        );
    }

    #[test]
    fn live_and_config_exclude_each_other() {
        assert!(affect::check_exclusive(affect::LIVE).is_ok());
        assert_eq!(
            affect::check_exclusive(affect::BOTH)
                .unwrap_err()
                .to_string(),
            "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive"
        );
    }
}

/// `virConnectListAllNetworksFlags`.
pub mod network_list {
    pub const INACTIVE: u32 = 1;
    pub const ACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const AUTOSTART: u32 = 16;
    pub const NO_AUTOSTART: u32 = 32;
    /// VIR_CONNECT_LIST_NETWORKS_FILTERS_ALL.
    pub const ALL: u32 = 0x3f;
}

/// `virConnectListAllStoragePoolsFlags`: state filters, then one bit per pool type
/// ([`crate::model::PoolType::list_flag`]).
pub mod storage_pool_list {
    pub const INACTIVE: u32 = 1;
    pub const ACTIVE: u32 = 2;
    pub const PERSISTENT: u32 = 4;
    pub const TRANSIENT: u32 = 8;
    pub const AUTOSTART: u32 = 16;
    pub const NO_AUTOSTART: u32 = 32;
    /// The pool type bits (DIR = 64 ... ISCSI_DIRECT = 1 << 19).
    pub const TYPES: u32 = 0xfffc0;
    /// VIR_CONNECT_LIST_STORAGE_POOLS_FILTERS_ALL.
    pub const ALL: u32 = 0xfffff;
}

/// `virStoragePoolDefineFlags`: VIR_STORAGE_POOL_DEFINE_VALIDATE.
pub const STORAGE_POOL_DEFINE_VALIDATE: u32 = 1;

/// `virNetworkXMLFlags`: VIR_NETWORK_XML_INACTIVE.
pub const NETWORK_XML_INACTIVE: u32 = 1;

/// `virNetworkDefineFlags`: VIR_NETWORK_DEFINE_VALIDATE.
pub const NETWORK_DEFINE_VALIDATE: u32 = 1;

/// `virNetworkUpdateFlags`.
pub mod network_update {
    /// VIR_NETWORK_UPDATE_AFFECT_CURRENT.
    pub const AFFECT_CURRENT: u32 = 0;
    pub const AFFECT_LIVE: u32 = 1;
    pub const AFFECT_CONFIG: u32 = 2;
}

/// `virConnectListAllSecretsFlags`.
pub mod secret_list {
    pub const EPHEMERAL: u32 = 1;
    pub const NO_EPHEMERAL: u32 = 2;
    pub const PRIVATE: u32 = 4;
    pub const NO_PRIVATE: u32 = 8;
    /// Every filter flag.
    pub const ALL: u32 = 0xf;
}

/// `virSecretDefineFlags`: VIR_SECRET_DEFINE_VALIDATE.
pub const SECRET_DEFINE_VALIDATE: u32 = 1;

/// `virNWFilterDefineFlags`: VIR_NWFILTER_DEFINE_VALIDATE.
pub const NWFILTER_DEFINE_VALIDATE: u32 = 1;

/// `virConnectListAllNodeDeviceFlags`: one bit per capability; a device matches a bit through
/// [`crate::model::NodeDevCap::list_flags`].
pub mod node_device_list {
    /// `system`: the host.
    pub const CAP_SYSTEM: u32 = 1 << 0;
    /// `pci`: a PCI function (with or without `virt_functions`/`phys_function`).
    pub const CAP_PCI_DEV: u32 = 1 << 1;
    /// `usb_device`: a USB device.
    pub const CAP_USB_DEV: u32 = 1 << 2;
    /// `usb`: an interface of a USB device.
    pub const CAP_USB_INTERFACE: u32 = 1 << 3;
    /// `net`: a network interface (whatever its `80203`/`80211` sub-capability).
    pub const CAP_NET: u32 = 1 << 4;
    /// `scsi_host`: a SCSI host adapter.
    pub const CAP_SCSI_HOST: u32 = 1 << 5;
    /// `scsi_target`: a SCSI target.
    pub const CAP_SCSI_TARGET: u32 = 1 << 6;
    /// `scsi`: a SCSI logical unit.
    pub const CAP_SCSI: u32 = 1 << 7;
    /// `storage`: a block device.
    pub const CAP_STORAGE: u32 = 1 << 8;
    /// A `scsi_host` with the `fc_host` sub-capability.
    pub const CAP_FC_HOST: u32 = 1 << 9;
    /// A `scsi_host` with the `vport_ops` sub-capability.
    pub const CAP_VPORTS: u32 = 1 << 10;
    /// `scsi_generic` (not modelled).
    pub const CAP_SCSI_GENERIC: u32 = 1 << 11;
    /// `drm` (not modelled).
    pub const CAP_DRM: u32 = 1 << 12;
    /// A device with `mdev_types` (not modelled).
    pub const CAP_MDEV_TYPES: u32 = 1 << 13;
    /// `mdev` (not modelled).
    pub const CAP_MDEV: u32 = 1 << 14;
    /// `ccw` (not modelled).
    pub const CAP_CCW_DEV: u32 = 1 << 15;
    /// `css` (not modelled).
    pub const CAP_CSS_DEV: u32 = 1 << 16;
    /// `vdpa` (not modelled).
    pub const CAP_VDPA: u32 = 1 << 17;
    /// `ap_card` (not modelled).
    pub const CAP_AP_CARD: u32 = 1 << 18;
    /// `ap_queue` (not modelled).
    pub const CAP_AP_QUEUE: u32 = 1 << 19;
    /// `ap_matrix` (not modelled).
    pub const CAP_AP_MATRIX: u32 = 1 << 20;
    /// A PCI device with `vpd` (not modelled).
    pub const CAP_VPD: u32 = 1 << 21;
    /// VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP in libvirt 9.0: every capability bit. The
    /// INACTIVE (1 << 30) and ACTIVE (1 << 31) filters are not among them: libvirt's test
    /// driver refuses them.
    pub const FILTERS_CAP: u32 = (1 << 22) - 1;
}

/// `virConnectListAllInterfacesFlags`.
pub mod interface_list {
    pub const INACTIVE: u32 = 1;
    pub const ACTIVE: u32 = 2;
    /// Both filters.
    pub const ALL: u32 = 3;
}

/// `virInterfaceXMLFlags`: VIR_INTERFACE_XML_INACTIVE.
pub const INTERFACE_XML_INACTIVE: u32 = 1;

/// `virInterfaceDefineFlags`: VIR_INTERFACE_DEFINE_VALIDATE.
pub const INTERFACE_DEFINE_VALIDATE: u32 = 1;
