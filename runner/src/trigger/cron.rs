//! The cron trigger, as the spin-trigger-cron plugin defines it:
//! `[[trigger.cron]]` with `component` and `cron_expression` (parsed in
//! `manifest::schedule`), evaluated in UTC. The component exports `handle-cron-event` of
//! `fermyon:spin-cron@2.0.0` and gets the run's Unix time. A run still going
//! when the next is due is not started twice; an error is logged and the
//! schedule goes on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use croner::Cron;
use wasmtime::Store;

use crate::app::exports::{CronError, Metadata};
use crate::app::LoadedApp;
use crate::host::State;

/// Runs one component on one schedule until the process ends.
pub async fn run_schedule(app: Arc<LoadedApp>, component_id: String, schedule: Cron, quiet: bool) {
    let running = Arc::new(AtomicBool::new(false));
    loop {
        let now = Utc::now();
        let next = match schedule.find_next_occurrence(&now, false) {
            Ok(next) => next,
            Err(e) => {
                eprintln!("cron {component_id:?}: no next run ({e}); schedule stopped");
                return;
            }
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        if running.swap(true, Ordering::SeqCst) {
            eprintln!("cron {component_id:?}: previous run still going; skipping this one");
            continue;
        }
        let app = app.clone();
        let id = component_id.clone();
        let running = running.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let result = run_once(&app, &id).await;
            running.store(false, Ordering::SeqCst);
            match result {
                Ok(()) if !quiet => println!(
                    "cron -> {id} ok {:.1}ms",
                    started.elapsed().as_secs_f64() * 1000.0
                ),
                Ok(()) => {}
                Err(e) => eprintln!("cron -> {id} failed: {e:#}"),
            }
        });
    }
}

/// One run in a fresh instance.
pub async fn run_once(app: &Arc<LoadedApp>, component_id: &str) -> Result<()> {
    let component = app
        .components
        .get(component_id)
        .with_context(|| format!("no component {component_id:?}"))?
        .clone();
    let pre = component
        .cron
        .clone()
        .with_context(|| format!("component {component_id:?} does not export handle-cron-event"))?;
    let mut store = Store::new(
        &app.engine,
        State::new(
            &app.shared,
            app.clone(),
            component.grants.clone(),
            group_commit::Needs::new(),
        ),
    );
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(app.shared.limits.epoch_ticks());
    store.epoch_deadline_trap();
    let timestamp = app.shared.now_unix_secs();
    let run = async {
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .call_handle_cron_event(&mut store, Metadata { timestamp })
            .await
    };
    match tokio::time::timeout(app.shared.limits.request_timeout, run).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(CronError::Other(msg)))) => {
            bail!("the component reported: {msg}")
        }
        Ok(Err(trap)) => Err(anyhow::Error::from(trap).context("the component trapped")),
        Err(_) => bail!(
            "the run did not finish within {} ms",
            app.shared.limits.request_timeout.as_millis()
        ),
    }
}
