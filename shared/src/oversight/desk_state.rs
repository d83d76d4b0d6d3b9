//! Where a case stands at the desk, as the inbox's state column says it
//! (待签收, 办理中, 重办, 待负责人审核, 待质检, 延期申请中, 已催办), and how many
//! working days are left before its next deadline.

use chrono::NaiveDate;
use serde::Serialize;

use crate::case::words::Status;
use crate::time::calendar::Calendar;

/// The state column of a case being handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskState {
    /// 待签收: with its unit, not yet signed for.
    AwaitingSignature,
    /// 办理中: signed for and being handled.
    Handling,
    /// 重办: back with its unit after a failed quality check or a review
    /// that found it handled wrongly.
    Redo,
    /// 待负责人审核: the draft waits for the unit leader.
    AwaitingLeader,
    /// 待质检: the reply waits for the bureau's check.
    AwaitingQc,
    /// 延期申请中: an extension asked for, not yet decided.
    ExtensionRequested,
    /// 已催办: urged, the notice not yet acknowledged.
    Urged,
}

text_enum!(DeskState {
    AwaitingSignature = "awaiting_signature",
    Handling = "handling",
    Redo = "redo",
    AwaitingLeader = "awaiting_leader",
    AwaitingQc = "awaiting_qc",
    ExtensionRequested = "extension_requested",
    Urged = "urged",
});

/// What a case's row says about its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handling {
    /// Its status.
    pub status: Status,
    /// Whether its present unit signed for it.
    pub signed: bool,
    /// Whether an extension waits for the bureau's decision.
    pub extension_pending: bool,
    /// The reply round (1 until a QC failure or a returned review).
    pub round: u32,
    /// Urge notices not acknowledged.
    pub urges: i64,
}

impl DeskState {
    /// The state of a case in handling; `None` before it reached a unit
    /// or once it left them (the status says it then). What needs doing
    /// first wins: signing, then the leader's or the bureau's turn, then a
    /// waiting extension, an urge, a redo.
    pub fn of(h: Handling) -> Option<Self> {
        match h.status {
            Status::Handling if !h.signed => Some(Self::AwaitingSignature),
            Status::ReplyDrafted => Some(Self::AwaitingLeader),
            Status::AwaitingQc => Some(Self::AwaitingQc),
            Status::Handling if h.extension_pending => Some(Self::ExtensionRequested),
            Status::Handling if h.urges > 0 => Some(Self::Urged),
            Status::Handling if h.round > 1 => Some(Self::Redo),
            Status::Handling => Some(Self::Handling),
            _ => None,
        }
    }
}

/// Working days from `today` to the deadline day `due`: 0 when it falls
/// due today (or on the next working day after a day off), negative by the
/// working days it is late.
pub fn working_days_left(calendar: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
    if due >= today {
        i64::from(calendar.working_days_between(today, due))
    } else {
        -i64::from(calendar.working_days_between(due, today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        status: Status,
        signed: bool,
        extension: bool,
        round: u32,
        urges: i64,
    ) -> Option<DeskState> {
        DeskState::of(Handling {
            status,
            signed,
            extension_pending: extension,
            round,
            urges,
        })
    }

    #[test]
    fn the_state_column_says_what_needs_doing_first() {
        use DeskState::*;
        assert_eq!(
            state(Status::Handling, false, false, 1, 0),
            Some(AwaitingSignature)
        );
        assert_eq!(
            state(Status::Handling, false, true, 2, 3),
            Some(AwaitingSignature)
        );
        assert_eq!(state(Status::Handling, true, false, 1, 0), Some(Handling));
        assert_eq!(state(Status::Handling, true, false, 2, 0), Some(Redo));
        assert_eq!(state(Status::Handling, true, false, 2, 1), Some(Urged));
        assert_eq!(
            state(Status::Handling, true, true, 2, 1),
            Some(ExtensionRequested)
        );
        assert_eq!(
            state(Status::ReplyDrafted, true, false, 1, 1),
            Some(AwaitingLeader)
        );
        assert_eq!(
            state(Status::AwaitingQc, true, false, 2, 0),
            Some(AwaitingQc)
        );
        for status in [
            Status::Received,
            Status::Screening,
            Status::Accepted,
            Status::Escalated,
            Status::Closed,
            Status::Rejected,
            Status::UnderReview,
        ] {
            assert_eq!(state(status, true, false, 1, 0), None, "{status:?}");
        }
    }

    #[test]
    fn working_days_left_skip_the_national_day_holiday_and_count_lateness_negative() {
        let cal = Calendar::official();
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        // Tuesday 2025-09-30 to Saturday 2025-10-11 (a make-up working day
        // after the National Day week): only 10-09, 10-10 and 10-11 work.
        assert_eq!(working_days_left(&cal, d("2025-09-30"), d("2025-10-11")), 3);
        assert_eq!(working_days_left(&cal, d("2025-10-11"), d("2025-10-11")), 0);
        // Due Friday 10-10, on Tuesday 10-14: late by 10-11 (worked), 10-13, 10-14.
        assert_eq!(
            working_days_left(&cal, d("2025-10-14"), d("2025-10-10")),
            -3
        );
    }
}
