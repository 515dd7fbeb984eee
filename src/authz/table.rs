//! The permission table: every method and property of every `org.libvirt` interface, with
//! the libvirt permissions a call of it needs, written once here.
//!
//! Each entry follows the `@acl` annotations of the libvirt API the member wraps
//! (`src/remote/remote_protocol.x`): `DomainDefineXML` needs `domain:write` and
//! `domain:save`, `GetXMLDesc` needs `domain:read`, and `domain:read_secure` when the
//! `VIR_DOMAIN_XML_SECURE` or `VIR_DOMAIN_XML_MIGRATABLE` flag is passed. A permission that
//! depends on the call's flags is a [`Rule`] with a [`When`] other than [`When::Always`]; the
//! flags are the method's last argument (`u flags`), which the unit test checks for every
//! such entry. A member whose libvirt API has `@acl: none` (`Secure`, `Encrypted`) has an
//! entry with no rule.
//!
//! Properties are read with `Properties.Get` ([`Member::Get`]) and written with
//! `Properties.Set` ([`Member::Set`]); `GetAll` needs what every `Get` of the interface
//! needs. `ObjectManager.GetManagedObjects` lists every kind of object, so it needs each
//! `connect:search_*` permission, as the list methods do one by one.
//!
//! The unit test below parses `interfaces/*.xml` and fails when a member has no entry, or an
//! entry names a member that does not exist: adding an interface or a member without its
//! permissions is impossible.

/// The kind of object a permission is about, as libvirt's access drivers name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Object {
    /// The connection itself (`connect`).
    Connect,
    /// A domain (`domain`).
    Domain,
    /// A host interface (`interface`).
    Interface,
    /// A virtual network (`network`).
    Network,
    /// A host device (`node_device`).
    NodeDevice,
    /// A network filter (`nwfilter`).
    NWFilter,
    /// A secret (`secret`).
    Secret,
    /// A storage pool (`storage_pool`).
    StoragePool,
    /// A storage volume (`storage_vol`).
    StorageVol,
}

impl Object {
    /// Every object kind, in the order the actions file lists them.
    pub const ALL: [Object; 9] = [
        Object::Connect,
        Object::Domain,
        Object::Interface,
        Object::Network,
        Object::NodeDevice,
        Object::NWFilter,
        Object::Secret,
        Object::StoragePool,
        Object::StorageVol,
    ];

    /// The name libvirt gives the object in `@acl` annotations: `storage_pool`.
    pub const fn name(self) -> &'static str {
        match self {
            Object::Connect => "connect",
            Object::Domain => "domain",
            Object::Interface => "interface",
            Object::Network => "network",
            Object::NodeDevice => "node_device",
            Object::NWFilter => "nwfilter",
            Object::Secret => "secret",
            Object::StoragePool => "storage_pool",
            Object::StorageVol => "storage_vol",
        }
    }
}

/// One libvirt permission: an object kind and a permission on it (`domain:read_secure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permission {
    /// The kind of object.
    pub object: Object,
    /// The permission as libvirt spells it in `@acl`: `read_secure`.
    pub perm: &'static str,
}

/// The prefix of every polkit action id, as libvirt's polkit access driver forms them.
pub const ACTION_PREFIX: &str = "org.libvirt.api";

impl Permission {
    /// The polkit action id, as `viraccessdriverpolkit.c` forms it: the prefix, the object
    /// and the permission joined by dots, every `_` turned into `-`
    /// (`org.libvirt.api.domain.read-secure`).
    pub fn action_id(&self) -> String {
        format!("{ACTION_PREFIX}.{}.{}", self.object.name(), self.perm).replace('_', "-")
    }

    /// Whether libvirt lets anyone have this permission by default (its `anonymous`
    /// permissions): looking objects up, listing them and reading what is not secret.
    pub fn is_anonymous(&self) -> bool {
        match (self.object, self.perm) {
            (Object::Connect, p) => p == "getattr" || p == "read" || p.starts_with("search_"),
            (Object::NodeDevice, p) => p == "getattr",
            (_, p) => p == "getattr" || p == "read",
        }
    }
}

