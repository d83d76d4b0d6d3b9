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
        Action::AnswerImmediately { .. } | Action::TransferDirect { .. } => &[Received, Accepted],
        Action::ReceiveInstruction { .. } | Action::CloseOnInstruction { .. } => &[Escalated],
        Action::RequestExtension { .. }
        | Action::DraftReply { .. }
        | Action::MarkComplex { .. } => &[Handling],
        Action::RecordContact { .. } => &[Handling, ReplyDrafted],
        Action::ApproveExtension { .. } | Action::RefuseExtension { .. } => &[Handling],
        Action::CoUnitInput { .. } | Action::Urge { .. } => &[Handling, ReplyDrafted],
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
            let result = transition(&lc, action.clone(), &actor);
            if allowed_from(&action).contains(&status) {
                let t = result.unwrap_or_else(|e| panic!("{} from {status:?}: {e}", action.name()));
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
fn an_overridden_proposal_goes_on_to_routing_and_an_overridden_rejection_waits_for_the_bureau() {
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
        }]
    );
    // The clerk does not see the button; the leader does.
    assert!(!allowed_actions(&drafted, &Actor::unit(lead())).contains(&ActionKind::LeaderReview));
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
    let t =
        transition(&at(Status::AwaitingQc), Action::QcPass {}, &Actor::bureau()).expect("passes");
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
    assert_eq!(log.len(), 7);
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
    assert_eq!(staff.len(), 28);
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
    let handling = at(Status::Handling);
    assert_eq!(
        names(&handling, &Actor::unit(lead())),
        vec![
            "accept_assignment",
            "return_misrouted",
            "request_extension",
            "record_contact",
            "mark_complex",
            "refer_misconduct_clue",
            "explain_delay",
            "draft_reply"
        ]
    );
    assert_eq!(names(&handling, &Actor::unit(co())), vec!["co_unit_input"]);
    assert_eq!(
        names(&handling, &Actor::unit(unit("qibin-water"))),
        Vec::<&str>::new()
    );
    assert_eq!(
        names(&handling, &Actor::bureau()),
        vec!["reassign", "refer_misconduct_clue", "urge"]
    );
    let mut waiting = handling.clone();
    waiting.extension_pending = true;
    assert_eq!(
        names(&waiting, &Actor::bureau()),
        vec![
            "reassign",
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
        leader: false,
    };
    for (action, _) in every_action() {
        for status in ALL_STATUSES {
            let mut lc = at(status);
            lc.extension_pending = true;
            assert!(transition(&lc, action.clone(), &scheduler).is_err());
            let by_citizen = transition(&lc, action.clone(), &Actor::citizen());
            let review = matches!(action, Action::RequestReview { .. }) && status == Status::Closed;
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
