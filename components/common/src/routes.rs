//! Every route of the app, named once: the public ones as written in
//! `spin.toml` (a test checks), and the private stages reached by service
//! chaining, shared between each stage and its callers.

use shared::base::ids::CaseId;
use spin_sdk::http::{Method, Request};

use crate::problem::Problem;

/// `POST /api/cases`: submit a case.
pub const SUBMIT: &str = "/api/cases";
/// `GET /api/cases/track/:code`: the citizen's view.
pub const TRACK: &str = "/api/cases/track/:code";
/// `POST /api/cases/track/:code/feedback`: the submitter rates the reply.
pub const FEEDBACK: &str = "/api/cases/track/:code/feedback";
/// `GET /api/counties`: the counties a citizen may submit to.
pub const COUNTIES: &str = "/api/counties";
/// `GET /api/cases/:id`: a case for staff.
pub const CASE: &str = "/api/cases/:id";
/// `POST /api/cases/:id/actions`: one lifecycle move.
pub const ACTIONS: &str = "/api/cases/:id/actions";
/// `GET /api/calendar/days/:date`: what kind of day a date is.
pub const CALENDAR_DAY: &str = "/api/calendar/days/:date";
/// `GET /api/calendar/add`: N working days after a date.
pub const CALENDAR_ADD: &str = "/api/calendar/add";

/// `GET /api/inbox`: a unit's inbox, or the bureau's queues.
pub const INBOX: &str = "/api/inbox";
/// `POST /api/inbox/batch`: one move on many cases (批量签收, 批量分办).
pub const INBOX_BATCH: &str = "/api/inbox/batch";
/// `POST /api/urge-notices/:id/ack`: the unit acknowledges an urge notice.
pub const URGE_ACK: &str = "/api/urge-notices/:id/ack";
/// `POST /api/reminders/scan`: the deadline scan, for the bureau or the
/// scheduler.
pub const SCAN: &str = "/api/reminders/scan";
/// `GET`/`PUT /api/admin/rules/:family`: a family of the county's rules.
pub const ADMIN_RULES: &str = "/api/admin/rules/:family";
/// `GET`/`PUT /api/admin/calendar/:year`: one year of the calendar.
pub const ADMIN_CALENDAR: &str = "/api/admin/calendar/:year";
/// `GET`/`POST /api/admin/units`: the unit directory.
pub const ADMIN_UNITS: &str = "/api/admin/units";
/// `PUT /api/admin/units/:id`: rename or retire a unit.
pub const ADMIN_UNIT: &str = "/api/admin/units/:id";
/// `GET`/`POST /api/admin/staff`: the staff directory.
pub const ADMIN_STAFF: &str = "/api/admin/staff";
/// `GET`/`PUT /api/admin/staff/:id`: one person.
pub const ADMIN_PERSON: &str = "/api/admin/staff/:id";
/// `GET /api/stats`: Art. 9 statistics.
pub const STATS: &str = "/api/stats";
/// `GET /api/hotspots`: clusters of similar complaints (Art. 7).
pub const HOTSPOTS: &str = "/api/hotspots";
/// `GET`/`POST /api/rectifications`: rectification items.
pub const RECTIFICATIONS: &str = "/api/rectifications";
/// `GET`/`PATCH /api/rectifications/:id`: one item.
pub const RECTIFICATION: &str = "/api/rectifications/:id";
/// `GET /api/search/cases`: case search (工单查询) within the reader's
/// access.
pub const SEARCH_CASES: &str = "/api/search/cases";
/// `GET /api/callers/history`: a caller's earlier cases (来电弹屏).
pub const CALLER_HISTORY: &str = "/api/callers/history";
/// `GET /api/audit`: the audit trail (bureau).
pub const AUDIT: &str = "/api/audit";
/// `POST /api/admin/reseal`: moves sealed personal data to the key in
/// force (the bureau; served by `cases`, which holds the keys).
pub const ADMIN_RESEAL: &str = "/api/admin/reseal";
/// `POST /api/dev/tokens`: a short-lived demo token, only on a development
/// instance and only for a client on the same machine.
pub const DEV_TOKENS: &str = "/api/dev/tokens";
/// `POST /auth/bootstrap`: the first bureau person, with the operator's
/// one-time code.
pub const AUTH_BOOTSTRAP: &str = "/auth/bootstrap";
/// `POST /auth/password`: a local account's sign-in (password and second
/// factor) → the session cookie.
pub const AUTH_PASSWORD: &str = "/auth/password";
/// `POST /auth/first-sign-in`: with the bureau's one-time password, set
/// one's own and enrol the second factor.
pub const AUTH_FIRST_SIGN_IN: &str = "/auth/first-sign-in";
/// `POST /api/admin/staff/:id/reset`: the bureau gives a person a one-time
/// password (a new local account, or a reset one) and clears their second
/// factor.
pub const ADMIN_RESET: &str = "/api/admin/staff/:id/reset";
/// `POST /auth/logout`: ends the session (`?everywhere=true`: every one).
pub const AUTH_LOGOUT: &str = "/auth/logout";
/// `GET /auth/login`: begins a sign-in through the city's sign-on (the
/// browser is sent to the provider).
pub const AUTH_LOGIN: &str = "/auth/login";
/// `GET /auth/callback`: the provider sends the browser back here → the
/// session cookie.
pub const AUTH_CALLBACK: &str = "/auth/callback";
/// `GET /auth/methods`: how staff sign in here (for the sign-in page).
pub const AUTH_METHODS: &str = "/auth/methods";
/// `GET /api/me`: who is signed in.
pub const ME: &str = "/api/me";
/// `GET /api/openapi.json`: the API's description.
pub const OPENAPI: &str = "/api/openapi.json";
/// `GET /...`: the portal, the web pages every user works in (every path
/// no other route claims).
pub const PORTAL: &str = "/...";

