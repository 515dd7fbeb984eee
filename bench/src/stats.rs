//! Small statistics over samples: median and percentiles.

use std::time::Duration;

/// The `p`-th percentile (0..=100) of `samples` by nearest rank; `None` when empty.
/// Sorts `samples` in place.
pub fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = (p / 100.0 * samples.len() as f64).ceil() as usize;
    let index = rank.clamp(1, samples.len()) - 1;
    samples.get(index).copied()
}

/// The median of `samples`; `None` when empty. Sorts `samples` in place.
pub fn median(samples: &mut [Duration]) -> Option<Duration> {
    percentile(samples, 50.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut ms(&[5, 1, 3])), Some(Duration::from_millis(3)));
        assert_eq!(
            median(&mut ms(&[4, 1, 3, 2])),
            Some(Duration::from_millis(2))
        );
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn p99_of_hundred() {
        let mut v = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&mut v, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&mut v, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&mut v, 0.0), Some(Duration::from_millis(1)));
    }
}
