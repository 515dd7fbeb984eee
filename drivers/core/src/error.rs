//! The core error type: libvirt's error numbers and message texts.
//!
//! Every variant formats exactly as libvirt formats the same condition, because clients of
//! libvirt-dbus tell errors apart by matching the message text.

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure of a driver operation, with libvirt's error number ([`Error::code`]) and text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// VIR_ERR_INTERNAL_ERROR (1).
    #[error("internal error: {0}")]
    Internal(String),
    /// VIR_ERR_NO_SUPPORT (3): the driver does not implement the named libvirt API.
    #[error("this function is not supported by the connection driver: {0}")]
    NoSupport(&'static str),
    /// VIR_ERR_NO_SUPPORT (3) with a text of the driver's own ("pool type 'x' does not
    /// support source discovery").
    #[error("this function is not supported by the connection driver: {0}")]
    NoSupportDetail(String),
    /// VIR_ERR_INVALID_ARG (8).
    #[error("invalid argument: {0}")]
    InvalidArg(String),
    /// VIR_ERR_OPERATION_FAILED (9).
    #[error("operation failed: {0}")]
    OperationFailed(String),
    /// VIR_ERR_NO_TARGET (20): a device without its target; the source path when known.
    #[error("missing target information{}", .0.as_ref().map(|s| format!(" for device {s}")).unwrap_or_default())]
    NoTarget(Option<String>),
    /// VIR_ERR_NO_NAME (21).
    #[error("missing name information")]
    NoName,
    /// VIR_ERR_XML_ERROR (27).
    #[error("XML error: {0}")]
    Xml(String),
    /// VIR_ERR_XML_DETAIL (35): a syntax error in an XML document, with position.
    #[error("{0}")]
    XmlDetail(String),
    /// VIR_ERR_NO_DOMAIN (42). The text after "Domain not found: ".
    #[error("Domain not found: {0}")]
    NoDomain(String),
    /// VIR_ERR_NO_NETWORK (43).
    #[error("Network not found: {0}")]
    NoNetwork(String),
    /// VIR_ERR_NO_STORAGE_POOL (49).
    #[error("Storage pool not found: {0}")]
    NoStoragePool(String),
    /// VIR_ERR_NO_STORAGE_VOL (50).
    #[error("Storage volume not found: {0}")]
    NoStorageVol(String),
    /// VIR_ERR_NO_NODE_DEVICE (53).
    #[error("Node device not found: {0}")]
    NoNodeDevice(String),
    /// VIR_ERR_OPERATION_INVALID (55).
    #[error("Requested operation is not valid: {0}")]
    OperationInvalid(String),
    /// VIR_ERR_NO_INTERFACE (57).
    #[error("Interface not found: {0}")]
    NoInterface(String),
    /// VIR_ERR_MULTIPLE_INTERFACES (59) without detail.
    #[error("multiple matching interfaces found")]
    MultipleInterfaces,
    /// VIR_ERR_OPERATION_INVALID (55) without detail, as libvirt's test driver reports
    /// starting an active interface or stopping an inactive one.
    #[error("Requested operation is not valid")]
    OperationInvalidBare,
    /// VIR_ERR_NO_NWFILTER (61).
    #[error("Network filter not found: {0}")]
    NoNWFilter(String),
    /// VIR_ERR_INVALID_SECRET (65).
    #[error("Invalid secret: {0}")]
    InvalidSecret(String),
    /// VIR_ERR_NO_SECRET (66).
    #[error("Secret not found: {0}")]
    NoSecret(String),
    /// VIR_ERR_CONFIG_UNSUPPORTED (67).
    #[error("unsupported configuration: {0}")]
    ConfigUnsupported(String),
    /// VIR_ERR_NO_DOMAIN_SNAPSHOT (72).
    #[error("Domain snapshot not found: {0}")]
    NoDomainSnapshot(String),
    /// VIR_ERR_SNAPSHOT_REVERT_RISKY (81): a revert that needs VIR_DOMAIN_SNAPSHOT_REVERT_FORCE.
    #[error("revert requires force: {0}")]
    SnapshotRevertRisky(String),
    /// VIR_ERR_OVERFLOW (82): a number too large for its field ("value too large: N").
    #[error("numerical overflow: {0}")]
    Overflow(String),
    /// VIR_ERR_NO_DOMAIN_METADATA (80).
    #[error("metadata not found: {0}")]
    NoDomainMetadata(String),
    /// VIR_ERR_OPERATION_UNSUPPORTED (84).
    #[error("Operation not supported: {0}")]
    OperationUnsupported(String),
    /// VIR_ERR_ACCESS_DENIED (88).
    #[error("access denied: {0}")]
    AccessDenied(String),
    /// VIR_ERR_XML_INVALID_SCHEMA (92): a document that fails validation
    /// (VIR_DOMAIN_DEFINE_VALIDATE).
    #[error("XML document failed to validate against schema: {0}")]
    XmlInvalidSchema(String),
    /// VIR_ERR_DEVICE_MISSING (99).
    #[error("device not found: {0}")]
    DeviceMissing(String),
    /// VIR_ERR_NO_DOMAIN (42) without detail: "Domain not found", the text libvirt's
    /// test driver gives for every failed lookup (by name, UUID or id).
    #[error("Domain not found")]
    DomainNotFound,
    /// VIR_ERR_SYSTEM_ERROR (38): a failed system call, the text carrying the path and the
    /// errno string ("cannot read domain image '/x': No such file or directory").
    #[error("{0}")]
    System(String),
    /// VIR_ERR_ARGUMENT_UNSUPPORTED (74).
    #[error("argument unsupported: {0}")]
    ArgumentUnsupported(String),
    /// VIR_ERR_INVALID_ARG (8) as libvirt's public API checks report it: the text alone,
    /// without the "invalid argument: " prefix ("params in virDomainSetMemoryParameters must
    /// not be NULL", "Flags 'X' and 'Y' are mutually exclusive").
    #[error("{0}")]
    InvalidArgBare(String),
    /// VIR_ERR_CPU_INCOMPATIBLE: a CPU the host cannot run, with libvirt's reason.
    #[error("the CPU is incompatible with host CPU: {0}")]
    CpuIncompatible(String),
}

