//! Host `<cpu>` descriptions as `virConnectBaselineCPU` reads them (libvirt's
//! `virCPUDefParseXML` for a host CPU), with libvirt's error texts, and the guest CPU it
//! answers, as libvirt formats it.

use super::{
    conv::{invalid_uint_attr, missing_attr},
    tree::{self, Element},
    writer::{escape, Escape},
};
use crate::{
    error::{Error, Result},
    model::{is_known_arch, CpuSpec},
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
