//! The garbage-arguments sweep over the QEMU connection: every method of `org.libvirt.Connect`
//! on /org/libvirt/QEMU and of `org.libvirt.Domain` on a real running guest, called with
//! plausible-but-bad values (empty strings, zeros, the largest numbers, hostile paths). Every
//! call must get a valid reply or an `org.libvirt.Error` with a text within a bound, the
//! service must live through all of them, and no emulator may be left behind.

mod common;

use std::time::Duration;

use common::{
    call,
    guests::{alive, emulator_pid, no_disk_xml, KillGuests, QEMU_PATH},
    send_signal,
    sweep::{body, inventory, Member, Values},
    Reply, Service, LIBVIRT_ERROR,
};
use zbus::{OwnedObjectPath, Structure};

/// The guest every Domain method is called on (recreated whenever a call stopped or
/// undefined it).
const VICTIM: &str = "victim";
/// Upper bound for one reply.
const REPLY_LIMIT: Duration = Duration::from_secs(10);
/// Upper bound for the whole sweep (it starts guests again and again under TCG).
const SWEEP_LIMIT: Duration = Duration::from_secs(240);

/// Makes sure the victim guest is defined and running; returns its path.
async fn ensure_victim(service: &Service) -> String {
    let connect = "org.libvirt.Connect";
    let path = match call(
        &service.conn,
        QEMU_PATH,
        connect,
        "DomainLookupByName",
        &(VICTIM,),
    )
    .await
    {
        Reply::Ok(msg) => msg.body().deserialize::<OwnedObjectPath>().unwrap(),
        _ => {
            let xml = no_disk_xml(VICTIM, "/usr/bin/qemu-system-x86_64");
            let msg = call(
                &service.conn,
                QEMU_PATH,
                connect,
                "DomainDefineXML",
                &(xml.as_str(),),
            )
            .await
            .expect_ok();
            msg.body().deserialize::<OwnedObjectPath>().unwrap()
        }
    };
    let path = path.to_string();
    let state: (i32, i32) = call(
        &service.conn,
        &path,
        "org.libvirt.Domain",
        "GetState",
        &0u32,
    )
    .await
    .expect_ok()
    .body()
    .deserialize()
    .unwrap();
    match state.0 {
        1 => {}
        3 => {
            call(&service.conn, &path, "org.libvirt.Domain", "Resume", &())
                .await
                .expect_ok();
        }
        _ => {
            // Shut off: a managed save image left by the sweep is discarded by FORCE_BOOT.
            call(&service.conn, &path, "org.libvirt.Domain", "Create", &8u32)
                .await
                .expect_ok();
        }
    }
    path
}

async fn sweep_call(service: &Service, path: &str, m: &Member, body: &Structure<'_>) -> Reply {
    let send = async {
        if m.in_sig.is_empty() {
            call(&service.conn, path, &m.interface, &m.name, &()).await
        } else {
            call(&service.conn, path, &m.interface, &m.name, body).await
        }
    };
    tokio::time::timeout(REPLY_LIMIT, send)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{}.{}: no reply within {REPLY_LIMIT:?}",
                m.interface, m.name
            )
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_connect_and_domain_method_with_bad_values() {
    let sweep = async {
        let service = Service::start().await;
        let dir = service.bus().dir().to_path_buf();
        let _guests = KillGuests(dir.clone());
        let members = inventory(&["org.libvirt.Connect", "org.libvirt.Domain"]);
        assert!(members.len() >= 140, "{} methods", members.len());
        let mut problems = Vec::new();
        let mut calls = 0;
        for m in &members {
            for values in [Values::Zero, Values::Max] {
                let Some(b) = body(m, values) else { continue };
                let path = if m.interface == "org.libvirt.Domain" {
                    ensure_victim(&service).await
                } else {
                    QEMU_PATH.to_owned()
                };
                let r = sweep_call(&service, &path, m, &b).await;
                calls += 1;
                match &r {
                    Reply::Ok(_) => {}
                    Reply::Err { name, text } if name == LIBVIRT_ERROR && !text.is_empty() => {}
                    other => problems.push(format!("{}: {values:?} -> {other:?}", m.name)),
                }
                assert!(
                    send_signal(service.pid(), 0),
                    "service died after {}.{} ({values:?}); stderr:\n{}",
                    m.interface,
                    m.name,
                    service.stderr()
                );
            }
        }
        assert!(calls > 250, "only {calls} calls made");

        // Still right afterwards: the victim runs and answers, its emulator is its own.
        let path = ensure_victim(&service).await;
        let pid = emulator_pid(&service, VICTIM);
        assert!(alive(pid));
        call(&service.conn, &path, "org.libvirt.Domain", "Destroy", &0u32)
            .await
            .expect_ok();
        assert!(!alive(pid), "destroyed after the sweep");
        // Nothing was written where a hostile name or path pointed.
        assert!(!dir.join("etc/qemu/..").join("victim.xml").exists());
        assert!(
            problems.is_empty(),
            "{} problems:\n{}",
            problems.len(),
            problems.join("\n")
        );
    };
    tokio::time::timeout(SWEEP_LIMIT, sweep)
        .await
        .unwrap_or_else(|_| panic!("the sweep took longer than {SWEEP_LIMIT:?}"));
}
