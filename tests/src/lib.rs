//! Test harness for the end-to-end tests: starts the real runner on
//! `spin.toml` with a temporary state directory on a free port, and speaks
//! HTTP to it.
//!
//! The runner binary and the components' `.wasm` files must be built first;
//! the README's test command (`scripts/test.sh`) does that.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub mod fake_provider;
pub mod imports;
pub mod layers;
pub mod staff;

pub use serde_json::{json, Value};
pub use shared::access::tokens::DevSigner;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

fn runner_binary() -> PathBuf {
    let path = repo_root().join("target/release/runner");
    assert!(
        path.exists(),
        "{} is missing: run the README's test command (scripts/test.sh), which builds it and the components",
        path.display()
    );
    path
}

/// Runs the runner with `args` (not `up`: a command that ends), as an
/// operator would; its output.
pub fn run_runner(args: &[&str]) -> std::process::Output {
    Command::new(runner_binary())
        .args(args)
        .output()
        .expect("the runner runs")
}

/// A running app. The process is killed when this is dropped.
pub struct App {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    staff: Option<staff::Filing>,
}

/// How to start the runner for a test.
#[derive(Debug, Clone)]
pub struct Launch {
    pub manifest: PathBuf,
    pub listen: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub echo: bool,
    /// `--cache-dir`: the tests share one compile cache
    /// ([`shared_compile_cache`]), so a start loads the components the
    /// first test compiled instead of compiling all of them again (about a
    /// CPU-minute each time). `None`: the state directory's own.
    pub cache_dir: Option<PathBuf>,
}

/// The compile cache the tests' runners share (`target/e2e-compile-cache`).
pub fn shared_compile_cache() -> PathBuf {
    repo_root().join("target/e2e-compile-cache")
}

impl Launch {
    /// The casework app (the repository's `spin.toml`) with the demo
    /// county's seed (`--sqlite @seed/demo-county.sql`).
    pub fn casework() -> Self {
        Self::casework_unseeded().arg("--sqlite").arg(&format!(
            "@{}",
            repo_root().join("seed/demo-county.sql").display()
        ))
    }

    /// The casework app started with no seed: a county's first start
    /// before it has given its own. Its keys are the tests' sign-on
    /// ([`sso`]) and [`TEST_PD_KEY`].
    pub fn casework_unseeded() -> Self {
        Self {
            manifest: repo_root().join("spin.toml"),
            listen: "127.0.0.1:0".into(),
            args: Vec::new(),
            env: vec![
                ("SPIN_VARIABLE_TOKEN_JWKS".into(), sso().jwks()),
                ("SPIN_VARIABLE_TOKEN_ISSUER".into(), TEST_ISSUER.into()),
                ("SPIN_VARIABLE_PD_KEY".into(), TEST_PD_KEY.into()),
            ],
            echo: true,
            cache_dir: Some(shared_compile_cache()),
        }
    }

    /// The casework app (demo seed) as the README's first command starts
    /// it: no keys set, a development instance.
    pub fn development() -> Self {
        Self::casework()
            .without_env("SPIN_VARIABLE_TOKEN_JWKS")
            .without_env("SPIN_VARIABLE_TOKEN_ISSUER")
            .without_env("SPIN_VARIABLE_PD_KEY")
    }

    /// With the runner's test clock; tokens minted on the real clock stay
    /// valid however far the test moves it (the lifetime cap raised to ten
    /// years).
    pub fn test_clock(self) -> Self {
        self.arg("--test-clock")
            .env("SPIN_VARIABLE_TOKEN_MAX_LIFETIME", "315360000")
    }

    /// The runner's fixture app (`tests/fixtures/probe`).
    pub fn probe() -> Self {
        Self {
            manifest: repo_root().join("tests/fixtures/probe/spin.toml"),
            listen: "127.0.0.1:0".into(),
            args: Vec::new(),
            env: vec![("SPIN_VARIABLE_API_KEY".into(), "test-key".into())],
            echo: true,
            cache_dir: Some(shared_compile_cache()),
        }
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_string());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Compiling into the state directory's own cache, as a runner does by
    /// default.
    pub fn own_compile_cache(mut self) -> Self {
        self.cache_dir = None;
        self
    }

