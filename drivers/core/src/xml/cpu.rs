//! Host `<cpu>` descriptions as `virConnectBaselineCPU` reads them (libvirt's
//! `virCPUDefParseXML` for a host CPU), with libvirt's error texts, and the guest CPU it
//! answers, as libvirt formats it.

use super::{
    conv::{invalid_attr, invalid_uint_attr, missing_attr},
    tree::{self, Element},
    writer::{escape, Escape},
};
use crate::{
    error::{Error, Result},
    model::{is_known_arch, CompareCpu, CpuKind, CpuMatch, CpuSpec, FeaturePolicy},
};

/// The text of a child element, `None` when absent or empty.
fn text_of(el: &Element, name: &str) -> Option<String> {
    el.child_text(name).filter(|s| !s.is_empty())
}

/// One `<topology>` count: required unless `optional`, never zero.
fn topology_count(el: &Element, name: &str, optional: bool) -> Result<()> {
    let Some(v) = el.attr(name) else {
        return if optional {
            Ok(())
        } else {
            Err(missing_attr(el, name))
        };
    };
    match v.trim().parse::<u32>() {
        Ok(0) => Err(Error::Xml(format!(
            "Invalid value for attribute '{name}' in element '{}': Zero is not permitted",
            el.name
        ))),
        Ok(_) => Ok(()),
        Err(_) => Err(invalid_uint_attr(el, name, v)),
    }
}

/// Parses one host CPU description.
pub fn parse_cpu(xml: &str) -> Result<CpuSpec> {
    let root = tree::parse_tree(xml, "CPU_definition")?;
    if root.name != "cpu" {
        return Err(Error::Xml(
            "XML does not contain expected 'cpu' element".to_owned(),
        ));
    }
    if root.attr("mode").is_some() {
        return Err(Error::ConfigUnsupported(
            "Attribute mode is only allowed for guest CPU".to_owned(),
        ));
    }
    let Some(arch) = text_of(&root, "arch") else {
        return Err(Error::Xml("Missing CPU architecture".to_owned()));
    };
    if !is_known_arch(&arch) {
        return Err(Error::ConfigUnsupported(format!(
            "Unknown architecture {arch}"
        )));
    }
    let Some(model) = text_of(&root, "model") else {
        return Err(Error::Xml("Missing CPU model name".to_owned()));
    };
    let vendor = text_of(&root, "vendor");
    if let Some(topology) = root.child("topology") {
        topology_count(topology, "sockets", false)?;
        topology_count(topology, "dies", true)?;
        topology_count(topology, "cores", false)?;
        topology_count(topology, "threads", false)?;
    }
    let mut features: Vec<String> = Vec::new();
    for f in root.children_named("feature") {
        let Some(name) = f.attr_string("name").filter(|n| !n.is_empty()) else {
            return Err(Error::Xml("Invalid CPU feature name".to_owned()));
        };
        if features.contains(&name) {
            return Err(Error::Xml(format!(
                "CPU feature '{name}' specified more than once"
            )));
        }
        features.push(name);
    }
    Ok(CpuSpec {
        arch,
        model,
        vendor,
        features,
    })
}

/// Parses a `<cpu>` of either kind as `virConnectCompareCPU` does (`virCPUDefParseXML` with
/// `VIR_CPU_TYPE_AUTO`): one with `<arch>` is a host CPU, any other a guest CPU; libvirt's
/// error texts. Only a `<cpu>` root is accepted, as libvirt's API accepts (virsh, not the
/// API, digs the CPU out of other documents).
pub fn parse_cpu_def(xml: &str) -> Result<CompareCpu> {
    let root = tree::parse_tree(xml, "CPU_definition")?;
    if root.name != "cpu" {
        return Err(Error::Xml(
            "XML does not contain expected 'cpu' element".to_owned(),
        ));
    }
    let arch = text_of(&root, "arch");
    let kind = if root.child("arch").is_some() {
        if root.attr("match").is_some() {
            return Err(Error::Xml(
                "'arch' element cannot be used inside 'cpu' element with 'match' attribute'"
                    .to_owned(),
            ));
        }
        CpuKind::Host
    } else {
        CpuKind::Guest
    };
    let mut mode = "custom".to_owned();
    let mut match_ = CpuMatch::Exact;
    if kind == CpuKind::Guest {
        if let Some(m) = root.attr("mode") {
            if !matches!(m, "custom" | "host-model" | "host-passthrough" | "maximum") {
                return Err(Error::ConfigUnsupported(format!(
                    "Invalid mode attribute '{m}'"
                )));
            }
            mode = m.to_owned();
        }
        if let Some(m) = root.attr("match") {
            match_ = match m {
                "minimum" => CpuMatch::Minimum,
                "exact" => CpuMatch::Exact,
                "strict" => CpuMatch::Strict,
                other => return Err(invalid_attr(&root, "match", other)),
            };
        }
    } else if root.attr("mode").is_some() {
        return Err(Error::ConfigUnsupported(
            "Attribute mode is only allowed for guest CPU".to_owned(),
        ));
    }
    if let Some(a) = &arch {
        if !is_known_arch(a) {
            return Err(Error::ConfigUnsupported(format!(
                "Unknown architecture {a}"
            )));
        }
    }
    let model = text_of(&root, "model");
    if kind == CpuKind::Host && model.is_none() {
        return Err(Error::Xml("Missing CPU model name".to_owned()));
    }
    let mut features: Vec<(FeaturePolicy, String)> = Vec::new();
    for f in root.children_named("feature") {
        let policy = match (kind, f.attr("policy")) {
            (CpuKind::Host, _) | (CpuKind::Guest, None) => FeaturePolicy::Require,
            (CpuKind::Guest, Some(p)) => FeaturePolicy::from_name(p)
                .ok_or_else(|| Error::ConfigUnsupported("Invalid CPU feature policy".to_owned()))?,
        };
        let Some(name) = f.attr_string("name").filter(|n| !n.is_empty()) else {
            return Err(Error::Xml("Invalid CPU feature name".to_owned()));
        };
        if features.iter().any(|(_, n)| *n == name) {
            return Err(Error::Xml(format!(
                "CPU feature '{name}' specified more than once"
            )));
        }
        features.push((policy, name));
    }
    if model.is_none() && !features.is_empty() {
        return Err(Error::Xml(
            "Non-empty feature list specified without CPU model".to_owned(),
        ));
    }
    Ok(CompareCpu {
        kind,
        mode,
        match_,
        arch,
        model,
        vendor: text_of(&root, "vendor"),
        features,
    })
}

/// A guest CPU as libvirt formats a baseline result.
pub(crate) fn format_cpu(
    model: &str,
    fallback: &str,
    vendor: Option<&str>,
    features: &[(&str, &str)],
) -> String {
    let mut out = format!(
        "<cpu mode='custom' match='exact'>\n  <model fallback='{fallback}'>{}</model>\n",
        escape(model, Escape::Libvirt)
    );
    if let Some(v) = vendor {
        out.push_str(&format!(
            "  <vendor>{}</vendor>\n",
            escape(v, Escape::Libvirt)
        ));
    }
    for (policy, name) in features {
        out.push_str(&format!("  <feature policy='{policy}' name='{name}'/>\n"));
    }
    out.push_str("</cpu>\n");
    out
}
