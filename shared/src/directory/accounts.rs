//! Local accounts, the embedded default for a county without a sign-on of
//! its own: a username and password ([`crate::access::password`]) and a
//! second factor for every staff role ([`crate::access::totp`]: a TOTP
//! secret sealed at rest, ten recovery codes kept as hashes). The first
//! bureau person is made by bootstrap with a one-time code the operator
//! set (no default secret); everyone after is added by the bureau. Every
//! sign-in, failure and sign-out is on record with the client's address.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::access::attempts::{guarded_sign_in, SignInLimits, Throttled};
use crate::access::password::{self, NewPassword, PasswordError};
use crate::access::totp::{self, Secret};
use crate::access::Principal;
use crate::base::clock;
use crate::base::db::{Db, SqlValue};
use crate::base::fields::{Bounded, FieldError, Fields};
use crate::base::ids::PersonId;
use crate::base::kv::KeyValue;
use crate::case::personal::{Keys, SealError};
use crate::case::stored::{corrupt, StoreError};
use crate::case::words::Role;
use crate::directory::sessions::{self, Opened, SessionPolicy};
use crate::directory::staff::{self, Person, StaffError};

/// What the TOTP URI names as the issuer in an authenticator app.
pub const TOTP_ISSUER: &str = "casework";

/// The random bytes a new account needs, drawn by the caller.
pub struct Drawn {
    /// The password's salt.
    pub salt: [u8; 16],
    /// The TOTP secret.
    pub totp: [u8; 20],
    /// The recovery codes.
    pub recovery: [u8; totp::RECOVERY_CODES * 10],
    /// The nonce sealing the TOTP secret.
    pub nonce: [u8; 12],
}

/// A new account's second factor, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct Enrolment {
    /// The person made.
    pub person: Person,
    /// The TOTP secret in base32, for an authenticator app.
    pub totp_secret: String,
    /// The same as an `otpauth://` URI (the QR code's content).
    pub otpauth_uri: String,
    /// The URI's QR code, an SVG image.
    pub otpauth_qr_svg: String,
    /// Ten one-time recovery codes.
    pub recovery_codes: Vec<String>,
}

