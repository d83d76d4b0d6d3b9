//! The case lifecycle: one state machine. [`transition`] takes a case's
//! lifecycle, an action and who performs it, and returns the new lifecycle
//! and the events to record, or a typed error for an illegal move. Every
//! allowed move cites the article of the measures that allows it.
//!
//! Paths (docs/rules.md gives the article of each):
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

use crate::base::ids::UnitId;
use crate::case::words::{Role, Status};

mod action;
mod article;
pub mod history;
pub mod moves;

pub use action::{
    parse, reply_requirements, Action, ActionKind, ExtensionDays, MAX_EXTENSION_DAYS,
};
pub use article::{Article, Citation};
use moves::{move_of, Guard, Next};

/// Who performs an action: a role, and for unit staff their unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Their role.
    pub role: Role,
    /// Their unit, for unit staff.
    pub unit: Option<UnitId>,
    /// Who they are: the token's subject, or the stage acting for the
    /// bureau (`stage:screening`), recorded with every event.
    pub subject: String,
    /// Whether they are their unit's leader (the token's `leader` claim):
    /// only a leader reviews a draft.
    pub leader: bool,
}

impl From<&crate::access::Principal> for Actor {
    fn from(p: &crate::access::Principal) -> Self {
        Self {
            role: p.role,
            unit: p.unit.clone(),
            subject: p.subject.clone(),
            leader: p.leader,
        }
    }
}

impl Actor {
    fn new(role: Role, unit: Option<UnitId>, subject: &str) -> Self {
        Self {
            role,
            unit,
            subject: subject.to_string(),
            leader: false,
        }
    }

    /// The bureau's staff.
    pub fn bureau() -> Self {
        Self::new(Role::Bureau, None, "bureau")
    }

    /// A pipeline stage acting for the bureau (`screening`, `dispatch`).
    pub fn stage(name: &str) -> Self {
        Self::new(Role::Bureau, None, &format!("stage:{name}"))
    }

    /// A hotline or hall agent.
    pub fn agent() -> Self {
        Self::new(Role::Agent, None, "agent")
    }

    /// The submitter of a case, acting by its tracking code (recorded
    /// without personal data).
    pub fn citizen() -> Self {
        Self::new(Role::Citizen, None, "citizen")
    }

    /// Staff of the unit `id`.
    pub fn unit(id: UnitId) -> Self {
        let subject = format!("staff of {id}");
        Self::new(Role::Unit, Some(id), &subject)
    }

    /// The leader of the unit `id` (who reviews its drafts).
    pub fn unit_leader(id: UnitId) -> Self {
        let subject = format!("leader of {id}");
        Self {
            leader: true,
            ..Self::new(Role::Unit, Some(id), &subject)
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
    /// The category's number in Art. 5 (1 to 4).
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

    /// The category numbered `n` in Art. 5.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// 满意.
    Satisfied,
    /// 基本满意.
    BasicallySatisfied,
    /// 不满意.
    Dissatisfied,
    /// The submitter could not be reached.
    Unreachable,
}

text_enum!(Satisfaction {
    Satisfied = "satisfied",
    BasicallySatisfied = "basically_satisfied",
    Dissatisfied = "dissatisfied",
    Unreachable = "unreachable",
});

/// Whether a suggestion made at the service hall is taken up (Art. 6(三)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adoption {
    /// 采纳.
    Adopted,
    /// 部分采纳.
    PartlyAdopted,
    /// 不予采纳.
    NotAdopted,
}

text_enum!(Adoption {
    Adopted = "adopted",
    PartlyAdopted = "partly_adopted",
    NotAdopted = "not_adopted",
});

/// The lifecycle part of a case: its status and what the moves depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// Where the case stands.
    pub status: Status,
    /// Why it was not accepted, while it is rejected; while it waits in
    /// screening, the category proposed.
    pub rejection: Option<RejectCategory>,
    /// The unit handling it (牵头单位).
    pub lead: Option<UnitId>,
    /// The units handling it jointly (协办单位).
    pub co_units: Vec<UnitId>,
    /// The reply round: 1 when first routed, +1 after each QC failure or
    /// review return.
    pub round: u32,
    /// Whether an extension request waits for a decision.
    pub extension_pending: bool,
    /// Whether the case has been routed before (a second routing is a
    /// reassignment).
    pub routed_before: bool,
    /// Whether the lead unit marked the case complex (the longer time limit
    /// applies, Art. 6(一).1).
    pub complex: bool,
    /// Whether a misconduct clue went out and its receipt is not yet on
    /// record.
    pub clue_pending: bool,
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
            complex: false,
            clue_pending: false,
        }
    }
}

