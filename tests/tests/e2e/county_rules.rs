//! A county changes its rules at run time (Art. 12): a changed rule row
//! changes the next decision of the running app, without a rebuild or a
//! restart. The rows are written through the library's API
//! (`shared::county::families::set`), as the admin endpoints will.

use e2e::{json, token, App};
use shared::base::db::NativeDb;
use shared::base::rules::Family;
use shared::county::families::set;

/// Sets one family of rules in the app's database, as an administrator.
fn set_rules(state: &std::path::Path, family: Family, key: &str, body: serde_json::Value) {
    let conn = rusqlite::Connection::open(state.join("sqlite_db.db")).expect("database");
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .expect("busy timeout");
    let db = NativeDb::new(conn);
    let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00+08:00").expect("instant");
    set(&db, family, key, &body.to_string(), "e2e.admin", at).expect("rules set");
}

/// The shipped defaults of a family as JSON, changed by `change`.
fn changed(
    defaults: impl serde::Serialize,
    change: impl FnOnce(&mut serde_json::Value),
) -> serde_json::Value {
    let mut value = serde_json::to_value(defaults).expect("json");
    change(&mut value);
    value
}

fn submit(app: &App, phone: &str, title: &str, content: &str) -> serde_json::Value {
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": title,
        "content": content, "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

#[test]
fn a_new_routing_entry_sends_the_next_case_to_its_unit_without_a_restart() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let first = submit(
        &app,
        "13512345671",
        "共享单车",
        "商场门口共享单车乱停放，请尽快清理。",
    );
    // No competence entry knows shared bikes: the bureau's triage queue.
    assert_eq!(first["status"], "accepted", "{first}");

    let routing = changed(shared::triage::routing::RoutingTable::defaults(), |r| {
        r["entries"]
            .as_array_mut()
            .expect("entries")
            .push(json!({"unit_type": "transport", "keywords": ["共享单车"]}))
    });
    set_rules(state.path(), Family::Routing, "", routing);

    let second = submit(
        &app,
        "13512345672",
        "共享单车",
        "地铁口共享单车堆积堵塞通道，请处理。",
    );
    assert_eq!(second["status"], "handling", "{second}");
    let case = app.get_as(&bureau, &format!("/api/cases/{}", second["case_id"]));
    assert_eq!(case.json()["lead_unit"], "qibin-transport", "{}", case.body);
}

#[test]
fn a_new_screening_rule_holds_the_next_case_for_a_person() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let accepted = submit(
        &app,
        "13512345673",
        "噪音扰民",
        "楼下商铺夜间音响噪音扰民，请处理。",
    );
    assert_eq!(accepted["status"], "handling", "{accepted}");

    let filter = changed(shared::triage::filter::FilterRules::defaults(), |f| {
        f["rules"].as_array_mut().expect("rules").push(json!({
            "name": "category4.bar", "category": 4, "patterns": ["酒吧…音响"],
            "examples": {"matching": ["酒吧音响"], "not_matching": ["商铺音响"]}
        }))
    });
    set_rules(state.path(), Family::Filter, "", filter);

    let rejected = submit(
        &app,
        "13512345674",
        "噪音扰民",
        "隔壁酒吧音响噪音每晚到两点，请处理。",
    );
    // Held for a person: never a rejection before one decided.
    assert_eq!(rejected["status"], "screening", "{rejected}");
    assert!(rejected.get("rejection").is_none(), "{rejected}");
}

#[test]
fn a_further_calendar_year_and_changed_deadlines_reach_the_public_calendar_and_new_cases() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let day = app.get("/api/calendar/days/2027-01-01").json();
    assert_eq!(
        (day["kind"].as_str(), day["verified"].as_bool()),
        (Some("workday"), Some(false))
    );

    set_rules(
        state.path(),
        Family::Calendar,
        "2027",
        json!({"year": 2027, "notices": ["国务院办公厅关于2027年部分节假日安排的通知（测试数据）"],
               "holidays": [{"name": "元旦", "days_off": ["2027-01-01"]}]}),
    );
    let day = app.get("/api/calendar/days/2027-01-01").json();
    assert_eq!(
        (
            day["kind"].as_str(),
            day["name"].as_str(),
            day["verified"].as_bool()
        ),
        (Some("holiday"), Some("元旦"), Some(true))
    );

    // The online platform's limit goes from 5 to 10 working days.
    let deadlines = changed(shared::time::deadlines::DeadlineRules::defaults(), |d| {
        for rule in d["rules"].as_array_mut().expect("rules") {
            if rule["name"] == "online platform" {
                rule["milestones"]["finish"] = json!(10);
            }
        }
    });
    set_rules(state.path(), Family::Deadlines, "", deadlines);
    let case = submit(
        &app,
        "13512345675",
        "路灯不亮",
        "九州路路灯已坏一周，请尽快维修。",
    );
    let rows = e2e::query(
        state.path(),
        &format!(
            "SELECT working_days FROM case_deadlines WHERE case_id = {} AND milestone = 'finish'",
            case["case_id"]
        ),
    );
    assert_eq!(rows, vec![vec!["10".to_string()]]);
}
