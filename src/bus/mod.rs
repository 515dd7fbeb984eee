//! The bus front: one module per org.libvirt interface, plus paths, errors and parameters.

pub mod error;
pub mod params;
pub mod path;
