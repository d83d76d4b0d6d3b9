//! `runner build`: runs each component's `[component.<id>.build] command`
//! in the manifest's folder (or its `workdir`), as `spin build` does. Before
//! that, a command that targets `wasm32-wasip1` gets the target installed
//! if rustup lacks it, so a fresh machine needs no manual step.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::manifest::App;

const WASM_TARGET: &str = "wasm32-wasip1";

pub fn build(app: &App) -> Result<()> {
    let needs_target = app
        .manifest
        .component
        .values()
        .filter_map(|c| c.build.as_ref())
        .flat_map(|b| b.commands())
        .any(|cmd| cmd.contains(WASM_TARGET));
    if needs_target {
        ensure_wasm_target()?;
    }
    for (id, component) in &app.manifest.component {
        let Some(build) = &component.build else {
            println!("Component {id} has no build command, skipping.");
            continue;
        };
        let workdir = match &build.workdir {
            Some(w) => app.dir.join(w),
            None => app.dir.clone(),
        };
        for cmd in build.commands() {
            println!("Building component {id} with `{cmd}`");
            let status = shell(cmd)
                .current_dir(&workdir)
                .status()
                .with_context(|| format!("cannot run `{cmd}`"))?;
            if !status.success() {
                bail!("build command for component {id:?} failed ({status}): `{cmd}`");
            }
        }
    }
    println!("Finished building all Spin components");
    Ok(())
}

fn shell(cmd: &str) -> Command {
    if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    }
}

/// Installs the wasm target with rustup when it is missing. Without rustup
/// (a distribution's Rust) there is nothing to do here: cargo will say.
fn ensure_wasm_target() -> Result<()> {
    let Ok(out) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
    else {
        return Ok(());
    };
    let installed = String::from_utf8_lossy(&out.stdout);
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("Installing the {WASM_TARGET} target with rustup");
    let status = Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .status()
        .context("cannot run rustup")?;
    if !status.success() {
        bail!("`rustup target add {WASM_TARGET}` failed ({status})");
    }
    Ok(())
}
