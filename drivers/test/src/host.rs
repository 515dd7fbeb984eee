//! Facts about the test driver's simulated host, as libvirt 9.0's `test:///default` reports
//! them: capabilities, sysinfo, node CPU map and statistics.

/// `virConnectGetCapabilities`.
pub const CAPABILITIES: &str = r#"<capabilities>

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
      <cells num='2'>
        <cell id='0'>
          <memory unit='KiB'>2097152</memory>
          <pages unit='KiB' size='4'>524288</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <pages unit='KiB' size='1048576'>0</pages>
          <cpus num='8'>
            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0'/>
            <cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1'/>
            <cpu id='2' socket_id='0' die_id='0' core_id='2' siblings='2'/>
            <cpu id='3' socket_id='0' die_id='0' core_id='3' siblings='3'/>
            <cpu id='4' socket_id='0' die_id='0' core_id='4' siblings='4'/>
            <cpu id='5' socket_id='0' die_id='0' core_id='5' siblings='5'/>
            <cpu id='6' socket_id='0' die_id='0' core_id='6' siblings='6'/>
            <cpu id='7' socket_id='0' die_id='0' core_id='7' siblings='7'/>
          </cpus>
        </cell>
        <cell id='1'>
          <memory unit='KiB'>4194304</memory>
          <pages unit='KiB' size='8'>524288</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <pages unit='KiB' size='1048576'>0</pages>
          <cpus num='8'>
            <cpu id='8' socket_id='1' die_id='0' core_id='0' siblings='8'/>
            <cpu id='9' socket_id='1' die_id='0' core_id='1' siblings='9'/>
            <cpu id='10' socket_id='1' die_id='0' core_id='2' siblings='10'/>
            <cpu id='11' socket_id='1' die_id='0' core_id='3' siblings='11'/>
            <cpu id='12' socket_id='1' die_id='0' core_id='4' siblings='12'/>
            <cpu id='13' socket_id='1' die_id='0' core_id='5' siblings='13'/>
            <cpu id='14' socket_id='1' die_id='0' core_id='6' siblings='14'/>
            <cpu id='15' socket_id='1' die_id='0' core_id='7' siblings='15'/>
          </cpus>
        </cell>
      </cells>
    </topology>
    <secmodel>
      <model>testSecurity</model>
      <doi></doi>
    </secmodel>
  </host>

  <guest>
    <os_type>hvm</os_type>
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

  <guest>
    <os_type>xen</os_type>
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

</capabilities>
"#;

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