impl Error {
    /// libvirt's `virErrorNumber` for this error.
    pub fn code(&self) -> i32 {
        match self {
            Error::Internal(_) => 1,
            Error::NoSupport(_) => 3,
            Error::NoSupportDetail(_) => 3,
            Error::InvalidArg(_) => 8,
            Error::OperationFailed(_) => 9,
            Error::NoTarget(_) => 20,
            Error::NoName => 21,
            Error::Xml(_) => 27,
            Error::XmlDetail(_) => 35,
            Error::NoDomain(_) => 42,
            Error::NoNetwork(_) => 43,
            Error::NoStoragePool(_) => 49,
            Error::NoStorageVol(_) => 50,
            Error::NoNodeDevice(_) => 53,
            Error::OperationInvalid(_) => 55,
            Error::NoInterface(_) => 57,
            Error::MultipleInterfaces => 59,
            Error::OperationInvalidBare => 55,
            Error::NoNWFilter(_) => 61,
            Error::InvalidSecret(_) => 65,
            Error::NoSecret(_) => 66,
            Error::ConfigUnsupported(_) => 67,
            Error::NoDomainSnapshot(_) => 72,
            Error::NoDomainMetadata(_) => 80,
            Error::SnapshotRevertRisky(_) => 81,
            Error::Overflow(_) => 82,
            Error::OperationUnsupported(_) => 84,
            Error::AccessDenied(_) => 88,
            Error::XmlInvalidSchema(_) => 92,
            Error::DeviceMissing(_) => 99,
            Error::DomainNotFound => 42,
            Error::System(_) => 38,
            Error::ArgumentUnsupported(_) => 74,
            Error::InvalidArgBare(_) => 8,
            Error::CpuIncompatible(_) => 91,
        }
    }

    /// "unsupported flags (0x..) in function NAME", libvirt's answer to a flag it does not know.
    pub fn unsupported_flags(flags: u32, function: &str) -> Self {
        Error::InvalidArgBare(format!(
            "unsupported flags (0x{flags:x}) in function {function}"
        ))
    }

    /// "Invalid UUID", for a UUID string that does not parse.
    pub fn invalid_uuid() -> Self {
        Error::InvalidArgBare("Invalid UUID".to_owned())
    }

    /// "no domain with matching name 'NAME'".
    pub fn no_domain_name(name: &str) -> Self {
        Error::NoDomain(format!("no domain with matching name '{name}'"))
    }

    /// "transient domains do not have any persistent config", for a persistent-definition
    /// request on a transient domain.
    pub fn no_persistent_config() -> Self {
        Error::OperationInvalid("transient domains do not have any persistent config".to_owned())
    }

    /// "domain is not running", libvirt's wrong-state error for an inactive domain.
    pub fn not_running() -> Self {
        Error::OperationInvalid("domain is not running".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_libvirt() {
        assert_eq!(
            Error::NoSupport("virDomainFoo").to_string(),
            "this function is not supported by the connection driver: virDomainFoo"
        );
        assert_eq!(
            Error::no_domain_name("x").to_string(),
            "Domain not found: no domain with matching name 'x'"
        );
        assert_eq!(
            Error::not_running().to_string(),
            "Requested operation is not valid: domain is not running"
        );
        assert_eq!(Error::NoName.code(), 21);
    }
}
