//! The one error answer: RFC 9457 problem details with a stable `code` a
//! client can switch on and, where one field is at fault, that `field`.
//! The library's errors become problems here, by their type, once for
//! every stage; internal failures are logged (to the component's own log)
//! and answered 500 without details.

use serde::Serialize;
use shared::access::oidc::SignOnError;
use shared::access::AccessError;
use shared::base::fields::FieldError;
use shared::base::rules::RulesError;
use shared::case::intake::AdmissionError;
use shared::case::stored::StoreError;
use shared::county::admin::{AdminError, NoSuchTarget};
use shared::county::audit::AuditError;
use shared::county::intake_rules::{HallClosed, RateExceeded};
use shared::desk::feedback::FeedbackError;
use shared::desk::search::SearchError;
use shared::directory::accounts::AccountError;
use shared::directory::sign_on::SignOnFailed;
use shared::directory::staff::StaffError;
use shared::directory::DirectoryError;
use shared::lifecycle::TransitionError;
use shared::oversight::hotspots::HotspotError;
use shared::oversight::inbox::InboxError;
use shared::oversight::rectification::RectificationError;
use shared::oversight::reminder::AckError;
use shared::oversight::statistics::StatsError;
use shared::record::reseal::BadBatchSize;
use shared::triage::pipeline::PipelineError;
use spin_sdk::http::Response;

/// A handler's result: an answer, or a problem.
pub type Answer = Result<Response, Box<Problem>>;

/// A problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A URI naming the problem's type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A stable code.
    pub code: &'static str,
    /// The field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What happened, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Every invalid field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Sent as the `Retry-After` header (seconds).
    #[serde(skip)]
    pub retry_after: Option<u32>,
    /// Sent as the `ETag` header (the case's current version).
    #[serde(skip)]
    pub etag: Option<i64>,
    /// Sent as the `Allow` header.
    #[serde(skip)]
    pub allow: Option<String>,
}

impl Problem {
    /// A problem with a status, a stable code and a title.
    pub fn new(status: u16, code: &'static str, title: impl Into<String>) -> Self {
        Self {
            kind: format!(
                "https://casework.example/problems/{}",
                code.replace('_', "-")
            ),
            title: title.into(),
            status,
            code,
            field: None,
            detail: None,
            errors: Vec::new(),
            retry_after: None,
            etag: None,
            allow: None,
        }
    }

    /// Names the field at fault.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Says what happened.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Boxed, as handlers return it.
    pub fn boxed(self) -> Box<Self> {
        Box::new(self)
    }

    /// A 400 listing every field at fault; `field` names the first.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let first = errors.first().map(|e| e.field.clone());
        let detail = errors.first().map(|e| {
            format!(
                "{}: {}",
                if e.field.is_empty() { "body" } else { &e.field },
                e.message
            )
        });
        Self {
            field: first,
            detail,
            errors,
            ..Self::new(400, "invalid_field", "The request has invalid fields")
        }
    }

    /// One invalid field.
    pub fn invalid_field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, code, message)])
    }

    /// 404 for a path no endpoint serves.
    pub fn not_found() -> Self {
        Self::new(404, "not_found", "No such resource")
    }

    /// 404 for a case that does not exist.
    pub fn case_not_found() -> Self {
        Self::new(404, "case_not_found", "No such case").field("id")
    }

    /// 401: sign in.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", "Sign-in required").detail(detail)
    }

    /// 403: signed in, not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(403, "forbidden", "Not allowed").detail(detail)
    }

    /// 405 with the methods the resource takes.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut p = Self::new(405, "method_not_allowed", "Method not allowed")
            .detail(format!("this resource accepts {allow}"));
        p.allow = Some(allow.to_string());
        p
    }

    /// 500: the cause goes to the component's log, never to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {cause}");
        Self::new(500, "internal", "Internal error")
    }

    /// The HTTP answer.
    pub fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut resp = Response::builder()
            .status(self.status)
            .header("content-type", "application/problem+json")
            .body(body)
            .build();
        if let Some(secs) = self.retry_after {
            resp.set_header("retry-after", secs.to_string());
        }
        if let Some(version) = self.etag {
            resp.set_header("etag", format!("\"{version}\""));
        }
        if let Some(allow) = &self.allow {
            resp.set_header("allow", allow);
        }
        if self.status == 401 {
            resp.set_header("www-authenticate", "Bearer");
        }
        resp
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &impl Serialize) -> Answer {
    let bytes = serde_json::to_vec(body).map_err(|e| Problem::internal(e).boxed())?;
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(bytes)
        .build())
}

