//! `<domain>` parsing and formatting. (Placeholder: being written.)

use crate::{error::Result, model::DomainDef};

/// How to format a domain definition.
#[derive(Debug, Clone, Default)]
pub struct FormatOptions {
    /// The `id` attribute of an active domain; `None` for an inactive one.
    pub id: Option<i32>,
    /// VIR_DOMAIN_XML_SECURE: include passwords.
    pub secure: bool,
    /// VIR_DOMAIN_XML_INACTIVE: format the inactive (next-boot) form: no id, no runtime data.
    pub inactive: bool,
    /// VIR_DOMAIN_XML_MIGRATABLE.
    pub migratable: bool,
}

/// Parses a `<domain>` document.
pub fn parse_domain(_xml: &str) -> Result<DomainDef> {
    todo!("domain XML parser")
}

/// Formats a definition as libvirt does.
pub fn format_domain(_def: &DomainDef, _opts: &FormatOptions) -> String {
    todo!("domain XML formatter")
}