    pub fn without_env(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    fn command(&self, state_dir: &Path) -> Command {
        let mut cmd = Command::new(runner_binary());
        cmd.args(["up", "--listen", &self.listen, "--state-dir"])
            .arg(state_dir)
            .arg("--from")
            .arg(&self.manifest)
            .args(&self.args)
            .env_remove("SPIN_VARIABLE_API_KEY")
            .env_remove("RUNNER_CACHE_DIR");
        if let Some(dir) = &self.cache_dir {
            cmd.arg("--cache-dir").arg(dir);
        }
        // Only what the launch sets: nothing leaks in from the shell.
        for name in [
            "TOKEN_JWKS",
            "TOKEN_ISSUER",
            "TOKEN_AUDIENCE",
            "TOKEN_MAX_LIFETIME",
            "PD_KEY",
            "PD_PREVIOUS_KEYS",
        ] {
            cmd.env_remove(format!("SPIN_VARIABLE_{name}"));
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the runner expecting it to refuse to start; returns what it
    /// printed on stderr.
    pub fn expect_refusal(&self, state_dir: &Path) -> String {
        let out = self
            .command(state_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runner starts")
            .wait_with_output()
            .expect("runner exits");
        assert!(
            !out.status.success(),
            "the runner was expected to refuse to start"
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

impl App {
    /// Starts the casework app on a free port with `state_dir` as its state
    /// directory.
    pub fn start(state_dir: &Path) -> Self {
        Self::launch(&Launch::casework(), state_dir)
    }

    /// As [`App::start`], without echoing the runner's request log.
    pub fn start_quiet(state_dir: &Path) -> Self {
        Self::launch(
            &Launch {
                echo: false,
                ..Launch::casework()
            },
            state_dir,
        )
    }

    /// Starts the runner as `launch` says; returns once it serves.
    pub fn launch(launch: &Launch, state_dir: &Path) -> Self {
        let echo = launch.echo;
        let mut child = launch
            .command(state_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("runner starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = lines.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(addr) = line.strip_prefix("Serving ") {
                        let _ = tx.send(addr.trim().to_string());
                        sent = true;
                    }
                }
                if let Ok(mut l) = seen.lock() {
                    l.push(line.clone());
                }
                // Keep draining so the runner never blocks on a full pipe.
                if echo {
                    println!("[runner] {line}");
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the runner did not start serving within 120 s");
            }
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            child,
            base,
            agent,
            lines,
            staff: staff::Filing::for_launch(launch, state_dir),
        }
    }

    /// Files the person `token` names in the app's staff directory, as the
    /// bureau would have (see [`staff`]); every request with a token made
    /// through this harness does so first.
    pub fn file_token(&self, token: &str) {
        if let Some(filing) = &self.staff {
            filing.file(token);
        }
    }

    /// Files the person of each `Authorization: Bearer` header.
    fn file_headers(&self, headers: &[(&str, &str)]) {
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("authorization") {
                if let Some(token) = value.strip_prefix("Bearer ") {
                    self.file_token(token.trim());
                }
            }
        }
    }

    /// A GET with a bearer token whose person the harness does not file:
    /// someone the sign-on knows and the directory does not.
    pub fn get_as_stranger(&self, token: &str, path: &str) -> Reply {
        Reply::from(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    /// One step of a browser: a GET of `url` (absolute, or a path of the
    /// app) that does not follow a redirect, so the test reads where it
    /// leads (`Location`) and what it sets.
    pub fn step(&self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let url = if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_string()
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut req = agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.call())
    }

    /// The runner's process id (its memory is read from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the runner has printed on stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// A request with a JSON body (if given) and extra headers, as a
    /// browser with a session cookie sends it.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.file_headers(headers);
        let url = format!("{}{path}", self.base);
        let typed = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let with = |mut req: ureq::RequestBuilder<ureq::typestate::WithBody>| {
            if !typed {
                req = req.header("content-type", "application/json");
            }
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            Reply::from(req.send(body.unwrap_or("")))
        };
        match method {
            "POST" => with(self.agent.post(url)),
            "PUT" => with(self.agent.put(url)),
            "PATCH" => with(self.agent.patch(url)),
            _ => self.get_with(path, headers),
        }
    }

    pub fn put(&self, path: &str, body: &str) -> Reply {
        Reply::from(self.agent.put(format!("{}{path}", self.base)).send(body))
    }

    pub fn post_json(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        self.file_headers(headers);
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.send(body))
    }

    pub fn get(&self, path: &str) -> Reply {
        Reply::from(self.agent.get(format!("{}{path}", self.base)).call())
    }

    /// A GET with extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.file_headers(headers);
        let mut req = self.agent.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Reply::from(req.call())
    }

    /// A POST of JSON with a bearer token and, if given, `If-Match`.
    pub fn post_as(&self, token: &str, path: &str, body: &str, if_match: Option<&str>) -> Reply {
        self.file_token(token);
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("authorization", &format!("Bearer {token}"));
        if let Some(tag) = if_match {
            req = req.header("if-match", tag);
        }
        Reply::from(req.send(body))
    }

    /// The app with the runner's test clock, quiet, in a fresh state
    /// directory (kept as long as the returned guard lives).
    pub fn with_test_clock() -> (App, tempfile::TempDir) {
        let state = tempfile::tempdir().expect("temp dir");
        let app = App::launch(
            &Launch {
                echo: false,
                ..Launch::casework().test_clock()
            },
            state.path(),
        );
        (app, state)
    }

    /// The app behind a proxy on this machine (`trusted_proxies` is
    /// loopback, so a test names its clients with `X-Forwarded-For`), on
    /// the test clock set to Monday 2 March 2026, 10:00 China time.
    pub fn behind_local_proxy() -> (App, tempfile::TempDir) {
        let state = tempfile::tempdir().expect("temp dir");
        let app = App::launch(
            &Launch {
                echo: false,
                ..Launch::casework()
                    .test_clock()
                    .env("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1 ::1")
            },
            state.path(),
        );
        app.set_clock("2026-03-02T10:00:00+08:00");
        (app, state)
    }

    /// Moves the guests' clock (the app must run with the test clock).
    pub fn set_clock(&self, at: &str) {
        assert_eq!(self.put("/.well-known/runner/test-clock", at).status, 200);
    }

    /// One lifecycle action on case `id` by `who`, under the version the
    /// case has now (read first, as a client would).
    pub fn act(&self, who: &str, id: impl std::fmt::Display, body: Value) -> Reply {
        let tag = self.get_as(who, &format!("/api/cases/{id}")).etag;
        self.post_as(
            who,
            &format!("/api/cases/{id}/actions"),
            &body.to_string(),
            tag.as_deref(),
        )
    }

    /// The lead unit's clerk `who` signs for case `id` (签收) unless it is
    /// signed for already (the county asks for it before anything else).
    pub fn sign_for(&self, who: &str, id: impl std::fmt::Display) {
        let view = self.get_as(who, &format!("/api/cases/{id}")).json();
        let allowed = view["allowed_actions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if allowed.iter().any(|a| a == "accept_assignment") {
            let signed = self.act(who, &id, serde_json::json!({"action": "accept_assignment"}));
            assert_eq!(signed.status, 200, "{}", signed.body);
        }
    }

    /// A PATCH of JSON with a bearer token.
    pub fn patch_as(&self, token: &str, path: &str, body: &str) -> Reply {
        self.file_token(token);
        Reply::from(
            self.agent
                .patch(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .header("authorization", &format!("Bearer {token}"))
                .send(body),
        )
    }

    /// A PUT of JSON with a bearer token.
    pub fn put_as(&self, token: &str, path: &str, body: &str) -> Reply {
        self.file_token(token);
        Reply::from(
            self.agent
                .put(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .header("authorization", &format!("Bearer {token}"))
                .send(body),
        )
    }

    /// A GET with a bearer token.
    pub fn get_as(&self, token: &str, path: &str) -> Reply {
        self.file_token(token);
        Reply::from(
            self.agent
                .get(format!("{}{path}", self.base))
                .header("authorization", &format!("Bearer {token}"))
                .call(),
        )
    }

    pub fn delete(&self, path: &str) -> Reply {
        Reply::from(self.agent.delete(format!("{}{path}", self.base)).call())
    }

    /// Stops the runner as an operator would (SIGKILL: nothing is flushed
    /// on the way out, so what survives was really committed).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The issuer of the sign-on the tests play.
pub const TEST_ISSUER: &str = "https://sso.test.example";
/// The personal-data key the tests' instances run with.
pub const TEST_PD_KEY: &str = "e2e-personal-data-key-0123456789abcdef-test-only";

/// The sign-on the tests play: its Ed25519 key's public half is the app's
/// `token_jwks`.
pub fn sso() -> DevSigner {
    DevSigner::from_seed([0x5a; 32])
}

/// Someone who is not the sign-on: a key the app does not trust.
pub fn forger() -> DevSigner {
    DevSigner::from_seed([0x66; 32])
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A staff token as the city's sign-on would issue it (EdDSA, the test
/// issuer, audience `casework`), valid for an hour.
pub fn token(role: &str, unit: Option<&str>, sub: &str) -> String {
    token_with(&sso(), role, unit, sub, 3600)
}

/// A staff token signed by `key`, expiring `exp_offset` seconds from now.
/// It has no `iat`, so that apps on the test clock (whose lifetime cap the
/// kit raises) count its lifetime from their own "now".
pub fn token_with(
    key: &DevSigner,
    role: &str,
    unit: Option<&str>,
    sub: &str,
    exp_offset: i64,
) -> String {
    signed(
        key,
        json!({"sub": sub, "role": role, "unit": unit, "iss": TEST_ISSUER, "aud": "casework",
               "exp": unix_now() + exp_offset}),
    )
}

/// Any claims, signed by `key` (`null` claims dropped).
pub fn signed(key: &DevSigner, mut claims: Value) -> String {
    if let Some(map) = claims.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    key.sign_claims(&claims).expect("a token")
}

/// A token of the leader of `unit` (claim `leader: true`), who reviews
/// its drafts.
pub fn leader_token(unit: &str, sub: &str) -> String {
    signed(
        &sso(),
        json!({"sub": sub, "role": "unit", "unit": unit, "leader": true, "iss": TEST_ISSUER,
               "aud": "casework", "exp": unix_now() + 3600}),
    )
}

/// Rows of a query on the app's database file, as text, for checking what
/// was recorded.
pub fn query(state_dir: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(state_dir.join("sqlite_db.db")).expect("database");
    let mut stmt = conn.prepare(sql).expect("query");
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |row| {
            (0..n)
                .map(|i| {
                    row.get_ref(i).map(|v| match v {
                        rusqlite::types::ValueRef::Null => String::new(),
                        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                        rusqlite::types::ValueRef::Real(f) => f.to_string(),
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                        rusqlite::types::ValueRef::Blob(b) => format!("<{} bytes>", b.len()),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("rows");
    rows.map(|r| r.expect("row")).collect()
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
    pub set_cookie: Option<String>,
    pub body: String,
}

impl Reply {
    fn from(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Self {
        let mut resp = result.expect("the runner answers");
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type").unwrap_or_default();
        let location = header("location");
        let etag = header("etag");
        let set_cookie = header("set-cookie");
        let retry_after = header("retry-after");
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().expect("a text body");
        Self {
            status,
            content_type,
            location,
            etag,
            retry_after,
            set_cookie,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}
