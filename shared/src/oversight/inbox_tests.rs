//! Work lists against real SQLite: a unit sees what it leads or co-handles,
//! soonest deadline first, pages continue, its look is recorded; the bureau's
//! queues hold what they say.

use super::*;
use crate::base::db::NativeDb;
use crate::base::rules::Rules;
use crate::base::test_support::{migrated_db, store_case, t};
use crate::desk::actions::{apply, TimeRules as ActionRules};
use crate::lifecycle::history;
use crate::lifecycle::{Action, Actor};
use crate::time::calendar::Calendar;
use crate::time::deadlines::DeadlineRules;

const AT: &str = "2025-09-30T10:00:00+08:00";

fn submit(db: &NativeDb, n: u8, channel: &str, title: &str, content: &str) -> CaseId {
    let body = serde_json::json!({
        "channel": channel, "kind": "complaint", "title": title, "content": content,
        "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234560{n}")}
    });
    let id = store_case(db, n, body, AT);
    let rules = Rules::defaults();
    crate::triage::pipeline::screen_case(db, id, &rules, t(AT)).expect("screens");
    crate::triage::pipeline::dispatch_case(db, id, &rules, t(AT)).expect("dispatches");
    id
}

fn who(role: Role, unit: Option<&str>) -> Principal {
    Principal {
        subject: "someone".into(),
        role,
        unit: unit.map(|u| u.parse().expect("unit")),
        leader: false,
    }
}

fn ids(page: &InboxPage) -> Vec<i64> {
    page.cases.iter().map(|c| c.case_id.get()).collect()
}

fn filter() -> Filter {
    Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    }
}

fn settings() -> Settings {
    Settings {
        stuck_after: Duration::minutes(5),
        follow_up_rate: 0.2,
    }
}

fn now(s: &str) -> DateTime<Utc> {
    t(s).with_timezone(&Utc)
}

fn setup() -> (NativeDb, [CaseId; 4]) {
    let db = migrated_db();
    crate::base::test_support::seed_demo(&db);
    // Online platform: finish within 5 working days (14 October; its
    // contact milestone is not chased).
    let lamp = submit(
        &db,
        1,
        "online_platform",
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
    );
    // Hotline, made joint handling below: 15 working days, due 28 October.
    let noise = submit(
        &db,
        2,
        "hotline_web",
        "小区噪音",
        "小区物业管理混乱，夜间噪音扰民，请处理。",
    );
    let triage = submit(
        &db,
        3,
        "hotline_web",
        "其他问题",
        "请问这个问题应该找哪个部门解决？",
    );
    let rejected = submit(
        &db,
        4,
        "hotline_web",
        "撤销判决",
        "法院判决不公，请撤销法院判决，重新审理。",
    );
    let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
    let version = history::load_lifecycle(&db, noise).expect("loads").version;
    apply(
        &db,
        noise,
        version,
        Action::Reassign {
            lead: "qibin-housing".parse().expect("unit"),
            co_units: vec!["qibin-urban".parse().expect("unit")],
            reason: "物业问题".into(),
        },
        &Actor::bureau(),
        &ActionRules {
            calendar: &calendar,
            deadlines: &deadlines,
        },
        t(AT),
    )
    .expect("reassigned");
    (db, [lamp, noise, triage, rejected])
}

