//! Typed-parameter tuning: memory, NUMA, block I/O weights, interface bandwidth, perf events
//! and disk throttling, as libvirt 9.0's test driver keeps them: in the definition the flags
//! pick, so that `GetXMLDesc` shows them as libvirt does (`<memtune>`, `<numatune>`,
//! `<blkiotune>`, `<perf>`, an interface's `<bandwidth>`, a disk's `<iotune>`).

use uuid::Uuid;
use virtbus_core::{
    bitmap,
    flags::{affect, check_flags, TYPED_PARAM_STRING_OKAY},
    model::{
        BandwidthDef, BlkioDeviceDef, DomainDef, IoTuneDef, MemtuneDef, NumaMode, NumatuneDef,
        PerfDef, Placement, RateDef, IOTUNE_FIELDS, IOTUNE_GROUP_AFTER, MEMORY_UNLIMITED,
        PERF_EVENTS,
    },
    params::{self, Kind, TypedParams, TypedValue},
    Error, Result,
};

use crate::TestDriver;

const GET_FLAGS: u32 = affect::BOTH | TYPED_PARAM_STRING_OKAY;

/// Names of the memory tunables, in the order they are reported.
const MEMORY_PARAMS: [&str; 3] = ["hard_limit", "soft_limit", "swap_hard_limit"];

/// The blkio per-device parameters, in the order they are reported.
const BLKIO_DEVICE_PARAMS: [&str; 5] = [
    "device_weight",
    "device_read_iops_sec",
    "device_write_iops_sec",
    "device_read_bytes_sec",
    "device_write_bytes_sec",
];

/// Whether the per-device parameter at `index` of [`BLKIO_DEVICE_PARAMS`] is 32-bit.
fn blkio_is_u32(index: usize) -> bool {
    index < 3
}

/// The value of per-device parameter `index` of [`BLKIO_DEVICE_PARAMS`].
fn blkio_get(d: &BlkioDeviceDef, index: usize) -> u64 {
    match index {
        0 => d.weight.into(),
        1 => d.read_iops_sec.into(),
        2 => d.write_iops_sec.into(),
        3 => d.read_bytes_sec,
        _ => d.write_bytes_sec,
    }
}

/// Sets per-device parameter `index`; 32-bit ones were range-checked when parsed.
fn blkio_set(d: &mut BlkioDeviceDef, index: usize, value: u64) {
    let small = u32::try_from(value).unwrap_or(u32::MAX);
    match index {
        0 => d.weight = small,
        1 => d.read_iops_sec = small,
        2 => d.write_iops_sec = small,
        3 => d.read_bytes_sec = value,
        _ => d.write_bytes_sec = value,
    }
}

/// The bandwidth parameters, inbound then outbound.
const BANDWIDTH_PARAMS: [&str; 7] = [
    "inbound.average",
    "inbound.peak",
    "inbound.burst",
    "inbound.floor",
    "outbound.average",
    "outbound.peak",
    "outbound.burst",
];

/// Largest throttle value the test driver accepts.
const IOTUNE_MAX: u64 = 1_000_000_000_000_000;

/// The interface called `device` (MAC address or target device name), by index.
fn find_net(def: &DomainDef, device: &str) -> Result<usize> {
    def.devices
        .interfaces
        .iter()
        .position(|n| {
            n.mac
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(device))
                || n.target_dev.as_deref() == Some(device)
        })
        .ok_or_else(|| Error::InvalidArg(format!("'{device}' is not a known interface")))
}

/// The disk called `path` (target name or source path), by index.
fn find_disk(def: &DomainDef, path: &str) -> Option<usize> {
    def.devices
        .disks
        .iter()
        .position(|d| d.target_dev == path || d.source.as_deref() == Some(path))
}

impl TestDriver {
    /// What every tuning getter starts with: `flags` checked against [`GET_FLAGS`] in the
    /// name of `function`, then `f` run on the definition the affect flags pick.
    fn read_tuning<T>(
        &self,
        uuid: &Uuid,
        flags: u32,
        function: &str,
        f: impl FnOnce(&DomainDef) -> Result<T>,
    ) -> Result<T> {
        check_flags(flags, GET_FLAGS, function)?;
        self.read_def(uuid, flags & affect::BOTH, f)
    }
}

