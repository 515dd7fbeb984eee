//! The emulator's argument vector from a domain definition, as libvirt builds it for a modern
//! QEMU (reference §5.2), and the refusals for everything this driver does not support.
//!
//! [`build`] checks the whole definition before it returns anything: an element, option or
//! device the driver cannot honour is refused with an "unsupported configuration: ..." error,
//! never dropped or passed through. Submodules, one device family each: [`disks`],
//! [`chardev`] (serial ports, consoles, channels), [`net`], [`devices`] (controllers,
//! graphics, video, input, watchdog, panic, balloon, RNG); [`address`] turns device addresses
//! into QEMU bus properties, [`json`] writes the option syntaxes, [`paths`] checks host paths.
//! [`defaults`] fills in what libvirt's qemu driver adds at define time, and [`live`] the
//! device aliases of the live XML.

pub mod address;
pub mod chardev;
pub mod defaults;
pub mod devices;
pub mod disks;
pub mod json;
pub mod live;
pub mod net;
pub mod paths;

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use virtbus_core::{
    model::{BootDev, DomainDef, LifecycleAction},
    Error, Result,
};

use self::json::{opt_value, Json};
use crate::emulator::Emulator;

/// What the host offers, read once ([`HostFacts::probe`]) and passed to every build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `MemTotal` of `/proc/meminfo`, KiB.
    pub mem_total_kib: u64,
    /// Whether `/dev/kvm` opens and the CPU has hardware virtualization (vmx or svm).
    pub kvm_usable: bool,
    /// Whether tap devices can be created: the service runs as root and `/dev/net/tun`
    /// exists.
    pub privileged: bool,
}

impl HostFacts {
    /// Reads the host.
    pub fn probe() -> Self {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_total_kib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let kvm_opens = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .is_ok();
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let hw_virt = cpuinfo
            .lines()
            .filter(|l| l.starts_with("flags"))
            .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"));
        Self {
            mem_total_kib,
            kvm_usable: kvm_opens && hw_virt,
            privileged: paths::process_ids().0 == 0 && Path::new("/dev/net/tun").exists(),
        }
    }
}

/// Everything besides the definition that the argument vector depends on.
#[derive(Debug, Clone, Copy)]
pub struct LaunchContext<'a> {
    /// The probed emulator (see [`crate::emulator::locate`] and [`crate::emulator::probe`]).
    pub emulator: &'a Emulator,
    /// The host.
    pub host: &'a HostFacts,
    /// Where QEMU listens for QMP.
    pub monitor_socket: &'a Path,
}

/// The result of [`build`]: the program and its arguments, and what must be done over QMP
/// once the emulator runs, before `cont`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The emulator binary.
    pub program: PathBuf,
    /// The arguments (without the program).
    pub args: Vec<OsString>,
    /// `<currentMemory>` below `<memory>`: the balloon target to set (QMP `balloon`), KiB.
    pub balloon_target_kib: Option<u64>,
}

impl CommandLine {
    /// The arguments as text, for logs and tests (paths are UTF-8 here: they come from XML).
    pub fn args_text(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }
}

/// The x86 machine families the driver knows how to fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineFamily {
    /// `pc-i440fx-*` (`pc`): PCI root bus `pci.0`, PIIX IDE, PIIX4 power management.
    I440fx,
    /// `pc-q35-*` (`q35`): PCIe root bus `pcie.0`, ICH9 AHCI, ICH9 LPC.
    Q35,
}

impl MachineFamily {
    /// The root PCI bus.
    pub fn root_bus(self) -> &'static str {
        match self {
            MachineFamily::I440fx => "pci.0",
            MachineFamily::Q35 => "pcie.0",
        }
    }

    /// The device holding the power-management globals.
    fn pm_device(self) -> &'static str {
        match self {
            MachineFamily::I440fx => "PIIX4_PM",
            MachineFamily::Q35 => "ICH9-LPC",
        }
    }
}

