//! Storage pool (`<pool>`) and volume (`<volume>`) definitions, as libvirt's
//! `virStoragePoolDef` and `virStorageVolDef` hold the parts virtbus models
//! (`src/conf/storage_conf.c`). Parts libvirt knows but virtbus does not model (volume
//! encryption, cluster sizes, qcow2 feature lists, `nocow`, namespaced backend options)
//! are refused when parsed, never dropped.

use uuid::Uuid;

/// `<pool type=...>` (`virStoragePoolType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolType {
    Dir,
    Fs,
    Netfs,
    Logical,
    Disk,
    Iscsi,
    IscsiDirect,
    Scsi,
    Mpath,
    Rbd,
    Sheepdog,
    Gluster,
    Zfs,
    Vstorage,
}

/// What a pool type's `<source>` holds and requires (`VIR_STORAGE_POOL_SOURCE_*`).
pub mod source_flags {
    pub const HOST: u32 = 1 << 0;
    pub const DEVICE: u32 = 1 << 1;
    pub const DIR: u32 = 1 << 2;
    pub const ADAPTER: u32 = 1 << 3;
    pub const NAME: u32 = 1 << 4;
    pub const INITIATOR_IQN: u32 = 1 << 5;
    pub const NETWORK: u32 = 1 << 6;
}

/// `virStorageFileFormat`: the volume formats of file-based pools, in libvirt's order.
pub const FILE_FORMATS: &[&str] = &[
    "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop",
    "cow", "qcow", "qcow2", "qed", "vmdk",
];
/// `virStorageVolFormatDisk`: the partition types of `disk` pool volumes.
pub const DISK_VOL_FORMATS: &[&str] = &[
    "none",
    "linux",
    "fat16",
    "fat32",
    "linux-swap",
    "linux-lvm",
    "linux-raid",
    "extended",
];
/// `virStoragePoolFormatFileSystem`.
pub const FS_POOL_FORMATS: &[&str] = &[
    "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat", "hfs+", "xfs",
    "ocfs2", "vmfs",
];
/// `virStoragePoolFormatFileSystemNet`.
pub const NETFS_POOL_FORMATS: &[&str] = &["auto", "nfs", "glusterfs", "cifs"];
/// `virStoragePoolFormatDisk`.
pub const DISK_POOL_FORMATS: &[&str] = &[
    "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2",
];
/// `virStoragePoolFormatLogical`.
pub const LOGICAL_POOL_FORMATS: &[&str] = &["unknown", "lvm2"];

impl PoolType {
    /// Every type, in libvirt's enum order.
    pub const ALL: [PoolType; 14] = [
        PoolType::Dir,
        PoolType::Fs,
        PoolType::Netfs,
        PoolType::Logical,
        PoolType::Disk,
        PoolType::Iscsi,
        PoolType::IscsiDirect,
        PoolType::Scsi,
        PoolType::Mpath,
        PoolType::Rbd,
        PoolType::Sheepdog,
        PoolType::Gluster,
        PoolType::Zfs,
        PoolType::Vstorage,
    ];