/// What to record about a move. Deadline changes follow from the events:
/// `Routed`/`Reassigned` set the case's deadlines, `ExtensionApproved` moves
/// the finish deadline, `QcFailed` and `ReviewReturned` set a new one; the
/// earlier deadlines stay on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Screening accepted the case.
    Accepted {
        /// The rule that decided.
        rule: String,
        /// What screening noticed for the handler (no clear demand; on an
        /// agent's channel, its advice).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flags: Vec<String>,
    },
    /// Screening proposed not to accept the case: a person decides.
    RejectionProposed {
        /// Art. 5's category (1 to 4).
        category: u8,
        /// The rule that fired.
        rule: String,
        /// The pattern that matched.
        matched: Option<String>,
        /// The sentence it matched in.
        context: Option<String>,
        /// Where to go instead (category 3).
        referral: Option<String>,
    },
    /// The bureau confirmed screening's proposal: not accepted.
    RejectionConfirmed {
        /// Art. 5's category (1 to 4).
        category: u8,
        /// Why, on record.
        reason: String,
    },
    /// Screening did not accept the case.
    Rejected {
        /// Art. 5's category (1 to 4).
        category: u8,
        /// The rule that fired.
        rule: String,
        /// Where to go instead (category 3).
        referral: Option<String>,
    },
    /// The bureau overrode screening.
    Overridden {
        /// Whether the case is now accepted.
        accepted: bool,
        /// Art. 5's category, when now rejected.
        category: Option<u8>,
        /// Why.
        reason: String,
        /// Whether it overrode a proposal (the case goes on to routing)
        /// rather than a decision.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        proposal: bool,
    },
    /// The case went to its lead unit (and co-units).
    Routed {
        /// The handling unit.
        lead: UnitId,
        /// The co-units.
        co_units: Vec<UnitId>,
    },
    /// The lead unit returned the case as not theirs.
    ReturnedMisrouted {
        /// The unit that returned it.
        unit: UnitId,
        /// Why.
        reason: String,
    },
    /// The lead unit signed for the case (签收).
    AssignmentAccepted {
        /// The unit.
        unit: UnitId,
        /// Its note.
        #[serde(default)]
        note: String,
    },
    /// The case went to another unit.
    Reassigned {
        /// The unit it had.
        from: Option<UnitId>,
        /// The new handling unit.
        lead: UnitId,
        /// The new co-units.
        co_units: Vec<UnitId>,
        /// Why.
        reason: String,
    },
    /// The agent answered at once (即办).
    AnsweredImmediately {
        /// The answer given.
        answer: String,
    },
    /// The unit answered on a three-way call (直办).
    TransferredDirect {
        /// The unit on the call.
        unit: UnitId,
        /// Its answer.
        answer: String,
    },
    /// Reported to the city government (呈办).
    Escalated {
        /// Why.
        reason: String,
    },
    /// The city government's instruction came.
    InstructionReceived {
        /// The instruction.
        instruction: String,
    },
    /// The lead unit asked for more time.
    ExtensionRequested {
        /// The unit asking.
        unit: UnitId,
        /// How many more working days.
        working_days: u32,
        /// Why.
        reason: String,
    },
    /// More time was granted.
    ExtensionApproved {
        /// Who entered the approval (the token's subject).
        approver: String,
        /// For joint handling, the city leader who approved, as the bureau
        /// entered the name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        city_leader: Option<String>,
        /// How many more working days.
        working_days: u32,
    },
    /// More time was refused.
    ExtensionRefused {
        /// Who refused (the token's subject).
        approver: String,
        /// Why.
        reason: String,
    },
    /// A co-unit recorded its input.
    CoUnitInput {
        /// The co-unit.
        unit: UnitId,
        /// Its input.
        text: String,
    },
    /// A misconduct clue went to the discipline commission.
    MisconductClueReferred {
        /// What was referred.
        note: String,
        /// Where it went.
        #[serde(default)]
        destination: String,
    },
    /// The body the clue went to acknowledged its receipt.
    ClueAcknowledged {
        /// The acknowledgement, as received.
        note: String,
    },
    /// The lead unit reached the submitter (the contact milestone is met).
    SubmitterContacted {
        /// How and what was said.
        note: String,
    },
    /// The lead unit marked the case complex: the longer time limit applies.
    MarkedComplex {
        /// Why it is complex.
        reason: String,
    },
    /// The lead unit was urged (催办).
    Urged {
        /// The unit urged.
        unit: UnitId,
        /// The notice's text.
        note: String,
    },
    /// The lead unit explained why the case is late (a late hall case's
    /// explanation record, Art. 6(三)).
    DelayExplained {
        /// The unit.
        unit: UnitId,
        /// The explanation.
        explanation: String,
    },
    /// The lead unit drafted its reply.
    ReplyDrafted {
        /// The reply round.
        round: u32,
        /// The reply.
        text: String,
        /// For a suggestion: whether it is taken up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        adoption: Option<Adoption>,
        /// Why not, or not wholly.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        adoption_reason: Option<String>,
        /// Whether the reply is issued in writing.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        written_reply: bool,
    },
    /// The unit's leader reviewed the draft.
    LeaderReviewed {
        /// The reply round.
        round: u32,
        /// The reviewing leader (the token's subject).
        leader: String,
        /// Whether it went on to QC.
        approved: bool,
        /// The leader's note.
        note: String,
    },
    /// The quality check passed the reply.
    QcPassed {
        /// The reply round.
        round: u32,
    },
    /// The quality check failed the reply.
    QcFailed {
        /// The reply round that failed.
        round: u32,
        /// What must be redone.
        reasons: String,
    },
    /// A follow-up call's result was recorded.
    FollowedUp {
        /// How satisfied the submitter is.
        result: Satisfaction,
        /// Notes of the call.
        note: String,
    },
    /// The submitter asked for a review.
    ReviewRequested {
        /// Why.
        reason: String,
    },
    /// The review upheld the handling.
    ReviewUpheld {
        /// The decision's note.
        note: String,
    },
    /// The review returned the case to its unit.
    ReviewReturned {
        /// The new reply round.
        round: u32,
        /// What was handled wrongly.
        reason: String,
    },
    /// The same submitter repeated this open case; the repeat was merged
    /// into it (并单, recorded on the original).
    RepeatMerged {
        /// The repeat's internal number.
        repeat: i64,
        /// The repeat's tracking code.
        tracking_code: String,
    },
    /// The case closed (办结).
    Closed,
}