/// The argument vector under construction, with what device builders share.
pub struct Builder<'a> {
    /// The definition.
    pub def: &'a DomainDef,
    /// The context.
    pub ctx: &'a LaunchContext<'a>,
    /// The machine family.
    pub family: MachineFamily,
    args: Vec<OsString>,
    /// Boot indexes per disk position.
    pub disk_boot: Vec<Option<u32>>,
    /// Boot indexes per interface position.
    pub net_boot: Vec<Option<u32>>,
}

impl Builder<'_> {
    /// Appends an option and its value.
    pub fn opt(&mut self, name: &str, value: impl Into<OsString>) {
        self.args.push(name.into());
        self.args.push(value.into());
    }

    /// Appends a flag without value.
    pub fn flag(&mut self, name: &str) {
        self.args.push(name.into());
    }

    /// Appends `-device JSON`.
    pub fn device(&mut self, json: Json) {
        self.opt("-device", json.finish());
    }
}

/// `unsupported configuration: TEXT`.
pub fn unsupported(text: impl Into<String>) -> Error {
    Error::ConfigUnsupported(text.into())
}

/// libvirt's text when KVM is asked for and cannot be used.
pub const KVM_UNAVAILABLE: &str = "Domain requires KVM, but it is not available. Check that \
     virtualization is enabled in the host BIOS, and host configuration is setup to load the \
     kvm modules.";

/// Builds the emulator's command line for `def`, or refuses it.
pub fn build(def: &DomainDef, ctx: &LaunchContext<'_>) -> Result<CommandLine> {
    if let Some(path) = def.devices.emulator.as_deref() {
        paths::check_absolute(path, "emulator")?;
        if Path::new(path) != ctx.emulator.path {
            return Err(Error::Internal(format!(
                "the emulator '{path}' of the definition is not the one probed ('{}')",
                ctx.emulator.path.display()
            )));
        }
    }
    if ctx.monitor_socket.as_os_str().len() > crate::store::MAX_SOCKET_PATH {
        return Err(Error::InvalidArg(format!(
            "monitor socket path '{}' is longer than {} bytes",
            ctx.monitor_socket.display(),
            crate::store::MAX_SOCKET_PATH
        )));
    }
    check_virt_type(def, ctx)?;
    let (machine_name, family) = machine(def, ctx.emulator)?;
    check_unsupported_tuning(def)?;
    let mut b = Builder {
        def,
        ctx,
        family,
        args: Vec::new(),
        disk_boot: Vec::new(),
        net_boot: Vec::new(),
    };
    assign_boot_indexes(&mut b)?;

    b.opt(
        "-name",
        format!("guest={},debug-threads=on", opt_value(&def.name)),
    );
    b.flag("-S");
    b.opt("-machine", machine_option(def, &machine_name, family)?);
    b.opt(
        "-accel",
        if def.domain_type == "kvm" {
            "kvm"
        } else {
            "tcg"
        },
    );
    if let Some(cpu) = cpu_option(def, &ctx.emulator.path)? {
        b.opt("-cpu", cpu);
    }
    let balloon_target_kib = memory(&mut b)?;
    b.opt("-smp", smp_option(def, ctx.emulator, &machine_name)?);
    b.opt("-uuid", def.uuid.hyphenated().to_string());
    b.flag("-no-user-config");
    b.flag("-nodefaults");
    b.opt(
        "-qmp",
        format!(
            "unix:{},server=on,wait=off",
            opt_value(&ctx.monitor_socket.to_string_lossy())
        ),
    );
    b.opt("-rtc", rtc_option(def)?);
    b.flag("-no-shutdown");
    lifecycle(&mut b)?;
    power_management(&mut b);
    boot_options(&mut b)?;
    devices::controllers(&mut b)?;
    disks::disks(&mut b)?;
    net::interfaces(&mut b)?;
    chardev::serials_and_consoles(&mut b)?;
    chardev::channels(&mut b)?;
    devices::inputs(&mut b)?;
    let has_graphics = devices::graphics(&mut b)?;
    devices::videos(&mut b, has_graphics)?;
    devices::watchdogs(&mut b)?;
    devices::panics(&mut b)?;
    devices::memballoon(&mut b)?;
    devices::rngs(&mut b)?;
    devices::refuse_others(def)?;
    if !has_graphics {
        b.opt("-display", "none");
    }
    b.opt("-msg", "timestamp=on");
    Ok(CommandLine {
        program: ctx.emulator.path.clone(),
        args: b.args,
        balloon_target_kib,
    })
}

