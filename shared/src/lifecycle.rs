//! The case lifecycle: one state machine. [`transition`] takes a case's
//! lifecycle, an action and who performs it, and returns the new lifecycle
//! and the events to record, or a typed error for an illegal move. Every
//! allowed move cites the article of the measures that allows it.
//!
//! Paths (MISSION.md):
//! - screening (Art. 5): received → accepted | rejected (category 1–4);
//!   the bureau overrides either way, with a reason;
//! - dispatch (Art. 3, 6): accepted → handling by a lead unit (and co-units);
//!   the unit returns a misrouted case, the bureau reassigns;
//! - hotline modes (Art. 6(二).1): immediate answer and direct transfer
//!   close at once; escalation waits for the city government's instruction;
//! - handling: extension request → approved / refused; co-unit inputs;
//!   misconduct clues referred out; urge notices;
//! - reply (Art. 6(一).2): draft → leader review → QC pass (released,
//!   closed) or QC fail (back to the same lead, a new round; earlier rounds
//!   stay on record as events);
//! - after closing (Art. 6(二).3): follow-up results; review request →
//!   upheld (closed again) or returned (reopened, a new round).

use serde::Serialize;
use thiserror::Error;

use crate::units::UnitId;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In, not yet screened.
    Received,
    /// Not accepted (Art. 5); kept, never deleted.
    Rejected,
    /// Accepted, waiting to be sent to a unit (the bureau's triage queue).
    Accepted,
    /// Reported to the city government (呈办), waiting for its instruction.
    Escalated,
    /// With its lead unit.
    Handling,
    /// A reply is drafted and waits for the unit leader's review.
    ReplyDrafted,
    /// The leader approved the reply; it waits for the bureau's QC.
    AwaitingQc,
    /// Closed (办结): the reply was released, or answered at once.
    Closed,
    /// The submitter asked for a review (复查、复核) of a closed case.
    UnderReview,
}

text_enum!(Status {
    Received = "received",
    Rejected = "rejected",
    Accepted = "accepted",
    Escalated = "escalated",
    Handling = "handling",
    ReplyDrafted = "reply_drafted",
    AwaitingQc = "awaiting_qc",
    Closed = "closed",
    UnderReview = "under_review",
});

/// Roles (Art. 4, 8). Citizens act through the bureau's desk or an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Bureau,
    Unit,
    Agent,
    Supervisor,
}

text_enum!(Role {
    Bureau = "bureau",
    Unit = "unit",
    Agent = "agent",
    Supervisor = "supervisor",
});

/// Who performs an action: a role, and for unit staff their unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub role: Role,
    pub unit: Option<UnitId>,
}

impl Actor {
    pub fn bureau() -> Self {
        Self {
            role: Role::Bureau,
            unit: None,
        }
    }

    pub fn agent() -> Self {
        Self {
            role: Role::Agent,
            unit: None,
        }
    }

    pub fn unit(id: UnitId) -> Self {
        Self {
            role: Role::Unit,
            unit: Some(id),
        }
    }
}

/// Why a case is not accepted (Art. 5), by the article's four categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCategory {
    /// (一) endangering national security, ethnic unity, public order ...
    Endangering = 1,
    /// (二) no concrete content, unclear demand, pestering, insults, duplicates.
    Unfounded = 2,
    /// (三) petitions, discipline inspection, reconsideration, litigation.
    OtherChannel = 3,
    /// (四) other violations of law.
    Unlawful = 4,
}

impl RejectCategory {
    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the submitter is told (Art. 5's words).
    pub fn description(self) -> &'static str {
        match self {
            Self::Endangering => {
                "危害国家安全、民族团结，煽动非法集会、扰乱社会秩序或宣扬封建迷信的（第五条第一项）"
            }
            Self::Unfounded => {
                "无具体内容、诉求不明确，无理纠缠、辱骂，或重复投诉的（第五条第二项）"
            }
            Self::OtherChannel => {
                "属于信访、纪检监察、行政复议、涉法涉诉事项，不属于政务服务范围的（第五条第三项）"
            }
            Self::Unlawful => "其他违反法律法规的（第五条第四项）",
        }
    }

    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(Self::Endangering),
            2 => Some(Self::Unfounded),
            3 => Some(Self::OtherChannel),
            4 => Some(Self::Unlawful),
            _ => None,
        }
    }
}

/// A follow-up call's result (Art. 6(一).3, 6(二).3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Dissatisfied,
    Unreachable,
}

text_enum!(Satisfaction {
    Satisfied = "satisfied",
    BasicallySatisfied = "basically_satisfied",
    Dissatisfied = "dissatisfied",
    Unreachable = "unreachable",
});

