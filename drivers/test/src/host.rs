//! Facts about the test driver's simulated host, as libvirt 9.0's `test:///default` reports
//! them: capabilities, sysinfo, node CPU map and statistics.

use std::fmt::Write as _;

/// `virConnectGetCapabilities`: built like libvirt's test driver builds it, with one `<cell>`
/// per entry of [`CELLS`] and one `<guest>` per entry of [`GUEST_OS_TYPES`].
pub fn capabilities() -> String {
    let mut out = String::from(CAPABILITIES_HEAD);
    write_topology(&mut out);
    out.push_str(CAPABILITIES_SECMODEL);
    for os_type in GUEST_OS_TYPES {
        write_guest(&mut out, os_type);
    }
    out.push_str("</capabilities>\n");
    out
}

/// The capabilities up to the inside of `<topology>`.
const CAPABILITIES_HEAD: &str = r#"<capabilities>

  <host>
    <cpu>
      <arch>i686</arch>
      <features>
        <pae/>
        <nonpae/>
      </features>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='8'/>
      <pages unit='KiB' size='2048'/>
      <pages unit='KiB' size='1048576'/>
    </cpu>
    <power_management/>
    <iommu support='no'/>
    <topology>
"#;

/// The capabilities from the end of `<topology>` to the end of `<host>`.
const CAPABILITIES_SECMODEL: &str = r#"    </topology>
    <secmodel>
      <model>testSecurity</model>
      <doi></doi>
    </secmodel>
  </host>

"#;

/// The guest OS types, each on the same i686 test machine.
const GUEST_OS_TYPES: [&str; 2] = ["hvm", "xen"];

/// The NUMA cells: (memory in KiB, size in KiB of the cell's own page size). All of a cell's
/// memory is counted free in pages of that size; the huge page sizes have none free.
const CELLS: [(u64, u64); 2] = [(2_097_152, 4), (4_194_304, 8)];

/// The huge page sizes every cell lists, KiB.
const HUGE_PAGES: [u64; 2] = [2048, 1_048_576];

/// CPUs per cell: one core each, socket = cell, core = the CPU's place in its cell.
const CPUS_PER_CELL: usize = 8;

/// The `<cells>` element inside `<topology>`, one `<cell>` per entry of [`CELLS`].
fn write_topology(out: &mut String) {
    let _ = writeln!(out, "      <cells num='{}'>", CELLS.len());
    for (cell, (memory, page)) in CELLS.into_iter().enumerate() {
        let _ = writeln!(out, "        <cell id='{cell}'>");
        let _ = writeln!(out, "          <memory unit='KiB'>{memory}</memory>");
        let free = [(page, memory / page)].into_iter();
        for (size, count) in free.chain(HUGE_PAGES.map(|size| (size, 0))) {
            let _ = writeln!(
                out,
                "          <pages unit='KiB' size='{size}'>{count}</pages>"
            );
        }
        let _ = writeln!(out, "          <cpus num='{CPUS_PER_CELL}'>");
        for core in 0..CPUS_PER_CELL {
            let id = cell * CPUS_PER_CELL + core;
            let _ = writeln!(
                out,
                "            <cpu id='{id}' socket_id='{cell}' die_id='0' core_id='{core}' \
                 siblings='{id}'/>"
            );
        }
        out.push_str("          </cpus>\n        </cell>\n");
    }
    out.push_str("      </cells>\n");
}

/// One `<guest>` element and the blank line after it.
fn write_guest(out: &mut String, os_type: &str) {
    let _ = write!(
        out,
        r#"  <guest>
    <os_type>{os_type}</os_type>
    <arch name='i686'>
      <wordsize>32</wordsize>
      <emulator>/usr/bin/test-hv</emulator>
      <domain type='test'/>
    </arch>
    <features>
      <pae/>
      <nonpae/>
    </features>
  </guest>

"#
    );
}

/// `virConnectGetSysinfo`.
pub const SYSINFO: &str = r#"<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
"#;

/// `virConnectGetVersion`: the test hypervisor's version, 0.0.2.
pub const VERSION: u64 = 2;

/// `virConnectGetLibVersion`: libvirt 9.0.0.
pub const LIB_VERSION: u64 = 9_000_000;

/// `virNodeGetFreeMemory`: the sum of the two cells' free memory.
pub const FREE_MEMORY: u64 = 3_145_728;

/// `virConnectGetMaxVcpus`.
pub const MAX_VCPUS: u32 = 32;

/// `virNodeGetCPUMap`: 8 CPUs, online mask 0x15.
pub const CPU_MAP: [bool; 8] = [true, false, true, false, true, false, false, false];

/// `virNodeGetCPUStats`: the same counters for every CPU.
pub const CPU_STATS: [(&str, u64); 4] = [
    ("user", 9_797_400_000),
    ("kernel", 34_678_723_400_000),
    ("idle", 87_264_900_000),
    ("iowait", 763_600_000),
];

/// `virNodeGetSecurityModel`: (model, doi).
pub const SECURITY_MODEL: (&str, &str) = ("testSecurity", "");

#[cfg(test)]
mod tests {
    #[test]
    fn capabilities_list_both_cells_and_guests() {
        let caps = super::capabilities();
        assert!(caps.contains(
            "        <cell id='1'>\n          <memory unit='KiB'>4194304</memory>\n          \
             <pages unit='KiB' size='8'>524288</pages>\n"
        ));
        assert!(caps.contains(
            "            <cpu id='15' socket_id='1' die_id='0' core_id='7' siblings='15'/>\n          \
             </cpus>\n        </cell>\n      </cells>\n    </topology>\n"
        ));
        assert!(caps.ends_with(
            "    <os_type>xen</os_type>\n    <arch name='i686'>\n      \
            <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n      \
            <domain type='test'/>\n    </arch>\n    <features>\n      <pae/>\n      \
            <nonpae/>\n    </features>\n  </guest>\n\n</capabilities>\n"
        ));
    }
}
