//! The write path measured beside the reads, in one run on this machine
//! (`cargo bench -p e2e --bench write_path`, or `scripts/bench.sh`, which
//! builds first): the real app under the runner, driven over HTTP by
//! keep-alive clients of its own (one connection each), and the same three
//! stages' library calls natively in one process against a SQLite file with
//! the runner's settings. Prints one table: requests per second, median and
//! 99th-percentile latency, the runner's memory, and the ratios the write
//! path is judged by (BENCHMARKS.md says what they mean and keeps the
//! figures).
//!
//! Saturation runs use `CLIENTS` closed-loop clients for `SECONDS` each; the
//! fixed-rate run sends `RATE` submissions a second open-loop (each latency
//! counted from when its request was due, so a stall is not hidden by the
//! clients waiting it out). Environment: `BENCH_CLIENTS`, `BENCH_SECONDS`,
//! `BENCH_RATE` override them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{json, token, App, Launch, TEST_PD_KEY};
use shared::base::db::NativeDb;
use shared::base::rules::{NoCache, Rules};
use shared::case::intake::NewCase;
use shared::case::personal::Keys;
use shared::record::cases;
use shared::record::cases::Stored;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// An agent's hotline consultation (the public channels are limited per
/// client): screened and routed to 浚县's market regulator.
fn submission(n: u64) -> serde_json::Value {
    json!({
        "channel": "hotline_phone", "kind": "consultation",
        "title": format!("咨询 {n}"), "content": "请问营业执照变更需要哪些材料？",
        "county": "410621000",
        "submitter": {"type": "enterprise", "name": "某某公司", "phone": format!("0392-{:07}", n % 10_000_000)}
    })
}

/// One measured scenario.
struct Row {
    name: String,
    requests: usize,
    per_second: f64,
    p50: f64,
    p99: f64,
    rss_mb: Option<f64>,
    /// CPU the serving process spent per request (user + system): steadier
    /// than req/s on a machine whose speed varies between runs.
    cpu_ms: Option<f64>,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1000.0
}

fn row(
    name: &str,
    mut latencies: Vec<Duration>,
    elapsed: Duration,
    rss_mb: Option<f64>,
    cpu_seconds: Option<f64>,
) -> Row {
    latencies.sort();
    let cpu_ms = cpu_seconds
        .filter(|_| !latencies.is_empty())
        .map(|s| s * 1000.0 / latencies.len() as f64);
    Row {
        name: name.to_string(),
        requests: latencies.len(),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        rss_mb,
        cpu_ms,
    }
}

/// Every thread's latencies, in one list.
fn joined(handles: Vec<std::thread::JoinHandle<Vec<Duration>>>) -> Vec<Duration> {
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("a load thread"))
        .collect()
}

/// A client with one keep-alive connection of its own.
fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_idle_connections_per_host(1)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// What one request is: method, path, body, headers.
#[derive(Clone)]
struct Call {
    post: bool,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<fn(u64) -> serde_json::Value>,
    expect: u16,
}

impl Call {
    fn send(&self, agent: &ureq::Agent, base: &str, n: u64) -> u16 {
        let url = format!("{base}{}", self.path);
        let result = if self.post {
            let mut req = agent.post(&url).header("content-type", "application/json");
            for (k, v) in &self.headers {
                req = req.header(k, v);
            }
            let body = self.body.map(|b| b(n).to_string()).unwrap_or_default();
            req.send(&body)
        } else {
            let mut req = agent.get(&url);
            for (k, v) in &self.headers {
                req = req.header(k, v);
            }
            req.call()
        };
        match result {
            Ok(mut resp) => {
                // Read the body so the connection is reused.
                let _ = resp.body_mut().read_to_vec();
                resp.status().as_u16()
            }
            Err(_) => 0,
        }
    }
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// The CPU time `pid` has used so far (user + system), in seconds.
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces): utime and
    // stime are the 14th and 15th of the line, in USER_HZ (100 on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// CPU spent by `pid` while `f` runs.
