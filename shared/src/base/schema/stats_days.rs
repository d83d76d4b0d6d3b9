//! Schema version 17: the statistics kept by day as cases change
//! (`stats_days`). Triggers add each case's part to the day it was
//! received, the day it was closed and the day of each QC decision,
//! follow-up call and returned review, so the Art. 9 figures of a year sum
//! a few hundred rows a day instead of reading every case. The working
//! days a case took to close are counted on the county's calendar, which
//! only Rust knows (`time::working_days`).

/// The counters every row of `stats_days` holds, added on conflict.
macro_rules! upsert_counters {
    () => {
        " ON CONFLICT (day, county, unit, channel, kind) DO UPDATE SET
            received = received + excluded.received,
            duplicates = duplicates + excluded.duplicates,
            accepted = accepted + excluded.accepted,
            screening = screening + excluded.screening,
            rejected1 = rejected1 + excluded.rejected1,
            rejected2 = rejected2 + excluded.rejected2,
            rejected3 = rejected3 + excluded.rejected3,
            rejected4 = rejected4 + excluded.rejected4,
            complaints = complaints + excluded.complaints,
            closed = closed + excluded.closed,
            closed_on_time = closed_on_time + excluded.closed_on_time,
            working_days = working_days + excluded.working_days,
            qc_first = qc_first + excluded.qc_first,
            qc_first_pass = qc_first_pass + excluded.qc_first_pass,
            reached = reached + excluded.reached,
            satisfied = satisfied + excluded.satisfied,
            returned = returned + excluded.returned"
    };
}

/// A case's part on the day it was received, as it stands now: the
/// columns of row `$r` (`NEW`, `OLD` or a case of `$from`) times `$sign`,
/// where `$guard` holds. A merged repeat is a duplicate, not a receipt.
macro_rules! receipt_part {
    ($sign:literal, $r:literal, $from:literal, $guard:literal) => {
        concat!(
            "INSERT INTO stats_days (day, county, unit, channel, kind, received, duplicates,
                accepted, screening, rejected1, rejected2, rejected3, rejected4, complaints)
             SELECT substr(",
            $r,
            ".received_at, 1, 10), ",
            $r,
            ".county, COALESCE(",
            $r,
            ".lead_unit, ''), ",
            $r,
            ".channel, ",
            $r,
            ".kind, ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NOT NULL), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status NOT IN ('rejected', 'screening', 'received')), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status = 'screening'), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status = 'rejected' AND ",
            $r,
            ".rejection_category IS 1), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status = 'rejected' AND ",
            $r,
            ".rejection_category IS 2), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status = 'rejected' AND ",
            $r,
            ".rejection_category IS 3), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".status = 'rejected' AND ",
            $r,
            ".rejection_category IS 4), ",
            $sign,
            " * (",
            $r,
            ".merged_into IS NULL AND ",
            $r,
            ".kind = 'complaint')
             ",
            $from,
            " WHERE ",
            $guard,
            upsert_counters!()
        )
    };
}

/// A closed case's part on the day it was closed: on time when no later
/// than the finish deadline that counts, and its working days if counted.
/// Arguments as for `receipt_part`; only rows with `closed_at`.
macro_rules! closed_part {
    ($sign:literal, $r:literal, $from:literal, $guard:literal) => {
        concat!(
            "INSERT INTO stats_days (day, county, unit, channel, kind, closed, closed_on_time, working_days)
             SELECT substr(", $r, ".closed_at, 1, 10), ", $r, ".county, COALESCE(", $r, ".lead_unit, ''), ",
                $r, ".channel, ", $r, ".kind, ",
                $sign, ", ",
                $sign, " * (", $r, ".finish_due_at IS NULL OR ", $r, ".closed_at <= ", $r, ".finish_due_at), ",
                $sign, " * COALESCE(", $r, ".working_days_to_close, 0)
             ", $from, " WHERE ", $r, ".closed_at IS NOT NULL AND ", $guard,
            upsert_counters!()
        )
    };
}

