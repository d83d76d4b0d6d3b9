//! Schema version 24: the submitter's own rating counted (诉求人评价). A
//! rating keeps its comment, whether or not a review is asked for, and
//! `stats_days` counts ratings and the satisfied ones on the day given,
//! for the case's unit then — beside the follow-up calls, never mixed
//! with them.

/// The part of the ratings of `$from` (rows `f` of `citizen_feedback`
/// joined to their case `c`) on the day each was given.
macro_rules! ratings_part {
    ($from:literal) => {
        concat!(
            "INSERT INTO stats_days (day, county, unit, channel, kind, rated, rated_satisfied)
             SELECT substr(f.at, 1, 10), c.county, COALESCE(c.lead_unit, ''), c.channel, c.kind, 1,
                    f.satisfaction IN ('satisfied', 'basically_satisfied')
             ",
            $from,
            " ON CONFLICT (day, county, unit, channel, kind) DO UPDATE SET
                rated = rated + excluded.rated,
                rated_satisfied = rated_satisfied + excluded.rated_satisfied"
        )
    };
}

/// The ratings so far, counted afresh (run by the migration; after
/// emptying the table, by the test that compares it with the triggers).
pub const COUNT_RATINGS: &str =
    ratings_part!("FROM citizen_feedback f JOIN cases c ON c.id = f.case_id WHERE true");

/// The columns, what the ratings so far add, and the trigger that counts
/// each new one.
pub const MIGRATION: &[&str] = &[
    "ALTER TABLE citizen_feedback ADD COLUMN comment TEXT",
    "ALTER TABLE stats_days ADD COLUMN rated INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE stats_days ADD COLUMN rated_satisfied INTEGER NOT NULL DEFAULT 0",
    COUNT_RATINGS,
    concat!(
        "CREATE TRIGGER stats_days_rating AFTER INSERT ON citizen_feedback BEGIN ",
        ratings_part!(
            "FROM (SELECT NEW.case_id AS case_id, NEW.at AS at, NEW.satisfaction AS satisfaction) f
             JOIN cases c ON c.id = f.case_id WHERE true"
        ),
        "; END"
    ),
];
