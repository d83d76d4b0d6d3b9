//! Staff actions on a case, as the API takes them: parsed from JSON field
//! by field, checked against the lifecycle, and applied with what follows
//! from them (deadlines set, moved or met), under optimistic concurrency.

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::calendar::Calendar;
use crate::db::Db;
use crate::deadlines::{deadline, extend, schedule, DeadlineRules, Milestone};
use crate::ids::CaseId;
use crate::intake::FieldError;
use crate::lifecycle::{
    transition, Action, Actor, Event, RejectCategory, Satisfaction, Transition,
};
use crate::store::{self, StoreError};
use crate::units::UnitId;

/// The same failures as screening and dispatch: one error type for every
/// move of a case.
pub use crate::pipeline::PipelineError as ActionError;

struct Fields<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields<'_> {
    fn error(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            code,
            message: message.into(),
        });
    }

    fn text(&mut self, name: &str) -> String {
        match self.object.get(name) {
            Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 5000 => {
                s.trim().to_string()
            }
            Some(Value::String(_)) => {
                self.error(name, "invalid", "1 to 5000 characters");
                String::new()
            }
            None | Some(Value::Null) => {
                self.error(name, "missing", "this field is required");
                String::new()
            }
            Some(_) => {
                self.error(name, "wrong_type", "this field must be a string");
                String::new()
            }
        }
    }

    fn number(&mut self, name: &str, max: u32) -> u32 {
        match self.object.get(name).and_then(Value::as_u64) {
            Some(n) if (1..=u64::from(max)).contains(&n) => n as u32,
            Some(_) => {
                self.error(name, "invalid", format!("a whole number from 1 to {max}"));
                0
            }
            None => {
                self.error(name, "missing", "a whole number is required");
                0
            }
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        match self.object.get(name) {
            Some(Value::Bool(b)) => *b,
            _ => {
                self.error(name, "wrong_type", "true or false");
                false
            }
        }
    }

    fn unit(&mut self, name: &str) -> Option<UnitId> {
        let text = self.text(name);
        match text.parse() {
            Ok(u) => Some(u),
            Err(e) => {
                if !text.is_empty() {
                    self.error(name, "invalid", e.to_string());
                }
                None
            }
        }
    }

    fn units(&mut self, name: &str) -> Vec<UnitId> {
        match self.object.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().map(str::parse::<UnitId>) {
                        Some(Ok(u)) => out.push(u),
                        _ => self.error(&format!("{name}[{i}]"), "invalid", "a unit id"),
                    }
                }
                out
            }
            Some(_) => {
                self.error(name, "wrong_type", "a list of unit ids");
                Vec::new()
            }
        }
    }
}

/// The action names the API takes (the lifecycle's, less the ones only
/// intake performs).
pub const ACTIONS: &[&str] = &[
    "override_to_accept",
    "override_to_reject",
    "route",
    "return_misrouted",
    "reassign",
    "escalate",
    "receive_instruction",
    "close_on_instruction",
    "request_extension",
    "approve_extension",
    "refuse_extension",
    "co_unit_input",
    "refer_misconduct_clue",
    "urge",
    "draft_reply",
    "leader_review",
    "qc_pass",
    "qc_fail",
    "follow_up",
    "request_review",
    "uphold_review",
    "return_on_review",
];