/// Domain type, OS type and architecture against what the emulator and host can run.
fn check_virt_type(def: &DomainDef, ctx: &LaunchContext<'_>) -> Result<()> {
    let emulator = ctx.emulator.path.display();
    if def.os.os_type != "hvm" {
        return Err(unsupported(format!(
            "Emulator '{emulator}' does not support os type '{}'",
            def.os.os_type
        )));
    }
    let arch = def.os.arch.as_deref().unwrap_or("x86_64");
    if !matches!(arch, "x86_64" | "i686") {
        return Err(unsupported(format!(
            "Emulator '{emulator}' does not support arch '{arch}'"
        )));
    }
    match &*def.domain_type {
        "qemu" => Ok(()),
        "kvm" if !ctx.host.kvm_usable => Err(unsupported(KVM_UNAVAILABLE)),
        "kvm" => Ok(()),
        other => Err(unsupported(format!(
            "Emulator '{emulator}' does not support virt type '{other}'"
        ))),
    }
}

/// The machine family of `def` on `emulator` (for [`live::assign_aliases`]).
pub fn machine_family(def: &DomainDef, emulator: &Emulator) -> Result<MachineFamily> {
    machine(def, emulator).map(|(_, family)| family)
}

/// The machine type's versioned name and family; unknown machines are refused with libvirt's
/// text.
pub(crate) fn machine(def: &DomainDef, emulator: &Emulator) -> Result<(String, MachineFamily)> {
    let machine = match def.os.machine.as_deref() {
        Some(name) => emulator.machine(name).ok_or_else(|| {
            unsupported(format!(
                "Emulator '{}' does not support machine type '{name}'",
                emulator.path.display()
            ))
        })?,
        None => emulator
            .default_machine()
            .ok_or_else(|| unsupported("the emulator has no default machine type"))?,
    };
    let name = machine.name.clone();
    let family = if name.starts_with("pc-q35-") || name == "q35" {
        MachineFamily::Q35
    } else if name.starts_with("pc-i440fx-") || name == "pc" {
        MachineFamily::I440fx
    } else {
        return Err(unsupported(format!(
            "machine type '{name}' is not supported by this driver (use a pc or q35 machine)"
        )));
    };
    Ok((name, family))
}

/// Tuning and placement that need cgroups, NUMA or affinity, which this driver does not do.
fn check_unsupported_tuning(def: &DomainDef) -> Result<()> {
    let refuse = |what: &str| {
        Err(unsupported(format!(
            "{what} is not supported by this driver"
        )))
    };
    if def.max_memory.is_some() {
        return refuse("memory hotplug (<maxMemory>)");
    }
    if def.memtune.is_some() {
        return refuse("<memtune>");
    }
    if def.blkiotune.is_some() {
        return refuse("<blkiotune>");
    }
    if def.cputune.is_some() {
        return refuse("<cputune>");
    }
    if def.numatune.is_some() {
        return refuse("<numatune>");
    }
    if !def.iothreadids.is_empty() {
        return refuse("<iothreads>");
    }
    if def.perf.is_some() {
        return refuse("<perf>");
    }
    if def.vcpu.cpuset.is_some() || def.vcpu.placement != virtbus_core::model::Placement::Static {
        return refuse("vcpu placement other than static without cpuset");
    }
    let loader = &def.os.loader;
    if loader.firmware.is_some() || loader.path.is_some() || loader.nvram.is_some() {
        return refuse("firmware selection (<loader>, <nvram>, firmware=)");
    }
    if def.os.direct.init.is_some() {
        return refuse("<init>");
    }
    Ok(())
}

