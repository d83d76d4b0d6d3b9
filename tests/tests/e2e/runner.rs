//! The runner, end to end, with its fixture app (`tests/fixtures/probe`):
//! Spin's routing and headers, service chaining, outbound refusal, the cron
//! trigger, variables, store access, isolation and limits, the compile
//! cache and the test clock.

use std::time::{Duration, Instant};

use e2e::{json, App, Launch, Value};

fn probe(extra: &[&str]) -> (App, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("temp dir");
    let mut launch = Launch::probe();
    for a in extra {
        launch = launch.arg(a);
    }
    (App::launch(&launch, state.path()), state)
}

fn headers(app: &App, path: &str) -> Value {
    let reply = app.get(path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.json()
}

#[test]
fn routes_match_as_in_spin_with_every_spin_header() {
    let (app, _state) = probe(&[]);
    let port = app.base.rsplit(':').next().unwrap_or_default().to_string();

    let exact = headers(&app, "/exact?x=1");
    assert_eq!(exact["spin-matched-route"], "/exact");
    assert_eq!(exact["spin-raw-component-route"], "/exact");
    assert_eq!(exact["spin-component-route"], "/exact");
    assert_eq!(exact["spin-path-info"], "");
    assert_eq!(exact["spin-base-path"], "/");
    assert_eq!(
        exact["spin-full-url"],
        format!("http://127.0.0.1:{port}/exact?x=1")
    );
    assert!(exact["spin-client-addr"]
        .as_str()
        .is_some_and(|a| a.starts_with("127.0.0.1:")));

    let capture = headers(&app, "/users/42");
    assert_eq!(capture["spin-matched-route"], "/users/:id");
    assert_eq!(capture["spin-path-match-id"], "42");

    let deeper = headers(&app, "/users/42/posts/7");
    assert_eq!(deeper["spin-matched-route"], "/users/:id/...");
    assert_eq!(deeper["spin-component-route"], "/users/:id");
    assert_eq!(deeper["spin-path-info"], "/posts/7");
    assert_eq!(deeper["spin-path-match-id"], "42");

    let wild = headers(&app, "/anything/else/");
    assert_eq!(wild["spin-matched-route"], "/...");
    assert_eq!(wild["spin-component-route"], "");
    assert_eq!(wild["spin-path-info"], "/anything/else/");
}

#[test]
fn chaining_reaches_a_private_route_only_when_allowed() {
    let (app, _state) = probe(&[]);
    // The probe sees its own variable; the private "hidden" component,
    // reached by chaining, has no variables: proof it ran elsewhere.
    assert_eq!(app.get("/var/message").body, "hello, world");
    let chained = app.get("/chain/hidden/var/message");
    assert_eq!(chained.status, 200, "{}", chained.body);
    assert!(
        chained.body.starts_with("404 ") && chained.body.contains("Undefined"),
        "{}",
        chained.body
    );

    let via = app.get("/chain/hidden/some/path");
    assert!(
        via.body.contains("\"spin-matched-route\":\"/...\""),
        "{}",
        via.body
    );
    assert!(
        via.body.contains("\"spin-path-info\":\"/some/path\""),
        "{}",
        via.body
    );

    // "isolated" lists no outbound hosts: its chaining is refused.
    let refused = app.get("/isolated/chain/hidden/x");
    assert_eq!(refused.status, 502);
    assert!(
        refused.body.contains("HttpRequestDenied"),
        "{}",
        refused.body
    );
}

#[test]
fn an_outbound_host_not_listed_is_refused() {
    let (app, _state) = probe(&[]);
    let reply = app.get("/outbound/example.com");
    assert_eq!(reply.status, 502);
    assert!(reply.body.contains("HttpRequestDenied"), "{}", reply.body);
}

#[test]
fn a_store_the_component_does_not_list_is_refused() {
    let (app, _state) = probe(&[]);
    assert_eq!(app.get("/kv/default").body, "ok");
    assert_eq!(app.get("/sql/default").body, "ok");
    let other = app.get("/kv/other");
    assert_eq!(
        (other.status, other.body.as_str()),
        (403, "Error::AccessDenied")
    );
    // "isolated" lists no stores at all.
    let isolated = app.get("/isolated/kv/default");
    assert_eq!(
        (isolated.status, isolated.body.as_str()),
        (403, "Error::AccessDenied")
    );
    assert_eq!(app.get("/isolated/sql/default").body, "Error::AccessDenied");
}

#[test]
fn the_cron_trigger_fires_every_second() {
    let (app, _state) = probe(&[]);
    let started = Instant::now();
    let mut ticks = 0;
    while started.elapsed() < Duration::from_secs(10) && ticks < 2 {
        std::thread::sleep(Duration::from_millis(500));
        ticks = app.get("/ticks").body.trim().parse().unwrap_or(0);
    }
    assert!(
        ticks >= 2,
        "the 1-second cron ran {ticks} times in {:?}",
        started.elapsed()
    );
    assert!(app
        .stdout_lines()
        .iter()
        .any(|l| l.starts_with("cron -> ticker ok")));
}

#[test]
fn a_five_field_cron_expression_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = std::fs::read_to_string(e2e::repo_root().join("tests/fixtures/probe/spin.toml"))
        .expect("fixture manifest")
        .replace("*/1 * * * * *", "*/1 * * * *")
        .replace(
            "../../../target",
            &format!("{}/target", e2e::repo_root().display()),
        );
    let path = dir.path().join("spin.toml");
    std::fs::write(&path, manifest).expect("written");
    let launch = Launch {
        manifest: path,
        ..Launch::probe()
    };
    let err = launch.expect_refusal(&dir.path().join("state"));
    assert!(err.contains("exactly 6"), "{err}");
}

