//! virDomainOpenGraphicsFD: a connected socket to a running guest's display. One end of a
//! socket pair goes to QEMU (`getfd`, then `add_client`, as libvirt's
//! `qemuMonitorOpenGraphics` does); the other is returned to the caller, who then speaks the
//! display's protocol (RFB for VNC) on it.

use std::os::{fd::OwnedFd, unix::net::UnixStream};

use serde_json::json;
use virtbus_core::{flags::check_flags, Error, Result};

use crate::{domains::Slot, guest::monitor_error};

/// `VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH`: the client skips the display's authentication.
pub const SKIPAUTH: u32 = 1;

/// The name the socket is passed to QEMU under (libvirt's).
const FD_NAME: &str = "graphicsfd";

/// Opens a client connection to graphics device `idx` of the running guest of `slot` (its
/// job held) and returns the caller's end.
pub(crate) async fn open_fd(slot: &Slot, idx: u32, flags: u32) -> Result<OwnedFd> {
    check_flags(flags, SKIPAUTH, "qemuDomainOpenGraphicsFD")?;
    let (monitor, protocol) = {
        let mut dom = slot.lock();
        let monitor = dom.monitor()?;
        let run = dom.running()?;
        let graphics = usize::try_from(idx)
            .ok()
            .and_then(|i| run.live.devices.graphics.get(i))
            .ok_or_else(|| Error::Internal(format!("No graphics backend with index {idx}")))?;
        match graphics.graphics_type.as_str() {
            "vnc" | "spice" => (monitor, graphics.graphics_type.clone()),
            other => {
                return Err(Error::ArgumentUnsupported(format!(
                    "Can only open VNC or SPICE graphics backends, not {other}"
                )))
            }
        }
    };
    let (ours, theirs) = UnixStream::pair()
        .map_err(|e| Error::System(format!("Unable to create socket pair: {e}")))?;
    monitor
        .execute_with_fd("getfd", Some(json!({ "fdname": FD_NAME })), theirs.into())
        .await
        .map_err(monitor_error)?;
    let added = monitor
        .execute(
            "add_client",
            Some(json!({
                "protocol": protocol,
                "fdname": FD_NAME,
                "skipauth": flags & SKIPAUTH != 0,
                "tls": false,
            })),
        )
        .await;
    if let Err(error) = added {
        // QEMU keeps a passed fd until it is used or closed.
        let _ = monitor
            .execute("closefd", Some(json!({ "fdname": FD_NAME })))
            .await;
        return Err(monitor_error(error));
    }
    Ok(ours.into())
}
