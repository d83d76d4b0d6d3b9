//! The intake stage: `POST /api/cases` takes a case in from any channel
//! (Art. 2) and answers with its id and tracking code; `GET
//! /api/cases/track/{code}` tells anyone holding the code where it stands.

use common::db::SpinDb;
use common::respond::{self, Problem};
use serde::{Deserialize, Serialize};
use shared::cases::{self, CaseStoreError, Idempotency, Receipt, Sealing, Stored};
use shared::clock;
use shared::db::DbError;
use shared::hall::IntakeRules;
use shared::ids::TrackingCode;
use shared::intake::{AdmissionError, Channel, FieldError, HotlineMode, NewCase};
use shared::lifecycle::Actor;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::http_component;
use spin_sdk::key_value::Store;

const SUBMIT_ROUTE: &str = "/api/cases";
const TRACK_ROUTE: &str = "/api/cases/track/:code";
const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// How often a fresh tracking code is drawn if one collides (60 random bits
/// make even one collision unlikely).
const TRACKING_CODE_ATTEMPTS: usize = 3;

#[http_component]
async fn handle(req: Request) -> Response {
    let route = common::request::matched_route(&req);
    match (req.method(), route.as_str()) {
        (Method::Post, SUBMIT_ROUTE) => submit(&req).await,
        (Method::Get, TRACK_ROUTE) => track(&req),
        (_, SUBMIT_ROUTE) => respond::method_not_allowed("POST"),
        (_, TRACK_ROUTE) => respond::method_not_allowed("GET"),
        _ => Problem::new(404, "not_found", "No such resource").into_response(),
    }
}

/// What the key-value store keeps per Idempotency-Key: a fast path for
/// retries. The database stays the record; losing this costs a query.
#[derive(Serialize, Deserialize)]
struct IdempotencyRecord {
    fingerprint: String,
    receipt: serde_json::Value,
}

async fn submit(req: &Request) -> Response {
    let body = match common::request::json_body(req) {
        Ok(v) => v,
        Err(problem) => return problem.into_response(),
    };
    let case = match NewCase::parse(&body) {
        Ok(case) => case,
        Err(errors) => return Problem::invalid_fields(errors).into_response(),
    };
    let rules = IntakeRules::defaults();
    let agent = match channel_admission(req, &case, &rules) {
        Ok(agent) => agent,
        Err(problem) => return problem.into_response(),
    };
    let key = match idempotency_key(req) {
        Ok(key) => key,
        Err(problem) => return problem.into_response(),
    };
    let fingerprint = cases::fingerprint(req.body());

    if let Some(key) = &key {
        if let Some(resp) = replay_from_key_value(key, &fingerprint) {
            return resp;
        }
    }

    let db = match SpinDb::open_or_problem("intake") {
        Ok(db) => db,
        Err(problem) => return problem.into_response(),
    };
    if let Some(unit) = &case.direct_unit {
        let known =
            shared::store::ensure_units(&db).and_then(|_| shared::store::unit_exists(&db, unit));
        match known {
            Ok(true) => {}
            Ok(false) => {
                return Problem::new(422, "unknown_unit", "No such unit")
                    .field("unit")
                    .detail(format!("{unit} is not in the unit directory"))
                    .into_response()
            }
            Err(e) => {
                eprintln!("intake: unit directory: {e}");
                return respond::internal_error();
            }
        }
    }
    let keys = match common::keys::personal_data_keys() {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("intake: no personal-data key: {e:#}");
            return respond::internal_error();
        }
    };
    let idem = key.as_deref().map(|key| Idempotency {
        key,
        fingerprint: &fingerprint,
    });
    let received_at = clock::in_china(clock::now());
    let mut outcome = Err(CaseStoreError::Db(DbError::Statement(
        "not attempted".into(),
    )));
    for _ in 0..TRACKING_CODE_ATTEMPTS {
        let code = match random_tracking_code() {
            Ok(code) => code,
            Err(e) => {
                eprintln!("intake: no randomness: {e}");
                return respond::internal_error();
            }
        };
        let nonce = match common::keys::nonce() {
            Ok(n) => n,
            Err(e) => {
                eprintln!("intake: {e:#}");
                return respond::internal_error();
            }
        };
        let sealing = Sealing { keys: &keys, nonce };
        outcome = cases::insert_case(&db, &case, &code, received_at, idem.as_ref(), &sealing);
        if !matches!(outcome, Err(CaseStoreError::Db(DbError::Constraint(_)))) {
            break;
        }
    }
    match outcome {
        Ok(Stored::Created(receipt)) => {
            let complete = match (&agent, case.mode) {
                (Some(agent), Some(HotlineMode::Immediate | HotlineMode::Direct)) => {
                    let at = clock::in_china(clock::now());
                    match shared::pipeline::answer_at_intake(&db, receipt.case_id, &case, agent, at)
                    {
                        Ok(_) => true,
                        Err(e) => {
                            // Stored and answered 201 all the same: staff
                            // can still close it; the error says why.
                            eprintln!(
                                "intake: case {}: cannot record the answer: {e}",
                                receipt.case_id
                            );
                            false
                        }
                    }
                }
                _ => advance(&receipt).await,
            };
            let answer = answer(&db, &receipt);
            // Only a case that went all the way is answered from the fast
            // path; a stranded one is taken on by the retry (below).
            if let (Some(key), true) = (&key, complete) {
                remember_in_key_value(key, &fingerprint, &answer);
            }
            created(&receipt, &answer)
        }
        Ok(Stored::Replayed(receipt)) => {
            // A retry also takes a case on from a stage where an earlier
            // hop failed (each stage is idempotent).
            if agent.is_none()
                || !matches!(
                    case.mode,
                    Some(HotlineMode::Immediate | HotlineMode::Direct)
                )
            {
                advance(&receipt).await;
            }
            created(&receipt, &answer(&db, &receipt))
        }
        Err(CaseStoreError::IdempotencyKeyReused) => Problem::new(
            422,
            "idempotency_key_reused",
            "Idempotency-Key already used",
        )
        .field("Idempotency-Key")
        .detail("this key was used for a different submission; use a new key for a new case")
        .into_response(),
        Err(e) => {
            // The error names no personal data: statements are parameterised.
            eprintln!("intake: cannot store case: {e}");
            respond::internal_error()
        }
    }
}

