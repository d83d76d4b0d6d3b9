//! What someone does to a case: every action's name and fields, declared
//! once in [`actions!`] (the enum [`Action`], its field-less twin
//! [`ActionKind`] with the stable names, and the parse that names every bad
//! field). Which status an action may start from, who may do it and the
//! article that allows it are in the table of moves ([`super::moves`]).

use serde_json::Value;

use super::{Adoption, RejectCategory, Satisfaction};
use crate::base::fields::{FieldError, FieldValue, Fields, Issue};
use crate::base::ids::UnitId;

/// Declares the actions: for each, its variant, its stable name and its
/// fields (`name: Type`, or `name: Type = default` when optional). The
/// field names are the API's JSON names.
macro_rules! actions {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty $(= $default:expr)? ),* $(,)?
        }
    ),+ $(,)?) => {
        /// What someone does to a case, with what they give for it.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Action {
            $( $(#[$doc])* $variant { $( $(#[$fdoc])* $field: $ty ),* }, )+
        }

        /// An action's name, without its fields.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ActionKind {
            $( $(#[$doc])* $variant, )+
        }

        text_enum!(ActionKind { $( $variant = $name, )+ });

        impl ActionKind {
            /// Every action, in the order they are declared.
            pub const EVERY: &'static [ActionKind] = &[$( ActionKind::$variant ),+];
        }

        impl Action {
            /// Which action this is.
            pub fn kind(&self) -> ActionKind {
                match self {
                    $( Self::$variant { .. } => ActionKind::$variant, )+
                }
            }

            /// Reads the fields of action `kind`; every problem is recorded.
            fn read(kind: ActionKind, f: &mut Fields<'_>) -> Option<Self> {
                match kind {
                    $( ActionKind::$variant => {
                        $( let $field = actions!(@field f, $field, $ty $(, $default)?); )*
                        Some(Self::$variant { $( $field: $field? ),* })
                    } )+
                }
            }
        }
    };
    (@field $f:ident, $field:ident, $ty:ty) => {
        $f.get::<$ty>(stringify!($field))
    };
    // An optional note is taken as written, anything but text as none.
    (@field $f:ident, $field:ident, $ty:ty, $default:expr) => {
        Some(
            $f.raw(stringify!($field))
                .and_then(serde_json::Value::as_str)
                .map_or_else(|| $default, str::to_string),
        )
    };
}

actions! {
    /// Screening accepts a received case (Art. 5).
    Accept = "accept" {
        /// The screening rule that decided.
        rule: String,
        /// What screening noticed for the handler.
        flags: Vec<String>,
    },
    /// Screening does not accept a case, in one of Art. 5's categories.
    Reject = "reject" {
        /// Art. 5's category.
        category: RejectCategory,
        /// The screening rule that fired.
        rule: String,
        /// Where to go instead (category 3).
        referral: Option<String>,
    },
    /// Screening proposes not to accept a case; a person decides.
    ProposeRejection = "propose_rejection" {
        /// Art. 5's category.
        category: RejectCategory,
        /// The screening rule that fired.
        rule: String,
        /// The pattern that matched.
        matched: Option<String>,
        /// The sentence it matched in.
        context: Option<String>,
        /// Where to go instead (category 3).
        referral: Option<String>,
    },
    /// The bureau confirms screening's proposal: not accepted.
    ConfirmRejection = "confirm_rejection" {
        /// Why, on record.
        reason: String,
    },
    /// The bureau accepts a case screening turned away or proposed to.
    OverrideToAccept = "override_to_accept" {
        /// Why, on record.
        reason: String,
    },
    /// The bureau turns away a case screening accepted.
    OverrideToReject = "override_to_reject" {
        /// Art. 5's category.
        category: RejectCategory,
        /// Why, on record.
        reason: String,
    },
    /// The bureau sends an accepted case to its lead unit (and co-units).
    Route = "route" {
        /// The handling unit.
        lead: UnitId,
        /// Units handling it jointly (协办).
        co_units: Vec<UnitId>,
    },
    /// The lead unit signs for the case (签收).
    AcceptAssignment = "accept_assignment" {
        /// A note (optional).
        note: String = String::new(),
    },
    /// The lead unit returns a case that is not theirs.
    ReturnMisrouted = "return_misrouted" {
        /// Why it is not theirs.
        reason: String,
    },
    /// The bureau gives a case in handling to another unit.
    Reassign = "reassign" {
        /// The new handling unit.
        lead: UnitId,
        /// The new co-units.
        co_units: Vec<UnitId>,
        /// Why, on record.
        reason: String,
    },
    /// The agent answers at once (即办; the hall's on-the-spot answer).
    AnswerImmediately = "answer_immediately" {
        /// The answer given.
        answer: String,
    },
    /// A three-way call: the unit answers at once (直办).
    TransferDirect = "transfer_direct" {
        /// The unit on the call.
        unit: UnitId,
        /// The unit's answer.
        answer: String,
    },
    /// A special report to the city government (呈办).
    Escalate = "escalate" {
        /// Why it is escalated.
        reason: String,
    },
    /// The city government's instruction names who handles the case.
    ReceiveInstruction = "receive_instruction" {
        /// The instruction, as received.
        instruction: String,
        /// The handling unit it names.
        lead: UnitId,
        /// The co-units it names.
        co_units: Vec<UnitId>,
    },
    /// The city government's instruction settles the case.
    CloseOnInstruction = "close_on_instruction" {
        /// The instruction, as received.
        instruction: String,
    },
    /// The caller called again about an open case: what they say is
    /// added to it instead of registered anew (the deadline unchanged).
    AddToCase = "add_to_case" {
        /// What the caller added, as the agent took it down.
        text: String,
    },
    /// The lead unit asks for more time.
    RequestExtension = "request_extension" {
        /// How many more working days.
        working_days: ExtensionDays,
        /// Why.
        reason: String,
    },
    /// The bureau grants more time (the approver is the token's subject).
    ApproveExtension = "approve_extension" {
        /// For joint handling, the city leader who approved, by name
        /// (required when the case has co-units).
        city_leader: Option<String>,
        /// How many more working days.
        working_days: ExtensionDays,
    },
    /// The bureau refuses more time.
    RefuseExtension = "refuse_extension" {
        /// Why.
        reason: String,
    },
    /// The lead unit reached the submitter (the contact milestone, Art.
    /// 6(一).1).
    RecordContact = "record_contact" {
        /// How and what was said.
        note: String,
    },
    /// The lead unit marks the case complex: the longer limit applies.
    MarkComplex = "mark_complex" {
        /// Why it is complex.
        reason: String,
    },
    /// A co-unit records its part of joint handling.
    CoUnitInput = "co_unit_input" {
        /// The co-unit's input.
        text: String,
    },
    /// The lead unit tells the submitter where the handling stands
    /// (阶段性答复): shown on tracking.
    InterimReply = "interim_reply" {
        /// What the submitter is told.
        text: String,
    },
    /// A clue of misconduct goes to the discipline commission.
    ReferMisconductClue = "refer_misconduct_clue" {
        /// What was referred.
        note: String,
        /// Where it went (optional; the discipline inspection and
        /// supervision commission by default).
        destination: String = "纪检监察机关".to_string(),
    },
    /// The bureau records that the body the clue went to received it.
    AcknowledgeClue = "acknowledge_clue" {
        /// The acknowledgement, as received.
        note: String,
    },
    /// The bureau urges the lead unit (催办).
    Urge = "urge" {
        /// The urge notice's text.
        note: String,
    },
    /// The lead unit explains why the case is late.
    ExplainDelay = "explain_delay" {
        /// The explanation.
        explanation: String,
    },
    /// The lead unit drafts its reply.
    DraftReply = "draft_reply" {
        /// The reply.
        text: String,
        /// For a suggestion: taken up or not (required for the hall's).
        adoption: Option<Adoption>,
        /// Why not, or not wholly (required unless adopted).
        adoption_reason: Option<String>,
        /// The reply is issued in writing (required `true` for a written
        /// complaint at the hall).
        written_reply: Option<bool>,
    },
    /// The unit's leader (the token's subject, with the `leader` claim)
    /// approves the draft or sends it back.
    LeaderReview = "leader_review" {
        /// Whether the draft goes on to QC.
        approved: bool,
        /// The leader's note (optional).
        note: String = String::new(),
        /// The draft as the leader corrected it (optional): with approval
        /// it is the reply QC checks and the submitter gets, recorded as
        /// the leader's; sent back, it is what the clerk redoes from.
        text: Option<String>,
    },
    /// The bureau's quality check passes the reply: it is released.
    QcPass = "qc_pass" {},
    /// The quality check fails the reply: the unit redoes it.
    QcFail = "qc_fail" {
        /// What must be redone.
        reasons: String,
    },
    /// A follow-up call's result.
    FollowUp = "follow_up" {
        /// How satisfied the submitter is.
        result: Satisfaction,
        /// Notes of the call (optional).
        note: String = String::new(),
    },
    /// The submitter asks for a review (复查、复核).
    RequestReview = "request_review" {
        /// Why.
        reason: String,
    },
    /// The bureau upholds the handling: closed again.
    UpholdReview = "uphold_review" {
        /// The decision's note.
        note: String,
    },
    /// The bureau returns the case to its unit for a new round.
    ReturnOnReview = "return_on_review" {
        /// What was handled wrongly.
        reason: String,
    },
}

impl Action {
    /// The action's stable name.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The units an action names, with the field an unknown one is reported
    /// under (they must exist in the directory).
    pub fn named_units(&self) -> Vec<(&'static str, &UnitId)> {
        match self {
            Self::Route { lead, co_units }
            | Self::Reassign { lead, co_units, .. }
            | Self::ReceiveInstruction { lead, co_units, .. } => std::iter::once(lead)
                .chain(co_units)
                .map(|u| ("lead", u))
                .collect(),
            Self::TransferDirect { unit, .. } => vec![("unit", unit)],
            _ => Vec::new(),
        }
    }
}

impl serde::Serialize for ActionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The most working days one extension may add.
pub const MAX_EXTENSION_DAYS: u32 = 60;

/// How many working days an extension adds: 1 to [`MAX_EXTENSION_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExtensionDays(u32);

impl ExtensionDays {
    /// `None` outside 1 to [`MAX_EXTENSION_DAYS`].
    pub fn new(days: u32) -> Option<Self> {
        (1..=MAX_EXTENSION_DAYS)
            .contains(&days)
            .then_some(Self(days))
    }

    /// The number of working days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl FieldValue for ExtensionDays {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        match crate::base::fields::whole_number(value).filter(|n| *n >= 0) {
            Some(n) => u32::try_from(n).ok().and_then(Self::new).ok_or_else(|| {
                vec![Issue::new(
                    "invalid",
                    format!("a whole number from 1 to {MAX_EXTENSION_DAYS}"),
                )]
            }),
            None => Err(vec![Self::missing()]),
        }
    }

    fn missing() -> Issue {
        Issue::new("missing", "a whole number is required")
    }
}

