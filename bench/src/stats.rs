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

/// The median and 90th percentile of a few timed rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    /// The median.
    pub median: Duration,
    /// The 90th percentile (nearest rank: the largest sample when there are fewer than 10).
    pub p90: Duration,
    /// How many samples.
    pub count: usize,
}

/// The [`Spread`] of `samples`; `None` when empty. Sorts `samples` in place.
pub fn spread(samples: &mut [Duration]) -> Option<Spread> {
    Some(Spread {
        median: median(samples)?,
        p90: percentile(samples, 90.0)?,
        count: samples.len(),
    })
}

/// The resident memory one running guest adds to a service, in KiB: the RSS with `guests`
/// guests running minus the RSS idle, divided by `guests`. Negative when the service shrank
/// meanwhile (memory returned to the system); `None` for no guests.
pub fn rss_per_guest_kib(idle_kib: u64, loaded_kib: u64, guests: usize) -> Option<f64> {
    if guests == 0 {
        return None;
    }
    Some((loaded_kib as f64 - idle_kib as f64) / guests as f64)
}

/// Events per second: `events` over `elapsed`; `None` when nothing was counted or no time
/// passed.
pub fn per_second(events: u64, elapsed: Duration) -> Option<f64> {
    let secs = elapsed.as_secs_f64();
    (events > 0 && secs > 0.0).then(|| events as f64 / secs)
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
    fn spread_of_few_rounds() {
        let s = spread(&mut ms(&[30, 10, 20, 50, 40])).unwrap();
        assert_eq!(s.median, Duration::from_millis(30));
        assert_eq!(s.p90, Duration::from_millis(50));
        assert_eq!(s.count, 5);
        let s = spread(&mut ms(&(1..=20).collect::<Vec<_>>())).unwrap();
        assert_eq!(s.median, Duration::from_millis(10));
        assert_eq!(s.p90, Duration::from_millis(18));
        assert_eq!(spread(&mut []), None);
    }

    #[test]
    fn rss_per_guest_is_the_growth_shared_out() {
        assert_eq!(rss_per_guest_kib(10_000, 12_000, 8), Some(250.0));
        assert_eq!(rss_per_guest_kib(10_000, 9_000, 4), Some(-250.0));
        assert_eq!(rss_per_guest_kib(10_000, 12_000, 0), None);
    }

    #[test]
    fn per_second_needs_events_and_time() {
        assert_eq!(per_second(500, Duration::from_millis(250)), Some(2000.0));
        assert_eq!(per_second(0, Duration::from_secs(1)), None);
        assert_eq!(per_second(5, Duration::ZERO), None);
    }

    #[test]
    fn p99_of_hundred() {
        let mut v = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&mut v, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&mut v, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&mut v, 0.0), Some(Duration::from_millis(1)));
    }
}