/// Parses `{"action": "...", ...fields}`; every problem names its field.
pub fn parse(body: &Value) -> Result<Action, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError {
            field: String::new(),
            code: "wrong_type",
            message: "the body must be a JSON object".into(),
        }]);
    };
    let mut f = Fields {
        object,
        errors: Vec::new(),
    };
    let name = f.text("action");
    let action = match name.as_str() {
        "override_to_accept" => Some(Action::OverrideToAccept {
            reason: f.text("reason"),
        }),
        "override_to_reject" => {
            let category = object
                .get("category")
                .and_then(Value::as_u64)
                .and_then(|n| u8::try_from(n).ok())
                .and_then(RejectCategory::from_number);
            if category.is_none() {
                f.error("category", "invalid", "1, 2, 3 or 4 (Art. 5)");
            }
            let reason = f.text("reason");
            category.map(|category| Action::OverrideToReject { category, reason })
        }
        "route" => {
            let lead = f.unit("lead");
            let co_units = f.units("co_units");
            lead.map(|lead| Action::Route { lead, co_units })
        }
        "return_misrouted" => Some(Action::ReturnMisrouted {
            reason: f.text("reason"),
        }),
        "reassign" => {
            let lead = f.unit("lead");
            let co_units = f.units("co_units");
            let reason = f.text("reason");
            lead.map(|lead| Action::Reassign {
                lead,
                co_units,
                reason,
            })
        }
        "escalate" => Some(Action::Escalate {
            reason: f.text("reason"),
        }),
        "receive_instruction" => {
            let instruction = f.text("instruction");
            let lead = f.unit("lead");
            let co_units = f.units("co_units");
            lead.map(|lead| Action::ReceiveInstruction {
                instruction,
                lead,
                co_units,
            })
        }
        "close_on_instruction" => Some(Action::CloseOnInstruction {
            instruction: f.text("instruction"),
        }),
        "request_extension" => Some(Action::RequestExtension {
            working_days: f.number("working_days", 60),
            reason: f.text("reason"),
        }),
        "approve_extension" => Some(Action::ApproveExtension {
            approver: f.text("approver"),
            working_days: f.number("working_days", 60),
        }),
        "refuse_extension" => Some(Action::RefuseExtension {
            approver: f.text("approver"),
            reason: f.text("reason"),
        }),
        "co_unit_input" => Some(Action::CoUnitInput {
            text: f.text("text"),
        }),
        "refer_misconduct_clue" => Some(Action::ReferMisconductClue {
            note: f.text("note"),
        }),
        "urge" => Some(Action::Urge {
            note: f.text("note"),
        }),
        "draft_reply" => Some(Action::DraftReply {
            text: f.text("text"),
        }),
        "leader_review" => Some(Action::LeaderReview {
            leader: f.text("leader"),
            approved: f.flag("approved"),
            note: object
                .get("note")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        "qc_pass" => Some(Action::QcPass),
        "qc_fail" => Some(Action::QcFail {
            reasons: f.text("reasons"),
        }),
        "follow_up" => {
            let result = object
                .get("result")
                .and_then(Value::as_str)
                .and_then(|r| r.parse::<Satisfaction>().ok());
            if result.is_none() {
                f.error(
                    "result",
                    "unknown_value",
                    format!("must be one of: {}", Satisfaction::ALL.join(", ")),
                );
            }
            let note = object
                .get("note")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            result.map(|result| Action::FollowUp { result, note })
        }
        "request_review" => Some(Action::RequestReview {
            reason: f.text("reason"),
        }),
        "uphold_review" => Some(Action::UpholdReview {
            note: f.text("note"),
        }),
        "return_on_review" => Some(Action::ReturnOnReview {
            reason: f.text("reason"),
        }),
        "" => None,
        _ => {
            f.error(
                "action",
                "unknown_value",
                format!("must be one of: {}", ACTIONS.join(", ")),
            );
            None
        }
    };
    match action {
        Some(a) if f.errors.is_empty() => Ok(a),
        _ => Err(f.errors),
    }
}

/// What the case's deadline rules and calendar are, for the side effects.
pub struct Rules<'a> {
    pub calendar: &'a Calendar,
    pub deadlines: &'a DeadlineRules,
}

fn named_units(action: &Action) -> Vec<&UnitId> {
    match action {
        Action::Route { lead, co_units } | Action::Reassign { lead, co_units, .. } => {
            std::iter::once(lead).chain(co_units).collect()
        }
        Action::ReceiveInstruction { lead, co_units, .. } => {
            std::iter::once(lead).chain(co_units).collect()
        }
        _ => Vec::new(),
    }
}