/// `-machine NAME,usb=off,dump-guest-core=off,acpi=on|off[,...]` from `<features>` and the
/// hpet timer.
fn machine_option(def: &DomainDef, name: &str, family: MachineFamily) -> Result<String> {
    let mut opt = format!("{name},usb=off,dump-guest-core=off");
    let mut acpi = false;
    for feature in &def.features {
        let state = feature
            .attributes
            .iter()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.as_str());
        let on_off = |state: Option<&str>| match state {
            None | Some("on") => Ok("on"),
            Some("off") => Ok("off"),
            Some(other) => Err(unsupported(format!(
                "invalid state '{other}' of feature '{}'",
                feature.name
            ))),
        };
        match feature.name.as_str() {
            "acpi" => acpi = true,
            // Always present on x86 machines; nothing to pass.
            "apic" | "pae" => {}
            "vmport" => opt.push_str(&format!(",vmport={}", on_off(state)?)),
            "smm" if family == MachineFamily::Q35 => {
                opt.push_str(&format!(",smm={}", on_off(state)?));
            }
            other => {
                return Err(unsupported(format!(
                    "feature '{other}' is not supported by this driver"
                )))
            }
        }
    }
    opt.push_str(if acpi { ",acpi=on" } else { ",acpi=off" });
    for timer in &def.clock.timers {
        if timer.name == "hpet" && timer.present == Some(false) {
            opt.push_str(",hpet=off");
        }
    }
    Ok(opt)
}

/// `-cpu` from `<cpu>`; `None` leaves QEMU's default model (qemu64). Under TCG, host-model
/// is the CPU the domain capabilities describe for `emulator`
/// ([`crate::domain_caps::tcg_host_model_option`]), as libvirt turns host-model into a
/// custom CPU.
fn cpu_option(def: &DomainDef, emulator: &Path) -> Result<Option<String>> {
    let Some(cpu) = def.cpu.as_deref() else {
        return Ok(None);
    };
    let kvm = def.domain_type == "kvm";
    let mut opt = match (cpu.mode.as_deref(), cpu.model.as_deref()) {
        (Some("host-passthrough"), _) if kvm => "host".to_owned(),
        (Some("host-model"), _) if !kvm => crate::domain_caps::tcg_host_model_option(emulator)?,
        (Some(mode @ ("host-passthrough" | "host-model")), _) => {
            return Err(host_cpu_unsupported(mode));
        }
        (Some("maximum"), _) => "max".to_owned(),
        (None | Some("custom"), Some(model)) => {
            if !is_plain_name(model) {
                return Err(unsupported(format!("invalid CPU model name '{model}'")));
            }
            model.to_owned()
        }
        // Topology only: QEMU's default model.
        (None | Some("custom"), None) if cpu.features.is_empty() => return Ok(None),
        (mode, _) => {
            return Err(unsupported(format!(
                "CPU mode '{}' without a model is not supported by this driver",
                mode.unwrap_or("custom")
            )))
        }
    };
    for (policy, name) in &cpu.features {
        if !is_plain_name(name) {
            return Err(unsupported(format!("invalid CPU feature name '{name}'")));
        }
        let value = match policy.as_str() {
            "require" | "force" | "optional" => "on",
            "disable" | "forbid" => "off",
            other => {
                return Err(unsupported(format!(
                    "CPU feature policy '{other}' is not supported by this driver"
                )))
            }
        };
        opt.push_str(&format!(",{name}={value}"));
    }
    Ok(Some(opt))
}

/// libvirt's refusal of a host CPU mode the hypervisor (TCG) cannot give.
fn host_cpu_unsupported(mode: &str) -> Error {
    unsupported(format!(
        "CPU mode '{mode}' for x86_64 qemu domain on x86_64 host is not supported by hypervisor"
    ))
}

