//! Domain snapshots: the definition read from `<domainsnapshot>` XML ([`SnapshotDef`]), and
//! libvirt's rules that line its disk list up with the domain's disks
//! ([`SnapshotDef::align_disks`]).

use super::domain::{DiskDef, DomainDef};
use crate::{
    error::{Error, Result},
    state::DomainState,
};

/// The domain state a snapshot captured (libvirt's `virDomainSnapshotState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotState {
    Running,
    Blocked,
    Paused,
    Shutdown,
    Shutoff,
    Crashed,
    PmSuspended,
    /// A disk-only snapshot of a running domain.
    DiskSnapshot,
}

impl SnapshotState {
    /// The XML spelling (`running`, `shutoff`, `disk-snapshot`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotState::Running => "running",
            SnapshotState::Blocked => "blocked",
            SnapshotState::Paused => "paused",
            SnapshotState::Shutdown => "shutdown",
            SnapshotState::Shutoff => "shutoff",
            SnapshotState::Crashed => "crashed",
            SnapshotState::PmSuspended => "pmsuspended",
            SnapshotState::DiskSnapshot => "disk-snapshot",
        }
    }

    /// Parses the XML spelling; `nostate` is not a state a snapshot can have.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "running" => SnapshotState::Running,
            "blocked" => SnapshotState::Blocked,
            "paused" => SnapshotState::Paused,
            "shutdown" => SnapshotState::Shutdown,
            "shutoff" => SnapshotState::Shutoff,
            "crashed" => SnapshotState::Crashed,
            "pmsuspended" => SnapshotState::PmSuspended,
            "disk-snapshot" => SnapshotState::DiskSnapshot,
            _ => return None,
        })
    }

    /// The snapshot state for a domain in `state` (the two enums share their values);
    /// `None` for NOSTATE, which a snapshot does not show.
    pub fn of_domain(state: DomainState) -> Option<Self> {
        Some(match state {
            DomainState::NoState => return None,
            DomainState::Running => SnapshotState::Running,
            DomainState::Blocked => SnapshotState::Blocked,
            DomainState::Paused => SnapshotState::Paused,
            DomainState::Shutdown => SnapshotState::Shutdown,
            DomainState::Shutoff => SnapshotState::Shutoff,
            DomainState::Crashed => SnapshotState::Crashed,
            DomainState::PmSuspended => SnapshotState::PmSuspended,
        })
    }

    /// Whether the snapshot holds a running or paused guest (its memory), which is what
    /// reverting to it starts.
    pub fn is_online(self) -> bool {
        matches!(self, SnapshotState::Running | SnapshotState::Paused)
    }

    /// Whether the snapshot holds no guest memory: shut off, or disk only.
    pub fn is_offline(self) -> bool {
        matches!(self, SnapshotState::Shutoff | SnapshotState::DiskSnapshot)
    }
}

/// Where a snapshot keeps the memory or a disk (libvirt's `virDomainSnapshotLocation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotLocation {
    /// Not saved.
    No,
    /// Inside the disk image.
    Internal,
    /// In a separate file.
    External,
    /// Left to the user.
    Manual,
}

impl SnapshotLocation {
    /// The XML spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotLocation::No => "no",
            SnapshotLocation::Internal => "internal",
            SnapshotLocation::External => "external",
            SnapshotLocation::Manual => "manual",
        }
    }

    /// Parses the XML spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "no" => SnapshotLocation::No,
            "internal" => SnapshotLocation::Internal,
            "external" => SnapshotLocation::External,
            "manual" => SnapshotLocation::Manual,
            _ => return None,
        })
    }
}

/// One `<host>` of a network source: its attributes as written (`name`, `port`, ...).
pub type SourceHost = Vec<(String, String)>;

/// The new image of an external disk snapshot (`<source>` inside a snapshot's `<disk>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotSource {
    /// `file` (path), `block` (device) or `network` (volume name).
    pub path: Option<String>,
    /// `protocol` of a network source.
    pub protocol: Option<String>,
    /// `<host>` elements of a network source.
    pub hosts: Vec<SourceHost>,
}

/// One `<disk>` of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDiskDef {
    /// The domain disk: its target after alignment, or a target or source path as written.
    pub name: String,
    /// `snapshot='...'`; `None` until alignment fills in the default.
    pub location: Option<SnapshotLocation>,
    /// `type='file|block|network'` of the new image (`file` when not written).
    pub source_type: String,
    pub source: SnapshotSource,
    /// `<driver type='qcow2'/>`: the format of the new image.
    pub format: Option<String>,
}

impl SnapshotDiskDef {
    /// A disk entry that only names the disk and its location.
    pub fn named(name: &str, location: SnapshotLocation) -> Self {
        Self {
            name: name.to_owned(),
            location: Some(location),
            source_type: "file".to_owned(),
            source: SnapshotSource::default(),
            format: None,
        }
    }
}

/// A `<domainsnapshot>`: what a snapshot records about a domain at one point in time.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotDef {
    pub name: String,
    pub description: Option<String>,
    /// The domain's state when the snapshot was taken.
    pub state: Option<SnapshotState>,
    /// The snapshot this one was taken on top of.
    pub parent: Option<String>,
    /// Seconds since the epoch; 0 is not shown.
    pub creation_time: i64,
    /// `<memory snapshot='...'>`.
    pub memory: Option<SnapshotLocation>,
    /// `<memory file='...'>` of an external memory snapshot.
    pub memory_file: Option<String>,
    pub disks: Vec<SnapshotDiskDef>,
    /// The domain definition at the time (inactive form); `None` only while being built.
    pub domain: Option<Box<DomainDef>>,
}

