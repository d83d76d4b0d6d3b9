//! Load benchmark of the real app: the runner serving the intake component
//! from `spin.toml`, driven over HTTP by several keep-alive clients. Reports
//! requests per second and latency percentiles for a write (submit) and a
//! read (track). Run with `cargo bench -p e2e --bench intake`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{json, token, App};

const CLIENTS: usize = 4;
const DURATION: Duration = Duration::from_secs(5);

fn submission(n: u64) -> String {
    json!({
        "channel": "hotline_phone", "kind": "consultation",
        "title": format!("咨询 {n}"), "content": "请问营业执照变更需要哪些材料？",
        "county": "410621000",
        "submitter": {"type": "enterprise", "name": "某某公司", "phone": "0392-1234567"}
    })
    .to_string()
}

/// Runs `CLIENTS` keep-alive clients for `DURATION` and prints the result.
fn load(name: &str, app: &Arc<App>, request: impl Fn(&App, u64) -> u16 + Send + Sync + 'static) {
    let request = Arc::new(request);
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let app = app.clone();
            let request = request.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                while started.elapsed() < DURATION {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let status = request(&app, n);
                    latencies.push(t.elapsed());
                    assert!(status < 300, "request failed with {status}");
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("client thread"))
        .collect();
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct =
        |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{name:>8}: {:>6} requests, {:>7.0} req/s, latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms ({CLIENTS} clients)",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
}

fn main() {
    let state = tempfile::tempdir().expect("temp dir");
    let app = Arc::new(App::start_quiet(state.path()));
    let first = app.post_json("/api/cases", &submission(0), &[]);
    assert_eq!(first.status, 401, "the phone line needs an agent");
    let agent = format!("Bearer {}", token("agent", None, "bench"));
    let first = app.post_json("/api/cases", &submission(0), &[("authorization", &agent)]);
    let code = first.json()["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();

    // An agent's submissions (the public channels are rate-limited per client).
    let auth = agent.clone();
    load("submit", &app, move |app, n| {
        app.post_json("/api/cases", &submission(n), &[("authorization", &auth)])
            .status
    });
    let path = format!("/api/cases/track/{code}?phone_last4=4567");
    load("track", &app, move |app, _| app.get(&path).status);
}
