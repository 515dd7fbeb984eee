//! Bounds and conversions for `org.libvirt.Domain` arguments and results.
//!
//! Every size or count the service would allocate or loop over is checked here before a driver
//! is called, with libvirt's wording. The limits are those of libvirt's own remote protocol
//! (`remote_protocol.x`), so a client that worked against libvirtd never meets them. Results are
//! converted to the exact D-Bus shapes libvirt-dbus replies with.

use std::collections::HashMap;

use virtbus_core::{driver::JobInfo, state::StateReason, Error as CoreError};

use crate::bus::error::Error;

/// The most bytes one `BlockPeek` or `MemoryPeek` may ask for (libvirt's
/// `REMOTE_DOMAIN_BLOCK_PEEK_BUFFER_MAX` and `REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX`).
pub const PEEK_MAX: u64 = 4 * 1024 * 1024;

/// The most key codes one `SendKey` may carry (`VIR_DOMAIN_SEND_KEY_MAX_KEYS`).
pub const SEND_KEY_MAX_KEYS: usize = 16;

/// The most host CPUs a CPU map may name: `REMOTE_CPUMAP_MAX` (2048 bytes) times 8 bits.
pub const CPUMAP_MAX: usize = 2048 * 8;

/// The most mount points one `FSFreeze` or `FSThaw` may name
/// (`REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX`).
pub const MOUNTPOINTS_MAX: usize = 256;

/// The most file descriptors one `CreateWithFiles` may pass.
pub const FILES_MAX: usize = 256;

/// The longest string argument the service parses or stores (`REMOTE_STRING_MAX`).
pub const STRING_MAX: usize = 4 * 1024 * 1024;

/// `VIR_MEMORY_VIRTUAL`.
const MEMORY_VIRTUAL: u32 = 1;
/// `VIR_MEMORY_PHYSICAL`.
const MEMORY_PHYSICAL: u32 = 2;

/// libvirt's "invalid argument: ..." error.
fn invalid_arg(text: String) -> Error {
    CoreError::InvalidArg(text).into()
}

/// "NAME length greater than maximum: N > MAX", for a list or string longer than its bound.
fn too_long(what: &str, len: usize, max: usize) -> Error {
    invalid_arg(format!("{what} length greater than maximum: {len} > {max}"))
}

/// The size of a `BlockPeek` (`kind` "block") or `MemoryPeek` (`kind` "memory") as a buffer
/// length, refused above [`PEEK_MAX`].
pub fn peek_size(kind: &str, size: u64) -> Result<usize, Error> {
    if size > PEEK_MAX {
        return Err(invalid_arg(format!(
            "{kind} peek request too large for remote protocol, {size} > {PEEK_MAX}"
        )));
    }
    usize::try_from(size).map_err(|_| {
        invalid_arg(format!(
            "{kind} peek request too large for remote protocol, {size} > {PEEK_MAX}"
        ))
    })
}

/// `virDomainMemoryPeek` takes exactly one of `VIR_MEMORY_VIRTUAL` and `VIR_MEMORY_PHYSICAL`;
/// other bits are left for the driver's own flag check.
pub fn memory_peek_flags(flags: u32) -> Result<(), Error> {
    let both = MEMORY_VIRTUAL | MEMORY_PHYSICAL;
    if flags & both == both {
        Err(Error::Error(
            "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive"
                .to_owned(),
        ))
    } else if flags & both == 0 {
        Err(invalid_arg(
            "flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL".to_owned(),
        ))
    } else {
        Ok(())
    }
}

/// A string argument that libvirt refuses when empty ("string disk in virDomainBlockPeek must
/// not be empty").
pub fn non_empty(what: &str, api: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::Error(format!(
            "string {what} in {api} must not be empty"
        )));
    }
    Ok(())
}

/// A string argument no longer than [`STRING_MAX`] bytes.
pub fn string(what: &str, value: &str) -> Result<(), Error> {
    if value.len() > STRING_MAX {
        return Err(too_long(what, value.len(), STRING_MAX));
    }
    Ok(())
}

/// The key codes of `SendKey`: at least one, at most [`SEND_KEY_MAX_KEYS`], as libvirt-dbus
/// words it.
pub fn keycodes(keycodes: &[u32]) -> Result<(), Error> {
    if keycodes.is_empty() {
        return Err(Error::Error(
            "keycodes in virDomainSendKey must not be NULL".to_owned(),
        ));
    }
    if keycodes.len() > SEND_KEY_MAX_KEYS {
        return Err(Error::Error(format!(
            "nkeycodes must be <= {SEND_KEY_MAX_KEYS}"
        )));
    }
    Ok(())
}

/// A CPU map argument of the libvirt function `api`: not empty (libvirt sees an empty map as
/// NULL) and no longer than [`CPUMAP_MAX`].
pub fn cpumap(map: &[bool], what: &str, api: &str) -> Result<(), Error> {
    if map.is_empty() {
        return Err(Error::Error(format!("{what} in {api} must not be NULL")));
    }
    if map.len() > CPUMAP_MAX {
        return Err(too_long(what, map.len(), CPUMAP_MAX));
    }
    Ok(())
}

/// The mount points of `FSFreeze`/`FSThaw`: at most [`MOUNTPOINTS_MAX`], each a bounded
/// string. An empty list means every file system.
pub fn mountpoints(list: &[String]) -> Result<(), Error> {
    if list.len() > MOUNTPOINTS_MAX {
        return Err(too_long("mountpoints", list.len(), MOUNTPOINTS_MAX));
    }
    list.iter().try_for_each(|m| string("mountpoint", m))
}

/// The number of file descriptors of `CreateWithFiles`, at most [`FILES_MAX`].
pub fn files(count: usize) -> Result<(), Error> {
    if count > FILES_MAX {
        return Err(too_long("files", count, FILES_MAX));
    }
    Ok(())
}