#[test]
fn variables_come_from_the_environment_or_a_flag_and_a_missing_one_stops_start_up() {
    let state = tempfile::tempdir().expect("temp dir");
    let from_env = App::launch(
        &Launch::probe().env("SPIN_VARIABLE_API_KEY", "from-env"),
        state.path(),
    );
    assert_eq!(from_env.get("/var/key").body, "from-env");
    from_env.stop();

    let from_flag = App::launch(
        &Launch::probe()
            .without_env("SPIN_VARIABLE_API_KEY")
            .arg("--variable")
            .arg("api_key=from-flag"),
        state.path(),
    );
    assert_eq!(from_flag.get("/var/key").body, "from-flag");
    assert_eq!(from_flag.get("/var/message").body, "hello, world");
    from_flag.stop();

    let err = Launch::probe()
        .without_env("SPIN_VARIABLE_API_KEY")
        .expect_refusal(state.path());
    assert!(
        err.contains("api_key") && err.contains("SPIN_VARIABLE_API_KEY"),
        "{err}"
    );
}

#[test]
fn a_trap_or_a_timeout_fails_that_request_alone() {
    let (app, _state) = probe(&["--request-timeout", "1"]);
    assert_eq!(app.get("/trap").status, 500);
    assert_eq!(app.get("/exact").status, 200);
    let started = Instant::now();
    assert_eq!(app.get("/spin").status, 500);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout took {:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/exact").status, 200);
    // Beyond the memory limit is a trap too.
    assert_eq!(app.get("/alloc/16").status, 200);
    assert_eq!(app.get("/alloc/512").status, 500);
    assert_eq!(app.get("/exact").status, 200);
}

#[test]
fn max_running_out_of_range_stops_start_up_and_one_serves_requests_in_turn() {
    let dir = tempfile::tempdir().expect("temp dir");
    for n in ["0", "65"] {
        let err = Launch::probe()
            .arg("--max-running")
            .arg(n)
            .expect_refusal(&dir.path().join(format!("state-{n}")));
        assert!(err.contains("--max-running must be from 1 to 64"), "{err}");
    }

    // Three requests that each spin until the one-second limit: one at a
    // time, the last answers no sooner than three seconds after they came
    // (side by side they would all answer after about one).
    let (app, _state) = probe(&["--max-running", "1", "--request-timeout", "1"]);
    let started = Instant::now();
    let answers: Vec<u16> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..3)
            .map(|_| s.spawn(|| app.get("/spin").status))
            .collect();
        calls
            .into_iter()
            .map(|c| c.join().expect("client"))
            .collect()
    });
    assert_eq!(answers, vec![500; 3], "each stopped at the limit");
    assert!(
        started.elapsed() >= Duration::from_millis(2900),
        "served side by side: {:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/exact").status, 200);
}

