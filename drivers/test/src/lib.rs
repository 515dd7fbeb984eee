//! The embedded in-memory test driver (placeholder: being written).
