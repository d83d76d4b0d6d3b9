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
            Self::LeadUnit | Self::LeadUnitLeader | Self::CoUnit => Role::Unit,
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

const fn row(
    action: ActionKind,
    from: &'static [Status],
    by: &'static [Performer],
    to: Next,
    article: &'static [super::Article],
) -> Move {
    Move {
        action,
        from,
        by,
        to,
        guard: Guard::None,
        article: Citation(article),
        via: Via::Staff(Desk::Cases),
    }
}

/// A staff move served by `desk` (a row is the cases desk's otherwise).
const fn desk(m: Move, desk: Desk) -> Move {
    Move {
        via: Via::Staff(desk),
        ..m
    }
}

const fn guarded(m: Move, guard: Guard) -> Move {
    Move { guard, ..m }
}

const fn via(m: Move, via: Via) -> Move {
    Move { via, ..m }
}

use Desk::{Qc as QcDesk, Reply as Bench};
use Performer::{
    Agent as A, Bureau as B, CoUnit as Co, LeadUnit as Lead, LeadUnitLeader as Leader,
    Submitter as S,
};

/// Every move of the lifecycle, one row per action (the paths listed in
/// the module's documentation, `lifecycle`).
pub const MOVES: &[Move] = &[
    // Screening (Art. 5), and the bureau overriding it either way (Art. 4).
    via(
        row(Accept, &[Received], &[B], Next::To(Accepted), &[Screening]),
        Via::Screening,
    ),
    via(
        row(Reject, &[Received], &[B], Next::To(Rejected), &[Screening]),
        Via::Screening,
    ),
    // Screening proposes, a person decides.
    via(
        row(
            ProposeRejection,
            &[Received],
            &[B],
            Next::To(Status::Screening),
            &[Screening],
        ),
        Via::Screening,
    ),
    row(
        ConfirmRejection,
        &[Status::Screening],
        &[B],
        Next::To(Rejected),
        &[Coordination, Screening],
    ),
    row(
        OverrideToAccept,
        &[Rejected, Status::Screening],
        &[B],
        Next::To(Accepted),
        &[Coordination, Screening],
    ),
    row(
        OverrideToReject,
        &[Accepted],
        &[B],
        Next::To(Rejected),
        &[Coordination, Screening],
    ),
    // Dispatch (Art. 3, 6): a misrouted case comes back, the bureau reassigns.
    row(
        Route,
        &[Accepted],
        &[B],
        Next::To(Handling),
        &[Forwarding, Dispatch],
    ),
    desk(
        row(
            AcceptAssignment,
            &[Handling],
            &[Lead],
            Next::Stay,
            &[Dispatch],
        ),
        Bench,
    ),
    desk(
        row(
            ReturnMisrouted,
            &[Handling],
            &[Lead],
            Next::To(Accepted),
            &[Dispatch],
        ),
        Bench,
    ),
    row(
        Reassign,
        &[Handling],
        &[B],
        Next::Stay,
        &[Coordination, Dispatch],
    ),
    // Answered at intake (Art. 3's exception, Art. 6(二).1(1)(2), 6(三)).
    via(
        row(
            AnswerImmediately,
            &[Received, Accepted],
            &[A],
            Next::To(Closed),
            &[Forwarding, Immediate, Hall],
        ),
        Via::Intake,
    ),
    via(
        row(
            TransferDirect,
            &[Received, Accepted],
            &[A],
            Next::To(Closed),
            &[Direct],
        ),
        Via::Intake,
    ),
    // Escalation (呈办) waits for the city government's instruction.
    row(
        Escalate,
        &[Accepted],
        &[B, A],
        Next::To(Escalated),
        &[Escalation],
    ),
    row(
        ReceiveInstruction,
        &[Escalated],
        &[B],
        Next::To(Handling),
        &[Escalation],
    ),
    row(
        CloseOnInstruction,
        &[Escalated],
        &[B],
        Next::To(Closed),
        &[Escalation],
    ),
    // Handling: extensions, co-units' input, misconduct clues, urging.
    desk(
        guarded(
            row(RequestExtension, &[Handling], &[Lead], Next::Stay, &[Joint]),
            Guard::NoExtensionWaiting,
        ),
        Bench,
    ),
    desk(
        guarded(
            row(ApproveExtension, &[Handling], &[B], Next::Stay, &[Joint]),
            Guard::ExtensionWaiting,
        ),
        Bench,
    ),
    desk(
        guarded(
            row(RefuseExtension, &[Handling], &[B], Next::Stay, &[Joint]),
            Guard::ExtensionWaiting,
        ),
        Bench,
    ),
    // The 1-5-15 milestones: contact, and the longer limit when complex.
    desk(
        row(
            RecordContact,
            &[Handling, ReplyDrafted],
            &[Lead],
            Next::Stay,
            &[OnlineLimits],
        ),
        Bench,
    ),
    desk(
        guarded(
            row(
                MarkComplex,
                &[Handling],
                &[Lead],
                Next::Stay,
                &[OnlineLimits],
            ),
            Guard::NotComplex,
        ),
        Bench,
    ),
    desk(
        row(
            CoUnitInput,
            &[Handling, ReplyDrafted],
            &[Co],
            Next::Stay,
            &[Joint],
        ),
        Bench,
    ),
    desk(
        row(
            ReferMisconductClue,
            &[Handling, ReplyDrafted, AwaitingQc],
            &[B, Lead],
            Next::Stay,
            &[Transfer],
        ),
        Bench,
    ),
    guarded(
        row(
            AcknowledgeClue,
            &[Handling, ReplyDrafted, AwaitingQc, Closed, UnderReview],
            &[B],
            Next::Stay,
            &[Transfer],
        ),
        Guard::CluePending,
    ),
    guarded(
        row(Urge, &[Handling, ReplyDrafted], &[B], Next::Stay, &[Urging]),
        Guard::HasUnit,
    ),
    // A late case's explanation record (the hall's, Art. 6(三)).
    desk(
        row(
            ExplainDelay,
            &[Handling, ReplyDrafted, AwaitingQc, Closed],
            &[Lead],
            Next::Stay,
            &[Hall, Urging],
        ),
        Bench,
    ),
    // Reply (Art. 6(一).2): draft, the leader's review, the bureau's QC.
    desk(
        row(
            DraftReply,
            &[Handling],
            &[Lead],
            Next::To(ReplyDrafted),
            &[ReplyAndQc],
        ),
        Bench,
    ),
    desk(
        row(
            LeaderReview,
            &[ReplyDrafted],
            &[Leader],
            Next::OneOf(&[AwaitingQc, Handling]),
            &[ReplyAndQc],
        ),
        Bench,
    ),
    desk(
        row(QcPass, &[AwaitingQc], &[B], Next::To(Closed), &[ReplyAndQc]),
        QcDesk,
    ),
    desk(
        row(
            QcFail,
            &[AwaitingQc],
            &[B],
            Next::To(Handling),
            &[ReplyAndQc],
        ),
        QcDesk,
    ),
    // After closing (Art. 6(一).3, 6(二).3): follow-up and review.
    desk(
        row(
            FollowUp,
            &[Closed],
            &[B],
            Next::Stay,
            &[OnlineFollowUp, Review],
        ),
        QcDesk,
    ),
    desk(
        row(
            RequestReview,
            &[Closed],
            &[B, A, S],
            Next::To(UnderReview),
            &[Review],
        ),
        QcDesk,
    ),
    desk(
        row(
            UpholdReview,
            &[UnderReview],
            &[B],
            Next::To(Closed),
            &[Review],
        ),
        QcDesk,
    ),
    desk(
        guarded(
            row(
                ReturnOnReview,
                &[UnderReview],
                &[B],
                Next::To(Handling),
                &[Review],
            ),
            Guard::HasUnit,
        ),
        QcDesk,
    ),
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
