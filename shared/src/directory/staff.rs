//! The staff directory the bureau keeps: each person's stable id, name,
//! role, unit and leader flag, whether they are active, and the sign-in
//! identities (a sign-on's issuer and subject) linked to them. The identity
//! provider proves who someone is; this directory decides what they may do.
//! Cases belong to units, never to people: a person who leaves or moves to
//! another unit takes no case along. Every change is on record with who made
//! it; the bureau writes, supervisors read.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;

use crate::access::tokens::DEVELOPMENT_ISSUER;
use crate::access::{Claims, Identity, Principal};
use crate::base::clock;
use crate::base::db::{Db, Row, SqlValue};
use crate::base::fields::{one_of, Bounded, FieldError, FieldValue, Fields, Issue};
use crate::base::ids::{PersonId, UnitId};
use crate::case::stored::{corrupt, StoreError};
use crate::case::words::Role;
use crate::directory::{record_change, unit_rows, Ledger};

/// A person as the directory lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The stable id every event records.
    pub id: PersonId,
    /// The name people read, e.g. 张伟.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// Unit staff: their unit.
    pub unit: Option<UnitId>,
    /// Unit staff: the unit's name, where it has one.
    pub unit_name: Option<String>,
    /// Unit staff: whether they lead the unit (review its drafts).
    pub leader: bool,
    /// Whether they may sign in; a disabled person is refused at their next
    /// request.
    pub active: bool,
    /// The sign-in identities linked to them.
    pub identities: Vec<Identity>,
    /// When they were added, China time.
    pub created_at: String,
    /// When they were last changed, China time.
    pub updated_at: String,
}

/// Why a directory change or read is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StaffError {
    /// The role may not do this.
    #[error("the {0} role may not do this")]
    Role(Role),
    /// Reading or writing the directory failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The body's fields, each problem named.
    #[error("invalid fields")]
    Fields(Vec<FieldError>),
    /// A person with that id exists already.
    #[error("person {0} exists already")]
    Exists(PersonId),
    /// No person with that id.
    #[error("no person {0}")]
    NotFound(PersonId),
    /// A demo token's claims describe no staff member.
    #[error("{0}")]
    Claims(String),
    /// The identity is linked to another person already.
    #[error("the identity {subject} at {issuer} is linked to {person} already")]
    IdentityTaken {
        /// The sign-on.
        issuer: String,
        /// The subject there.
        subject: String,
        /// Who has it.
        person: PersonId,
    },
}

impl From<crate::base::db::DbError> for StaffError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::from(StoreError::from(e))
    }
}

fn writes(who: &Principal) -> Result<(), StaffError> {
    crate::access::may_change_county_data(who).map_err(StaffError::Role)
}

fn reads(who: &Principal) -> Result<(), StaffError> {
    crate::access::may_read_county_data(who).map_err(StaffError::Role)
}

/// A staff role named in a body: any role but the citizen's
/// (`unknown_value` otherwise, listing them).
struct StaffRole(Role);

impl FieldValue for StaffRole {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        let staff: Vec<&str> = Role::ALL
            .iter()
            .copied()
            .filter(|r| *r != Role::Citizen.as_str())
            .collect();
        match one_of::<Role>(value, &staff)? {
            Role::Citizen => Err(vec![Issue::new(
                "unknown_value",
                format!(
                    "citizens are not staff; must be one of: {}",
                    staff.join(", ")
                ),
            )]),
            role => Ok(Self(role)),
        }
    }
}

const SELECT: &str =
    "SELECT s.id, s.display_name, s.role, s.unit_id, u.name AS unit_name, s.leader,
        s.active, s.created_at, s.updated_at
     FROM staff s LEFT JOIN units u ON u.id = s.unit_id";