/// 201 with the answer and where to follow what was created.
pub fn created(answer: &impl Serialize, location: &str) -> Answer {
    let mut resp = json(201, answer)?;
    resp.set_header("location", location);
    Ok(resp)
}

/// 200 with a CSV download named `filename` (UTF-8, as the library writes
/// it).
pub fn csv_download(filename: &str, body: impl Into<Vec<u8>>) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", "text/csv; charset=utf-8")
        .header(
            "content-disposition",
            format!("attachment; filename=\"{filename}\""),
        )
        .body(body.into())
        .build()
}

/// The HTTP answer of a handler's result.
pub fn respond(answer: Answer) -> Response {
    answer.unwrap_or_else(|problem| problem.into_response())
}

impl From<Vec<FieldError>> for Box<Problem> {
    fn from(errors: Vec<FieldError>) -> Self {
        Problem::invalid_fields(errors).boxed()
    }
}

impl From<StoreError> for Box<Problem> {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Stale { actual, .. } => {
                let mut p = Problem::new(412, "stale_version", "The case has changed")
                    .field("If-Match")
                    .detail(format!(
                        "it is now at version {actual}; read it again before acting"
                    ));
                p.etag = Some(actual);
                p
            }
            StoreError::NotFound(_) => Problem::case_not_found(),
            StoreError::Seal(shared::case::personal::SealError::UnknownKey(id)) => {
                Problem::new(503, "not_configured", "A personal-data key is missing").detail(
                    format!(
                "rows sealed with key {id} need it in pd_previous_keys until they are re-sealed"
            ),
                )
            }
            StoreError::IdempotencyKeyReused => Problem::new(
                422,
                "idempotency_key_reused",
                "Idempotency-Key already used",
            )
            .field("Idempotency-Key")
            .detail("this key was used for a different submission; use a new key for a new case"),
            // The error names no personal data: statements are parameterised.
            other => Problem::internal(other),
        }
        .boxed()
    }
}

impl From<TransitionError> for Box<Problem> {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Forbidden { .. }
            | TransitionError::NotLeadUnit { .. }
            | TransitionError::NotCoUnit
            | TransitionError::NotLeader => Problem::forbidden(e.to_string()),
            TransitionError::CityLeaderRequired => {
                Problem::new(422, "missing_field", "Name the approving city leader")
                    .field("city_leader")
                    .detail(e.to_string())
            }
            TransitionError::BadCoUnits => Problem::new(422, "invalid_field", "Invalid co-units")
                .field("co_units")
                .detail(e.to_string()),
            _ => Problem::new(409, "invalid_transition", "Not possible now")
                .field("action")
                .detail(e.to_string()),
        }
        .boxed()
    }
}

impl From<PipelineError> for Box<Problem> {
    fn from(e: PipelineError) -> Self {
        match e {
            PipelineError::Store(e) => e.into(),
            PipelineError::Transition(e) => e.into(),
            PipelineError::UnknownUnit { unit, field } => {
                // A staff action quotes the unit; intake's direct transfer
                // names it plainly (as each always has).
                let detail = if field == "unit" {
                    format!("{unit} is not in the unit directory")
                } else {
                    format!("{:?} is not in the unit directory", unit.as_str())
                };
                Problem::new(422, "unknown_unit", "No such unit")
                    .field(field)
                    .detail(detail)
                    .boxed()
            }
            PipelineError::Fields(errors) => errors.into(),
            PipelineError::ReturnWindowClosed { .. } => {
                Problem::new(409, "return_window_closed", "Too late to return the case")
                    .field("action")
                    .detail(e.to_string())
                    .boxed()
            }
            other => Problem::internal(other).boxed(),
        }
    }
}

impl From<AccessError> for Box<Problem> {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::PurposeRequired => Problem::new(400, "missing_field", "Say why")
                .field("purpose")
                .detail(e.to_string()),
            AccessError::Claims(_) => Problem::unauthorized(e.to_string()),
            _ => Problem::forbidden(e.to_string()),
        }
        .boxed()
    }
}

impl From<AdmissionError> for Box<Problem> {
    fn from(e: AdmissionError) -> Self {
        match e {
            AdmissionError::AgentRequired => Problem::unauthorized(e.to_string()),
            _ => Problem::forbidden(e.to_string()),
        }
        .boxed()
    }
}

impl From<HallClosed> for Box<Problem> {
    fn from(closed: HallClosed) -> Self {
        Problem::new(422, "hall_closed", "The service hall is closed")
            .field("channel")
            .detail(closed.to_string())
            .boxed()
    }
}