/// Who may submit on which channel (Art. 2): the phone line and the hall's
/// desk through an agent (a token); the public channels by anyone, at most
/// so many per client and minute; the hall only in its opening hours.
/// Returns the agent, if one signed in.
fn channel_admission(
    req: &Request,
    case: &NewCase,
    rules: &IntakeRules,
) -> Result<Option<Actor>, Box<Problem>> {
    // Signed in if a token is sent; the library decides what that admits.
    let who = match req.header("authorization") {
        Some(_) => Some(common::auth::principal(req)?),
        None => None,
    };
    case.admit(who.as_ref().map(|w| w.role))
        .map_err(|e| match e {
            AdmissionError::AgentRequired => Box::new(
                Problem::new(401, "unauthorized", "Sign-in required").detail(e.to_string()),
            ),
            _ => common::auth::forbidden(e.to_string()),
        })?;
    let agent = who.map(|w| Actor {
        role: w.role,
        unit: None,
    });
    if case.channel == Channel::ServiceHall
        && !rules.hall_is_open(&shared::calendar::Calendar::official(), clock::now())
    {
        return Err(Box::new(
            Problem::new(422, "hall_closed", "The service hall is closed")
                .field("channel")
                .detail(rules.describe_hours()),
        ));
    }
    if agent.is_none() {
        rate_limit(req, rules.public_submissions_per_minute)?;
    }
    Ok(agent)
}

/// At most `per_minute` public submissions per client address and minute,
/// counted with the key-value store's atomic increment.
fn rate_limit(req: &Request, per_minute: u32) -> Result<(), Box<Problem>> {
    use spin_sdk::wit::wasi::keyvalue::{atomics, store};
    let client = req
        .header("spin-client-addr")
        .and_then(|h| h.as_str())
        .and_then(|a| a.rsplit_once(':').map(|(ip, _)| ip.to_string()))
        .unwrap_or_default();
    let minute = clock::now().timestamp() / 60;
    let count = store::open("default").and_then(|b| {
        let n = atomics::increment(&b, &format!("intake/rate/{client}/{minute}"), 1)?;
        if n == 1 {
            // A new minute for this client: its last count is done with.
            let _ = b.delete(&format!("intake/rate/{client}/{}", minute - 1));
        }
        Ok(n)
    });
    match count {
        Ok(n) if n > i64::from(per_minute) => {
            let mut p = Problem::new(429, "too_many_requests", "Too many submissions").detail(
                format!("at most {per_minute} a minute from one address; try again in a minute"),
            );
            p.retry_after = Some(60);
            Err(Box::new(p))
        }
        Ok(_) => Ok(()),
        Err(e) => {
            // A failing counter must not stop citizens from reaching us.
            eprintln!("intake: rate counter unavailable: {e:?}");
            Ok(())
        }
    }
}

