//! The secret definition (`<secret>`), as libvirt's `virSecretDef` holds it
//! (`src/conf/secret_conf.h`). The value of a secret is not part of its definition: the
//! driver keeps it beside the definition and never prints it.

use uuid::Uuid;

/// `virSecretUsageType`: what a secret is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretUsageType {
    None,
    Volume,
    Ceph,
    Iscsi,
    Tls,
    Vtpm,
}

impl SecretUsageType {
    /// Every type, in libvirt's enum order (the index is the wire value).
    pub const ALL: [SecretUsageType; 6] = [
        SecretUsageType::None,
        SecretUsageType::Volume,
        SecretUsageType::Ceph,
        SecretUsageType::Iscsi,
        SecretUsageType::Tls,
        SecretUsageType::Vtpm,
    ];

    /// The type as `<usage type=...>` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretUsageType::None => "none",
            SecretUsageType::Volume => "volume",
            SecretUsageType::Ceph => "ceph",
            SecretUsageType::Iscsi => "iscsi",
            SecretUsageType::Tls => "tls",
            SecretUsageType::Vtpm => "vtpm",
        }
    }

    /// The type written `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The `virSecretUsageType` number.
    pub fn code(self) -> i32 {
        match self {
            SecretUsageType::None => 0,
            SecretUsageType::Volume => 1,
            SecretUsageType::Ceph => 2,
            SecretUsageType::Iscsi => 3,
            SecretUsageType::Tls => 4,
            SecretUsageType::Vtpm => 5,
        }
    }

    /// The type numbered `code`.
    pub fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The child of `<usage>` that carries the usage id (`None` for NONE).
    pub fn id_element(self) -> Option<&'static str> {
        match self {
            SecretUsageType::None => None,
            SecretUsageType::Volume => Some("volume"),
            SecretUsageType::Iscsi => Some("target"),
            SecretUsageType::Ceph | SecretUsageType::Tls | SecretUsageType::Vtpm => Some("name"),
        }
    }
}

/// A secret definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDef {
    pub uuid: Uuid,
    /// `ephemeral='yes'`: kept in memory only.
    pub ephemeral: bool,
    /// `private='yes'`: the value is never revealed to callers.
    pub private: bool,
    pub description: Option<String>,
    pub usage_type: SecretUsageType,
    /// The usage id as libvirt computes it: the volume path, the ceph/tls/vtpm name, the
    /// iSCSI target; `None` for usage NONE.
    pub usage_id: Option<String>,
}

/// Largest secret value accepted, in bytes: libvirt's remote protocol bound
/// (`REMOTE_SECRET_VALUE_MAX`), so that no value virtbus keeps could not travel to a
/// libvirt client.
pub const SECRET_VALUE_MAX: usize = 65536;
