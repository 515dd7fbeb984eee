//! The simulated guest: time, host name, file systems, disk errors, interface addresses,
//! keys, signals, NMI and memory.

use std::net::Ipv4Addr;

use uuid::Uuid;
use virtbus_core::{
    driver::{FsInfo, InterfaceAddresses},
    flags::{self, check_flags},
    Error, Result,
};

use crate::TestDriver;

/// Mount points the simulated guest has, in the order of `Runtime::frozen`.
const MOUNTS: [&str; 2] = ["/", "/boot"];

/// `virKeycodeSet` names, by codeset number.
const CODESETS: [&str; 10] = [
    "linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "usb", "win32", "qnum",
];

/// Most keys one `virDomainSendKey` call may press.
const MAX_KEYS: usize = 16;

/// Signals `virDomainSendProcessSignal` knows (VIR_DOMAIN_PROCESS_SIGNAL_LAST).
const SIGNAL_LAST: u32 = 65;

/// `virIPAddrType` IPv4.
const IP_ADDR_IPV4: i32 = 0;

/// Whether `code` exists in `codeset`. An approximation of libvirt's keymap tables: the
/// range each codeset's table covers.
fn key_exists(codeset: u32, code: u32) -> bool {
    let limit = match codeset {
        0 => 0x250,  // linux
        1 => 0x80,   // xt
        2 => 0xe080, // atset1
        3 => 0xe080, // atset2
        4 => 0x100,  // atset3
        5 => 0x80,   // os_x
        6 => 0x100,  // xt_kbd
        7 => 0x100,  // usb
        8 => 0x100,  // win32
        _ => 0x100,  // qnum
    };
    code < limit
}

/// The first address and prefix the test network `name` hands out, if it exists.
fn network_range(name: &str) -> Option<(Ipv4Addr, u32)> {
    (name == "default").then_some((Ipv4Addr::new(192, 168, 122, 2), 24))
}

