//! Host CPUs as libvirt describes them: the architectures it knows, and one host CPU as a
//! `<cpu>` element gives it (the input of `virConnectBaselineCPU`).

/// One host CPU as `<cpu>` XML describes it (libvirt's `virCPUDef` of type host): features
/// are all required, whatever policy the XML gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuSpec {
    pub arch: String,
    pub model: String,
    pub vendor: Option<String>,
    pub features: Vec<String>,
}

/// Every architecture name libvirt 9.0 knows.
const ARCHES: &[&str] = &[
    "i686",
    "x86_64",
    "alpha",
    "armv6l",
    "armv7l",
    "armv7b",
    "aarch64",
    "cris",
    "ia64",
    "lm32",
    "m68k",
    "microblaze",
    "microblazeel",
    "mips",
    "mipsel",
    "mips64",
    "mips64el",
    "openrisc",
    "parisc",
    "parisc64",
    "ppc",
    "ppcle",
    "ppc64",
    "ppc64le",
    "ppcemb",
    "riscv32",
    "riscv64",
    "s390",
    "s390x",
    "sh4",
    "sh4eb",
    "sparc",
    "sparc64",
    "unicore32",
    "xtensa",
    "xtensaeb",
];

/// Whether libvirt knows the architecture `arch` (its names, case-sensitive).
pub fn is_known_arch(arch: &str) -> bool {
    ARCHES.contains(&arch)
}
