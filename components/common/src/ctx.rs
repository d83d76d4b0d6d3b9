//! The per-request context every handler gets: the request, who signed in,
//! the database, the secrets, the county's rules and the request's "now",
//! each obtained once and on first use, each failure already a [`Problem`].

use std::cell::OnceCell;
use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use shared::access::Principal;
use shared::base::ids::CaseId;
use shared::base::rules::{Rules, RulesCache};
use shared::case::personal::Keys;
use spin_sdk::http::Request;

use crate::db::SpinDb;
use crate::kv::SpinKv;
use crate::problem::Problem;
use shared::base::kv::KeyValue;

/// One request's context.
pub struct Ctx {
    /// The request.
    pub req: Request,
    now: DateTime<Utc>,
    db: OnceCell<SpinDb>,
    rules: OnceCell<Rules>,
}

/// The rule sets, cached by version token in the key-value store `default`
/// through the one adapter (`SpinKv`, which logs its own failures).
struct KeyValueCache;

impl RulesCache for KeyValueCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        SpinKv.get(key).ok().flatten()
    }

    fn put(&self, key: &str, value: &[u8]) {
        let _ = SpinKv.set(key, value);
    }
}

/// The county's rules in force (as of the stamp read on opening `db`, if
/// not taken yet), also outside a request (the cron stage).
pub fn current_rules(db: &SpinDb) -> Result<Rules, shared::base::rules::RulesError> {
    match db.take_rules_stamp() {
        Some(stamp) => Rules::at(db, &KeyValueCache, stamp),
        None => Rules::current(db, &KeyValueCache),
    }
}

impl Ctx {
    /// The context of `req`; "now" is read once, here.
    pub fn new(req: Request) -> Self {
        Self {
            req,
            now: shared::base::clock::now(),
            db: OnceCell::new(),
            rules: OnceCell::new(),
        }
    }

    /// The request's instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The request's instant in China time.
    pub fn now_in_china(&self) -> DateTime<FixedOffset> {
        shared::base::clock::in_china(self.now)
    }

