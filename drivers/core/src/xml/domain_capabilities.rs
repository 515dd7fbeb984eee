//! Formats [`DomainCaps`] the way libvirt 9.0 prints it (`virDomainCapsFormat`): element
//! order, `supported='yes|no'`, empty enums as `<enum name='...'/>`, and unsupported elements
//! printed empty.

use super::writer::{some, XmlOut};
use crate::model::{CapsElement, CapsEnum, CpuCaps, CpuModeCaps, DomainCaps, OsCaps};

/// `yes` or `no`.
fn yn(b: bool) -> Option<String> {
    Some(if b { "yes" } else { "no" }.to_owned())
}

/// The `<domainCapabilities>` document.
pub fn format_domain_capabilities(caps: &DomainCaps) -> String {
    let mut o = XmlOut::default();
    o.open("domainCapabilities", &[]);
    o.text("path", &[], &caps.path);
    o.text("domain", &[], &caps.domain);
    o.opt_text("machine", caps.machine.as_deref());
    o.text("arch", &[], &caps.arch);
    if let Some(max) = caps.vcpu_max {
        o.empty("vcpu", &[("max", some(&max))]);
    }
    if let Some(iothreads) = caps.iothreads {
        o.empty("iothreads", &[("supported", yn(iothreads))]);
    }
    if let Some(os) = &caps.os {
        write_os(&mut o, os);
    }
    if let Some(cpu) = &caps.cpu {
        write_cpu(&mut o, cpu);
    }
    if let Some(mb) = &caps.memory_backing {
        write_element(&mut o, mb);
    }
    if !caps.devices.is_empty() {
        o.open("devices", &[]);
        for d in &caps.devices {
            write_element(&mut o, d);
        }
        o.close("devices");
    }
    if !caps.features.is_empty() {
        o.open("features", &[]);
        for f in &caps.features {
            write_element(&mut o, f);
        }
        o.close("features");
    }
    o.close("domainCapabilities");
    o.finish()
}

fn write_enum(o: &mut XmlOut, e: &CapsEnum) {
    let attrs = [("name", Some(e.name.clone()))];
    if e.values.is_empty() {
        o.empty("enum", &attrs);
        return;
    }
    o.open("enum", &attrs);
    for v in &e.values {
        o.text("value", &[], v);
    }
    o.close("enum");
}

/// An element with `supported` and, when supported, its values and enums.
fn write_element(o: &mut XmlOut, el: &CapsElement) {
    let attrs = [("supported", yn(el.supported))];
    if !el.supported || (el.values.is_empty() && el.enums.is_empty()) {
        o.empty(&el.name, &attrs);
        return;
    }
    o.open(&el.name, &attrs);
    for v in &el.values {
        o.text("value", &[], v);
    }
    for e in &el.enums {
        write_enum(o, e);
    }
    o.close(&el.name);
}

fn write_os(o: &mut XmlOut, os: &OsCaps) {
    let attrs = [("supported", yn(os.supported))];
    if !os.supported {
        o.empty("os", &attrs);
        return;
    }
    o.open("os", &attrs);
    let firmware = CapsEnum {
        name: "firmware".to_owned(),
        values: os.firmware.clone(),
    };
    write_enum(o, &firmware);
    if let Some(loader) = &os.loader {
        write_element(o, loader);
    }
    o.close("os");
}

fn write_mode(o: &mut XmlOut, name: &str, mode: &CpuModeCaps) {
    let attrs = [
        ("name", Some(name.to_owned())),
        ("supported", yn(mode.supported)),
    ];
    if !mode.supported || mode.enums.is_empty() {
        o.empty("mode", &attrs);
        return;
    }
    o.open("mode", &attrs);
    for e in &mode.enums {
        write_enum(o, e);
    }
    o.close("mode");
}

fn write_cpu(o: &mut XmlOut, cpu: &CpuCaps) {
    o.open("cpu", &[]);
    write_mode(o, "host-passthrough", &cpu.host_passthrough);
    write_mode(o, "maximum", &cpu.maximum);
    let hm = &cpu.host_model;
    let attrs = [
        ("name", Some("host-model".to_owned())),
        ("supported", yn(hm.supported)),
    ];
    match (&hm.model, hm.supported) {
        (Some((model, fallback)), true) => {
            o.open("mode", &attrs);
            o.text("model", &[("fallback", Some(fallback.clone()))], model);
            o.opt_text("vendor", hm.vendor.as_deref());
            for (policy, name) in &hm.features {
                o.empty(
                    "feature",
                    &[
                        ("policy", Some(policy.clone())),
                        ("name", Some(name.clone())),
                    ],
                );
            }
            o.close("mode");
        }
        _ => o.empty("mode", &attrs),
    }
    let attrs = [
        ("name", Some("custom".to_owned())),
        ("supported", yn(cpu.custom_supported)),
    ];
    if !cpu.custom_supported || cpu.custom.is_empty() {
        o.empty("mode", &attrs);
    } else {
        o.open("mode", &attrs);
        for m in &cpu.custom {
            o.text(
                "model",
                &[
                    ("usable", Some(m.usable.as_str().to_owned())),
                    ("deprecated", m.deprecated.then(|| "yes".to_owned())),
                    ("vendor", Some(m.vendor.clone())),
                ],
                &m.name,
            );
        }
        o.close("mode");
    }
    o.close("cpu");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CpuModelCaps, HostModelCaps, Usable};

    /// A document shaped as libvirt 9.0 prints it for qemu-system-x86_64 7.2 under TCG
    /// (`virsh domcapabilities` on this project's machines), cut down to a few entries of
    /// each list.
    const GOLDEN: &str = "<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>qemu</domain>
  <machine>pc-i440fx-7.2</machine>
  <arch>x86_64</arch>
  <vcpu max='255'/>
  <iothreads supported='yes'/>
  <os supported='yes'>
    <enum name='firmware'/>
    <loader supported='yes'>
      <enum name='type'>
        <value>rom</value>
        <value>pflash</value>
      </enum>
      <enum name='readonly'>
        <value>yes</value>
        <value>no</value>
      </enum>
      <enum name='secure'>
        <value>no</value>
      </enum>
    </loader>
  </os>
  <cpu>
    <mode name='host-passthrough' supported='no'/>
    <mode name='maximum' supported='yes'>
      <enum name='maximumMigratable'>
        <value>on</value>
        <value>off</value>
      </enum>
    </mode>
    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>EPYC</model>
      <vendor>AMD</vendor>
      <feature policy='require' name='acpi'/>
      <feature policy='disable' name='vme'/>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='yes' vendor='unknown'>qemu64</model>
      <model usable='no' vendor='AMD'>phenom</model>
    </mode>
  </cpu>
  <memoryBacking supported='yes'>
    <enum name='sourceType'>
      <value>file</value>
      <value>anonymous</value>
      <value>memfd</value>
    </enum>
  </memoryBacking>
  <devices>
    <disk supported='yes'>
      <enum name='diskDevice'>
        <value>disk</value>
        <value>cdrom</value>
      </enum>
    </disk>
    <hostdev supported='yes'>
      <enum name='mode'>
        <value>subsystem</value>
      </enum>
      <enum name='capsType'/>
    </hostdev>
  </devices>
  <features>
    <gic supported='no'/>
    <vmcoreinfo supported='yes'/>
  </features>
