//! The public calendar endpoints, through the real component.

use e2e::App;

#[test]
fn a_day_says_its_kind_name_and_whether_a_notice_covers_it() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());

    let makeup = app.get("/api/calendar/days/2026-02-14").json();
    assert_eq!(makeup["date"], "2026-02-14");
    assert_eq!(makeup["working_day"], true);
    assert_eq!(makeup["kind"], "makeup_workday");
    assert_eq!(makeup["name"], "春节");
    assert_eq!(makeup["verified"], true);

    let holiday = app.get("/api/calendar/days/2025-10-08").json();
    assert_eq!(
        (holiday["kind"].as_str(), holiday["working_day"].as_bool()),
        (Some("holiday"), Some(false))
    );
    assert_eq!(holiday["name"], "国庆节、中秋节");

    let weekend = app.get("/api/calendar/days/2025-11-29").json();
    assert_eq!(weekend["kind"], "weekend");
    assert!(weekend["name"].is_null());

    let beyond = app.get("/api/calendar/days/2027-10-01").json();
    assert_eq!(
        (beyond["kind"].as_str(), beyond["verified"].as_bool()),
        (Some("workday"), Some(false))
    );

    // Raw UTF-8 in the path reaches the component and is refused as a bad date.
    assert_eq!(app.get("/api/calendar/days/%E8%B7%AF").status, 400);
    let bad = app.get("/api/calendar/days/2025-13-01");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.content_type, "application/problem+json");
    assert_eq!(bad.json()["field"], "date");
}

#[test]
fn adding_working_days_skips_holidays_and_counts_make_up_days() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = App::start_quiet(state.path());

    let due = app
        .get("/api/calendar/add?from=2025-09-30&working_days=5")
        .json();
    assert_eq!(due["from"], "2025-09-30");
    assert_eq!(due["working_days"], 5);
    assert_eq!(due["due"], "2025-10-14");
    assert_eq!(due["verified"], true);

    let festival = app
        .get("/api/calendar/add?from=2026-02-13&working_days=1")
        .json();
    assert_eq!(festival["due"], "2026-02-14");

    let beyond = app
        .get("/api/calendar/add?from=2026-12-30&working_days=3")
        .json();
    assert_eq!(
        (beyond["due"].as_str(), beyond["verified"].as_bool()),
        (Some("2027-01-04"), Some(false))
    );

    for (query, field) in [
        ("from=2025-09-30", "working_days"),
        ("from=2025-09-30&working_days=-1", "working_days"),
        ("from=2025-09-30&working_days=99999", "working_days"),
        ("working_days=5", "from"),
        ("from=30/09/2025&working_days=5", "from"),
    ] {
        let reply = app.get(&format!("/api/calendar/add?{query}"));
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.json()["field"], field, "{query}");
    }
}
