//! An upgrade: this release opens a database made by the previous one
//! (`tests/fixtures/previous-release`): its schema is brought up to date in
//! place, the cases it holds track and read as before, their sealed
//! personal data (of the format without a key id) opens with the key it
//! was sealed with, and re-sealing moves it to the current format.

use e2e::{json, query, repo_root, token, App, Launch, Value};

/// The previous release's development `pd_key`, which sealed the fixture.
const PREVIOUS_PD_KEY: &str = "insecure-development-key-set-SPIN_VARIABLE_PD_KEY";

#[test]
fn a_database_made_by_the_previous_release_opens_migrated_with_its_cases_whole() {
    let state = tempfile::tempdir().expect("temp dir");
    let fixture = repo_root().join("tests/fixtures/previous-release");
    std::fs::copy(
        fixture.join("sqlite_db.db"),
        state.path().join("sqlite_db.db"),
    )
    .expect("the fixture copies");
    let receipts: Vec<Value> = std::fs::read_to_string(fixture.join("receipts.jsonl"))
        .expect("receipts")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a receipt"))
        .collect();
    let app = App::launch(
        &Launch {
            echo: false,
            ..Launch::casework().env("SPIN_VARIABLE_PD_KEY", PREVIOUS_PD_KEY)
        },
        state.path(),
    );
    for (receipt, last4) in receipts.iter().zip(["5678", "4321"]) {
        let code = receipt["tracking_code"].as_str().expect("code");
        let seen = app.get(&format!("/api/cases/track/{code}?phone_last4={last4}"));
        assert_eq!(seen.status, 200, "{}", seen.body);
        assert_eq!(seen.json()["status"], "handling");
    }
    let bureau = token("bureau", None, "zhang.wei");
    let case = app.get_as(&bureau, "/api/cases/1");
    assert_eq!(case.status, 200, "{}", case.body);
    let view = case.json();
    assert_eq!(view["submitter"]["phone"], "138****5678");
    assert_eq!(view["lead_unit"], "qibin-urban");
    assert!(
        view.to_string().contains("submitter_contacted"),
        "the history written by the previous release is there: {view}"
    );
    let migrated = query(state.path(), "SELECT MAX(version) FROM schema_migrations");
    assert_eq!(
        migrated,
        [[shared::base::schema::latest_version().to_string()]]
    );

    // Its cases came before the search index: the scan adds them, and a
    // phone search finds them under the key they were sealed with.
    let search = |q: &str| {
        app.get_as(&bureau, &format!("/api/search/cases?{q}"))
            .json()["cases"]
            .as_array()
            .map(|c| c.iter().map(|c| c["case_id"].clone()).collect::<Vec<_>>())
    };
    let noise = "q=%E5%99%AA%E9%9F%B3"; // 噪音
    assert_eq!(search(noise), Some(vec![]));
    let scanned = app.post_as(&bureau, "/api/reminders/scan", "", None).json();
    assert_eq!(scanned["indexed"], 2, "{scanned}");
    assert_eq!(search(noise), Some(vec![json!(2)]));
    assert_eq!(search("phone=13812345678"), Some(vec![json!(1)]));

    let moved = app.post_as(&bureau, "/api/admin/reseal", "", None).json();
    assert_eq!(
        moved,
        json!({"key_id": moved["key_id"], "resealed": 2, "remaining": 0})
    );
    let fresh = app.post_json(
        "/api/cases",
        &json!({"channel": "online_platform", "kind": "consultation", "title": "办事咨询",
            "content": "请问不动产登记需要哪些材料？", "county": "410611000",
            "submitter": {"type": "individual", "name": "冯十三", "phone": "13812345605"}})
        .to_string(),
        &[],
    );
    assert_eq!(fresh.status, 201, "{}", fresh.body);
}
