//! Who may see what (Art. 4, 8, 11): a signed-in principal, and the
//! decision whether they may read a case and its submitter's personal data.
//!
//! - the bureau reads every case; personal data masked unless it asks, with
//!   a purpose, for the clear form (audited);
//! - a unit reads only cases it leads or co-handles; the lead unit (the
//!   handling unit) may ask for the clear form like the bureau, co-units see
//!   it masked;
//! - an agent (hotline, hall desk) reads any case, personal data masked;
//! - a supervisor reads every case but never a submitter's personal data.

use serde::Deserialize;
use thiserror::Error;

use crate::base::ids::UnitId;
use crate::case::words::Role;

pub mod attempts;
pub mod cas;
pub mod client;
pub mod oauth2;
pub mod oidc;
pub mod password;
pub mod provider;
pub mod tokens;
pub mod totp;

/// A sign-in identity: who a sign-on says someone is. The staff directory
/// links it to one person, and decides what that person may do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Identity {
    /// The sign-on that vouches (an OpenID Provider's issuer URL).
    pub issuer: String,
    /// The person's subject at that sign-on.
    pub subject: String,
}

/// A signed-in person, as the staff directory knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The person's id in the staff directory, recorded with everything
    /// they do.
    pub subject: String,
    /// The person's name, recorded beside the id.
    pub name: String,
    /// The person's role: the bureau, unit staff, an agent or a supervisor.
    pub role: Role,
    /// For unit staff: their unit.
    pub unit: Option<UnitId>,
    /// Whether they lead their unit (unit staff only): a leader reviews the
    /// unit's drafts.
    pub leader: bool,
}

/// Why a principal may not read a case, or its personal data as asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    /// The token's claims do not describe a valid principal.
    #[error("the token's claims are invalid: {0}")]
    Claims(String),
    /// Unit staff asked for a case their unit neither leads nor co-handles.
    #[error("this case is not one of your unit's cases")]
    NotYourCase,
    /// The principal's role may not do what was asked.
    #[error("the {0} role may not do this")]
    Role(Role),
    /// A supervisor asked for a submitter's personal data (Art. 8, 11).
    #[error("supervisors never see submitters' personal data (Art. 8, 11)")]
    NeverPersonalData,
    /// A reader who sees personal data masked asked for the clear form.
    #[error("only the bureau and the handling unit may see personal data in the clear")]
    ClearNotAllowed,
    /// The clear form was asked for without a purpose.
    #[error("reading personal data in the clear needs a purpose; it is recorded")]
    PurposeRequired,
}

/// The claims this app reads from a token (beside `exp`, checked with the
/// signature): `sub`; and on a development instance's own demo tokens,
/// which describe their demo person, `role`, `unit` and `leader`. A
/// sign-on's role claims decide nothing: the staff directory does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Claims {
    /// The token's subject: the person signed in.
    pub sub: String,
    /// The role's name: `bureau`, `unit`, `agent`, `supervisor` or
    /// `scheduler` (demo tokens).
    #[serde(default)]
    pub role: Option<String>,
    /// For unit staff, their unit's id (required for the `unit` role, ignored
    /// for the others).
    #[serde(default)]
    pub unit: Option<String>,
    /// `true` for a unit's leader (ignored for other roles).
    #[serde(default)]
    pub leader: bool,
}

impl Principal {
    /// The principal a demo token's claims describe (named by its
    /// subject); refuses a missing or unknown role, an empty subject, or
    /// unit staff without a valid unit.
    pub fn from_claims(c: &Claims) -> Result<Self, AccessError> {
        let role: Role = c.role.as_deref().unwrap_or_default().parse().map_err(|_| {
            AccessError::Claims(format!("role must be one of {}", Role::ALL.join(", ")))
        })?;
        if role == Role::Citizen {
            return Err(AccessError::Claims(
                "citizens follow their case by tracking code, not by token".into(),
            ));
        }
        if c.sub.trim().is_empty() {
            return Err(AccessError::Claims("sub is empty".into()));
        }
        let unit = match (&role, &c.unit) {
            (Role::Unit, Some(u)) => Some(
                u.parse()
                    .map_err(|e| AccessError::Claims(format!("unit: {e}")))?,
            ),
            (Role::Unit, None) => {
                return Err(AccessError::Claims("a unit token names its unit".into()))
            }
            (_, _) => None,
        };
        Ok(Self {
            subject: c.sub.clone(),
            name: c.sub.clone(),
            role,
            leader: role == Role::Unit && c.leader,
            unit,
        })
    }
}