#[test]
fn every_request_sees_fresh_memory_whatever_ran_in_its_slot_before() {
    let (app, _state) = probe(&[]);
    for round in 0..20 {
        let reply = app.get("/memory");
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.body, "7 0",
            "round {round}: statics as the image made them"
        );
        // A large heap in between: the slot's memory grew and is reset.
        if round % 5 == 0 {
            assert_eq!(app.get("/alloc/16").status, 200);
        }
    }
    let answers: Vec<String> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..8)
            .map(|_| s.spawn(|| (0..5).map(|_| app.get("/memory").body).collect::<Vec<_>>()))
            .collect();
        calls
            .into_iter()
            .flat_map(|c| c.join().expect("client"))
            .collect()
    });
    assert!(answers.iter().all(|a| a == "7 0"), "{answers:?}");
}

#[test]
fn component_output_goes_to_spins_log_files() {
    let (app, state) = probe(&[]);
    assert_eq!(app.get("/print").status, 200);
    let logs = state.path().join("logs");
    let out = std::fs::read_to_string(logs.join("probe_stdout.txt")).expect("stdout log");
    let err = std::fs::read_to_string(logs.join("probe_stderr.txt")).expect("stderr log");
    assert!(out.contains("probe-stdout-marker"), "{out}");
    assert!(err.contains("probe-stderr-marker"), "{err}");
}

#[test]
fn apps_in_two_state_directories_share_one_compile_cache_dir() {
    let (cache, one, two) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let launch = Launch {
        cache_dir: Some(cache.path().to_path_buf()),
        ..Launch::probe()
    };
    let cached = |app: &App| {
        app.stdout_lines()
            .into_iter()
            .filter(|l| l.contains("compile cache"))
            .count()
    };
    let first = App::launch(&launch, one.path());
    assert_eq!(cached(&first), 3);
    first.stop();
    let second = App::launch(&launch, two.path());
    assert_eq!(
        cached(&second),
        4,
        "the other state directory's start compiled nothing"
    );
    assert_eq!(second.get("/print").status, 200);
    assert!(
        !two.path().join("cache").exists(),
        "nothing cached in the state directory"
    );
}

#[test]
fn a_restart_loads_components_from_the_compile_cache() {
    let state = tempfile::tempdir().expect("temp dir");
    let first = App::launch(&Launch::probe().own_compile_cache(), state.path());
    let cached_first: Vec<String> = first
        .stdout_lines()
        .into_iter()
        .filter(|l| l.contains("compile cache"))
        .collect();
    first.stop();
    // Three of the four components share one .wasm, so the first start
    // already reuses it; the second start compiles nothing.
    assert_eq!(cached_first.len(), 3, "{cached_first:?}");
    let second = App::launch(&Launch::probe().own_compile_cache(), state.path());
    let cached: Vec<String> = second
        .stdout_lines()
        .into_iter()
        .filter(|l| l.contains("compile cache"))
        .collect();
    assert_eq!(cached.len(), 4, "{cached:?}");
    assert!(
        std::fs::read_dir(state.path().join("cache"))
            .map(|d| d.count())
            .unwrap_or(0)
            >= 1
    );
}