/// Why an account operation is refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The body's fields, each problem named.
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    /// No `bootstrap_code` is set: bootstrap is off.
    #[error("bootstrap is off: the bootstrap_code variable is not set")]
    BootstrapOff,
    /// The bootstrap code is not the one set.
    #[error("the bootstrap code is wrong")]
    BootstrapWrongCode,
    /// The directory has an active bureau person already.
    #[error("the directory has an active bureau person already; they add everyone else")]
    BootstrapDone,
    /// A sign-in failed (whichever part was wrong).
    #[error("the username, password or second factor is wrong")]
    SignInFailed,
    /// The password was a one-time one the bureau set: the person sets
    /// their own and enrols a second factor first.
    #[error("this is a one-time password: set your own and enrol the second factor at POST /auth/first-sign-in")]
    PasswordChangeRequired,
    /// Another person has this username.
    #[error("the username {0} is another person's")]
    UsernameTaken(String),
    /// The directory refused the person.
    #[error(transparent)]
    Staff(#[from] StaffError),
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The second factor could not be sealed or opened.
    #[error("the second factor's secret: {0}")]
    Seal(SealError),
    /// Hashing failed.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// Too many failures from this client, or on this account, for now.
    #[error(transparent)]
    Throttled(#[from] Throttled),
}

impl From<crate::base::db::DbError> for AccountError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

fn context(person: &PersonId) -> String {
    totp::sealing_context(person.as_str())
}

fn weak(f: &mut Fields, field: &str, e: password::WeakPassword) {
    let code = match e {
        password::WeakPassword::TooShort => "too_short",
        password::WeakPassword::TooLong => "too_long",
        password::WeakPassword::Common => "common_password",
    };
    f.error(field, code, e.to_string());
}

/// Whether the directory has an active bureau person.
fn has_bureau(db: &impl Db) -> Result<bool, StoreError> {
    let rows = db.execute(
        "SELECT 1 AS one FROM staff WHERE role = 'bureau' AND active = 1 LIMIT 1",
        &[],
    )?;
    Ok(rows.row(0).is_some())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /auth/bootstrap`: while the directory has no active bureau
/// person, `{"code", "username", "display_name", "password"}` with `code`
/// equal to the deployment's `bootstrap_code` (`configured`) makes the
/// first bureau person, with a local account and its second factor.
pub fn bootstrap(
    db: &impl Db,
    keys: &Keys,
    body: &Value,
    configured: &str,
    drawn: &Drawn,
    client: &str,
    at: DateTime<FixedOffset>,
) -> Result<Enrolment, AccountError> {
    if configured.trim().is_empty() {
        return Err(AccountError::BootstrapOff);
    }
    if has_bureau(db)? {
        return Err(AccountError::BootstrapDone);
    }
    let mut f = Fields::of(body).map_err(AccountError::Fields)?;
    f.only(
        &["code", "username", "display_name", "password"],
        "a bootstrap",
    );
    let code = f.get::<Bounded<200>>("code");
    let username = f.get::<PersonId>("username");
    let display_name = f.get::<Bounded<64>>("display_name");
    let password = f.get::<Bounded<200>>("password").and_then(|p| {
        NewPassword::parse(&p.0)
            .map_err(|e| weak(&mut f, "password", e))
            .ok()
    });
    let (((code, username), display_name), password) = f
        .finish(code.zip(username).zip(display_name).zip(password))
        .map_err(AccountError::Fields)?;
    if !constant_time_eq(code.0.trim().as_bytes(), configured.trim().as_bytes()) {
        return Err(AccountError::BootstrapWrongCode);
    }
    let first = Principal {
        subject: "bootstrap".into(),
        name: "首次设置".into(),
        role: Role::Bureau,
        unit: None,
        leader: false,
    };
    let secret = Secret::from_bytes(drawn.totp);
    let codes = totp::recovery_codes(&drawn.recovery);
    let hash = password.hash(&drawn.salt)?;
    let person = db.transaction(|db| -> Result<Person, AccountError> {
        // Checked again under the write: a bootstrap at the same moment.
        if has_bureau(db)? {
            return Err(AccountError::BootstrapDone);
        }
        let body = serde_json::json!({
            "id": username.as_str(), "display_name": display_name.0, "role": "bureau",
        });
        let person = staff::add(db, &first, &body, at)?;
        let sealed = keys
            .seal_secret(&context(&person.id), &drawn.totp, drawn.nonce)
            .map_err(AccountError::Seal)?;
        db.execute(
            "INSERT INTO staff_accounts (person_id, username, password_hash, totp_sealed, updated_at)
             VALUES (?, ?, ?, ?, ?)",
            &[
                person.id.as_str().into(),
                username.as_str().into(),
                hash.as_str().into(),
                SqlValue::Blob(sealed),
                clock::format(at).into(),
            ],
        )?;
        for code in &codes {
            db.execute(
                "INSERT INTO staff_recovery_codes (person_id, code_hash) VALUES (?, ?)",
                &[person.id.as_str().into(), totp::recovery_hash(code).into()],
            )?;
        }
        let (id, event) = (&person.id, SignInEvent::Bootstrapped);
        record(db, event, Some(id), id.as_str(), "bootstrap", client, at)?;
        Ok(person)
    })?;
    Ok(Enrolment {
        otpauth_uri: secret.uri(TOTP_ISSUER, person.id.as_str()),
        otpauth_qr_svg: secret.qr_svg(TOTP_ISSUER, person.id.as_str()),
        totp_secret: secret.to_base32(),
        recovery_codes: codes,
        person,
    })
}

/// The second factor a sign-in gives.
#[derive(Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// The authenticator app's current code.
    Totp(String),
    /// One of the ten recovery codes.
    RecoveryCode(String),
}

/// A sign-in's credentials, as `POST /auth/password` takes them.
#[derive(Clone)]
pub struct Credentials {
    /// The username, as typed (compared in lowercase).
    pub username: String,
    password: String,
    second: SecondFactor,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ..)", self.username)
    }
}

impl Credentials {
    /// `{"username", "password", "totp"}`, or `"recovery_code"` in place
    /// of `totp`.
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut f = Fields::of(body)?;
        f.only(
            &["username", "password", "totp", "recovery_code"],
            "a sign-in",
        );
        let username = f.get::<Bounded<64>>("username");
        let password = f.get::<Bounded<200>>("password");
        let second = match (f.raw("totp").is_some(), f.raw("recovery_code").is_some()) {
            (true, false) => f
                .get::<Bounded<16>>("totp")
                .map(|c| SecondFactor::Totp(c.0)),
            (false, true) => f
                .get::<Bounded<64>>("recovery_code")
                .map(|c| SecondFactor::RecoveryCode(c.0)),
            (true, true) => {
                f.error(
                    "recovery_code",
                    "invalid",
                    "give totp or recovery_code, not both",
                );
                None
            }
            (false, false) => {
                f.error(
                    "totp",
                    "missing",
                    "the second factor: totp, or recovery_code",
                );
                None
            }
        };
        let ((username, password), second) = f.finish(username.zip(password).zip(second))?;
        Ok(Self {
            username: username.0.trim().to_lowercase(),
            password: password.0,
            second,
        })
    }

    /// How the second factor was given, for the record.
    pub fn method(&self) -> &'static str {
        match self.second {
            SecondFactor::Totp(_) => "password+totp",
            SecondFactor::RecoveryCode(_) => "password+recovery_code",
        }
    }
}

/// Checks credentials at `now`: the person (active) whose username,
/// password and second factor they are, with that factor used up (a TOTP
/// step, a recovery code); [`AccountError::SignInFailed`] whichever part
/// was wrong, after the same password work.
pub fn sign_in(
    db: &impl Db,
    keys: &Keys,
    c: &Credentials,
    now: DateTime<Utc>,
) -> Result<PersonId, AccountError> {
    let rows = db.execute(
        "SELECT a.person_id, a.password_hash, a.totp_sealed, a.totp_last_step, a.must_change,
                s.active
         FROM staff_accounts a JOIN staff s ON s.id = a.person_id WHERE a.username = ?",
        &[c.username.as_str().into()],
    )?;
    let Some(row) = rows.row(0) else {
        password::verify(&c.password, password::DECOY_HASH);
        return Err(AccountError::SignInFailed);
    };
    if !password::verify(&c.password, row.text("password_hash")?) || row.integer("active")? == 0 {
        return Err(AccountError::SignInFailed);
    }
    if row.integer("must_change")? != 0 {
        return Err(AccountError::PasswordChangeRequired);
    }
    let person: PersonId = row.text("person_id")?.parse().map_err(corrupt)?;
    let used = match &c.second {
        SecondFactor::Totp(code) => {
            let Ok(sealed) = row.blob("totp_sealed") else {
                return Err(AccountError::SignInFailed);
            };
            let bytes = keys
                .open_secret(&context(&person), sealed)
                .map_err(AccountError::Seal)?;
            let secret = Secret::from_bytes(
                bytes
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("totp secret".into()))?,
            );
            let last = row.integer("totp_last_step")?;
            match secret.check(code, now.timestamp(), last) {
                // Taken only if no sign-in took this step first.
                Some(step) => db
                    .execute(
                        "UPDATE staff_accounts SET totp_last_step = ?
                         WHERE person_id = ? AND totp_last_step < ? RETURNING person_id",
                        &[step.into(), person.as_str().into(), step.into()],
                    )?
                    .row(0)
                    .is_some(),
                None => false,
            }
        }
        SecondFactor::RecoveryCode(code) => db
            .execute(
                "UPDATE staff_recovery_codes SET used_at = ?
                 WHERE person_id = ? AND code_hash = ? AND used_at IS NULL RETURNING person_id",
                &[
                    clock::format(clock::in_china(now)).into(),
                    person.as_str().into(),
                    totp::recovery_hash(code).into(),
                ],
            )?
            .row(0)
            .is_some(),
    };
    if used {
        Ok(person)
    } else {
        Err(AccountError::SignInFailed)
    }
}

/// Signs in with `c` and opens the person's session (a new id, from
/// `random`), both or neither.
pub fn sign_in_to_session(
    db: &impl Db,
    keys: &Keys,
    c: &Credentials,
    random: &[u8; 64],
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> Result<(PersonId, Opened), AccountError> {
    db.transaction(|db| {
        let person = sign_in(db, keys, c, now)?;
        let opened = sessions::open(db, &person, random, policy, now)?;
        Ok((person, opened))
    })
}

/// Where an attempt comes from: the store its limits are counted in, the
/// client's address, and when.
pub struct Desk<'a, K: KeyValue> {
    /// The key-value store the limits count in.
    pub kv: &'a K,
    /// The client's address (its bucket: an IPv6 client's /64).
    pub client: &'a str,
    /// Now.
    pub now: DateTime<Utc>,
    /// The county's limits on failed sign-ins (its intake rules'
    /// `sign_in`).
    pub limits: SignInLimits,
}

impl<K: KeyValue> Desk<'_, K> {
    fn china(&self) -> DateTime<FixedOffset> {
        clock::in_china(self.now)
    }
}

/// `POST /auth/password`: a sign-in under the limits ([`SignInLimits`]),
/// opening a session (from `random`, living as `policy` says: the county's
/// session lengths) on success; the outcome on record
/// either way, with the client's address and never the password.
pub fn password_sign_in(
    db: &impl Db,
    keys: &Keys,
    c: &Credentials,
    random: &[u8; 64],
    policy: SessionPolicy,
    desk: &Desk<'_, impl KeyValue>,
) -> Result<(PersonId, Opened), AccountError> {
    let limits = desk.limits;
    let done = guarded_sign_in(desk.kv, &limits, desk.client, &c.username, desk.now, || {
        let opened = db.transaction(|db| {
            let (person, opened) = sign_in_to_session(db, keys, c, random, policy, desk.now)?;
            let event = SignInEvent::SignedIn;
            let (username, method) = (c.username.as_str(), c.method());
            record(
                db,
                event,
                Some(&person),
                username,
                method,
                desk.client,
                desk.china(),
            )?;
            Ok((person, opened))
        });
        match opened {
            Ok(done) => Ok(Some(done)),
            Err(AccountError::SignInFailed) => Ok(None),
            Err(e) => Err(e),
        }
    })?;
    if done.is_none() {
        let username = known_username(db, &c.username)?;
        let (event, method) = (SignInEvent::Failed, c.method());
        record(db, event, None, username, method, desk.client, desk.china())?;
    }
    done.ok_or(AccountError::SignInFailed)
}

/// A username as the record keeps it: as given if someone has it,
/// otherwise `(unknown username)` — it may be a password typed into the
/// wrong box.
fn known_username<'a>(db: &impl Db, username: &'a str) -> Result<&'a str, StoreError> {
    let known = db
        .execute(
            "SELECT 1 AS one FROM staff_accounts WHERE username = ?",
            &[username.into()],
        )?
        .row(0)
        .is_some();
    Ok(if known {
        username
    } else {
        "(unknown username)"
    })
}

/// `POST /auth/bootstrap` under the same limits as a sign-in (the
/// operator's code is guessed like a password), on record when done.
pub fn guarded_bootstrap(
    db: &impl Db,
    keys: &Keys,
    body: &Value,
    configured: &str,
    drawn: &Drawn,
    desk: &Desk<'_, impl KeyValue>,
) -> Result<Enrolment, AccountError> {
    let limits = desk.limits;
    guarded_sign_in(
        desk.kv,
        &limits,
        desk.client,
        "bootstrap",
        desk.now,
        || match bootstrap(db, keys, body, configured, drawn, desk.client, desk.china()) {
            Ok(made) => Ok(Some(made)),
            Err(AccountError::BootstrapWrongCode) => Ok(None),
            Err(e) => Err(e),
        },
    )?
    .ok_or(AccountError::BootstrapWrongCode)
}

/// Signs out: the session a cookie names, or (`everywhere`) every session
/// of `person`; on record. The sign-on's end-session URL when the session
/// a cookie names came through one that has it (the browser goes there).
pub fn sign_out(
    db: &impl Db,
    person: &PersonId,
    cookie: Option<&str>,
    everywhere: bool,
    desk: &Desk<'_, impl KeyValue>,
) -> Result<Option<String>, AccountError> {
    let ended = match cookie {
        Some(cookie) => sessions::end(db, cookie, desk.now)?,
        None => None,
    };
    let event = if everywhere {
        sessions::end_all(db, person, desk.now)?;
        SignInEvent::SignedOutEverywhere
    } else if ended.is_some() {
        SignInEvent::SignedOut
    } else {
        return Ok(None);
    };
    record(
        db,
        event,
        Some(person),
        person.as_str(),
        "session",
        desk.client,
        desk.china(),
    )?;
    Ok(ended.and_then(|e| e.sign_on_end))
}

/// How staff sign in here, for the sign-in page (`GET /auth/methods`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Methods {
    /// The city's sign-on is configured: "统一身份认证登录" (`GET /auth/login`).
    pub sign_on: bool,
    /// Local accounts exist: username, password and 动态口令.
    pub password: bool,
    /// Bootstrap is open: the directory has no active bureau person and
    /// the operator set a bootstrap code.
    pub bootstrap: bool,
    /// A development instance: demo tokens on this machine.
    pub development: bool,
}

/// The sign-in methods open now (`bootstrap_configured`: the operator set
/// `bootstrap_code`; `sign_on`: a sign-on is configured).
pub fn methods(
    db: &impl Db,
    bootstrap_configured: bool,
    development: bool,
    sign_on: bool,
) -> Result<Methods, StoreError> {
    let accounts = db.execute("SELECT 1 AS one FROM staff_accounts LIMIT 1", &[])?;
    Ok(Methods {
        sign_on,
        password: accounts.row(0).is_some(),
        bootstrap: bootstrap_configured && !has_bureau(db)?,
        development,
    })
}

/// A one-time password the bureau hands a person, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct Reset {
    /// Whose.
    pub person: PersonId,
    /// The username they sign in with.
    pub username: String,
    /// The one-time password (20 characters in four groups of five): the person
    /// sets their own at the first sign-in.
    pub one_time_password: String,
}

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "reset of {}", self.person)
    }
}

/// `POST /api/admin/staff/{id}/reset` (the bureau): gives person `id` a
/// local account, or resets theirs, with a one-time password from `random`
/// (the first 20 bytes its characters, the last 16 its salt): their second
/// factor and recovery codes are gone, their sessions ended, and the next
/// sign-in sets their own password and enrols a new second factor. `body`:
/// `{"username"?}` (default: the one they have, or their id). On record.
pub fn reset(
    db: &impl Db,
    who: &Principal,
    id: &PersonId,
    body: &Value,
    random: &[u8; 36],
    at: DateTime<FixedOffset>,
) -> Result<Reset, AccountError> {
    crate::access::may_change_county_data(who).map_err(StaffError::Role)?;
    let mut f = Fields::of(body).map_err(AccountError::Fields)?;
    f.only(&["username"], "a reset");
    let asked = f.get::<Option<PersonId>>("username").flatten();
    f.finish(Some(())).map_err(AccountError::Fields)?;
    staff::find(db, id)?.ok_or_else(|| StaffError::NotFound(id.clone()))?;
    let had = db
        .execute(
            "SELECT username FROM staff_accounts WHERE person_id = ?",
            &[id.as_str().into()],
        )?
        .row(0)
        .map(|r| r.text("username").map(str::to_string))
        .transpose()?;
    let username = asked
        .map(|u| u.as_str().to_string())
        .or(had)
        .unwrap_or_else(|| id.as_str().to_string());
    let mut chars = [0u8; 100];
    chars[..20].copy_from_slice(&random[..20]);
    let one_time = totp::recovery_codes(&chars)[..2].join("-");
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&random[20..]);
    let hash = password::hash(&one_time, &salt)?;
    let when = clock::format(at);
    db.transaction(|db| -> Result<(), AccountError> {
        let taken = db.execute(
            "SELECT person_id FROM staff_accounts WHERE username = ? AND person_id != ?",
            &[username.as_str().into(), id.as_str().into()],
        )?;
        if taken.row(0).is_some() {
            return Err(AccountError::UsernameTaken(username.clone()));
        }
        db.execute(
            "INSERT INTO staff_accounts (person_id, username, password_hash, must_change,
                                         totp_sealed, totp_last_step, updated_at)
             VALUES (?, ?, ?, 1, NULL, 0, ?)
             ON CONFLICT (person_id) DO UPDATE SET username = excluded.username,
                password_hash = excluded.password_hash, must_change = 1, totp_sealed = NULL,
                totp_last_step = 0, updated_at = excluded.updated_at",
            &[
                id.as_str().into(),
                username.as_str().into(),
                hash.as_str().into(),
                when.as_str().into(),
            ],
        )?;
        db.execute(
            "DELETE FROM staff_recovery_codes WHERE person_id = ?",
            &[id.as_str().into()],
        )?;
        sessions::end_all(db, id, at.with_timezone(&Utc))?;
        let noted = serde_json::json!({"username": username, "second_factor": "reset"});
        Ok(staff::record(db, id, "reset", &noted, who, at)?)
    })?;
    Ok(Reset {
        person: id.clone(),
        username,
        one_time_password: one_time,
    })
}

/// `POST /auth/first-sign-in` `{"username", "password", "new_password"}`:
/// with the one-time password the bureau gave, the person sets their own
/// and gets a new second factor (shown once); under the sign-in limits, on
/// record. Only an account waiting for it: an account in use cannot enrol
/// another second factor by password alone.
pub fn first_sign_in(
    db: &impl Db,
    keys: &Keys,
    body: &Value,
    drawn: &Drawn,
    desk: &Desk<'_, impl KeyValue>,
) -> Result<Enrolment, AccountError> {
    let mut f = Fields::of(body).map_err(AccountError::Fields)?;
    f.only(&["username", "password", "new_password"], "a first sign-in");
    let username = f.get::<Bounded<64>>("username");
    let given = f.get::<Bounded<200>>("password");
    let new = f.get::<Bounded<200>>("new_password").and_then(|p| {
        NewPassword::parse(&p.0)
            .map_err(|e| weak(&mut f, "new_password", e))
            .ok()
    });
    let ((username, given), new) = f
        .finish(username.zip(given).zip(new))
        .map_err(AccountError::Fields)?;
    let username = username.0.trim().to_lowercase();
    let limits = desk.limits;
    let secret = Secret::from_bytes(drawn.totp);
    let codes = totp::recovery_codes(&drawn.recovery);
    let enrolled = guarded_sign_in(
        desk.kv,
        &limits,
        desk.client,
        &username,
        desk.now,
        || -> Result<Option<Person>, AccountError> {
            let rows = db.execute(
                "SELECT a.person_id, a.password_hash FROM staff_accounts a
             JOIN staff s ON s.id = a.person_id
             WHERE a.username = ? AND a.must_change = 1 AND s.active = 1",
                &[username.as_str().into()],
            )?;
            let Some(row) = rows.row(0) else {
                password::verify(&given.0, password::DECOY_HASH);
                return Ok(None);
            };
            let given_hash = row.text("password_hash")?.to_string();
            if !password::verify(&given.0, &given_hash) {
                return Ok(None);
            }
            let person: PersonId = row.text("person_id")?.parse().map_err(corrupt)?;
            let hash = new.hash(&drawn.salt)?;
            let sealed = keys
                .seal_secret(&context(&person), &drawn.totp, drawn.nonce)
                .map_err(AccountError::Seal)?;
            let at = clock::format(desk.china());
            db.transaction(|db| -> Result<Option<Person>, AccountError> {
                // Only if the one-time password checked is still the one
                // waiting: not replaced by a reset, not used at this moment.
                let taken = db.execute(
                    "UPDATE staff_accounts SET password_hash = ?, must_change = 0, totp_sealed = ?,
                        totp_last_step = 0, updated_at = ?
                     WHERE person_id = ? AND must_change = 1 AND password_hash = ?
                     RETURNING person_id",
                    &[
                        hash.as_str().into(),
                        SqlValue::Blob(sealed.clone()),
                        at.as_str().into(),
                        person.as_str().into(),
                        given_hash.as_str().into(),
                    ],
                )?;
                if taken.row(0).is_none() {
                    return Ok(None);
                }
                db.execute(
                    "DELETE FROM staff_recovery_codes WHERE person_id = ?",
                    &[person.as_str().into()],
                )?;
                for code in &codes {
                    db.execute(
                        "INSERT INTO staff_recovery_codes (person_id, code_hash) VALUES (?, ?)",
                        &[person.as_str().into(), totp::recovery_hash(code).into()],
                    )?;
                }
                let event = SignInEvent::FirstSignIn;
                let method = "one_time_password";
                record(
                    db,
                    event,
                    Some(&person),
                    &username,
                    method,
                    desk.client,
                    desk.china(),
                )?;
                Ok(staff::find(db, &person)?)
            })
        },
    )?;
    let Some(person) = enrolled else {
        let method = "one_time_password";
        let known = known_username(db, &username)?;
        record(
            db,
            SignInEvent::Failed,
            None,
            known,
            method,
            desk.client,
            desk.china(),
        )?;
        return Err(AccountError::SignInFailed);
    };
    Ok(Enrolment {
        otpauth_uri: secret.uri(TOTP_ISSUER, &username),
        otpauth_qr_svg: secret.qr_svg(TOTP_ISSUER, &username),
        totp_secret: secret.to_base32(),
        recovery_codes: codes,
        person,
    })
}

/// What happened at a sign-in desk, for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInEvent {
    /// Signed in.
    SignedIn,
    /// A sign-in failed (the password never recorded).
    Failed,
    /// Signed out.
    SignedOut,
    /// Signed out of every session.
    SignedOutEverywhere,
    /// The first bureau person was made.
    Bootstrapped,
    /// A person set their own password and enrolled a second factor.
    FirstSignIn,
}

impl SignInEvent {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signed_in",
            Self::Failed => "failed",
            Self::SignedOut => "signed_out",
            Self::SignedOutEverywhere => "signed_out_everywhere",
            Self::Bootstrapped => "bootstrapped",
            Self::FirstSignIn => "first_sign_in",
        }
    }
}

/// Records a sign-in event: who (when known), the username given, how,
/// from which client address.
pub fn record(
    db: &impl Db,
    event: SignInEvent,
    person: Option<&PersonId>,
    username: &str,
    method: &str,
    client: &str,
    at: DateTime<FixedOffset>,
) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO sign_ins (at, event, person_id, username, method, client)
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            clock::format(at).into(),
            event.as_str().into(),
            SqlValue::from(person.map(|p| p.as_str().to_string())),
            username.chars().take(64).collect::<String>().into(),
            method.into(),
            client.into(),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Local accounts against real SQLite: bootstrap once, sign-in with a
    //! code computed as an authenticator app would, a replayed code and a
    //! used recovery code refused, and every failure the same answer.

    use super::*;
    use crate::base::test_support::{seeded_db, t};
    use serde_json::json;

    const AT: &str = "2026-12-07T09:00:00+08:00";
    const PASSWORD: &str = "淇河岸边柳树青青";

    fn keys() -> Keys {
        Keys::from_secret("accounts-test-key-0123456789abcdef-0123").expect("keys")
    }

    fn drawn(seed: u8) -> Drawn {
        Drawn {
            salt: [seed; 16],
            totp: [seed.wrapping_add(1); 20],
            recovery: std::array::from_fn(|i| (i as u8).wrapping_mul(seed | 1)),
            nonce: [seed; 12],
        }
    }

    fn first(db: &impl Db) -> Enrolment {
        bootstrap(
            db,
            &keys(),
            &json!({"code": "open-sesame-2026", "username": "zhang.wei",
                    "display_name": "张伟", "password": PASSWORD}),
            "open-sesame-2026",
            &drawn(3),
            "192.0.2.1",
            t(AT),
        )
        .expect("bootstraps")
    }

    fn credentials(second: Value) -> Credentials {
        let mut body = json!({"username": "Zhang.Wei", "password": PASSWORD});
        if let (Some(b), Some(s)) = (body.as_object_mut(), second.as_object()) {
            b.extend(s.clone());
        }
        Credentials::parse(&body).expect("parses")
    }

    fn now() -> DateTime<Utc> {
        t(AT).with_timezone(&Utc)
    }

    #[test]
    fn bootstrap_makes_the_first_bureau_person_once_and_only_with_the_operators_code() {
        let db = seeded_db();
        let body = json!({"code": "open-sesame-2026", "username": "zhang.wei",
                          "display_name": "张伟", "password": PASSWORD});
        assert!(matches!(
            bootstrap(&db, &keys(), &body, "", &drawn(1), "192.0.2.1", t(AT)),
            Err(AccountError::BootstrapOff)
        ));
        assert!(matches!(
            bootstrap(
                &db,
                &keys(),
                &body,
                "another-code",
                &drawn(1),
                "192.0.2.1",
                t(AT)
            ),
            Err(AccountError::BootstrapWrongCode)
        ));
        let weak = json!({"code": "x", "username": "Zhang Wei", "display_name": "张伟",
                          "password": "password"});
        match bootstrap(&db, &keys(), &weak, "x", &drawn(1), "192.0.2.1", t(AT)) {
            Err(AccountError::Fields(errors)) => assert_eq!(
                errors
                    .iter()
                    .map(|e| (e.field.as_str(), e.code))
                    .collect::<Vec<_>>(),
                [("username", "invalid"), ("password", "common_password")]
            ),
            other => panic!("expected field errors: {other:?}"),
        }
        let made = first(&db);
        assert_eq!(
            (made.person.id.as_str(), made.person.role),
            ("zhang.wei", Role::Bureau)
        );
        assert_eq!(made.totp_secret.len(), 32);
        assert!(made
            .otpauth_uri
            .starts_with("otpauth://totp/casework:zhang.wei?secret="));
        assert_eq!(made.recovery_codes.len(), 10);
        // The secret is sealed, the password hashed: neither is stored as given.
        let row = db
            .execute("SELECT password_hash, totp_sealed FROM staff_accounts", &[])
            .expect("row");
        let r = row.row(0).expect("one");
        assert!(r
            .text("password_hash")
            .expect("hash")
            .starts_with("$argon2id$"));
        let sealed = r.blob("totp_sealed").expect("sealed");
        assert!(!sealed.windows(20).any(|w| w == [4u8; 20]));
        assert!(matches!(
            bootstrap(
                &db,
                &keys(),
                &body,
                "open-sesame-2026",
                &drawn(2),
                "192.0.2.1",
                t(AT)
            ),
            Err(AccountError::BootstrapDone)
        ));
    }

    #[test]
    fn a_sign_in_needs_the_password_and_a_fresh_code_each_used_once() {
        let db = seeded_db();
        let made = first(&db);
        let secret = Secret::from_base32(&made.totp_secret).expect("base32");
        let code = secret.code_at_step(now().timestamp() / totp::STEP_SECONDS);
        let ok = credentials(json!({"totp": code}));
        assert_eq!(
            sign_in(&db, &keys(), &ok, now())
                .map(|p| p.to_string())
                .ok(),
            Some("zhang.wei".to_string())
        );
        // The same code again, even a moment later: refused.
        assert!(matches!(
            sign_in(&db, &keys(), &ok, now() + chrono::Duration::seconds(5)),
            Err(AccountError::SignInFailed)
        ));
        // The next step's code is good.
        let later = now() + chrono::Duration::seconds(30);
        let next = credentials(json!({"totp": secret.code_at_step(later.timestamp() / 30)}));
        assert!(sign_in(&db, &keys(), &next, later).is_ok());
        // A wrong password with a good code fails, and does not use the code up.
        let step = later.timestamp() / 30 + 1;
        let fresh = secret.code_at_step(step);
        let wrong = Credentials::parse(
            &json!({"username": "zhang.wei", "password": "not the password", "totp": fresh}),
        )
        .expect("parses");
        let at = later + chrono::Duration::seconds(30);
        assert!(matches!(
            sign_in(&db, &keys(), &wrong, at),
            Err(AccountError::SignInFailed)
        ));
        assert!(sign_in(&db, &keys(), &credentials(json!({"totp": fresh})), at).is_ok());
        let stranger = Credentials::parse(
            &json!({"username": "nobody", "password": PASSWORD, "totp": "123456"}),
        )
        .expect("parses");
        assert!(matches!(
            sign_in(&db, &keys(), &stranger, at),
            Err(AccountError::SignInFailed)
        ));
    }

    #[test]
    fn a_recovery_code_signs_in_once_and_a_disabled_person_not_at_all() {
        let db = seeded_db();
        let made = first(&db);
        let spare = credentials(json!({"recovery_code": made.recovery_codes[4].to_uppercase()}));
        assert!(sign_in(&db, &keys(), &spare, now()).is_ok());
        assert!(matches!(
            sign_in(&db, &keys(), &spare, now()),
            Err(AccountError::SignInFailed)
        ));
        let other = credentials(json!({"recovery_code": made.recovery_codes[5]}));
        let id: PersonId = "zhang.wei".parse().expect("id");
        let bureau = crate::base::test_support::staff_member(Role::Bureau);
        staff::change(&db, &bureau, &id, &json!({"active": false}), t(AT)).expect("disables");
        assert!(matches!(
            sign_in(&db, &keys(), &other, now()),
            Err(AccountError::SignInFailed)
        ));
    }

    #[test]
    fn credentials_name_exactly_one_second_factor() {
        let fields = |body: Value| -> Vec<String> {
            Credentials::parse(&body)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(json!({"username": "a", "password": "b"})), ["totp"]);
        assert_eq!(
            fields(json!({"username": "a", "password": "b", "totp": "1", "recovery_code": "2"})),
            ["recovery_code"]
        );
        assert_eq!(fields(json!({"password": "b", "totp": "1"})), ["username"]);
        assert!(fields(json!({"username": "a", "password": "b", "totp": "123456"})).is_empty());
        // The password is never in a debug print.
        let c = credentials(json!({"totp": "123456"}));
        assert!(!format!("{c:?}").contains(PASSWORD));
    }

    #[test]
    fn the_bureaus_one_time_password_only_sets_a_new_password_and_second_factor_once() {
        let db = seeded_db();
        first(&db);
        let bureau = crate::base::test_support::staff_member(Role::Bureau);
        staff::add(
            &db,
            &bureau,
            &json!({"id": "li.na", "display_name": "李娜", "role": "agent"}),
            t(AT),
        )
        .expect("adds");
        let id: PersonId = "li.na".parse().expect("id");
        let given = reset(&db, &bureau, &id, &json!({}), &[9; 36], t(AT)).expect("resets");
        assert_eq!(given.username, "li.na");
        assert_eq!(
            given.one_time_password.len(),
            23,
            "{}",
            given.one_time_password
        );
        let kv = crate::base::kv::MemoryKv::default();
        let desk = Desk {
            kv: &kv,
            client: "192.0.2.1",
            now: now(),
            limits: SignInLimits::default(),
        };
        // Signing in with it is not yet possible: first the person's own.
        let with_it = Credentials::parse(&json!({"username": "li.na",
            "password": given.one_time_password, "totp": "123456"}))
        .expect("parses");
        assert!(matches!(
            sign_in(&db, &keys(), &with_it, now()),
            Err(AccountError::PasswordChangeRequired)
        ));
        let body = json!({"username": "li.na", "password": given.one_time_password,
                          "new_password": PASSWORD});
        let enrolled = first_sign_in(&db, &keys(), &body, &drawn(5), &desk).expect("enrols");
        assert_eq!(enrolled.person.id.as_str(), "li.na");
        let secret = Secret::from_base32(&enrolled.totp_secret).expect("b32");
        let code = secret.code_at_step(now().timestamp() / 30);
        let own =
            Credentials::parse(&json!({"username": "li.na", "password": PASSWORD, "totp": code}))
                .expect("parses");
        assert_eq!(sign_in(&db, &keys(), &own, now()).ok(), Some(id.clone()));
        // Once used, the one-time password enrols nothing more.
        assert!(matches!(
            first_sign_in(&db, &keys(), &body, &drawn(6), &desk),
            Err(AccountError::SignInFailed)
        ));
        // Only the bureau resets; a username is one person's.
        assert!(matches!(
            reset(
                &db,
                &crate::base::test_support::staff_member(Role::Agent),
                &id,
                &json!({}),
                &[1; 36],
                t(AT)
            ),
            Err(AccountError::Staff(StaffError::Role(Role::Agent)))
        ));
        assert!(matches!(
            reset(
                &db,
                &bureau,
                &id,
                &json!({"username": "zhang.wei"}),
                &[1; 36],
                t(AT)
            ),
            Err(AccountError::UsernameTaken(_))
        ));
        // A reset ends the old second factor: the code no longer signs in.
        reset(&db, &bureau, &id, &json!({}), &[2; 36], t(AT)).expect("resets");
        assert!(matches!(
            sign_in(&db, &keys(), &own, now() + chrono::Duration::seconds(30)),
            Err(AccountError::SignInFailed | AccountError::PasswordChangeRequired)
        ));
        let logged = db
            .execute("SELECT change, body FROM staff_changes WHERE person_id = 'li.na' AND change = 'reset'", &[])
            .expect("rows");
        assert_eq!(logged.rows.len(), 2);
        let body = logged
            .row(0)
            .and_then(|r| r.text("body").ok().map(str::to_string))
            .unwrap_or_default();
        assert!(body.contains("li.na") && !body.contains(&given.one_time_password));
    }
}