fn cpu_during<T>(pid: &str, f: impl FnOnce() -> T) -> (T, Option<f64>) {
    let before = cpu_seconds(pid);
    let out = f();
    let spent = before.zip(cpu_seconds(pid)).map(|(b, a)| a - b);
    (out, spent)
}

/// `clients` closed-loop clients for `seconds`.
fn saturate(app: &App, name: &str, call: &Call, clients: u64, seconds: u64) -> Row {
    let counter = Arc::new(AtomicU64::new(1_000_000 * (1 + name.len() as u64)));
    let started = Instant::now();
    let until = Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (call, base, counter) = (call.clone(), app.base.clone(), counter.clone());
            std::thread::spawn(move || {
                let agent = client();
                let mut latencies = Vec::new();
                while started.elapsed() < until {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let status = call.send(&agent, &base, n);
                    latencies.push(t.elapsed());
                    assert_eq!(status, call.expect, "{} answered {status}", call.path);
                }
                latencies
            })
        })
        .collect();
    let (latencies, cpu) = cpu_during(&app.pid().to_string(), || joined(handles));
    let elapsed = started.elapsed();
    row(
        &format!("{name} ({clients} clients)"),
        latencies,
        elapsed,
        rss_mb(app.pid()),
        cpu,
    )
}

/// `rate` requests a second for `seconds`, open-loop: request i is due at
/// i / rate, and its latency runs from then.
fn fixed_rate(app: &App, name: &str, call: &Call, rate: u64, seconds: u64) -> Row {
    let total = rate * seconds;
    let next = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers = 64;
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (call, base, next, refused) = (
                call.clone(),
                app.base.clone(),
                next.clone(),
                refused.clone(),
            );
            std::thread::spawn(move || {
                let agent = client();
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let status = call.send(&agent, &base, 2_000_000_000 + i);
                    if status == call.expect {
                        latencies.push(due.elapsed());
                    } else {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
                latencies
            })
        })
        .collect();
    let (latencies, cpu) = cpu_during(&app.pid().to_string(), || joined(handles));
    let elapsed = started.elapsed();
    let refused = refused.load(Ordering::Relaxed);
    let mut row = row(
        &format!("{name} (fixed {rate}/s)"),
        latencies,
        elapsed,
        rss_mb(app.pid()),
        cpu,
    );
    if refused > 0 {
        row.name += &format!(", {refused} of {total} refused");
        // A refusal costs CPU too: per request sent, not per one answered.
        row.cpu_ms = cpu.map(|c| c * 1000.0 / (row.requests as f64 + refused as f64));
    }
    row
}