/// The part of event `$e` of case `c` (both in `$from`) on the day it
/// happened: a first-round QC decision, a follow-up call (reached,
/// satisfied), a returned review — counted for the case's unit at the time.
macro_rules! events_part {
    ($e:literal, $from:literal) => {
        concat!(
            "INSERT INTO stats_days (day, county, unit, channel, kind, qc_first, qc_first_pass,
                reached, satisfied, returned)
             SELECT substr(",
            $e,
            ".at, 1, 10), c.county, COALESCE(c.lead_unit, ''), c.channel, c.kind,
                ",
            $e,
            ".type IN ('qc_passed', 'qc_failed') AND json_extract(",
            $e,
            ".data, '$.round') IS 1,
                ",
            $e,
            ".type = 'qc_passed' AND json_extract(",
            $e,
            ".data, '$.round') IS 1,
                ",
            $e,
            ".type = 'followed_up' AND IFNULL(json_extract(",
            $e,
            ".data, '$.result') != 'unreachable', 0),
                ",
            $e,
            ".type = 'followed_up'
                    AND IFNULL(json_extract(",
            $e,
            ".data, '$.result') IN ('satisfied', 'basically_satisfied'), 0),
                ",
            $e,
            ".type = 'review_returned'
             ",
            $from,
            " AND ",
            $e,
            ".type IN ('qc_passed', 'qc_failed', 'followed_up', 'review_returned')",
            upsert_counters!()
        )
    };
}

/// The table, what the cases and events so far add to it, and the
/// triggers that keep it as they change (schema version 17).
pub const MIGRATION: &[&str] = &[
    "ALTER TABLE cases ADD COLUMN working_days_to_close INTEGER",
    // Closed cases whose working days are still to be counted (none
    // normally; every closed case right after this step).
    "CREATE INDEX cases_working_days_unknown ON cases (closed_at)
        WHERE closed_at IS NOT NULL AND working_days_to_close IS NULL",
    "CREATE TABLE stats_days (
        day TEXT NOT NULL,
        county TEXT NOT NULL,
        unit TEXT NOT NULL,
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        received INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0,
        accepted INTEGER NOT NULL DEFAULT 0,
        screening INTEGER NOT NULL DEFAULT 0,
        rejected1 INTEGER NOT NULL DEFAULT 0,
        rejected2 INTEGER NOT NULL DEFAULT 0,
        rejected3 INTEGER NOT NULL DEFAULT 0,
        rejected4 INTEGER NOT NULL DEFAULT 0,
        complaints INTEGER NOT NULL DEFAULT 0,
        closed INTEGER NOT NULL DEFAULT 0,
        closed_on_time INTEGER NOT NULL DEFAULT 0,
        working_days INTEGER NOT NULL DEFAULT 0,
        qc_first INTEGER NOT NULL DEFAULT 0,
        qc_first_pass INTEGER NOT NULL DEFAULT 0,
        reached INTEGER NOT NULL DEFAULT 0,
        satisfied INTEGER NOT NULL DEFAULT 0,
        returned INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, county, unit, channel, kind)
    ) WITHOUT ROWID",
    receipt_part!("1", "r", "FROM cases r", "true"),
    closed_part!("1", "r", "FROM cases r", "true"),
    events_part!(
        "e",
        "FROM case_events e JOIN cases c ON c.id = e.case_id WHERE true"
    ),
    concat!(
        "CREATE TRIGGER stats_days_case_received AFTER INSERT ON cases BEGIN ",
        receipt_part!("1", "NEW", "", "true"),
        "; ",
        closed_part!("1", "NEW", "", "true"),
        "; END"
    ),
    concat!(
        "CREATE TRIGGER stats_days_case_changed AFTER UPDATE ON cases
         WHEN OLD.status IS NOT NEW.status OR OLD.merged_into IS NOT NEW.merged_into
           OR OLD.rejection_category IS NOT NEW.rejection_category OR OLD.lead_unit IS NOT NEW.lead_unit
           OR OLD.received_at IS NOT NEW.received_at OR OLD.county IS NOT NEW.county
           OR OLD.channel IS NOT NEW.channel OR OLD.kind IS NOT NEW.kind
         BEGIN ",
        receipt_part!("-1", "OLD", "", "true"),
        "; ",
        receipt_part!("1", "NEW", "", "true"),
        "; END"
    ),
    concat!(
        "CREATE TRIGGER stats_days_case_closing AFTER UPDATE ON cases
         WHEN OLD.closed_at IS NOT NEW.closed_at OR OLD.finish_due_at IS NOT NEW.finish_due_at
           OR OLD.working_days_to_close IS NOT NEW.working_days_to_close
           OR ((OLD.closed_at IS NOT NULL OR NEW.closed_at IS NOT NULL)
               AND (OLD.lead_unit IS NOT NEW.lead_unit OR OLD.county IS NOT NEW.county
                    OR OLD.channel IS NOT NEW.channel OR OLD.kind IS NOT NEW.kind))
         BEGIN ",
        closed_part!("-1", "OLD", "", "true"),
        "; ",
        closed_part!("1", "NEW", "", "true"),
        "; END"
    ),
    concat!(
        "CREATE TRIGGER stats_days_case_deleted AFTER DELETE ON cases BEGIN ",
        receipt_part!("-1", "OLD", "", "true"),
        "; ",
        closed_part!("-1", "OLD", "", "true"),
        "; END"
    ),
    concat!(
        "CREATE TRIGGER stats_days_event AFTER INSERT ON case_events
         WHEN NEW.type IN ('qc_passed', 'qc_failed', 'followed_up', 'review_returned')
         BEGIN ",
        events_part!("NEW", "FROM cases c WHERE c.id = NEW.case_id"),
        "; END"
    ),
    // The cases open past their deadline at a period's end, read from the
    // cases: indexes that hold every column the statistics read of them.
    "DROP INDEX cases_closed_late",
    "CREATE INDEX cases_closed_late ON cases (closed_at, finish_due_at, status, county, lead_unit, channel, kind)
        WHERE closed_at > finish_due_at",
    "DROP INDEX cases_open_due",
    "CREATE INDEX cases_open_due ON cases (finish_due_at, closed_at, status, county, lead_unit, channel, kind)
        WHERE closed_at IS NULL",
];
