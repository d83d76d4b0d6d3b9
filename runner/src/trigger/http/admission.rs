//! Who gets served when many come at once: a cap on each client's open
//! connections, and a bounded queue in front of the instances. A request
//! that finds every instance slot taken waits its turn (first come, first
//! served) for up to `wait`; past that, or when the queue is full, it is
//! answered 503 with `Retry-After`, never 500. Chained requests (service
//! chaining) run inside the slot of the request that made them, so a
//! chain can never wait on itself.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits of [`Admission`] and [`Connections`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Requests running in instances at once (each may chain to a few
    /// more instances).
    pub running: usize,
    /// Requests waiting for a slot at most.
    pub waiting: usize,
    /// How long a request waits for a slot.
    pub wait: Duration,
    /// Open connections one client (IP address; IPv6 by /64) may hold.
    pub per_client_connections: usize,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        Self {
            running: 64,
            waiting: 1024,
            wait: Duration::from_secs(10),
            per_client_connections: 64,
        }
    }
}

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full.
    QueueFull,
    /// It waited `wait` without a slot coming free.
    TimedOut,
}

/// The bounded queue in front of the instances.
pub struct Admission {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    limits: AdmissionLimits,
}

/// A request's slot; the next waiting request gets it when dropped.
pub struct Slot(#[allow(dead_code)] OwnedSemaphorePermit);

impl Admission {
    pub fn new(limits: AdmissionLimits) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(limits.running.max(1))),
            waiting: AtomicUsize::new(0),
            limits,
        }
    }

    /// A slot, at once or after waiting in the queue.
    pub async fn admit(&self) -> Result<Slot, Refused> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(Slot(permit));
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.limits.waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Refused::QueueFull);
        }
        let waited =
            tokio::time::timeout(self.limits.wait, self.slots.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(permit)) => Ok(Slot(permit)),
            _ => Err(Refused::TimedOut),
        }
    }

    /// Seconds a refused client should wait before trying again.
    pub fn retry_after(&self) -> u64 {
        self.limits.wait.as_secs().clamp(1, 30)
    }
}

/// The key one client's connections are counted under: its IPv4 address,
/// or its IPv6 /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & (u128::MAX << 64)).into()),
        v4 => v4,
    }
}

/// Open connections per client.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<IpAddr, usize>>,
    cap: usize,
}

/// One open connection; counted until dropped.
pub struct Open {
    connections: Arc<Connections>,
    key: IpAddr,
}

impl Connections {
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            open: Mutex::new(HashMap::new()),
            cap: cap.max(1),
        })
    }

    /// Counts a new connection from `ip`, unless it already holds `cap`.
    pub fn open(self: &Arc<Self>, ip: IpAddr) -> Option<Open> {
        let key = client_key(ip);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(key).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(Open {
            connections: self.clone(),
            key,
        })
    }

    #[cfg(test)]
    fn count(&self, ip: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(&client_key(ip)).copied().unwrap_or(0)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(running: usize, waiting: usize) -> AdmissionLimits {
        AdmissionLimits {
            running,
            waiting,
            wait: Duration::from_secs(2),
            per_client_connections: 2,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_that_finds_no_slot_waits_its_turn_then_runs() {
        let admission = Arc::new(Admission::new(limits(1, 4)));
        let first = admission.admit().await.expect("a slot");
        let waiting = {
            let a = admission.clone();
            tokio::spawn(async move { a.admit().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(first);
        assert_eq!(waiting.await.expect("joined"), Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_or_a_long_wait_is_refused_never_stuck() {
        let admission = Arc::new(Admission::new(limits(1, 1)));
        let _held = admission.admit().await.expect("a slot");
        let queued = {
            let a = admission.clone();
            tokio::spawn(async move { a.admit().await.map(|_| ()) })
        };
        tokio::task::yield_now().await;
        assert_eq!(admission.admit().await.map(|_| ()), Err(Refused::QueueFull));
        assert_eq!(queued.await.expect("joined"), Err(Refused::TimedOut));
        assert_eq!(admission.retry_after(), 2);
    }

    #[test]
    fn a_client_holds_at_most_its_cap_of_connections_and_ipv6_counts_by_64() {
        let c = Connections::new(2);
        let a: IpAddr = "203.0.113.7".parse().expect("ip");
        let one = c.open(a).expect("first");
        let _two = c.open(a).expect("second");
        assert!(c.open(a).is_none());
        assert!(c.open("203.0.113.8".parse().expect("ip")).is_some());
        drop(one);
        assert_eq!(c.count(a), 1);
        assert!(c.open(a).is_some());
        let v6a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let v6b: IpAddr = "2001:db8:1:2::ffff".parse().expect("ip");
        let _x = c.open(v6a).expect("first");
        let _y = c.open(v6b).expect("second");
        assert!(c
            .open("2001:db8:1:2:abcd::9".parse().expect("ip"))
            .is_none());
    }
}
