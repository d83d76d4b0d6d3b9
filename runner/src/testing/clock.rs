//! `up --test-clock`: a wall clock the tests can set, so end-to-end tests
//! can move a case across days and holidays. Off by default; without it the
//! guests see the real clock, always. Once set, the clock runs on from the
//! time given, at the real pace.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasmtime_wasi::HostWallClock;

#[derive(Debug, Default)]
pub struct TestClock {
    /// Nanoseconds added to the real time.
    offset_nanos: AtomicI64,
}

fn real_nanos() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

impl TestClock {
    /// Makes "now" the given Unix time (in nanoseconds).
    pub fn set_unix_nanos(&self, target: i128) {
        let offset = (target - real_nanos()).clamp(i64::MIN as i128, i64::MAX as i128) as i64;
        self.offset_nanos.store(offset, Ordering::SeqCst);
    }

    pub fn reset(&self) {
        self.offset_nanos.store(0, Ordering::SeqCst);
    }

    /// The clock's current Unix time in nanoseconds.
    pub fn now_unix_nanos(&self) -> i128 {
        real_nanos() + i128::from(self.offset_nanos.load(Ordering::SeqCst))
    }

    /// The clock's current Unix time in seconds.
    pub fn now_unix_secs(&self) -> u64 {
        u64::try_from(self.now_unix_nanos().div_euclid(1_000_000_000)).unwrap_or(0)
    }

    /// A WASI wall clock reading this clock.
    pub fn wall_clock(self: &Arc<Self>) -> impl HostWallClock + 'static {
        GuestClock(self.clone())
    }

    /// Parses a time given to the control route: RFC 3339, or Unix seconds.
    pub fn parse(text: &str) -> Option<i128> {
        let text = text.trim();
        if let Ok(secs) = text.parse::<i64>() {
            return Some(i128::from(secs) * 1_000_000_000);
        }
        chrono::DateTime::parse_from_rfc3339(text)
            .ok()
            .and_then(|t| t.timestamp_nanos_opt())
            .map(i128::from)
    }
}

struct GuestClock(Arc<TestClock>);

impl HostWallClock for GuestClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        let nanos = self.0.now_unix_nanos().max(0);
        Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_clock_reads_the_time_given_and_runs_on() {
        let clock = TestClock::default();
        let target = TestClock::parse("2026-02-13T15:00:00+08:00").expect("parses");
        clock.set_unix_nanos(target);
        let now = clock.now_unix_nanos();
        assert!(
            now >= target && now - target < 1_000_000_000,
            "{now} vs {target}"
        );
        assert_eq!(clock.now_unix_secs(), 1_770_966_000);
        clock.reset();
        assert!((clock.now_unix_nanos() - real_nanos()).abs() < 1_000_000_000);
    }

    #[test]
    fn unix_seconds_are_accepted_and_nonsense_is_not() {
        assert_eq!(TestClock::parse("60"), Some(60_000_000_000));
        assert_eq!(TestClock::parse("yesterday"), None);
    }
}