#[test]
fn a_unit_sees_what_it_leads_or_co_handles_soonest_deadline_first_page_by_page() {
    let (db, [lamp, noise, _, _]) = setup();
    let urban = who(Role::Unit, Some("qibin-urban"));
    let page = list(
        &db,
        &urban,
        &filter(),
        &settings(),
        now("2025-10-10T09:00:00+08:00"),
    )
    .expect("lists");
    assert_eq!(ids(&page), vec![lamp.get(), noise.get()]);
    assert_eq!(page.next, None);
    let first = &page.cases[0];
    assert_eq!(
        (
            first.next_due,
            first.overdue,
            first.lead_unit.as_ref().map(UnitId::as_str)
        ),
        (
            NaiveDate::from_ymd_opt(2025, 10, 14),
            false,
            Some("qibin-urban")
        )
    );
    // One a page.
    let one = Filter {
        limit: 1,
        ..filter()
    };
    let p1 = list(
        &db,
        &urban,
        &one,
        &settings(),
        now("2025-10-15T09:00:00+08:00"),
    )
    .expect("lists");
    assert_eq!(ids(&p1), vec![lamp.get()]);
    let next = p1.next.clone().expect("a next page");
    assert!(p1.cases[0].overdue, "due 14 October, now the 15th");
    let p2 = list(
        &db,
        &urban,
        &Filter {
            cursor: Cursor::decode(&next),
            ..one
        },
        &settings(),
        now("2025-10-15T09:00:00+08:00"),
    )
    .expect("lists");
    assert_eq!((ids(&p2), p2.next), (vec![noise.get()], None));
    // Each working day's first look is recorded once.
    let looks = db
        .execute(
            "SELECT day, first_at FROM unit_inbox_views WHERE unit_id = 'qibin-urban' ORDER BY day",
            &[],
        )
        .expect("looks");
    let days: Vec<(String, String)> = looks
        .iter()
        .map(|r| {
            (
                r.text("day").expect("day").into(),
                r.text("first_at").expect("at").into(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2025-10-10".into(), "2025-10-10T09:00:00+08:00".into()),
            ("2025-10-15".into(), "2025-10-15T09:00:00+08:00".into())
        ]
    );
    // Another unit sees none of them.
    let water = who(Role::Unit, Some("qibin-water"));
    assert!(list(&db, &water, &filter(), &settings(), now(AT))
        .expect("lists")
        .cases
        .is_empty());
}

#[test]
fn the_bureaus_queues_hold_what_they_say_and_others_have_none() {
    let (db, [lamp, noise, triage, rejected]) = setup();
    let bureau = who(Role::Bureau, None);
    let queue = |q: Option<Queue>, at: &str| {
        ids(&list(
            &db,
            &bureau,
            &Filter {
                queue: q,
                ..filter()
            },
            &settings(),
            now(at),
        )
        .expect("lists"))
    };
    assert_eq!(queue(None, AT), vec![triage.get()]);
    assert_eq!(queue(Some(Queue::Screening), AT), vec![rejected.get()]);
    assert!(queue(Some(Queue::Rejected), AT).is_empty());
    // The bureau's own decision on the proposal was due 9 October.
    assert_eq!(
        queue(Some(Queue::Overdue), "2025-10-15T09:00:00+08:00"),
        vec![lamp.get(), rejected.get()]
    );
    assert_eq!(
        queue(Some(Queue::Overdue), "2025-10-29T09:00:00+08:00"),
        vec![lamp.get(), noise.get(), rejected.get()]
    );
    assert!(queue(Some(Queue::Qc), AT).is_empty());
    let supervisor = who(Role::Supervisor, None);
    assert_eq!(
        ids(&list(&db, &supervisor, &filter(), &settings(), now(AT)).expect("lists")),
        vec![triage.get()]
    );
    let urban = who(Role::Unit, Some("qibin-urban"));
    assert_eq!(
        list(
            &db,
            &urban,
            &Filter {
                queue: Some(Queue::Triage),
                ..filter()
            },
            &settings(),
            now(AT)
        ),
        Err(InboxError::QueueForUnit)
    );
    for role in [Role::Agent, Role::Scheduler] {
        assert_eq!(
            list(&db, &who(role, None), &filter(), &settings(), now(AT)),
            Err(InboxError::Role(role))
        );
    }
    // Filters narrow a queue.
    let by_unit = Filter {
        queue: Some(Queue::Overdue),
        unit: Some("qibin-housing".parse().expect("unit")),
        ..filter()
    };
    assert_eq!(
        ids(&list(
            &db,
            &bureau,
            &by_unit,
            &settings(),
            now("2025-10-29T09:00:00+08:00")
        )
        .expect("lists")),
        vec![noise.get()]
    );
}

/// `n` cases closed on 2025-10-20, the first `n` ids.
fn closed_cases(db: &NativeDb, n: u8) -> Vec<CaseId> {
    (1..=n)
        .map(|i| {
            let body = serde_json::json!({
                "channel": "hotline_web", "kind": "consultation", "title": "咨询",
                "content": format!("第{i}号咨询：社保卡如何办理？"), "county": "410611000",
                "submitter": {"type": "individual", "name": "张三",
                              "phone": format!("138{:08}", u32::from(i))}
            });
            let id = store_case(db, i, body, AT);
            db.execute(
                "UPDATE cases SET status = 'closed', closed_at = '2025-10-20T10:00:00+08:00' WHERE id = ?",
                &[id.get().into()],
            )
            .expect("closes");
            id
        })
        .collect()
}

#[test]
fn the_follow_up_queue_is_the_reproducible_sample_at_the_countys_rate_until_called() {
    let db = migrated_db();
    let closed = closed_cases(&db, 60);
    let bureau = who(Role::Bureau, None);
    let follow_up = |rate: f64, limit: u32| -> Vec<i64> {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let page = list(
                &db,
                &bureau,
                &Filter {
                    queue: Some(Queue::FollowUp),
                    limit,
                    cursor: cursor.clone(),
                    ..filter()
                },
                &Settings {
                    follow_up_rate: rate,
                    ..settings()
                },
                now("2025-10-21T09:00:00+08:00"),
            )
            .expect("lists");
            all.extend(ids(&page));
            match page.next {
                Some(next) => cursor = Cursor::decode(&next),
                None => return all,
            }
        }
    };
    assert!(follow_up(0.0, 50).is_empty());
    assert_eq!(follow_up(1.0, 50).len(), 60);
    // The draw an auditor can redo: county and month of closing as seed.
    let expected: Vec<i64> =
        crate::oversight::sampling::sample("follow-up:410611000:2025-10", 0.2, &closed)
            .iter()
            .map(|c| c.get())
            .collect();
    assert!(!expected.is_empty() && expected.len() < 60, "{expected:?}");
    assert_eq!(follow_up(0.2, 50), expected);
    // Paged three at a time: the same cases, none twice.
    assert_eq!(follow_up(0.2, 3), expected);
    // A case called back leaves the queue.
    db.execute(
        "INSERT INTO case_events (case_id, at, actor_role, type, article, data)
         VALUES (?, '2025-10-21T10:00:00+08:00', 'bureau', 'followed_up', 'Art. 6', '{}')",
        &[expected[0].into()],
    )
    .expect("followed up");
    assert_eq!(follow_up(0.2, 50), expected[1..].to_vec());
}

#[test]
fn a_cursor_continues_after_the_last_case_seen_even_when_earlier_ones_leave_the_queue() {
    let db = migrated_db();
    crate::base::test_support::seed_demo(&db);
    let first = submit(
        &db,
        1,
        "hotline_web",
        "撤销判决",
        "法院判决不公，请撤销法院判决，重新审理。",
    );
    let second = submit(
        &db,
        2,
        "hotline_web",
        "再审",
        "交通事故赔偿案件判完了，我不服，要求转办再审申请。",
    );
    let bureau = who(Role::Bureau, None);
    let rejected = Filter {
        queue: Some(Queue::Screening),
        limit: 1,
        ..filter()
    };
    let p1 = list(&db, &bureau, &rejected, &settings(), now(AT)).expect("lists");
    assert_eq!(ids(&p1), vec![first.get()]);
    // The bureau accepts the first before turning the page.
    db.execute(
        "UPDATE cases SET status = 'accepted' WHERE id = ?",
        &[first.get().into()],
    )
    .expect("overridden");
    let p2 = list(
        &db,
        &bureau,
        &Filter {
            cursor: Cursor::decode(&p1.next.expect("a next page")),
            ..rejected
        },
        &settings(),
        now(AT),
    )
    .expect("lists");
    assert_eq!((ids(&p2), p2.next), (vec![second.get()], None));
    // A cursor that is not one is refused by name.
    let bad = Filter::from_query(&[("cursor".to_string(), "zz".to_string())].into());
    assert_eq!(
        bad.map_err(|e| e[0].field.clone()),
        Err("cursor".to_string())
    );
}

#[test]
fn units_that_did_not_open_their_inbox_on_a_working_day_are_listed_for_the_bureau() {
    let (db, _) = setup();
    let calendar = Calendar::official();
    // Only qibin-urban looked on 2025-09-30.
    list(
        &db,
        &who(Role::Unit, Some("qibin-urban")),
        &filter(),
        &settings(),
        now(AT),
    )
    .expect("looks");
    let day = |date: &str, who: &Principal| {
        unseen(
            &db,
            who,
            &Filter {
                queue: Some(Queue::Unseen),
                date: date.parse().ok(),
                ..filter()
            },
            &calendar,
        )
    };
    let bureau = who(Role::Bureau, None);
    let tuesday = day("2025-09-30", &bureau).expect("lists");
    assert!(tuesday.working_day);
    let units: Vec<&str> = tuesday.units.iter().map(|u| u.unit_id.as_str()).collect();
    assert!(!units.contains(&"qibin-urban"), "{units:?}");
    assert!(units.contains(&"qibin-housing"), "{units:?}");
    // National Day: no one must look.
    let holiday = day("2025-10-01", &bureau).expect("lists");
    assert_eq!((holiday.working_day, holiday.units.len()), (false, 0));
    // The make-up Saturday is a working day: nobody looked.
    let saturday = day("2025-10-11", &bureau).expect("lists");
    assert!(saturday.working_day);
    assert!(saturday.units.len() > units.len());
    assert!(day("2025-10-11", &who(Role::Supervisor, None)).is_ok());
    assert_eq!(
        day("2025-10-11", &who(Role::Unit, Some("qibin-urban"))),
        Err(InboxError::QueueForUnit)
    );
    assert_eq!(
        unseen(
            &db,
            &bureau,
            &Filter {
                queue: Some(Queue::Unseen),
                ..filter()
            },
            &calendar
        ),
        Err(InboxError::DateRequired)
    );
}