fn as_u64(value: &TypedValue) -> u64 {
    value.as_u64().unwrap_or(0)
}

fn as_u32(value: &TypedValue) -> u32 {
    match value {
        TypedValue::UInt(v) => *v,
        _ => 0,
    }
}

/// Parses a blkio device list "path,value[,path,value...]"; `small` values must fit 32 bits.
fn parse_blkio_devices(param: &str, text: &str, small: bool) -> Result<Vec<(String, u64)>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() % 2 != 0 {
        return Err(Error::InvalidArg(format!(
            "unable to parse blkio device '{param}' '{text}'"
        )));
    }
    parts
        .chunks(2)
        .map(|pair| {
            let (path, value) = (pair[0], pair[1]);
            let parsed = value
                .parse::<u64>()
                .ok()
                .filter(|v| !small || *v <= u64::from(u32::MAX))
                .ok_or_else(|| {
                    Error::InvalidArg(format!(
                        "invalid value '{value}' for parameter '{param}' of device '{path}'"
                    ))
                })?;
            Ok((path.to_owned(), parsed))
        })
        .collect()
}

impl TestDriver {
    /// virDomainGetMemoryParameters.
    pub(crate) fn op_memory_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetMemoryParameters", |def| {
            let t = def.memtune.as_deref().cloned().unwrap_or_default();
            Ok(vec![
                params::ullong(MEMORY_PARAMS[0], t.hard_limit),
                params::ullong(MEMORY_PARAMS[1], t.soft_limit),
                params::ullong(MEMORY_PARAMS[2], t.swap_hard_limit),
            ])
        })
    }

    /// virDomainSetMemoryParameters.
    pub(crate) fn op_set_memory_parameters(
        &self,
        uuid: &Uuid,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetMemoryParameters")?;
        check_flags(flags, affect::BOTH, "testDomainSetMemoryParameters")?;
        params::validate(params, &MEMORY_PARAMS.map(|name| (name, Kind::ULLong)))?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| as_u64(v))
        };
        let (hard, soft, swap) = (get("hard_limit"), get("soft_limit"), get("swap_hard_limit"));
        self.with(|store, _| {
            let dom = store.get_mut(uuid)?;
            // libvirt compares against the definition in force, whatever the flags.
            let current = dom.cur.memtune.as_deref().map_or(
                (MEMORY_UNLIMITED, MEMORY_UNLIMITED),
                |m| (m.hard_limit, m.swap_hard_limit),
            );
            let (def, _) = dom.one_def_mut(flags)?;
            if hard.is_some() || swap.is_some() {
                let mem = hard.unwrap_or(current.0);
                let swp = swap.unwrap_or(current.1);
                if mem > swp {
                    return Err(Error::InvalidArg(
                        "memory hard_limit tunable value must be lower than or equal to swap_hard_limit"
                            .to_owned(),
                    ));
                }
            }
            let m = def.memtune.get_or_insert_with(Box::default);
            if let Some(v) = soft {
                m.soft_limit = v;
            }
            if let Some(v) = hard {
                m.hard_limit = v;
            }
            if let Some(v) = swap {
                m.swap_hard_limit = v;
            }
            if **m == MemtuneDef::default() {
                def.memtune = None;
            }
            Ok(())
        })
    }

    /// virDomainGetNumaParameters.
    pub(crate) fn op_numa_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetNumaParameters", |def| {
            let (mode, nodeset) = match def.numatune.as_deref() {
                Some(n) => (
                    n.mode.code(),
                    n.nodeset.as_deref().map(bitmap::format).unwrap_or_default(),
                ),
                None => (NumaMode::Strict.code(), String::new()),
            };
            Ok(vec![
                params::int("numa_mode", mode),
                params::string("numa_nodeset", nodeset),
            ])
        })
    }

    /// virDomainSetNumaParameters.
    pub(crate) fn op_set_numa_parameters(
        &self,
        uuid: &Uuid,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetNumaParameters")?;
        check_flags(flags, affect::BOTH, "testDomainSetNumaParameters")?;
        params::validate(
            params,
            &[("numa_mode", Kind::Int), ("numa_nodeset", Kind::String)],
        )?;
        let mut mode: Option<NumaMode> = None;
        let mut nodeset: Option<Vec<bool>> = None;
        for (name, value) in params {
            match (name.as_str(), value) {
                ("numa_mode", TypedValue::Int(m)) => {
                    mode = Some(NumaMode::from_code(*m).ok_or_else(|| {
                        Error::InvalidArg(format!("unsupported numatune mode: '{m}'"))
                    })?);
                }
                ("numa_nodeset", TypedValue::String(s)) => {
                    let bits = bitmap::parse(s).ok_or_else(|| {
                        Error::InvalidArg(format!("Failed to parse bitmap '{s}'"))
                    })?;
                    if bitmap::is_empty(&bits) {
                        return Err(Error::OperationInvalid(format!(
                            "Invalid nodeset of 'numatune': {s}"
                        )));
                    }
                    nodeset = Some(bits);
                }
                _ => {}
            }
        }
        self.with(|store, _| {
            let (def, live) = store.get_mut(uuid)?.one_def_mut(flags)?;
            let existing = def.numatune.as_deref();
            if let (true, Some(m), Some(old)) = (live, mode, existing) {
                if old.mode != m {
                    return Err(Error::OperationInvalid(
                        "can't change numatune mode for running domain".to_owned(),
                    ));
                }
            }
            // libvirt's virDomainNumatuneSet: static placement when it already was or a
            // node set is given; otherwise static only if the vCPUs are placed statically.
            let static_vcpus = def.vcpu.placement == Placement::Static;
            let placement = match existing {
                Some(old) if old.placement == Placement::Static => Placement::Static,
                _ if nodeset.is_some() => Placement::Static,
                None if static_vcpus => Placement::Static,
                _ => Placement::Auto,
            };
            let nodeset = nodeset.or_else(|| existing.and_then(|o| o.nodeset.clone()));
            if placement == Placement::Static && nodeset.is_none() {
                return Err(Error::ConfigUnsupported(
                    "nodeset for NUMA memory tuning must be set if 'placement' is 'static'"
                        .to_owned(),
                ));
            }
            let merged = NumatuneDef {
                mode: mode.or(existing.map(|o| o.mode)).unwrap_or_default(),
                placement,
                nodeset: nodeset.filter(|_| placement == Placement::Static),
            };
            def.numatune = Some(Box::new(merged));
            Ok(())
        })
    }

    /// virDomainGetBlkioParameters.
    pub(crate) fn op_blkio_parameters(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetBlkioParameters", |def| {
            let t = def.blkiotune.as_deref().cloned().unwrap_or_default();
            let mut out = vec![params::uint("weight", t.weight)];
            for (i, name) in BLKIO_DEVICE_PARAMS.iter().enumerate() {
                let list: Vec<String> = t
                    .devices
                    .iter()
                    .filter(|d| blkio_get(d, i) != 0)
                    .map(|d| format!("{},{}", d.path, blkio_get(d, i)))
                    .collect();
                out.push(params::string(name, list.join(",")));
            }
            Ok(out)
        })
    }

    /// virDomainSetBlkioParameters.
    pub(crate) fn op_set_blkio_parameters(
        &self,
        uuid: &Uuid,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetBlkioParameters")?;
        check_flags(flags, affect::BOTH, "testDomainSetBlkioParameters")?;
        let mut allowed = vec![("weight", Kind::UInt)];
        allowed.extend(BLKIO_DEVICE_PARAMS.iter().map(|n| (*n, Kind::String)));
        params::validate(params, &allowed)?;
        let mut weight = None;
        let mut devices: Vec<(usize, Vec<(String, u64)>)> = Vec::new();
        for (name, value) in params {
            if name == "weight" {
                weight = Some(as_u32(value));
            } else if let (Some(i), TypedValue::String(s)) =
                (BLKIO_DEVICE_PARAMS.iter().position(|n| n == name), value)
            {
                devices.push((i, parse_blkio_devices(name, s, blkio_is_u32(i))?));
            }
        }
        self.with_def(uuid, flags, |def| {
            let t = def.blkiotune.get_or_insert_with(Box::default);
            if let Some(w) = weight {
                t.weight = w;
            }
            for (i, list) in devices {
                for (path, value) in list {
                    match t.devices.iter_mut().find(|d| d.path == path) {
                        Some(d) => blkio_set(d, i, value),
                        None if value != 0 => {
                            let mut d = BlkioDeviceDef {
                                path,
                                ..BlkioDeviceDef::default()
                            };
                            blkio_set(&mut d, i, value);
                            t.devices.push(d);
                        }
                        None => {}
                    }
                }
            }
            t.devices.retain(|d| !d.is_empty());
            if t.weight == 0 && t.devices.is_empty() {
                def.blkiotune = None;
            }
            Ok(())
        })
    }

    /// virDomainGetInterfaceParameters.
    pub(crate) fn op_interface_parameters(
        &self,
        uuid: &Uuid,
        device: &str,
        flags: u32,
    ) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetInterfaceParameters", |def| {
            let index = find_net(def, device)?;
            let bw = def.devices.interfaces[index]
                .bandwidth
                .as_deref()
                .copied()
                .unwrap_or_default();
            let i = bw.inbound.unwrap_or_default();
            let o = bw.outbound.unwrap_or_default();
            let values = [
                i.average, i.peak, i.burst, i.floor, o.average, o.peak, o.burst,
            ];
            // The parameters are 32-bit; larger rates from XML are reported saturated.
            Ok(BANDWIDTH_PARAMS
                .iter()
                .zip(values)
                .map(|(n, v)| params::uint(n, u32::try_from(v).unwrap_or(u32::MAX)))
                .collect())
        })
    }

    /// virDomainSetInterfaceParameters.
    pub(crate) fn op_set_interface_parameters(
        &self,
        uuid: &Uuid,
        device: &str,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetInterfaceParameters")?;
        check_flags(flags, affect::BOTH, "testDomainSetInterfaceParameters")?;
        params::validate(params, &BANDWIDTH_PARAMS.map(|n| (n, Kind::UInt)))?;
        let mut inbound = RateDef::default();
        let mut outbound = RateDef::default();
        let (mut in_given, mut out_given) = (false, false);
        for (name, value) in params {
            let v = u64::from(as_u32(value));
            match name.as_str() {
                "inbound.average" => {
                    inbound.average = v;
                    in_given = true;
                }
                "inbound.peak" => inbound.peak = v,
                "inbound.burst" => inbound.burst = v,
                "inbound.floor" => {
                    inbound.floor = v;
                    in_given = true;
                }
                "outbound.average" => {
                    outbound.average = v;
                    out_given = true;
                }
                "outbound.peak" => outbound.peak = v,
                "outbound.burst" => outbound.burst = v,
                _ => {}
            }
        }
        let new_in = (inbound.average != 0 || inbound.floor != 0).then_some(inbound);
        let new_out = (outbound.average != 0).then_some(outbound);
        self.with_def(uuid, flags, |def| {
            let index = find_net(def, device)?;
            // Like libvirt, a call that clears both directions leaves an empty <bandwidth>.
            let bw = def.devices.interfaces[index]
                .bandwidth
                .get_or_insert_with(|| Box::new(BandwidthDef::default()));
            if new_in.is_some() || in_given {
                bw.inbound = new_in;
            }
            if new_out.is_some() || out_given {
                bw.outbound = new_out;
            }
            Ok(())
        })
    }

    /// virDomainGetPerfEvents.
    pub(crate) fn op_perf_events(&self, uuid: &Uuid, flags: u32) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetPerfEvents", |def| {
            let events = def.perf.as_deref().cloned().unwrap_or_default().events;
            Ok(PERF_EVENTS
                .iter()
                .zip(events)
                .map(|(n, state)| params::boolean(n, state == Some(true)))
                .collect())
        })
    }

    /// virDomainSetPerfEvents.
    pub(crate) fn op_set_perf_events(
        &self,
        uuid: &Uuid,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        params::require_some(params, "virDomainSetPerfEvents")?;
        check_flags(flags, affect::BOTH, "testDomainSetPerfEvents")?;
        params::validate(params, &PERF_EVENTS.map(|n| (n, Kind::Boolean)))?;
        self.with_def(uuid, flags, |def| {
            let perf = def.perf.get_or_insert_with(|| Box::new(PerfDef::default()));
            for (name, value) in params {
                if let (Some(i), TypedValue::Boolean(on)) =
                    (PERF_EVENTS.iter().position(|n| n == name), value)
                {
                    perf.events[i] = Some(*on);
                }
            }
            Ok(())
        })
    }

    /// virDomainGetBlockIoTune.
    pub(crate) fn op_block_io_tune(
        &self,
        uuid: &Uuid,
        disk: &str,
        flags: u32,
    ) -> Result<TypedParams> {
        self.read_tuning(uuid, flags, "testDomainGetBlockIoTune", |def| {
            let index = find_disk(def, disk).ok_or_else(|| {
                Error::InvalidArg(format!("disk '{disk}' was not found in the domain config"))
            })?;
            let tune = def.devices.disks[index]
                .iotune
                .as_deref()
                .cloned()
                .unwrap_or_default();
            let mut out = Vec::with_capacity(20);
            for (i, name) in IOTUNE_FIELDS.iter().enumerate() {
                out.push(params::ullong(name, tune.values[i]));
                if i == IOTUNE_GROUP_AFTER {
                    out.push(params::string(
                        "group_name",
                        tune.group_name.clone().unwrap_or_default(),
                    ));
                }
            }
            Ok(out)
        })
    }

    /// virDomainSetBlockIoTune.
    pub(crate) fn op_set_block_io_tune(
        &self,
        uuid: &Uuid,
        disk: &str,
        params: &TypedParams,
        flags: u32,
    ) -> Result<()> {
        if params.is_empty() {
            return Err(Error::InvalidArgBare(
                "nparams in virDomainSetBlockIoTune must be greater than zero".to_owned(),
            ));
        }
        check_flags(flags, affect::BOTH, "testDomainSetBlockIoTune")?;
        let mut allowed: Vec<(&str, Kind)> =
            IOTUNE_FIELDS.iter().map(|n| (*n, Kind::ULLong)).collect();
        allowed.push(("group_name", Kind::String));
        params::validate(params, &allowed)?;
        self.with_def(uuid, flags, |def| {
            let index = find_disk(def, disk).ok_or_else(|| {
                Error::InvalidArg(format!(
                    "missing persistent configuration for disk '{disk}'"
                ))
            })?;
            let slot = &mut def.devices.disks[index].iotune;
            let mut tune: IoTuneDef = slot.as_deref().cloned().unwrap_or_default();
            for (name, value) in params {
                if let TypedValue::String(s) = value {
                    tune.group_name = Some(s.clone());
                    continue;
                }
                let v = as_u64(value);
                if v > IOTUNE_MAX {
                    return Err(Error::ArgumentUnsupported(format!(
                        "block I/O throttle limit value must be no more than {IOTUNE_MAX}"
                    )));
                }
                if let Some(i) = IOTUNE_FIELDS.iter().position(|n| n == name) {
                    tune.values[i] = v;
                }
            }
            if let Some(what) = tune.total_with_parts() {
                return Err(Error::InvalidArg(format!(
                    "total and read/write of {what} cannot be set at the same time"
                )));
            }
            let v = &tune.values;
            for (field, max) in [(0, 6), (1, 7), (2, 8), (3, 9), (4, 10), (5, 11)] {
                if v[field] > v[max] {
                    return Err(Error::InvalidArg(format!(
                        "{} cannot be set higher than {} ",
                        IOTUNE_FIELDS[field], IOTUNE_FIELDS[max]
                    )));
                }
            }
            *slot = (!tune.is_empty()).then(|| Box::new(tune));
            Ok(())
        })
    }
}
