//! Work lists against real SQLite: a unit sees what it leads or co-handles,
//! soonest deadline first, pages continue, its look is recorded; the bureau's
//! queues hold what they say.

use super::*;
use crate::actions::{apply, Rules as ActionRules};
use crate::calendar::Calendar;
use crate::db::NativeDb;
use crate::deadlines::DeadlineRules;
use crate::lifecycle::{Action, Actor};
use crate::rules::Rules;
use crate::test_support::{migrated_db, store_case, t};

const AT: &str = "2025-09-30T10:00:00+08:00";

fn submit(db: &NativeDb, n: u8, channel: &str, title: &str, content: &str) -> CaseId {
    let body = serde_json::json!({
        "channel": channel, "kind": "complaint", "title": title, "content": content,
        "county": "410611000",
        "submitter": {"type": "individual", "name": "张三", "phone": format!("1381234560{n}")}
    });
    let id = store_case(db, n, body, AT);
    let rules = Rules::defaults();
    crate::pipeline::screen_case(db, id, rules.filter().expect("filter"), t(AT)).expect("screens");
    crate::pipeline::dispatch_case(db, id, &rules, t(AT)).expect("dispatches");
    id
}

fn who(role: Role, unit: Option<&str>) -> Principal {
    Principal {
        subject: "someone".into(),
        role,
        unit: unit.map(|u| u.parse().expect("unit")),
    }
}

fn ids(page: &Page) -> Vec<i64> {
    page.cases.iter().map(|c| c.case_id.get()).collect()
}

fn filter() -> Filter {
    Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    }
}

fn now(s: &str) -> DateTime<Utc> {
    t(s).with_timezone(&Utc)
}

fn setup() -> (NativeDb, [CaseId; 4]) {
    let db = migrated_db();
    crate::store::ensure_units(&db).expect("units");
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
    let rejected = submit(&db, 4, "hotline_web", "起诉", "我要起诉开发商，请帮助我。");
    let (calendar, deadlines) = (Calendar::official(), DeadlineRules::defaults());
    let version = crate::store::load_lifecycle(&db, noise)
        .expect("loads")
        .version;
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
        Duration::minutes(5),
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
        Duration::minutes(5),
        now("2025-10-15T09:00:00+08:00"),
    )
    .expect("lists");
    assert_eq!(
        (ids(&p1), p1.next.as_deref()),
        (vec![lamp.get()], Some("1"))
    );
    assert!(p1.cases[0].overdue, "due 14 October, now the 15th");
    let p2 = list(
        &db,
        &urban,
        &Filter {
            cursor: Some(1),
            ..one
        },
        Duration::minutes(5),
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
    assert!(list(&db, &water, &filter(), Duration::minutes(5), now(AT))
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
            Duration::minutes(5),
            now(at),
        )
        .expect("lists"))
    };
    assert_eq!(queue(None, AT), vec![triage.get()]);
    assert_eq!(queue(Some(Queue::Rejected), AT), vec![rejected.get()]);
    assert_eq!(
        queue(Some(Queue::Overdue), "2025-10-15T09:00:00+08:00"),
        vec![lamp.get()]
    );
    assert_eq!(
        queue(Some(Queue::Overdue), "2025-10-29T09:00:00+08:00"),
        vec![lamp.get(), noise.get()]
    );
    assert!(queue(Some(Queue::Qc), AT).is_empty());
    let supervisor = who(Role::Supervisor, None);
    assert_eq!(
        ids(&list(&db, &supervisor, &filter(), Duration::minutes(5), now(AT)).expect("lists")),
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
            Duration::minutes(5),
            now(AT)
        ),
        Err(InboxError::QueueForUnit)
    );
    for role in [Role::Agent, Role::Scheduler] {
        assert_eq!(
            list(
                &db,
                &who(role, None),
                &filter(),
                Duration::minutes(5),
                now(AT)
            ),
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
            Duration::minutes(5),
            now("2025-10-29T09:00:00+08:00")
        )
        .expect("lists")),
        vec![noise.get()]
    );
}
