//! Intake → filter → route over service chaining, through the real
//! components: screening decisions with reasons, duplicates, locality-first
//! routing with deadlines, unit scoping, and a failed hop that loses nothing.

use e2e::{json, query, token, App, Launch, Value};

fn case(county: &str, phone: &str, title: &str, content: &str) -> String {
    json!({
        "channel": "online_platform", "kind": "complaint", "title": title, "content": content,
        "county": county, "submitter": {"type": "individual", "name": "赵六", "phone": phone}
    })
    .to_string()
}

fn submit(app: &App, body: &str) -> Value {
    let reply = app.post_json("/api/cases", body, &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

/// One action under the case's current version.
fn act(app: &App, who: &str, id: i64, body: Value) -> e2e::Reply {
    app.act(who, id, body)
}

#[test]
fn each_category_waits_for_a_person_and_the_citizen_sees_why_only_once_the_bureau_confirmed() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let proposals = [
        (
            "世界末日就要到了，请政府帮我们张贴宣传单，让大家赶紧入教。",
            1,
        ),
        ("什么狗屁热线，一群吃闲饭的废物，请你们解决问题！", 2),
        ("淇滨区法院判决不公，请撤销法院判决，重新审理。", 3),
        ("哪里能代开增值税发票？价格好商量，请联系我。", 4),
    ];
    let mut ids = Vec::new();
    for (i, (content, _)) in proposals.iter().enumerate() {
        let phone = format!("1381234567{i}");
        let answer = submit(&app, &case("410611000", &phone, "反映问题", content));
        assert_eq!(answer["status"], "screening", "{answer}");
        assert!(answer.get("rejection").is_none(), "{answer}");
        let code = answer["tracking_code"].as_str().expect("code").to_string();
        let track = format!("/api/cases/track/{code}?phone_last4={}", &phone[7..]);
        let tracked = app.get(&track).json();
        assert_eq!(tracked["status"], "screening");
        assert!(tracked.get("rejection").is_none(), "{tracked}");
        ids.push((answer["case_id"].as_i64().expect("id"), track));
    }
    // The bureau's screening queue holds all four, oldest first.
    let queue = app.get_as(&bureau, "/api/inbox?queue=screening").json();
    let queued: Vec<i64> = queue["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["case_id"].as_i64())
        .collect();
    assert_eq!(queued, ids.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    // The staff view shows what matched, where.
    let view = app
        .get_as(&bureau, &format!("/api/cases/{}", ids[2].0))
        .json();
    assert_eq!(view["events"][0]["event"], "rejection_proposed", "{view}");
    assert_eq!(view["events"][0]["details"]["matched"], "撤销…判决");
    assert_eq!(
        view["allowed_actions"],
        json!(["confirm_rejection", "override_to_accept", "add_to_case"])
    );

    for ((id, track), (_, category)) in ids.iter().zip(proposals) {
        let confirmed = act(
            &app,
            &bureau,
            *id,
            json!({"action": "confirm_rejection", "reason": "经审核属第五条情形"}),
        );
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        let tracked = app.get(track).json();
        assert_eq!(tracked["status"], "rejected");
        assert_eq!(tracked["rejection"]["category"], category);
        assert!(
            tracked["rejection"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("第五条")),
            "{tracked}"
        );
        if category == 3 {
            assert!(
                tracked["rejection"]["referral"]
                    .as_str()
                    .is_some_and(|r| r.contains("人民法院")),
                "{tracked}"
            );
        }
    }
}

#[test]
fn a_proposal_the_bureau_overrides_goes_on_to_its_unit_with_the_reason_recorded() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let answer = submit(
        &app,
        &case(
            "410611000",
            "13812345679",
            "物业乱收费",
            "小区物业对业主乱收停车费还罚款，我们不服，请撤销物业的罚款处罚决定。",
        ),
    );
    assert_eq!(answer["status"], "screening", "{answer}");
    let id = answer["case_id"].as_i64().expect("id");
    let overridden = act(
        &app,
        &bureau,
        id,
        json!({"action": "override_to_accept",
        "reason": "物业收费问题，属住建部门职责"}),
    );
    assert_eq!(overridden.status, 200, "{}", overridden.body);
    let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
    assert_eq!(
        (view["status"].as_str(), view["lead_unit"].as_str()),
        (Some("handling"), Some("qibin-housing")),
        "{view}"
    );
    let reasons: Vec<&str> = view["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["details"]["reason"].as_str())
        .collect();
    assert_eq!(reasons, vec!["物业收费问题，属住建部门职责"]);
    // The decision deadline was met when the bureau decided.
    assert!(view["deadlines"][0]["met_at"].is_string(), "{view}");
}

#[test]
fn an_agents_transfer_is_not_overruled_and_the_answer_carries_the_advice() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let agent = format!("Bearer {}", token("agent", None, "hotline.7"));
    let body = json!({"channel": "hotline_phone", "kind": "complaint", "mode": "transfer",
        "title": "路灯不亮", "county": "410611000",
        "content": "来电人称法院判决不公要求撤销判决，另反映九州路路灯已坏一周，请尽快维修。",
        "submitter": {"type": "individual", "name": "赵六", "phone": "13612345688"}});
    let reply = app.post_json(
        "/api/cases",
        &body.to_string(),
        &[("authorization", &agent)],
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["status"], "handling", "{answer}");
    assert!(
        answer["advice"][0]
            .as_str()
            .is_some_and(|a| a.starts_with("advice: category3.litigation")),
        "{answer}"
    );
}

#[test]
fn what_was_turned_away_on_a_keyword_is_taken_in_and_routed() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    for (i, content) in [
        "小区电梯坏了两个月物业不修，业主们商量要起诉物业，请住建部门先督促维修。",
        "我在上访途中丢了身份证，请问补办需要什么材料？",
        "想问一下对交警罚单不服能不能申请行政复议，去哪里申请？",
        "华夏南路某工地连续一周每晚施工到凌晨两点，打桩声很大噪音扰民，附近居民无法入睡。",
    ]
    .iter()
    .enumerate()
    {
        let answer = submit(
            &app,
            &case("410611000", &format!("1391234567{i}"), "反映问题", content),
        );
        assert!(
            matches!(answer["status"].as_str(), Some("handling" | "accepted")),
            "{content}: {answer}"
        );
    }
}

#[test]
fn the_same_submitter_sending_the_same_complaint_again_is_merged_into_the_case_being_handled() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let body = case(
        "410611000",
        "13612345678",
        "噪音扰民",
        "某工地夜间施工噪音扰民，请尽快处理。",
    );
    let first = submit(&app, &body);
    assert_eq!(first["status"], "handling");
    let again = submit(&app, &body);
    assert_eq!(again["status"], "rejected");
    assert_eq!(again["rejection"]["category"], 2);
    // The citizen follows the original; its unit sees the repeat.
    assert_eq!(again["merged_into"], first["tracking_code"], "{again}");
    let code = again["tracking_code"].as_str().expect("code");
    let tracked = app
        .get(&format!("/api/cases/track/{code}?phone_last4=5678"))
        .json();
    assert_eq!(tracked["merged_into"], first["tracking_code"], "{tracked}");
    let unit = token("unit", Some("qibin-environment"), "li.clerk");
    let original = app
        .get_as(&unit, &format!("/api/cases/{}", first["case_id"]))
        .json();
    let last = original["events"]
        .as_array()
        .and_then(|e| e.last())
        .expect("events");
    assert_eq!(last["event"], "repeat_merged", "{original}");
    assert_eq!(last["details"]["tracking_code"], again["tracking_code"]);
    // Another submitter with the same text is not a duplicate.
    let other = case(
        "410611000",
        "13612345670",
        "噪音扰民",
        "某工地夜间施工噪音扰民，请尽快处理。",
    );
    assert_eq!(submit(&app, &other)["status"], "handling");
}