/// The lifecycle part of a case: its status and what the moves depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub status: Status,
    pub rejection: Option<RejectCategory>,
    pub lead: Option<UnitId>,
    pub co_units: Vec<UnitId>,
    /// The reply round: 1 when first routed, +1 after each QC failure or
    /// review return.
    pub round: u32,
    pub extension_pending: bool,
    /// Whether the case has been routed before (a second routing is a
    /// reassignment).
    pub routed_before: bool,
}

impl Lifecycle {
    /// A case just taken in.
    pub fn received() -> Self {
        Self {
            status: Status::Received,
            rejection: None,
            lead: None,
            co_units: Vec::new(),
            round: 0,
            extension_pending: false,
            routed_before: false,
        }
    }
}

/// What someone does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept {
        rule: String,
    },
    Reject {
        category: RejectCategory,
        rule: String,
        referral: Option<String>,
    },
    OverrideToAccept {
        reason: String,
    },
    OverrideToReject {
        category: RejectCategory,
        reason: String,
    },
    Route {
        lead: UnitId,
        co_units: Vec<UnitId>,
    },
    ReturnMisrouted {
        reason: String,
    },
    Reassign {
        lead: UnitId,
        co_units: Vec<UnitId>,
        reason: String,
    },
    AnswerImmediately {
        answer: String,
    },
    TransferDirect {
        unit: UnitId,
        answer: String,
    },
    Escalate {
        reason: String,
    },
    ReceiveInstruction {
        instruction: String,
        lead: UnitId,
        co_units: Vec<UnitId>,
    },
    CloseOnInstruction {
        instruction: String,
    },
    RequestExtension {
        working_days: u32,
        reason: String,
    },
    ApproveExtension {
        approver: String,
        working_days: u32,
    },
    RefuseExtension {
        approver: String,
        reason: String,
    },
    CoUnitInput {
        text: String,
    },
    ReferMisconductClue {
        note: String,
    },
    Urge {
        note: String,
    },
    DraftReply {
        text: String,
    },
    LeaderReview {
        leader: String,
        approved: bool,
        note: String,
    },
    QcPass,
    QcFail {
        reasons: String,
    },
    FollowUp {
        result: Satisfaction,
        note: String,
    },
    RequestReview {
        reason: String,
    },
    UpholdReview {
        note: String,
    },
    ReturnOnReview {
        reason: String,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept { .. } => "accept",
            Action::Reject { .. } => "reject",
            Action::OverrideToAccept { .. } => "override_to_accept",
            Action::OverrideToReject { .. } => "override_to_reject",
            Action::Route { .. } => "route",
            Action::ReturnMisrouted { .. } => "return_misrouted",
            Action::Reassign { .. } => "reassign",
            Action::AnswerImmediately { .. } => "answer_immediately",
            Action::TransferDirect { .. } => "transfer_direct",
            Action::Escalate { .. } => "escalate",
            Action::ReceiveInstruction { .. } => "receive_instruction",
            Action::CloseOnInstruction { .. } => "close_on_instruction",
            Action::RequestExtension { .. } => "request_extension",
            Action::ApproveExtension { .. } => "approve_extension",
            Action::RefuseExtension { .. } => "refuse_extension",
            Action::CoUnitInput { .. } => "co_unit_input",
            Action::ReferMisconductClue { .. } => "refer_misconduct_clue",
            Action::Urge { .. } => "urge",
            Action::DraftReply { .. } => "draft_reply",
            Action::LeaderReview { .. } => "leader_review",
            Action::QcPass => "qc_pass",
            Action::QcFail { .. } => "qc_fail",
            Action::FollowUp { .. } => "follow_up",
            Action::RequestReview { .. } => "request_review",
            Action::UpholdReview { .. } => "uphold_review",
            Action::ReturnOnReview { .. } => "return_on_review",
        }
    }
}

