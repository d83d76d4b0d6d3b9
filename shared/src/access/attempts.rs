//! Limits on guessing the citizen's second factor (the last four digits of
//! the phone beside a tracking code: 10⁴ guesses at most), and on public
//! submissions, counted in the key-value store under keys that carry their
//! own expiry, so a sweep can drop every finished window.
//!
//! Wrong answers are counted per client (over all codes), per code and
//! client, and per code from anyone. The first two refuse the client for
//! the rest of the window (429 with `Retry-After`). The per-code count
//! never locks a code: once it passes its limit, the code takes one
//! attempt per `slowed_interval_seconds` from anyone — guessing from many
//! addresses slows to a crawl, while the citizen waits half a minute at
//! most.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::base::ids::TrackingCode;
use crate::base::kv::{counter, KeyValue, KvError};

/// Every key of a limit counter starts with this, then its expiry (Unix
/// seconds) and `/`.
pub const PREFIX: &str = "limits/";

/// The limits on wrong tracking answers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingLimits {
    /// The window wrong answers are counted in, in minutes.
    pub window_minutes: u32,
    /// Wrong answers one client may give in a window, over all codes.
    pub per_client: u32,
    /// Wrong answers one client may give for one code in a window.
    pub per_code_and_client: u32,
    /// Wrong answers for one code, from anyone, in a window before the
    /// code is slowed.
    pub per_code: u32,
    /// A slowed code takes one attempt per this many seconds.
    pub slowed_interval_seconds: u32,
}

impl Default for TrackingLimits {
    fn default() -> Self {
        Self {
            window_minutes: 15,
            per_client: 200,
            per_code_and_client: 5,
            per_code: 10,
            slowed_interval_seconds: 30,
        }
    }
}

/// Why a lookup is refused for now.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{reason}; try again in {retry_after} s")]
pub struct Throttled {
    /// Seconds until it may try again.
    pub retry_after: u32,
    /// What was exceeded, in words.
    pub reason: &'static str,
}

/// The counters one lookup reads and, when wrong, increments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    /// Wrong answers of this client.
    pub client: String,
    /// Wrong answers of this client for this code.
    pub code_and_client: String,
    /// Wrong answers for this code.
    pub code: String,
    /// Attempts on this code in the current slowed interval.
    pub slot: String,
    window_end: i64,
    slot_end: i64,
}

/// What the counters held before a lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// Wrong answers of this client in the window.
    pub client: i64,
    /// Wrong answers of this client for this code.
    pub code_and_client: i64,
    /// Wrong answers for this code.
    pub code: i64,
}

/// The key of a counter of `what` expiring at `expires` (Unix seconds).
pub fn counter_key(expires: i64, what: &str) -> String {
    format!("{PREFIX}{expires}/{what}")
}

/// Whether a key is a limit counter whose window has ended by `now`.
pub fn is_expired(key: &str, now: DateTime<Utc>) -> bool {
    key.strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(expires, _)| expires.parse::<i64>().ok())
        .is_some_and(|expires| expires <= now.timestamp())
}

fn seconds_until(end: i64, now: i64) -> u32 {
    u32::try_from((end - now).max(1)).unwrap_or(u32::MAX)
}

impl TrackingLimits {
    /// Checks the limits are usable: every number at least 1.
    pub fn check(&self) -> Result<(), String> {
        let all = [
            self.window_minutes,
            self.per_client,
            self.per_code_and_client,
            self.per_code,
            self.slowed_interval_seconds,
        ];
        if all.contains(&0) {
            return Err("every tracking limit must be at least 1".into());
        }
        Ok(())
    }

    /// The counters of a lookup of `code` by `client` (its bucket) at `at`.
    pub fn counters(&self, client: &str, code: &TrackingCode, at: DateTime<Utc>) -> Counters {
        let window = i64::from(self.window_minutes.max(1)) * 60;
        let interval = i64::from(self.slowed_interval_seconds.max(1));
        let now = at.timestamp();
        let window_end = (now.div_euclid(window) + 1) * window;
        let slot_end = (now.div_euclid(interval) + 1) * interval;
        let code = code.as_str();
        Counters {
            client: counter_key(window_end, &format!("track/client/{client}")),
            code_and_client: counter_key(window_end, &format!("track/code/{code}/{client}")),
            code: counter_key(window_end, &format!("track/code/{code}")),
            slot: counter_key(slot_end, &format!("track/slot/{code}")),
            window_end,
            slot_end,
        }
    }