#[test]
fn a_case_goes_to_its_own_countys_unit_with_deadlines_and_only_that_unit_reads_it() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let bureau = token("bureau", None, "zhang.wei");
    let mut ids = Vec::new();
    for (county, phone, unit) in [
        ("410611000", "13512345678", "qibin-urban"),
        ("410621000", "13512345679", "junxian-urban"),
    ] {
        let answer = submit(
            &app,
            &case(
                county,
                phone,
                "路灯不亮",
                "某路口路灯不亮已一周，请尽快维修。",
            ),
        );
        let id = answer["case_id"].as_i64().expect("id");
        let view = app.get_as(&bureau, &format!("/api/cases/{id}")).json();
        assert_eq!(view["lead_unit"], unit, "{view}");
        assert_eq!(view["status"], "handling");
        ids.push((id, unit));
    }
    // Deadlines were set when routed (1 and 5 working days on the online platform).
    let (id, unit) = ids[0];
    let deadlines = query(
        state.path(),
        &format!("SELECT milestone, working_days, reason FROM case_deadlines WHERE case_id = {id} ORDER BY milestone"),
    );
    assert_eq!(
        deadlines,
        vec![
            vec!["contact".to_string(), "1".into(), "routed".into()],
            vec!["finish".to_string(), "5".into(), "routed".into()]
        ]
    );
    // The lead unit reads its case and may unmask it; the other county's unit may not read it.
    let own = token("unit", Some(unit), "li.na");
    assert_eq!(app.get_as(&own, &format!("/api/cases/{id}")).status, 200);
    let clear = app.get_as(
        &own,
        &format!("/api/cases/{id}?unmask=true&purpose=%E6%A0%B8%E5%AE%9E"),
    );
    assert_eq!(clear.json()["submitter"]["phone"], "13512345678");
    let other = token("unit", Some(ids[1].1), "wu.gang");
    assert_eq!(app.get_as(&other, &format!("/api/cases/{id}")).status, 403);
}

#[test]
fn a_failed_hop_keeps_the_case_at_the_stage_it_reached() {
    // The same app, but intake may not reach the route stage.
    let dir = tempfile::tempdir().expect("temp dir");
    let root = e2e::repo_root();
    let manifest = std::fs::read_to_string(root.join("spin.toml"))
        .expect("manifest")
        .replace(
            r#"allowed_outbound_hosts = ["http://filter.spin.internal", "http://route.spin.internal"]"#,
            r#"allowed_outbound_hosts = ["http://filter.spin.internal"]"#,
        )
        .replace("\"target/wasm32-wasip1", &format!("\"{}/target/wasm32-wasip1", root.display()));
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, manifest).expect("written");
    let app = App::launch(
        &Launch {
            manifest: path,
            echo: false,
            ..Launch::casework()
        },
        &dir.path().join("state"),
    );

    let answer = submit(
        &app,
        &case(
            "410611000",
            "13412345678",
            "路灯不亮",
            "某路口路灯不亮已一周，请尽快维修。",
        ),
    );
    assert_eq!(answer["status"], "accepted", "{answer}");
    let code = answer["tracking_code"].as_str().expect("code");
    assert_eq!(
        app.get(&format!("/api/cases/track/{code}?phone_last4=5678"))
            .json()["status"],
        "accepted"
    );
}