    /// The type as the XML writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PoolType::Dir => "dir",
            PoolType::Fs => "fs",
            PoolType::Netfs => "netfs",
            PoolType::Logical => "logical",
            PoolType::Disk => "disk",
            PoolType::Iscsi => "iscsi",
            PoolType::IscsiDirect => "iscsi-direct",
            PoolType::Scsi => "scsi",
            PoolType::Mpath => "mpath",
            PoolType::Rbd => "rbd",
            PoolType::Sheepdog => "sheepdog",
            PoolType::Gluster => "gluster",
            PoolType::Zfs => "zfs",
            PoolType::Vstorage => "vstorage",
        }
    }

    /// The type written `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The position in libvirt's enum: the bit of the type filters of
    /// `virConnectListAllStoragePools` is `64 << index` (ISCSI_DIRECT is the exception).
    pub fn list_flag(self) -> u32 {
        match self {
            PoolType::Dir => 1 << 6,
            PoolType::Fs => 1 << 7,
            PoolType::Netfs => 1 << 8,
            PoolType::Logical => 1 << 9,
            PoolType::Disk => 1 << 10,
            PoolType::Iscsi => 1 << 11,
            PoolType::Scsi => 1 << 12,
            PoolType::Mpath => 1 << 13,
            PoolType::Rbd => 1 << 14,
            PoolType::Sheepdog => 1 << 15,
            PoolType::Gluster => 1 << 16,
            PoolType::Zfs => 1 << 17,
            PoolType::Vstorage => 1 << 18,
            PoolType::IscsiDirect => 1 << 19,
        }
    }

    /// The pool options' source flags ([`source_flags`]), as libvirt's `poolTypeInfo`.
    pub fn source_flags(self) -> u32 {
        use source_flags::*;
        match self {
            PoolType::Dir | PoolType::Mpath => 0,
            PoolType::Fs | PoolType::Disk => DEVICE,
            PoolType::Netfs => HOST | DIR,
            PoolType::Logical | PoolType::Zfs => NAME | DEVICE,
            PoolType::Iscsi => HOST | DEVICE | INITIATOR_IQN,
            PoolType::IscsiDirect => HOST | DEVICE | NETWORK | INITIATOR_IQN,
            PoolType::Scsi => ADAPTER,
            PoolType::Rbd | PoolType::Sheepdog => HOST | NETWORK | NAME,
            PoolType::Gluster => HOST | NETWORK | NAME | DIR,
            PoolType::Vstorage => NAME,
        }
    }

    /// The `<source><format type>` values and the default one, for the types that have it.
    pub fn pool_formats(self) -> Option<(&'static [&'static str], &'static str)> {
        match self {
            PoolType::Fs => Some((FS_POOL_FORMATS, "auto")),
            PoolType::Netfs => Some((NETFS_POOL_FORMATS, "auto")),
            PoolType::Disk => Some((DISK_POOL_FORMATS, "unknown")),
            PoolType::Logical => Some((LOGICAL_POOL_FORMATS, "lvm2")),
            _ => None,
        }
    }

    /// The volume `<target><format type>` values and the default, for the types that
    /// have it.
    pub fn vol_formats(self) -> Option<(&'static [&'static str], &'static str)> {
        match self {
            PoolType::Dir
            | PoolType::Fs
            | PoolType::Netfs
            | PoolType::Rbd
            | PoolType::Gluster
            | PoolType::Vstorage => Some((FILE_FORMATS, "raw")),
            PoolType::Disk => Some((DISK_VOL_FORMATS, "none")),
            _ => None,
        }
    }

    /// Whether the pool has a `<target>` (network pools have none).
    pub fn has_target(self) -> bool {
        !matches!(
            self,
            PoolType::Rbd | PoolType::Sheepdog | PoolType::Gluster | PoolType::IscsiDirect
        )
    }
}

/// `<volume type=...>` (`virStorageVolType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VolType {
    #[default]
    File,
    Block,
    Dir,
    Network,
    Netdir,
    Ploop,
}

impl VolType {
    pub const ALL: [VolType; 6] = [
        VolType::File,
        VolType::Block,
        VolType::Dir,
        VolType::Network,
        VolType::Netdir,
        VolType::Ploop,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VolType::File => "file",
            VolType::Block => "block",
            VolType::Dir => "dir",
            VolType::Network => "network",
            VolType::Netdir => "netdir",
            VolType::Ploop => "ploop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// `virStorageVolType` as a number.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// `<permissions>` of a pool target or a volume (`virStoragePerms`); `None` = not set
/// (libvirt's `-1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoragePerms {
    pub mode: Option<u32>,
    pub owner: Option<u32>,
    pub group: Option<u32>,
    pub label: Option<String>,
}

impl StoragePerms {
    /// Whether anything is set (libvirt prints `<permissions>` only then).
    pub fn is_set(&self) -> bool {
        self.mode.is_some() || self.owner.is_some() || self.group.is_some() || self.label.is_some()
    }
}

/// `<host name port>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolHost {
    pub name: String,
    /// 0 = not given.
    pub port: i32,
}

/// `<device path part_separator>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolDevice {
    pub path: String,
    pub part_separator: Option<bool>,
}

