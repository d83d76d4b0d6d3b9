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

pub use serde_json::{json, Value};

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

/// A running app. The process is killed when this is dropped.
pub struct App {
    child: Child,
    pub base: String,
    agent: ureq::Agent,
}

impl App {
    /// Starts the app on a free port with `state_dir` as its state directory.
    pub fn start(state_dir: &Path) -> Self {
        Self::launch(state_dir, true)
    }

    /// As [`App::start`], without echoing the runner's request log.
    pub fn start_quiet(state_dir: &Path) -> Self {
        Self::launch(state_dir, false)
    }

    fn launch(state_dir: &Path, echo: bool) -> Self {
        let mut child = Command::new(runner_binary())
            .args(["up", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(state_dir)
            .arg("--from")
            .arg(repo_root().join("spin.toml"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("runner starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(addr) = line.strip_prefix("Serving ") {
                        let _ = tx.send(addr.trim().to_string());
                        sent = true;
                    }
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
        Self { child, base, agent }
    }

    pub fn post_json(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
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

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
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
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().expect("a text body");
        Self {
            status,
            content_type,
            location,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}
