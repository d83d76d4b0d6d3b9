//! The cron trigger, as the spin-trigger-cron plugin defines it:
//! `[[trigger.cron]]` with `component` and `cron_expression`, an expression
//! of exactly six fields, seconds first (`sec min hour dom month dow`),
//! evaluated in UTC. The component exports `handle-cron-event` of
//! `fermyon:spin-cron@2.0.0` and gets the run's Unix time. A run still going
//! when the next is due is not started twice; an error is logged and the
//! schedule goes on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use croner::Cron;
use wasmtime::Store;

use crate::app::LoadedApp;
use crate::host::State;

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit/spin-cron",
        world: "fermyon:spin-cron/spin-cron",
        exports: { default: async },
    });
}

pub use bindings::fermyon::spin_cron::cron_types::Metadata;
pub use bindings::SpinCronPre;

/// Parses a schedule, insisting on Spin's six fields.
pub fn parse_schedule(expression: &str) -> Result<Cron> {
    let fields = expression.split_whitespace().count();
    if fields != 6 {
        bail!(
            "cron_expression {expression:?} has {fields} fields; the cron trigger needs exactly 6, seconds first: \"sec min hour day-of-month month day-of-week\" (e.g. \"0 */5 * * * *\")"
        );
    }
    Cron::new(expression)
        .with_seconds_required()
        .parse()
        .map_err(|e| anyhow::anyhow!("cron_expression {expression:?}: {e}"))
}

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
        State::new(app, component.grants.clone(), group_commit::Needs::new()),
    );
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(app.limits.epoch_ticks());
    store.epoch_deadline_trap();
    let timestamp = app.now_unix_secs();
    let run = async {
        let instance = pre.instantiate_async(&mut store).await?;
        instance
            .call_handle_cron_event(&mut store, Metadata { timestamp })
            .await
    };
    match tokio::time::timeout(app.limits.request_timeout, run).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(bindings::fermyon::spin_cron::cron_types::Error::Other(msg)))) => {
            bail!("the component reported: {msg}")
        }
        Ok(Err(trap)) => Err(anyhow::Error::from(trap).context("the component trapped")),
        Err(_) => bail!(
            "the run did not finish within {} ms",
            app.limits.request_timeout.as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_fields_seconds_first_parse() {
        let cron = parse_schedule("*/1 * * * * *").expect("parses");
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        let next = cron.find_next_occurrence(&t, false).expect("next");
        assert_eq!((next - t).num_seconds(), 1);
        let daily = parse_schedule("0 30 1 * * *").expect("parses");
        let next = daily.find_next_occurrence(&t, false).expect("next");
        assert_eq!(next.to_rfc3339(), "2026-01-01T01:30:00+00:00");
    }

    #[test]
    fn five_or_seven_fields_are_refused_with_a_clear_message() {
        for bad in ["*/5 * * * *", "0 0 0 * * * 2026"] {
            let err = parse_schedule(bad).unwrap_err().to_string();
            assert!(err.contains("exactly 6"), "{err}");
        }
        assert!(parse_schedule("0 61 * * * *").is_err());
    }
}
