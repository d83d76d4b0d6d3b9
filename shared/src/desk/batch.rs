//! One move on many cases (批量签收, 批量分办): `{"action": {…}, "cases":
//! [{"case_id", "if_match"}, …]}`. Each case is its own move, under its
//! own version, with its own events: one that fails leaves the others
//! done, and the answer says for each case where it stands and why not.

use serde::Serialize;
use serde_json::Value;

use crate::base::fields::{whole_number, FieldError};
use crate::base::ids::CaseId;
use crate::case::words::Status;
use crate::lifecycle::Action;

/// The most cases one batch may name: a day's intake of a county's busiest
/// unit, and few enough that the batch answers within one request's time.
pub const MAX_CASES: usize = 100;

/// The largest version an `ETag` names: 18 digits, as the `If-Match`
/// header takes it.
const MAX_VERSION: i64 = 999_999_999_999_999_999;

/// A batch as asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The move, as `POST /api/cases/{id}/actions` takes it (its JSON kept
    /// to hand on unchanged to the desk that serves it).
    pub action: Action,
    /// The move's JSON.
    pub action_body: Value,
    /// The cases, in the order given, each with the version it was read at.
    pub cases: Vec<Item>,
}

/// One case of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The case.
    pub case_id: CaseId,
    /// The version the case was read at (its `ETag`).
    pub version: i64,
}

/// The version an `ETag` names, as sent back in `If-Match` (`"3"`, `W/"3"`
/// or `3`): 1 to 18 digits, nothing around them but those marks.
pub fn etag_version(text: &str) -> Option<i64> {
    let text = text.strip_prefix("W/").unwrap_or(text);
    let text = text.strip_prefix('"').unwrap_or(text);
    let digits = text.strip_suffix('"').unwrap_or(text);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Batch {
    /// Parses the body; every problem names its field (`cases[2].if_match`,
    /// `action.reason`).
    pub fn parse(body: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(object) = body.as_object() else {
            return Err(vec![FieldError::new(
                "",
                "wrong_type",
                "the body must be a JSON object",
            )]);
        };
        let mut errors = Vec::new();
        for key in object.keys() {
            if key != "action" && key != "cases" {
                errors.push(FieldError::new(
                    key,
                    "unknown_field",
                    "this field is not part of a batch",
                ));
            }
        }
        let action_body = object.get("action").cloned().unwrap_or(Value::Null);
        let action = match &action_body {
            Value::Null => {
                errors.push(FieldError::new(
                    "action",
                    "missing",
                    "the move to make on every case, as POST /api/cases/{id}/actions takes it",
                ));
                None
            }
            value => match crate::lifecycle::parse(value) {
                // A unit named twice among the co-units is refused here, as
                // the document says (the single move refuses it as it
                // applies, 422; a batch would only report it case by case).
                Ok(a) if has_repeated_co_units(&a) => {
                    errors.push(FieldError::new(
                        "action.co_units",
                        "duplicate",
                        "each co-unit once",
                    ));
                    None
                }
                Ok(a) => Some(a),
                Err(inner) => {
                    errors.extend(inner.into_iter().map(|e| FieldError {
                        field: if e.field.is_empty() {
                            "action".to_string()
                        } else {
                            format!("action.{}", e.field)
                        },
                        ..e
                    }));
                    None
                }
            },
        };
        let cases = match object.get("cases") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("cases", "missing", "the cases to move"));
                Vec::new()
            }
            Some(Value::Array(list)) if list.is_empty() || list.len() > MAX_CASES => {
                errors.push(FieldError::new(
                    "cases",
                    "invalid",
                    format!("1 to {MAX_CASES} cases"),
                ));
                Vec::new()
            }
            Some(Value::Array(list)) => items(list, &mut errors),
            Some(_) => {
                errors.push(FieldError::new(
                    "cases",
                    "wrong_type",
                    "a list of {\"case_id\", \"if_match\"}",
                ));
                Vec::new()
            }
        };
        match action {
            Some(action) if errors.is_empty() => Ok(Self {
                action,
                action_body,
                cases,
            }),
            _ => Err(errors),
        }
    }
}

/// Whether the action names a co-unit twice.
fn has_repeated_co_units(action: &Action) -> bool {
    let units = match action {
        Action::Route { co_units, .. }
        | Action::Reassign { co_units, .. }
        | Action::ReceiveInstruction { co_units, .. } => co_units,
        _ => return false,
    };
    let distinct: std::collections::BTreeSet<_> = units.iter().collect();
    distinct.len() != units.len()
}

