//! The service's log as an administrator reads it: a failed call with its sender, member and
//! error text; a state change with the caller's uid and the domain; reads kept out of the
//! default level; secret values at no level; the journal's fields under systemd (a fake
//! journal socket); and which members change state, over every member of interfaces/*.xml.

mod common;

use std::{
    collections::HashMap,
    os::unix::{fs::MetadataExt, net::UnixDatagram},
    path::Path,
    time::{Duration, Instant},
};

use common::{
    call, virtbus_bin, wait_for_name, with_timeout, Bus, Process, Service, BUS_NAME, LIBVIRT_ERROR,
    START_TIMEOUT, TEST_DOMAIN_PATH, TEST_DOMAIN_UUID, TEST_PATH,
};
use zbus::OwnedObjectPath;

const CONNECT: &str = "org.libvirt.Connect";
const DOMAIN: &str = "org.libvirt.Domain";
const SECRET: &str = "org.libvirt.Secret";

/// Starts the service with `args` after `--address ADDR`, and `env`.
async fn start(args: &[&str], env: &[(&str, &str)]) -> Service {
    let mut all = vec!["--address", "{address}", "--authorization", "none"];
    all.extend_from_slice(args);
    Service::start_with_env(virtbus_bin(), &all, env).await
}

/// Waits up to 5 s for a line of the service's stderr that contains every one of `needles`;
/// panics with the whole log otherwise.
async fn line_with(service: &Service, needles: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = service.stderr();
        if let Some(line) = log
            .lines()
            .find(|line| needles.iter().all(|n| line.contains(n)))
        {
            return line.to_owned();
        }
        if Instant::now() > deadline {
            panic!("no log line contains all of {needles:?}; the log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// This process's uid.
fn my_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_call_is_logged_with_its_sender_member_and_error() {
    with_timeout(async {
        let service = start(&["--log-level", "debug"], &[]).await;
        let sender = service
            .conn
            .unique_name()
            .expect("a unique name")
            .to_string();
        let r = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "DomainLookupByName",
            &("nope",),
        )
        .await;
        let (name, text) = r.expect_err();
        assert_eq!(name, LIBVIRT_ERROR);
        let line = line_with(
            &service,
            &[
                "call failed",
                &format!("dbus_sender=\"{sender}\""),
                "dbus_member=\"DomainLookupByName\"",
                &format!("dbus_error=\"{LIBVIRT_ERROR}\""),
                &format!("libvirt_error=\"{text}\""),
                &format!("caller_uid={}", my_uid()),
                &format!("caller_pid={}", std::process::id()),
            ],
        )
        .await;
        assert!(
            line.contains("DEBUG"),
            "a caller's mistake is debug: {line}"
        );

        // A refusal of the dispatcher itself (no such method) is logged the same way.
        let r = call(&service.conn, TEST_PATH, CONNECT, "NoSuchMember", &()).await;
        assert!(r.is_err());
        line_with(
            &service,
            &[
                "call failed",
                "dbus_member=\"NoSuchMember\"",
                "dbus_error=\"org.freedesktop.DBus.Error.UnknownMethod\"",
            ],
        )
        .await;

        // A successful read at debug: the call, its path and its duration.
        call(
            &service.conn,
            TEST_DOMAIN_PATH,
            DOMAIN,
            "GetState",
            &(0u32,),
        )
        .await
        .expect_ok();
        let line = line_with(&service, &["dbus_member=\"GetState\""]).await;
        assert!(
            line.contains(&format!("dbus_path=\"{TEST_DOMAIN_PATH}\"")),
            "{line}"
        );
        assert!(line.contains("duration_us="), "{line}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_change_is_logged_at_info_with_the_callers_uid_and_the_domain() {
    with_timeout(async {
        let service = start(&["--log-level", "info"], &[]).await;
        call(
            &service.conn,
            TEST_DOMAIN_PATH,
            DOMAIN,
            "GetState",
            &(0u32,),
        )
        .await
        .expect_ok();
        call(&service.conn, TEST_DOMAIN_PATH, DOMAIN, "Suspend", &())
            .await
            .expect_ok();
        let line = line_with(
            &service,
            &[
                "state changed",
                "dbus_member=\"Suspend\"",
                &format!("caller_uid={}", my_uid()),
                &format!("domain_uuid=\"{TEST_DOMAIN_UUID}\""),
                "domain_name=\"test\"",
            ],
        )
        .await;
        assert!(line.contains("INFO"), "{line}");
        // A refused state change is info too, with libvirt's text.
        let r = call(&service.conn, TEST_DOMAIN_PATH, DOMAIN, "Suspend", &()).await;
        let (_, text) = r.expect_err();
        line_with(
            &service,
            &[
                "state change failed",
                "dbus_member=\"Suspend\"",
                &format!("libvirt_error=\"{text}\""),
            ],
        )
        .await;
        // Reads stay below info.
        let log = service.stderr();
        assert!(
            !log.contains("dbus_member=\"GetState\""),
            "a read at info:\n{log}"
        );
    })
    .await;
}

/// The secret value the next test sets: it must not appear in the log in any form.
const SECRET_VALUE: &[u8] = b"Tr0ub4dor&3-horse-staple";

/// What a log line could show of [`SECRET_VALUE`]: as text, as the debug form of its bytes,
/// and as the start of that form.
fn secret_forms() -> Vec<String> {
    let text = String::from_utf8_lossy(SECRET_VALUE).into_owned();
    let bytes = format!("{:?}", SECRET_VALUE.to_vec());
    let head = bytes[..bytes.len().min(24)].to_owned();
    let joined: String = SECRET_VALUE.iter().map(|b| format!("{b}, ")).collect();
    vec![text, bytes, head, joined[..30].to_owned()]
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_values_never_reach_the_log_even_at_trace() {
    with_timeout(async {
        // Everything at trace, zbus included.
        let service = start(&[], &[("RUST_LOG", "trace")]).await;
        let xml = "<secret ephemeral='no' private='no'>\
            <uuid>0b1e2d3c-4a5b-4c6d-8e9f-a0b1c2d3e4f5</uuid>\
            <usage type='ceph'><name>client.admin</name></usage></secret>";
        let msg = call(
            &service.conn,
            TEST_PATH,
            CONNECT,
            "SecretDefineXML",
            &(xml, 0u32),
        )
        .await
        .expect_ok();
        let path: OwnedObjectPath = msg.body().deserialize().unwrap();
        call(
            &service.conn,
            path.as_str(),
            SECRET,
            "SetValue",
            &(SECRET_VALUE.to_vec(), 0u32),
        )
        .await
        .expect_ok();
        let msg = call(&service.conn, path.as_str(), SECRET, "GetValue", &(0u32,))
            .await
            .expect_ok();
        let value: Vec<u8> = msg.body().deserialize().unwrap();
        assert_eq!(value, SECRET_VALUE, "the value was set and read back");
        // The calls themselves are in the log; their arguments and replies are not.
        line_with(&service, &["dbus_member=\"SetValue\"", "state changed"]).await;
        line_with(&service, &["dbus_member=\"GetValue\""]).await;
        let log = service.stderr();
        for form in secret_forms() {
            assert!(
                !log.contains(&form),
                "the log shows the secret as {form:?}:\n{log}"
            );
        }
    })
    .await;
}

/// The fields of one journal datagram (native protocol: `KEY=value` lines, or `KEY`, a
/// little-endian 64-bit length and the bytes for values with a newline).
fn journal_fields(datagram: &[u8]) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    let mut rest = datagram;
    while !rest.is_empty() {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = &rest[..end];
        if let Some(eq) = line.iter().position(|b| *b == b'=') {
            let key = String::from_utf8_lossy(&line[..eq]).into_owned();
            fields.insert(key, String::from_utf8_lossy(&line[eq + 1..]).into_owned());
            rest = rest.get(end + 1..).unwrap_or_default();
        } else {
            let key = String::from_utf8_lossy(line).into_owned();
            let after = &rest[end + 1..];
            let len = u64::from_le_bytes(after[..8].try_into().unwrap()) as usize;
            let value = &after[8..8 + len];
            fields.insert(key, String::from_utf8_lossy(value).into_owned());
            rest = after.get(8 + len + 1..).unwrap_or_default();
        }
    }
    fields
}

/// journald's socket, which tracing-journald always writes to.
const JOURNAL_SOCKET: &str = "/run/systemd/journal/socket";

/// A fake journal at [`JOURNAL_SOCKET`]: created by the test, removed when dropped, with the
/// directories it had to make.
struct FakeJournal {
    socket: UnixDatagram,
    made_dirs: Vec<&'static str>,
}

impl FakeJournal {
    /// Binds the socket; `None` when a journal is already there (a real journald) or the
    /// directory cannot be made (not root).
    fn bind() -> Option<FakeJournal> {
        if Path::new(JOURNAL_SOCKET).exists() {
            return None;
        }
        let mut made_dirs = Vec::new();
        for dir in ["/run/systemd", "/run/systemd/journal"] {
            if !Path::new(dir).exists() {
                std::fs::create_dir(dir).ok()?;
                made_dirs.push(dir);
            }
        }
        let socket = UnixDatagram::bind(JOURNAL_SOCKET).ok()?;
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Some(FakeJournal { socket, made_dirs })
    }

    /// Waits up to 5 s for an entry whose fields include all of `wanted`.
    fn entry_with(&self, wanted: &[(&str, &str)]) -> HashMap<String, String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 65536];
        while Instant::now() < deadline {
            let Ok(n) = self.socket.recv(&mut buf) else {
                continue;
            };
            let fields = journal_fields(&buf[..n]);
            if wanted
                .iter()
                .all(|(k, v)| fields.get(*k).map(String::as_str) == Some(*v))
            {
                return fields;
            }
            seen.push(fields);
        }
        panic!("no journal entry with {wanted:?}; entries seen: {seen:#?}");
    }
}

impl Drop for FakeJournal {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(JOURNAL_SOCKET);
        for dir in self.made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn under_systemd_calls_go_to_the_journal_with_their_fields() {
    let Some(journal) = FakeJournal::bind() else {
        eprintln!("skipped: {JOURNAL_SOCKET} exists (a real journald) or cannot be made");
        return;
    };
    with_timeout(async {
        let bus = Bus::start();
        // JOURNAL_STREAM names stderr's device and inode, as systemd sets it.
        let stderr_path = bus.dir().join("journal-stderr.log");
        std::fs::write(&stderr_path, b"").unwrap();
        let meta = std::fs::metadata(&stderr_path).unwrap();
        let stream = format!("{}:{}", meta.dev(), meta.ino());
        let mut process = Process::spawn_to(
            virtbus_bin(),
            &[
                "--address",
                "{address}",
                "--authorization",
                "none",
                "--log-level",
                "debug",
            ],
            &bus,
            &[("JOURNAL_STREAM", &stream)],
            stderr_path,
        );
        let conn = bus.connect().await;
        assert!(
            wait_for_name(&conn, BUS_NAME, &mut process, START_TIMEOUT).await,
            "the service did not start: {}",
            process.stderr()
        );
        let sender = conn.unique_name().unwrap().to_string();
        let r = call(&conn, TEST_PATH, CONNECT, "DomainLookupByName", &("nope",)).await;
        let (_, text) = r.expect_err();
        call(&conn, TEST_DOMAIN_PATH, DOMAIN, "Suspend", &())
            .await
            .expect_ok();

        let uid = my_uid().to_string();
        let failed = journal.entry_with(&[
            ("DBUS_MEMBER", "DomainLookupByName"),
            ("DBUS_SENDER", &sender),
            ("LIBVIRT_ERROR", text),
            ("CALLER_UID", &uid),
        ]);
        assert_eq!(failed["MESSAGE"], "call failed");
        assert_eq!(failed["SYSLOG_IDENTIFIER"], "virtbus");
        let changed = journal.entry_with(&[
            ("DBUS_MEMBER", "Suspend"),
            ("DOMAIN_NAME", "test"),
            ("DOMAIN_UUID", TEST_DOMAIN_UUID),
            ("CALLER_UID", &uid),
        ]);
        // journald's PRIORITY for info is 5 (notice), as tracing-journald maps it.
        assert_eq!(changed["PRIORITY"], "5");
        // The driver event that followed, with the domain's UUID as a field.
        journal.entry_with(&[
            ("TARGET", "virtbus::event"),
            ("DOMAIN_UUID", TEST_DOMAIN_UUID),
        ]);
        // Nothing went to stderr: the journal took it all.
        assert!(
            !process.stderr().contains("dbus_member"),
            "call lines on stderr:\n{}",
            process.stderr()
        );
    })
    .await;
    drop(journal);
}

/// Every `(interface, member)` of `interfaces/*.xml`.
fn contract_members() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("interfaces");
    let mut members = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        let xml = std::fs::read_to_string(&path).unwrap();
        let node = zbus_xml::Node::from_reader(xml.as_bytes()).unwrap();
        for interface in node.interfaces() {
            for method in interface.methods() {
                members.push((interface.name().to_string(), method.name().to_string()));
            }
        }
    }
    members
}

#[test]
fn every_member_of_the_contract_is_classified() {
    let members = contract_members();
    assert!(members.len() > 150, "read {} members", members.len());
    let mut unlisted = Vec::new();
    for (interface, member) in &members {
        let changes = virtbus::logging::access::changes_state(interface, member);
        match (
            READING.contains(&member.as_str()),
            CHANGING.contains(&member.as_str()),
        ) {
            (true, false) => assert!(
                !changes,
                "{interface}.{member} reads, but is logged as a change"
            ),
            (false, true) => assert!(
                changes,
                "{interface}.{member} changes state, but is logged as a read"
            ),
            _ => unlisted.push(format!("{interface}.{member}")),
        }
    }
    assert!(
        unlisted.is_empty(),
        "decide whether these members change state, and list them in READING or CHANGING: {unlisted:?}"
    );
    // Properties: Set changes state, Get and GetAll read.
    let props = "org.freedesktop.DBus.Properties";
    assert!(virtbus::logging::access::changes_state(props, "Set"));
    assert!(!virtbus::logging::access::changes_state(props, "Get"));
    assert!(!virtbus::logging::access::changes_state(props, "GetAll"));
}

/// The members that only read, decided one by one.
const READING: &[&str] = &[
    "BaselineCPU",
    "BlockPeek",
    "CompareCPU",
    "DomainLookupByID",
    "DomainLookupByName",
    "DomainLookupByUUID",
    "DomainSaveImageGetXMLDesc",
    "FindStoragePoolSources",
    "GetAllDomainStats",
    "GetBlockIOParameters",
    "GetBlockIOTune",
    "GetBlockJobInfo",
    "GetCPUModelNames",
    "GetCapabilities",
    "GetControlInfo",
    "GetDHCPLeases",
    "GetDiskErrors",
    "GetDomainCapabilities",
    "GetEmulatorPinInfo",
    "GetFSInfo",
    "GetGuestVcpus",
    "GetHostname",
    "GetIOThreadInfo",
    "GetInfo",
    "GetInterfaceParameters",
    "GetJobInfo",
    "GetJobStats",
    "GetMemoryParameters",
    "GetMetadata",
    "GetNumaParameters",
    "GetParent",
    "GetPerfEvents",
    "GetSchedulerParameters",
    "GetSecurityLabelList",
    "GetState",
    "GetStats",
    "GetSysinfo",
    "GetTime",
    "GetValue",
    "GetVcpuPinInfo",
    "GetVcpus",
    "GetXMLDesc",
    "HasManagedSaveImage",
    "InterfaceAddresses",
    "InterfaceLookupByMAC",
    "InterfaceLookupByName",
    "IsCurrent",
    "ListCaps",
    "ListChildren",
    "ListDomainSnapshots",
    "ListDomains",
    "ListInterfaces",
    "ListNWFilters",
    "ListNetworks",
    "ListNodeDevices",
    "ListSecrets",
    "ListStoragePools",
    "ListStorageVolumes",
    "MemoryPeek",
    "MemoryStats",
    "MigrateGetCompressionCache",
    "MigrateGetMaxSpeed",
    "NWFilterLookupByName",
    "NWFilterLookupByUUID",
    "NetworkLookupByName",
    "NetworkLookupByUUID",
    "NodeDeviceLookupByName",
    "NodeDeviceLookupSCSIHostByWWN",
    "NodeGetCPUMap",
    "NodeGetCPUStats",
    "NodeGetFreeMemory",
    "NodeGetMemoryParameters",
    "NodeGetMemoryStats",
    "NodeGetSecurityModel",
    "SecretLookupByUUID",
    "SecretLookupByUsage",
    "SnapshotCurrent",
    "SnapshotLookupByName",
    "StoragePoolLookupByName",
    "StoragePoolLookupByUUID",
    "StorageVolLookupByKey",
    "StorageVolLookupByName",
    "StorageVolLookupByPath",
];

/// The members that change state, decided one by one.
const CHANGING: &[&str] = &[
    "AbortJob",
    "AddIOThread",
    "AttachDevice",
    "BlockCommit",
    "BlockCopy",
    "BlockJobAbort",
    "BlockJobSetSpeed",
    "BlockPull",
    "BlockRebase",
    "BlockResize",
    "Build",
    "CoreDump",
    "Create",
    "CreateWithFiles",
    "DelIOThread",
    "Delete",
    "Destroy",
    "Detach",
    "DetachDevice",
    "DomainCreateXML",
    "DomainCreateXMLWithFiles",
    "DomainDefineXML",
    "DomainRestore",
    "DomainSaveImageDefineXML",
    "FSFreeze",
    "FSThaw",
    "FSTrim",
    "InjectNMI",
    "InterfaceChangeBegin",
    "InterfaceChangeCommit",
    "InterfaceChangeRollback",
    "InterfaceDefineXML",
    "ManagedSave",
    "ManagedSaveRemove",
    "MigrateSetCompressionCache",
    "MigrateSetMaxDowntime",
    "MigrateSetMaxSpeed",
    "MigrateStartPostCopy",
    "MigrateToURI3",
    "NWFilterDefineXML",
    "NetworkCreateXML",
    "NetworkDefineXML",
    "NodeDeviceCreateXML",
    "NodeSetMemoryParameters",
    "OpenConsole",
    "OpenGraphicsFD",
    "PMWakeup",
    "PinEmulator",
    "PinIOThread",
    "PinVcpu",
    "ReAttach",
    "Reboot",
    "Refresh",
    "Rename",
    "Reset",
    "Resize",
    "Resume",
    "Revert",
    "Save",
    "SecretDefineXML",
    "SendKey",
    "SendProcessSignal",
    "SetBlockIOParameters",
    "SetBlockIOTune",
    "SetBlockThreshold",
    "SetGuestVcpus",
    "SetInterfaceParameters",
    "SetMemory",
    "SetMemoryParameters",
    "SetMemoryStatsPeriod",
    "SetMetadata",
    "SetNumaParameters",
    "SetPerfEvents",
    "SetSchedulerParameters",
    "SetTime",
    "SetUserPassword",
    "SetValue",
    "SetVcpus",
    "Shutdown",
    "SnapshotCreateXML",
    "StoragePoolCreateXML",
    "StoragePoolDefineXML",
    "StorageVolCreateXML",
    "StorageVolCreateXMLFrom",
    "Suspend",
    "Undefine",
    "Update",
    "UpdateDevice",
    "Wipe",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_that_leaves_right_after_its_reply_is_still_named_by_uid() {
    with_timeout(async {
        let service = start(&["--log-level", "info"], &[]).await;
        // Several short-lived callers, each gone from the bus as soon as its reply is in (as
        // `busctl call` is): the line written after the reply still carries each uid.
        for (i, member) in ["Suspend", "Resume", "Suspend", "Resume"]
            .iter()
            .enumerate()
        {
            let caller = service.second_connection().await;
            call(&caller, TEST_DOMAIN_PATH, DOMAIN, member, &())
                .await
                .expect_ok();
            let sender = caller.unique_name().unwrap().to_string();
            caller.close().await.expect("close the caller's connection");
            let line = line_with(
                &service,
                &[
                    "state changed",
                    &format!("dbus_sender=\"{sender}\""),
                    &format!("dbus_member=\"{member}\""),
                ],
            )
            .await;
            assert!(
                line.contains(&format!("caller_uid={}", my_uid())),
                "call {i}: {line}"
            );
        }
    })
    .await;
}
