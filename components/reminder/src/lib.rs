//! The reminder stage: the deadline scan (催办, Art. 6(二).1(6)) on the
//! app's cron trigger (`fermyon:spin-cron`, the spin-trigger-cron plugin's
//! interface). Each run writes the urge notices and warnings that are due,
//! marks overdue cases and drives stuck ones on; what it did goes to the
//! component's log. `POST /api/reminders/scan` runs the same scan over HTTP.
//! Each run also drops the limit counters whose window has ended.

mod cron {
    wit_bindgen::generate!({
        path: "../../runner/wit/spin-cron",
        world: "fermyon:spin-cron/spin-cron",
    });
}

use common::db::SpinDb;
use cron::fermyon::spin_cron::cron_types::{Error, Metadata};

struct Reminder;

impl cron::Guest for Reminder {
    fn handle_cron_event(_: Metadata) -> Result<(), Error> {
        let fail = |what: String| {
            eprintln!("scan failed: {what}");
            Error::Other(what)
        };
        let db = SpinDb::open_default().map_err(|e| fail(format!("database: {e:#}")))?;
        let rules = common::ctx::current_rules(&db).map_err(|e| fail(e.to_string()))?;
        let report = shared::oversight::reminder::scan(&db, &rules, shared::base::clock::now())
            .map_err(|e| fail(e.to_string()))?;
        println!(
            "scan: {} urge notices, {} warnings, {} marked overdue, {} driven again",
            report.urge_notices, report.warnings, report.overdue_marked, report.redriven
        );
        for failure in &report.failed {
            eprintln!("scan: {failure}");
        }
        match shared::access::attempts::sweep(&common::kv::SpinKv, shared::base::clock::now()) {
            Ok(n) => println!("swept {n} expired limit counters"),
            Err(e) => eprintln!("sweeping expired limit counters: {e}"),
        }
        Ok(())
    }
}

cron::export!(Reminder with_types_in cron);
