//! Staff views of a case: `GET /api/cases/{id}` for a signed-in principal.
//! A unit sees only its own cases (403 otherwise); personal data is masked
//! unless the bureau or the handling unit asks for it in the clear with
//! `?unmask=true&purpose=...`, which is written to the audit table; a
//! supervisor never sees it. The answer carries the case's version as its
//! `ETag`.

use common::db::SpinDb;
use common::respond::{self, Problem};
use serde::Serialize;
use shared::access::{case_access, personal_read, AccessError, PersonalRead};
use shared::cases::{self, CaseView, Reader};
use shared::clock;
use shared::ids::CaseId;
use shared::personal::PersonalData;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;

const CASE_ROUTE: &str = "/api/cases/:id";
const ACTIONS_ROUTE: &str = "/api/cases/:id/actions";

#[derive(Serialize)]
struct Answer {
    #[serde(flatten)]
    case: CaseView,
    /// Absent for supervisors.
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter: Option<PersonalData>,
    /// Whether `submitter` is masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter_masked: Option<bool>,
}

#[http_component]
fn handle(req: Request) -> Response {
    let result = match (common::request::matched_route(&req).as_str(), req.method()) {
        (CASE_ROUTE, Method::Get) => read(&req),
        (CASE_ROUTE, _) => return respond::method_not_allowed("GET"),
        (ACTIONS_ROUTE, Method::Post) => act(&req),
        (ACTIONS_ROUTE, _) => return respond::method_not_allowed("POST"),
        _ => return Problem::new(404, "not_found", "No such resource").into_response(),
    };
    match result {
        Ok(resp) => resp,
        Err(problem) => problem.into_response(),
    }
}

fn case_id(req: &Request) -> Result<CaseId, Box<Problem>> {
    common::request::path_match(req, "id")
        .parse::<i64>()
        .ok()
        .and_then(|n| CaseId::new(n).ok())
        .ok_or_else(|| Box::new(Problem::new(400, "invalid_field", "Invalid case id").field("id")))
}

fn internal(what: impl std::fmt::Display) -> Box<Problem> {
    eprintln!("cases: {what}");
    Box::new(Problem::new(500, "internal", "Internal error"))
}

/// `POST /api/cases/{id}/actions` with `If-Match`: one lifecycle move.
fn act(req: &Request) -> Result<Response, Box<Problem>> {
    use shared::actions::{self, ActionError, Rules};
    use shared::lifecycle::{Actor, TransitionError};
    use shared::store::StoreError;

    let who = common::auth::principal(req)?;
    let id = case_id(req)?;
    let body = common::request::json_body(req)?;
    let action =
        actions::parse(&body).map_err(|errors| Box::new(Problem::invalid_fields(errors)))?;
    let expected = common::request::if_match_version(req)?;
    let db = SpinDb::open_or_problem("cases")?;
    let case = cases::case_view(&db, id)
        .map_err(internal)?
        .ok_or_else(|| Box::new(Problem::new(404, "case_not_found", "No such case").field("id")))?;
    if who.role == shared::lifecycle::Role::Unit {
        case_access(&who, case.lead_unit.as_ref(), &case.co_units)
            .map_err(|e| common::auth::forbidden(e.to_string()))?;
    }
    let actor = Actor {
        role: who.role,
        unit: who.unit.clone(),
    };
    let calendar = shared::calendar::Calendar::official();
    let deadline_rules = shared::deadlines::DeadlineRules::defaults();
    let rules = Rules {
        calendar: &calendar,
        deadlines: &deadline_rules,
    };
    let at = clock::in_china(clock::now());
    match actions::apply(&db, id, expected, action, &actor, &rules, at) {
        Ok((t, version)) => {
            let mut resp = respond::json(
                200,
                &serde_json::json!({
                    "case_id": id,
                    "status": t.lifecycle.status,
                    "version": version,
                    "article": t.article,
                    "events": t.events,
                }),
            );
            resp.set_header("etag", format!("\"{version}\""));
            Ok(resp)
        }
        Err(ActionError::Store(StoreError::Stale { actual, .. })) => {
            let mut resp = Problem::new(412, "stale_version", "The case has changed")
                .field("If-Match")
                .detail(format!(
                    "it is now at version {actual}; read it again before acting"
                ))
                .into_response();
            resp.set_header("etag", format!("\"{actual}\""));
            Ok(resp)
        }
        Err(ActionError::UnknownUnit(unit)) => Err(Box::new(
            Problem::new(422, "unknown_unit", "No such unit")
                .field("lead")
                .detail(format!("{unit:?} is not in the unit directory")),
        )),
        Err(ActionError::Transition(e)) => Err(Box::new(match e {
            TransitionError::Forbidden { .. }
            | TransitionError::NotLeadUnit { .. }
            | TransitionError::NotCoUnit => {
                Problem::new(403, "forbidden", "Not allowed").detail(e.to_string())
            }
            TransitionError::BadCoUnits => Problem::new(422, "invalid_field", "Invalid co-units")
                .field("co_units")
                .detail(e.to_string()),
            _ => Problem::new(409, "invalid_transition", "Not possible now")
                .field("action")
                .detail(e.to_string()),
        })),
        Err(ActionError::Store(StoreError::NotFound(_))) => Err(Box::new(
            Problem::new(404, "case_not_found", "No such case").field("id"),
        )),
        Err(e) => Err(internal(e)),
    }
}