/// When a rule applies, by the call's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// On every call.
    Always,
    /// When any of these flag bits is set (`domain:read_secure:VIR_DOMAIN_XML_SECURE`).
    AnyFlag(u32),
    /// When the change reaches the persistent definition: `AFFECT_CONFIG` (2) is set, or
    /// neither `AFFECT_LIVE` (1) nor `AFFECT_CONFIG` is (libvirt's pair
    /// `save:!AFFECT_CONFIG|AFFECT_LIVE` and `save:AFFECT_CONFIG`).
    AffectsConfig,
}

impl When {
    /// Whether the rule applies to a call with `flags`.
    pub fn applies(self, flags: u32) -> bool {
        const LIVE: u32 = 1;
        const CONFIG: u32 = 2;
        match self {
            When::Always => true,
            When::AnyFlag(bits) => flags & bits != 0,
            When::AffectsConfig => flags & CONFIG != 0 || flags & (LIVE | CONFIG) == 0,
        }
    }
}

/// One permission a member needs, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The permission.
    pub permission: Permission,
    /// When it is needed.
    pub when: When,
}

/// A member of an interface, as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Member<'a> {
    /// A method.
    Method(&'a str),
    /// `Properties.Get` of a property.
    Get(&'a str),
    /// `Properties.Set` of a property.
    Set(&'a str),
}

/// The rules of one member of one interface.
#[derive(Debug)]
pub struct Entry {
    /// The interface, e.g. `org.libvirt.Domain`.
    pub interface: &'static str,
    /// The member.
    pub member: Member<'static>,
    /// What a call needs; empty for a member libvirt checks nothing for.
    pub rules: &'static [Rule],
}

impl Entry {
    /// The permissions a call with `flags` needs.
    pub fn required(&self, flags: u32) -> impl Iterator<Item = Permission> + '_ {
        self.rules
            .iter()
            .filter(move |r| r.when.applies(flags))
            .map(|r| r.permission)
    }

    /// Whether any rule depends on the call's flags.
    pub fn reads_flags(&self) -> bool {
        self.rules.iter().any(|r| r.when != When::Always)
    }
}

/// The entry of `member` of `interface`.
pub fn lookup(interface: &str, member: Member<'_>) -> Option<&'static Entry> {
    entries().find(|e| e.interface == interface && e.member == member)
}

/// The permissions `Properties.GetAll` of `interface` needs: those of every `Get`, each once.
pub fn get_all(interface: &str) -> Vec<Permission> {
    let mut all: Vec<Permission> = entries()
        .filter(|e| e.interface == interface && matches!(e.member, Member::Get(_)))
        .flat_map(|e| e.required(0))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Every entry of the table.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    TABLE.iter().flat_map(|t| t.iter())
}

/// Every permission the table uses, each once, sorted.
pub fn permissions() -> Vec<Permission> {
    let mut all: Vec<Permission> = entries()
        .flat_map(|e| e.rules.iter().map(|r| r.permission))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

const fn rule(object: Object, perm: &'static str, when: When) -> Rule {
    Rule {
        permission: Permission { object, perm },
        when,
    }
}

/// `connect:<perm>`.
const fn c(perm: &'static str) -> Rule {
    rule(Object::Connect, perm, When::Always)
}
/// `domain:<perm>`.
const fn d(perm: &'static str) -> Rule {
    rule(Object::Domain, perm, When::Always)
}
/// `domain:<perm>` when one of `flags` is set.
const fn d_if(perm: &'static str, flags: u32) -> Rule {
    rule(Object::Domain, perm, When::AnyFlag(flags))
}
/// `domain:save` when the change reaches the persistent definition.
const D_SAVE_CONFIG: Rule = rule(Object::Domain, "save", When::AffectsConfig);
/// `network:<perm>`.
const fn n(perm: &'static str) -> Rule {
    rule(Object::Network, perm, When::Always)
}
/// `storage_pool:<perm>`.
const fn sp(perm: &'static str) -> Rule {
    rule(Object::StoragePool, perm, When::Always)
}
/// `storage_vol:<perm>`.
const fn sv(perm: &'static str) -> Rule {
    rule(Object::StorageVol, perm, When::Always)
}
/// `node_device:<perm>`.
const fn nd(perm: &'static str) -> Rule {
    rule(Object::NodeDevice, perm, When::Always)
}
/// `interface:<perm>`.
const fn i(perm: &'static str) -> Rule {
    rule(Object::Interface, perm, When::Always)
}
/// `nwfilter:<perm>`.
const fn nf(perm: &'static str) -> Rule {
    rule(Object::NWFilter, perm, When::Always)
}
/// `secret:<perm>`.
const fn s(perm: &'static str) -> Rule {
    rule(Object::Secret, perm, When::Always)
}

/// `VIR_DOMAIN_XML_SECURE`.
const XML_SECURE: u32 = 1;
/// `VIR_DOMAIN_XML_MIGRATABLE`.
const XML_MIGRATABLE: u32 = 8;
/// `VIR_DOMAIN_SHUTDOWN_GUEST_AGENT`, `VIR_DOMAIN_REBOOT_GUEST_AGENT`.
const GUEST_AGENT: u32 = 2;
/// `VIR_DOMAIN_VCPU_GUEST`.
const VCPU_GUEST: u32 = 8;
/// `VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE`.
const SNAPSHOT_QUIESCE: u32 = 64;

/// The entries of one interface: `Method "Name" => [rules]`, `Get "Prop" => [rules]`.
macro_rules! entries {
    ($interface:expr; $($kind:ident $name:literal => [$($rule:expr),* $(,)?];)*) => {
        &[$(Entry {
            interface: $interface,
            member: Member::$kind($name),
            rules: &[$($rule),*],
        }),*]
    };
}

/// `connect:write` + `connect:start`-style pairs are spelled out entry by entry.
static CONNECT: &[Entry] = entries! { "org.libvirt.Connect";
    Get "Encrypted" => [];
    Get "Hostname" => [c("getattr")];
    Get "LibVersion" => [c("getattr")];
    Get "Secure" => [];
    Get "Version" => [c("getattr")];
    Method "BaselineCPU" => [c("read")];
    Method "CompareCPU" => [c("read")];
    Method "DomainCreateXML" => [d("write"), d("start")];
    Method "DomainCreateXMLWithFiles" => [d("write"), d("start")];
    Method "DomainDefineXML" => [d("write"), d("save")];
    Method "DomainLookupByID" => [d("getattr")];
    Method "DomainLookupByName" => [d("getattr")];
    Method "DomainLookupByUUID" => [d("getattr")];
    Method "DomainRestore" => [d("start"), d("write")];
    Method "DomainSaveImageDefineXML" => [d("write"), d("hibernate")];
    Method "DomainSaveImageGetXMLDesc" => [d("read"), d_if("read_secure", XML_SECURE)];
    Method "FindStoragePoolSources" => [c("detect_storage_pools")];
    Method "GetAllDomainStats" => [c("search_domains")];
    Method "GetCapabilities" => [c("read")];
    Method "GetCPUModelNames" => [c("read")];
    Method "GetDomainCapabilities" => [c("write")];
    Method "GetSysinfo" => [c("read")];
    Method "InterfaceChangeBegin" => [c("interface_transaction")];
    Method "InterfaceChangeCommit" => [c("interface_transaction")];
    Method "InterfaceChangeRollback" => [c("interface_transaction")];
    Method "InterfaceDefineXML" => [i("write"), i("save")];
    Method "InterfaceLookupByMAC" => [i("getattr")];
    Method "InterfaceLookupByName" => [i("getattr")];
    Method "ListDomains" => [c("search_domains")];
    Method "ListInterfaces" => [c("search_interfaces")];
    Method "ListNetworks" => [c("search_networks")];
    Method "ListNodeDevices" => [c("search_node_devices")];
    Method "ListNWFilters" => [c("search_nwfilters")];
    Method "ListSecrets" => [c("search_secrets")];
    Method "ListStoragePools" => [c("search_storage_pools")];
    Method "NetworkCreateXML" => [n("write"), n("start")];
    Method "NetworkDefineXML" => [n("write"), n("save")];
    Method "NetworkLookupByName" => [n("getattr")];
    Method "NetworkLookupByUUID" => [n("getattr")];
    Method "NodeDeviceCreateXML" => [nd("write"), nd("start")];
    Method "NodeDeviceLookupByName" => [nd("getattr")];
    Method "NodeDeviceLookupSCSIHostByWWN" => [nd("getattr")];
    Method "NWFilterDefineXML" => [nf("write"), nf("save")];
    Method "NWFilterLookupByName" => [nf("getattr")];
    Method "NWFilterLookupByUUID" => [nf("getattr")];
    Method "NodeGetCPUMap" => [c("read")];
    Method "NodeGetCPUStats" => [c("read")];
    Method "NodeGetFreeMemory" => [c("read")];
    Method "NodeGetMemoryParameters" => [c("read")];
    Method "NodeGetMemoryStats" => [c("read")];
    Method "NodeGetSecurityModel" => [c("read")];
    Method "NodeSetMemoryParameters" => [c("write")];
    Method "SecretDefineXML" => [s("write"), s("save")];
    Method "SecretLookupByUUID" => [s("getattr")];
    Method "SecretLookupByUsage" => [s("getattr")];
    Method "StoragePoolCreateXML" => [sp("start"), sp("write")];
    Method "StoragePoolDefineXML" => [sp("write"), sp("save")];
    Method "StoragePoolLookupByName" => [sp("getattr")];
    Method "StoragePoolLookupByUUID" => [sp("getattr")];
    Method "StorageVolLookupByKey" => [sv("getattr")];
    Method "StorageVolLookupByPath" => [sv("getattr")];
};

/// `ObjectManager.GetManagedObjects` on a connection object lists every kind.
static OBJECT_MANAGER: &[Entry] = entries! { "org.freedesktop.DBus.ObjectManager";
    Method "GetManagedObjects" => [
        c("search_domains"),
        c("search_networks"),
        c("search_storage_pools"),
        c("search_node_devices"),
        c("search_interfaces"),
        c("search_secrets"),
        c("search_nwfilters"),
    ];
};

static DOMAIN: &[Entry] = entries! { "org.libvirt.Domain";
    Get "Active" => [d("read")];
    Get "Autostart" => [d("read")];
    Set "Autostart" => [d("write")];
    Get "Id" => [d("getattr")];
    Get "Name" => [d("getattr")];
    Get "OSType" => [d("read")];
    Get "Persistent" => [d("read")];
    Get "SchedulerType" => [d("read")];
    Get "Updated" => [d("read")];
    Get "UUID" => [d("getattr")];
    Method "AbortJob" => [d("write")];
    Method "AddIOThread" => [d("write"), D_SAVE_CONFIG];
    Method "AttachDevice" => [d("write"), D_SAVE_CONFIG];
    Method "BlockCommit" => [d("block_write")];
    Method "BlockCopy" => [d("block_write")];
    Method "BlockJobAbort" => [d("write")];
    Method "BlockPeek" => [d("block_read")];
    Method "BlockPull" => [d("block_write")];
    Method "BlockRebase" => [d("block_write")];
    Method "BlockResize" => [d("block_write")];
    Method "BlockJobSetSpeed" => [d("write")];
    Method "CoreDump" => [d("core_dump")];
    Method "Create" => [d("start")];
    Method "CreateWithFiles" => [d("start")];
    Method "DelIOThread" => [d("write"), D_SAVE_CONFIG];
    Method "Destroy" => [d("stop")];
    Method "DetachDevice" => [d("write"), D_SAVE_CONFIG];
    Method "FSFreeze" => [d("fs_freeze")];
    Method "FSThaw" => [d("fs_freeze")];
    Method "FSTrim" => [d("fs_trim")];
    Method "GetBlockIOParameters" => [d("read")];
    Method "GetBlockIOTune" => [d("read")];
    Method "GetBlockJobInfo" => [d("read")];
    Method "GetControlInfo" => [d("read")];
    Method "GetDiskErrors" => [d("read")];
    Method "GetEmulatorPinInfo" => [d("read")];
    Method "GetFSInfo" => [d("fs_freeze")];
    Method "GetGuestVcpus" => [d("write")];
    Method "GetHostname" => [d("read")];
    Method "GetInterfaceParameters" => [d("read")];
    Method "GetIOThreadInfo" => [d("read")];
    Method "GetJobInfo" => [d("read")];
    Method "GetJobStats" => [d("read")];
    Method "GetMemoryParameters" => [d("read")];
    Method "GetMetadata" => [d("read")];
    Method "GetNumaParameters" => [d("read")];
    Method "GetPerfEvents" => [d("read")];
    Method "GetSchedulerParameters" => [d("read")];
    Method "GetSecurityLabelList" => [d("read")];
    Method "GetState" => [d("read")];
    Method "GetStats" => [d("read")];
    Method "GetTime" => [d("read")];
    Method "GetVcpuPinInfo" => [d("read")];
    Method "GetVcpus" => [d("read"), d_if("write", VCPU_GUEST)];
    Method "GetXMLDesc" => [d("read"), d_if("read_secure", XML_SECURE | XML_MIGRATABLE)];
    Method "HasManagedSaveImage" => [d("read")];
    Method "InjectNMI" => [d("inject_nmi")];
    Method "InterfaceAddresses" => [d("read")];
    Method "ListDomainSnapshots" => [d("read")];
    Method "ManagedSave" => [d("hibernate")];
    Method "ManagedSaveRemove" => [d("hibernate")];
    Method "MemoryPeek" => [d("mem_read")];
    Method "MemoryStats" => [d("read")];
    Method "MigrateGetCompressionCache" => [d("migrate")];
    Method "MigrateGetMaxSpeed" => [d("migrate")];
    Method "MigrateSetCompressionCache" => [d("migrate")];
    Method "MigrateSetMaxDowntime" => [d("migrate")];
    Method "MigrateSetMaxSpeed" => [d("migrate")];
    Method "MigrateStartPostCopy" => [d("migrate")];
    Method "MigrateToURI3" => [d("migrate")];
    Method "OpenConsole" => [d("open_device")];
    Method "OpenGraphicsFD" => [d("open_graphics")];
    Method "PinEmulator" => [d("write"), D_SAVE_CONFIG];
    Method "PinIOThread" => [d("write"), D_SAVE_CONFIG];
    Method "PinVcpu" => [d("write"), D_SAVE_CONFIG];
    Method "PMWakeup" => [d("pm_control")];
    Method "Reboot" => [d("init_control"), d_if("write", GUEST_AGENT)];
    Method "Rename" => [d("write"), d("save")];
    Method "Reset" => [d("reset")];
    Method "Resume" => [d("suspend")];
    Method "Save" => [d("hibernate")];
    Method "SendKey" => [d("send_input")];
    Method "SendProcessSignal" => [d("send_signal")];
    Method "SetBlockIOParameters" => [d("write"), D_SAVE_CONFIG];
    Method "SetBlockIOTune" => [d("write"), D_SAVE_CONFIG];
    Method "SetBlockThreshold" => [d("write")];
    Method "SetGuestVcpus" => [d("write")];
    Method "SetInterfaceParameters" => [d("write"), D_SAVE_CONFIG];
    Method "SetMemory" => [d("write"), D_SAVE_CONFIG];
    Method "SetMemoryParameters" => [d("write"), D_SAVE_CONFIG];
    Method "SetMemoryStatsPeriod" => [d("write"), D_SAVE_CONFIG];
    Method "SetMetadata" => [d("write"), D_SAVE_CONFIG];
    Method "SetNumaParameters" => [d("write"), D_SAVE_CONFIG];
    Method "SetPerfEvents" => [d("write")];
    Method "SetSchedulerParameters" => [d("write"), D_SAVE_CONFIG];
    Method "SetUserPassword" => [d("set_password")];
    Method "SetTime" => [d("set_time")];
    Method "SetVcpus" => [d("write"), D_SAVE_CONFIG, d_if("write", VCPU_GUEST)];
    Method "Shutdown" => [d("init_control"), d_if("write", GUEST_AGENT)];
    Method "SnapshotCurrent" => [d("read")];
    Method "SnapshotCreateXML" => [d("snapshot"), d_if("fs_freeze", SNAPSHOT_QUIESCE)];
    Method "SnapshotLookupByName" => [d("read")];
    Method "Suspend" => [d("suspend")];
    Method "Undefine" => [d("delete")];
    Method "UpdateDevice" => [d("write"), D_SAVE_CONFIG];
};

/// Snapshot calls are checked against the snapshot's domain, as libvirt checks them.
static DOMAIN_SNAPSHOT: &[Entry] = entries! { "org.libvirt.DomainSnapshot";
    Method "Delete" => [d("snapshot")];
    Method "GetParent" => [d("read")];
    Method "GetXMLDesc" => [d("read"), d_if("read_secure", XML_SECURE)];
    Method "IsCurrent" => [d("read")];
    Method "ListChildren" => [d("read")];
    Method "Revert" => [d("snapshot")];
};

static INTERFACE: &[Entry] = entries! { "org.libvirt.Interface";
    Get "Active" => [i("read")];
    Get "MAC" => [i("getattr")];
    Get "Name" => [i("getattr")];
    Method "Create" => [i("start")];
    Method "Destroy" => [i("stop")];
    Method "GetXMLDesc" => [i("read")];
    Method "Undefine" => [i("delete")];
};

static NWFILTER: &[Entry] = entries! { "org.libvirt.NWFilter";
    Get "Name" => [nf("getattr")];
    Get "UUID" => [nf("getattr")];
    Method "GetXMLDesc" => [nf("read")];
    Method "Undefine" => [nf("delete")];
};

static NETWORK: &[Entry] = entries! { "org.libvirt.Network";
    Get "Active" => [n("read")];
    Get "Autostart" => [n("read")];
    Set "Autostart" => [n("write")];
    Get "Name" => [n("getattr")];
    Get "Persistent" => [n("read")];
    Get "UUID" => [n("getattr")];
    Method "Create" => [n("start")];
    Method "Destroy" => [n("stop")];
    Method "GetDHCPLeases" => [n("read")];
    Method "GetXMLDesc" => [n("read")];
    Method "Undefine" => [n("delete")];
    Method "Update" => [n("write"), rule(Object::Network, "save", When::AffectsConfig)];
};

static NODE_DEVICE: &[Entry] = entries! { "org.libvirt.NodeDevice";
    Get "Name" => [nd("getattr")];
    Get "Parent" => [nd("read")];
    Method "Destroy" => [nd("stop")];
    Method "Detach" => [nd("detach")];
    Method "GetXMLDesc" => [nd("read")];
    Method "ListCaps" => [nd("read")];
    Method "ReAttach" => [nd("detach")];
    Method "Reset" => [nd("detach")];
};

static SECRET: &[Entry] = entries! { "org.libvirt.Secret";
    Get "UUID" => [s("getattr")];
    Get "UsageID" => [s("getattr")];
    Get "UsageType" => [s("getattr")];
    Method "GetValue" => [s("read_secure")];
    Method "GetXMLDesc" => [s("read")];
    Method "SetValue" => [s("write")];
    Method "Undefine" => [s("delete")];
};

static STORAGE_POOL: &[Entry] = entries! { "org.libvirt.StoragePool";
    Get "Active" => [sp("read")];
    Get "Autostart" => [sp("read")];
    Set "Autostart" => [sp("write")];
    Get "Name" => [sp("getattr")];
    Get "Persistent" => [sp("read")];
    Get "UUID" => [sp("getattr")];
    Method "Build" => [sp("format")];
    Method "Create" => [sp("start")];
    Method "Delete" => [sp("format")];
    Method "Destroy" => [sp("stop")];
    Method "GetInfo" => [sp("read")];
    Method "GetXMLDesc" => [sp("read")];
    Method "ListStorageVolumes" => [sp("search_storage_vols")];
    Method "Refresh" => [sp("refresh")];
    Method "StorageVolCreateXML" => [sv("create")];
    Method "StorageVolCreateXMLFrom" => [sv("create")];
    Method "StorageVolLookupByName" => [sv("getattr")];
    Method "Undefine" => [sp("delete")];
};

static STORAGE_VOL: &[Entry] = entries! { "org.libvirt.StorageVol";
    Get "Name" => [sv("getattr")];
    Get "Key" => [sv("getattr")];
    Get "Path" => [sv("read")];
    Method "Delete" => [sv("delete")];
    Method "GetInfo" => [sv("read")];
    Method "GetXMLDesc" => [sv("read")];
    Method "Resize" => [sv("resize")];
    Method "Wipe" => [sv("format")];
};

/// The whole table, one slice per interface.
static TABLE: &[&[Entry]] = &[
    CONNECT,
    OBJECT_MANAGER,
    DOMAIN,
    DOMAIN_SNAPSHOT,
    INTERFACE,
    NWFILTER,
    NETWORK,
    NODE_DEVICE,
    SECRET,
    STORAGE_POOL,
    STORAGE_VOL,
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use zbus_xml::{ArgDirection, Node, PropertyAccess};

    use super::*;

    /// Every `interfaces/*.xml` file, parsed, with its file name.
    fn interface_files() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/interfaces");
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p.display().to_string(), text)
            })
            .collect();
        files.sort();
        assert!(files.len() >= 10, "interfaces/*.xml: {files:?}");
        files
    }

    #[test]
    fn every_member_of_every_interface_has_an_entry() {
        let mut declared = HashSet::new();
        let mut missing = Vec::new();
        for (file, text) in interface_files() {
            let node = Node::from_reader(text.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}"));
            for iface in node.interfaces() {
                let name = iface.name().to_string();
                let mut check = |member: Member<'static>| {
                    declared.insert((name.clone(), member));
                    if lookup(&name, member).is_none() {
                        missing.push(format!("{name} {member:?}"));
                    }
                };
                for m in iface.methods() {
                    let m: &'static str = m.name().to_string().leak();
                    check(Member::Method(m));
                }
                for p in iface.properties() {
                    let n: &'static str = p.name().to_string().leak();
                    if matches!(p.access(), PropertyAccess::Read | PropertyAccess::ReadWrite) {
                        check(Member::Get(n));
                    }
                    if matches!(
                        p.access(),
                        PropertyAccess::Write | PropertyAccess::ReadWrite
                    ) {
                        check(Member::Set(n));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "members without permissions: {missing:#?}"
        );
        // And no entry for a member that does not exist (a typo would leave a member
        // unchecked while the table looks complete).
        let stale: Vec<_> = entries()
            .filter(|e| e.interface != "org.freedesktop.DBus.ObjectManager")
            .filter(|e| !declared.contains(&(e.interface.to_owned(), e.member)))
            .map(|e| format!("{} {:?}", e.interface, e.member))
            .collect();
        assert!(stale.is_empty(), "entries of no member: {stale:#?}");
    }

    #[test]
    fn members_whose_rules_read_flags_end_with_a_flags_argument() {
        for (file, text) in interface_files() {
            let node = Node::from_reader(text.as_bytes()).unwrap();
            for iface in node.interfaces() {
                for m in iface.methods() {
                    let entry =
                        lookup(iface.name().as_str(), Member::Method(m.name().as_str())).unwrap();
                    if !entry.reads_flags() {
                        continue;
                    }
                    let last = m
                        .args()
                        .iter()
                        .rfind(|a| a.direction() != Some(ArgDirection::Out))
                        .unwrap_or_else(|| panic!("{file}: {} has no argument", m.name()));
                    assert_eq!(last.name(), Some("flags"), "{file}: {}", m.name());
                    assert_eq!(last.ty().to_string(), "u", "{file}: {}", m.name());
                }
            }
        }
    }

    #[test]
    fn action_ids_are_formed_as_libvirt_forms_them() {
        let p = Permission {
            object: Object::Domain,
            perm: "read_secure",
        };
        assert_eq!(p.action_id(), "org.libvirt.api.domain.read-secure");
        let p = Permission {
            object: Object::StoragePool,
            perm: "search_storage_vols",
        };
        assert_eq!(
            p.action_id(),
            "org.libvirt.api.storage-pool.search-storage-vols"
        );
    }

    #[test]
    fn flags_decide_the_conditional_permissions() {
        let xml = lookup("org.libvirt.Domain", Member::Method("GetXMLDesc")).unwrap();
        let perms = |flags| xml.required(flags).map(|p| p.perm).collect::<Vec<_>>();
        assert_eq!(perms(0), ["read"]);
        assert_eq!(perms(1), ["read", "read_secure"]);
        assert_eq!(perms(8), ["read", "read_secure"]);
        assert_eq!(perms(2), ["read"]);
        let set = lookup("org.libvirt.Domain", Member::Method("SetMemory")).unwrap();
        let perms = |flags| set.required(flags).map(|p| p.perm).collect::<Vec<_>>();
        assert_eq!(perms(0), ["write", "save"], "current: may reach the config");
        assert_eq!(perms(1), ["write"], "live only");
        assert_eq!(perms(2), ["write", "save"]);
        assert_eq!(perms(3), ["write", "save"]);
    }

    #[test]
    fn get_all_needs_what_every_get_needs() {
        let perms: Vec<_> = get_all("org.libvirt.Domain")
            .iter()
            .map(|p| p.action_id())
            .collect();
        assert_eq!(
            perms,
            [
                "org.libvirt.api.domain.getattr",
                "org.libvirt.api.domain.read"
            ]
        );
        assert!(get_all("org.libvirt.Connect")
            .iter()
            .all(|p| p.perm == "getattr"));
    }

    /// The text between `<tag>` and `</tag>` in `text`.
    fn element<'t>(text: &'t str, tag: &str) -> &'t str {
        let open = format!("<{tag}>");
        let start = text
            .find(&open)
            .unwrap_or_else(|| panic!("<{tag}> in {text}"))
            + open.len();
        let end = text[start..].find("</").unwrap() + start;
        &text[start..end]
    }

    #[test]
    fn the_actions_file_defines_every_permission_with_its_default() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/polkit/org.libvirt.api.policy");
        let text = std::fs::read_to_string(path).unwrap();
        let mut defined = Vec::new();
        for action in text.split("<action id=\"").skip(1) {
            let id = &action[..action.find('"').unwrap()];
            let defaults = (
                element(action, "allow_any"),
                element(action, "allow_inactive"),
                element(action, "allow_active"),
            );
            assert!(
                action.contains(
                    "<annotate key=\"org.freedesktop.policykit.owner\">unix-user:virtbus</annotate>"
                ),
                "{id}: the service account must be its owner"
            );
            defined.push((id.to_owned(), defaults));
        }
        let expected: Vec<_> = permissions()
            .iter()
            .map(|p| {
                let defaults = if p.is_anonymous() {
                    ("yes", "yes", "yes")
                } else {
                    ("no", "no", "auth_admin_keep")
                };
                (p.action_id(), defaults)
            })
            .collect();
        assert_eq!(defined, expected);
    }
}
