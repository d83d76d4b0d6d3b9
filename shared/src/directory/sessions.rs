//! Staff sessions a browser holds: an opaque random id in a cookie, kept
//! server-side only as its SHA-256 (a copy of the database opens no
//! session), with an idle expiry and an absolute one (a shift), a new id
//! at every sign-in, and a CSRF token of its own that every state-changing
//! request made with the cookie must carry. A session is the directory's
//! person: disabled, they are refused at their next request.

use chrono::{DateTime, TimeZone, Utc};
use sha2::Digest;

use crate::access::tokens::base64url;
use crate::access::Principal;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::ids::PersonId;
use crate::case::stored::StoreError;

/// The session cookie's name: `__Host-` makes a browser keep it only when
/// set `Secure`, with `Path=/` and no `Domain` (so no other host sets it).
pub const COOKIE: &str = "__Host-casework-session";

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ended after this many seconds without a request.
    pub idle_seconds: i64,
    /// Ended this many seconds after sign-in, however busy (a shift).
    pub absolute_seconds: i64,
}

impl Default for SessionPolicy {
    /// Idle 30 minutes, 12 hours at most.
    fn default() -> Self {
        Self {
            idle_seconds: 30 * 60,
            absolute_seconds: 12 * 3600,
        }
    }
}

/// How long sessions live, as a county sets it (the `sessions` of its
/// intake rules): idle minutes and the length of a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionLengths {
    /// Minutes without a request after which a session ends (1 to 1440).
    pub idle_minutes: u32,
    /// Hours after sign-in at which a session ends however busy: a shift
    /// (1 to 24, and not shorter than the idle time).
    pub shift_hours: u32,
}

impl Default for SessionLengths {
    /// Idle 30 minutes, a 12-hour shift.
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            shift_hours: 12,
        }
    }
}

impl SessionLengths {
    /// Checks the lengths are usable.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=1440).contains(&self.idle_minutes) {
            return Err("sessions.idle_minutes must be from 1 to 1440".into());
        }
        if !(1..=24).contains(&self.shift_hours) {
            return Err("sessions.shift_hours must be from 1 to 24".into());
        }
        if self.idle_minutes > self.shift_hours * 60 {
            return Err("sessions.idle_minutes must not be longer than the shift".into());
        }
        Ok(())
    }

    /// The policy new sessions are opened with.
    pub fn policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle_seconds: i64::from(self.idle_minutes) * 60,
            absolute_seconds: i64::from(self.shift_hours) * 3600,
        }
    }
}

/// A session just opened: what the browser is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The cookie's value (never stored as such).
    pub cookie: String,
    /// When it ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// A session found for a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who it is, as the directory has them now.
    pub principal: Principal,
    /// The value state-changing requests carry in `X-CSRF-Token`.
    pub csrf_token: String,
    /// When it ends if no request comes first (idle), or at the latest.
    pub expires_at: DateTime<Utc>,
}

/// How often a session's last request is written (its idle clock moves in
/// steps of this, not a write per request).
const TOUCH_SECONDS: i64 = 60;

