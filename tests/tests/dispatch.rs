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

#[test]
fn each_category_is_rejected_with_its_reason_and_the_citizen_sees_why() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    for (i, (content, category)) in [
        ("有人在小区宣扬邪教，请处理。", 1),
        ("你们这些狗官，请解决我的问题。", 2),
        ("我要起诉开发商，请帮助我。", 3),
        ("有人在网上代开发票，请查处。", 4),
    ]
    .iter()
    .enumerate()
    {
        let phone = format!("1381234567{i}");
        let answer = submit(&app, &case("410611000", &phone, "反映问题", content));
        assert_eq!(answer["status"], "rejected", "{answer}");
        assert_eq!(answer["rejection"]["category"], *category, "{answer}");
        let code = answer["tracking_code"].as_str().expect("code");
        let tracked = app
            .get(&format!(
                "/api/cases/track/{code}?phone_last4={}",
                &phone[7..]
            ))
            .json();
        assert_eq!(tracked["status"], "rejected");
        assert_eq!(tracked["rejection"]["category"], *category);
        assert!(
            tracked["rejection"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("第五条")),
            "{tracked}"
        );
        if *category == 3 {
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
fn the_same_submitter_sending_the_same_complaint_again_is_a_duplicate() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let body = case(
        "410611000",
        "13612345678",
        "噪音扰民",
        "某工地夜间施工噪音扰民，请尽快处理。",
    );
    assert_eq!(submit(&app, &body)["status"], "handling");
    let again = submit(&app, &body);
    assert_eq!(again["status"], "rejected");
    assert_eq!(again["rejection"]["category"], 2);
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