    /// The database, opened (and its schema brought up to date) on first use.
    pub fn db(&self) -> Result<&SpinDb, Box<Problem>> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        let db = SpinDb::open_default()
            .map_err(|e| Problem::internal(format!("database: {e:#}")).boxed())?;
        Ok(self.db.get_or_init(|| db))
    }

    /// The county's rules in force (by the version stamp read on opening
    /// the database, or one read for it).
    pub fn rules(&self) -> Result<&Rules, Box<Problem>> {
        if let Some(rules) = self.rules.get() {
            return Ok(rules);
        }
        let rules = current_rules(self.db()?)?;
        Ok(self.rules.get_or_init(|| rules))
    }

    /// The signed-in principal, as the staff directory has them, or 401.
    pub fn principal(&self) -> Result<Principal, Box<Problem>> {
        crate::auth::principal(self)
    }

    /// The principal if a token or a live session cookie was sent, `None`
    /// if neither was (or the session has ended).
    pub fn signed_in(&self) -> Result<Option<Principal>, Box<Problem>> {
        match crate::auth::signed_in(self) {
            // A session that ended is nobody's: where signing in is
            // optional, the request goes on as anyone's would.
            Err(p) if p.code == "session_ended" => Ok(None),
            other => Ok(other?.map(|s| s.principal().clone())),
        }
    }

    /// The personal-data keys.
    pub fn keys(&self) -> Result<Keys, Box<Problem>> {
        crate::keys::personal_data_keys()
    }

    /// The body as JSON (413 when too large, 400 when not JSON).
    pub fn json_body(&self) -> Result<serde_json::Value, Box<Problem>> {
        crate::request::json_body(&self.req)
    }

    /// The body as JSON, an empty body as `{}` (a body the endpoint
    /// does not require).
    pub fn json_body_or_empty(&self) -> Result<serde_json::Value, Box<Problem>> {
        if self.req.body().is_empty() {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        self.json_body()
    }

    /// The value a `:name` segment of the route captured.
    pub fn path(&self, name: &str) -> String {
        crate::request::header(&self.req, &format!("spin-path-match-{name}"))
    }

    /// The row id a `:name` segment captured, if it is one (a positive
    /// whole number).
    pub fn path_id(&self, name: &str) -> Option<i64> {
        shared::base::ids::row_id(&self.path(name))
    }

    /// The case the route's `:id` names (400 when it is not a case id).
    pub fn case_id(&self) -> Result<CaseId, Box<Problem>> {
        self.path("id").parse::<CaseId>().map_err(|_| {
            Problem::new(400, "invalid_field", "Invalid case id")
                .field("id")
                .boxed()
        })
    }

    /// The query string's pairs, percent-decoded.
    pub fn query(&self) -> BTreeMap<String, String> {
        crate::request::query_pairs(&self.req)
    }

    /// The query parameter `name`, if given: one of `allowed` (400 naming
    /// it otherwise, as the OpenAPI document's enum says).
    pub fn query_one_of(
        &self,
        name: &str,
        allowed: &[&'static str],
    ) -> Result<Option<&'static str>, Box<Problem>> {
        match self.query().get(name) {
            None => Ok(None),
            Some(v) => allowed
                .iter()
                .find(|a| **a == v.as_str())
                .map(|a| Some(*a))
                .ok_or_else(|| {
                    Problem::invalid_field(
                        name,
                        "invalid",
                        format!("one of {}", allowed.join(", ")),
                    )
                    .boxed()
                }),
        }
    }

    /// The query parameter `name`, if given, read as one value of a closed
    /// set (`allowed`, its texts): 400 `unknown_value` listing them, as a
    /// body field would be.
    pub fn query_value<T: std::str::FromStr>(
        &self,
        name: &str,
        allowed: &[&str],
    ) -> Result<Option<T>, Box<Problem>> {
        let Some(text) = self.query().get(name).cloned() else {
            return Ok(None);
        };
        shared::base::fields::one_of(&serde_json::Value::String(text), allowed)
            .map(Some)
            .map_err(|issues| {
                let errors = issues
                    .into_iter()
                    .map(|i| shared::base::fields::FieldError::new(name, i.code, i.message))
                    .collect();
                Problem::invalid_fields(errors).boxed()
            })
    }

    /// Whether the caller asked for CSV rather than JSON (`format=csv`, or
    /// `Accept: text/csv`); 400 for another `format`.
    pub fn wants_csv(&self) -> Result<bool, Box<Problem>> {
        let accept = crate::request::header(&self.req, "accept");
        Ok(
            self.query_one_of("format", &["json", "csv"])? == Some("csv")
                || accept.contains("text/csv"),
        )
    }

    /// The version `If-Match` names (428 when missing, 400 when unreadable).
    pub fn if_match(&self) -> Result<i64, Box<Problem>> {
        crate::request::if_match_version(&self.req)
    }

    /// The request's `Idempotency-Key`, if any (400 when it is not one).
    pub fn idempotency_key(
        &self,
    ) -> Result<Option<shared::base::ids::IdempotencyKey>, Box<Problem>> {
        crate::request::idempotency_key(&self.req)
    }

    /// Whether the request comes from this machine.
    pub fn from_this_machine(&self) -> bool {
        crate::auth::from_this_machine(&self.req)
    }

    /// The bucket the client is counted under for per-client limits: its
    /// address (IPv6: its /64), read through the deployment's trusted
    /// proxies (the `trusted_proxies` variable, where the component has it).
    pub fn client_bucket(&self) -> Result<String, Box<Problem>> {
        use shared::access::client::{client_bucket, Origin, TrustedProxies};
        let trusted = match spin_sdk::variables::get("trusted_proxies") {
            Ok(text) => TrustedProxies::parse(&text).map_err(crate::keys::not_configured)?,
            Err(spin_sdk::variables::Error::Undefined(_)) => TrustedProxies::default(),
            Err(e) => {
                return Err(crate::keys::not_configured(format!(
                    "variable trusted_proxies: {e:?}"
                )))
            }
        };
        let joined = |name: &str| {
            let values: Vec<&str> = self
                .req
                .headers()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .filter_map(|(_, v)| v.as_str())
                .collect();
            (!values.is_empty()).then(|| values.join(", "))
        };
        let peer = crate::request::header(&self.req, "spin-client-addr");
        let xff = joined("x-forwarded-for");
        let fwd = joined("forwarded");
        let origin = Origin {
            peer: &peer,
            x_forwarded_for: xff.as_deref(),
            forwarded: fwd.as_deref(),
        };
        Ok(client_bucket(&origin, &trusted))
    }
}

/// What the library's intake asks of a request, from this context.
impl shared::desk::submission::Around for Ctx {
    type Db = SpinDb;
    type Error = Box<Problem>;

    fn db(&self) -> Result<&SpinDb, Box<Problem>> {
        Ctx::db(self)
    }
    fn rules(&self) -> Result<&Rules, Box<Problem>> {
        Ctx::rules(self)
    }
    fn keys(&self) -> Result<Keys, Box<Problem>> {
        Ctx::keys(self)
    }
    fn client(&self) -> Result<String, Box<Problem>> {
        self.client_bucket()
    }
    fn now(&self) -> DateTime<Utc> {
        self.now
    }
}