/// Whether `s` is a plain QEMU model or feature name (letters, digits, `-`, `_`, `.`).
fn is_plain_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `-m size=Nk`: memory aligned up to 1 MiB as libvirt aligns it, refused when 0 or larger
/// than the host. Returns the balloon target when `<currentMemory>` is lower.
fn memory(b: &mut Builder<'_>) -> Result<Option<u64>> {
    let def = b.def;
    if def.memory_kib == 0 {
        return Err(Error::Xml(
            "Memory size must be specified via <memory> or in the <numa> configuration".into(),
        ));
    }
    let aligned = def
        .memory_kib
        .checked_next_multiple_of(1024)
        .ok_or_else(|| unsupported("memory size is too large"))?;
    let host = b.ctx.host.mem_total_kib;
    if host > 0 && aligned > host {
        return Err(unsupported(format!(
            "memory size {aligned} KiB exceeds the host's total memory of {host} KiB"
        )));
    }
    b.opt("-m", format!("size={aligned}k"));
    let current = def.current_memory_kib;
    Ok((current > 0 && current < def.memory_kib).then_some(current))
}

/// `-smp CUR,sockets=S,dies=D,cores=C,threads=T,maxcpus=MAX`, checked against the machine
/// type's limit and the topology.
fn smp_option(def: &DomainDef, emulator: &Emulator, machine: &str) -> Result<String> {
    let (max, current) = (def.vcpu.max, def.vcpu.current);
    if current == 0 || max == 0 {
        return Err(unsupported("Domain requires at least 1 vCPU"));
    }
    let limit = emulator.machine(machine).map_or(1, |m| m.cpu_max);
    if max > limit {
        return Err(unsupported(format!(
            "Maximum CPUs greater than specified machine type limit {limit}"
        )));
    }
    let (sockets, dies, cores, threads) = match def.cpu.as_deref().and_then(|c| c.topology) {
        Some((s, d, c, t)) => {
            let product = u64::from(s) * u64::from(d.max(1)) * u64::from(c) * u64::from(t);
            if product != u64::from(max) {
                return Err(unsupported("CPU topology doesn't match maximum vcpu count"));
            }
            (s, d.max(1), c, t)
        }
        None => (max, 1, 1, 1),
    };
    Ok(format!(
        "{current},sockets={sockets},dies={dies},cores={cores},threads={threads},maxcpus={max}"
    ))
}

/// `-rtc base=utc|localtime[,driftfix=slew]`, and the refusal of clock settings the driver
/// does not handle.
fn rtc_option(def: &DomainDef) -> Result<String> {
    let clock = &*def.clock;
    let mut opt = match &*clock.offset {
        "utc" => "base=utc".to_owned(),
        "localtime" => "base=localtime".to_owned(),
        other => {
            return Err(unsupported(format!(
                "clock offset '{other}' is not supported by this driver"
            )))
        }
    };
    if clock.adjustment.is_some() || clock.basis.is_some() || clock.timezone.is_some() {
        return Err(unsupported(
            "clock adjustment is not supported by this driver",
        ));
    }
    for timer in &clock.timers {
        match (timer.name.as_str(), timer.tickpolicy.as_deref()) {
            ("rtc", None) => {}
            ("rtc", Some("catchup")) => opt.push_str(",driftfix=slew"),
            ("pit", None | Some("delay")) | ("hpet", None) => {}
            (name, Some(policy)) => {
                return Err(unsupported(format!(
                    "unsupported {name} timer tickpolicy '{policy}'"
                )))
            }
            (name, None) => {
                return Err(unsupported(format!(
                    "timer '{name}' is not supported by this driver"
                )))
            }
        }
    }
    Ok(opt)
}

