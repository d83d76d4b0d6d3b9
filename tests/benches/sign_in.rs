//! The sign-in benchmark (BENCHMARKS.md, "Signing in"): what a local
//! account's sign-in costs inside the component, where its Argon2id hash
//! (19 MiB, 2 passes) and its TOTP check run as wasm. The app runs on the
//! test clock, moved a step (30 s) before each sign-in so that each one's
//! code is fresh and the sign-in goes all the way: the password verified,
//! the second factor unsealed and checked, the step used up, the session
//! opened, the sign-in recorded. One client, one sign-in at a time (a clerk
//! signs in once a shift): latency, not throughput. No timed assertion.
//!
//!     cargo bench -p e2e --bench sign_in
//!
//! `BENCH_SIGN_INS` (30) sets how many are measured after 3 unmeasured.

use std::time::Instant;

use e2e::{json, App, Launch};
use shared::access::totp::Secret;

const CODE: &str = "bench-bootstrap-code-0f9e";
const PASSWORD: &str = "淇河岸边柳树青青";
/// 2026-12-07T09:00:00+08:00.
const START: i64 = 1_796_605_200;

fn main() {
    let n: usize = std::env::var("BENCH_SIGN_INS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let state = tempfile::tempdir().expect("temp dir");
    let launch = Launch {
        echo: false,
        ..Launch::casework().test_clock()
    }
    .env("SPIN_VARIABLE_BOOTSTRAP_CODE", CODE)
    .arg("--quiet");
    let app = App::launch(&launch, state.path());
    app.set_clock(&START.to_string());
    let t = Instant::now();
    let made = app.post_json(
        "/auth/bootstrap",
        &json!({"code": CODE, "username": "zhang.wei", "display_name": "张伟",
                "password": PASSWORD})
        .to_string(),
        &[],
    );
    let bootstrap = t.elapsed();
    assert_eq!(made.status, 201, "{}", made.body);
    let secret =
        Secret::from_base32(made.json()["totp_secret"].as_str().expect("secret")).expect("base32");
    let mut at = START;
    let mut sign_in = || {
        at += 30;
        app.set_clock(&at.to_string());
        let body = json!({"username": "zhang.wei", "password": PASSWORD,
                          "totp": secret.code_at_step(at / 30)})
        .to_string();
        let t = Instant::now();
        let reply = app.post_json("/auth/password", &body, &[]);
        let took = t.elapsed();
        assert_eq!(reply.status, 204, "{}", reply.body);
        took
    };
    for _ in 0..3 {
        sign_in();
    }
    let mut ms: Vec<f64> = (0..n).map(|_| sign_in().as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    // The same password check natively, for the wasm's share.
    let stored = shared::access::password::hash(PASSWORD, &[7; 16]).expect("hashes");
    let mut native: Vec<f64> = (0..10)
        .map(|_| {
            let t = Instant::now();
            assert!(shared::access::password::verify(PASSWORD, &stored));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    native.sort_by(f64::total_cmp);
    println!(
        "| sign-ins | p50 ms | p90 ms | max ms | bootstrap ms | Argon2id verify natively, p50 ms |\n\
         |---:|---:|---:|---:|---:|---:|\n| {n} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
        pick(0.5),
        pick(0.9),
        pick(1.0),
        bootstrap.as_secs_f64() * 1e3,
        native[5]
    );
}
