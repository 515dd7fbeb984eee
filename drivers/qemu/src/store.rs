//! The driver's files on disk: persistent definitions, runtime status, logs and sockets.
//!
//! Layout (as libvirt's qemu driver lays out its own, reference §6):
//!
//! | what | path |
//! |---|---|
//! | persistent definition | `<config>/qemu/NAME.xml` |
//! | autostart mark | `<config>/qemu/autostart/NAME.xml` (symlink to `../NAME.xml`) |
//! | runtime status | `<run>/qemu/NAME.xml` (a `<domstatus>` document) |
//! | QMP socket | `<run>/qemu/UUID.monitor` (by UUID: socket paths are short) |
//! | channel sockets | `<run>/qemu/UUID.channel/NAME` |
//! | emulator output | `<log>/qemu/NAME.log` |
//!
//! Every write is atomic ([`atomic::write`]); names that would escape a directory are refused
//! before anything is written ([`check_file_name`]).

pub mod atomic;
pub mod dirs;
pub mod status;

use std::{
    io,
    path::{Path, PathBuf},
};

pub use dirs::{Mode, StoreDirs};
pub use status::DomainStatus;
use virtbus_core::{
    model::DomainDef,
    xml::{format_domain, parse_domain_with, FormatOptions, ParseOptions},
    Error, Result, Uuid,
};

/// Longest path a Unix socket address holds (`sun_path` less its terminating NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// The text of an I/O error without Rust's "(os error N)" suffix, as libvirt prints errno
/// ("No such file or directory").
pub fn errno_text(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Refuses a domain name that would not stay a plain file name in the driver's directories:
/// empty, `/`, a leading `.` (hidden files, `.` and `..`), NUL or another control character.
pub fn check_file_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::NoName);
    }
    if name.contains('/') {
        return Err(Error::Xml(format!("name {name} cannot contain '/'")));
    }
    if name.starts_with('.') {
        return Err(Error::InvalidArg(format!(
            "domain name '{name}' must not start with '.'"
        )));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidArgBare(format!(
            "invalid char in name: {}",
            c.escape_default()
        )));
    }
    // A file name of at most 255 bytes, with room for ".xml" and the temporary suffix.
    if name.len() > 200 {
        return Err(Error::InvalidArg(format!(
            "domain name is longer than 200 bytes: {}...",
            name.chars().take(32).collect::<String>()
        )));
    }
    Ok(())
}

/// A problem with one file found while loading a directory: reported, then skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub error: String,
}

/// Everything a directory held: the documents that loaded and the files that did not.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The documents read, in file-name order.
    pub items: Vec<T>,
    /// The files skipped, with why.
    pub problems: Vec<LoadProblem>,
}

/// The QEMU driver's store: where its files go, and reading and writing them.
#[derive(Debug, Clone)]
pub struct Store {
    dirs: StoreDirs,
}

impl Store {
    /// A store over `dirs`. Nothing is created until something is written.
    pub fn new(dirs: StoreDirs) -> Self {
        Self { dirs }
    }

    /// The directories.
    pub fn dirs(&self) -> &StoreDirs {
        &self.dirs
    }

    /// `<config>/qemu`: the persistent definitions.
    pub fn config_dir(&self) -> PathBuf {
        self.dirs.config.join("qemu")
    }

    /// `<config>/qemu/autostart`.
    pub fn autostart_dir(&self) -> PathBuf {
        self.config_dir().join("autostart")
    }

    /// `<run>/qemu`: runtime status and sockets.
    pub fn run_dir(&self) -> PathBuf {
        self.dirs.run.join("qemu")
    }

    /// `<log>/qemu`: emulator output.
    pub fn log_dir(&self) -> PathBuf {
        self.dirs.log.join("qemu")
    }

    /// `<data>/qemu`: per-domain data (save images, NVRAM).
    pub fn data_dir(&self) -> PathBuf {
        self.dirs.data.join("qemu")
    }

