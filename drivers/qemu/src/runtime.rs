//! The runtime details the live XML shows that only QEMU knows once it runs: the pty each
//! `pty` serial port, console and channel got (`query-chardev`), and the VNC port QEMU chose
//! for `autoport='yes'` (`query-vnc`). The driver calls [`fill_runtime_details`] on the live
//! definition after the emulator greets, before `cont`, as libvirt's qemu driver does in
//! `qemuProcessRefreshState`/`qemuProcessWaitForMonitor`.

use std::collections::HashMap;

use virtbus_core::{model::DomainDef, Error, Result};

use crate::qmp::Qmp;

/// A monitor command's failure, as the driver reports it.
fn monitor(e: crate::qmp::QmpError) -> Error {
    Error::Internal(e.to_string())
}

/// The pty path of every chardev that has one, by chardev label (`charserial0` →
/// `/dev/pts/3`), from `query-chardev`.
pub async fn pty_paths(qmp: &Qmp) -> Result<HashMap<String, String>> {
    let reply = qmp.execute("query-chardev", None).await.map_err(monitor)?;
    let list = reply
        .as_array()
        .ok_or_else(|| Error::Internal(format!("unexpected query-chardev reply: {reply}")))?;
    Ok(list
        .iter()
        .filter_map(|c| {
            let label = c["label"].as_str()?;
            let path = c["filename"].as_str()?.strip_prefix("pty:")?;
            Some((label.to_owned(), path.to_owned()))
        })
        .collect())
}

/// The TCP port the VNC server listens on (`query-vnc`), `None` when VNC is off or listens
/// on a socket.
pub async fn vnc_port(qmp: &Qmp) -> Result<Option<i32>> {
    let reply = qmp.execute("query-vnc", None).await.map_err(monitor)?;
    if reply["enabled"] != true {
        return Ok(None);
    }
    Ok(reply["service"].as_str().and_then(|s| s.parse().ok()))
}

/// Sets the pty paths and the automatic VNC port into the live definition. The chardev
/// labels are the ones [`crate::command_line::chardev`] gives: `charserialN` (by target
/// port), `charconsoleI`, `charchannelI`; a serial console (the first console of target type
/// serial) shows the path of the serial port it views. A pty QEMU did not report is an error
/// (libvirt: "no assigned pty for device ..."), so the live XML never shows a stale path.
pub async fn fill_runtime_details(qmp: &Qmp, live: &mut DomainDef) -> Result<()> {
    let has_pty = live
        .devices
        .serials
        .iter()
        .chain(&live.devices.consoles)
        .chain(&live.devices.channels)
        .any(|c| c.char_type == "pty");
    let auto_vnc = live
        .devices
        .graphics
        .iter()
        .any(|g| g.graphics_type == "vnc" && (g.autoport == Some(true) || g.port == Some(-1)));
    if !has_pty && !auto_vnc {
        return Ok(());
    }
    let ptys = if has_pty {
        pty_paths(qmp).await?
    } else {
        HashMap::new()
    };
    let port = if auto_vnc { vnc_port(qmp).await? } else { None };

    // Filled in a copy, put in place only when complete: nothing half-applied.
    let mut filled = (*live.devices).clone();
    let devices = &mut filled;
    let lookup = |label: &str, alias: Option<&str>| -> Result<String> {
        ptys.get(label).cloned().ok_or_else(|| {
            Error::Internal(format!(
                "no assigned pty for device {}",
                alias.unwrap_or_else(|| label.strip_prefix("char").unwrap_or(label))
            ))
        })
    };
    for serial in devices.serials.iter_mut().filter(|s| s.char_type == "pty") {
        let label = format!("charserial{}", serial.target_port.unwrap_or(0));
        serial.source_path = Some(lookup(&label, serial.alias.as_deref())?);
    }
    let first_serial = devices.serials.first().cloned();
    for (i, console) in devices.consoles.iter_mut().enumerate() {
        if console.char_type != "pty" {
            continue;
        }
        match (console.target_type.as_deref(), &first_serial) {
            (Some("serial"), Some(serial)) if i == 0 => {
                console.source_path = serial.source_path.clone();
            }
            _ => {
                let label = format!("charconsole{i}");
                console.source_path = Some(lookup(&label, console.alias.as_deref())?);
            }
        }
    }
    for (i, channel) in devices.channels.iter_mut().enumerate() {
        if channel.char_type == "pty" {
            let label = format!("charchannel{i}");
            channel.source_path = Some(lookup(&label, channel.alias.as_deref())?);
        }
    }
    if auto_vnc {
        let port = port.ok_or_else(|| {
            Error::Internal("QEMU reports no VNC port for the guest's graphics".to_owned())
        })?;
        for g in devices
            .graphics
            .iter_mut()
            .filter(|g| g.graphics_type == "vnc")
        {
            g.port = Some(port);
            g.autoport = Some(true);
        }
    }
    *live.devices = filled;
    Ok(())
}