impl TestDriver {
    /// virDomainGetTime: RUNNING only.
    pub(crate) fn op_time(&self, uuid: &Uuid, flags: u32) -> Result<(u64, u32)> {
        check_flags(flags, 0, "testDomainGetTime")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            if !dom.is_running() {
                return Err(Error::not_running());
            }
            Ok((dom.rt.seconds as u64, dom.rt.nseconds))
        })
    }

    /// virDomainSetTime.
    pub(crate) fn op_set_time(
        &self,
        uuid: &Uuid,
        seconds: u64,
        nseconds: u32,
        flags: u32,
    ) -> Result<()> {
        check_flags(flags, flags::TIME_SYNC, "testDomainSetTime")?;
        self.with(|store, _| {
            let dom = store.get_mut(uuid)?;
            dom.check_active()?;
            dom.rt.seconds = seconds as i64;
            dom.rt.nseconds = nseconds;
            Ok(())
        })
    }

    /// virDomainGetHostname: the domain name followed by "host".
    pub(crate) fn op_guest_hostname(&self, uuid: &Uuid, flags: u32) -> Result<String> {
        check_flags(flags, 0, "testDomainGetHostname")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            Ok(format!("{}host", dom.name()))
        })
    }

    /// virDomainFSFreeze (`thaw` false) and virDomainFSThaw (`thaw` true): the number of
    /// file systems whose state changed.
    pub(crate) fn op_fs_freeze(
        &self,
        uuid: &Uuid,
        mountpoints: &[String],
        flags: u32,
        thaw: bool,
    ) -> Result<u32> {
        let function = if thaw {
            "testDomainFSThaw"
        } else {
            "testDomainFSFreeze"
        };
        check_flags(flags, 0, function)?;
        let freeze = !thaw;
        self.with(|store, _| {
            let dom = store.get_mut(uuid)?;
            dom.check_active()?;
            let mut frozen = dom.rt.frozen;
            let mut changed = 0;
            if mountpoints.is_empty() {
                for f in &mut frozen {
                    if *f != freeze {
                        *f = freeze;
                        changed += 1;
                    }
                }
            } else {
                for m in mountpoints {
                    let Some(i) = MOUNTS.iter().position(|x| x == m) else {
                        return Err(Error::OperationInvalid(format!(
                            "mount point not found: {m}"
                        )));
                    };
                    if frozen[i] != freeze {
                        frozen[i] = freeze;
                        changed += 1;
                    }
                }
            }
            dom.rt.frozen = frozen;
            Ok(changed)
        })
    }

    /// virDomainFSTrim: "/" and "/boot" exist ("" trims all).
    pub(crate) fn op_fs_trim(&self, uuid: &Uuid, mountpoint: &str, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainFSTrim")?;
        self.read(|store| {
            store.get(uuid)?.check_active()?;
            if !mountpoint.is_empty() && !MOUNTS.contains(&mountpoint) {
                return Err(Error::OperationInvalid(format!(
                    "mount point not found: {mountpoint}"
                )));
            }
            Ok(())
        })
    }

    /// virDomainGetFSInfo: "/" and "/boot" on the first disk.
    pub(crate) fn op_fs_info(&self, uuid: &Uuid, flags: u32) -> Result<Vec<FsInfo>> {
        check_flags(flags, 0, "testDomainGetFSInfo")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            let disk = dom
                .cur
                .devices
                .disks
                .iter()
                .find(|d| d.device.is_empty() || d.device == "disk");
            Ok(match disk {
                Some(d) => {
                    let dev = &d.target_dev;
                    vec![
                        (
                            "/".to_owned(),
                            format!("{dev}1"),
                            "ext4".to_owned(),
                            vec![dev.clone()],
                        ),
                        (
                            "/boot".to_owned(),
                            format!("{dev}2"),
                            "ext4".to_owned(),
                            vec![dev.clone()],
                        ),
                    ]
                }
                None => Vec::new(),
            })
        })
    }

    /// virDomainGetDiskErrors: one error per disk, alternating UNSPEC and NO_SPACE.
    pub(crate) fn op_disk_errors(&self, uuid: &Uuid, flags: u32) -> Result<Vec<(String, i32)>> {
        check_flags(flags, 0, "testDomainGetDiskErrors")?;
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            Ok(dom
                .cur
                .devices
                .disks
                .iter()
                .enumerate()
                .map(|(i, d)| (d.target_dev.clone(), (i % 2) as i32 + 1))
                .collect())
        })
    }

    /// virDomainInterfaceAddresses: one IPv4 address per interface, from the network's DHCP
    /// range for network interfaces, 192.168.0.N/24 otherwise.
    pub(crate) fn op_interface_addresses(
        &self,
        uuid: &Uuid,
        source: u32,
        flags: u32,
    ) -> Result<Vec<InterfaceAddresses>> {
        check_flags(flags, 0, "testDomainInterfaceAddresses")?;
        if source >= 3 {
            return Err(Error::ArgumentUnsupported(format!(
                "Unknown IP address data source {source}"
            )));
        }
        self.read(|store| {
            let dom = store.get(uuid)?;
            dom.check_active()?;
            let id = i64::from(dom.id);
            let mut out = Vec::new();
            for (i, net) in dom.cur.devices.interfaces.iter().enumerate() {
                let (addr, prefix) = if net.if_type == "network" {
                    let name = net.source.as_deref().unwrap_or("");
                    let (start, prefix) = network_range(name).ok_or_else(|| {
                        Error::NoNetwork(format!("no network with matching name '{name}'"))
                    })?;
                    let offset = 20 * (id - 1) + i as i64 + 1;
                    let ip = (i64::from(u32::from(start)) + offset) as u32;
                    (Ipv4Addr::from(ip).to_string(), prefix)
                } else {
                    (format!("192.168.0.{}", i + 1), 24)
                };
                out.push((
                    net.target_dev.clone().unwrap_or_default(),
                    net.mac.clone().unwrap_or_default(),
                    vec![(IP_ADDR_IPV4, addr, prefix)],
                ));
            }
            Ok(out)
        })
    }

    /// virDomainInjectNMI.
    pub(crate) fn op_inject_nmi(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        check_flags(flags, 0, "testDomainInjectNMI")?;
        self.read(|store| store.get(uuid)?.check_active())
    }

    /// virDomainSendKey.
    pub(crate) fn op_send_key(
        &self,
        uuid: &Uuid,
        codeset: u32,
        keycodes: &[u32],
        flags: u32,
    ) -> Result<()> {
        if keycodes.is_empty() {
            return Err(Error::InvalidArgBare(
                "keycodes in virDomainSendKey must not be NULL".to_owned(),
            ));
        }
        if keycodes.len() > MAX_KEYS {
            return Err(Error::InvalidArgBare(format!(
                "nkeycodes must be <= {MAX_KEYS}"
            )));
        }
        let Some(set_name) = CODESETS.get(codeset as usize) else {
            return Err(Error::InvalidArgBare(format!(
                "Unsupported codeset '{codeset}'"
            )));
        };
        check_flags(flags, 0, "testDomainSendKey")?;
        self.read(|store| {
            store.get(uuid)?.check_active()?;
            if let Some(bad) = keycodes.iter().find(|k| !key_exists(codeset, **k)) {
                return Err(Error::Internal(format!(
                    "invalid keycode {bad} of {set_name} codeset"
                )));
            }
            Ok(())
        })
    }

    /// virDomainSendProcessSignal: only to pid 1, and it does nothing.
    pub(crate) fn op_send_process_signal(
        &self,
        uuid: &Uuid,
        pid: i64,
        signum: u32,
        flags: u32,
    ) -> Result<()> {
        if pid == 0 {
            return Err(Error::InvalidArgBare(
                "pid_value in virDomainSendProcessSignal must not be zero".to_owned(),
            ));
        }
        check_flags(flags, 0, "testDomainSendProcessSignal")?;
        if pid != 1 {
            return Err(Error::InvalidArg(
                "only sending a signal to pid 1 is supported".to_owned(),
            ));
        }
        if signum >= SIGNAL_LAST {
            return Err(Error::InvalidArg(format!(
                "signum value {signum} is out of range"
            )));
        }
        self.read(|store| store.get(uuid).map(|_| ()))
    }

    /// virDomainMemoryPeek: bytes counting up from the low byte of `offset`.
    pub(crate) fn op_memory_peek(
        &self,
        uuid: &Uuid,
        offset: u64,
        size: usize,
        flags: u32,
    ) -> Result<Vec<u8>> {
        use flags::memory::{PHYSICAL, VIRTUAL};
        if flags & VIRTUAL != 0 && flags & PHYSICAL != 0 {
            return Err(Error::InvalidArgBare(
                "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive"
                    .to_owned(),
            ));
        }
        check_flags(flags, VIRTUAL | PHYSICAL, "testDomainMemoryPeek")?;
        if flags != VIRTUAL && flags != PHYSICAL {
            return Err(Error::InvalidArg(
                "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL".to_owned(),
            ));
        }
        self.read(|store| store.get(uuid)?.check_active())?;
        let start = offset as u8;
        Ok((0..size).map(|i| start.wrapping_add(i as u8)).collect())
    }

    /// virDomainSetUserPassword: accepted and ignored for an active domain.
    pub(crate) fn op_set_user_password(&self, uuid: &Uuid, flags: u32) -> Result<()> {
        // VIR_DOMAIN_PASSWORD_ENCRYPTED.
        check_flags(flags, 1, "testDomainSetUserPassword")?;
        self.read(|store| store.get(uuid)?.check_active())
    }
}
