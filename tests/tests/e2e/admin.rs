//! The county runs itself (Art. 12), over HTTP through the real wasm: the
//! bureau loads next year's calendar and changes its routing at run time,
//! every bad change refused with the field named, supervisors read, units
//! and agents neither.

use e2e::{json, sso, token_with, App, Reply, Value};

/// A token valid for two years: the test clock runs in 2027.
fn token(role: &str, unit: Option<&str>, sub: &str) -> String {
    token_with(&sso(), role, unit, sub, 2 * 366 * 24 * 3600)
}

fn put(app: &App, who: &str, path: &str, body: &Value) -> Reply {
    app.put_as(who, path, &body.to_string())
}

/// A 2027 notice as the State Council would publish it (test data).
fn year_2027() -> Value {
    json!({"year": 2027, "notices": ["国务院办公厅关于2027年部分节假日安排的通知（测试数据）"],
           "holidays": [{"name": "元旦", "days_off": ["2027-01-01/2027-01-03"], "working_days": []},
                        {"name": "春节", "days_off": ["2027-02-06/2027-02-13"],
                         "working_days": ["2027-02-14", "2027-02-20"]}]})
}

fn submit(app: &App, phone: &str) -> Value {
    let body = json!({"channel": "hotline_web", "kind": "complaint", "title": "路灯不亮",
        "content": "九州路路灯已坏一周，夜间出行不便，请尽快维修。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn finish_due(app: &App, id: &Value) -> (String, bool) {
    let view = app
        .get_as(
            &token("bureau", None, "zhang.wei"),
            &format!("/api/cases/{id}"),
        )
        .json();
    let d = view["deadlines"]
        .as_array()
        .and_then(|all| all.iter().rfind(|d| d["superseded"] == false))
        .cloned()
        .unwrap_or_default();
    (
        d["due"].as_str().unwrap_or("").to_string(),
        d["verified"].as_bool().unwrap_or(false),
    )
}

#[test]
fn the_bureau_loads_next_years_calendar_and_new_cases_count_its_holidays() {
    let (app, _state) = App::with_test_clock();
    app.set_clock("2027-02-05T10:00:00+08:00");
    let bureau = token("bureau", None, "zhang.wei");
    let day = "/api/calendar/days/2027-02-08";
    assert_eq!(app.get(day).json()["verified"], false);
    // Received on Friday 5 February before the notice was loaded: counted
    // on weekends only.
    let before = submit(&app, "13612345671");
    assert_eq!(
        finish_due(&app, &before["case_id"]),
        ("2027-02-19".into(), false)
    );

    // Refused, with the field named, and nothing changes.
    let mut wednesday = year_2027();
    wednesday["holidays"][1]["working_days"] = json!(["2027-02-17"]);
    let mut overlap = year_2027();
    overlap["holidays"][1]["days_off"] = json!(["2027-02-06/2027-02-13", "2027-02-10"]);
    for (body, field) in [
        (wednesday, "holidays"),
        (overlap, "holidays"),
        (json!({"year": 2028}), "year"),
    ] {
        let refused = put(&app, &bureau, "/api/admin/calendar/2027", &body);
        assert_eq!(
            (refused.status, refused.json()["field"].as_str()),
            (422, Some(field)),
            "{}",
            refused.body
        );
    }
    for who in [
        token("unit", Some("qibin-urban"), "li.clerk"),
        token("supervisor", None, "sun"),
    ] {
        assert_eq!(
            put(&app, &who, "/api/admin/calendar/2027", &year_2027()).status,
            403
        );
    }
    assert_eq!(app.get(day).json()["verified"], false);

    let loaded = put(&app, &bureau, "/api/admin/calendar/2027", &year_2027());
    assert_eq!(loaded.status, 200, "{}", loaded.body);
    assert_eq!(loaded.json()["set_by"], "zhang.wei");
    // The case received before was counted on weekends only: counted again.
    assert_eq!(loaded.json()["recounted"], 1);
    let now = app.get(day).json();
    assert_eq!(
        (now["verified"].as_bool(), now["kind"].as_str()),
        (Some(true), Some("holiday")),
        "{now}"
    );
    // A case received now counts the Spring Festival and its make-up days.
    let after = submit(&app, "13612345672");
    assert_eq!(
        finish_due(&app, &after["case_id"]),
        ("2027-02-24".into(), true)
    );
    assert_eq!(
        finish_due(&app, &before["case_id"]),
        ("2027-02-24".into(), true)
    );

    // Supervisors read the year and its history; units do not.
    let read = app.get_as(
        &token("supervisor", None, "sun"),
        "/api/admin/calendar/2027",
    );
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["history"][0]["set_by"], "zhang.wei");
    assert_eq!(
        app.get_as(
            &token("unit", Some("qibin-urban"), "li.clerk"),
            "/api/admin/calendar/2027"
        )
        .status,
        403
    );
}

#[test]
fn the_bureau_changes_its_routing_at_run_time_and_an_unknown_unit_type_is_refused() {
    let (app, _state) = App::with_test_clock();
    let bureau = token("bureau", None, "zhang.wei");
    let unknown = json!({"entries": [{"unit_type": "transport", "keywords": ["共享单车"]},
                                     {"unit_type": "space_agency", "keywords": ["火箭"]}]});
    let refused = put(&app, &bureau, "/api/admin/rules/routing", &unknown);
    assert_eq!(
        (refused.status, refused.json()["field"].as_str()),
        (422, Some("entries[1].unit_type")),
        "{}",
        refused.body
    );
    let mut routing = app.get_as(&bureau, "/api/admin/rules/routing").json()["rules"].clone();
    routing["entries"]
        .as_array_mut()
        .expect("entries")
        .push(json!({"unit_type": "transport", "keywords": ["共享单车"]}));
    let set = put(&app, &bureau, "/api/admin/rules/routing", &routing);
    assert_eq!(set.status, 200, "{}", set.body);
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "共享单车",
        "content": "地铁口共享单车堆积堵塞通道，请处理。", "county": "410611000",
        "submitter": {"type": "individual", "name": "赵六", "phone": "13612345673"}});
    let case = app.post_json("/api/cases", &body.to_string(), &[]).json();
    assert_eq!(case["status"], "handling", "{case}");
    let setting = app.get_as(&bureau, "/api/admin/rules/routing").json();
    assert_eq!(
        (
            setting["county_set"].as_bool(),
            setting["history"].as_array().map(Vec::len)
        ),
        (Some(true), Some(1))
    );
    assert_eq!(app.get_as(&bureau, "/api/admin/rules/weather").status, 404);
    assert_eq!(
        app.get_as(&token("agent", None, "a"), "/api/admin/rules/routing")
            .status,
        403
    );
}