impl SnapshotDef {
    /// Whether the memory or any disk is kept outside the images
    /// (`virDomainSnapshotDefIsExternal`).
    pub fn is_external(&self) -> bool {
        self.memory == Some(SnapshotLocation::External)
            || self
                .disks
                .iter()
                .any(|d| d.location == Some(SnapshotLocation::External))
    }

    /// Lines the snapshot's disk list up with the disks of its domain, as libvirt's
    /// `virDomainSnapshotAlignDisks`: every requested disk must exist once; with
    /// `require_match` an explicit location must be `default` (or `no` for a disk that is
    /// never snapshotted); the other disks get `default`, or `no` when read-only or empty.
    /// The result lists every domain disk in the domain's order, named by target.
    ///
    /// External images are never named after the domain's disk files (that would need to
    /// look at host files), so an external disk without its own source fails the way libvirt
    /// fails for a source that is not a regular file.
    pub fn align_disks(
        &mut self,
        default: SnapshotLocation,
        require_match: bool,
        manual_supported: bool,
    ) -> Result<()> {
        let Some(dom) = self.domain.as_deref() else {
            return Err(Error::Internal("missing domain in snapshot".to_owned()));
        };
        let domdisks = &dom.devices.disks;
        if self.disks.len() > domdisks.len() {
            return Err(Error::ConfigUnsupported(
                "too many disk snapshot requests for domain".to_owned(),
            ));
        }
        if domdisks.is_empty() {
            return Ok(());
        }
        // For each domain disk, the requested entry that names it.
        let mut requested: Vec<Option<SnapshotDiskDef>> = vec![None; domdisks.len()];
        for mut disk in std::mem::take(&mut self.disks) {
            let Some(idx) = disk_by_name(domdisks, &disk.name) else {
                return Err(Error::ConfigUnsupported(format!(
                    "no disk named '{}'",
                    disk.name
                )));
            };
            let domdisk = &domdisks[idx];
            if requested[idx].is_some() {
                return Err(Error::ConfigUnsupported(format!(
                    "disk '{}' specified twice",
                    disk.name
                )));
            }
            let own = disk_default(domdisk);
            match disk.location {
                None => {
                    disk.location = Some(match own {
                        Some(SnapshotLocation::No) => SnapshotLocation::No,
                        _ => default,
                    });
                }
                Some(SnapshotLocation::Manual) if !manual_supported => {
                    return Err(Error::OperationUnsupported(
                        "'manual' snapshot mode is not supported by the test driver".to_owned(),
                    ));
                }
                Some(loc)
                    if require_match
                        && loc != default
                        && !(loc == SnapshotLocation::No && own == Some(SnapshotLocation::No)) =>
                {
                    return Err(Error::ConfigUnsupported(format!(
                        "disk '{}' must use snapshot mode '{}'",
                        disk.name,
                        default.as_str()
                    )));
                }
                Some(_) => {}
            }
            if let Some(path) = &disk.source.path {
                if disk.location != Some(SnapshotLocation::External) {
                    return Err(Error::ConfigUnsupported(format!(
                        "file '{path}' for disk '{}' requires use of external snapshot mode",
                        disk.name
                    )));
                }
            }
            disk.name = domdisk.target_dev.clone();
            requested[idx] = Some(disk);
        }
        let mut aligned = Vec::with_capacity(domdisks.len());
        for (domdisk, req) in domdisks.iter().zip(requested) {
            aligned.push(match req {
                Some(disk) => disk,
                None => {
                    let location = if domdisk.source.is_none() {
                        SnapshotLocation::No
                    } else {
                        disk_default(domdisk).unwrap_or(default)
                    };
                    SnapshotDiskDef::named(&domdisk.target_dev, location)
                }
            });
        }
        let sources: Vec<bool> = domdisks.iter().map(|d| d.source.is_some()).collect();
        self.disks = aligned;
        self.check_external_names(&sources)
    }

    /// libvirt would name every external image without a source after the domain's disk
    /// file; that needs a regular file on the host, which this model never looks at.
    /// `has_source` tells, for each disk, whether the domain's disk has a source.
    fn check_external_names(&self, has_source: &[bool]) -> Result<()> {
        for (disk, has_source) in self.disks.iter().zip(has_source) {
            if disk.location != Some(SnapshotLocation::External) || disk.source.path.is_some() {
                continue;
            }
            if disk.source_type != "file" {
                return Err(Error::ConfigUnsupported(format!(
                    "cannot generate external snapshot name for disk '{}' on a '{}' device",
                    disk.name, disk.source_type
                )));
            }
            if !has_source {
                return Err(Error::ConfigUnsupported(format!(
                    "cannot generate external snapshot name for disk '{}' without source",
                    disk.name
                )));
            }
            return Err(Error::ConfigUnsupported(format!(
                "source for disk '{}' is not a regular file; refusing to generate external \
                 snapshot name",
                disk.name
            )));
        }
        Ok(())
    }
}

/// The snapshot location a domain disk asks for itself: `no` for a read-only disk (a CD-ROM
/// is always read-only), otherwise none.
fn disk_default(disk: &DiskDef) -> Option<SnapshotLocation> {
    disk.readonly.then_some(SnapshotLocation::No)
}

/// The disk a snapshot names: by target, or by source path when the name is absolute.
fn disk_by_name(disks: &[DiskDef], name: &str) -> Option<usize> {
    if name.starts_with('/') {
        disks.iter().position(|d| d.source.as_deref() == Some(name))
    } else {
        disks.iter().position(|d| d.target_dev == name)
    }
}
