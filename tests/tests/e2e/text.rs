//! Text as kept: a title typed decomposed is stored composed (NFC), a name
//! with a hidden or reordering character and text with a bidirectional
//! control are refused with the field named.

use e2e::{json, query, token, App, Value};

fn submission(name: &str, title: &str, content: &str) -> Value {
    json!({"channel": "online_platform", "kind": "complaint", "title": title,
        "content": content, "county": "410611000",
        "submitter": {"type": "individual", "name": name, "phone": "13812345601"}})
}

#[test]
fn text_is_kept_in_nfc_and_names_or_text_with_hidden_controls_are_refused() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());
    let decomposed = "Cafe\u{0301}门口路灯不亮";
    let body = submission("张三", decomposed, "Cafe\u{0301}门口的路灯坏了一周。");
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["case_id"].as_i64().expect("an id");
    let stored = query(
        state.path(),
        &format!("SELECT title FROM cases WHERE id = {id}"),
    );
    assert_eq!(stored, [["Café门口路灯不亮".to_string()]]);
    let view = app.get_as(
        &token("bureau", None, "zhang.wei"),
        &format!("/api/cases/{id}"),
    );
    assert_eq!(view.json()["title"], "Café门口路灯不亮");

    for (body, field) in [
        (
            submission("张\u{202E}三", "路灯不亮", "路灯坏了。"),
            "submitter.name",
        ),
        (
            submission("张\u{200B}三", "路灯不亮", "路灯坏了。"),
            "submitter.name",
        ),
        (
            submission("张三", "路灯\u{202E}不亮", "路灯坏了。"),
            "title",
        ),
        (
            submission("张三", "路灯不亮", "路灯\u{2067}坏了。"),
            "content",
        ),
    ] {
        let reply = app.post_json("/api/cases", &body.to_string(), &[]);
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.json()["field"], field, "{}", reply.body);
    }
}