/// The `Id` property: libvirt's -1 for an inactive domain reads as 0, as in libvirt-dbus.
pub fn domain_id(id: i32) -> u32 {
    u32::try_from(id).unwrap_or(0)
}

/// `GetState`'s `(ii)`: the state number and its reason.
pub fn state(state: StateReason) -> (i32, i32) {
    (state.state as i32, state.reason)
}

/// `GetJobInfo`'s `(ittttttttttt)`: the job type, then the eleven counters in libvirt's
/// `virDomainJobInfo` order.
pub fn job_info(
    (kind, c): JobInfo,
) -> (i32, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64) {
    (
        kind, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10],
    )
}

/// `MemoryStats`'s `a{it}`: tag to value. A tag reported twice keeps its last value.
pub fn memory_stats(stats: Vec<(i32, u64)>) -> HashMap<i32, u64> {
    stats.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use virtbus_core::state::DomainState;
    use zbus::DBusError as _;

    use super::*;

    fn text(e: Error) -> String {
        assert_eq!(e.name().as_str(), "org.libvirt.Error");
        e.description().unwrap_or_default().to_owned()
    }

    #[test]
    fn peeks_are_bounded_at_four_mebibytes() {
        assert_eq!(peek_size("block", 0).unwrap(), 0);
        assert_eq!(peek_size("block", PEEK_MAX).unwrap(), 4_194_304);
        assert_eq!(
            text(peek_size("block", PEEK_MAX + 1).unwrap_err()),
            "invalid argument: block peek request too large for remote protocol, 4194305 > 4194304"
        );
        assert_eq!(
            text(peek_size("memory", u64::MAX).unwrap_err()),
            format!(
                "invalid argument: memory peek request too large for remote protocol, {} > 4194304",
                u64::MAX
            )
        );
    }

    #[test]
    fn memory_peek_needs_exactly_one_address_space() {
        assert!(memory_peek_flags(1).is_ok());
        assert!(memory_peek_flags(2).is_ok());
        for bad in [0, 4] {
            assert_eq!(
                text(memory_peek_flags(bad).unwrap_err()),
                "invalid argument: flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL"
            );
        }
        for both in [3, u32::MAX] {
            assert_eq!(
                text(memory_peek_flags(both).unwrap_err()),
                "Flags 'VIR_MEMORY_VIRTUAL' and 'VIR_MEMORY_PHYSICAL' are mutually exclusive"
            );
        }
    }

    #[test]
    fn send_key_takes_one_to_sixteen_codes() {
        assert!(keycodes(&[1]).is_ok());
        assert!(keycodes(&[0; 16]).is_ok());
        assert_eq!(
            text(keycodes(&[0; 17]).unwrap_err()),
            "nkeycodes must be <= 16"
        );
        assert_eq!(
            text(keycodes(&[]).unwrap_err()),
            "keycodes in virDomainSendKey must not be NULL"
        );
    }

    #[test]
    fn cpumaps_are_neither_empty_nor_huge() {
        assert!(cpumap(&[true], "cpumap", "virDomainPinVcpuFlags").is_ok());
        assert!(cpumap(&vec![false; CPUMAP_MAX], "cpumap", "virDomainPinVcpuFlags").is_ok());
        assert_eq!(
            text(cpumap(&[], "cpumap", "virDomainPinVcpuFlags").unwrap_err()),
            "cpumap in virDomainPinVcpuFlags must not be NULL"
        );
        assert_eq!(
            text(
                cpumap(
                    &vec![true; CPUMAP_MAX + 1],
                    "cpumap",
                    "virDomainPinEmulator"
                )
                .unwrap_err()
            ),
            "invalid argument: cpumap length greater than maximum: 16385 > 16384"
        );
    }

    #[test]
    fn lists_and_strings_are_bounded() {
        assert!(mountpoints(&[]).is_ok());
        assert!(mountpoints(&vec!["/".to_owned(); MOUNTPOINTS_MAX]).is_ok());
        assert_eq!(
            text(mountpoints(&vec!["/".to_owned(); MOUNTPOINTS_MAX + 1]).unwrap_err()),
            "invalid argument: mountpoints length greater than maximum: 257 > 256"
        );
        assert!(mountpoints(&["x".repeat(STRING_MAX + 1)]).is_err());
        assert!(files(FILES_MAX).is_ok());
        assert!(files(FILES_MAX + 1).is_err());
        assert!(string("xml", &"x".repeat(STRING_MAX)).is_ok());
        assert!(string("xml", &"x".repeat(STRING_MAX + 1)).is_err());
        assert_eq!(
            text(non_empty("disk", "virDomainBlockPeek", "").unwrap_err()),
            "string disk in virDomainBlockPeek must not be empty"
        );
        assert!(non_empty("disk", "virDomainBlockPeek", "vda").is_ok());
    }

    #[test]
    fn inactive_domains_have_id_zero() {
        assert_eq!(domain_id(-1), 0);
        assert_eq!(domain_id(i32::MIN), 0);
        assert_eq!(domain_id(0), 0);
        assert_eq!(domain_id(7), 7);
        assert_eq!(domain_id(i32::MAX), 2_147_483_647);
    }

    #[test]
    fn results_take_libvirt_dbus_shapes() {
        assert_eq!(
            job_info((2, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])),
            (2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
        );
        assert_eq!(state(StateReason::new(DomainState::Paused, 1)), (3, 1));
        let stats = memory_stats(vec![(6, 2_097_152), (4, 1_048_576), (6, 5)]);
        assert_eq!(stats.len(), 2);
        assert_eq!(stats[&6], 5);
        assert_eq!(stats[&4], 1_048_576);
    }
}
