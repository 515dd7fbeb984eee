//! Formats [`Capabilities`] and [`Sysinfo`] the way libvirt prints them
//! (`virCapabilitiesFormatXML`, `virSysinfoFormat`): the element order, the blank lines
//! around `<host>` and each `<guest>`, and `<pages>` before the CPUs of a cell.

use super::writer::{on_off, yes_no, XmlOut};
use crate::model::{Capabilities, CellCaps, GuestCaps, HostCaps, Sysinfo};

/// The `<capabilities>` document.
pub fn format_capabilities(caps: &Capabilities) -> String {
    let mut o = XmlOut::with_indent(1);
    write_host(&mut o, &caps.host);
    o.append("\n");
    for guest in &caps.guests {
        write_guest(&mut o, guest);
        o.append("\n");
    }
    format!("<capabilities>\n\n{}</capabilities>\n", o.finish())
}

fn write_host(o: &mut XmlOut, host: &HostCaps) {
    o.open("host", &[]);
    o.opt_text("uuid", host.uuid.as_deref());
    let cpu = &host.cpu;
    o.open("cpu", &[]);
    o.text("arch", &[], &cpu.arch);
    o.opt_text("model", cpu.model.as_deref());
    o.opt_text("vendor", cpu.vendor.as_deref());
    if let Some(t) = cpu.topology {
        o.empty(
            "topology",
            &[
                ("sockets", Some(t.sockets.to_string())),
                ("dies", Some(t.dies.to_string())),
                ("cores", Some(t.cores.to_string())),
                ("threads", Some(t.threads.to_string())),
            ],
        );
    }
    if !cpu.flag_features.is_empty() {
        o.open("features", &[]);
        for f in &cpu.flag_features {
            o.empty(f, &[]);
        }
        o.close("features");
    }
    for f in &cpu.features {
        o.empty("feature", &[("name", Some(f.clone()))]);
    }
    for size in &cpu.page_sizes_kib {
        o.empty(
            "pages",
            &[
                ("unit", Some("KiB".into())),
                ("size", Some(size.to_string())),
            ],
        );
    }
    o.close("cpu");
    if host.power_management.is_empty() {
        o.empty("power_management", &[]);
    } else {
        o.open("power_management", &[]);
        for p in &host.power_management {
            o.empty(p, &[]);
        }
        o.close("power_management");
    }
    if let Some(iommu) = host.iommu {
        o.empty("iommu", &[("support", yes_no(Some(iommu)))]);
    }
    if let Some(transports) = &host.migration_transports {
        o.open("migration_features", &[]);
        o.empty("live", &[]);
        if !transports.is_empty() {
            o.open("uri_transports", &[]);
            for t in transports {
                o.text("uri_transport", &[], t);
            }
            o.close("uri_transports");
        }
        o.close("migration_features");
    }
    if !host.cells.is_empty() {
        o.open("topology", &[]);
        o.open("cells", &[("num", Some(host.cells.len().to_string()))]);
        for cell in &host.cells {
            write_cell(o, cell);
        }
        o.close("cells");
        o.close("topology");
    }
    for sec in &host.secmodels {
        o.open("secmodel", &[]);
        o.text("model", &[], &sec.model);
        o.text("doi", &[], &sec.doi);
        for (kind, label) in &sec.base_labels {
            o.text("baselabel", &[("type", Some(kind.clone()))], label);
        }
        o.close("secmodel");
    }
    o.close("host");
}

fn write_cell(o: &mut XmlOut, cell: &CellCaps) {
    o.open("cell", &[("id", Some(cell.id.to_string()))]);
    o.text(
        "memory",
        &[("unit", Some("KiB".into()))],
        &cell.memory_kib.to_string(),
    );
    for (size, count) in &cell.pages {
        o.text(
            "pages",
            &[
                ("unit", Some("KiB".into())),
                ("size", Some(size.to_string())),
            ],
            &count.to_string(),
        );
    }
    if !cell.distances.is_empty() {
        o.open("distances", &[]);
        for (id, value) in &cell.distances {
            o.empty(
                "sibling",
                &[
                    ("id", Some(id.to_string())),
                    ("value", Some(value.to_string())),
                ],
            );
        }
        o.close("distances");
    }
    o.open("cpus", &[("num", Some(cell.cpus.len().to_string()))]);
    for cpu in &cell.cpus {
        o.empty(
            "cpu",
            &[
                ("id", Some(cpu.id.to_string())),
                ("socket_id", Some(cpu.socket_id.to_string())),
                ("die_id", Some(cpu.die_id.to_string())),
                ("core_id", Some(cpu.core_id.to_string())),
                ("siblings", Some(cpu.siblings.clone())),
            ],
        );
    }
    o.close("cpus");
    o.close("cell");
}

fn write_guest(o: &mut XmlOut, guest: &GuestCaps) {
    o.open("guest", &[]);
    o.text("os_type", &[], &guest.os_type);
    o.open("arch", &[("name", Some(guest.arch.clone()))]);
    o.text("wordsize", &[], &guest.wordsize.to_string());
    o.opt_text("emulator", guest.emulator.as_deref());
    for m in &guest.machines {
        o.text(
            "machine",
            &[
                ("canonical", m.canonical.clone()),
                ("maxCpus", m.max_cpus.map(|n| n.to_string())),
                ("deprecated", m.deprecated.then(|| "yes".to_owned())),
            ],
            &m.name,
        );
    }
    for t in &guest.domain_types {
        o.empty("domain", &[("type", Some(t.clone()))]);
    }
    o.close("arch");
    if !guest.features.is_empty() {
        o.open("features", &[]);
        for f in &guest.features {
            o.empty(
                &f.name,
                &[
                    ("default", on_off(f.default_on)),
                    ("toggle", yes_no(f.toggle)),
                ],
            );
        }
        o.close("features");
    }
    o.close("guest");
}

