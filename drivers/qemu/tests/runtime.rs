//! Runtime details of the live XML from real qemu (src/runtime.rs): pty paths and the VNC
//! port QEMU chose. qemu is killed by pid (KillOnDrop) whatever happens.

mod common;

use std::{io::Read, net::TcpStream, time::Duration};

use common::{start_definition, within};
use virtbus_core::xml::{format_domain, FormatOptions};
use virtbus_qemu_driver::runtime::{fill_runtime_details, vnc_port};

fn live_xml(def: &virtbus_core::model::DomainDef) -> String {
    format_domain(
        def,
        &FormatOptions {
            id: Some(1),
            secure: false,
            inactive: false,
            migratable: false,
            indent: 0,
        },
    )
}

#[tokio::test]
async fn a_pty_console_gets_its_pty_path_in_the_live_xml() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let xml = "<domain type='qemu'><name>rt-pty</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><console type='pty'/></devices></domain>";
        let mut guest = start_definition(xml, dir.path(), &[]).await;
        assert!(guest.live.devices.consoles[0].source_path.is_none());
        fill_runtime_details(&guest.started.monitor, &mut guest.live)
            .await
            .unwrap();
        let console = &guest.live.devices.consoles[0];
        let path = console.source_path.clone().expect("a pty path");
        assert!(path.starts_with("/dev/pts/"), "{path}");
        assert!(std::path::Path::new(&path).exists(), "{path}");
        // The console views serial port 0, which shows the same pty.
        assert_eq!(
            guest.live.devices.serials[0].source_path.as_deref(),
            Some(path.as_str())
        );
        let text = live_xml(&guest.live);
        assert!(
            text.contains(&format!("<console type='pty' tty='{path}'>")),
            "{text}"
        );
        assert!(text.contains(&format!("<source path='{path}'/>")), "{text}");
    })
    .await;
}

#[tokio::test]
async fn an_autoport_vnc_display_gets_the_port_qemu_listens_on() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let xml = "<domain type='qemu'><name>rt-vnc</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><graphics type='vnc' autoport='yes'/></devices></domain>";
        let mut guest = start_definition(xml, dir.path(), &[]).await;
        fill_runtime_details(&guest.started.monitor, &mut guest.live)
            .await
            .unwrap();
        let port = guest.live.devices.graphics[0].port.expect("a port");
        assert!((5900..=5999).contains(&port), "{port}");
        assert_eq!(vnc_port(&guest.started.monitor).await.unwrap(), Some(port));
        // Something speaking RFB listens there.
        let mut stream = TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut banner = [0u8; 4];
        stream.read_exact(&mut banner).unwrap();
        assert_eq!(&banner, b"RFB ");
        let text = live_xml(&guest.live);
        assert!(
            text.contains(&format!(
                "<graphics type='vnc' port='{port}' autoport='yes'"
            )),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_guest_without_ptys_or_vnc_is_left_as_it_is() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let xml = format!(
            "<domain type='qemu'><name>rt-none</name><memory unit='MiB'>128</memory>\
             <vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><serial type='file'><source path='{}'/></serial></devices></domain>",
            dir.path().join("serial.log").display()
        );
        let mut guest = start_definition(&xml, dir.path(), &[]).await;
        let before = guest.live.clone();
        fill_runtime_details(&guest.started.monitor, &mut guest.live)
            .await
            .unwrap();
        assert_eq!(guest.live, before);
    })
    .await;
}

#[tokio::test]
async fn a_pty_qemu_does_not_report_is_an_error_and_nothing_is_changed() {
    within(async {
        let dir = tempfile::tempdir().unwrap();
        let peer = common::FakePeer::bind(dir.path());
        let path = peer.path.clone();
        let answer = tokio::spawn(async move {
            let mut connection = peer.accept_negotiated().await;
            let command = connection.command().await;
            assert_eq!(command["execute"], "query-chardev");
            // serial0's pty is there, serial1's is missing.
            let list = serde_json::json!([
                { "label": "charserial0", "filename": "pty:/dev/pts/77", "frontend-open": false }
            ]);
            connection.reply(&command, list).await;
            connection
        });
        let (qmp, _, _events) =
            virtbus_qemu_driver::qmp::Qmp::connect(&path, Duration::from_secs(5))
                .await
                .unwrap();
        let mut def = virtbus_core::xml::parse_domain(
            "<domain type='qemu'><name>rt-fake</name><memory unit='MiB'>128</memory>\
             <os><type arch='x86_64'>hvm</type></os><devices>\
             <serial type='pty'><target port='0'/><alias name='serial0'/></serial>\
             <serial type='pty'><target port='1'/><alias name='serial1'/></serial>\
             </devices></domain>",
        )
        .unwrap();
        let before = def.clone();
        let err = fill_runtime_details(&qmp, &mut def).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "internal error: no assigned pty for device serial1"
        );
        assert_eq!(def, before, "serial0's path must not be half-applied");
        drop(answer.await.unwrap());
    })
    .await;
}