/// What to record about a move. Deadline changes follow from the events:
/// `Routed`/`Reassigned` set the case's deadlines, `ExtensionApproved` moves
/// the finish deadline, `QcFailed` and `ReviewReturned` set a new one; the
/// earlier deadlines stay on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Accepted {
        rule: String,
    },
    Rejected {
        category: u8,
        rule: String,
        referral: Option<String>,
    },
    Overridden {
        accepted: bool,
        category: Option<u8>,
        reason: String,
    },
    Routed {
        lead: UnitId,
        co_units: Vec<UnitId>,
    },
    ReturnedMisrouted {
        unit: UnitId,
        reason: String,
    },
    Reassigned {
        from: Option<UnitId>,
        lead: UnitId,
        co_units: Vec<UnitId>,
        reason: String,
    },
    AnsweredImmediately {
        answer: String,
    },
    TransferredDirect {
        unit: UnitId,
        answer: String,
    },
    Escalated {
        reason: String,
    },
    InstructionReceived {
        instruction: String,
    },
    ExtensionRequested {
        unit: UnitId,
        working_days: u32,
        reason: String,
    },
    ExtensionApproved {
        approver: String,
        working_days: u32,
    },
    ExtensionRefused {
        approver: String,
        reason: String,
    },
    CoUnitInput {
        unit: UnitId,
        text: String,
    },
    MisconductClueReferred {
        note: String,
    },
    Urged {
        unit: UnitId,
        note: String,
    },
    ReplyDrafted {
        round: u32,
        text: String,
    },
    LeaderReviewed {
        round: u32,
        leader: String,
        approved: bool,
        note: String,
    },
    QcPassed {
        round: u32,
    },
    QcFailed {
        round: u32,
        reasons: String,
    },
    FollowedUp {
        result: Satisfaction,
        note: String,
    },
    ReviewRequested {
        reason: String,
    },
    ReviewUpheld {
        note: String,
    },
    ReviewReturned {
        round: u32,
        reason: String,
    },
    Closed,
}

/// The outcome of a legal move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub lifecycle: Lifecycle,
    pub events: Vec<Event>,
    /// The article of the measures that allows the move.
    pub article: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("{action} is not possible while the case is {status}")]
    WrongStatus {
        action: &'static str,
        status: Status,
    },
    #[error("{action} may not be done by the {role} role")]
    Forbidden { action: &'static str, role: Role },
    #[error("{action} may only be done by the case's lead unit")]
    NotLeadUnit { action: &'static str },
    #[error("only a co-unit of this case can add co-unit input")]
    NotCoUnit,
    #[error("an extension request is already waiting for a decision")]
    ExtensionPending,
    #[error("there is no extension request to decide")]
    NoExtensionPending,
    #[error("the lead unit cannot also be a co-unit, and co-units must differ")]
    BadCoUnits,
    #[error("the case has no unit to return it to")]
    NoUnit,
    #[error("an extension must add at least one working day")]
    EmptyExtension,
}

fn require_role(action: &Action, actor: &Actor, roles: &[Role]) -> Result<(), TransitionError> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        Err(TransitionError::Forbidden {
            action: action.name(),
            role: actor.role,
        })
    }
}

fn require_lead(action: &Action, lc: &Lifecycle, actor: &Actor) -> Result<UnitId, TransitionError> {
    require_role(action, actor, &[Role::Unit])?;
    match (&lc.lead, &actor.unit) {
        (Some(lead), Some(unit)) if lead == unit => Ok(lead.clone()),
        _ => Err(TransitionError::NotLeadUnit {
            action: action.name(),
        }),
    }
}

fn check_units(lead: &UnitId, co_units: &[UnitId]) -> Result<(), TransitionError> {
    let mut seen = vec![lead];
    for u in co_units {
        if seen.contains(&u) {
            return Err(TransitionError::BadCoUnits);
        }
        seen.push(u);
    }
    Ok(())
}

