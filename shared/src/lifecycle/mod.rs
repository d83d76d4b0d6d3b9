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
pub use article::{cited_in_chinese, Article, Citation};
use moves::{move_of, Guard, Next};

/// Who performs an action: a role, and for unit staff their unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Their role.
    pub role: Role,
    /// Their unit, for unit staff.
    pub unit: Option<UnitId>,
    /// Who they are: the person's id in the staff directory, or the stage
    /// acting for the bureau (`stage:screening`), recorded with every event.
    pub subject: String,
    /// The person's name, recorded beside the id (none for a stage).
    pub name: Option<String>,
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
            name: Some(p.name.clone()),
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
            name: None,
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
    /// Whether the lead unit signed for the case (签收) since it last came
    /// to them.
    pub signed: bool,
    /// The county's rule: the lead unit signs for a case before anything
    /// but returning it. Not stored with the case: true as loaded, set from
    /// the county's deadline rules by whoever holds them.
    #[serde(skip)]
    pub sign_first: bool,
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
            signed: false,
            sign_first: true,
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
    /// The caller called again about the open case: what they said was
    /// added to it (the deadline unchanged).
    CallAdded {
        /// What the caller added.
        text: String,
    },
    /// The lead unit told the submitter where the handling stands
    /// (阶段性答复): shown on tracking.
    InterimReplied {
        /// The unit.
        unit: UnitId,
        /// What the submitter is told.
        text: String,
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
        /// The draft as the leader corrected it, if they did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        edited_text: Option<String>,
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
    /// The lead unit must sign for the case first (the county's rule).
    #[error("sign for the case first (accept_assignment): {action} comes after it")]
    NotSignedFor {
        /// The action's name.
        action: &'static str,
    },
    /// The lead unit signed for the case already.
    #[error("the case is signed for already")]
    AlreadySigned,
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
    } else if m.by.contains(&moves::Performer::SignedLeadUnit)
        && moves::Performer::LeadUnit.admits(lc, actor)
    {
        Err(TransitionError::NotSignedFor { action })
    } else if m.by.contains(&moves::Performer::LeadUnitLeader)
        && moves::Performer::LeadUnit.admits(lc, actor)
    {
        Err(TransitionError::NotLeader)
    } else if m.by.iter().any(|p| {
        matches!(
            p,
            moves::Performer::LeadUnit
                | moves::Performer::SignedLeadUnit
                | moves::Performer::LeadUnitLeader
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
        Guard::NotSigned if lc.signed => Err(TransitionError::AlreadySigned),
        Guard::NoExtensionWaiting
        | Guard::ExtensionWaiting
        | Guard::HasUnit
        | Guard::NotComplex
        | Guard::CluePending
        | Guard::NotSigned => Ok(()),
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
    // A unit new to the case signs for it again.
    next.signed = false;
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
                    reason: "单位退回后重新分办".into(),
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
            next.signed = false;
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
        Action::AcceptAssignment { note } => {
            next.signed = true;
            Event::AssignmentAccepted {
                unit: own_unit()?,
                note,
            }
        }
        Action::AddToCase { text } => Event::CallAdded { text },
        Action::InterimReply { text } => Event::InterimReplied {
            unit: own_unit()?,
            text,
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
        Action::LeaderReview {
            approved,
            note,
            text,
        } => {
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
                edited_text: text,
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
mod tests {
    //! Tests of the lifecycle: every path the module documents (docs/rules.md
    //! says which article allows each), and every move that
    //! must be refused.

    use super::*;

    fn days(n: u32) -> ExtensionDays {
        ExtensionDays::new(n).expect("1 to 60 working days")
    }

    fn unit(id: &str) -> UnitId {
        id.parse().expect("unit id")
    }

    fn lead() -> UnitId {
        unit("qibin-housing")
    }

    fn co() -> UnitId {
        unit("qibin-urban")
    }

    fn at(status: Status) -> Lifecycle {
        Lifecycle {
            status,
            // Screening proposed (or decided) a category.
            rejection: matches!(status, Status::Screening | Status::Rejected)
                .then_some(RejectCategory::OtherChannel),
            lead: Some(lead()),
            co_units: vec![co()],
            round: 1,
            extension_pending: false,
            routed_before: true,
            complex: false,
            clue_pending: false,
            // Past the unit's signing wherever it has a unit.
            signed: true,
            sign_first: true,
        }
    }

    fn step(lc: &Lifecycle, action: Action, actor: &Actor) -> Lifecycle {
        match transition(lc, action, actor) {
            Ok(t) => t.lifecycle,
            Err(e) => panic!("expected a legal move from {:?}: {e}", lc.status),
        }
    }

    fn events(lc: &Lifecycle, action: Action, actor: &Actor) -> Vec<Event> {
        transition(lc, action, actor).expect("legal").events
    }

    /// One example of each action, with the actor allowed to do it.
    fn every_action() -> Vec<(Action, Actor)> {
        let text = || "x".to_string();
        vec![
            (
                Action::Accept {
                    rule: text(),
                    flags: vec![],
                },
                Actor::bureau(),
            ),
            (
                Action::Reject {
                    category: RejectCategory::Unfounded,
                    rule: text(),
                    referral: None,
                },
                Actor::bureau(),
            ),
            (
                Action::ProposeRejection {
                    category: RejectCategory::OtherChannel,
                    rule: text(),
                    matched: Some(text()),
                    context: Some(text()),
                    referral: Some(text()),
                },
                Actor::bureau(),
            ),
            (Action::ConfirmRejection { reason: text() }, Actor::bureau()),
            (Action::OverrideToAccept { reason: text() }, Actor::bureau()),
            (
                Action::OverrideToReject {
                    category: RejectCategory::OtherChannel,
                    reason: text(),
                },
                Actor::bureau(),
            ),
            (
                Action::Route {
                    lead: lead(),
                    co_units: vec![],
                },
                Actor::bureau(),
            ),
            (
                Action::AcceptAssignment { note: text() },
                Actor::unit(lead()),
            ),
            (
                Action::ReturnMisrouted { reason: text() },
                Actor::unit(lead()),
            ),
            (
                Action::Reassign {
                    lead: unit("qibin-water"),
                    co_units: vec![],
                    reason: text(),
                },
                Actor::bureau(),
            ),
            (Action::AnswerImmediately { answer: text() }, Actor::agent()),
            (
                Action::TransferDirect {
                    unit: lead(),
                    answer: text(),
                },
                Actor::agent(),
            ),
            (Action::Escalate { reason: text() }, Actor::bureau()),
            (
                Action::ReceiveInstruction {
                    instruction: text(),
                    lead: lead(),
                    co_units: vec![],
                },
                Actor::bureau(),
            ),
            (
                Action::CloseOnInstruction {
                    instruction: text(),
                },
                Actor::bureau(),
            ),
            (Action::AddToCase { text: text() }, Actor::agent()),
            (
                Action::RequestExtension {
                    working_days: days(5),
                    reason: text(),
                },
                Actor::unit(lead()),
            ),
            (
                Action::ApproveExtension {
                    city_leader: Some(text()),
                    working_days: days(5),
                },
                Actor::bureau(),
            ),
            (Action::RefuseExtension { reason: text() }, Actor::bureau()),
            (Action::RecordContact { note: text() }, Actor::unit(lead())),
            (Action::MarkComplex { reason: text() }, Actor::unit(lead())),
            (Action::CoUnitInput { text: text() }, Actor::unit(co())),
            (Action::InterimReply { text: text() }, Actor::unit(lead())),
            (
                Action::ReferMisconductClue {
                    note: text(),
                    destination: text(),
                },
                Actor::bureau(),
            ),
            (Action::AcknowledgeClue { note: text() }, Actor::bureau()),
            (Action::Urge { note: text() }, Actor::bureau()),
            (
                Action::ExplainDelay {
                    explanation: text(),
                },
                Actor::unit(lead()),
            ),
            (
                Action::DraftReply {
                    text: text(),
                    adoption: None,
                    adoption_reason: None,
                    written_reply: None,
                },
                Actor::unit(lead()),
            ),
            (
                Action::LeaderReview {
                    approved: true,
                    note: text(),
                    text: None,
                },
                Actor::unit_leader(lead()),
            ),
            (Action::QcPass {}, Actor::bureau()),
            (Action::QcFail { reasons: text() }, Actor::bureau()),
            (
                Action::FollowUp {
                    result: Satisfaction::Satisfied,
                    note: text(),
                },
                Actor::bureau(),
            ),
            (Action::RequestReview { reason: text() }, Actor::bureau()),
            (Action::UpholdReview { note: text() }, Actor::bureau()),
            (Action::ReturnOnReview { reason: text() }, Actor::bureau()),
        ]
    }

    /// The statuses each action is allowed from, written from the measures (as
    /// docs/rules.md states them) apart
    /// from the table of moves, so that the test checks the table.
    fn allowed_from(action: &Action) -> &'static [Status] {
        use Status::*;
        match action {
            Action::Accept { .. } | Action::Reject { .. } | Action::ProposeRejection { .. } => {
                &[Received]
            }
            Action::ConfirmRejection { .. } => &[Screening],
            Action::OverrideToAccept { .. } => &[Rejected, Screening],
            Action::OverrideToReject { .. } | Action::Route { .. } | Action::Escalate { .. } => {
                &[Accepted]
            }
            Action::ReturnMisrouted { .. }
            | Action::Reassign { .. }
            | Action::AcceptAssignment { .. } => &[Handling],
            Action::AcknowledgeClue { .. } => {
                &[Handling, ReplyDrafted, AwaitingQc, Closed, UnderReview]
            }
            Action::ExplainDelay { .. } => &[Handling, ReplyDrafted, AwaitingQc, Closed],
            Action::AnswerImmediately { .. } | Action::TransferDirect { .. } => {
                &[Received, Accepted]
            }
            Action::ReceiveInstruction { .. } | Action::CloseOnInstruction { .. } => &[Escalated],
            Action::RequestExtension { .. }
            | Action::DraftReply { .. }
            | Action::MarkComplex { .. } => &[Handling],
            Action::RecordContact { .. } => &[Handling, ReplyDrafted],
            Action::ApproveExtension { .. } | Action::RefuseExtension { .. } => &[Handling],
            Action::CoUnitInput { .. } | Action::Urge { .. } | Action::InterimReply { .. } => {
                &[Handling, ReplyDrafted]
            }
            // Every status still open.
            Action::AddToCase { .. } => &[
                Received,
                Screening,
                Accepted,
                Escalated,
                Handling,
                ReplyDrafted,
                AwaitingQc,
                UnderReview,
            ],
            Action::ReferMisconductClue { .. } => &[Handling, ReplyDrafted, AwaitingQc],
            Action::LeaderReview { .. } => &[ReplyDrafted],
            Action::QcPass {} | Action::QcFail { .. } => &[AwaitingQc],
            Action::FollowUp { .. } | Action::RequestReview { .. } => &[Closed],
            Action::UpholdReview { .. } | Action::ReturnOnReview { .. } => &[UnderReview],
        }
    }

    const ALL_STATUSES: [Status; 10] = [
        Status::Received,
        Status::Screening,
        Status::Rejected,
        Status::Accepted,
        Status::Escalated,
        Status::Handling,
        Status::ReplyDrafted,
        Status::AwaitingQc,
        Status::Closed,
        Status::UnderReview,
    ];

    #[test]
    fn every_action_is_refused_from_every_status_that_does_not_allow_it() {
        for (action, actor) in every_action() {
            for status in ALL_STATUSES {
                let mut lc = at(status);
                // Deciding an extension needs a pending request; give it one.
                if matches!(
                    action,
                    Action::ApproveExtension { .. } | Action::RefuseExtension { .. }
                ) {
                    lc.extension_pending = true;
                }
                // Acknowledging a clue's receipt needs a clue that went out.
                lc.clue_pending = matches!(action, Action::AcknowledgeClue { .. });
                // Signing for a case needs one not signed for yet.
                lc.signed = !matches!(action, Action::AcceptAssignment { .. });
                let result = transition(&lc, action.clone(), &actor);
                if allowed_from(&action).contains(&status) {
                    let t =
                        result.unwrap_or_else(|e| panic!("{} from {status:?}: {e}", action.name()));
                    assert!(
                        t.article.to_string().starts_with("Art."),
                        "{} cites {}",
                        action.name(),
                        t.article
                    );
                    assert!(!t.events.is_empty(), "{} records an event", action.name());
                } else {
                    assert_eq!(
                        result.map(|t| t.lifecycle.status),
                        Err(TransitionError::WrongStatus {
                            action: action.name(),
                            status
                        }),
                        "{} from {status:?}",
                        action.name()
                    );
                }
            }
        }
    }

    #[test]
    fn a_supervisor_can_do_nothing() {
        let supervisor = Actor {
            role: Role::Supervisor,
            unit: None,
            subject: "supervisor".into(),
            name: None,
            leader: false,
        };
        for (action, _) in every_action() {
            for status in allowed_from(&action) {
                let mut lc = at(*status);
                lc.extension_pending = true;
                let result = transition(&lc, action.clone(), &supervisor);
                assert!(
                    result.is_err(),
                    "{} by a supervisor from {status:?}",
                    action.name()
                );
            }
        }
    }

    #[test]
    fn screening_accepts_or_rejects_with_a_category_and_the_bureau_overrides_either_way() {
        let lc = Lifecycle::received();
        let rejected = step(
            &lc,
            Action::Reject {
                category: RejectCategory::OtherChannel,
                rule: "keywords.category3".into(),
                referral: Some("请向信访部门反映".into()),
            },
            &Actor::bureau(),
        );
        assert_eq!(
            (rejected.status, rejected.rejection),
            (Status::Rejected, Some(RejectCategory::OtherChannel))
        );
        let overridden = step(
            &rejected,
            Action::OverrideToAccept {
                reason: "误判".into(),
            },
            &Actor::bureau(),
        );
        assert_eq!(
            (overridden.status, overridden.rejection),
            (Status::Accepted, None)
        );
        let back = step(
            &overridden,
            Action::OverrideToReject {
                category: RejectCategory::Unfounded,
                reason: "重复投诉".into(),
            },
            &Actor::bureau(),
        );
        assert_eq!(back.rejection, Some(RejectCategory::Unfounded));
        let accepted = step(
            &lc,
            Action::Accept {
                rule: "passed".into(),
                flags: vec![],
            },
            &Actor::bureau(),
        );
        assert_eq!(accepted.status, Status::Accepted);
    }

    #[test]
    fn an_overridden_proposal_goes_on_to_routing_and_an_overridden_rejection_waits_for_the_bureau()
    {
        let override_ = || Action::OverrideToAccept {
            reason: "误判".into(),
        };
        let proposed = step(
            &Lifecycle::received(),
            Action::ProposeRejection {
                category: RejectCategory::OtherChannel,
                rule: "keywords.category3".into(),
                matched: None,
                context: None,
                referral: None,
            },
            &Actor::bureau(),
        );
        let from_proposal = transition(&proposed, override_(), &Actor::bureau()).expect("allowed");
        assert_eq!(from_proposal.lifecycle.status, Status::Accepted);
        assert!(from_proposal.to_routing);
        let rejected = step(
            &Lifecycle::received(),
            Action::Reject {
                category: RejectCategory::OtherChannel,
                rule: "keywords.category3".into(),
                referral: None,
            },
            &Actor::bureau(),
        );
        let from_rejection = transition(&rejected, override_(), &Actor::bureau()).expect("allowed");
        assert_eq!(from_rejection.lifecycle.status, Status::Accepted);
        assert!(!from_rejection.to_routing);
        let accepted = transition(
            &Lifecycle::received(),
            Action::Accept {
                rule: "passed".into(),
                flags: vec![],
            },
            &Actor::bureau(),
        )
        .expect("allowed");
        assert!(!accepted.to_routing, "intake's own pipeline routes it");
    }

    #[test]
    fn only_the_bureau_screens_and_overrides() {
        let lc = Lifecycle::received();
        let err = transition(
            &lc,
            Action::Accept {
                rule: "r".into(),
                flags: vec![],
            },
            &Actor::unit(lead()),
        )
        .unwrap_err();
        assert_eq!(
            err,
            TransitionError::Forbidden {
                action: "accept",
                role: Role::Unit
            }
        );
    }

    #[test]
    fn routing_sets_the_lead_and_a_misrouted_case_comes_back_and_is_reassigned() {
        let accepted = Lifecycle {
            status: Status::Accepted,
            ..Lifecycle::received()
        };
        let routed = transition(
            &accepted,
            Action::Route {
                lead: lead(),
                co_units: vec![],
            },
            &Actor::bureau(),
        )
        .expect("routes");
        assert_eq!(
            routed.events,
            vec![Event::Routed {
                lead: lead(),
                co_units: vec![]
            }]
        );
        assert_eq!(
            (routed.lifecycle.status, routed.lifecycle.round),
            (Status::Handling, 1)
        );

        // Another unit cannot return it; the lead can.
        let other = Actor::unit(unit("qibin-water"));
        assert_eq!(
            transition(
                &routed.lifecycle,
                Action::ReturnMisrouted { reason: "r".into() },
                &other
            )
            .unwrap_err(),
            TransitionError::NotLeadUnit {
                action: "return_misrouted"
            }
        );
        let returned = step(
            &routed.lifecycle,
            Action::ReturnMisrouted {
                reason: "不属本单位职责".into(),
            },
            &Actor::unit(lead()),
        );
        assert_eq!(
            (returned.status, returned.lead.clone()),
            (Status::Accepted, None)
        );

        let water = unit("qibin-water");
        let again = transition(
            &returned,
            Action::Route {
                lead: water.clone(),
                co_units: vec![],
            },
            &Actor::bureau(),
        )
        .expect("reassigns");
        assert!(
            matches!(&again.events[0], Event::Reassigned { from: None, lead: l, .. } if *l == water)
        );
        assert_eq!(again.lifecycle.lead, Some(water));
    }

    #[test]
    fn the_bureau_can_reassign_a_case_in_handling() {
        let lc = at(Status::Handling);
        let moved = step(
            &lc,
            Action::Reassign {
                lead: unit("qibin-water"),
                co_units: vec![],
                reason: "调整".into(),
            },
            &Actor::bureau(),
        );
        assert_eq!(moved.lead, Some(unit("qibin-water")));
        assert_eq!(moved.status, Status::Handling);
    }

    #[test]
    fn an_immediate_answer_closes_the_case_at_once_but_only_by_an_agent() {
        let lc = Lifecycle::received();
        let t = transition(
            &lc,
            Action::AnswerImmediately {
                answer: "已解答".into(),
            },
            &Actor::agent(),
        )
        .expect("legal");
        assert_eq!(t.lifecycle.status, Status::Closed);
        assert_eq!(t.events.last(), Some(&Event::Closed));
        assert!(transition(
            &lc,
            Action::AnswerImmediately { answer: "a".into() },
            &Actor::bureau()
        )
        .is_err());
    }

    #[test]
    fn a_direct_transfer_records_the_unit_and_closes() {
        let lc = Lifecycle::received();
        let closed = step(
            &lc,
            Action::TransferDirect {
                unit: lead(),
                answer: "三方通话已答复".into(),
            },
            &Actor::agent(),
        );
        assert_eq!((closed.status, closed.lead), (Status::Closed, Some(lead())));
    }

    #[test]
    fn an_escalated_case_waits_for_the_instruction_then_is_handled_or_closed() {
        let accepted = Lifecycle {
            status: Status::Accepted,
            ..Lifecycle::received()
        };
        let escalated = step(
            &accepted,
            Action::Escalate {
                reason: "重大事项".into(),
            },
            &Actor::agent(),
        );
        assert_eq!(escalated.status, Status::Escalated);
        let handled = step(
            &escalated,
            Action::ReceiveInstruction {
                instruction: "市政府批示".into(),
                lead: lead(),
                co_units: vec![co()],
            },
            &Actor::bureau(),
        );
        assert_eq!((handled.status, handled.round), (Status::Handling, 1));
        let closed = step(
            &escalated,
            Action::CloseOnInstruction {
                instruction: "已处理".into(),
            },
            &Actor::bureau(),
        );
        assert_eq!(closed.status, Status::Closed);
    }

    #[test]
    fn joint_handling_takes_input_from_co_units_only() {
        let accepted = Lifecycle {
            status: Status::Accepted,
            ..Lifecycle::received()
        };
        let joint = step(
            &accepted,
            Action::Route {
                lead: lead(),
                co_units: vec![co()],
            },
            &Actor::bureau(),
        );
        let input = events(
            &joint,
            Action::CoUnitInput {
                text: "协办意见".into(),
            },
            &Actor::unit(co()),
        );
        assert_eq!(
            input,
            vec![Event::CoUnitInput {
                unit: co(),
                text: "协办意见".into()
            }]
        );
        assert_eq!(
            transition(
                &joint,
                Action::CoUnitInput { text: "x".into() },
                &Actor::unit(lead())
            )
            .unwrap_err(),
            TransitionError::NotCoUnit
        );
        assert_eq!(
            transition(
                &accepted,
                Action::Route {
                    lead: lead(),
                    co_units: vec![lead()]
                },
                &Actor::bureau()
            )
            .unwrap_err(),
            TransitionError::BadCoUnits
        );
    }

    #[test]
    fn an_extension_request_is_approved_or_refused_once() {
        let lc = at(Status::Handling);
        let requested = step(
            &lc,
            Action::RequestExtension {
                working_days: days(10),
                reason: "需现场勘查".into(),
            },
            &Actor::unit(lead()),
        );
        assert!(requested.extension_pending);
        assert_eq!(
            transition(
                &requested,
                Action::RequestExtension {
                    working_days: days(3),
                    reason: "r".into()
                },
                &Actor::unit(lead())
            )
            .unwrap_err(),
            TransitionError::ExtensionPending
        );
        let approved = transition(
            &requested,
            Action::ApproveExtension {
                city_leader: Some("张副市长".into()),
                working_days: days(10),
            },
            &Actor::bureau(),
        )
        .expect("approves");
        assert_eq!(
            approved.events,
            vec![Event::ExtensionApproved {
                approver: "bureau".into(),
                city_leader: Some("张副市长".into()),
                working_days: 10
            }]
        );
        // Joint handling (the case has a co-unit) needs the city leader's name;
        // a case without co-units does not.
        let unnamed = Action::ApproveExtension {
            city_leader: None,
            working_days: days(10),
        };
        assert_eq!(
            transition(&requested, unnamed.clone(), &Actor::bureau()).unwrap_err(),
            TransitionError::CityLeaderRequired
        );
        let single = Lifecycle {
            co_units: vec![],
            ..requested.clone()
        };
        assert!(transition(&single, unnamed, &Actor::bureau()).is_ok());
        assert!(!approved.lifecycle.extension_pending);
        let refused = step(
            &requested,
            Action::RefuseExtension {
                reason: "理由不足".into(),
            },
            &Actor::bureau(),
        );
        assert!(!refused.extension_pending);
        assert_eq!(
            transition(
                &lc,
                Action::ApproveExtension {
                    city_leader: Some("a".into()),
                    working_days: days(1)
                },
                &Actor::bureau()
            )
            .unwrap_err(),
            TransitionError::NoExtensionPending
        );
        // An extension of no working days cannot even be written down.
        assert_eq!(ExtensionDays::new(0), None);
        assert_eq!(ExtensionDays::new(MAX_EXTENSION_DAYS + 1), None);
    }

    #[test]
    fn a_failed_qc_sends_the_reply_back_to_the_same_lead_in_a_new_round_and_keeps_the_first() {
        let lc = at(Status::Handling);
        let drafted = transition(
            &lc,
            Action::DraftReply {
                text: "第一稿".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: None,
            },
            &Actor::unit(lead()),
        )
        .expect("drafts");
        assert_eq!(
            drafted.events,
            vec![Event::ReplyDrafted {
                round: 1,
                text: "第一稿".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: false
            }]
        );
        let reviewed = step(
            &drafted.lifecycle,
            Action::LeaderReview {
                approved: true,
                note: "同意".into(),
                text: None,
            },
            &Actor::unit_leader(lead()),
        );
        assert_eq!(reviewed.status, Status::AwaitingQc);
        let failed = transition(
            &reviewed,
            Action::QcFail {
                reasons: "答复不具体".into(),
            },
            &Actor::bureau(),
        )
        .expect("fails");
        assert_eq!(
            failed.events,
            vec![Event::QcFailed {
                round: 1,
                reasons: "答复不具体".into()
            }]
        );
        assert_eq!(
            (failed.lifecycle.status, failed.lifecycle.round),
            (Status::Handling, 2)
        );
        assert_eq!(failed.lifecycle.lead, Some(lead()));

        let redrafted = events(
            &failed.lifecycle,
            Action::DraftReply {
                text: "第二稿".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: None,
            },
            &Actor::unit(lead()),
        );
        assert_eq!(
            redrafted,
            vec![Event::ReplyDrafted {
                round: 2,
                text: "第二稿".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: false
            }]
        );
    }

    #[test]
    fn a_leader_can_send_a_draft_back_before_qc() {
        let drafted = at(Status::ReplyDrafted);
        let back = step(
            &drafted,
            Action::LeaderReview {
                approved: false,
                note: "补充材料".into(),
                text: None,
            },
            &Actor::unit_leader(lead()),
        );
        assert_eq!((back.status, back.round), (Status::Handling, 1));
    }

    #[test]
    fn only_the_lead_units_leader_reviews_a_draft_and_the_review_names_the_token_subject() {
        let drafted = at(Status::ReplyDrafted);
        let review = Action::LeaderReview {
            approved: true,
            note: String::new(),
            text: None,
        };
        // A clerk of the lead unit (no leader claim) cannot approve the draft.
        assert_eq!(
            transition(&drafted, review.clone(), &Actor::unit(lead())).unwrap_err(),
            TransitionError::NotLeader
        );
        // Another unit's leader cannot either.
        assert_eq!(
            transition(&drafted, review.clone(), &Actor::unit_leader(co())).unwrap_err(),
            TransitionError::NotLeadUnit {
                action: "leader_review"
            }
        );
        let leader = Actor {
            subject: "wang.juzhang".into(),
            name: None,
            ..Actor::unit_leader(lead())
        };
        let events = events(&drafted, review, &leader);
        assert_eq!(
            events,
            vec![Event::LeaderReviewed {
                round: 1,
                leader: "wang.juzhang".into(),
                approved: true,
                note: String::new(),
                edited_text: None,
            }]
        );
        // The clerk does not see the button; the leader does.
        assert!(
            !allowed_actions(&drafted, &Actor::unit(lead())).contains(&ActionKind::LeaderReview)
        );
        assert!(allowed_actions(&drafted, &leader).contains(&ActionKind::LeaderReview));
    }

    #[test]
    fn the_lead_unit_records_contact_and_marks_a_case_complex_once() {
        let lc = at(Status::Handling);
        let contacted = transition(
            &lc,
            Action::RecordContact {
                note: "电话联系".into(),
            },
            &Actor::unit(lead()),
        )
        .expect("records contact");
        assert_eq!(contacted.lifecycle.status, Status::Handling);
        let complex = step(
            &lc,
            Action::MarkComplex {
                reason: "涉及多个部门".into(),
            },
            &Actor::unit(lead()),
        );
        assert!(complex.complex);
        assert_eq!(
            transition(
                &complex,
                Action::MarkComplex { reason: "x".into() },
                &Actor::unit(lead())
            )
            .unwrap_err(),
            TransitionError::AlreadyComplex
        );
        // A co-unit does neither.
        assert!(transition(
            &lc,
            Action::RecordContact { note: "x".into() },
            &Actor::unit(co())
        )
        .is_err());
    }

    #[test]
    fn a_passed_qc_releases_the_reply_and_closes() {
        let t = transition(&at(Status::AwaitingQc), Action::QcPass {}, &Actor::bureau())
            .expect("passes");
        assert_eq!(t.events, vec![Event::QcPassed { round: 1 }, Event::Closed]);
        assert_eq!(t.lifecycle.status, Status::Closed);
    }

    #[test]
    fn only_the_lead_unit_drafts_and_only_the_bureau_checks() {
        let lc = at(Status::Handling);
        assert!(transition(
            &lc,
            Action::DraftReply {
                text: "x".into(),
                adoption: None,
                adoption_reason: None,
                written_reply: None
            },
            &Actor::unit(co())
        )
        .is_err());
        assert!(transition(
            &at(Status::AwaitingQc),
            Action::QcPass {},
            &Actor::unit(lead())
        )
        .is_err());
    }

    #[test]
    fn follow_up_results_are_recorded_on_a_closed_case() {
        for result in [
            Satisfaction::Satisfied,
            Satisfaction::BasicallySatisfied,
            Satisfaction::Dissatisfied,
            Satisfaction::Unreachable,
        ] {
            let t = transition(
                &at(Status::Closed),
                Action::FollowUp {
                    result,
                    note: "电话回访".into(),
                },
                &Actor::bureau(),
            )
            .expect("records");
            assert_eq!(t.lifecycle.status, Status::Closed);
            assert_eq!(
                t.events,
                vec![Event::FollowedUp {
                    result,
                    note: "电话回访".into()
                }]
            );
        }
    }

    #[test]
    fn a_review_request_is_upheld_or_returns_the_case_reopened_in_a_new_round() {
        let closed = at(Status::Closed);
        let review = step(
            &closed,
            Action::RequestReview {
                reason: "对答复不满意".into(),
            },
            &Actor::agent(),
        );
        assert_eq!(review.status, Status::UnderReview);
        let upheld = step(
            &review,
            Action::UpholdReview {
                note: "处理得当".into(),
            },
            &Actor::bureau(),
        );
        assert_eq!(upheld.status, Status::Closed);
        let returned = transition(
            &review,
            Action::ReturnOnReview {
                reason: "处理不当".into(),
            },
            &Actor::bureau(),
        )
        .expect("returns");
        assert_eq!(
            (returned.lifecycle.status, returned.lifecycle.round),
            (Status::Handling, 2)
        );
        assert_eq!(
            returned.events,
            vec![Event::ReviewReturned {
                round: 2,
                reason: "处理不当".into()
            }]
        );
    }

    #[test]
    fn a_case_answered_at_once_cannot_be_returned_to_a_unit_on_review() {
        let closed = Lifecycle {
            status: Status::UnderReview,
            ..Lifecycle::received()
        };
        assert_eq!(
            transition(
                &closed,
                Action::ReturnOnReview { reason: "r".into() },
                &Actor::bureau()
            )
            .unwrap_err(),
            TransitionError::NoUnit
        );
    }

    #[test]
    fn an_overdue_case_is_urged_and_a_misconduct_clue_referred() {
        let lc = at(Status::Handling);
        assert_eq!(
            events(
                &lc,
                Action::Urge {
                    note: "已逾期".into()
                },
                &Actor::bureau()
            ),
            vec![Event::Urged {
                unit: lead(),
                note: "已逾期".into()
            }]
        );
        assert_eq!(
            events(
                &lc,
                Action::ReferMisconductClue {
                    note: "转纪委".into(),
                    destination: "区纪委监委".into()
                },
                &Actor::unit(lead())
            ),
            vec![Event::MisconductClueReferred {
                note: "转纪委".into(),
                destination: "区纪委监委".into()
            }]
        );
        assert!(transition(
            &lc,
            Action::ReferMisconductClue {
                note: "x".into(),
                destination: "x".into()
            },
            &Actor::unit(co())
        )
        .is_err());
    }

    #[test]
    fn the_whole_online_path_from_intake_to_a_satisfied_follow_up() {
        let bureau = Actor::bureau();
        let unit_staff = Actor::unit(lead());
        let unit_leader = Actor::unit_leader(lead());
        let mut lc = Lifecycle::received();
        let mut log = Vec::new();
        for (action, actor) in [
            (
                Action::Accept {
                    rule: "passed".into(),
                    flags: vec![],
                },
                &bureau,
            ),
            (
                Action::Route {
                    lead: lead(),
                    co_units: vec![],
                },
                &bureau,
            ),
            (
                Action::AcceptAssignment {
                    note: String::new(),
                },
                &unit_staff,
            ),
            (
                Action::DraftReply {
                    text: "已维修".into(),
                    adoption: None,
                    adoption_reason: None,
                    written_reply: None,
                },
                &unit_staff,
            ),
            (
                Action::LeaderReview {
                    approved: true,
                    note: String::new(),
                    text: None,
                },
                &unit_leader,
            ),
            (Action::QcPass {}, &bureau),
            (
                Action::FollowUp {
                    result: Satisfaction::Satisfied,
                    note: String::new(),
                },
                &bureau,
            ),
        ] {
            let t = transition(&lc, action, actor).expect("legal");
            log.extend(t.events);
            lc = t.lifecycle;
        }
        assert_eq!(lc.status, Status::Closed);
        assert_eq!(log.len(), 8);
    }

    #[test]
    fn reject_categories_are_numbered_as_in_article_5() {
        for n in 1..=4 {
            assert_eq!(
                RejectCategory::from_number(n).map(RejectCategory::number),
                Some(n)
            );
        }
        assert_eq!(RejectCategory::from_number(0), None);
        assert_eq!(RejectCategory::from_number(5), None);
    }

    #[test]
    fn the_table_has_one_row_per_action_in_declaration_order() {
        assert_eq!(moves::MOVES.len(), ActionKind::EVERY.len());
        for (i, m) in moves::MOVES.iter().enumerate() {
            assert_eq!(m.action, ActionKind::EVERY[i], "row {i}");
            assert_eq!(moves::move_of(m.action), m);
            assert!(!m.from.is_empty() && !m.by.is_empty(), "{}", m.action);
            assert!(
                !m.article.articles().is_empty(),
                "{} cites nothing",
                m.action
            );
        }
    }

    #[test]
    fn staff_take_every_action_over_the_api_but_screening_and_answers_at_intake() {
        let staff: Vec<&str> = moves::staff_actions().map(ActionKind::as_str).collect();
        assert_eq!(staff.len(), 30);
        for not_staff in ["accept", "reject", "answer_immediately", "transfer_direct"] {
            assert!(!staff.contains(&not_staff), "{not_staff}");
        }
    }

    #[test]
    fn allowed_actions_are_what_the_actor_may_do_now() {
        let names = |lc: &Lifecycle, actor: &Actor| -> Vec<&'static str> {
            allowed_actions(lc, actor)
                .into_iter()
                .map(ActionKind::as_str)
                .collect()
        };
        // Before signing for it, the lead unit signs or returns it (or
        // refers a clue, or explains a delay: on record whatever happens).
        let unsigned = Lifecycle {
            signed: false,
            ..at(Status::Handling)
        };
        assert_eq!(
            names(&unsigned, &Actor::unit(lead())),
            vec![
                "accept_assignment",
                "return_misrouted",
                "refer_misconduct_clue",
                "explain_delay"
            ]
        );
        // Signed once, 签收 is done: it leaves the list.
        let signed = step(
            &unsigned,
            Action::AcceptAssignment {
                note: String::new(),
            },
            &Actor::unit(lead()),
        );
        assert!(signed.signed);
        let handling = at(Status::Handling);
        assert_eq!(signed, handling);
        assert_eq!(
            names(&handling, &Actor::unit(lead())),
            vec![
                "return_misrouted",
                "request_extension",
                "record_contact",
                "mark_complex",
                "interim_reply",
                "refer_misconduct_clue",
                "explain_delay",
                "draft_reply"
            ]
        );
        assert_eq!(
            transition(
                &handling,
                Action::AcceptAssignment {
                    note: String::new()
                },
                &Actor::unit(lead())
            )
            .map(|t| t.events),
            Err(TransitionError::AlreadySigned)
        );
        assert_eq!(
            transition(
                &unsigned,
                Action::DraftReply {
                    text: "x".into(),
                    adoption: None,
                    adoption_reason: None,
                    written_reply: None
                },
                &Actor::unit(lead())
            )
            .map(|t| t.events),
            Err(TransitionError::NotSignedFor {
                action: "draft_reply"
            })
        );
        // Where the county does not ask for signing first, everything at once.
        let at_once = Lifecycle {
            sign_first: false,
            ..unsigned.clone()
        };
        assert_eq!(names(&at_once, &Actor::unit(lead())).len(), 9);
        // A reassignment: the new unit signs again.
        let moved = step(
            &handling,
            Action::Reassign {
                lead: unit("qibin-water"),
                co_units: vec![],
                reason: "属供水".into(),
            },
            &Actor::bureau(),
        );
        assert!(!moved.signed);
        assert_eq!(names(&handling, &Actor::unit(co())), vec!["co_unit_input"]);
        assert_eq!(
            names(&handling, &Actor::unit(unit("qibin-water"))),
            Vec::<&str>::new()
        );
        assert_eq!(
            names(&handling, &Actor::bureau()),
            vec!["reassign", "add_to_case", "refer_misconduct_clue", "urge"]
        );
        let mut waiting = handling.clone();
        waiting.extension_pending = true;
        assert_eq!(
            names(&waiting, &Actor::bureau()),
            vec![
                "reassign",
                "add_to_case",
                "approve_extension",
                "refuse_extension",
                "refer_misconduct_clue",
                "urge"
            ]
        );
        let supervisor = Actor {
            role: Role::Supervisor,
            unit: None,
            subject: "supervisor".into(),
            name: None,
            leader: false,
        };
        for status in ALL_STATUSES {
            assert!(allowed_actions(&at(status), &supervisor).is_empty());
        }
    }

    #[test]
    fn every_allowed_action_is_a_legal_move_and_every_other_is_refused() {
        for (action, actor) in every_action() {
            for status in ALL_STATUSES {
                for pending in [false, true] {
                    let mut lc = at(status);
                    lc.extension_pending = pending;
                    let staff = matches!(moves::move_of(action.kind()).via, moves::Via::Staff(_));
                    let allowed = allowed_actions(&lc, &actor).contains(&action.kind());
                    assert!(
                        staff || !allowed,
                        "{} is not offered to staff",
                        action.name()
                    );
                    assert_eq!(
                        transition(&lc, action.clone(), &actor).is_ok() && staff,
                        allowed,
                        "{} from {status:?} (pending {pending})",
                        action.name()
                    );
                }
            }
        }
    }

    #[test]
    fn a_scheduler_can_do_nothing_and_a_citizen_only_ask_for_a_review_of_a_closed_case() {
        let scheduler = Actor {
            role: Role::Scheduler,
            unit: None,
            subject: "cronjob".into(),
            name: None,
            leader: false,
        };
        for (action, _) in every_action() {
            for status in ALL_STATUSES {
                let mut lc = at(status);
                lc.extension_pending = true;
                assert!(transition(&lc, action.clone(), &scheduler).is_err());
                let by_citizen = transition(&lc, action.clone(), &Actor::citizen());
                let review =
                    matches!(action, Action::RequestReview { .. }) && status == Status::Closed;
                assert_eq!(
                    by_citizen.is_ok(),
                    review,
                    "{} from {status:?}",
                    action.name()
                );
            }
            assert!(allowed_actions(&at(Status::Closed), &scheduler).is_empty());
        }
    }

    #[test]
    fn a_misconduct_clue_records_where_it_went_and_its_receipt_once() {
        let lc = at(Status::Handling);
        let ack = Action::AcknowledgeClue {
            note: "区纪委监委已签收".into(),
        };
        assert_eq!(
            transition(&lc, ack.clone(), &Actor::bureau()).unwrap_err(),
            TransitionError::NoCluePending
        );
        let referred = transition(
            &lc,
            Action::ReferMisconductClue {
                note: "反映工作人员索要好处费".into(),
                destination: "区纪委监委".into(),
            },
            &Actor::unit(lead()),
        )
        .expect("refers");
        assert!(referred.lifecycle.clue_pending);
        assert!(allowed_actions(&referred.lifecycle, &Actor::bureau())
            .contains(&ActionKind::AcknowledgeClue));
        let acknowledged =
            transition(&referred.lifecycle, ack.clone(), &Actor::bureau()).expect("acknowledged");
        assert_eq!(
            acknowledged.events,
            vec![Event::ClueAcknowledged {
                note: "区纪委监委已签收".into()
            }]
        );
        assert!(!acknowledged.lifecycle.clue_pending);
        // The unit does not record the receipt itself.
        assert!(transition(&referred.lifecycle, ack, &Actor::unit(lead())).is_err());
    }
}