    /// Before a lookup: refused if this client gave too many wrong answers
    /// (in all, or for this code); `Ok(true)` if the code is slowed and the
    /// lookup must take the interval's one attempt ([`Self::admit_slot`]).
    pub fn admit(&self, c: &Counters, seen: Seen, at: DateTime<Utc>) -> Result<bool, Throttled> {
        let now = at.timestamp();
        if seen.client >= i64::from(self.per_client) {
            return Err(Throttled {
                retry_after: seconds_until(c.window_end, now),
                reason: "too many wrong tracking codes or phone digits from this address",
            });
        }
        if seen.code_and_client >= i64::from(self.per_code_and_client) {
            return Err(Throttled {
                retry_after: seconds_until(c.window_end, now),
                reason: "too many wrong phone digits for this tracking code",
            });
        }
        Ok(seen.code >= i64::from(self.per_code))
    }

    /// A slowed code's lookup that was the `n`-th of its interval: only the
    /// first goes ahead.
    pub fn admit_slot(&self, c: &Counters, n: i64, at: DateTime<Utc>) -> Result<(), Throttled> {
        if n > 1 {
            return Err(Throttled {
                retry_after: seconds_until(c.slot_end, at.timestamp()),
                reason:
                    "this tracking code had many wrong attempts and takes one attempt at a time",
            });
        }
        Ok(())
    }
}

/// Runs a lookup by tracking code and second factor under the limits:
/// refused before any work when this client is over them, one attempt per
/// interval on a slowed code; a wrong answer (`None`) is counted. A
/// counter that fails never locks the citizen out: it reads 0, a slot it
/// cannot take is taken, and a wrong answer it cannot count goes uncounted
/// (the store reports its own failures).
pub fn guarded<T, E: From<Throttled>>(
    kv: &impl KeyValue,
    limits: &TrackingLimits,
    client: &str,
    code: &TrackingCode,
    now: DateTime<Utc>,
    lookup: impl FnOnce() -> Result<Option<T>, E>,
) -> Result<Option<T>, E> {
    let c = limits.counters(client, code, now);
    let seen = Seen {
        client: counter(kv, &c.client),
        code_and_client: counter(kv, &c.code_and_client),
        code: counter(kv, &c.code),
    };
    if limits.admit(&c, seen, now)? {
        let n = kv.increment(&c.slot, 1).unwrap_or(1);
        limits.admit_slot(&c, n, now)?;
    }
    let found = lookup()?;
    if found.is_none() {
        for key in [&c.client, &c.code_and_client, &c.code] {
            let _ = kv.increment(key, 1);
        }
    }
    Ok(found)
}

/// The limits on wrong staff sign-ins: per client, refused for the rest of
/// the window (429 with `Retry-After`); per account, never a lockout but a
/// growing delay — past `per_account` wrong answers in the window the
/// account takes one attempt per 1, 2, 4, … seconds, at most
/// `max_delay_seconds` — so an attacker slows guessing on a clerk's
/// account and the clerk, from another machine, waits that long at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SignInLimits {
    /// The window wrong answers are counted in, in minutes.
    pub window_minutes: u32,
    /// Wrong sign-ins one client may make in a window, over all accounts.
    pub per_client: u32,
    /// Wrong sign-ins on one account, from anyone, before it is slowed.
    pub per_account: u32,
    /// The longest a slowed account makes anyone wait, in seconds.
    pub max_delay_seconds: u32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            window_minutes: 15,
            per_client: 20,
            per_account: 5,
            max_delay_seconds: 30,
        }
    }
}

impl SignInLimits {
    /// Checks the limits are usable: every number at least 1, the window at
    /// most a day, and the delay at most 30 s — a slowed account is never
    /// locked out.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=1440).contains(&self.window_minutes) {
            return Err("sign_in.window_minutes must be from 1 to 1440".into());
        }
        if self.per_client == 0 || self.per_account == 0 {
            return Err("sign_in.per_client and sign_in.per_account must be at least 1".into());
        }
        if !(1..=30).contains(&self.max_delay_seconds) {
            return Err("sign_in.max_delay_seconds must be from 1 to 30".into());
        }
        Ok(())
    }

    /// The delay between attempts on an account with `wrong` wrong answers
    /// in the window: none up to `per_account`, then doubling to the cap.
    pub fn delay(&self, wrong: i64) -> Option<i64> {
        let over = wrong - i64::from(self.per_account);
        (over >= 0).then(|| {
            let doubled = 1i64.checked_shl(over.min(30) as u32).unwrap_or(i64::MAX);
            doubled.min(i64::from(self.max_delay_seconds.max(1)))
        })
    }
}