/// The `<sysinfo type='smbios'>` document.
pub fn format_sysinfo(info: &Sysinfo) -> String {
    let mut o = XmlOut::default();
    o.open("sysinfo", &[("type", Some("smbios".into()))]);
    let tables = [
        ("bios", &info.bios),
        ("system", &info.system),
        ("baseBoard", &info.base_board),
        ("chassis", &info.chassis),
    ];
    for (name, entries) in tables {
        if entries.is_empty() {
            continue;
        }
        o.open(name, &[]);
        for (key, value) in entries {
            o.text("entry", &[("name", Some(key.clone()))], value);
        }
        o.close(name);
    }
    o.close("sysinfo");
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        CellCpu, CpuTopology, GuestFeature, HostCpuCaps, MachineCaps, SecModelCaps,
    };

    #[test]
    fn a_qemu_host_prints_in_libvirts_order() {
        let caps = Capabilities {
            host: HostCaps {
                uuid: Some("4c4c4544-0000-1010-8000-b2c04f333231".into()),
                cpu: HostCpuCaps {
                    arch: "x86_64".into(),
                    vendor: Some("Intel".into()),
                    topology: Some(CpuTopology {
                        sockets: 1,
                        dies: 1,
                        cores: 2,
                        threads: 1,
                    }),
                    features: vec!["vmx".into()],
                    page_sizes_kib: vec![4, 2048],
                    ..HostCpuCaps::default()
                },
                iommu: Some(false),
                migration_transports: Some(vec!["tcp".into()]),
                cells: vec![CellCaps {
                    id: 0,
                    memory_kib: 1024,
                    pages: vec![(4, 256), (2048, 0)],
                    distances: vec![(0, 10)],
                    cpus: vec![CellCpu {
                        id: 0,
                        siblings: "0".into(),
                        ..CellCpu::default()
                    }],
                }],
                secmodels: vec![SecModelCaps {
                    model: "none".into(),
                    doi: "0".into(),
                    base_labels: vec![],
                }],
                ..HostCaps::default()
            },
            guests: vec![GuestCaps {
                os_type: "hvm".into(),
                arch: "x86_64".into(),
                wordsize: 64,
                emulator: Some("/usr/bin/qemu-system-x86_64".into()),
                machines: vec![
                    MachineCaps {
                        name: "pc-i440fx-7.2".into(),
                        max_cpus: Some(255),
                        ..MachineCaps::default()
                    },
                    MachineCaps {
                        name: "pc".into(),
                        canonical: Some("pc-i440fx-7.2".into()),
                        max_cpus: Some(255),
                        deprecated: false,
                    },
                ],
                domain_types: vec!["qemu".into()],
                features: vec![
                    GuestFeature::toggled("acpi", true, true),
                    GuestFeature::plain("cpuselection"),
                ],
            }],
        };
        let expected = "<capabilities>

  <host>
    <uuid>4c4c4544-0000-1010-8000-b2c04f333231</uuid>
    <cpu>
      <arch>x86_64</arch>
      <vendor>Intel</vendor>
      <topology sockets='1' dies='1' cores='2' threads='1'/>
      <feature name='vmx'/>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='2048'/>
    </cpu>
    <power_management/>
    <iommu support='no'/>
    <migration_features>
      <live/>
      <uri_transports>
        <uri_transport>tcp</uri_transport>
      </uri_transports>
    </migration_features>
    <topology>
      <cells num='1'>
        <cell id='0'>
          <memory unit='KiB'>1024</memory>
          <pages unit='KiB' size='4'>256</pages>
          <pages unit='KiB' size='2048'>0</pages>
          <distances>
            <sibling id='0' value='10'/>
          </distances>
          <cpus num='1'>
            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0'/>
          </cpus>
        </cell>
      </cells>
    </topology>
    <secmodel>
      <model>none</model>
      <doi>0</doi>
    </secmodel>
  </host>

  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <machine maxCpus='255'>pc-i440fx-7.2</machine>
      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
      <domain type='qemu'/>
    </arch>
    <features>
      <acpi default='on' toggle='yes'/>
      <cpuselection/>
    </features>
  </guest>

</capabilities>
";
        assert_eq!(format_capabilities(&caps), expected);
    }

    #[test]
    fn sysinfo_leaves_out_empty_tables_and_escapes_values() {
        let info = Sysinfo {
            bios: vec![("vendor".into(), "A & B".into())],
            chassis: vec![("serial".into(), "x'y".into())],
            ..Sysinfo::default()
        };
        assert_eq!(
            format_sysinfo(&info),
            "<sysinfo type='smbios'>\n  <bios>\n    <entry name='vendor'>A &amp; B</entry>\n  \
             </bios>\n  <chassis>\n    <entry name='serial'>x&apos;y</entry>\n  </chassis>\n\
             </sysinfo>\n"
        );
    }
}