/// The identities of everyone (`person = None`) or of one person, by
/// person id: one query either way.
fn identities_of(
    db: &impl Db,
    person: Option<&PersonId>,
) -> Result<BTreeMap<String, Vec<Identity>>, StaffError> {
    let rows = match person {
        Some(id) => db.execute(
            "SELECT person_id, issuer, subject FROM staff_identities WHERE person_id = ?
             ORDER BY issuer, subject",
            &[id.as_str().into()],
        )?,
        None => db.execute(
            "SELECT person_id, issuer, subject FROM staff_identities
             ORDER BY person_id, issuer, subject",
            &[],
        )?,
    };
    let mut out: BTreeMap<String, Vec<Identity>> = BTreeMap::new();
    for r in rows.iter() {
        out.entry(r.text("person_id")?.to_string())
            .or_default()
            .push(Identity {
                issuer: r.text("issuer")?.to_string(),
                subject: r.text("subject")?.to_string(),
            });
    }
    Ok(out)
}

fn person(
    row: Row<'_>,
    identities: &mut BTreeMap<String, Vec<Identity>>,
) -> Result<Person, StaffError> {
    let id: PersonId = row.text("id")?.parse().map_err(corrupt)?;
    let identities = identities.remove(id.as_str()).unwrap_or_default();
    Ok(Person {
        display_name: row.text("display_name")?.to_string(),
        role: role_of(&row)?,
        unit: row
            .opt_text("unit_id")?
            .map(str::parse)
            .transpose()
            .map_err(corrupt)?,
        unit_name: row.opt_text("unit_name")?.map(str::to_string),
        leader: row.integer("leader")? != 0,
        active: row.integer("active")? != 0,
        identities,
        created_at: row.text("created_at")?.to_string(),
        updated_at: row.text("updated_at")?.to_string(),
        id,
    })
}

fn role_of(row: &Row<'_>) -> Result<Role, StoreError> {
    row.text("role")?
        .parse()
        .map_err(|_| StoreError::Corrupt("staff role".into()))
}

/// Everyone in the directory, by id (bureau and supervisors).
pub fn list(db: &impl Db, who: &Principal) -> Result<Vec<Person>, StaffError> {
    reads(who)?;
    let rows = db.execute(&format!("{SELECT} ORDER BY s.id"), &[])?;
    let mut identities = identities_of(db, None)?;
    rows.iter().map(|r| person(r, &mut identities)).collect()
}

/// One person (bureau and supervisors).
pub fn one(db: &impl Db, who: &Principal, id: &PersonId) -> Result<Person, StaffError> {
    reads(who)?;
    find(db, id)?.ok_or_else(|| StaffError::NotFound(id.clone()))
}

/// The person with `id`, if any (for the library's own use: no role check).
pub(crate) fn find(db: &impl Db, id: &PersonId) -> Result<Option<Person>, StaffError> {
    let rows = db.execute(&format!("{SELECT} WHERE s.id = ?"), &[id.as_str().into()])?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    person(row, &mut identities_of(db, Some(id))?).map(Some)
}