/// Where the citizen's view of the case with `code` is (the `Location` of
/// a new case).
pub fn track_location(code: &shared::base::ids::TrackingCode) -> String {
    TRACK.replace(":code", code.as_str())
}

/// Every public route, as `spin.toml` must list them (a test checks).
pub const PUBLIC: &[&str] = &[
    SUBMIT,
    TRACK,
    FEEDBACK,
    COUNTIES,
    CASE,
    ACTIONS,
    CALENDAR_DAY,
    CALENDAR_ADD,
    INBOX,
    INBOX_BATCH,
    URGE_ACK,
    SCAN,
    ADMIN_RULES,
    ADMIN_CALENDAR,
    ADMIN_UNITS,
    ADMIN_UNIT,
    ADMIN_STAFF,
    ADMIN_PERSON,
    AUDIT,
    ADMIN_RESEAL,
    DEV_TOKENS,
    AUTH_BOOTSTRAP,
    AUTH_METHODS,
    AUTH_PASSWORD,
    AUTH_FIRST_SIGN_IN,
    AUTH_LOGOUT,
    AUTH_LOGIN,
    AUTH_CALLBACK,
    ADMIN_RESET,
    ME,
    STATS,
    HOTSPOTS,
    RECTIFICATIONS,
    RECTIFICATION,
    SEARCH_CASES,
    CALLER_HISTORY,
    OPENAPI,
    PORTAL,
];

/// The endpoint a request is for, among a component's `(route, method,
/// endpoint)` rows: its own name for each endpoint (an enum the component
/// matches without a catch-all arm), 404 when no route matched, 405 (with
/// `Allow`) when the route takes other methods.
pub fn endpoint<E: Copy>(
    req: &Request,
    endpoints: &[(&'static str, Method, E)],
) -> Result<E, Box<Problem>> {
    let matched = crate::request::header(req, "spin-matched-route");
    let methods: Vec<&Method> = endpoints
        .iter()
        .filter(|(route, ..)| *route == matched)
        .map(|(_, m, _)| m)
        .collect();
    match endpoints
        .iter()
        .find(|(route, m, _)| *route == matched && m == req.method())
    {
        Some((.., e)) => Ok(*e),
        None if methods.is_empty() => Err(Problem::not_found().boxed()),
        None => {
            let allow: Vec<String> = methods.iter().map(|m| m.to_string()).collect();
            Err(Problem::method_not_allowed(&allow.join(", ")).boxed())
        }
    }
}

/// A private stage reached by service chaining:
/// `POST http://<component>.spin.internal/<verb>/<case id>`.
#[derive(Debug, Clone, Copy)]
pub struct Chained {
    /// The component's name in `spin.toml`.
    pub component: &'static str,
    /// The path's first segment.
    pub verb: &'static str,
}

/// Screening (the `filter` component).
pub const SCREEN: Chained = Chained {
    component: "filter",
    verb: "screen",
};
/// Dispatch (the `route` component).
pub const DISPATCH: Chained = Chained {
    component: "route",
    verb: "dispatch",
};

/// The unit's workbench (the `reply` component): the moves of a case in
/// handling, from accepting it to the leader's review.
pub const REPLY: Chained = Chained {
    component: "reply",
    verb: "act",
};
/// Quality check, follow-up and review (the `qc` component).
pub const QC: Chained = Chained {
    component: "qc",
    verb: "act",
};

/// Every private stage (a test checks each is private in `spin.toml`).
pub const CHAINED: &[Chained] = &[SCREEN, DISPATCH, REPLY, QC];

impl Chained {
    /// The URL that reaches the stage for `case`.
    pub fn url(&self, case: CaseId) -> String {
        format!(
            "http://{}.spin.internal/{}/{case}",
            self.component, self.verb
        )
    }

    /// For the stage itself: the case a request is for (404 otherwise,
    /// 405 for another method than POST).
    pub fn case_id(&self, req: &Request) -> Result<CaseId, Box<Problem>> {
        let info = crate::request::header(req, "spin-path-info");
        let case = info
            .strip_prefix('/')
            .and_then(|r| r.strip_prefix(self.verb))
            .and_then(|r| r.strip_prefix('/'))
            .and_then(|r| r.parse::<CaseId>().ok())
            .ok_or_else(|| Problem::not_found().boxed())?;
        if *req.method() != Method::Post {
            return Err(Problem::method_not_allowed("POST").boxed());
        }
        Ok(case)
    }

    /// Calls each of `stages` for `case` in turn, until one fails (the log
    /// says which and why: the case waits at that stage, stored already,
    /// for a retry or the scan to take it on). Whether all answered.
    pub async fn in_turn(stages: &[Chained], case: CaseId) -> bool {
        for stage in stages {
            if let Err(why) = stage.call(case).await {
                eprintln!("case {case}: {why}; the case waits at this stage");
                return false;
            }
        }
        true
    }

    /// Calls the stage for `case`; `Err` says why it did not answer 200.
    pub async fn call(&self, case: CaseId) -> Result<(), String> {
        let request = spin_sdk::http::Request::post(self.url(case), Vec::<u8>::new()).build();
        match spin_sdk::http::send::<_, spin_sdk::http::Response>(request).await {
            Ok(resp) if *resp.status() == 200 => Ok(()),
            Ok(resp) => Err(format!("{} answered {}", self.component, resp.status())),
            Err(e) => Err(format!("{} unreachable ({e})", self.component)),
        }
    }
}