/// `<adapter>` of a scsi pool: `scsi_host` (by `name`) or `fc_host` (a vHBA by WWNs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolAdapter {
    /// `scsi_host` or `fc_host`; `default` for a legacy adapter without type or name, which
    /// validation refuses for scsi pools.
    pub kind: String,
    pub name: Option<String>,
    pub parent: Option<String>,
    /// `parent_wwnn`, `parent_wwpn`, `parent_fabric_wwn`: the vHBA's parent by its WWNs.
    pub parent_wwnn: Option<String>,
    pub parent_wwpn: Option<String>,
    pub parent_fabric_wwn: Option<String>,
    pub managed: Option<bool>,
    pub wwnn: Option<String>,
    pub wwpn: Option<String>,
}

/// `<auth type username><secret type uuid|usage/></auth>` (`virStorageAuthDef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageAuth {
    /// `chap` or `ceph`.
    pub kind: String,
    pub username: String,
    pub secret_type: Option<String>,
    pub secret: SecretLookup,
}

/// `<source>` of a pool (`virStoragePoolSource`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolSource {
    pub hosts: Vec<PoolHost>,
    pub devices: Vec<PoolDevice>,
    pub dir: Option<String>,
    pub adapter: Option<PoolAdapter>,
    pub name: Option<String>,
    /// `<initiator><iqn name/></initiator>`.
    pub initiator_iqn: Option<String>,
    /// `<format type>`, set (to the default when absent) for the types that have one.
    pub format: Option<String>,
    pub auth: Option<StorageAuth>,
    /// `<protocol ver>` (netfs nfs/auto).
    pub protocol_ver: Option<u32>,
    pub vendor: Option<String>,
    pub product: Option<String>,
}

/// A storage pool definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePoolDef {
    pub pool_type: PoolType,
    pub name: String,
    pub uuid: Uuid,
    /// Run-time sizes in bytes: not read from the XML, set by the driver.
    pub capacity: u64,
    pub allocation: u64,
    pub available: u64,
    /// `<features><cow state/></features>` (dir and fs pools).
    pub cow: Option<bool>,
    pub source: PoolSource,
    /// `<target><path>`; `None` for the network types.
    pub target_path: Option<String>,
    pub target_perms: StoragePerms,
    /// `<refresh><volume allocation='default|capacity'/></refresh>`.
    pub refresh_allocation: Option<String>,
}

/// `<target>` or `<backingStore>` of a volume.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolTarget {
    pub path: Option<String>,
    /// The format, set (to the default when absent) for pool types that have formats.
    pub format: Option<String>,
    pub perms: StoragePerms,
    /// `<compat>` (qcow2 compatibility level, "0.10" or "1.1").
    pub compat: Option<String>,
    pub encryption: Option<Box<VolEncryption>>,
    /// `<clusterSize>` in bytes, 0 when not given.
    pub cluster_size: u64,
    /// `<features>`: `None` without the element, else the features set (`lazy_refcounts`).
    pub features: Option<Vec<String>>,
    /// `<nocow/>`: read and kept, never printed (libvirt does not print it either).
    pub nocow: bool,
}

/// How a `<secret>` names its secret (`virSecretLookupTypeDef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretLookup {
    Uuid(Uuid),
    Usage(String),
}

/// `<cipher name size mode hash/>` with its `<ivgen name hash/>` (LUKS only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionCipher {
    pub name: String,
    pub size: u32,
    pub mode: Option<String>,
    pub hash: Option<String>,
    /// `<ivgen>`: (name, hash).
    pub ivgen: Option<(String, Option<String>)>,
}

/// `<encryption>` of a volume (`virStorageEncryption`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolEncryption {
    /// `default`, `qcow`, `luks` or `luks2`.
    pub format: String,
    /// `engine='qemu|librbd'`.
    pub engine: Option<String>,
    /// The `<secret type='passphrase'>` elements, in order.
    pub secrets: Vec<SecretLookup>,
    /// The LUKS cipher, kept for `format='luks'` only.
    pub cipher: Option<EncryptionCipher>,
}

/// A storage volume definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageVolDef {
    pub vol_type: VolType,
    pub name: String,
    pub key: Option<String>,
    /// Bytes.
    pub capacity: u64,
    /// Bytes; the capacity when not given.
    pub allocation: u64,
    pub target: VolTarget,
    pub backing_store: Option<VolTarget>,
}