/// How a reader may see a submitter's personal data on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalView {
    /// Masked by default; the clear form on request, with a purpose, audited.
    MaskedOrClearOnRequest,
    /// Masked only: agents, and co-units of the case.
    Masked,
    /// Never shown: supervisors.
    Hidden,
}

/// Whether `who` may read a case led by `lead` with `co_units`, and how
/// they see its personal data.
pub fn case_access(
    who: &Principal,
    lead: Option<&UnitId>,
    co_units: &[UnitId],
) -> Result<PersonalView, AccessError> {
    match who.role {
        Role::Bureau => Ok(PersonalView::MaskedOrClearOnRequest),
        Role::Agent => Ok(PersonalView::Masked),
        Role::Supervisor => Ok(PersonalView::Hidden),
        Role::Scheduler | Role::Citizen => Err(AccessError::Role(who.role)),
        Role::Unit => {
            let mine = who.unit.as_ref();
            if mine.is_some() && mine == lead {
                Ok(PersonalView::MaskedOrClearOnRequest)
            } else if mine.is_some_and(|u| co_units.contains(u)) {
                Ok(PersonalView::Masked)
            } else {
                Err(AccessError::NotYourCase)
            }
        }
    }
}

/// Whether `who` may take search results away as CSV: the bureau only.
pub fn may_export_search(who: &Principal) -> Result<(), AccessError> {
    match who.role {
        Role::Bureau => Ok(()),
        other => Err(AccessError::Role(other)),
    }
}

/// Whether `who` may run the deadline scan: the bureau, or the
/// deployment's scheduler (a service token that may do nothing else).
pub fn may_run_scan(who: &Principal) -> Result<(), AccessError> {
    match who.role {
        Role::Bureau | Role::Scheduler => Ok(()),
        other => Err(AccessError::Role(other)),
    }
}

/// Whether `who` may change the county's own data (its rules, calendar
/// years, units and staff): the bureau only. Refused with the role.
pub fn may_change_county_data(who: &Principal) -> Result<(), Role> {
    match who.role {
        Role::Bureau => Ok(()),
        other => Err(other),
    }
}

/// Whether `who` may read the county's own data: the bureau, and
/// supervisors (who oversee it, Art. 8). Refused with the role.
pub fn may_read_county_data(who: &Principal) -> Result<(), Role> {
    match who.role {
        Role::Bureau | Role::Supervisor => Ok(()),
        other => Err(other),
    }
}

/// Whether `who` may move sealed personal data to the key in force: the
/// bureau only (it runs the deployment).
pub fn may_reseal(who: &Principal) -> Result<(), AccessError> {
    match who.role {
        Role::Bureau => Ok(()),
        other => Err(AccessError::Role(other)),
    }
}

/// What a reader gets of a submitter's personal data on one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonalRead {
    /// No personal data at all (supervisors).
    Nothing,
    /// The masked form (`张*`, `138****5678`).
    Masked,
    /// In the clear, for this purpose (written to the audit table).
    Clear {
        /// Why the reader needs the clear form, as they gave it.
        purpose: String,
    },
}

