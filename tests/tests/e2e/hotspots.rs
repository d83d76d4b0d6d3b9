//! Hotspots (Art. 7) end to end: similar complaints planted across two
//! units are found as one hotspot and unrelated complaints to the same
//! unit are not; the bureau opens it as a rectification item, the owner
//! unit reports it done, and the item shows the complaints that came since.

use e2e::{json, token, App, Value};

fn submit(app: &App, county: &str, title: &str, content: &str, phone: &str) -> Value {
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": title,
        "content": content, "county": county,
        "submitter": {"type": "individual", "name": "赵六", "phone": phone}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn lead(app: &App, id: &Value) -> String {
    let view = app
        .get_as(
            &token("bureau", None, "zhang.wei"),
            &format!("/api/cases/{id}"),
        )
        .json();
    view["lead_unit"].as_str().unwrap_or_default().to_string()
}

#[test]
fn planted_similar_complaints_make_a_hotspot_that_the_bureau_opens_as_a_rectification_item() {
    let (app, _state) = App::with_test_clock();
    let bureau = token("bureau", None, "zhang.wei");
    app.set_clock("2025-11-03T09:00:00+08:00");
    let qibin = "410611000";
    let planted = [
        submit(
            &app,
            qibin,
            "九州路工地夜间施工噪音扰民",
            "九州路与淇河路交叉口的工地每天夜里施工到凌晨，噪音很大，影响休息，请处理。",
            "13612350001",
        ),
        submit(
            &app,
            qibin,
            "九州路工地半夜施工",
            "九州路交叉口工地半夜还在施工，噪音扰民，无法入睡，请尽快处理。",
            "13612350002",
        ),
        // The same problem reported in the other county: another unit.
        submit(
            &app,
            "410621000",
            "九州路工地夜间施工噪音",
            "九州路那个工地夜间施工噪音太大了，每天到凌晨，影响居民休息，请处理。",
            "13612350003",
        ),
    ];
    let unrelated = [
        submit(
            &app,
            qibin,
            "化工厂排放异味",
            "淇滨工业园化工厂晚上排放刺鼻气体，请环保部门检查。",
            "13612350004",
        ),
        submit(
            &app,
            qibin,
            "河道污染",
            "淇河下游有人倾倒垃圾，河水发黑发臭，请治理。",
            "13612350005",
        ),
        submit(
            &app,
            qibin,
            "饭店油烟",
            "黄河路一家饭店油烟直排，熏得住户不敢开窗，请处理。",
            "13612350006",
        ),
    ];
    let units: Vec<String> = planted.iter().map(|c| lead(&app, &c["case_id"])).collect();
    assert!(units.iter().all(|u| !u.is_empty()), "{units:?}");
    assert_ne!(units[0], units[2], "two units");

    let found = app.get_as(&bureau, "/api/hotspots?from=2025-11-01&to=2025-11-30");
    assert_eq!(found.status, 200, "{}", found.body);
    let report = found.json();
    let hotspots = report["hotspots"].as_array().expect("hotspots");
    assert_eq!(hotspots.len(), 1, "{report}");
    let hotspot = &hotspots[0];
    let ids: Vec<&Value> = hotspot["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| &c["case_id"])
        .collect();
    assert_eq!(
        ids,
        planted.iter().map(|c| &c["case_id"]).collect::<Vec<_>>()
    );
    for c in &unrelated {
        assert!(!ids.contains(&&c["case_id"]));
    }
    assert_eq!(hotspot["size"], 3);
    assert_eq!(hotspot["places"], json!(["九州路"]));
    assert_eq!(hotspot["units"].as_array().map(Vec::len), Some(2));
    // No personal data in a hotspot.
    assert!(!found.body.contains("1361235"));
    assert!(!found.body.contains("赵六"));
    // Units and agents read none; a bad window is refused with the field.
    assert_eq!(
        app.get_as(
            &token("unit", Some(&units[0]), "li"),
            "/api/hotspots?from=2025-11-01&to=2025-11-30"
        )
        .status,
        403
    );
    let bad = app.get_as(&bureau, "/api/hotspots?from=2025-11-30&to=2025-11-01");
    let problem = bad.json();
    assert_eq!(
        (bad.status, problem["errors"][0]["field"].as_str()),
        (400, Some("to"))
    );

    // The bureau opens it as a rectification item.
    app.set_clock("2025-11-05T10:00:00+08:00");
    let opened = app.post_as(
        &bureau,
        "/api/rectifications",
        &json!({"title": "九州路工地夜间施工扰民", "owner": units[0], "due_date": "2025-11-28",
                "cases": ids, "note": "限期整改，夜间22点后停止施工"})
        .to_string(),
        None,
    );
    assert_eq!(opened.status, 201, "{}", opened.body);
    let item = opened.json();
    assert_eq!(item["status"], "open");
    let path = format!("/api/rectifications/{}", item["id"]);

    // A week later the same complaint comes again.
    app.set_clock("2025-11-12T21:00:00+08:00");
    let again = submit(
        &app,
        qibin,
        "九州路工地又在夜间施工",
        "九州路工地昨晚又施工到凌晨，噪音扰民，整改没有效果。",
        "13612350007",
    );
    let owner = token("unit", Some(&units[0]), "li.na");
    let done = app.patch_as(
        &owner,
        &path,
        &json!({"status": "done", "note": "已约谈施工单位"}).to_string(),
    );
    assert_eq!(done.status, 200, "{}", done.body);
    let read = app.get_as(&bureau, &path).json();
    assert_eq!(read["status"], "done");
    assert_eq!(read["before"]["count"], 3, "{read}");
    assert_eq!(read["after"]["count"], 1, "{read}");
    assert_eq!(read["after"]["cases"][0]["case_id"], again["case_id"]);
    let history = read["history"].as_array().expect("history");
    assert_eq!(history.last().map(|h| &h["by"]), Some(&json!("li.na")));
    // The owner unit lists it; another unit neither lists nor reads it.
    let listed = app.get_as(&owner, "/api/rectifications?status=done").json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let stranger = token("unit", Some("qibin-housing"), "x");
    assert_eq!(app.get_as(&stranger, &path).status, 403);
    assert_eq!(
        app.get_as(&stranger, "/api/rectifications").json(),
        json!([])
    );
    // A bad item names its fields.
    let bad = app.post_as(
        &bureau,
        "/api/rectifications",
        &json!({"title": "x", "owner": "No Body", "due_date": "2025-13-01", "cases": []})
            .to_string(),
        None,
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    let problem = bad.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"owner") && fields.contains(&"due_date") && fields.contains(&"cases"),
        "{fields:?}"
    );
    // Well-formed, but no such unit: 422, the field named.
    let unknown = app.post_as(
        &bureau,
        "/api/rectifications",
        &json!({"title": "x", "owner": "nobody", "due_date": "2099-01-01", "cases": [1]})
            .to_string(),
        None,
    );
    assert_eq!(
        (unknown.status, unknown.json()["field"].as_str()),
        (422, Some("owner")),
        "{}",
        unknown.body
    );
}