impl From<shared::access::attempts::Throttled> for Box<Problem> {
    fn from(e: shared::access::attempts::Throttled) -> Self {
        let mut p =
            Problem::new(429, "too_many_attempts", "Too many wrong attempts").detail(e.to_string());
        p.retry_after = Some(e.retry_after);
        p.boxed()
    }
}

impl From<RateExceeded> for Box<Problem> {
    fn from(e: RateExceeded) -> Self {
        let mut p =
            Problem::new(429, "too_many_requests", "Too many submissions").detail(e.to_string());
        p.retry_after = Some(60);
        p.boxed()
    }
}

impl From<AckError> for Box<Problem> {
    fn from(e: AckError) -> Self {
        match e {
            AckError::NotFound(_) => {
                Problem::new(404, "urge_notice_not_found", "No such urge notice")
                    .field("id")
                    .boxed()
            }
            AckError::NotYours => Problem::forbidden(e.to_string()).boxed(),
            AckError::Store(e) => e.into(),
        }
    }
}

impl From<FeedbackError> for Box<Problem> {
    fn from(e: FeedbackError) -> Self {
        match e {
            FeedbackError::NotFound => Problem::new(
                404,
                "case_not_found",
                "No case has this tracking code and phone",
            )
            .field("code")
            .boxed(),
            FeedbackError::NotClosed(_) => Problem::new(409, "not_closed", "Nothing to rate yet")
                .detail(e.to_string())
                .boxed(),
            FeedbackError::NoReleasedReply => Problem::new(409, "no_reply", "No reply to rate")
                .detail(e.to_string())
                .boxed(),
            FeedbackError::AlreadyRated => Problem::new(409, "already_rated", "Rated already")
                .detail("each reply is rated once")
                .boxed(),
            FeedbackError::Transition(e) => e.into(),
            FeedbackError::Store(e) => e.into(),
        }
    }
}

impl From<SearchError> for Box<Problem> {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            SearchError::Store(e) => e.into(),
        }
    }
}

impl From<InboxError> for Box<Problem> {
    fn from(e: InboxError) -> Self {
        match e {
            InboxError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            InboxError::QueueForUnit => {
                Problem::invalid_field("queue", "not_for_role", e.to_string()).boxed()
            }
            InboxError::NotCases | InboxError::DateRequired => {
                Problem::new(400, "missing_field", "Give the date")
                    .field("date")
                    .detail(e.to_string())
                    .boxed()
            }
            InboxError::Store(e) => e.into(),
            InboxError::Rules(e) => e.into(),
        }
    }
}

impl From<AdminError> for Box<Problem> {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            AdminError::Invalid { field, reason } => {
                Problem::new(422, "invalid_rules", "The rules are not valid")
                    .field(field)
                    .detail(reason)
                    .boxed()
            }
            AdminError::NoYear(_) => Problem::not_found().detail(e.to_string()).boxed(),
            AdminError::Rules(e) => e.into(),
            AdminError::Store(e) => e.into(),
        }
    }
}

impl From<BadBatchSize> for Box<Problem> {
    fn from(e: BadBatchSize) -> Self {
        Problem::new(400, "invalid_query", "Invalid limit")
            .field("limit")
            .detail(e.to_string())
            .boxed()
    }
}

impl From<NoSuchTarget> for Box<Problem> {
    fn from(e: NoSuchTarget) -> Self {
        Problem::not_found().detail(e.to_string()).boxed()
    }
}

impl From<DirectoryError> for Box<Problem> {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            DirectoryError::Store(e) => e.into(),
            DirectoryError::Fields(errors) => errors.into(),
            DirectoryError::Exists(_) => Problem::new(409, "unit_exists", "The unit exists")
                .field("id")
                .detail(e.to_string())
                .boxed(),
            DirectoryError::NotFound(_) => Problem::not_found().detail(e.to_string()).boxed(),
            DirectoryError::TypeTaken { .. } => {
                Problem::new(409, "unit_type_taken", "The county has a unit of this type")
                    .field("unit_type")
                    .detail(e.to_string())
                    .boxed()
            }
        }
    }
}