/// The guest actions: `-no-shutdown` always (the driver acts on SHUTDOWN itself, reference
/// §3.3); `on_reboot=destroy` becomes QEMU's reboot action "shutdown"; the rest is done by
/// the driver on QMP events. Actions QEMU cannot carry out are refused.
fn lifecycle(b: &mut Builder<'_>) -> Result<()> {
    let def = b.def;
    use LifecycleAction::{
        CoredumpDestroy, CoredumpRestart, Destroy, Preserve, RenameRestart, Restart,
    };
    let all = [def.on_poweroff, def.on_reboot, def.on_crash];
    // libvirt's qemuValidateLifecycleAction, then what this driver adds.
    if all.contains(&RenameRestart) {
        return Err(unsupported(
            "qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'",
        ));
    }
    if def.on_poweroff == Preserve || def.on_reboot == Preserve {
        return Err(unsupported(
            "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'",
        ));
    }
    if def.on_poweroff == Restart && def.on_reboot == Destroy {
        return Err(unsupported(
            "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'",
        ));
    }
    if matches!(def.on_crash, CoredumpDestroy | CoredumpRestart) {
        return Err(unsupported(format!(
            "on_crash action '{}' is not supported by this driver",
            def.on_crash.as_str()
        )));
    }
    let mut actions = Vec::new();
    if def.on_reboot == Destroy {
        actions.push("reboot=shutdown".to_owned());
    }
    if let Some(action) = devices::watchdog_action(def)? {
        actions.push(format!("watchdog={action}"));
    }
    if !actions.is_empty() {
        b.opt("-action", actions.join(","));
    }
    Ok(())
}

/// `<pm>`: S3 and S4 as the power-management device's globals.
fn power_management(b: &mut Builder<'_>) {
    let pm = b.family.pm_device();
    let (s3, s4) = b.def.pm;
    if let Some(enabled) = s3 {
        b.opt("-global", format!("{pm}.disable_s3={}", u8::from(!enabled)));
    }
    if let Some(enabled) = s4 {
        b.opt("-global", format!("{pm}.disable_s4={}", u8::from(!enabled)));
    }
}

/// Boot indexes per device: `<boot order>` on devices as written, or `<os><boot dev>` turned
/// into indexes on the first device of each kind, as libvirt does.
fn assign_boot_indexes(b: &mut Builder<'_>) -> Result<()> {
    let devs = &b.def.devices;
    b.disk_boot = devs.disks.iter().map(|d| d.boot_order).collect();
    b.net_boot = devs.interfaces.iter().map(|i| i.boot_order).collect();
    if b.disk_boot.iter().chain(&b.net_boot).any(Option::is_some) {
        return Ok(());
    }
    for (i, dev) in b.def.os.boot.iter().enumerate() {
        let index = u32::try_from(i + 1).unwrap_or(u32::MAX);
        match dev {
            BootDev::Hd | BootDev::Cdrom => {
                let wanted = if dev == BootDev::Hd { "disk" } else { "cdrom" };
                if let Some(pos) = devs.disks.iter().position(|d| d.device == wanted) {
                    b.disk_boot[pos].get_or_insert(index);
                }
            }
            BootDev::Network => {
                if !b.net_boot.is_empty() {
                    b.net_boot[0].get_or_insert(index);
                }
            }
            BootDev::Fd => {
                return Err(unsupported(
                    "booting from a floppy is not supported by this driver",
                ))
            }
        }
    }
    Ok(())
}

/// `-boot`, `-kernel`, `-initrd`, `-append`.
fn boot_options(b: &mut Builder<'_>) -> Result<()> {
    let os = &b.def.os;
    let mut boot = String::new();
    if os.boot_menu == Some(true) {
        boot.push_str("menu=on,");
        if let Some(ms) = os.bootmenu_timeout {
            boot.push_str(&format!("splash-time={ms},"));
        }
    }
    boot.push_str("strict=on");
    b.opt("-boot", boot);
    let direct = &*os.direct;
    if let Some(kernel) = &direct.kernel {
        paths::check_boot_file(kernel, "kernel")?;
        b.opt("-kernel", kernel.as_str());
    }
    if let Some(initrd) = &direct.initrd {
        if direct.kernel.is_none() {
            return Err(unsupported("an initrd needs a kernel"));
        }
        paths::check_boot_file(initrd, "initrd")?;
        b.opt("-initrd", initrd.as_str());
    }
    if let Some(cmdline) = &direct.cmdline {
        if direct.kernel.is_none() {
            return Err(unsupported("a kernel command line needs a kernel"));
        }
        b.opt("-append", cmdline.as_str());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