/// The one transition function.
pub fn transition(
    lc: &Lifecycle,
    action: Action,
    actor: &Actor,
) -> Result<Transition, TransitionError> {
    use Status::*;
    let wrong = || TransitionError::WrongStatus {
        action: action.name(),
        status: lc.status,
    };
    let mut next = lc.clone();
    let (events, article): (Vec<Event>, &'static str) = match (&action, lc.status) {
        (Action::Accept { rule }, Received) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Accepted;
            (vec![Event::Accepted { rule: rule.clone() }], "Art. 5")
        }
        (
            Action::Reject {
                category,
                rule,
                referral,
            },
            Received,
        ) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Rejected;
            next.rejection = Some(*category);
            let event = Event::Rejected {
                category: category.number(),
                rule: rule.clone(),
                referral: referral.clone(),
            };
            (vec![event], "Art. 5")
        }
        (Action::OverrideToAccept { reason }, Rejected) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Accepted;
            next.rejection = None;
            let event = Event::Overridden {
                accepted: true,
                category: None,
                reason: reason.clone(),
            };
            (vec![event], "Art. 4, Art. 5")
        }
        (Action::OverrideToReject { category, reason }, Accepted) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Rejected;
            next.rejection = Some(*category);
            let event = Event::Overridden {
                accepted: false,
                category: Some(category.number()),
                reason: reason.clone(),
            };
            (vec![event], "Art. 4, Art. 5")
        }
        (Action::Route { lead, co_units }, Accepted) => {
            require_role(&action, actor, &[Role::Bureau])?;
            check_units(lead, co_units)?;
            let event = if lc.routed_before {
                Event::Reassigned {
                    from: lc.lead.clone(),
                    lead: lead.clone(),
                    co_units: co_units.clone(),
                    reason: "returned as misrouted".into(),
                }
            } else {
                Event::Routed {
                    lead: lead.clone(),
                    co_units: co_units.clone(),
                }
            };
            next.status = Handling;
            next.lead = Some(lead.clone());
            next.co_units = co_units.clone();
            next.round = lc.round.max(1);
            next.routed_before = true;
            (vec![event], "Art. 3, Art. 6")
        }
        (Action::ReturnMisrouted { reason }, Handling) => {
            let unit = require_lead(&action, lc, actor)?;
            next.status = Accepted;
            next.extension_pending = false;
            // The returning unit is no longer this case's unit: it may not
            // read it any more (the event keeps who returned it).
            next.lead = None;
            next.co_units = Vec::new();
            (
                vec![Event::ReturnedMisrouted {
                    unit,
                    reason: reason.clone(),
                }],
                "Art. 6",
            )
        }
        (
            Action::Reassign {
                lead,
                co_units,
                reason,
            },
            Handling,
        ) => {
            require_role(&action, actor, &[Role::Bureau])?;
            check_units(lead, co_units)?;
            let event = Event::Reassigned {
                from: lc.lead.clone(),
                lead: lead.clone(),
                co_units: co_units.clone(),
                reason: reason.clone(),
            };
            next.lead = Some(lead.clone());
            next.co_units = co_units.clone();
            next.extension_pending = false;
            (vec![event], "Art. 4, Art. 6")
        }
        (Action::AnswerImmediately { answer }, Received | Accepted) => {
            require_role(&action, actor, &[Role::Agent])?;
            next.status = Closed;
            let events = vec![
                Event::AnsweredImmediately {
                    answer: answer.clone(),
                },
                Event::Closed,
            ];
            (events, "Art. 3, Art. 6(二).1(1), Art. 6(三)")
        }
        (Action::TransferDirect { unit, answer }, Received | Accepted) => {
            require_role(&action, actor, &[Role::Agent])?;
            next.status = Closed;
            next.lead = Some(unit.clone());
            next.routed_before = true;
            let events = vec![
                Event::TransferredDirect {
                    unit: unit.clone(),
                    answer: answer.clone(),
                },
                Event::Closed,
            ];
            (events, "Art. 6(二).1(2)")
        }
        (Action::Escalate { reason }, Accepted) => {
            require_role(&action, actor, &[Role::Bureau, Role::Agent])?;
            next.status = Escalated;
            (
                vec![Event::Escalated {
                    reason: reason.clone(),
                }],
                "Art. 6(二).1(5)",
            )
        }
        (
            Action::ReceiveInstruction {
                instruction,
                lead,
                co_units,
            },
            Escalated,
        ) => {
            require_role(&action, actor, &[Role::Bureau])?;
            check_units(lead, co_units)?;
            next.status = Handling;
            next.lead = Some(lead.clone());
            next.co_units = co_units.clone();
            next.round = lc.round.max(1);
            next.routed_before = true;
            let events = vec![
                Event::InstructionReceived {
                    instruction: instruction.clone(),
                },
                Event::Routed {
                    lead: lead.clone(),
                    co_units: co_units.clone(),
                },
            ];
            (events, "Art. 6(二).1(5)")
        }
        (Action::CloseOnInstruction { instruction }, Escalated) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Closed;
            let events = vec![
                Event::InstructionReceived {
                    instruction: instruction.clone(),
                },
                Event::Closed,
            ];
            (events, "Art. 6(二).1(5)")
        }
        (
            Action::RequestExtension {
                working_days,
                reason,
            },
            Handling,
        ) => {
            let unit = require_lead(&action, lc, actor)?;
            if lc.extension_pending {
                return Err(TransitionError::ExtensionPending);
            }
            if *working_days == 0 {
                return Err(TransitionError::EmptyExtension);
            }
            next.extension_pending = true;
            let event = Event::ExtensionRequested {
                unit,
                working_days: *working_days,
                reason: reason.clone(),
            };
            (vec![event], "Art. 6(二).1(4)")
        }
        (
            Action::ApproveExtension {
                approver,
                working_days,
            },
            Handling,
        ) => {
            require_role(&action, actor, &[Role::Bureau])?;
            if !lc.extension_pending {
                return Err(TransitionError::NoExtensionPending);
            }
            if *working_days == 0 {
                return Err(TransitionError::EmptyExtension);
            }
            next.extension_pending = false;
            let event = Event::ExtensionApproved {
                approver: approver.clone(),
                working_days: *working_days,
            };
            (vec![event], "Art. 6(二).1(4)")
        }
        (Action::RefuseExtension { approver, reason }, Handling) => {
            require_role(&action, actor, &[Role::Bureau])?;
            if !lc.extension_pending {
                return Err(TransitionError::NoExtensionPending);
            }
            next.extension_pending = false;
            let event = Event::ExtensionRefused {
                approver: approver.clone(),
                reason: reason.clone(),
            };
            (vec![event], "Art. 6(二).1(4)")
        }
        (Action::CoUnitInput { text }, Handling | ReplyDrafted) => {
            require_role(&action, actor, &[Role::Unit])?;
            let unit = actor
                .unit
                .clone()
                .filter(|u| lc.co_units.contains(u))
                .ok_or(TransitionError::NotCoUnit)?;
            (
                vec![Event::CoUnitInput {
                    unit,
                    text: text.clone(),
                }],
                "Art. 6(二).1(4)",
            )
        }
        (Action::ReferMisconductClue { note }, Handling | ReplyDrafted | AwaitingQc) => {
            require_role(&action, actor, &[Role::Bureau, Role::Unit])?;
            if actor.role == Role::Unit {
                require_lead(&action, lc, actor)?;
            }
            (
                vec![Event::MisconductClueReferred { note: note.clone() }],
                "Art. 6(二).1(3)",
            )
        }
        (Action::Urge { note }, Handling | ReplyDrafted) => {
            require_role(&action, actor, &[Role::Bureau])?;
            let unit = lc.lead.clone().ok_or(TransitionError::NoUnit)?;
            (
                vec![Event::Urged {
                    unit,
                    note: note.clone(),
                }],
                "Art. 6(二).1(6)",
            )
        }
        (Action::DraftReply { text }, Handling) => {
            require_lead(&action, lc, actor)?;
            next.status = ReplyDrafted;
            let event = Event::ReplyDrafted {
                round: lc.round,
                text: text.clone(),
            };
            (vec![event], "Art. 6(一).2")
        }
        (
            Action::LeaderReview {
                leader,
                approved,
                note,
            },
            ReplyDrafted,
        ) => {
            require_lead(&action, lc, actor)?;
            next.status = if *approved { AwaitingQc } else { Handling };
            let event = Event::LeaderReviewed {
                round: lc.round,
                leader: leader.clone(),
                approved: *approved,
                note: note.clone(),
            };
            (vec![event], "Art. 6(一).2")
        }
        (Action::QcPass, AwaitingQc) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Closed;
            next.extension_pending = false;
            (
                vec![Event::QcPassed { round: lc.round }, Event::Closed],
                "Art. 6(一).2",
            )
        }
        (Action::QcFail { reasons }, AwaitingQc) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Handling;
            next.round = lc.round + 1;
            let event = Event::QcFailed {
                round: lc.round,
                reasons: reasons.clone(),
            };
            (vec![event], "Art. 6(一).2")
        }
        (Action::FollowUp { result, note }, Closed) => {
            require_role(&action, actor, &[Role::Bureau])?;
            let event = Event::FollowedUp {
                result: *result,
                note: note.clone(),
            };
            (vec![event], "Art. 6(一).3, Art. 6(二).3")
        }
        (Action::RequestReview { reason }, Closed) => {
            require_role(&action, actor, &[Role::Bureau, Role::Agent])?;
            next.status = UnderReview;
            (
                vec![Event::ReviewRequested {
                    reason: reason.clone(),
                }],
                "Art. 6(二).3",
            )
        }
        (Action::UpholdReview { note }, UnderReview) => {
            require_role(&action, actor, &[Role::Bureau])?;
            next.status = Closed;
            (
                vec![Event::ReviewUpheld { note: note.clone() }, Event::Closed],
                "Art. 6(二).3",
            )
        }
        (Action::ReturnOnReview { reason }, UnderReview) => {
            require_role(&action, actor, &[Role::Bureau])?;
            if lc.lead.is_none() {
                return Err(TransitionError::NoUnit);
            }
            next.status = Handling;
            next.round = lc.round.max(1) + 1;
            let event = Event::ReviewReturned {
                round: next.round,
                reason: reason.clone(),
            };
            (vec![event], "Art. 6(二).3")
        }
        _ => return Err(wrong()),
    };
    Ok(Transition {
        lifecycle: next,
        events,
        article,
    })
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