impl From<AccountError> for Box<Problem> {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Fields(errors) => errors.into(),
            AccountError::BootstrapOff => Problem::new(403, "bootstrap_off", "Bootstrap is off")
                .detail(e.to_string())
                .boxed(),
            AccountError::BootstrapWrongCode => {
                Problem::new(403, "bootstrap_code_wrong", "Wrong bootstrap code")
                    .field("code")
                    .detail(e.to_string())
                    .boxed()
            }
            AccountError::BootstrapDone => Problem::new(409, "bootstrap_done", "Bootstrap is done")
                .detail(e.to_string())
                .boxed(),
            AccountError::SignInFailed => Problem::new(401, "sign_in_failed", "Sign-in failed")
                .detail(e.to_string())
                .boxed(),
            AccountError::PasswordChangeRequired => Problem::new(
                409,
                "password_change_required",
                "Set your own password first",
            )
            .detail(e.to_string())
            .boxed(),
            AccountError::UsernameTaken(_) => Problem::new(409, "username_taken", "Username taken")
                .field("username")
                .detail(e.to_string())
                .boxed(),
            AccountError::Staff(e) => e.into(),
            AccountError::Store(e) => e.into(),
            AccountError::Throttled(e) => e.into(),
            AccountError::Seal(_) | AccountError::Password(_) => Problem::internal(e).boxed(),
        }
    }
}

impl From<StaffError> for Box<Problem> {
    fn from(e: StaffError) -> Self {
        match e {
            StaffError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            StaffError::Claims(_) => Problem::unauthorized(e.to_string()).boxed(),
            StaffError::Store(e) => e.into(),
            StaffError::Fields(errors) => errors.into(),
            StaffError::Exists(_) => Problem::new(409, "person_exists", "The person exists")
                .field("id")
                .detail(e.to_string())
                .boxed(),
            StaffError::NotFound(_) => Problem::not_found().detail(e.to_string()).boxed(),
            StaffError::IdentityTaken { .. } => Problem::new(
                409,
                "identity_taken",
                "The sign-in identity is linked to another person",
            )
            .field("identities")
            .detail(e.to_string())
            .boxed(),
        }
    }
}

impl From<SignOnFailed> for Box<Problem> {
    fn from(e: SignOnFailed) -> Self {
        let p = |status, code, title: &str| Problem::new(status, code, title).detail(e.to_string());
        match &e {
            SignOnFailed::Protocol(SignOnError::Off) => p(404, "sign_on_off", "No sign-on here"),
            SignOnFailed::Protocol(SignOnError::Config(_)) => {
                p(503, "not_configured", "The sign-on is misconfigured")
            }
            SignOnFailed::Protocol(SignOnError::Provider(_)) => {
                p(502, "sign_on_unavailable", "The sign-on did not answer")
            }
            SignOnFailed::Protocol(SignOnError::State) => {
                p(400, "sign_on_state", "Sign-in not begun here").field("state")
            }
            SignOnFailed::Protocol(SignOnError::Refused(_)) => {
                p(401, "sign_on_refused", "The sign-on refused")
            }
            SignOnFailed::Protocol(SignOnError::IdToken(_)) => {
                p(401, "id_token_refused", "The id token is refused")
            }
            SignOnFailed::NotInDirectory => p(401, "unknown_person", "Not in the staff directory"),
            SignOnFailed::Staff(_) | SignOnFailed::Store(_) => {
                return match e {
                    SignOnFailed::Staff(e) => e.into(),
                    SignOnFailed::Store(e) => e.into(),
                    _ => Problem::internal("sign-on").boxed(),
                }
            }
        }
        .boxed()
    }
}

impl From<AuditError> for Box<Problem> {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            AuditError::Store(e) => e.into(),
        }
    }
}

impl From<HotspotError> for Box<Problem> {
    fn from(e: HotspotError) -> Self {
        match e {
            HotspotError::TooMany { .. } => {
                Problem::new(422, "window_too_large", "Too many complaints in the window")
                    .field("from")
                    .detail(e.to_string())
                    .boxed()
            }
            HotspotError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            HotspotError::Store(e) => e.into(),
        }
    }
}

impl From<RectificationError> for Box<Problem> {
    fn from(e: RectificationError) -> Self {
        match e {
            RectificationError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            RectificationError::Fields(errors) => errors.into(),
            RectificationError::Unprocessable(errors) => Problem {
                status: 422,
                ..Problem::invalid_fields(errors)
            }
            .boxed(),
            RectificationError::BureauOnly(why) => Problem::forbidden(why).boxed(),
            RectificationError::NotFound(_) => Problem::not_found().detail(e.to_string()).boxed(),
            RectificationError::Hotspots(e) => e.into(),
            RectificationError::Store(e) => e.into(),
        }
    }
}

impl From<StatsError> for Box<Problem> {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Role(_) => Problem::forbidden(e.to_string()).boxed(),
            StatsError::Store(e) => e.into(),
        }
    }
}

impl From<RulesError> for Box<Problem> {
    fn from(e: RulesError) -> Self {
        Problem::internal(e).boxed()
    }
}
