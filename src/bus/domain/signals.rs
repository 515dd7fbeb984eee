//! Driver events to the per-domain `org.libvirt.Domain` signals.

use virtbus_core::event::{DomainEventKind, GraphicsAddress};
use zbus::object_server::SignalEmitter;

use super::DomainObject;
use crate::bus::params;

/// A graphics endpoint as the `(iss)` of the `Graphics` signal.
fn address(a: &GraphicsAddress) -> (i32, &str, &str) {
    (a.family, a.node.as_str(), a.service.as_str())
}

/// Emits the `org.libvirt.Domain` signal for one driver event, from the object `emitter`
/// points at (the domain's path).
///
/// `Lifecycle` emits nothing here: it goes out as `DomainEvent` on the connection object.
/// Strings a driver left out travel as "", never as a missing value.
pub async fn emit_event(emitter: &SignalEmitter<'_>, kind: &DomainEventKind) -> zbus::Result<()> {
    use DomainEventKind as K;
    match kind {
        K::Lifecycle { .. } => Ok(()),
        K::Reboot => DomainObject::reboot_signal(emitter).await,
        K::RtcChange { utcoffset } => DomainObject::rtc_change(emitter, *utcoffset).await,
        K::Watchdog { action } => DomainObject::watchdog(emitter, *action).await,
        K::IoError {
            src_path,
            device,
            action,
            reason,
        } => DomainObject::io_error(emitter, src_path, device, *action, reason).await,
        K::Graphics {
            phase,
            local,
            remote,
            auth_scheme,
            identities,
        } => {
            let identities: Vec<(&str, &str)> = identities
                .iter()
                .map(|(kind, name)| (kind.as_str(), name.as_str()))
                .collect();
            DomainObject::graphics(
                emitter,
                *phase,
                address(local),
                address(remote),
                auth_scheme,
                &identities,
            )
            .await
        }
        K::ControlError => DomainObject::control_error(emitter).await,
        K::BlockJob { disk, kind, status } => {
            DomainObject::block_job(emitter, disk, *kind, *status).await
        }
        K::DiskChange {
            old_src_path,
            new_src_path,
            device,
            reason,
        } => DomainObject::disk_change(emitter, old_src_path, new_src_path, device, *reason).await,
        K::TrayChange { device, reason } => {
            DomainObject::tray_change(emitter, device, *reason).await
        }
        K::PmWakeup { reason } => DomainObject::pm_wakeup_signal(emitter, *reason).await,
        K::PmSuspend { reason } => DomainObject::pm_suspend(emitter, *reason).await,
        K::BalloonChange { actual } => DomainObject::balloon_change(emitter, *actual).await,
        K::PmSuspendDisk { reason } => DomainObject::pm_suspend_disk(emitter, *reason).await,
        K::DeviceRemoved { device } => DomainObject::device_removed(emitter, device).await,
        K::Tunable { params } => {
            DomainObject::tunable(emitter, &params::to_dict(params.clone())).await
        }
        K::AgentLifecycle { state, reason } => {
            DomainObject::agent_event(emitter, *state, *reason).await
        }
        K::DeviceAdded { device } => DomainObject::device_added(emitter, device).await,
        K::MigrationIteration { iteration } => {
            DomainObject::migration_iteration(emitter, *iteration).await
        }
        K::JobCompleted { params } => {
            DomainObject::job_completed(emitter, &params::to_dict(params.clone())).await
        }
        K::DeviceRemovalFailed { device } => {
            DomainObject::device_removal_failed(emitter, device).await
        }
        K::MetadataChange { kind, nsuri } => {
            DomainObject::metadata_change(emitter, *kind, nsuri).await
        }
        K::BlockThreshold {
            dev,
            path,
            threshold,
            excess,
        } => DomainObject::block_threshold(emitter, dev, path, *threshold, *excess).await,
    }
}