/// The outcome of a legal move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The action that made the move.
    pub action: ActionKind,
    /// The case's lifecycle after the move.
    pub lifecycle: Lifecycle,
    /// What to record, in order.
    pub events: Vec<Event>,
    /// The articles of the measures that allow the move.
    pub article: Citation,
    /// Whether the move changed the co-units (only then are they rewritten).
    pub co_units_changed: bool,
    /// Whether the case goes on to routing at once: a proposal not to
    /// accept that the bureau overrode continues as if screening had
    /// accepted it (Art. 5); a case accepted against screening's own
    /// decision waits in the triage queue for the bureau to route it.
    pub to_routing: bool,
}

/// Why a move is not possible.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// The action cannot start from the case's status.
    #[error("{action} is not possible while the case is {status}")]
    WrongStatus {
        /// The action's name.
        action: &'static str,
        /// Where the case stands.
        status: Status,
    },
    /// The actor's role may not perform the action.
    #[error("{action} may not be done by the {role} role")]
    Forbidden {
        /// The action's name.
        action: &'static str,
        /// The actor's role.
        role: Role,
    },
    /// Only the lead unit may do this.
    #[error("{action} may only be done by the case's lead unit")]
    NotLeadUnit {
        /// The action's name.
        action: &'static str,
    },
    /// Only a co-unit may do this.
    #[error("only a co-unit of this case can add co-unit input")]
    NotCoUnit,
    /// An extension request already waits.
    #[error("an extension request is already waiting for a decision")]
    ExtensionPending,
    /// No extension request waits.
    #[error("there is no extension request to decide")]
    NoExtensionPending,
    /// The units named do not make a valid assignment.
    #[error("the lead unit cannot also be a co-unit, and co-units must differ")]
    BadCoUnits,
    /// The case has no unit.
    #[error("the case has no unit to return it to")]
    NoUnit,
    /// Only the lead unit's leader (a token with the `leader` claim) may
    /// review its draft.
    #[error("only the lead unit's leader may review a draft (a token with the leader claim)")]
    NotLeader,
    /// An extension of joint handling needs the city leader's approval,
    /// by name.
    #[error("an extension of joint handling records the approving city leader: give city_leader")]
    CityLeaderRequired,
    /// The case is already marked complex.
    #[error("the case is already marked complex")]
    AlreadyComplex,
    /// Screening proposed no rejection to confirm.
    #[error("screening proposed no rejection to confirm")]
    NoProposal,
    /// No misconduct clue waits for its receipt.
    #[error("no misconduct clue of this case waits for its receipt")]
    NoCluePending,
}