/// The three stages' library calls, natively: store (intake), screen
/// (filter), dispatch (route), each its own transaction on its own
/// connection as the components make them, against a file with the
/// runner's durability policy: WAL, `synchronous=NORMAL`, short busy
/// sleeps, and a group commit — a syncer thread fdatasyncs the `-wal`, and
/// a case counts as done only once a sync that began after its three
/// commits has finished. `clients` threads for `seconds`.
fn native(clients: u64, seconds: u64) -> Row {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("native.db");
    let open = |path: &std::path::Path| {
        let conn = rusqlite::Connection::open(path).expect("open");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.busy_handler(Some(busy)).expect("busy");
        conn.pragma_update(None, "synchronous", "NORMAL")
            .expect("normal");
        conn.pragma_update(None, "foreign_keys", "ON").expect("fk");
        NativeDb::new(conn)
    };
    {
        let db = open(&path);
        shared::base::schema::migrate(&db).expect("migrates");
        db.execute_batch(include_str!("../../seed/demo-county.sql"))
            .expect("seed");
    }
    let group = Arc::new(GroupCommit::default());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let syncer = {
        let (group, stop) = (group.clone(), stop.clone());
        let wal = dir.path().join("native.db-wal");
        std::thread::spawn(move || group.sync_until(&wal, &stop))
    };
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (counter, path, group) = (counter.clone(), path.clone(), group.clone());
            std::thread::spawn(move || {
                let (intake, filter, route) = (open(&path), open(&path), open(&path));
                let keys = Keys::from_secret(TEST_PD_KEY).expect("keys");
                let mut latencies = Vec::new();
                while started.elapsed() < until {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let case = NewCase::parse(&submission(n)).expect("valid");
                    let now = shared::base::clock::in_china(shared::base::clock::now());
                    let mut draws = [([0u8; 8], [0u8; 12]); 3];
                    for (code, nonce) in &mut draws {
                        getrandom::fill(code).expect("random");
                        getrandom::fill(nonce).expect("random");
                    }
                    let stored =
                        cases::insert_with_fresh_code(&intake, &case, now, None, &keys, &draws)
                            .expect("stored");
                    let Stored::Created(receipt) = stored else {
                        panic!("a fresh case")
                    };
                    let rules = Rules::current(&filter, &NoCache).expect("rules");
                    shared::triage::pipeline::screen_case(&filter, receipt.case_id, &rules, now)
                        .expect("screened");
                    let rules = Rules::current(&route, &NoCache).expect("rules");
                    shared::triage::pipeline::dispatch_case(&route, receipt.case_id, &rules, now)
                        .expect("dispatched");
                    group.wait_durable();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    // The clients are threads of this process: its CPU is the stages'.
    let (latencies, cpu) = cpu_during("self", || joined(handles));
    let elapsed = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    group.wake.notify_all();
    let _ = syncer.join();
    row(
        &format!("native submit ({clients} threads)"),
        latencies,
        elapsed,
        None,
        cpu,
    )
}

/// Short sleeps while another connection writes (the runner's own busy
/// handler), for at most ten seconds.
fn busy(tries: i32) -> bool {
    let step = Duration::from_micros(50) * 2u32.saturating_pow(tries.clamp(0, 6) as u32);
    std::thread::sleep(step.min(Duration::from_millis(2)));
    tries < 5_000
}

/// The native baseline's group commit: tickets taken after commits, one
/// fdatasync of the `-wal` releasing every ticket issued before it began.
#[derive(Default)]
struct GroupCommit {
    issued: AtomicU64,
    synced: std::sync::Mutex<u64>,
    wake: std::sync::Condvar,
}

impl GroupCommit {
    fn wait_durable(&self) {
        let ticket = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let mut synced = self.synced.lock().expect("lock");
        self.wake.notify_all();
        while *synced < ticket {
            synced = self.wake.wait(synced).expect("wait");
        }
    }

    fn sync_until(&self, wal: &std::path::Path, stop: &std::sync::atomic::AtomicBool) {
        // Made by the clients' first commit.
        let mut file: Option<std::fs::File> = None;
        while !stop.load(Ordering::SeqCst) {
            let target = self.issued.load(Ordering::SeqCst);
            {
                let synced = self.synced.lock().expect("lock");
                if *synced >= target {
                    let _ = self
                        .wake
                        .wait_timeout(synced, Duration::from_millis(50))
                        .expect("wait");
                    continue;
                }
            }
            if file.is_none() {
                file = std::fs::File::open(wal).ok();
            }
            if let Some(f) = &file {
                f.sync_data().expect("fdatasync");
            }
            *self.synced.lock().expect("lock") = target;
            self.wake.notify_all();
        }
    }
}

fn main() {
    let clients = setting("BENCH_CLIENTS", 8);
    let seconds = setting("BENCH_SECONDS", 5);
    let rate = setting("BENCH_RATE", 500);
    let sustained = setting("BENCH_SUSTAINED_RATE", 200);
    let state = tempfile::tempdir().expect("temp dir");
    // One machine plays many clients: the per-client connection cap
    // raised, as behind a proxy. Quiet, as `scripts/start-app.sh` serves
    // (no line per request on standard output).
    let launch = Launch {
        echo: false,
        ..Launch::casework()
    }
    .arg("--quiet")
    .arg("--max-connections-per-client")
    .arg("10000");
    let app = App::launch(&launch, state.path());
    let agent = token("agent", None, "bench.agent");
    let bureau = token("bureau", None, "bench.bureau");
    app.file_token(&bureau);
    let submit = Call {
        post: true,
        path: "/api/cases".into(),
        headers: vec![("authorization".into(), format!("Bearer {agent}"))],
        body: Some(submission),
        expect: 201,
    };
    let first = app.post_json(
        "/api/cases",
        &submission(0).to_string(),
        &[("authorization", &format!("Bearer {agent}"))],
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let receipt = first.json();
    let code = receipt["tracking_code"].as_str().expect("code").to_string();
    let id = receipt["case_id"].as_i64().expect("id");
    assert_eq!(receipt["status"], "handling", "screened and routed");
    let get = |path: String, headers: Vec<(String, String)>| Call {
        post: false,
        path,
        headers,
        body: None,
        expect: 200,
    };

    let calendar = get("/api/calendar/days/2026-10-01".into(), vec![]);
    let track = get(format!("/api/cases/track/{code}?phone_last4=0000"), vec![]);
    let read = get(
        format!("/api/cases/{id}"),
        vec![("authorization".into(), format!("Bearer {bureau}"))],
    );
    let openapi = get("/api/openapi.json".into(), vec![]);
    // None: at saturation; Some(rate): open-loop at that fixed rate (the
    // goal's, and one the write path sustains on this machine today).
    let scenarios: Vec<(&str, &Call, Option<u64>)> = vec![
        ("GET /api/openapi.json (static)", &openapi, None),
        ("GET /api/calendar/days/… (no store)", &calendar, None),
        ("GET /api/cases/track/… (read + unseal)", &track, None),
        ("GET /api/cases/{id} (token + read)", &read, None),
        ("POST /api/cases (3 stages)", &submit, None),
        ("POST /api/cases (3 stages)", &submit, Some(rate)),
        ("POST /api/cases (3 stages)", &submit, Some(sustained)),
    ];
    // BENCH_ONLY runs the scenarios whose names (with "saturated" or
    // "fixed") contain it, e.g. "POST /api/cases (3 stages) saturated".
    let only = std::env::var("BENCH_ONLY").ok();
    let mut rows = Vec::new();
    for (name, call, fixed) in scenarios {
        let label = format!(
            "{name} {}",
            if fixed.is_some() {
                "fixed"
            } else {
                "saturated"
            }
        );
        if only.as_deref().is_some_and(|o| !label.contains(o)) {
            continue;
        }
        rows.push(match fixed {
            None => saturate(&app, name, call, clients, seconds),
            Some(rate) => fixed_rate(&app, name, call, rate, seconds),
        });
    }
    // Restart to ready: the same state directory, its compile cache warm.
    drop(app);
    let t = Instant::now();
    let again = App::launch(&launch, state.path());
    let restart = t.elapsed();
    drop(again);
    if only.as_deref().is_none_or(|o| "native submit".contains(o)) {
        rows.push(native(clients, seconds));
    }

    println!();
    println!(
        "| request | requests | req/s | p50 ms | p99 ms | runner RSS MB | CPU ms/req |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} |",
            r.name,
            r.requests,
            r.per_second,
            r.p50,
            r.p99,
            r.rss_mb
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "—".into()),
            r.cpu_ms
                .map(|m| format!("{m:.2}"))
                .unwrap_or_else(|| "—".into())
        );
    }
    let find = |prefix: &str| {
        rows.iter()
            .find(|r| r.name.starts_with(prefix))
            .map(|r| r.per_second)
            .unwrap_or(f64::NAN)
    };
    let submit_rate = find("POST /api/cases (3 stages) (");
    println!();
    println!(
        "submit at saturation / no-store component: {:.1} % (goal ≥ 22 %)",
        100.0 * submit_rate / find("GET /api/calendar")
    );
    println!(
        "submit / native baseline: {:.2}× (goal ≥ 0.5×)",
        submit_rate / find("native submit")
    );
    println!(
        "restart to ready (compile cache warm): {:.0} ms (goal < 1000 ms)",
        restart.as_secs_f64() * 1000.0
    );
}