#[test]
fn the_test_clock_moves_the_guests_time_only_when_enabled() {
    let (app, _state) = probe(&["--test-clock"]);
    let set = app.put(
        "/.well-known/runner/test-clock",
        "2026-02-13T15:00:00+08:00",
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let guest: u64 = app.get("/time").body.parse().expect("seconds");
    assert!((1_770_966_000..1_770_966_010).contains(&guest), "{guest}");

    let (plain, _state2) = probe(&[]);
    let refused = plain.put(
        "/.well-known/runner/test-clock",
        "2026-02-13T15:00:00+08:00",
    );
    // Without the flag the path is just another request to the app.
    assert!(!refused.body.starts_with("1770966"), "{}", refused.body);
    let real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let guest: u64 = plain.get("/time").body.parse().expect("seconds");
    assert!(guest.abs_diff(real) < 5, "{guest} vs {real}");
}

#[test]
fn the_test_clock_is_refused_with_a_public_listen_address() {
    let state = tempfile::tempdir().expect("temp dir");
    let launch = Launch {
        listen: "0.0.0.0:0".into(),
        ..Launch::probe().arg("--test-clock")
    };
    let err = launch.expect_refusal(state.path());
    assert!(err.contains("--test-clock"), "{err}");
}

#[test]
fn wasi_keyvalue_increments_are_atomic_across_concurrent_requests() {
    let (app, _state) = probe(&[]);
    let app = std::sync::Arc::new(app);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    assert_eq!(app.get("/incr").status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    assert_eq!(app.get("/incr").body, "201");
    // The same grants as fermyon:spin/key-value: "isolated" lists no store.
    let refused = app.get("/isolated/incr-isolated");
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (403, "Error::AccessDenied")
    );
}

#[test]
fn sql_given_with_sqlite_runs_in_order_before_serving_at_every_start() {
    let state = tempfile::tempdir().expect("temp dir");
    let file = state.path().join("pets.sql");
    std::fs::write(
        &file,
        "INSERT INTO pets VALUES ('Hobbes');\nINSERT INTO pets VALUES ('Slats');",
    )
    .expect("written");
    let launch = Launch::probe()
        .arg("--sqlite")
        .arg("CREATE TABLE IF NOT EXISTS pets (name TEXT)")
        .arg("--sqlite")
        .arg(&format!("@{}", file.display()));
    let app = App::launch(&launch, state.path());
    assert_eq!(app.get("/sql/default/count/pets").body, "2");
    app.stop();
    // As in Spin, the statements run again at the next start.
    let app = App::launch(&launch, state.path());
    assert_eq!(app.get("/sql/default/count/pets").body, "4");
    app.stop();
    // A database no runtime config maps, or a failing statement, stops
    // the start.
    let refused = Launch::probe()
        .arg("--sqlite")
        .arg(&format!("@{}:audit", file.display()))
        .expect_refusal(state.path());
    assert!(refused.contains("'audit'"), "{refused}");
    let refused = Launch::probe()
        .arg("--sqlite")
        .arg("INSERT INTO nowhere VALUES (1)")
        .expect_refusal(state.path());
    assert!(refused.contains("nowhere"), "{refused}");
}

#[test]
fn spins_health_and_info_endpoints_answer_before_any_route() {
    // The probe's catch-all route (`/...`) would otherwise take them.
    let (app, _state) = probe(&[]);
    let health = app.get("/.well-known/spin/health");
    assert_eq!((health.status, health.body.as_str()), (200, "OK"));
    let info = app.get("/.well-known/spin/info");
    assert_eq!(info.status, 200);
    assert_eq!(info.json(), json!({"name": "probe"}));
    assert_eq!(app.get("/.well-known/spin/other").status, 404);
}

#[test]
fn a_guests_sql_cannot_reach_another_file_or_leave_settings_for_the_next_request() {
    let (app, state) = probe(&[]);
    let exec = |sql: &str| app.post_json("/sql/default/exec", sql, &[]);
    assert_eq!(exec("CREATE TABLE pets (name TEXT)").status, 200);
    assert_eq!(exec("INSERT INTO pets VALUES ('Hobbes')").status, 200);
    let copy = state.path().join("copy.db");
    let kv = state.path().join("sqlite_key_value.db");
    for refused in [
        format!("ATTACH '{}' AS kv", kv.display()),
        format!("VACUUM INTO '{}'", copy.display()),
        "PRAGMA foreign_keys = OFF".to_string(),
        "PRAGMA database_list".to_string(),
        "CREATE TEMP TABLE scratch (x)".to_string(),
    ] {
        let reply = exec(&refused);
        assert_eq!(reply.status, 403, "{refused}: {}", reply.body);
    }
    assert!(!copy.exists(), "no copy was written");
    assert_eq!(app.get("/sql/default/count/pets").body, "1");
}