/// Whether `actor` is one of the row's performers; otherwise why not.
fn check_performer(m: &moves::Move, lc: &Lifecycle, actor: &Actor) -> Result<(), TransitionError> {
    let action = m.action.as_str();
    if !m.by.iter().any(|p| p.role() == actor.role) {
        return Err(TransitionError::Forbidden {
            action,
            role: actor.role,
        });
    }
    if m.by.iter().any(|p| p.admits(lc, actor)) {
        Ok(())
    } else if m.by.contains(&moves::Performer::LeadUnitLeader)
        && moves::Performer::LeadUnit.admits(lc, actor)
    {
        Err(TransitionError::NotLeader)
    } else if m.by.iter().any(|p| {
        matches!(
            p,
            moves::Performer::LeadUnit | moves::Performer::LeadUnitLeader
        )
    }) {
        Err(TransitionError::NotLeadUnit { action })
    } else {
        Err(TransitionError::NotCoUnit)
    }
}

fn check_guard(guard: Guard, lc: &Lifecycle) -> Result<(), TransitionError> {
    match guard {
        Guard::None => Ok(()),
        Guard::NoExtensionWaiting if lc.extension_pending => Err(TransitionError::ExtensionPending),
        Guard::ExtensionWaiting if !lc.extension_pending => {
            Err(TransitionError::NoExtensionPending)
        }
        Guard::HasUnit if lc.lead.is_none() => Err(TransitionError::NoUnit),
        Guard::NotComplex if lc.complex => Err(TransitionError::AlreadyComplex),
        Guard::CluePending if !lc.clue_pending => Err(TransitionError::NoCluePending),
        Guard::NoExtensionWaiting
        | Guard::ExtensionWaiting
        | Guard::HasUnit
        | Guard::NotComplex
        | Guard::CluePending => Ok(()),
    }
}

/// Checks the table's conditions for `action` on `lc` by `actor`: status,
/// then performer, then guard.
fn check(
    lc: &Lifecycle,
    action: ActionKind,
    actor: &Actor,
) -> Result<&'static moves::Move, TransitionError> {
    let m = move_of(action);
    if !m.from.contains(&lc.status) {
        return Err(TransitionError::WrongStatus {
            action: action.as_str(),
            status: lc.status,
        });
    }
    check_performer(m, lc, actor)?;
    check_guard(m.guard, lc)?;
    Ok(m)
}