/// Decides one read: masked by default; in the clear only when asked for,
/// by those who may, with a purpose.
pub fn personal_read(
    view: PersonalView,
    unmask: bool,
    purpose: &str,
) -> Result<PersonalRead, AccessError> {
    let purpose = purpose.trim();
    match (view, unmask) {
        (PersonalView::Hidden, true) => Err(AccessError::NeverPersonalData),
        (PersonalView::Hidden, false) => Ok(PersonalRead::Nothing),
        (_, false) => Ok(PersonalRead::Masked),
        (PersonalView::Masked, true) => Err(AccessError::ClearNotAllowed),
        (PersonalView::MaskedOrClearOnRequest, true) if purpose.is_empty() => {
            Err(AccessError::PurposeRequired)
        }
        (PersonalView::MaskedOrClearOnRequest, true) => Ok(PersonalRead::Clear {
            purpose: purpose.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(s: &str) -> UnitId {
        s.parse().expect("unit")
    }

    fn principal(role: Role, unit_id: Option<&str>) -> Principal {
        Principal {
            subject: "someone".into(),
            name: "某人".into(),
            role,
            unit: unit_id.map(unit),
            leader: false,
        }
    }

    #[test]
    fn the_lead_unit_may_unmask_a_co_unit_sees_masked_and_another_unit_nothing() {
        let lead = unit("qibin-urban");
        let co = vec![unit("qibin-housing")];
        let of = |u| case_access(&principal(Role::Unit, Some(u)), Some(&lead), &co);
        assert_eq!(of("qibin-urban"), Ok(PersonalView::MaskedOrClearOnRequest));
        assert_eq!(of("qibin-housing"), Ok(PersonalView::Masked));
        assert_eq!(of("junxian-urban"), Err(AccessError::NotYourCase));
        // An unrouted case belongs to no unit.
        assert_eq!(
            case_access(&principal(Role::Unit, Some("qibin-urban")), None, &[]),
            Err(AccessError::NotYourCase)
        );
    }

    #[test]
    fn the_bureau_agents_and_supervisors_read_every_case_differently() {
        let lead = unit("qibin-urban");
        assert_eq!(
            case_access(&principal(Role::Bureau, None), Some(&lead), &[]),
            Ok(PersonalView::MaskedOrClearOnRequest)
        );
        assert_eq!(
            case_access(&principal(Role::Agent, None), Some(&lead), &[]),
            Ok(PersonalView::Masked)
        );
        assert_eq!(
            case_access(&principal(Role::Supervisor, None), Some(&lead), &[]),
            Ok(PersonalView::Hidden)
        );
    }

    #[test]
    fn personal_data_is_masked_unless_asked_for_by_those_who_may_with_a_purpose() {
        use PersonalView::*;
        assert_eq!(
            personal_read(MaskedOrClearOnRequest, false, ""),
            Ok(PersonalRead::Masked)
        );
        assert_eq!(
            personal_read(MaskedOrClearOnRequest, true, "  "),
            Err(AccessError::PurposeRequired)
        );
        assert_eq!(
            personal_read(MaskedOrClearOnRequest, true, " 回访 "),
            Ok(PersonalRead::Clear {
                purpose: "回访".into()
            })
        );
        assert_eq!(
            personal_read(Masked, true, "回访"),
            Err(AccessError::ClearNotAllowed)
        );
        assert_eq!(personal_read(Hidden, false, ""), Ok(PersonalRead::Nothing));
        assert_eq!(
            personal_read(Hidden, true, "回访"),
            Err(AccessError::NeverPersonalData)
        );
    }

    #[test]
    fn the_scheduler_runs_the_scan_and_reads_no_case() {
        let scheduler = principal(Role::Scheduler, None);
        assert_eq!(may_run_scan(&scheduler), Ok(()));
        assert_eq!(may_run_scan(&principal(Role::Bureau, None)), Ok(()));
        for role in [Role::Agent, Role::Supervisor] {
            assert_eq!(
                may_run_scan(&principal(role, None)),
                Err(AccessError::Role(role))
            );
        }
        assert_eq!(
            may_run_scan(&principal(Role::Unit, Some("qibin-urban"))),
            Err(AccessError::Role(Role::Unit))
        );
        assert_eq!(
            case_access(&scheduler, Some(&unit("qibin-urban")), &[]),
            Err(AccessError::Role(Role::Scheduler))
        );
    }

    #[test]
    fn claims_must_name_a_known_role_and_units_their_unit() {
        let c = |role: &str, unit: Option<&str>| Claims {
            sub: "li".into(),
            role: Some(role.into()),
            unit: unit.map(str::to_string),
            leader: false,
        };
        assert!(Principal::from_claims(&c("bureau", None)).is_ok());
        assert!(Principal::from_claims(&c("", None)).is_err());
        assert!(Principal::from_claims(&c("citizen", None)).is_err());
        assert!(Principal::from_claims(&c("unit", None)).is_err());
        assert!(Principal::from_claims(&c("unit", Some("Bad Unit"))).is_err());
        assert_eq!(
            Principal::from_claims(&c("unit", Some("qibin-urban"))).map(|p| p.unit),
            Ok(Some(unit("qibin-urban")))
        );
    }
}
