//! The tests' staff directory: the harness plays the sign-on ([`sso`]) and
//! the bureau at once. The first time a request carries a token of the
//! tests' sign-on, the person it names is filed in the app's directory as
//! its claims describe them (role, unit, leader), through the deployment
//! seed's own table (`seed_staff`, which the app takes into its directory
//! as it takes a county's seed), so each test signs in as someone the
//! directory knows and decides for. One subject is one person: a test that
//! names the same subject with another role or unit is told so.
//!
//! Only for an app on the tests' sign-on (the casework app): a development
//! instance files its demo people itself, and other apps have no directory.
//!
//! [`sso`]: crate::sso

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;

use crate::{Launch, TEST_ISSUER};

/// What the harness filed for one app.
pub struct Filing {
    db: PathBuf,
    filed: Mutex<BTreeMap<String, Described>>,
}

/// The person a token describes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Described {
    role: String,
    unit: Option<String>,
    leader: bool,
}

const STAFF_ROLES: &[&str] = &["bureau", "unit", "agent", "supervisor", "scheduler"];

impl Filing {
    /// Filing for an app started as `launch` says: one on the tests'
    /// sign-on (the casework app, from its manifest or a test's copy of
    /// it); `None` for any other.
    pub fn for_launch(launch: &Launch, state_dir: &Path) -> Option<Self> {
        let on_test_sign_on = launch
            .env
            .iter()
            .any(|(k, v)| k == "SPIN_VARIABLE_TOKEN_ISSUER" && v == TEST_ISSUER);
        on_test_sign_on.then(|| Self {
            db: state_dir.join("sqlite_db.db"),
            filed: Mutex::new(BTreeMap::new()),
        })
    }

    /// Files the person `token` names, once; a token of another issuer, or
    /// whose claims describe no staff member, files no one.
    pub fn file(&self, token: &str) {
        let Some(claims) = payload(token) else {
            return;
        };
        if claims["iss"] != TEST_ISSUER {
            return;
        }
        let Some(sub) = claims["sub"].as_str() else {
            return;
        };
        let Some(role) = claims["role"].as_str().filter(|r| STAFF_ROLES.contains(r)) else {
            return;
        };
        let described = Described {
            role: role.to_string(),
            unit: claims["unit"].as_str().map(str::to_string),
            leader: claims["leader"].as_bool().unwrap_or(false),
        };
        let mut filed = self.filed.lock().unwrap_or_else(|e| e.into_inner());
        match filed.get(sub) {
            Some(before) if *before == described => return,
            Some(before) => panic!(
                "the tests' sign-on names {sub:?} as {described:?} here and as {before:?} before: \
                 one subject is one person in the staff directory; give each their own subject"
            ),
            None => {}
        }
        self.insert(sub, &described);
        filed.insert(sub.to_string(), described);
    }

    fn insert(&self, sub: &str, p: &Described) {
        let conn = rusqlite::Connection::open(&self.db).expect("the app's database");
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .expect("busy timeout");
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS seed_staff (
                id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL,
                role TEXT NOT NULL,
                unit_id TEXT,
                leader INTEGER NOT NULL DEFAULT 0,
                issuer TEXT,
                subject TEXT
            )",
        )
        .expect("the seed's staff table");
        conn.execute(
            "INSERT OR IGNORE INTO seed_staff (id, display_name, role, unit_id, leader, issuer, subject)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?2)",
            rusqlite::params![
                person_id(sub),
                sub,
                p.role,
                p.unit,
                p.leader,
                TEST_ISSUER
            ],
        )
        .expect("files the person");
    }
}

/// The person id the harness gives a subject: the subject where it is
/// one, otherwise it lowercased with every other character a `-`.
pub fn person_id(sub: &str) -> String {
    sub.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A JWT's claims, unverified (the harness signed them itself).
fn payload(token: &str) -> Option<serde_json::Value> {
    let middle = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(middle)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
