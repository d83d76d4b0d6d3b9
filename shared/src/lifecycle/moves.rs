//! The table of moves: for every action, the statuses it may start from,
//! who may perform it, where it leads, what must hold first, the articles
//! that allow it, and who issues it. [`super::transition`] reads this table;
//! the tests enumerate it; [`super::allowed_actions`] answers from it; the
//! `cases` stage hands each staff action to the desk ([`Desk`]) the table
//! names.

use super::article::{Article::*, Citation};
use super::ActionKind::{self, *};
// `Status::Screening` is written out: `Screening` is the article.
use super::{Actor, Lifecycle, Role};
use crate::case::words::Status::{
    self, Accepted, AwaitingQc, Closed, Escalated, Handling, Received, Rejected, ReplyDrafted,
    UnderReview,
};

/// Who may perform a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Performer {
    /// The bureau's staff (and the pipeline acting for it).
    Bureau,
    /// A hotline or hall agent.
    Agent,
    /// Staff of the case's lead unit.
    LeadUnit,
    /// Staff of the case's lead unit once it signed for the case (签收),
    /// or at once where the county does not ask for signing first.
    SignedLeadUnit,
    /// The lead unit's leader (a unit token with the `leader` claim).
    LeadUnitLeader,
    /// Staff of one of the case's co-units.
    CoUnit,
    /// The case's submitter (by tracking code and second factor).
    Submitter,
}

impl Performer {
    /// The role this performer has.
    pub fn role(self) -> Role {
        match self {
            Self::Bureau => Role::Bureau,
            Self::Agent => Role::Agent,
            Self::LeadUnit | Self::SignedLeadUnit | Self::LeadUnitLeader | Self::CoUnit => {
                Role::Unit
            }
            Self::Submitter => Role::Citizen,
        }
    }

    /// Whether `actor` is this performer on a case at `lc`.
    pub fn admits(self, lc: &Lifecycle, actor: &Actor) -> bool {
        let unit = actor.unit.as_ref();
        actor.role == self.role()
            && match self {
                Self::Bureau | Self::Agent | Self::Submitter => true,
                Self::LeadUnit => unit.is_some() && unit == lc.lead.as_ref(),
                Self::SignedLeadUnit => {
                    unit.is_some() && unit == lc.lead.as_ref() && (lc.signed || !lc.sign_first)
                }
                Self::LeadUnitLeader => actor.leader && unit.is_some() && unit == lc.lead.as_ref(),
                Self::CoUnit => unit.is_some_and(|u| lc.co_units.contains(u)),
            }
    }
}

/// Where a move leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The status stays.
    Stay,
    /// Always this status.
    To(Status),
    /// One of these, as the action decides (a leader approves or not).
    OneOf(&'static [Status]),
}

/// What must hold of the case, beside its status, for a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Nothing more.
    None,
    /// No extension request waits for a decision.
    NoExtensionWaiting,
    /// An extension request waits for a decision.
    ExtensionWaiting,
    /// The case has a lead unit.
    HasUnit,
    /// The case is not marked complex yet.
    NotComplex,
    /// A misconduct clue waits for its receipt.
    CluePending,
    /// The lead unit has not signed for the case yet.
    NotSigned,
}

/// The stage that serves a staff action behind `POST /api/cases/{id}/actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// `cases`: the bureau's dispatch and supervision.
    Cases,
    /// `reply`: the unit's workbench (private, by service chaining).
    Reply,
    /// `qc`: quality check, follow-up and review (private).
    Qc,
}

/// Who issues a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Staff, over `POST /api/cases/{id}/actions`, served by a desk.
    Staff(Desk),
    /// The screening stage.
    Screening,
    /// Intake, for an answer given at once.
    Intake,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The action.
    pub action: ActionKind,
    /// The statuses it may start from.
    pub from: &'static [Status],
    /// Who may perform it (any of them).
    pub by: &'static [Performer],
    /// Where it leads.
    pub to: Next,
    /// What must hold first.
    pub guard: Guard,
    /// The articles that allow it.
    pub article: Citation,
    /// Who issues it.
    pub via: Via,
}