#[test]
fn the_bureau_adds_and_retires_units_and_a_retired_unit_gets_no_new_cases() {
    let (app, _state) = App::with_test_clock();
    let bureau = token("bureau", None, "zhang.wei");
    let post =
        |who: &str, body: Value| app.post_as(who, "/api/admin/units", &body.to_string(), None);
    let added = post(
        &bureau,
        json!({"id": "qibin-culture", "name": "淇滨区文化广电和旅游局",
        "county": "410611000", "unit_type": "culture"}),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let again = post(
        &bureau,
        json!({"id": "qibin-culture", "name": "x", "county": "410611000",
        "unit_type": "culture"}),
    );
    assert_eq!(
        (again.status, again.json()["field"].as_str()),
        (409, Some("id"))
    );
    let bad = post(
        &bureau,
        json!({"id": "Qibin Culture", "name": "x", "county": "410611000",
        "unit_type": "culture"}),
    );
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("id"))
    );
    assert_eq!(
        post(&token("unit", Some("qibin-urban"), "li"), json!({})).status,
        403
    );

    // Retire the street-lamp unit: the next lamp complaint waits in triage.
    let retired = put(
        &app,
        &bureau,
        "/api/admin/units/qibin-urban",
        &json!({"retired": true}),
    );
    assert_eq!(retired.status, 200, "{}", retired.body);
    assert!(retired.json()["retired_at"].is_string());
    let case = submit(&app, "13612345674");
    assert_eq!(case["status"], "accepted", "{case}");
    let routed = app.post_as(
        &bureau,
        &format!("/api/cases/{}/actions", case["case_id"]),
        &json!({"action": "route", "lead": "qibin-urban"}).to_string(),
        app.get_as(&bureau, &format!("/api/cases/{}", case["case_id"]))
            .etag
            .as_deref(),
    );
    assert_eq!(
        (routed.status, routed.json()["code"].as_str()),
        (422, Some("unknown_unit")),
        "{}",
        routed.body
    );
    let listed = app
        .get_as(&token("supervisor", None, "sun"), "/api/admin/units")
        .json();
    assert!(listed
        .as_array()
        .expect("units")
        .iter()
        .any(|u| u["id"] == "qibin-urban" && u["retired_at"].is_string()));
}

