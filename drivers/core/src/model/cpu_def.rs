//! A `<cpu>` of either kind as `virConnectCompareCPU` reads it (libvirt's `virCPUDef` parsed
//! with `VIR_CPU_TYPE_AUTO`): a host CPU when it has `<arch>`, a guest CPU otherwise.

/// Whose CPU a `<cpu>` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuKind {
    /// A host CPU: every feature listed is present.
    Host,
    /// A guest CPU: features carry policies.
    Guest,
}

/// A guest CPU's `match` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuMatch {
    /// `minimum`.
    Minimum,
    /// `exact` (the default).
    Exact,
    /// `strict`: the host may have nothing more.
    Strict,
}

/// A feature's policy (`force`, `require`, `optional`, `disable`, `forbid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeaturePolicy {
    /// `force`.
    Force,
    /// `require` (a host CPU's features are all this).
    Require,
    /// `optional`.
    Optional,
    /// `disable`.
    Disable,
    /// `forbid`.
    Forbid,
}

impl FeaturePolicy {
    /// The policy called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "force" => Self::Force,
            "require" => Self::Require,
            "optional" => Self::Optional,
            "disable" => Self::Disable,
            "forbid" => Self::Forbid,
            _ => return None,
        })
    }
}

/// One `<cpu>` to compare with the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareCpu {
    /// Host or guest.
    pub kind: CpuKind,
    /// A guest CPU's mode (`custom`, `host-model`, `host-passthrough`, `maximum`).
    pub mode: String,
    /// A guest CPU's match.
    pub match_: CpuMatch,
    /// `<arch>`.
    pub arch: Option<String>,
    /// `<model>`.
    pub model: Option<String>,
    /// `<vendor>`.
    pub vendor: Option<String>,
    /// (policy, name) of each `<feature>`, in document order.
    pub features: Vec<(FeaturePolicy, String)>,
}