</domainCapabilities>
";

    fn golden_model() -> DomainCaps {
        DomainCaps {
            path: "/usr/bin/qemu-system-x86_64".into(),
            domain: "qemu".into(),
            machine: Some("pc-i440fx-7.2".into()),
            arch: "x86_64".into(),
            vcpu_max: Some(255),
            iothreads: Some(true),
            os: Some(OsCaps {
                supported: true,
                firmware: vec![],
                loader: Some(CapsElement::yes(
                    "loader",
                    vec![
                        CapsEnum::new("type", &["rom", "pflash"]),
                        CapsEnum::new("readonly", &["yes", "no"]),
                        CapsEnum::new("secure", &["no"]),
                    ],
                )),
            }),
            cpu: Some(CpuCaps {
                host_passthrough: CpuModeCaps::default(),
                maximum: CpuModeCaps {
                    supported: true,
                    enums: vec![CapsEnum::new("maximumMigratable", &["on", "off"])],
                },
                host_model: HostModelCaps {
                    supported: true,
                    model: Some(("EPYC".into(), "forbid".into())),
                    vendor: Some("AMD".into()),
                    features: vec![
                        ("require".into(), "acpi".into()),
                        ("disable".into(), "vme".into()),
                    ],
                },
                custom_supported: true,
                custom: vec![
                    CpuModelCaps {
                        name: "qemu64".into(),
                        usable: Usable::Yes,
                        deprecated: false,
                        vendor: "unknown".into(),
                    },
                    CpuModelCaps {
                        name: "phenom".into(),
                        usable: Usable::No,
                        deprecated: false,
                        vendor: "AMD".into(),
                    },
                ],
            }),
            memory_backing: Some(CapsElement::yes(
                "memoryBacking",
                vec![CapsEnum::new("sourceType", &["file", "anonymous", "memfd"])],
            )),
            devices: vec![
                CapsElement::yes(
                    "disk",
                    vec![CapsEnum::new("diskDevice", &["disk", "cdrom"])],
                ),
                CapsElement::yes(
                    "hostdev",
                    vec![
                        CapsEnum::new("mode", &["subsystem"]),
                        CapsEnum::new("capsType", &[]),
                    ],
                ),
            ],
            features: vec![
                CapsElement::no("gic"),
                CapsElement::yes("vmcoreinfo", vec![]),
            ],
        }
    }

    #[test]
    fn formats_like_libvirt() {
        assert_eq!(format_domain_capabilities(&golden_model()), GOLDEN);
    }

    #[test]
    fn unsupported_parts_print_empty() {
        let mut caps = golden_model();
        caps.os.as_mut().unwrap().loader = Some(CapsElement::no("loader"));
        let cpu = caps.cpu.as_mut().unwrap();
        cpu.host_model.supported = false;
        cpu.custom[1].deprecated = true;
        caps.devices[1] = CapsElement::no("hostdev");
        caps.memory_backing = Some(CapsElement::no("memoryBacking"));
        let text = format_domain_capabilities(&caps);
        assert!(text.contains("    <loader supported='no'/>\n"), "{text}");
        assert!(text.contains("<mode name='host-model' supported='no'/>\n"));
        assert!(!text.contains("<vendor>"));
        assert!(text.contains("<model usable='no' deprecated='yes' vendor='AMD'>phenom</model>"));
        assert!(text.contains("    <hostdev supported='no'/>\n"));
        assert!(text.contains("  <memoryBacking supported='no'/>\n"));
        assert!(!text.contains("subsystem"));
    }

    #[test]
    fn names_are_escaped() {
        let mut caps = golden_model();
        caps.path = "/opt/a&b/qemu".into();
        let text = format_domain_capabilities(&caps);
        assert!(text.contains("<path>/opt/a&amp;b/qemu</path>"), "{text}");
    }
}
