//! The words every concern of a case shares: where it came in
//! ([`Channel`]), what it asks ([`Kind`]), how the hotline or the hall takes
//! it ([`HotlineMode`], [`HallForm`]), where it stands ([`Status`]) and who
//! acts on it ([`Role`]). They decide nothing; they sit at the bottom so
//! that intake, access, deadlines and the lifecycle can all name them.

use serde::Serialize;

/// Where a case came in (Art. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The provincial online platform (day and night).
    OnlinePlatform,
    /// The 12345 hotline by phone, through an agent (day and night).
    HotlinePhone,
    /// The 12345 hotline's web form (day and night).
    HotlineWeb,
    /// The service hall's desk, in its opening hours.
    ServiceHall,
}

/// What the submitter asks for (Art. 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 咨询: a question.
    Consultation,
    /// 投诉: a complaint.
    Complaint,
    /// 建议: a suggestion.
    Suggestion,
}

/// How a hotline case is handled (Art. 6(二).1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HotlineMode {
    /// 即办: answered by the agent at once.
    Immediate,
    /// 直办: three-way call to the unit, answered at once.
    Direct,
    /// 转办: transferred to a unit for investigation.
    Transfer,
    /// 协办: a lead unit and co-units.
    Joint,
    /// 呈办: special report to the city government.
    Escalate,
}

/// How a complaint reaches the service hall's desk (Art. 6(三)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HallForm {
    /// Told at the desk and recorded there.
    Oral,
    /// Handed in on a registration form; answered in writing.
    Written,
}

text_enum!(HotlineMode {
    Immediate = "immediate",
    Direct = "direct",
    Transfer = "transfer",
    Joint = "joint",
    Escalate = "escalate",
});
text_enum!(HallForm {
    Oral = "oral",
    Written = "written",
});
text_enum!(Channel {
    OnlinePlatform = "online_platform",
    HotlinePhone = "hotline_phone",
    HotlineWeb = "hotline_web",
    ServiceHall = "service_hall",
});
text_enum!(Kind {
    Consultation = "consultation",
    Complaint = "complaint",
    Suggestion = "suggestion",
});

impl Channel {
    /// The hotline's phone line and the hall's desk take cases through an
    /// agent; the online platform and the hotline's web form take them
    /// from the public.
    pub fn needs_agent(self) -> bool {
        matches!(self, Channel::HotlinePhone | Channel::ServiceHall)
    }

    /// Only the service hall keeps opening hours; the other channels take
    /// cases day and night (Art. 2).
    pub fn has_opening_hours(self) -> bool {
        self == Channel::ServiceHall
    }

    /// The hotline takes cases by phone and by its web form.
    pub fn is_hotline(self) -> bool {
        matches!(self, Channel::HotlinePhone | Channel::HotlineWeb)
    }

    /// As a person reads it (the portal's words).
    pub fn in_chinese(self) -> &'static str {
        match self {
            Self::OnlinePlatform => "网上平台",
            Self::HotlinePhone => "12345 热线电话",
            Self::HotlineWeb => "12345 网站",
            Self::ServiceHall => "政务服务大厅",
        }
    }
}

impl Kind {
    /// As a person reads it.
    pub fn in_chinese(self) -> &'static str {
        match self {
            Self::Consultation => "咨询",
            Self::Complaint => "投诉",
            Self::Suggestion => "建议",
        }
    }
}

impl Status {
    /// As a person reads it (the portal's words).
    pub fn in_chinese(self) -> &'static str {
        match self {
            Self::Received => "已接收",
            Self::Screening => "受理审核中",
            Self::Rejected => "不予受理",
            Self::Accepted => "已受理",
            Self::Escalated => "已呈报",
            Self::Handling => "办理中",
            Self::ReplyDrafted => "已拟答复",
            Self::AwaitingQc => "待质检",
            Self::Closed => "已办结",
            Self::UnderReview => "复核中",
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In, not yet screened.
    Received,
    /// Screening proposed not to accept it: a person in the bureau decides
    /// (受理审核中); the submitter is told nothing else before.
    Screening,
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
    Screening = "screening",
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
    /// The bureau (政务服务和大数据管理局): coordinates, screens, routes,
    /// checks replies, follows up.
    Bureau,
    /// Staff of one handling unit.
    Unit,
    /// A hotline or service-hall agent at the front desk.
    Agent,
    /// A city service supervisor: reads, never acts (Art. 8).
    Supervisor,
    /// A service account of the deployment's scheduler (its subject names
    /// the job): may run the deadline scan and nothing else.
    Scheduler,
    /// The submitter, on their own case, by tracking code and the second
    /// factor (never by token).
    Citizen,
}

text_enum!(Role {
    Bureau = "bureau",
    Unit = "unit",
    Agent = "agent",
    Supervisor = "supervisor",
    Scheduler = "scheduler",
    Citizen = "citizen",
});