#[test]
fn the_audit_trail_shows_who_read_personal_data_and_who_changed_the_rules_also_as_csv() {
    let (app, _state) = App::with_test_clock();
    let bureau = token("bureau", None, "zhang.wei");
    let case = submit(&app, "13612345675");
    let id = &case["case_id"];
    let clear = app.get_as(
        &bureau,
        &format!(
            "/api/cases/{id}?unmask=true&purpose=%E5%9B%9E%E8%AE%BF%E6%8A%95%E8%AF%89%E4%BA%BA"
        ),
    );
    assert_eq!(clear.status, 200, "{}", clear.body);
    let set = put(
        &app,
        &bureau,
        "/api/admin/rules/reminder",
        &json!({"warning_working_days": 2, "stuck_after_minutes": 5, "batch": 100}),
    );
    assert_eq!(set.status, 200, "{}", set.body);

    // The demo seed's units are on record too, as the seed's doing.
    let all = app.get_as(&bureau, "/api/audit?kind=units").json();
    assert_eq!(all["entries"].as_array().map(Vec::len), Some(14), "{all}");
    assert!(all["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .all(|e| e["subject"] == "seed"));
    let trail = app.get_as(&bureau, "/api/audit?subject=zhang.wei").json();
    let entries = trail["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{trail}");
    assert_eq!(
        (entries[0]["kind"].as_str(), entries[0]["subject"].as_str()),
        (Some("rules"), Some("zhang.wei"))
    );
    assert_eq!(
        (
            entries[1]["kind"].as_str(),
            &entries[1]["case_id"],
            entries[1]["what"].as_str()
        ),
        (Some("personal_data"), id, Some("回访投诉人"))
    );
    // No personal data in the trail itself.
    assert!(!trail.to_string().contains("13612345675"));
    let csv = app.get_as(&bureau, "/api/audit?format=csv&kind=personal_data");
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .starts_with("\u{FEFF}时间,类别,操作人,角色,单位,案件,内容\r\n"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("回访投诉人"));
    for who in [
        token("supervisor", None, "sun"),
        token("unit", Some("qibin-urban"), "li"),
    ] {
        assert_eq!(app.get_as(&who, "/api/audit").status, 403);
    }
}

#[test]
fn a_fresh_start_without_the_demo_seed_has_no_demo_units_and_its_own_seed_gives_them_at_the_next_start(
) {
    let state = tempfile::tempdir().expect("temp dir");
    // No test clock here: a real token's lifetime.
    let bureau = e2e::token("bureau", None, "zhang.wei");
    let unseeded = e2e::Launch {
        echo: false,
        ..e2e::Launch::casework_unseeded()
    };
    let app = App::launch(&unseeded, state.path());
    let units = app.get_as(&bureau, "/api/admin/units");
    assert_eq!(units.status, 200, "{}", units.body);
    assert_eq!(units.json(), json!([]));
    // A case still comes in, and waits for the bureau: no unit to send it to.
    let case = submit(&app, "13612345679");
    assert_eq!(case["status"], "accepted", "{case}");
    app.stop();

    // The county's own seed, given at the next start, before serving.
    let seed = state.path().join("county-seed.sql");
    std::fs::write(
        &seed,
        "CREATE TABLE IF NOT EXISTS seed_units (id TEXT PRIMARY KEY, name TEXT NOT NULL, county TEXT NOT NULL, unit_type TEXT NOT NULL);
         INSERT OR IGNORE INTO seed_units VALUES ('qibin-urban', '淇滨区城市管理局', '410611000', 'urban_management');",
    )
    .expect("seed written");
    let seeded = unseeded
        .arg("--sqlite")
        .arg(&format!("@{}", seed.display()));
    let app = App::launch(&seeded, state.path());
    let units = app.get_as(&bureau, "/api/admin/units").json();
    let ids: Vec<&str> = units
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["qibin-urban"], "only the county's own unit");
    let case = submit(&app, "13612345680");
    assert_eq!(case["status"], "handling", "{case}");
    app.stop();

    // A seed that fails stops the start, saying which file.
    let broken = state.path().join("broken.sql");
    std::fs::write(&broken, "INSERT INTO nowhere VALUES (1);").expect("written");
    let refused = e2e::Launch::casework_unseeded()
        .arg("--sqlite")
        .arg(&format!("@{}", broken.display()))
        .expect_refusal(state.path());
    assert!(refused.contains("broken.sql"), "{refused}");
}

#[test]
fn the_bureau_keeps_the_staff_directory_supervisors_read_it_and_every_change_is_on_the_audit_trail()
{
    let (app, _state) = App::with_test_clock();
    let bureau = token("bureau", None, "zhang.wei");
    let supervisor = token("supervisor", None, "sun");
    let post =
        |who: &str, body: Value| app.post_as(who, "/api/admin/staff", &body.to_string(), None);
    let added = post(
        &bureau,
        json!({"id": "li.na", "display_name": "李娜", "role": "unit", "unit": "qibin-urban",
            "identities": [{"issuer": "https://sso.hebi.example", "subject": "u-1001"}]}),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let person = added.json();
    assert_eq!(person["unit_name"], "淇滨区城市管理局");
    assert_eq!(
        (person["active"].as_bool(), person["leader"].as_bool()),
        (Some(true), Some(false))
    );

    // Each bad part named; the same id or identity twice is a conflict.
    let bad = post(
        &bureau,
        json!({"id": "li.na2", "display_name": "李娜", "role": "unit"}),
    );
    assert_eq!(
        (bad.status, bad.json()["field"].as_str()),
        (400, Some("unit")),
        "{}",
        bad.body
    );
    let again = post(
        &bureau,
        json!({"id": "li.na", "display_name": "李娜", "role": "agent"}),
    );
    assert_eq!(
        (again.status, again.json()["code"].as_str()),
        (409, Some("person_exists"))
    );
    let taken = post(
        &bureau,
        json!({"id": "wang.fang", "display_name": "王芳", "role": "agent",
            "identities": [{"issuer": "https://sso.hebi.example", "subject": "u-1001"}]}),
    );
    assert_eq!(
        (taken.status, taken.json()["code"].as_str()),
        (409, Some("identity_taken"))
    );

    // Moved to the water company and made its leader; then disabled.
    let moved = put(
        &app,
        &bureau,
        "/api/admin/staff/li.na",
        &json!({"unit": "qibin-water", "leader": true}),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(
        (
            moved.json()["unit"].as_str(),
            moved.json()["leader"].as_bool()
        ),
        (Some("qibin-water"), Some(true))
    );
    let disabled = put(
        &app,
        &bureau,
        "/api/admin/staff/li.na",
        &json!({"active": false}),
    );
    assert_eq!(disabled.json()["active"], false);

    // Supervisors read; units and agents neither read nor write.
    let one = app.get_as(&supervisor, "/api/admin/staff/li.na");
    assert_eq!(
        (one.status, one.json()["display_name"].as_str()),
        (200, Some("李娜"))
    );
    // The directory lists li.na beside the bureau and supervisor of this
    // test, whom the tests' sign-on files as they first sign in.
    let all = app.get_as(&supervisor, "/api/admin/staff").json();
    let ids: Vec<&str> = all
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["li.na", "sun", "zhang.wei"], "{all}");
    let clerk = token("unit", Some("qibin-urban"), "li");
    assert_eq!(app.get_as(&clerk, "/api/admin/staff").status, 403);
    assert_eq!(
        post(&token("agent", None, "wang.agent"), json!({})).status,
        403
    );
    assert_eq!(
        put(
            &app,
            &supervisor,
            "/api/admin/staff/li.na",
            &json!({"active": true})
        )
        .status,
        403
    );
    assert_eq!(app.get_as(&bureau, "/api/admin/staff/nobody").status, 404);

    // On the trail: three changes, by the bureau's person (beside the
    // people the tests' sign-on filed through the seed as they came).
    let trail = app.get_as(&bureau, "/api/audit?kind=staff").json();
    let items: Vec<Value> = trail["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["subject"] != "seed")
        .collect();
    assert_eq!(items.len(), 3, "{trail}");
    assert!(items.iter().all(|e| e["subject"] == "zhang.wei"), "{trail}");
    // Each in words, the person by name.
    let whats: Vec<&str> = items.iter().filter_map(|e| e["what"].as_str()).collect();
    assert_eq!(
        whats,
        vec![
            "修改人员：李娜，停用",
            "修改人员：李娜，淇滨区水利局，负责人",
            "新增人员：李娜，承办单位，淇滨区城市管理局"
        ],
        "{trail}"
    );
}