/// The staff actions `actor` may take on a case at `lc` now (those
/// `POST /api/cases/{id}/actions` takes), in table order.
pub fn allowed_actions(lc: &Lifecycle, actor: &Actor) -> Vec<ActionKind> {
    moves::staff_actions()
        .filter(|a| check(lc, *a, actor).is_ok())
        .collect()
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

/// Puts a case with a lead (and co-units) for a first or further round.
fn assign(next: &mut Lifecycle, lead: &UnitId, co_units: &[UnitId]) -> Result<(), TransitionError> {
    check_units(lead, co_units)?;
    next.lead = Some(lead.clone());
    next.co_units = co_units.to_vec();
    next.round = next.round.max(1);
    next.routed_before = true;
    Ok(())
}

/// The one transition function: the table decides whether the move is
/// allowed and where it leads; `effects` records what the action's
/// fields change.
pub fn transition(
    lc: &Lifecycle,
    action: Action,
    actor: &Actor,
) -> Result<Transition, TransitionError> {
    let m = check(lc, action.kind(), actor)?;
    let mut next = lc.clone();
    if let Next::To(status) = m.to {
        next.status = status;
    }
    let mut events = effects(lc, &mut next, action, actor)?;
    if next.status == Status::Closed && lc.status != Status::Closed {
        events.push(Event::Closed);
    }
    debug_assert!(match m.to {
        Next::Stay => next.status == lc.status,
        Next::To(s) => next.status == s,
        Next::OneOf(list) => list.contains(&next.status),
    });
    Ok(Transition {
        action: m.action,
        co_units_changed: next.co_units != lc.co_units,
        to_routing: m.action == ActionKind::OverrideToAccept && lc.status == Status::Screening,
        lifecycle: next,
        events,
        article: m.article,
    })
}

/// What an allowed move changes beyond its status, and the events that
/// record it.
fn effects(
    lc: &Lifecycle,
    next: &mut Lifecycle,
    action: Action,
    actor: &Actor,
) -> Result<Vec<Event>, TransitionError> {
    // Only the lead unit reaches the moves that name "its" unit.
    let own_unit = || actor.unit.clone().ok_or(TransitionError::NoUnit);
    Ok(vec![match action {
        Action::Accept { rule, flags } => Event::Accepted { rule, flags },
        Action::ProposeRejection {
            category,
            rule,
            matched,
            context,
            referral,
        } => {
            next.rejection = Some(category);
            Event::RejectionProposed {
                category: category.number(),
                rule,
                matched,
                context,
                referral,
            }
        }
        Action::ConfirmRejection { reason } => Event::RejectionConfirmed {
            category: lc.rejection.ok_or(TransitionError::NoProposal)?.number(),
            reason,
        },
        Action::Reject {
            category,
            rule,
            referral,
        } => {
            next.rejection = Some(category);
            Event::Rejected {
                category: category.number(),
                rule,
                referral,
            }
        }
        Action::OverrideToAccept { reason } => {
            next.rejection = None;
            Event::Overridden {
                accepted: true,
                category: None,
                reason,
                proposal: lc.status == Status::Screening,
            }
        }
        Action::OverrideToReject { category, reason } => {
            next.rejection = Some(category);
            Event::Overridden {
                accepted: false,
                category: Some(category.number()),
                reason,
                proposal: false,
            }
        }
        Action::Route { lead, co_units } => {
            assign(next, &lead, &co_units)?;
            if lc.routed_before {
                Event::Reassigned {
                    from: lc.lead.clone(),
                    lead,
                    co_units,
                    reason: "returned as misrouted".into(),
                }
            } else {
                Event::Routed { lead, co_units }
            }
        }
        Action::ReturnMisrouted { reason } => {
            // The returning unit is no longer this case's unit: it may not
            // read it any more (the event keeps who returned it).
            next.extension_pending = false;
            next.lead = None;
            next.co_units = Vec::new();
            Event::ReturnedMisrouted {
                unit: own_unit()?,
                reason,
            }
        }
        Action::Reassign {
            lead,
            co_units,
            reason,
        } => {
            assign(next, &lead, &co_units)?;
            next.extension_pending = false;
            Event::Reassigned {
                from: lc.lead.clone(),
                lead,
                co_units,
                reason,
            }
        }
        Action::AnswerImmediately { answer } => Event::AnsweredImmediately { answer },
        Action::TransferDirect { unit, answer } => {
            next.lead = Some(unit.clone());
            next.routed_before = true;
            Event::TransferredDirect { unit, answer }
        }
        Action::Escalate { reason } => Event::Escalated { reason },
        Action::ReceiveInstruction {
            instruction,
            lead,
            co_units,
        } => {
            assign(next, &lead, &co_units)?;
            return Ok(vec![
                Event::InstructionReceived { instruction },
                Event::Routed { lead, co_units },
            ]);
        }
        Action::CloseOnInstruction { instruction } => Event::InstructionReceived { instruction },
        Action::RequestExtension {
            working_days,
            reason,
        } => {
            next.extension_pending = true;
            Event::ExtensionRequested {
                unit: own_unit()?,
                working_days: working_days.get(),
                reason,
            }
        }
        Action::ApproveExtension {
            city_leader,
            working_days,
        } => {
            if !lc.co_units.is_empty() && city_leader.is_none() {
                return Err(TransitionError::CityLeaderRequired);
            }
            next.extension_pending = false;
            Event::ExtensionApproved {
                approver: actor.subject.clone(),
                city_leader,
                working_days: working_days.get(),
            }
        }
        Action::RefuseExtension { reason } => {
            next.extension_pending = false;
            Event::ExtensionRefused {
                approver: actor.subject.clone(),
                reason,
            }
        }
        Action::RecordContact { note } => Event::SubmitterContacted { note },
        Action::MarkComplex { reason } => {
            next.complex = true;
            Event::MarkedComplex { reason }
        }
        Action::CoUnitInput { text } => Event::CoUnitInput {
            unit: own_unit()?,
            text,
        },
        Action::ReferMisconductClue { note, destination } => {
            next.clue_pending = true;
            Event::MisconductClueReferred { note, destination }
        }
        Action::AcknowledgeClue { note } => {
            next.clue_pending = false;
            Event::ClueAcknowledged { note }
        }
        Action::AcceptAssignment { note } => Event::AssignmentAccepted {
            unit: own_unit()?,
            note,
        },
        Action::ExplainDelay { explanation } => Event::DelayExplained {
            unit: own_unit()?,
            explanation,
        },
        Action::Urge { note } => Event::Urged {
            unit: lc.lead.clone().ok_or(TransitionError::NoUnit)?,
            note,
        },
        Action::DraftReply {
            text,
            adoption,
            adoption_reason,
            written_reply,
        } => Event::ReplyDrafted {
            round: lc.round,
            text,
            adoption,
            adoption_reason,
            written_reply: written_reply.unwrap_or(false),
        },
        Action::LeaderReview { approved, note } => {
            next.status = if approved {
                Status::AwaitingQc
            } else {
                Status::Handling
            };
            Event::LeaderReviewed {
                round: lc.round,
                leader: actor.subject.clone(),
                approved,
                note,
            }
        }
        Action::QcPass {} => {
            next.extension_pending = false;
            Event::QcPassed { round: lc.round }
        }
        Action::QcFail { reasons } => {
            next.round = lc.round + 1;
            Event::QcFailed {
                round: lc.round,
                reasons,
            }
        }
        Action::FollowUp { result, note } => Event::FollowedUp { result, note },
        Action::RequestReview { reason } => Event::ReviewRequested { reason },
        Action::UpholdReview { note } => Event::ReviewUpheld { note },
        Action::ReturnOnReview { reason } => {
            next.round = lc.round.max(1) + 1;
            Event::ReviewReturned {
                round: next.round,
                reason,
            }
        }
    }])
}

#[cfg(test)]
mod tests;