/// The active person a sign-in identity is linked to, as a principal: what
/// they may do is the directory's say, not the sign-on's. `None` for an
/// identity nobody has, or a person disabled.
pub fn principal_of(db: &impl Db, identity: &Identity) -> Result<Option<Principal>, StaffError> {
    let rows = db.execute(
        "SELECT s.id, s.display_name, s.role, s.unit_id, s.leader FROM staff_identities i
         JOIN staff s ON s.id = i.person_id
         WHERE i.issuer = ? AND i.subject = ? AND s.active = 1",
        &[
            identity.issuer.as_str().into(),
            identity.subject.as_str().into(),
        ],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    Ok(Some(crate::directory::staff_principal(&row)?))
}

/// The demo person a development instance's own token describes: found
/// by the claims it carries (each subject, role, unit and leader flag one
/// demo person, so `demo.unit` of two units are two people), added to the
/// directory on first use, and from then on the directory's like anyone
/// (disabled: `None`, refused). Only a development instance calls this.
pub fn demo_principal(
    db: &impl Db,
    claims: &Claims,
    at: DateTime<FixedOffset>,
) -> Result<Option<Principal>, StaffError> {
    let described =
        Principal::from_claims(claims).map_err(|e| StaffError::Claims(e.to_string()))?;
    let identity = Identity {
        issuer: DEVELOPMENT_ISSUER.into(),
        subject: demo_subject(&described),
    };
    if let Some(found) = principal_of(db, &identity)? {
        return Ok(Some(found));
    }
    if holder_of(db, &identity)?.is_some() {
        return Ok(None);
    }
    let id = demo_person_id(db, &described, &identity)?;
    let mut body = serde_json::json!({
        "id": id.as_str(),
        "display_name": format!("演示账号 {}", described.subject),
        "role": described.role.as_str(),
        "leader": described.leader,
        "identities": [{"issuer": identity.issuer, "subject": identity.subject}],
    });
    if let (Some(unit), Some(fields)) = (&described.unit, body.as_object_mut()) {
        fields.insert("unit".into(), unit.as_str().into());
    }
    let development = Principal {
        subject: "development".into(),
        name: "开发实例".into(),
        role: Role::Bureau,
        unit: None,
        leader: false,
    };
    match add(db, &development, &body, at) {
        // Another request added them at the same moment: theirs stands.
        Ok(_) | Err(StaffError::Exists(_) | StaffError::IdentityTaken { .. }) => {
            principal_of(db, &identity)
        }
        Err(e) => Err(e),
    }
}

/// The identity subject of a demo person: the claims that describe them.
fn demo_subject(p: &Principal) -> String {
    let unit = p.unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
    let leader = if p.leader { " leader" } else { "" };
    format!("{} ({}{unit}{leader})", p.subject, p.role.as_str())
}

/// A demo person's id: their token's subject where that is a free person
/// id, otherwise it made one, with a short digest of the claims.
fn demo_person_id(
    db: &impl Db,
    p: &Principal,
    identity: &Identity,
) -> Result<PersonId, StaffError> {
    if let Ok(id) = p.subject.parse::<PersonId>() {
        if find(db, &id)?.is_none() {
            return Ok(id);
        }
    }
    let stem: String = p
        .subject
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(48)
        .collect();
    let stem = stem.trim_start_matches(['.', '_', '-']);
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(identity.subject.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    let id = if stem.is_empty() {
        format!("demo-{digest}")
    } else {
        format!("{stem}-{digest}")
    };
    id.parse().map_err(|_| StaffError::Claims("sub".into()))
}

/// The person an identity is linked to, active or not.
fn holder_of(db: &impl Db, identity: &Identity) -> Result<Option<PersonId>, StaffError> {
    let rows = db.execute(
        "SELECT person_id FROM staff_identities WHERE issuer = ? AND subject = ?",
        &[
            identity.issuer.as_str().into(),
            identity.subject.as_str().into(),
        ],
    )?;
    match rows.row(0) {
        Some(row) => Ok(Some(row.text("person_id")?.parse().map_err(corrupt)?)),
        None => Ok(None),
    }
}

/// Who is signed in, as `GET /api/me` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Me {
    /// Their id in the directory.
    pub person: String,
    /// Their name.
    pub display_name: String,
    /// Their role.
    pub role: Role,
    /// Unit staff: their unit.
    pub unit: Option<UnitId>,
    /// Unit staff: the unit's name.
    pub unit_name: Option<String>,
    /// Unit staff: whether they lead it.
    pub leader: bool,
    /// When their session ends if idle, or at the latest (China time);
    /// `None` for a bearer token.
    pub session_expires_at: Option<String>,
    /// The `X-CSRF-Token` their session's state-changing requests carry;
    /// `None` for a bearer token.
    pub csrf_token: Option<String>,
}

/// What the signed-in `who` sees of themselves, with their session if
/// they signed in with one.
pub fn me(
    db: &impl Db,
    who: &Principal,
    session: Option<&crate::directory::sessions::Session>,
) -> Result<Me, StaffError> {
    let unit_name = match &who.unit {
        Some(unit) => db
            .execute(
                "SELECT name FROM units WHERE id = ?",
                &[unit.as_str().into()],
            )?
            .row(0)
            .map(|r| r.text("name").map(str::to_string))
            .transpose()?,
        None => None,
    };
    Ok(Me {
        person: who.subject.clone(),
        display_name: who.name.clone(),
        role: who.role,
        unit: who.unit.clone(),
        unit_name,
        leader: who.leader,
        session_expires_at: session.map(|s| crate::directory::sessions::china_time(s.expires_at)),
        csrf_token: session.map(|s| s.csrf_token.clone()),
    })
}

/// What a body says of a person; `None` for a field it leaves out.
#[derive(Default)]
struct Changes {
    display_name: Option<String>,
    role: Option<Role>,
    unit: Option<Option<UnitId>>,
    leader: Option<bool>,
    active: Option<bool>,
    identities: Option<Vec<Identity>>,
}

fn read_changes(f: &mut Fields, db: &impl Db, required: bool) -> Result<Changes, StaffError> {
    let mut c = Changes::default();
    if required || f.raw("display_name").is_some() {
        c.display_name = f.get::<Bounded<64>>("display_name").map(|b| b.0);
    }
    if required || f.raw("role").is_some() {
        c.role = f.get::<StaffRole>("role").map(|r| r.0);
    }
    if required || f.raw("unit").is_some() {
        c.unit = f.get::<Option<UnitId>>("unit");
    }
    if let Some(Some(unit)) = &c.unit {
        if !unit_rows::unit_exists(db, unit)? {
            f.error("unit", "unknown_unit", "no unit with this id takes cases");
        }
    }
    if f.raw("leader").is_some() {
        c.leader = f.get::<bool>("leader");
    }
    if f.raw("active").is_some() {
        c.active = f.get::<bool>("active");
    }
    if let Some(raw) = f.raw("identities") {
        c.identities = identities(f, raw);
    }
    Ok(c)
}

/// The most sign-in identities one person has.
const MAX_IDENTITIES: usize = 20;

fn identities(f: &mut Fields, raw: &Value) -> Option<Vec<Identity>> {
    let Some(items) = raw.as_array() else {
        f.error("identities", "wrong_type", "a list of {issuer, subject}");
        return None;
    };
    if items.len() > MAX_IDENTITIES {
        f.error(
            "identities",
            "too_many",
            format!("at most {MAX_IDENTITIES} identities"),
        );
        return None;
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let name = format!("identities[{i}]");
        let Some(object) = item.as_object() else {
            f.error(&name, "wrong_type", "an object {issuer, subject}");
            continue;
        };
        let mut inner = Fields::new(object, &format!("{name}."));
        let issuer = inner.get::<Bounded<200>>("issuer");
        let subject = inner.get::<Bounded<200>>("subject");
        match inner.finish(issuer.zip(subject)) {
            Ok((issuer, subject)) => out.push(Identity {
                issuer: issuer.0,
                subject: subject.0,
            }),
            Err(errors) => {
                for e in errors {
                    f.error(&e.field, e.code, e.message);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// A unit staff member names a unit; nobody else does, and only unit staff
/// lead.
fn check_shape(f: &mut Fields, role: Role, unit: Option<&UnitId>, leader: bool) {
    match (role, unit) {
        (Role::Unit, None) => f.error("unit", "missing", "unit staff belong to a unit"),
        (Role::Unit, Some(_)) => {}
        (_, Some(_)) => f.error("unit", "invalid", "only unit staff belong to a unit"),
        (_, None) => {}
    }
    if leader && role != Role::Unit {
        f.error("leader", "invalid", "only unit staff lead a unit");
    }
}

/// Adds a person: `id`, `display_name`, `role`, `unit` (unit staff),
/// `leader`, `identities` (`[{issuer, subject}]`). Active from the start.
pub fn add(
    db: &impl Db,
    who: &Principal,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Person, StaffError> {
    writes(who)?;
    let mut f = Fields::of(body).map_err(StaffError::Fields)?;
    let id = f.get::<PersonId>("id");
    let c = read_changes(&mut f, db, true)?;
    let leader = c.leader.unwrap_or(false);
    let unit = c.unit.clone().flatten();
    if let Some(role) = c.role {
        check_shape(&mut f, role, unit.as_ref(), leader);
    }
    let (id, (display_name, role)) = f
        .finish(id.zip(c.display_name.clone().zip(c.role)))
        .map_err(StaffError::Fields)?;
    let identities = c.identities.unwrap_or_default();
    db.transaction(|db| -> Result<(), StaffError> {
        let when = clock::format(at);
        // The id taken already, even by a request at the same moment: no row.
        let inserted = db.execute(
            "INSERT INTO staff (id, display_name, role, unit_id, leader, active, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
            &[
                id.as_str().into(),
                display_name.as_str().into(),
                role.as_str().into(),
                SqlValue::from(unit.as_ref().map(|u| u.as_str().to_string())),
                i64::from(leader).into(),
                when.as_str().into(),
                when.as_str().into(),
            ],
        )?;
        if inserted.row(0).is_none() {
            return Err(StaffError::Exists(id.clone()));
        }
        link(db, &id, &identities)?;
        record(db, &id, "added", body, who, at)
    })?;
    one(db, who, &id)
}

/// Changes a person: any of `display_name`, `role`, `unit`, `leader`,
/// `active` (`false` disables: refused at their next request) and
/// `identities` (the whole list). Their unit's cases stay with the unit.
pub fn change(
    db: &impl Db,
    who: &Principal,
    id: &PersonId,
    body: &Value,
    at: DateTime<FixedOffset>,
) -> Result<Person, StaffError> {
    writes(who)?;
    let mut f = Fields::of(body).map_err(StaffError::Fields)?;
    let c = read_changes(&mut f, db, false)?;
    let before = one(db, who, id)?;
    let role = c.role.unwrap_or(before.role);
    // A person who leaves the unit role leaves their unit, unless the body
    // names one (then the shape check refuses it).
    let unit = match (&c.unit, c.role) {
        (Some(unit), _) => unit.clone(),
        (None, Some(r)) if r != Role::Unit => None,
        (None, _) => before.unit.clone(),
    };
    let leader = role == Role::Unit && c.leader.unwrap_or(before.leader);
    if c.leader == Some(true) || c.role.is_some() || c.unit.is_some() {
        check_shape(&mut f, role, unit.as_ref(), c.leader.unwrap_or(false));
    }
    let nothing = c.display_name.is_none()
        && c.role.is_none()
        && c.unit.is_none()
        && c.leader.is_none()
        && c.active.is_none()
        && c.identities.is_none();
    if nothing {
        f.error(
            "display_name",
            "missing",
            "give display_name, role, unit, leader, active or identities",
        );
    }
    f.finish(Some(())).map_err(StaffError::Fields)?;
    db.transaction(|db| -> Result<(), StaffError> {
        db.execute(
            "UPDATE staff SET display_name = ?, role = ?, unit_id = ?, leader = ?, active = ?,
                updated_at = ? WHERE id = ?",
            &[
                c.display_name
                    .as_deref()
                    .unwrap_or(&before.display_name)
                    .into(),
                role.as_str().into(),
                SqlValue::from(unit.as_ref().map(|u| u.as_str().to_string())),
                i64::from(leader).into(),
                i64::from(c.active.unwrap_or(before.active)).into(),
                clock::format(at).into(),
                id.as_str().into(),
            ],
        )?;
        if let Some(identities) = &c.identities {
            db.execute(
                "DELETE FROM staff_identities WHERE person_id = ?",
                &[id.as_str().into()],
            )?;
            link(db, id, identities)?;
        }
        if c.active == Some(false) {
            // Disabled: every session of theirs ends now, not only while
            // they stay disabled.
            crate::directory::sessions::end_all(db, id, at.with_timezone(&chrono::Utc))?;
        }
        record(db, id, "changed", body, who, at)
    })?;
    one(db, who, id)
}

fn link(db: &impl Db, id: &PersonId, identities: &[Identity]) -> Result<(), StaffError> {
    for identity in identities {
        let linked = db.execute(
            "INSERT INTO staff_identities (issuer, subject, person_id) VALUES (?, ?, ?)
             ON CONFLICT (issuer, subject) DO NOTHING RETURNING person_id",
            &[
                identity.issuer.as_str().into(),
                identity.subject.as_str().into(),
                id.as_str().into(),
            ],
        )?;
        if linked.row(0).is_some() {
            continue;
        }
        return Err(StaffError::IdentityTaken {
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
            person: holder_of(db, identity)?
                .ok_or_else(|| StoreError::Corrupt("staff identity".into()))?,
        });
    }
    Ok(())
}

/// Records a change of a person's (`change`: `added`, `changed`,
/// `reset`) with who made it.
pub(crate) fn record(
    db: &impl Db,
    id: &PersonId,
    change: &str,
    body: &Value,
    who: &Principal,
    at: DateTime<FixedOffset>,
) -> Result<(), StaffError> {
    Ok(record_change(
        db,
        Ledger::Staff,
        id.as_str(),
        change,
        body,
        who,
        at,
    )?)
}

#[cfg(test)]
mod tests {
    //! The staff directory against real SQLite: people added, moved,
    //! disabled; identities linked once; the directory deciding the
    //! principal; every change on record.

    use super::*;
    use crate::base::test_support::{seeded_db, staff_member as who, t};
    use serde_json::json;

    const AT: &str = "2026-12-07T09:00:00+08:00";
    const SSO: &str = "https://sso.example.gov.cn";

    fn identity(subject: &str) -> Identity {
        Identity {
            issuer: SSO.into(),
            subject: subject.into(),
        }
    }

    fn field_errors(result: Result<Person, StaffError>) -> Vec<String> {
        match result {
            Err(StaffError::Fields(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors: {other:?}"),
        }
    }

    #[test]
    fn the_bureau_adds_a_unit_clerk_whose_sign_on_identity_gives_the_directorys_role_and_unit() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        let added = add(
            &db,
            &bureau,
            &json!({"id": "li.na", "display_name": "李娜", "role": "unit", "unit": "qibin-urban",
                "identities": [{"issuer": SSO, "subject": "u-1001"}]}),
            t(AT),
        )
        .expect("adds");
        assert_eq!(added.unit_name.as_deref(), Some("淇滨区城市管理局"));
        assert!(added.active && !added.leader);
        let p = principal_of(&db, &identity("u-1001"))
            .expect("reads")
            .expect("known");
        assert_eq!(
            (
                p.subject.as_str(),
                p.role,
                p.unit.as_ref().map(UnitId::as_str)
            ),
            ("li.na", Role::Unit, Some("qibin-urban"))
        );
        // An identity nobody has names no one: there is no self-registration.
        assert_eq!(principal_of(&db, &identity("u-9999")).expect("reads"), None);
        // The same subject at another sign-on is someone else.
        let elsewhere = Identity {
            issuer: "https://other.example".into(),
            subject: "u-1001".into(),
        };
        assert_eq!(principal_of(&db, &elsewhere).expect("reads"), None);
    }

    #[test]
    fn a_person_moved_made_leader_or_disabled_is_what_the_next_sign_in_sees() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        add(
            &db,
            &bureau,
            &json!({"id": "li.na", "display_name": "李娜", "role": "unit", "unit": "qibin-urban",
                "identities": [{"issuer": SSO, "subject": "u-1001"}]}),
            t(AT),
        )
        .expect("adds");
        let id: PersonId = "li.na".parse().expect("id");
        let moved = change(
            &db,
            &bureau,
            &id,
            &json!({"unit": "qibin-water", "leader": true}),
            t("2026-12-08T09:00:00+08:00"),
        )
        .expect("moves");
        assert_eq!(moved.unit.as_ref().map(UnitId::as_str), Some("qibin-water"));
        assert!(moved.leader);
        assert_eq!(moved.updated_at, "2026-12-08T09:00:00+08:00");
        let p = principal_of(&db, &identity("u-1001"))
            .expect("reads")
            .expect("known");
        assert_eq!(p.unit.as_ref().map(UnitId::as_str), Some("qibin-water"));
        assert!(p.leader);
        // Made an agent: the unit and the leader flag go with the old role.
        let agent = change(&db, &bureau, &id, &json!({"role": "agent"}), t(AT)).expect("changes");
        assert_eq!((agent.unit, agent.leader), (None, false));
        change(&db, &bureau, &id, &json!({"active": false}), t(AT)).expect("disables");
        assert_eq!(principal_of(&db, &identity("u-1001")).expect("reads"), None);
        // On record, each change with who made it.
        let changes = db
            .execute(
                "SELECT change, set_by FROM staff_changes WHERE person_id = 'li.na' ORDER BY id",
                &[],
            )
            .expect("changes");
        assert_eq!(changes.rows.len(), 4);
        assert_eq!(
            changes.row(3).expect("row").text("set_by").expect("by"),
            "zhang.wei"
        );
    }

    #[test]
    fn a_bad_person_is_refused_with_each_field_named_and_only_the_bureau_writes() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        assert_eq!(
            field_errors(add(
                &db,
                &bureau,
                &json!({"id": "Li Na", "display_name": "", "role": "citizen"}),
                t(AT)
            )),
            vec!["id", "display_name", "role"]
        );
        assert_eq!(
            field_errors(add(
                &db,
                &bureau,
                &json!({"id": "li.na", "display_name": "李娜", "role": "unit"}),
                t(AT)
            )),
            vec!["unit"]
        );
        assert_eq!(
            field_errors(add(
                &db,
                &bureau,
                &json!({"id": "li.na", "display_name": "李娜", "role": "unit", "unit": "qibin-ghost"}),
                t(AT)
            )),
            vec!["unit"]
        );
        assert_eq!(
            field_errors(add(
                &db,
                &bureau,
                &json!({"id": "li.na", "display_name": "李娜", "role": "agent",
                    "unit": "qibin-urban", "leader": true,
                    "identities": [{"issuer": SSO}]}),
                t(AT)
            )),
            vec!["identities[0].subject", "unit", "leader"]
        );
        let ok = json!({"id": "li.na", "display_name": "李娜", "role": "agent",
            "identities": [{"issuer": SSO, "subject": "u-1"}]});
        add(&db, &bureau, &ok, t(AT)).expect("adds");
        assert!(matches!(
            add(&db, &bureau, &ok, t(AT)),
            Err(StaffError::Exists(_))
        ));
        let other = json!({"id": "wang.fang", "display_name": "王芳", "role": "agent",
            "identities": [{"issuer": SSO, "subject": "u-1"}]});
        assert!(matches!(
            add(&db, &bureau, &other, t(AT)),
            Err(StaffError::IdentityTaken { person, .. }) if person.as_str() == "li.na"
        ));
        // Refused whole: the second person was not added either.
        assert_eq!(list(&db, &bureau).expect("lists").len(), 1);
        for role in [Role::Unit, Role::Agent, Role::Supervisor] {
            assert_eq!(
                add(&db, &who(role), &ok, t(AT)),
                Err(StaffError::Role(role))
            );
        }
        assert_eq!(list(&db, &who(Role::Supervisor)).expect("reads").len(), 1);
        assert_eq!(
            list(&db, &who(Role::Agent)),
            Err(StaffError::Role(Role::Agent))
        );
        let ghost: PersonId = "nobody".parse().expect("id");
        assert!(matches!(
            change(&db, &bureau, &ghost, &json!({"active": false}), t(AT)),
            Err(StaffError::NotFound(_))
        ));
    }

    fn demo(sub: &str, role: &str, unit: Option<&str>, leader: bool) -> Claims {
        Claims {
            sub: sub.into(),
            role: Some(role.into()),
            unit: unit.map(str::to_string),
            leader,
        }
    }

    #[test]
    fn a_demo_token_names_one_demo_person_per_claims_added_once_and_disabled_like_anyone() {
        let db = seeded_db();
        let clerk = demo("demo.unit", "unit", Some("qibin-urban"), false);
        let first = demo_principal(&db, &clerk, t(AT))
            .expect("reads")
            .expect("added");
        assert_eq!(
            (first.subject.as_str(), first.name.as_str(), first.role),
            ("demo.unit", "演示账号 demo.unit", Role::Unit)
        );
        // The same token again: the same person, not a second one.
        let again = demo_principal(&db, &clerk, t(AT)).expect("reads");
        assert_eq!(again.as_ref(), Some(&first));
        // The same subject for another unit, or as its leader: other people.
        let water = demo_principal(
            &db,
            &demo("demo.unit", "unit", Some("qibin-water"), false),
            t(AT),
        )
        .expect("reads")
        .expect("added");
        let leader = demo_principal(
            &db,
            &demo("demo.unit", "unit", Some("qibin-urban"), true),
            t(AT),
        )
        .expect("reads")
        .expect("added");
        assert_eq!(water.unit.as_ref().map(UnitId::as_str), Some("qibin-water"));
        assert!(leader.leader && !first.leader);
        assert!(water.subject.starts_with("demo.unit-") && water.subject != leader.subject);
        let bureau = who(Role::Bureau);
        assert_eq!(list(&db, &bureau).expect("lists").len(), 3);
        // Disabled by the bureau: the demo token is refused from then on.
        let id: PersonId = "demo.unit".parse().expect("id");
        change(&db, &bureau, &id, &json!({"active": false}), t(AT)).expect("disables");
        assert_eq!(demo_principal(&db, &clerk, t(AT)).expect("reads"), None);
        // A token whose claims describe no staff member adds no one.
        assert!(matches!(
            demo_principal(&db, &demo("x", "citizen", None, false), t(AT)),
            Err(StaffError::Claims(_))
        ));
        let odd = demo_principal(&db, &demo("张 伟", "agent", None, false), t(AT))
            .expect("reads")
            .expect("added");
        assert!(odd.subject.starts_with("demo-"), "{}", odd.subject);
    }

    #[test]
    fn a_seeded_person_joins_the_directory_once_in_a_valid_shape_and_never_over_the_bureaus_own() {
        let db = seeded_db();
        let bureau = who(Role::Bureau);
        add(
            &db,
            &bureau,
            &json!({"id": "li.na", "display_name": "李娜", "role": "agent",
            "identities": [{"issuer": SSO, "subject": "u-1"}]}),
            t(AT),
        )
        .expect("adds");
        db.execute_batch(&format!(
            "INSERT OR IGNORE INTO seed_staff (id, display_name, role, unit_id, leader, issuer, subject) VALUES
                ('wang.fang', '王芳', 'unit', 'qibin-urban', 1, '{SSO}', 'u-2'),
                ('li.na', '另一个李娜', 'bureau', NULL, 0, '{SSO}', 'u-3'),
                ('zhao.lei', '赵磊', 'bureau', NULL, 0, '{SSO}', 'u-1'),
                ('Bad Id', '坏', 'agent', NULL, 0, NULL, NULL),
                ('no.unit', '缺单位', 'unit', NULL, 0, NULL, NULL),
                ('ghost.unit', '无此单位', 'unit', 'qibin-ghost', 0, NULL, NULL),
                ('citizen', '市民', 'citizen', NULL, 0, NULL, NULL),
                ('sun.li', '孙丽', 'supervisor', NULL, 0, NULL, NULL);"
        ))
        .expect("seeds");
        let ids: Vec<String> = list(&db, &bureau)
            .expect("lists")
            .into_iter()
            .map(|p| format!("{} {} {}", p.id, p.display_name, p.role.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                "li.na 李娜 agent",
                "sun.li 孙丽 supervisor",
                "wang.fang 王芳 unit"
            ]
        );
        let p = principal_of(&db, &identity("u-2"))
            .expect("reads")
            .expect("seeded");
        assert!(p.leader);
        assert_eq!(principal_of(&db, &identity("u-3")).expect("reads"), None);
        let by = db
            .execute(
                "SELECT set_by FROM staff_changes WHERE person_id = 'wang.fang'",
                &[],
            )
            .expect("changes");
        assert_eq!(
            by.row(0)
                .and_then(|r| r.text("set_by").ok().map(str::to_string)),
            Some("seed".to_string())
        );
    }
}