fn read(req: &Request) -> Result<Response, Box<Problem>> {
    let who = common::auth::principal(req)?;
    let id = common::request::path_match(req, "id")
        .parse::<i64>()
        .ok()
        .and_then(|n| CaseId::new(n).ok())
        .ok_or_else(|| {
            Box::new(Problem::new(400, "invalid_field", "Invalid case id").field("id"))
        })?;
    let query = common::request::query_pairs(req);
    let unmask = query.get("unmask").is_some_and(|v| v == "true");
    let purpose = query
        .get("purpose")
        .map(|p| p.trim().to_string())
        .unwrap_or_default();

    let db = SpinDb::open_or_problem("cases")?;
    let internal = |e: shared::cases::CaseStoreError| {
        eprintln!("cases: {e}");
        Box::new(Problem::new(500, "internal", "Internal error"))
    };
    let case = cases::case_view(&db, id)
        .map_err(internal)?
        .ok_or_else(|| Box::new(Problem::new(404, "case_not_found", "No such case").field("id")))?;
    let view = case_access(&who, case.lead_unit.as_ref(), &case.co_units)
        .map_err(|e| common::auth::forbidden(e.to_string()))?;

    let read = personal_read(view, unmask, &purpose).map_err(|e| match e {
        AccessError::PurposeRequired => Box::new(
            Problem::new(400, "missing_field", "Say why")
                .field("purpose")
                .detail(e.to_string()),
        ),
        _ => common::auth::forbidden(e.to_string()),
    })?;
    let (submitter, masked) = match read {
        PersonalRead::Nothing => (None, None),
        PersonalRead::Masked => {
            let keys = keys()?;
            (
                Some(cases::masked_personal_data(&db, &keys, id).map_err(internal)?),
                Some(true),
            )
        }
        PersonalRead::Clear { purpose } => {
            let keys = keys()?;
            let reader = Reader {
                role: who.role.as_str(),
                unit: who.unit.as_ref().map(|u| u.as_str()),
                subject: &who.subject,
            };
            let at = clock::in_china(clock::now());
            let clear = cases::read_personal_data(&db, &keys, id, &reader, &purpose, at)
                .map_err(internal)?;
            (Some(clear), Some(false))
        }
    };
    let version = case.version;
    let mut resp = respond::json(
        200,
        &Answer {
            case,
            submitter,
            submitter_masked: masked,
        },
    );
    resp.set_header("etag", format!("\"{version}\""));
    resp.set_header("cache-control", "no-store");
    Ok(resp)
}

fn keys() -> Result<shared::personal::Keys, Box<Problem>> {
    common::keys::personal_data_keys().map_err(|e| {
        eprintln!("cases: {e:#}");
        Box::new(Problem::new(500, "internal", "Internal error"))
    })
}
