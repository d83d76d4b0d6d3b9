//! Data care: `runner backup` copies a live instance's stores consistently
//! while it serves; the copy, started as a fresh instance's state
//! directory, tracks the case submitted before — even on a development
//! instance, whose personal-data key lives in the key-value store the
//! backup also copies.

use e2e::{json, run_runner, App, Launch};

#[test]
fn a_backup_taken_while_serving_restores_into_a_fresh_instance_that_tracks_the_case() {
    let state = tempfile::tempdir().expect("temp dir");
    let quiet = || Launch {
        echo: false,
        ..Launch::development()
    };
    let app = App::launch(&quiet(), state.path());
    let body = json!({"channel": "online_platform", "kind": "complaint", "title": "井盖缺失",
        "content": "九州路与淇河路口井盖缺失，十分危险。", "county": "410611000",
        "submitter": {"type": "individual", "name": "吴十一", "phone": "13812345604"}});
    let reply = app.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let code = reply.json()["tracking_code"]
        .as_str()
        .expect("a code")
        .to_string();

    let out = tempfile::tempdir().expect("temp dir");
    let to = out.path().join("backup");
    let (state_dir, to_dir) = (state.path().display().to_string(), to.display().to_string());
    let done = run_runner(&["backup", "--state-dir", &state_dir, "--to", &to_dir]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let printed = String::from_utf8_lossy(&done.stdout);
    assert!(
        printed.contains("sqlite_db.db") && printed.contains("sqlite_key_value.db"),
        "{printed}"
    );
    // The instance kept serving while it was copied.
    let track = format!("/api/cases/track/{code}?phone_last4=5604");
    assert_eq!(app.get(&track).status, 200);
    drop(app);

    let restored = App::launch(&quiet(), &to);
    let seen = restored.get(&track);
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.json()["tracking_code"], code.as_str());
    let again = restored.post_json("/api/cases", &body.to_string(), &[]);
    assert_eq!(again.status, 201, "{}", again.body);

    let refused = run_runner(&["backup", "--state-dir", &state_dir, "--to", &to_dir]);
    assert!(!refused.status.success(), "a backup never overwrites");
}