/// The items of `list`, each problem recorded under its index.
fn items(list: &[Value], errors: &mut Vec<FieldError>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = |name: &str| format!("cases[{i}].{name}");
        let Some(fields) = entry.as_object() else {
            errors.push(FieldError::new(
                &format!("cases[{i}]"),
                "wrong_type",
                "an object {\"case_id\", \"if_match\"}",
            ));
            continue;
        };
        for key in fields.keys() {
            if key != "case_id" && key != "if_match" {
                errors.push(FieldError::new(
                    &at(key),
                    "unknown_field",
                    "this field is not part of a batch's case",
                ));
            }
        }
        let case_id = match fields.get("case_id") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new(&at("case_id"), "missing", "the case's id"));
                None
            }
            Some(v) => match whole_number(v).map(CaseId::new) {
                Some(Ok(id)) => Some(id),
                _ => {
                    errors.push(FieldError::new(
                        &at("case_id"),
                        "invalid",
                        "a case id, a whole number from 1",
                    ));
                    None
                }
            },
        };
        let version = match fields.get("if_match") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new(
                    &at("if_match"),
                    "missing",
                    "the ETag the case was read with, so that no one's change is overwritten",
                ));
                None
            }
            Some(Value::String(s)) => etag_version(s).or_else(|| {
                errors.push(FieldError::new(
                    &at("if_match"),
                    "invalid",
                    "the case's ETag, as read (\"3\")",
                ));
                None
            }),
            Some(n @ Value::Number(_)) => whole_number(n)
                .filter(|v| (0..=MAX_VERSION).contains(v))
                .or_else(|| {
                    errors.push(FieldError::new(
                        &at("if_match"),
                        "invalid",
                        "the case's ETag, as read (\"3\")",
                    ));
                    None
                }),
            Some(_) => {
                errors.push(FieldError::new(
                    &at("if_match"),
                    "wrong_type",
                    "the case's ETag, as read (\"3\")",
                ));
                None
            }
        };
        // A case named twice is moved twice, in turn: the second under a
        // version the first has changed is refused as stale.
        if let (Some(case_id), Some(version)) = (case_id, version) {
            out.push(Item { case_id, version });
        }
    }
    out
}

/// What became of one case of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome<P> {
    /// The case.
    pub case_id: CaseId,
    /// Where it stands now (after the move, or as it was when refused);
    /// `null` for a case the reader cannot see or that does not exist.
    pub status: Option<Status>,
    /// Its version now (the `ETag` to send next), once moved.
    pub version: Option<i64>,
    /// Why it was not moved (problem+json, as the single move would answer);
    /// `null` when it was.
    pub problem: Option<P>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Vec<(String, &'static str)> {
        Batch::parse(&body)
            .expect_err("refused")
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_batch_names_one_move_and_each_case_with_the_etag_it_was_read_with() {
        let b = Batch::parse(&json!({"action": {"action": "accept_assignment"},
            "cases": [{"case_id": 7, "if_match": "\"3\""}, {"case_id": 9, "if_match": "W/\"1\""},
                      {"case_id": 4.0, "if_match": 2}]}))
        .expect("valid");
        assert_eq!(b.action.kind().as_str(), "accept_assignment");
        let got: Vec<(i64, i64)> = b
            .cases
            .iter()
            .map(|i| (i.case_id.get(), i.version))
            .collect();
        assert_eq!(got, vec![(7, 3), (9, 1), (4, 2)], "in the order given");
    }

    #[test]
    fn every_bad_part_of_a_batch_is_named_by_its_place() {
        assert_eq!(
            fields(json!({"action": {"action": "reassign"}, "cases": [
                {"case_id": 0, "if_match": "\"1\""},
                {"case_id": 5},
                {"case_id": 6, "if_match": "soon"},
                {"case_id": 6, "if_match": 1_000_000_000_000_000_000_i64},
                {"case_id": 8, "if_match": "\"2\"", "note": "x"},
                "9"
            ], "extra": 1})),
            vec![
                ("extra".to_string(), "unknown_field"),
                ("action.lead".to_string(), "missing"),
                ("action.reason".to_string(), "missing"),
                ("cases[0].case_id".to_string(), "invalid"),
                ("cases[1].if_match".to_string(), "missing"),
                ("cases[2].if_match".to_string(), "invalid"),
                ("cases[3].if_match".to_string(), "invalid"),
                ("cases[4].note".to_string(), "unknown_field"),
                ("cases[5]".to_string(), "wrong_type"),
            ]
        );
        assert_eq!(
            fields(json!({"action": {"action": "accept_assignment"},
                "cases": [{"case_id": 6, "if_match": " 1"}, {"case_id": 7, "if_match": "\"\"2"}]})),
            vec![
                ("cases[0].if_match".to_string(), "invalid"),
                ("cases[1].if_match".to_string(), "invalid")
            ],
            "exactly the ETag's shape"
        );
        assert_eq!(
            fields(json!({"action": {"action": "route", "lead": "qibin-urban",
                "co_units": ["qibin-water", "qibin-water"]},
                "cases": [{"case_id": 6, "if_match": "1"}]})),
            vec![("action.co_units".to_string(), "duplicate")]
        );
        assert_eq!(
            fields(json!({"action": {"action": "accept_assignment"}, "cases": []})),
            vec![("cases".to_string(), "invalid")]
        );
        let many: Vec<Value> = (1..=101)
            .map(|i| json!({"case_id": i, "if_match": "1"}))
            .collect();
        assert_eq!(
            fields(json!({"action": {"action": "accept_assignment"}, "cases": many})),
            vec![("cases".to_string(), "invalid")]
        );
        assert_eq!(
            fields(json!({"cases": [{"case_id": 1, "if_match": "1"}]})),
            vec![("action".to_string(), "missing")]
        );
    }
}