fn digest(cookie: &str) -> String {
    sha2::Sha256::digest(cookie.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn instant(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().unwrap_or_default()
}

/// Opens a session for `person` at `now` with 64 fresh random bytes (the
/// id from the first half, the CSRF token from the second).
pub fn open(
    db: &impl Db,
    person: &PersonId,
    random: &[u8; 64],
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<Opened, StoreError> {
    open_from(db, person, random, policy, now, None)
}

/// Opens a session as [`open`] does, for a sign-in through a sign-on whose
/// end-session URL (`sign_on_end`) signing out sends the browser to.
pub fn open_from(
    db: &impl Db,
    person: &PersonId,
    random: &[u8; 64],
    policy: SessionPolicy,
    now: DateTime<Utc>,
    sign_on_end: Option<&str>,
) -> Result<Opened, StoreError> {
    let cookie = base64url(&random[..32]);
    let csrf = base64url(&random[32..]);
    let at = now.timestamp();
    let expires = at + policy.absolute_seconds;
    db.execute(
        "INSERT INTO staff_sessions (id_hash, person_id, csrf_token, created_at, seen_at,
                                     expires_at, idle_seconds, sign_on_end)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            digest(&cookie).into(),
            person.as_str().into(),
            csrf.into(),
            at.into(),
            at.into(),
            expires.into(),
            policy.idle_seconds.into(),
            SqlValue::from(sign_on_end.map(str::to_string)),
        ],
    )?;
    Ok(Opened {
        cookie,
        expires_at: instant(expires),
    })
}

/// The live session a cookie names at `now`: not ended, not idle too long,
/// not past its absolute end, its person active. Its idle clock is moved.
pub fn find(db: &impl Db, cookie: &str, now: DateTime<Utc>) -> Result<Option<Session>, StoreError> {
    let at = now.timestamp();
    let rows = db.execute(
        "SELECT x.id_hash, x.csrf_token, x.seen_at, x.expires_at, x.idle_seconds,
                s.id, s.display_name, s.role, s.unit_id, s.leader
         FROM staff_sessions x JOIN staff s ON s.id = x.person_id
         WHERE x.id_hash = ? AND x.ended_at IS NULL AND s.active = 1
           AND x.expires_at > ? AND x.seen_at + x.idle_seconds > ?",
        &[digest(cookie).into(), at.into(), at.into()],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    let seen = row.integer("seen_at")?;
    let idle = row.integer("idle_seconds")?;
    let absolute = row.integer("expires_at")?;
    let mut idle_end = seen + idle;
    if at - seen >= TOUCH_SECONDS {
        db.execute(
            "UPDATE staff_sessions SET seen_at = ? WHERE id_hash = ?",
            &[at.into(), row.text("id_hash")?.into()],
        )?;
        idle_end = at + idle;
    }
    Ok(Some(Session {
        principal: crate::directory::staff_principal(&row)?,
        csrf_token: row.text("csrf_token")?.to_string(),
        expires_at: instant(idle_end.min(absolute)),
    }))
}

/// A session just ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The sign-on's end-session URL, for a session opened through one
    /// that has it: the browser goes there to sign out of the sign-on too.
    pub sign_on_end: Option<String>,
}

/// Ends the session a cookie names (signing out), if there was one.
pub fn end(db: &impl Db, cookie: &str, now: DateTime<Utc>) -> Result<Option<Ended>, StoreError> {
    let rows = db.execute(
        "UPDATE staff_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL
         RETURNING sign_on_end",
        &[now.timestamp().into(), digest(cookie).into()],
    )?;
    rows.row(0)
        .map(|row| {
            Ok(Ended {
                sign_on_end: row.opt_text("sign_on_end")?.map(str::to_string),
            })
        })
        .transpose()
}

/// Ends every session of `person` ("sign out everywhere", a reset by the
/// bureau); how many were live.
pub fn end_all(db: &impl Db, person: &PersonId, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let rows = db.execute(
        "UPDATE staff_sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL
         RETURNING id_hash",
        &[now.timestamp().into(), person.as_str().into()],
    )?;
    Ok(rows.rows.len())
}

/// The session's end as China time, for `GET /api/me`.
pub fn china_time(at: DateTime<Utc>) -> String {
    clock::format(clock::in_china(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::test_support::{seeded_db, staff_member, t};
    use crate::case::words::Role;

    #[test]
    fn a_county_sets_the_idle_time_and_the_shift_within_a_day() {
        let l = |idle, shift| SessionLengths {
            idle_minutes: idle,
            shift_hours: shift,
        };
        assert_eq!(SessionLengths::default().policy(), SessionPolicy::default());
        assert_eq!(
            l(15, 8).policy(),
            SessionPolicy {
                idle_seconds: 900,
                absolute_seconds: 28_800
            }
        );
        assert!(l(15, 8).check().is_ok());
        for bad in [l(0, 8), l(15, 0), l(15, 25), l(1441, 24), l(120, 1)] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
    use serde_json::json;

    fn utc(text: &str) -> DateTime<Utc> {
        t(text).with_timezone(&Utc)
    }

    fn person(db: &impl Db) -> PersonId {
        crate::directory::staff::add(
            db,
            &staff_member(Role::Bureau),
            &json!({"id": "li.na", "display_name": "李娜", "role": "agent"}),
            t("2026-12-07T08:00:00+08:00"),
        )
        .expect("adds")
        .id
    }

    #[test]
    fn a_session_lives_while_used_ends_when_idle_or_at_the_end_of_the_shift() {
        let db = seeded_db();
        let id = person(&db);
        let policy = SessionPolicy::default();
        let opened =
            open(&db, &id, &[7; 64], policy, utc("2026-12-07T08:00:00+08:00")).expect("opens");
        assert_eq!(china_time(opened.expires_at), "2026-12-07T20:00:00+08:00");
        let s = find(&db, &opened.cookie, utc("2026-12-07T08:20:00+08:00"))
            .expect("reads")
            .expect("live");
        assert_eq!(
            (s.principal.subject.as_str(), s.principal.name.as_str()),
            ("li.na", "李娜")
        );
        assert_eq!(china_time(s.expires_at), "2026-12-07T08:50:00+08:00");
        // Used every 25 minutes it lives on, until the shift's end.
        let mut at = utc("2026-12-07T08:20:00+08:00");
        for _ in 0..27 {
            at += chrono::Duration::minutes(25);
            if at >= utc("2026-12-07T20:00:00+08:00") {
                break;
            }
            assert!(
                find(&db, &opened.cookie, at).expect("reads").is_some(),
                "at {at}"
            );
        }
        assert_eq!(
            find(&db, &opened.cookie, utc("2026-12-07T20:00:00+08:00")).expect("reads"),
            None
        );
        // Left alone for 31 minutes, another session is gone.
        let other =
            open(&db, &id, &[8; 64], policy, utc("2026-12-08T08:00:00+08:00")).expect("opens");
        assert_eq!(
            find(&db, &other.cookie, utc("2026-12-08T08:31:00+08:00")).expect("reads"),
            None
        );
        // The database holds no cookie value.
        let stored = db
            .execute("SELECT id_hash FROM staff_sessions", &[])
            .expect("rows");
        assert!(stored
            .iter()
            .all(|r| r.text("id_hash").ok() != Some(opened.cookie.as_str())));
    }

    #[test]
    fn signing_out_disabling_or_signing_out_everywhere_ends_sessions_at_the_next_request() {
        let db = seeded_db();
        let id = person(&db);
        let now = utc("2026-12-07T08:00:00+08:00");
        let policy = SessionPolicy::default();
        let a = open(&db, &id, &[1; 64], policy, now).expect("opens");
        let b = open(&db, &id, &[2; 64], policy, now).expect("opens");
        let c = open(&db, &id, &[3; 64], policy, now).expect("opens");
        assert_ne!(a.cookie, b.cookie);
        assert_eq!(
            end(&db, &a.cookie, now).expect("ends"),
            Some(Ended { sign_on_end: None })
        );
        assert_eq!(end(&db, &a.cookie, now).expect("ends"), None, "once");
        assert_eq!(find(&db, &a.cookie, now).expect("reads"), None);
        assert!(find(&db, &b.cookie, now).expect("reads").is_some());
        crate::directory::staff::change(
            &db,
            &staff_member(Role::Bureau),
            &id,
            &json!({"active": false}),
            t("2026-12-07T08:05:00+08:00"),
        )
        .expect("disables");
        assert_eq!(find(&db, &b.cookie, now).expect("reads"), None);
        // Enabled again, their old sessions stay ended: disabling ended them.
        crate::directory::staff::change(
            &db,
            &staff_member(Role::Bureau),
            &id,
            &json!({"active": true}),
            t("2026-12-07T08:06:00+08:00"),
        )
        .expect("enables");
        assert_eq!(find(&db, &b.cookie, now).expect("reads"), None);
        assert_eq!(find(&db, &c.cookie, now).expect("reads"), None);
        // Sign out everywhere ends every live one.
        let d = open(&db, &id, &[4; 64], policy, now).expect("opens");
        let e = open(&db, &id, &[5; 64], policy, now).expect("opens");
        assert_eq!(end_all(&db, &id, now).expect("ends"), 2);
        for gone in [&d, &e] {
            assert_eq!(find(&db, &gone.cookie, now).expect("reads"), None);
        }
        assert_eq!(find(&db, "no such cookie", now).expect("reads"), None);
    }
}
