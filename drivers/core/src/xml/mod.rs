//! Domain XML: parsing into [`crate::model::DomainDef`] and formatting back.

mod domain;

pub use domain::{format_domain, parse_domain, FormatOptions};