/// One row, its cells in the table's column order.
const fn m(
    action: ActionKind,
    from: &'static [Status],
    by: &'static [Performer],
    to: Next,
    guard: Guard,
    via: Via,
    article: &'static [super::Article],
) -> Move {
    Move {
        action,
        from,
        by,
        to,
        guard,
        article: Citation(article),
        via,
    }
}

// The table's short words: who performs, where it leads, what must hold,
// who issues it.
use Guard::{
    CluePending, ExtensionWaiting, HasUnit, NoExtensionWaiting, None as Unguarded, NotComplex,
    NotSigned,
};
use Next::{OneOf, Stay, To};
use Performer::{
    Agent as A, Bureau as B, CoUnit as Co, LeadUnit as Lead, LeadUnitLeader as Leader,
    SignedLeadUnit as Signed, Submitter as S,
};
/// The bureau's desk, `cases`.
const CASES: Via = Via::Staff(Desk::Cases);
/// The unit's workbench, `reply`.
const BENCH: Via = Via::Staff(Desk::Reply);
/// Quality check, follow-up and review, `qc`.
const QC: Via = Via::Staff(Desk::Qc);
const SCREEN: Via = Via::Screening;
const INTAKE: Via = Via::Intake;

/// Every move of the lifecycle, one row per action (the paths listed in
/// the module's documentation, `lifecycle`).
#[rustfmt::skip]
pub const MOVES: &[Move] = &[
    // action              from                                                        by          to                              guard               via     articles
    // Screening (Art. 5), and the bureau overriding it either way (Art. 4).
    m(Accept,              &[Received],                                                &[B],       To(Accepted),                   Unguarded,          SCREEN, &[Screening]),
    m(Reject,              &[Received],                                                &[B],       To(Rejected),                   Unguarded,          SCREEN, &[Screening]),
    // Screening proposes, a person decides.
    m(ProposeRejection,    &[Received],                                                &[B],       To(Status::Screening),          Unguarded,          SCREEN, &[Screening]),
    m(ConfirmRejection,    &[Status::Screening],                                       &[B],       To(Rejected),                   Unguarded,          CASES,  &[Coordination, Screening]),
    m(OverrideToAccept,    &[Rejected, Status::Screening],                             &[B],       To(Accepted),                   Unguarded,          CASES,  &[Coordination, Screening]),
    m(OverrideToReject,    &[Accepted],                                                &[B],       To(Rejected),                   Unguarded,          CASES,  &[Coordination, Screening]),
    // Dispatch (Art. 3, 6): a misrouted case comes back, the bureau reassigns.
    m(Route,               &[Accepted],                                                &[B],       To(Handling),                   Unguarded,          CASES,  &[Forwarding, Dispatch]),
    m(AcceptAssignment,    &[Handling],                                                &[Lead],    Stay,                           NotSigned,          BENCH,  &[Dispatch]),
    m(ReturnMisrouted,     &[Handling],                                                &[Lead],    To(Accepted),                   Unguarded,          BENCH,  &[Dispatch]),
    m(Reassign,            &[Handling],                                                &[B],       Stay,                           Unguarded,          CASES,  &[Coordination, Dispatch]),
    // Answered at intake (Art. 3's exception, Art. 6(二).1(1)(2), 6(三)).
    m(AnswerImmediately,   &[Received, Accepted],                                      &[A],       To(Closed),                     Unguarded,          INTAKE, &[Forwarding, Immediate, Hall]),
    m(TransferDirect,      &[Received, Accepted],                                      &[A],       To(Closed),                     Unguarded,          INTAKE, &[Direct]),
    // Escalation (呈办) waits for the city government's instruction.
    m(Escalate,            &[Accepted],                                                &[B, A],    To(Escalated),                  Unguarded,          CASES,  &[Escalation]),
    m(ReceiveInstruction,  &[Escalated],                                               &[B],       To(Handling),                   Unguarded,          CASES,  &[Escalation]),
    m(CloseOnInstruction,  &[Escalated],                                               &[B],       To(Closed),                     Unguarded,          CASES,  &[Escalation]),
    // A caller's further call about an open case is added to it (Art. 3:
    // the platform forwards what the public says to the unit handling it).
    m(AddToCase,           &[Received, Status::Screening, Accepted, Escalated, Handling, ReplyDrafted, AwaitingQc, UnderReview],
                                                                                       &[A, B],    Stay,                           Unguarded,          CASES,  &[Forwarding]),
    // Handling: extensions, co-units' input, misconduct clues, urging.
    m(RequestExtension,    &[Handling],                                                &[Signed],  Stay,                           NoExtensionWaiting, BENCH,  &[Joint]),
    m(ApproveExtension,    &[Handling],                                                &[B],       Stay,                           ExtensionWaiting,   BENCH,  &[Joint]),
    m(RefuseExtension,     &[Handling],                                                &[B],       Stay,                           ExtensionWaiting,   BENCH,  &[Joint]),
    // The 1-5-15 milestones: contact, and the longer limit when complex.
    m(RecordContact,       &[Handling, ReplyDrafted],                                  &[Signed],  Stay,                           Unguarded,          BENCH,  &[OnlineLimits]),
    m(MarkComplex,         &[Handling],                                                &[Signed],  Stay,                           NotComplex,         BENCH,  &[OnlineLimits]),
    m(CoUnitInput,         &[Handling, ReplyDrafted],                                  &[Co],      Stay,                           Unguarded,          BENCH,  &[Joint]),
    // Where the handling stands, told to the submitter (阶段性答复).
    m(InterimReply,        &[Handling, ReplyDrafted],                                  &[Signed],  Stay,                           Unguarded,          BENCH,  &[ReplyAndQc]),
    m(ReferMisconductClue, &[Handling, ReplyDrafted, AwaitingQc],                      &[B, Lead], Stay,                           Unguarded,          BENCH,  &[Transfer]),
    m(AcknowledgeClue,     &[Handling, ReplyDrafted, AwaitingQc, Closed, UnderReview], &[B],       Stay,                           CluePending,        CASES,  &[Transfer]),
    m(Urge,                &[Handling, ReplyDrafted],                                  &[B],       Stay,                           HasUnit,            CASES,  &[Urging]),
    // A late case's explanation record (the hall's, Art. 6(三)).
    m(ExplainDelay,        &[Handling, ReplyDrafted, AwaitingQc, Closed],              &[Lead],    Stay,                           Unguarded,          BENCH,  &[Hall, Urging]),
    // Reply (Art. 6(一).2): draft, the leader's review, the bureau's QC.
    m(DraftReply,          &[Handling],                                                &[Signed],  To(ReplyDrafted),               Unguarded,          BENCH,  &[ReplyAndQc]),
    m(LeaderReview,        &[ReplyDrafted],                                            &[Leader],  OneOf(&[AwaitingQc, Handling]), Unguarded,          BENCH,  &[ReplyAndQc]),
    m(QcPass,              &[AwaitingQc],                                              &[B],       To(Closed),                     Unguarded,          QC,     &[ReplyAndQc]),
    m(QcFail,              &[AwaitingQc],                                              &[B],       To(Handling),                   Unguarded,          QC,     &[ReplyAndQc]),
    // After closing (Art. 6(一).3, 6(二).3): follow-up and review.
    m(FollowUp,            &[Closed],                                                  &[B],       Stay,                           Unguarded,          QC,     &[OnlineFollowUp, Review]),
    m(RequestReview,       &[Closed],                                                  &[B, A, S], To(UnderReview),                Unguarded,          QC,     &[Review]),
    m(UpholdReview,        &[UnderReview],                                             &[B],       To(Closed),                     Unguarded,          QC,     &[Review]),
    m(ReturnOnReview,      &[UnderReview],                                             &[B],       To(Handling),                   HasUnit,            QC,     &[Review]),
];

/// The row of `action`: the table lists the actions in the order they are
/// declared, one row each (a test checks), so this is an index.
pub fn move_of(action: ActionKind) -> &'static Move {
    &MOVES[action as usize]
}

/// The actions staff take over the API.
pub fn staff_actions() -> impl Iterator<Item = ActionKind> {
    MOVES
        .iter()
        .filter(|m| matches!(m.via, Via::Staff(_)))
        .map(|m| m.action)
}

/// The desk that serves a staff action; `None` for the pipeline's own.
pub fn desk_of(action: ActionKind) -> Option<Desk> {
    match move_of(action).via {
        Via::Staff(desk) => Some(desk),
        Via::Screening | Via::Intake => None,
    }
}
