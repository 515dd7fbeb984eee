//! How a document is read: the options every reader of the xml layer shares.

/// How to parse a domain definition.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// VIR_DOMAIN_DEFINE_VALIDATE / VIR_DOMAIN_START_VALIDATE: fail with
    /// VIR_ERR_XML_INVALID_SCHEMA on any element or attribute not understood, instead of
    /// dropping it silently.
    pub validate: bool,
    /// Keep runtime data (device aliases, pty paths, automatically chosen ports), as when
    /// reading a running domain's status. Without it the document is read as a definition,
    /// as `virDomainDefineXML` reads it.
    pub live: bool,
}