/// Screening, then dispatch, each by service chaining. A hop that fails
/// leaves the case where it got to (it is stored already); the scheduled
/// scan or a retry takes it on from there.
async fn advance(receipt: &Receipt) -> bool {
    let id = receipt.case_id;
    for (stage, url) in [
        ("filter", format!("http://filter.spin.internal/screen/{id}")),
        ("route", format!("http://route.spin.internal/dispatch/{id}")),
    ] {
        match common::chain::post(&url).await {
            Ok((200, _)) => {}
            Ok((status, _)) => {
                eprintln!(
                    "intake: case {id}: {stage} answered {status}; the case waits at this stage"
                );
                return false;
            }
            Err(e) => {
                eprintln!(
                    "intake: case {id}: {stage} unreachable ({e}); the case waits at this stage"
                );
                return false;
            }
        }
    }
    true
}

/// The receipt with where the case stands now: its status and, if it was
/// not accepted, why and where to go instead.
fn answer(db: &SpinDb, receipt: &Receipt) -> serde_json::Value {
    let mut value = serde_json::to_value(receipt).unwrap_or_default();
    match cases::find_public_status(db, &receipt.tracking_code) {
        Ok(Some(public)) => {
            value["status"] = public.status.into();
            if let Some(rejection) = public.rejection {
                value["rejection"] = serde_json::to_value(rejection).unwrap_or_default();
            }
        }
        Ok(None) => {}
        Err(e) => eprintln!(
            "intake: case {}: cannot read its status: {e}",
            receipt.case_id
        ),
    }
    value
}

fn created(receipt: &Receipt, answer: &serde_json::Value) -> Response {
    let mut resp = respond::json(201, answer);
    resp.set_header(
        "location",
        format!("/api/cases/track/{}", receipt.tracking_code),
    );
    resp
}

fn idempotency_key(req: &Request) -> Result<Option<String>, Box<Problem>> {
    let Some(value) = req.header(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    match value.as_str() {
        Some(key)
            if (1..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_string()))
        }
        _ => Err(Box::new(
            Problem::new(400, "invalid_header", "Invalid Idempotency-Key")
                .field("Idempotency-Key")
                .detail("1 to 200 visible ASCII characters"),
        )),
    }
}

fn kv_key(key: &str) -> String {
    format!("intake/idempotency/{key}")
}

fn replay_from_key_value(key: &str, fingerprint: &str) -> Option<Response> {
    let store = Store::open_default().ok()?;
    let bytes = store.get(&kv_key(key)).ok()??;
    let record: IdempotencyRecord = serde_json::from_slice(&bytes).ok()?;
    // A different body under the same key is decided by the database.
    (record.fingerprint == fingerprint).then(|| {
        let mut resp = respond::json(201, &record.receipt);
        if let Some(code) = record.receipt.get("tracking_code").and_then(|c| c.as_str()) {
            resp.set_header("location", format!("/api/cases/track/{code}"));
        }
        resp
    })
}

fn remember_in_key_value(key: &str, fingerprint: &str, answer: &serde_json::Value) {
    let record = IdempotencyRecord {
        fingerprint: fingerprint.to_string(),
        receipt: answer.clone(),
    };
    let stored = Store::open_default()
        .map_err(|e| format!("{e:?}"))
        .and_then(|s| {
            let bytes = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
            s.set(&kv_key(key), &bytes).map_err(|e| format!("{e:?}"))
        });
    if let Err(e) = stored {
        // Only the fast path is lost; the database still answers retries.
        eprintln!("intake: cannot cache idempotency record: {e}");
    }
}

fn track(req: &Request) -> Response {
    let raw = common::request::path_match(req, "code");
    let code: TrackingCode = match raw.parse() {
        Ok(code) => code,
        Err(e) => {
            return Problem::invalid_fields(vec![FieldError {
                field: "code".into(),
                code: "invalid",
                message: format!("{e}"),
            }])
            .into_response()
        }
    };
    let query = common::request::query_pairs(req);
    let Some(last4) = query
        .get("phone_last4")
        .filter(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()))
    else {
        return Problem::new(400, "invalid_field", "Second factor needed")
            .field("phone_last4")
            .detail("give the last 4 digits of the phone number the case was submitted with: ?phone_last4=5678")
            .into_response();
    };
    let db = match SpinDb::open_or_problem("intake") {
        Ok(db) => db,
        Err(problem) => return problem.into_response(),
    };
    let keys = match common::keys::personal_data_keys() {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("intake: no personal-data key: {e:#}");
            return respond::internal_error();
        }
    };
    match cases::find_public_status_for_submitter(&db, &keys, &code, last4) {
        Ok(Some(status)) => respond::json(200, &status),
        Ok(None) => Problem::new(
            404,
            "case_not_found",
            "No case has this tracking code and phone",
        )
        .field("code")
        .into_response(),
        Err(e) => {
            eprintln!("intake: cannot read case: {e}");
            respond::internal_error()
        }
    }
}

fn random_tracking_code() -> Result<TrackingCode, getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    Ok(TrackingCode::from_random(bytes))
}