/// How long a client that signed in to an account stays known to it.
const KNOWN_DAYS: i64 = 30;

/// Runs a staff sign-in under [`SignInLimits`]. Each attempt takes its
/// place in the counters before any work (so attempts sent at once are
/// counted at once, not after their password checks): refused when this
/// client is over its limit; when the account is slowed, only the first
/// attempt after the delay since the last failure goes ahead. A client
/// that signed in to this account before (in the last 30 days, by its
/// address) is not slowed by others' failures: an attacker elsewhere
/// cannot keep a clerk out of her own desk. A sign-in that succeeds gives
/// its places back; a failure (`None`) keeps them and starts the delay.
/// `account` is the username as given.
pub fn guarded_sign_in<T, E: From<Throttled>>(
    kv: &impl KeyValue,
    limits: &SignInLimits,
    client: &str,
    account: &str,
    now: DateTime<Utc>,
    attempt: impl FnOnce() -> Result<Option<T>, E>,
) -> Result<Option<T>, E> {
    use sha2::Digest;
    let at = now.timestamp();
    let window = i64::from(limits.window_minutes.max(1)) * 60;
    let window_end = (at.div_euclid(window) + 1) * window;
    let account: String = sha2::Sha256::digest(account.trim().to_lowercase().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    let client_key = counter_key(window_end, &format!("sign-in/client/{client}"));
    let account_key = counter_key(window_end, &format!("sign-in/account/{account}"));
    let last_key = counter_key(window_end, &format!("sign-in/last/{account}"));
    let period = KNOWN_DAYS * 86_400;
    let known_key = |p: i64| {
        counter_key(
            (p + 2) * period,
            &format!("sign-in/known/{account}/{client}"),
        )
    };
    let this_period = at.div_euclid(period);
    let give_back = |keys: &[&String]| {
        for key in keys {
            let _ = kv.increment(key, -1);
        }
    };
    if kv.increment(&client_key, 1).unwrap_or(1) > i64::from(limits.per_client) {
        give_back(&[&client_key]);
        return Err(Throttled {
            retry_after: seconds_until(window_end, at),
            reason: "too many failed sign-ins from this address",
        }
        .into());
    }
    let earlier = kv.increment(&account_key, 1).unwrap_or(1) - 1;
    let known = [this_period, this_period - 1]
        .iter()
        .any(|p| counter(kv, &known_key(*p)) > 0);
    let mut slot = None;
    if let Some(delay) = limits.delay(earlier).filter(|_| !known) {
        let last = kv
            .get(&last_key)
            .ok()
            .flatten()
            .and_then(|v| String::from_utf8(v).ok())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0);
        let key = counter_key(window_end, &format!("sign-in/slot/{account}/{last}"));
        let wait = if at < last + delay {
            Some(last + delay)
        } else if kv.increment(&key, 1).unwrap_or(1) > 1 {
            // Another attempt took this delay's one place.
            Some(at + delay)
        } else {
            None
        };
        if let Some(until) = wait {
            give_back(&[&client_key, &account_key]);
            return Err(Throttled {
                retry_after: seconds_until(until, at),
                reason: "this account had many failed sign-ins: wait before the next attempt",
            }
            .into());
        }
        slot = Some(key);
    }
    let done = match attempt() {
        Ok(done) => done,
        Err(e) => {
            give_back(&[&client_key, &account_key]);
            return Err(e);
        }
    };
    if done.is_some() {
        give_back(&[&client_key, &account_key]);
        if let Some(key) = slot {
            let _ = kv.delete(&key);
        }
        let _ = kv.set(&known_key(this_period), &1i64.to_le_bytes());
    } else {
        let _ = kv.set(&last_key, at.to_string().as_bytes());
    }
    Ok(done)
}

