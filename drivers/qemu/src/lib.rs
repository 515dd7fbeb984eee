//! The native QEMU driver: `qemu:///session` and `qemu:///system` without libvirtd.
//!
//! Each guest is a `qemu-system-*` process that is the service's own child (never
//! daemonized), started paused with `-S` and `-no-shutdown`, and driven over a QMP socket in
//! the run directory. Like every crate under `drivers/`, it knows nothing of D-Bus.
//!
//! Modules, one job each:
//! - [`driver`]: the connection ([`QemuDriver`]), its configuration and host answers; private
//!   modules hold the domain table (`domains`), the `DomainDriver` calls (`domain_ops`) and the
//!   running guests with their supervisors (`guest`).
//! - [`qmp`]: the QMP client (greeting, capabilities, commands matched to replies, events).
//! - [`process`]: spawning and supervising the emulator process.
//! - [`command_line`]: the emulator's argument vector from a domain definition.
//! - [`emulator`]: finding the emulator binary, checking it is QEMU, its version and machines.
//! - [`host`]: the real host's CPUs, memory, NUMA cells and SMBIOS tables; [`host_cpu`]: its
//!   CPU features as libvirt's CPU map names them (for `CompareCPU`).
//! - [`cpu_probe`]: the CPU models and `max` CPU features the emulator offers under TCG.
//! - [`domain_caps`]: `GetDomainCapabilities`, its arguments and the document.
//! - [`monitor_events`]: what each QMP event means for a domain (state, events, follow-up).
//! - [`stats`]: `GetInfo`, `GetStats`, memory, block and interface statistics from QMP.
//! - [`runtime`]: the runtime details of the live XML (pty paths, the VNC port).
//! - [`console`]: console sessions, a client's fd joined to a guest's pty; `graphics`: a
//!   client socket handed to the guest's display.
//! - [`save`]: save images and restore, through migration to and from a file.
//! - `vcpus`: vCPU counts, and vCPU hotplug through QEMU's hotpluggable CPUs.
//! - [`store`]: persistent definitions and runtime status on disk, written atomically.

pub mod command_line;
pub mod console;
pub mod cpu_probe;
pub mod domain_caps;
mod domain_ops;
mod domains;
pub mod driver;
pub mod emulator;
mod graphics;
mod guest;
pub mod host;
pub mod host_cpu;
pub mod monitor_events;
pub mod process;
pub mod qmp;
pub mod runtime;
pub mod save;
mod saving;
pub mod stats;
mod stats_ops;
pub mod store;
mod vcpus;

pub use driver::{QemuConfig, QemuDriver};