impl FieldValue for RejectCategory {
    fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
        crate::base::fields::whole_number(value)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(RejectCategory::from_number)
            .ok_or_else(|| vec![Self::missing()])
    }

    fn missing() -> Issue {
        Issue::new("invalid", "1, 2, 3 or 4 (Art. 5)")
    }
}

/// A closed set of names read as a field (`unknown_value` listing the
/// set otherwise).
macro_rules! named_field {
    ($($t:ty),+) => {$(
        impl FieldValue for $t {
            fn from_value(value: &Value) -> Result<Self, Vec<Issue>> {
                value
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| vec![Self::missing()])
            }

            fn missing() -> Issue {
                Issue::new(
                    "unknown_value",
                    format!("must be one of: {}", <$t>::ALL.join(", ")),
                )
            }
        }
    )+};
}

named_field!(Satisfaction, Adoption);

/// What a reply must say beside its text, by the case (Art. 6(三)): a
/// suggestion made at the service hall says whether it is taken up, and
/// why not when it is not wholly (only suggestions record adoption); a
/// written complaint at the hall is answered in writing.
pub fn reply_requirements(
    facts: &crate::time::deadlines::CaseFacts,
    adoption: Option<Adoption>,
    reason: Option<&str>,
    written_reply: Option<bool>,
) -> Result<(), Vec<FieldError>> {
    use crate::case::words::{Channel, HallForm, Kind};
    let (channel, kind) = (facts.channel, facts.kind);
    let mut errors = Vec::new();
    let written_complaint = channel == Channel::ServiceHall
        && kind == Kind::Complaint
        && facts.form == Some(HallForm::Written);
    if written_complaint && written_reply != Some(true) {
        errors.push(FieldError::new(
            "written_reply",
            "missing",
            "a written complaint at the hall is answered in writing: confirm with written_reply: true",
        ));
    }
    match (kind, adoption) {
        (Kind::Suggestion, None) if channel == Channel::ServiceHall => {
            errors.push(FieldError::new(
                "adoption",
                "missing",
                format!(
                    "a hall suggestion's reply says whether it is taken up: {}",
                    Adoption::ALL.join(", ")
                ),
            ))
        }
        (Kind::Suggestion, Some(a)) if a != Adoption::Adopted && reason.is_none() => {
            errors.push(FieldError::new(
                "adoption_reason",
                "missing",
                "say why the suggestion is not (wholly) taken up",
            ))
        }
        (Kind::Consultation | Kind::Complaint, Some(_)) => errors.push(FieldError::new(
            "adoption",
            "not_for_kind",
            "adoption is recorded for suggestions only",
        )),
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Parses a staff action as the API takes it, `{"action": "...",
/// ...fields}`; every problem names its field. Only the actions staff take
/// over the API ([`super::moves::Via::Staff`]) are accepted.
pub fn parse(body: &Value) -> Result<Action, Vec<FieldError>> {
    let mut f = Fields::of(body)?;
    let staff: Vec<&str> = super::moves::staff_actions()
        .map(ActionKind::as_str)
        .collect();
    let kind = match f.raw("action") {
        None => {
            f.error("action", "missing", "this field is required");
            None
        }
        Some(Value::String(name)) if name.trim().is_empty() => {
            f.error("action", "invalid", "1 to 5000 characters");
            None
        }
        Some(Value::String(name)) => match name.trim().parse::<ActionKind>() {
            Ok(kind) if staff.contains(&kind.as_str()) => Some(kind),
            _ => {
                f.error(
                    "action",
                    "unknown_value",
                    format!("must be one of: {}", staff.join(", ")),
                );
                None
            }
        },
        Some(_) => {
            f.error("action", "wrong_type", "this field must be a string");
            None
        }
    };
    let action = kind.and_then(|kind| Action::read(kind, &mut f));
    f.finish(action)
}