/// Sign-ins through the sign-on one client may begin in 15 minutes: each
/// keeps a row for ten minutes, so a client cannot fill the table.
pub const SIGN_ON_BEGINS_PER_CLIENT: i64 = 60;

/// Counts a sign-in through the sign-on that `client` begins at `now`;
/// refused past [`SIGN_ON_BEGINS_PER_CLIENT`] in the window.
pub fn admit_sign_on_begin(
    kv: &impl KeyValue,
    client: &str,
    now: DateTime<Utc>,
) -> Result<(), Throttled> {
    let (at, window) = (now.timestamp(), 15 * 60);
    let window_end = (at.div_euclid(window) + 1) * window;
    let key = counter_key(window_end, &format!("sign-on/client/{client}"));
    if kv.increment(&key, 1).unwrap_or(1) > SIGN_ON_BEGINS_PER_CLIENT {
        return Err(Throttled {
            retry_after: seconds_until(window_end, at),
            reason: "too many sign-ins begun from this address",
        });
    }
    Ok(())
}

/// Deletes every counter (and remembered answer) whose window ended by
/// `now`; how many.
pub fn sweep(kv: &impl KeyValue, now: DateTime<Utc>) -> Result<u64, KvError> {
    let mut cursor = None;
    let mut deleted = 0;
    loop {
        let (keys, next) = kv.keys(cursor.as_deref())?;
        for key in keys.iter().filter(|k| is_expired(k, now)) {
            kv.delete(key)?;
            deleted += 1;
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(deleted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::kv::MemoryKv;
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + secs, 0)
            .single()
            .expect("instant")
    }

    fn code() -> TrackingCode {
        TrackingCode::from_random([7; 8])
    }

    #[test]
    fn a_client_may_begin_sixty_sign_ons_in_a_quarter_hour_and_then_waits_for_the_next() {
        let kv = MemoryKv::new();
        let now = crate::base::test_support::t("2026-12-07T09:05:00+08:00").to_utc();
        for _ in 0..SIGN_ON_BEGINS_PER_CLIENT {
            admit_sign_on_begin(&kv, "192.0.2.9", now).expect("admitted");
        }
        let refused = admit_sign_on_begin(&kv, "192.0.2.9", now).expect_err("refused");
        assert_eq!(refused.retry_after, 10 * 60);
        admit_sign_on_begin(&kv, "192.0.2.10", now).expect("another client is not slowed");
        let next = now + chrono::Duration::minutes(10);
        admit_sign_on_begin(&kv, "192.0.2.9", next).expect("the next window");
    }

    #[test]
    fn a_client_is_refused_for_the_rest_of_the_window_after_too_many_wrong_answers() {
        let l = TrackingLimits::default();
        let c = l.counters("203.0.113.7", &code(), at(600));
        // Far above what the citizens behind one hall's address reach.
        let ok = Seen {
            client: 199,
            ..Seen::default()
        };
        assert_eq!(l.admit(&c, ok, at(600)), Ok(false));
        let over = Seen {
            client: 200,
            ..Seen::default()
        };
        let refused = l.admit(&c, over, at(600)).expect_err("refused");
        // 1_800_000_600 is 600 s into a 15-minute window.
        assert_eq!(refused.retry_after, 300);
        let per_code = Seen {
            code_and_client: 5,
            ..Seen::default()
        };
        assert!(l.admit(&c, per_code, at(600)).is_err());
    }

    #[test]
    fn a_code_guessed_from_many_addresses_is_slowed_not_locked() {
        let l = TrackingLimits::default();
        let c = l.counters("198.51.100.1", &code(), at(5));
        let many = Seen {
            code: 10,
            ..Seen::default()
        };
        assert_eq!(l.admit(&c, many, at(5)), Ok(true));
        assert_eq!(l.admit_slot(&c, 1, at(5)), Ok(()));
        let second = l.admit_slot(&c, 2, at(5)).expect_err("one per interval");
        assert_eq!(second.retry_after, 25);
        assert!(second.retry_after <= l.slowed_interval_seconds);
    }

    #[test]
    fn counters_carry_their_expiry_and_a_new_window_has_new_keys() {
        let l = TrackingLimits::default();
        let now = l.counters("203.0.113.7", &code(), at(600));
        let later = l.counters("203.0.113.7", &code(), at(900));
        assert_ne!(now.client, later.client);
        assert_eq!(
            now.client,
            l.counters("203.0.113.7", &code(), at(899)).client
        );
        assert!(!is_expired(&now.client, at(899)));
        assert!(is_expired(&now.client, at(900)));
        assert!(!is_expired(&now.slot, at(629)));
        assert!(is_expired(&now.slot, at(630)));
        assert!(!is_expired("rules/current", at(10_000)));
        assert!(!is_expired("limits/soon/x", at(10_000)));
        assert!(now.code_and_client.contains(code().as_str()));
        assert!(now.code_and_client.ends_with("/203.0.113.7"));
    }

    fn lookup_at(
        kv: &MemoryKv,
        limits: &TrackingLimits,
        client: &str,
        secs: i64,
        right: bool,
    ) -> Result<Option<()>, Throttled> {
        guarded(kv, limits, client, &code(), at(secs), || {
            Ok::<_, Throttled>(right.then_some(()))
        })
    }

    #[test]
    fn a_client_is_refused_after_its_wrong_answers_for_a_code_until_the_window_ends() {
        let kv = MemoryKv::new();
        let l = TrackingLimits::default();
        for _ in 0..l.per_code_and_client {
            assert_eq!(lookup_at(&kv, &l, "203.0.113.7", 10, false), Ok(None));
        }
        let refused = lookup_at(&kv, &l, "203.0.113.7", 11, true).expect_err("throttled");
        assert_eq!(refused.retry_after, 900 - 11);
        // Another client still looks the code up; the first again after the window.
        assert_eq!(lookup_at(&kv, &l, "198.51.100.2", 12, true), Ok(Some(())));
        assert_eq!(lookup_at(&kv, &l, "203.0.113.7", 900, true), Ok(Some(())));
    }

    #[test]
    fn a_code_guessed_from_many_clients_takes_one_attempt_an_interval_and_is_never_locked() {
        let kv = MemoryKv::new();
        let l = TrackingLimits::default();
        for i in 0..l.per_code {
            let client = format!("198.51.100.{i}");
            assert_eq!(lookup_at(&kv, &l, &client, 10, false), Ok(None));
        }
        assert_eq!(lookup_at(&kv, &l, "203.0.113.7", 31, true), Ok(Some(())));
        let second = lookup_at(&kv, &l, "203.0.113.8", 32, true).expect_err("slowed");
        assert_eq!(second.retry_after, 60 - 32);
        assert_eq!(lookup_at(&kv, &l, "203.0.113.8", 60, true), Ok(Some(())));
    }

    #[test]
    fn a_store_that_fails_never_locks_the_citizen_out() {
        let kv = MemoryKv::failing();
        let l = TrackingLimits::default();
        for i in 0..3 * l.per_client {
            assert_eq!(
                lookup_at(&kv, &l, "203.0.113.7", i64::from(i), false),
                Ok(None)
            );
        }
        assert_eq!(lookup_at(&kv, &l, "203.0.113.7", 100, true), Ok(Some(())));
    }

    #[test]
    fn the_sweep_deletes_only_what_has_expired() {
        let kv = MemoryKv::new();
        let l = TrackingLimits::default();
        let c = l.counters("203.0.113.7", &code(), at(0));
        for key in [&c.client, &c.code, &c.slot] {
            kv.increment(key, 1).expect("count");
        }
        kv.set("rules/abc", b"{}").expect("set");
        assert_eq!(sweep(&kv, at(30)), Ok(1), "the slot's interval ended");
        assert_eq!(sweep(&kv, at(900)), Ok(2));
        assert_eq!(kv.keys(None).expect("keys").0, ["rules/abc"]);
    }

    #[test]
    fn limits_of_zero_are_refused() {
        assert!(TrackingLimits::default().check().is_ok());
        let zero = TrackingLimits {
            per_code: 0,
            ..TrackingLimits::default()
        };
        assert!(zero.check().is_err());
    }

    #[test]
    fn a_slowed_account_waits_at_most_the_cap_and_a_guessing_client_is_refused() {
        let kv = MemoryKv::default();
        let limits = SignInLimits::default();
        assert_eq!(
            (0..9).map(|n| limits.delay(n)).collect::<Vec<_>>(),
            [
                None,
                None,
                None,
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8)
            ]
        );
        assert_eq!(limits.delay(40), Some(30));
        let wrong = |client: &str, secs: i64| {
            guarded_sign_in(&kv, &limits, client, "li.na", at(secs), || {
                Ok::<Option<()>, Throttled>(None)
            })
        };
        let right = |client: &str, secs: i64| {
            guarded_sign_in(&kv, &limits, client, "Li.Na", at(secs), || {
                Ok::<Option<()>, Throttled>(Some(()))
            })
        };
        // An attacker guesses from one address, once a second: slowed
        // after five, 1, 2, 4, … 30 s apart, refused after twenty.
        let tried: Vec<i64> = (0..600)
            .filter(|s| wrong("198.51.100.9", *s).is_ok())
            .collect();
        assert_eq!(
            tried,
            [0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 65, 95, 125, 155, 185, 215, 245, 275, 305, 335]
        );
        let out = wrong("198.51.100.9", 600).expect_err("refused");
        assert!(out.reason.contains("address"), "{}", out.reason);
        // The clerk, elsewhere, gets in within the cap.
        let clerk = (600..=631).find(|s| right("203.0.113.5", *s).is_ok());
        assert!(clerk.is_some_and(|s| s <= 630), "{clerk:?}");
        // A wrong attempt of the clerk's own starts the delay again, for
        // everyone but her desk (signed in from it, she is known there).
        let own = clerk.unwrap_or(600);
        assert!(wrong("203.0.113.5", own + 1).is_ok());
        let again = wrong("192.0.2.77", own + 2).expect_err("waits");
        assert_eq!(again.retry_after, 29);
        assert!(
            wrong("203.0.113.5", own + 2).is_ok(),
            "her desk is not slowed"
        );
    }

    #[test]
    fn attempts_sent_at_once_are_counted_at_once_and_only_one_takes_a_slowed_accounts_place() {
        let kv = MemoryKv::default();
        let limits = SignInLimits::default();
        // Five failures: the account is slowed.
        for s in 0..5 {
            let r = guarded_sign_in(&kv, &limits, "198.51.100.9", "li.na", at(s), || {
                Ok::<Option<()>, Throttled>(None)
            });
            assert!(r.is_ok());
        }
        // At once, from many addresses, after the delay: one goes ahead,
        // the others (their checks still running) are refused at once.
        let admitted = std::cell::Cell::new(0);
        for i in 0..10 {
            let client = format!("203.0.113.{i}");
            let _ = guarded_sign_in(&kv, &limits, &client, "li.na", at(10), || {
                admitted.set(admitted.get() + 1);
                // The first is still checking while the others arrive.
                for j in 0..9 {
                    let other = format!("192.0.2.{j}");
                    let r = guarded_sign_in(&kv, &limits, &other, "li.na", at(10), || {
                        Ok::<Option<()>, Throttled>(None)
                    });
                    assert!(r.is_err(), "a second attempt in the same place");
                }
                Ok::<Option<()>, Throttled>(None)
            });
        }
        assert_eq!(admitted.get(), 1);
    }

    #[test]
    fn a_clerk_at_the_desk_she_signed_in_from_is_not_slowed_by_an_attacker_elsewhere() {
        let kv = MemoryKv::default();
        let limits = SignInLimits::default();
        let ok = || Ok::<Option<()>, Throttled>(Some(()));
        let bad = || Ok::<Option<()>, Throttled>(None);
        assert!(guarded_sign_in(&kv, &limits, "203.0.113.5", "li.na", at(0), ok).is_ok());
        // An attacker takes every place the delay leaves, from two addresses.
        let mut s = 1;
        for n in 0..30 {
            let client = if n % 2 == 0 {
                "198.51.100.9"
            } else {
                "198.51.100.10"
            };
            let _ = guarded_sign_in(&kv, &limits, client, "li.na", at(s), bad);
            s += 30;
        }
        // The clerk, from her own desk, right after an attacker's attempt.
        let r = guarded_sign_in(&kv, &limits, "203.0.113.5", "li.na", at(s - 29), ok);
        assert_eq!(r, Ok(Some(())));
        // A stranger's new address waits.
        let r = guarded_sign_in(&kv, &limits, "192.0.2.1", "li.na", at(s - 29), ok);
        assert!(r.is_err());
    }
}
