//! CPU bitmaps: the list syntax ("0-3,^2,8") comes from [`virtbus_core::bitmap`]; here are
//! the host's size and the fixed-width maps the bus returns.

pub use virtbus_core::bitmap::{is_empty, parse};

/// Host CPUs the test driver's node has (libvirt's `VIR_NODEINFO_MAXCPUS`: 2 nodes x 2
/// sockets x 2 cores x 2 threads).
pub const HOST_CPUS: usize = 16;

/// Width of every CPU map returned: libvirt-dbus sizes maps from `virNodeGetCPUMap`, which
/// reports 8 CPUs for the test driver, so maps are cut (or padded) to 8 entries.
pub const MAP_WIDTH: usize = 8;

/// A bitmap with the first `set` of `len` bits set.
pub fn first(set: usize, len: usize) -> Vec<bool> {
    (0..len).map(|i| i < set).collect()
}

/// `bits` cut or padded with `false` to `len` entries.
pub fn fit(bits: &[bool], len: usize) -> Vec<bool> {
    (0..len)
        .map(|i| bits.get(i).copied().unwrap_or(false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_to_width() {
        assert_eq!(fit(&[true], 3), vec![true, false, false]);
        assert_eq!(fit(&[true, true, true], 2), vec![true, true]);
        assert_eq!(first(2, 4), vec![true, true, false, false]);
    }
}