    /// The persistent definition of `name`.
    pub fn definition_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.config_dir().join(format!("{name}.xml")))
    }

    /// The autostart link of `name`.
    pub fn autostart_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.autostart_dir().join(format!("{name}.xml")))
    }

    /// The runtime status of `name`.
    pub fn status_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.run_dir().join(format!("{name}.xml")))
    }

    /// The log file of `name`.
    pub fn log_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.log_dir().join(format!("{name}.log")))
    }

    /// `<data>/qemu/save`: managed save images.
    pub fn managed_save_dir(&self) -> PathBuf {
        self.data_dir().join("save")
    }

    /// The managed save image of `name` (libvirt's `<saveDir>/NAME.save`).
    pub fn managed_save_path(&self, name: &str) -> Result<PathBuf> {
        check_file_name(name)?;
        Ok(self.managed_save_dir().join(format!("{name}.save")))
    }

    /// Whether `name` has a managed save image.
    pub fn has_managed_save(&self, name: &str) -> bool {
        self.managed_save_path(name).is_ok_and(|p| p.exists())
    }

    /// Removes the managed save image of `name`; one already gone is not an error.
    pub fn remove_managed_save(&self, name: &str) -> Result<()> {
        atomic::remove(&self.managed_save_path(name)?)
    }

    /// The QMP socket of the domain with `uuid`; fails when the run directory is so deep that
    /// the path would not fit a socket address.
    pub fn monitor_path(&self, uuid: &Uuid) -> Result<PathBuf> {
        let path = self
            .run_dir()
            .join(format!("{}.monitor", uuid.hyphenated()));
        if path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(Error::InvalidArg(format!(
                "monitor socket path '{}' is longer than {MAX_SOCKET_PATH} bytes",
                path.display()
            )));
        }
        Ok(path)
    }

    /// The directory of the guest-agent and other channel sockets of the domain with
    /// `uuid` (see `command_line::live::fill_channel_paths`).
    pub fn channel_dir(&self, uuid: &Uuid) -> PathBuf {
        self.run_dir()
            .join(format!("{}.channel", uuid.hyphenated()))
    }

    /// Creates the run and log directories (before an emulator starts), owner-only.
    pub fn prepare_runtime_dirs(&self) -> Result<()> {
        for dir in [self.run_dir(), self.log_dir()] {
            atomic::create_private_dir(&dir)?;
        }
        Ok(())
    }

    /// Writes the persistent definition of `def`, atomically.
    pub fn save_definition(&self, def: &DomainDef) -> Result<()> {
        let path = self.definition_path(&def.name)?;
        let mut text = String::from(DEFINITION_HEADER);
        text.push_str(&format_domain(
            def,
            &FormatOptions {
                inactive: true,
                secure: true,
                ..Default::default()
            },
        ));
        atomic::write(&path, text.as_bytes())
    }

    /// Removes the persistent definition and autostart link of `name` (undefine). A file
    /// already gone is not an error.
    pub fn remove_definition(&self, name: &str) -> Result<()> {
        let autostart = self.autostart_path(name)?;
        atomic::remove(&autostart)?;
        atomic::remove(&self.definition_path(name)?)
    }

    /// Loads every persistent definition; a file that does not parse, or whose domain name is
    /// not its file name, is reported and skipped.
    pub fn load_definitions(&self) -> Result<Loaded<DomainDef>> {
        load_dir(&self.config_dir(), |path, text| {
            let def =
                parse_domain_with(text, &ParseOptions::default()).map_err(|e| e.to_string())?;
            check_name_matches(path, &def.name)?;
            Ok(def)
        })
    }

    /// Marks or unmarks `name` for autostart.
    pub fn set_autostart(&self, name: &str, on: bool) -> Result<()> {
        let link = self.autostart_path(name)?;
        if !on {
            return atomic::remove(&link);
        }
        atomic::create_private_dir(&self.autostart_dir())?;
        atomic::symlink(Path::new(&format!("../{name}.xml")), &link)
    }

    /// Whether `name` is marked for autostart.
    pub fn autostart(&self, name: &str) -> Result<bool> {
        Ok(self.autostart_path(name)?.symlink_metadata().is_ok())
    }

    /// Writes the runtime status of a running domain, atomically.
    pub fn save_status(&self, status: &DomainStatus) -> Result<()> {
        let path = self.status_path(&status.def.name)?;
        atomic::create_private_dir(&self.run_dir())?;
        atomic::write(&path, status.format().as_bytes())
    }

    /// Removes the runtime status of `name` (the domain stopped).
    pub fn remove_status(&self, name: &str) -> Result<()> {
        atomic::remove(&self.status_path(name)?)
    }

    /// Loads every runtime status; a corrupt file is reported and skipped.
    pub fn load_statuses(&self) -> Result<Loaded<DomainStatus>> {
        load_dir(&self.run_dir(), |path, text| {
            let status = DomainStatus::parse(text).map_err(|e| e.to_string())?;
            check_name_matches(path, &status.def.name)?;
            Ok(status)
        })
    }
}

/// The comment libvirt puts at the top of the definitions it writes.
const DEFINITION_HEADER: &str = "<!--\n\
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n\
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using\n\
the virtbus D-Bus API (org.libvirt.Domain) or an equivalent libvirt client.\n\
-->\n";

fn check_name_matches(path: &Path, name: &str) -> std::result::Result<(), String> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != name {
        return Err(format!(
            "domain name '{name}' does not match the file name '{stem}.xml'"
        ));
    }
    Ok(())
}

/// Reads every `*.xml` file of `dir` (not recursing, skipping hidden and temporary files)
/// with `read`. A missing directory holds nothing.
fn load_dir<T>(
    dir: &Path,
    read: impl Fn(&Path, &str) -> std::result::Result<T, String>,
) -> Result<Loaded<T>> {
    let mut loaded = Loaded {
        items: Vec::new(),
        problems: Vec::new(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(loaded),
        Err(e) => {
            return Err(Error::System(format!(
                "Failed to open dir '{}': {}",
                dir.display(),
                errno_text(&e)
            )))
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or(".");
            !name.starts_with('.') && name.ends_with(".xml")
        })
        .collect();
    paths.sort();
    for path in paths {
        let result = match std::fs::read_to_string(&path) {
            Ok(text) => read(&path, &text),
            Err(e) => Err(errno_text(&e)),
        };
        match result {
            Ok(item) => loaded.items.push(item),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "skipping unreadable file");
                loaded.problems.push(LoadProblem { path, error });
            }
        }
    }
    Ok(loaded)
}