fn running_finish(
    db: &impl Db,
    case: CaseId,
) -> Result<Option<crate::deadlines::Deadline>, ActionError> {
    let rows = db.execute(
        "SELECT working_days, due_date, due_at, verified FROM case_deadlines
         WHERE case_id = ? AND milestone = 'finish' AND active = 1 ORDER BY id DESC LIMIT 1",
        &[case.get().into()],
    )?;
    let Some(row) = rows.row(0) else {
        return Ok(None);
    };
    let bad = |w: &str| ActionError::Corrupt(format!("{w} of a deadline of case {case}"));
    Ok(Some(crate::deadlines::Deadline {
        milestone: Milestone::Finish,
        working_days: u32::try_from(row.integer("working_days")?)
            .map_err(|_| bad("working_days"))?,
        due_date: row.text("due_date")?.parse().map_err(|_| bad("due_date"))?,
        due_at: DateTime::parse_from_rfc3339(row.text("due_at")?).map_err(|_| bad("due_at"))?,
        verified: row.integer("verified")? != 0,
    }))
}

/// Applies `action` by `actor` to a case read at `expected_version`, with
/// its deadline consequences, in one transaction; returns the transition
/// and the new version.
pub fn apply(
    db: &impl Db,
    case: CaseId,
    expected_version: i64,
    action: Action,
    actor: &Actor,
    rules: &Rules<'_>,
    at: DateTime<FixedOffset>,
) -> Result<(Transition, i64), ActionError> {
    for unit in named_units(&action) {
        if !store::unit_exists(db, unit)? {
            return Err(ActionError::UnknownUnit(unit.to_string()));
        }
    }
    let current = store::load_lifecycle(db, case)?;
    if current.version != expected_version {
        return Err(StoreError::Stale {
            case,
            expected: expected_version,
            actual: current.version,
        }
        .into());
    }
    let t = transition(&current.lifecycle, action, actor)?;
    let now = at.with_timezone(&Utc);
    let version = db.transaction(|db| -> Result<i64, ActionError> {
        let version = store::apply(db, case, expected_version, &t, actor, at)?;
        for event in &t.events {
            match event {
                Event::Routed { co_units, .. } | Event::Reassigned { co_units, .. } => {
                    let (mut facts, received) = store::case_facts(db, case)?;
                    // Co-units make a hotline case joint handling (协办).
                    let transfer = matches!(
                        facts.mode,
                        None | Some(crate::intake::HotlineMode::Transfer)
                    );
                    if !co_units.is_empty() && transfer {
                        facts.mode = Some(crate::intake::HotlineMode::Joint);
                    }
                    store::end_running_deadlines(db, case, false, at)?;
                    let (_, deadlines) =
                        schedule(rules.calendar, rules.deadlines, &facts, received)?;
                    store::set_deadlines(db, case, &deadlines, "routed", at)?;
                }
                Event::ExtensionApproved { working_days, .. } => {
                    if let Some(current) = running_finish(db, case)? {
                        let moved = extend(rules.calendar, &current, *working_days)?;
                        store::set_deadlines(db, case, &[moved], "extension", at)?;
                    }
                }
                Event::QcFailed { .. } => {
                    let redo = deadline(
                        rules.calendar,
                        Milestone::Finish,
                        now,
                        rules.deadlines.qc_redo_days,
                    )?;
                    store::set_deadlines(db, case, &[redo], "qc_failed", at)?;
                }
                Event::ReviewReturned { .. } => {
                    let redo = deadline(
                        rules.calendar,
                        Milestone::Finish,
                        now,
                        rules.deadlines.review_redo_days,
                    )?;
                    store::set_deadlines(db, case, &[redo], "review_returned", at)?;
                }
                Event::ReplyDrafted { .. } => {
                    store::mark_met(db, case, Milestone::Investigate, at)?
                }
                Event::Closed => store::end_running_deadlines(db, case, true, at)?,
                _ => {}
            }
        }
        Ok(version)
    })?;
    Ok((t, version))
}

#[cfg(test)]
#[path = "actions_tests.rs"]
mod tests;
