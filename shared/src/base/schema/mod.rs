//! Versioned migrations. Each migration runs once, in one transaction, and
//! is recorded in `schema_migrations`; a database is brought up to date on
//! first use by whichever request gets there first (the others wait on the
//! write lock, then find nothing to do).

use crate::base::db::{Db, DbError};

pub mod citizen_ratings;
pub mod stats_days;

/// One step of the schema, in order. Never edit a released step: add one.
pub struct Migration {
    /// The schema version the step brings the database to; versions increase.
    pub version: i64,
    /// What the step adds, recorded in `schema_migrations`.
    pub name: &'static str,
    /// The SQL statements of the step, run in order in one transaction.
    pub statements: &'static [&'static str],
}

/// Every step of the schema, oldest first.
pub const MIGRATIONS: &[Migration] = &[
Migration {
    version: 1,
    name: "cases and their submitters",
    statements: &[
        // The case as the bureau and units see it. Instants are RFC 3339 text
        // in China time, which sorts correctly as text.
        "CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            tracking_code TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            county TEXT NOT NULL,
            status TEXT NOT NULL,
            received_at TEXT NOT NULL,
            idempotency_key TEXT UNIQUE,
            request_fingerprint TEXT
        )",
        "CREATE INDEX cases_county_received ON cases (county, received_at)",
        // Personal data (Art. 11) lives apart from the case content, sealed
        // (AES-256-GCM, see `personal`), so it can be guarded, masked and
        // audited on its own.
        "CREATE TABLE case_submitters (
            case_id INTEGER PRIMARY KEY REFERENCES cases (id),
            submitter_type TEXT NOT NULL,
            sealed BLOB NOT NULL
        )",
    ],
},
Migration {
    version: 2,
    name: "lifecycle, units, events, deadlines, urge notices",
    statements: &[
        "ALTER TABLE cases ADD COLUMN mode TEXT",
        "ALTER TABLE cases ADD COLUMN hall_form TEXT",
        "ALTER TABLE cases ADD COLUMN complex INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cases ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cases ADD COLUMN lead_unit TEXT",
        "ALTER TABLE cases ADD COLUMN round INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cases ADD COLUMN rejection_category INTEGER",
        "ALTER TABLE cases ADD COLUMN extension_pending INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cases ADD COLUMN routed_before INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE cases ADD COLUMN closed_at TEXT",
        // Optimistic concurrency: every change checks and bumps it.
        "ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "CREATE INDEX cases_lead_status ON cases (lead_unit, status)",
        // A keyed hash of the phone (never the number): finds the same
        // submitter's earlier cases for duplicate screening.
        "ALTER TABLE case_submitters ADD COLUMN submitter_key TEXT",
        "CREATE INDEX case_submitters_key ON case_submitters (submitter_key)",
        "CREATE TABLE units (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            county TEXT NOT NULL,
            unit_type TEXT NOT NULL
        )",
        // Routing resolves a unit type within a county to exactly one unit.
        "CREATE UNIQUE INDEX units_county_type ON units (county, unit_type)",
        "CREATE TABLE case_co_units (
            case_id INTEGER NOT NULL REFERENCES cases (id),
            unit_id TEXT NOT NULL,
            PRIMARY KEY (case_id, unit_id)
        )",
        // Every move of the lifecycle, never updated or deleted: replies and
        // their rounds, QC results, follow-ups, reviews, extensions.
        "CREATE TABLE case_events (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            at TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_unit TEXT,
            type TEXT NOT NULL,
            article TEXT NOT NULL,
            data TEXT NOT NULL
        )",
        "CREATE INDEX case_events_case ON case_events (case_id, id)",
        // Deadlines: a new one deactivates the earlier one of the same
        // milestone, which stays on record.
        "CREATE TABLE case_deadlines (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            milestone TEXT NOT NULL,
            working_days INTEGER NOT NULL,
            due_date TEXT NOT NULL,
            due_at TEXT NOT NULL,
            verified INTEGER NOT NULL,
            reason TEXT NOT NULL,
            set_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            met_at TEXT
        )",
        "CREATE INDEX case_deadlines_case ON case_deadlines (case_id, milestone)",
        // The scheduled scan reads only deadlines still running, in due
        // order: proportional to the due cases, not to all cases.
        "CREATE INDEX case_deadlines_running ON case_deadlines (due_at) WHERE active = 1 AND met_at IS NULL",
        "CREATE TABLE urge_notices (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            unit_id TEXT NOT NULL,
            deadline_id INTEGER REFERENCES case_deadlines (id),
            issued_at TEXT NOT NULL,
            note TEXT NOT NULL,
            acknowledged_at TEXT
        )",
        "CREATE INDEX urge_notices_unit ON urge_notices (unit_id, acknowledged_at)",
    ],
},
Migration {
    version: 3,
    name: "audit of personal data reads",
    statements: &[
        // Every unmasked read of a submitter's personal data (Art. 11):
        // who, when, which case, why. Never updated or deleted.
        "CREATE TABLE personal_data_reads (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            at TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_unit TEXT,
            actor_subject TEXT NOT NULL,
            purpose TEXT NOT NULL
        )",
        "CREATE INDEX personal_data_reads_case ON personal_data_reads (case_id, id)",
    ],
},
Migration {
    version: 4,
    name: "county rules",
    statements: &[
        // A county's own rules (Art. 12), one family (and for the calendar,
        // one year) per row; the newest row of each is in force, earlier
        // ones stay on record.
        "CREATE TABLE county_rules (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            key TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL,
            version INTEGER NOT NULL
        )",
        "CREATE INDEX county_rules_family ON county_rules (family, key, id)",
        // Bumped by every change of the rules: what a request reads to know
        // whether its cached rule set is current. The token is new at every
        // change, so a cache entry never outlives the state it was built
        // from (not even across a restored backup).
        "CREATE TABLE rules_version (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL,
            token TEXT NOT NULL
        )",
        "INSERT INTO rules_version (id, version, token) VALUES (1, 0, '')",
    ],
},
Migration {
    version: 5,
    name: "who did what: the person and the action behind each event",
    statements: &[
        // The token's subject (or the stage acting for the bureau) and the
        // action that made the move; empty on events recorded before.
        "ALTER TABLE case_events ADD COLUMN actor_subject TEXT",
        "ALTER TABLE case_events ADD COLUMN action TEXT",
    ],
},
Migration {
    version: 6,
    name: "the deadline scan: urge notices per deadline and level, overdue and stuck cases",
    statements: &[
        // 催办单: one per deadline and level (`warning` before it is due,
        // `overdue` after), so a second scan writes nothing new.
        "ALTER TABLE urge_notices ADD COLUMN level TEXT NOT NULL DEFAULT 'urge'",
        "ALTER TABLE urge_notices ADD COLUMN milestone TEXT",
        "ALTER TABLE urge_notices ADD COLUMN due_at TEXT",
        "CREATE UNIQUE INDEX urge_notices_deadline_level ON urge_notices (deadline_id, level)",
        "CREATE INDEX urge_notices_case ON urge_notices (case_id, id)",
        // Whether the scan wrote a deadline's overdue notice (or found it
        // past due without a unit): it then leaves the scan's read set, so
        // a scan reads what is newly due, not the backlog.
        "ALTER TABLE case_deadlines ADD COLUMN overdue_notified INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE case_deadlines ADD COLUMN warning_notified INTEGER NOT NULL DEFAULT 0",
        // What the scan reads: running deadlines not yet found overdue. The
        // contact milestone is left out until contact can be recorded.
        "CREATE INDEX case_deadlines_to_chase ON case_deadlines (due_at)
            WHERE active = 1 AND met_at IS NULL AND overdue_notified = 0 AND milestone != 'contact'",
        // When the scan first found the case past a deadline.
        "ALTER TABLE cases ADD COLUMN overdue_at TEXT",
        // When dispatch ran without finding a unit (the bureau's triage
        // queue), or the bureau took the case into its own hands: the scan
        // does not drive such a case again.
        "ALTER TABLE cases ADD COLUMN dispatch_tried_at TEXT",
        // Before this, dispatch ran at intake: a case accepted now is in the
        // bureau's triage queue or was accepted by the bureau itself.
        "UPDATE cases SET dispatch_tried_at = received_at WHERE status = 'accepted'",
        // What no stage took on yet: read by the scan in order of receipt.
        "CREATE INDEX cases_waiting ON cases (received_at)
            WHERE routed_before = 0 AND dispatch_tried_at IS NULL AND status IN ('received', 'accepted')",
    ],
},
Migration {
    version: 7,
    name: "the submitter's rating of a released reply",
    statements: &[
        // One rating per closure of a case (the n-th time it closed).
        "CREATE TABLE citizen_feedback (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            closure INTEGER NOT NULL,
            satisfaction TEXT NOT NULL,
            review_requested INTEGER NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (case_id, closure)
        )",
    ],
},
Migration {
    version: 8,
    name: "units' daily look at their inbox (Art. 10)",
    statements: &[
        // The first time each working day a unit opened its inbox.
        "CREATE TABLE unit_inbox_views (
            unit_id TEXT NOT NULL,
            day TEXT NOT NULL,
            first_at TEXT NOT NULL,
            subject TEXT NOT NULL,
            PRIMARY KEY (unit_id, day)
        )",
    ],
},
Migration {
    version: 9,
    name: "misconduct clues' receipt and late cases' owners",
    statements: &[
        // A misconduct clue went out and its receipt is not yet on record.
        "ALTER TABLE cases ADD COLUMN clue_pending INTEGER NOT NULL DEFAULT 0",
        // Who follows a late case up beside its unit (the hall's
        // supervision section for the hall's cases, Art. 6(三)).
        "ALTER TABLE urge_notices ADD COLUMN owner TEXT",
    ],
},
Migration {
    version: 10,
    name: "repeats merged into the case being handled",
    statements: &[
        // A repeat of the same submitter's open case (并单): not accepted,
        // linked to the original, which the submitter follows instead.
        "ALTER TABLE cases ADD COLUMN merged_into INTEGER REFERENCES cases (id)",
    ],
},
Migration {
    version: 11,
    name: "where each deadline's count starts",
    statements: &[
        // The instant a deadline's working days are counted from, so that
        // loading a calendar year can count them again.
        "ALTER TABLE case_deadlines ADD COLUMN counted_from TEXT",
        "UPDATE case_deadlines SET counted_from = CASE
            WHEN reason = 'routed' THEN (SELECT received_at FROM cases WHERE cases.id = case_deadlines.case_id)
            WHEN reason = 'extension' THEN NULL
            ELSE set_at END",
    ],
},
Migration {
    version: 12,
    name: "units retired and directory changes on record",
    statements: &[
        // A retired unit gets no new cases; its old ones stay readable.
        "ALTER TABLE units ADD COLUMN retired_at TEXT",
        // Every change of the directory, with who made it.
        "CREATE TABLE unit_changes (
            id INTEGER PRIMARY KEY,
            unit_id TEXT NOT NULL,
            change TEXT NOT NULL,
            body TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL
        )",
    ],
},
Migration {
    version: 13,
    name: "the deployment seed: units and first rules given at start",
    statements: &[
        // A deployment's seed (`spin up --sqlite @seed.sql`, see
        // docs/deployment.md) runs before the first request, so before
        // this step: it creates these two tables itself, the same shape.
        "CREATE TABLE IF NOT EXISTS seed_units (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            county TEXT NOT NULL,
            unit_type TEXT NOT NULL
        )",
        "CREATE TABLE IF NOT EXISTS seed_rules (
            family TEXT NOT NULL,
            key TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            PRIMARY KEY (family, key)
        )",
        // What the seed gave before this step: into the directory and the
        // rules, unless already there (never overwriting the bureau's own).
        "INSERT INTO unit_changes (unit_id, change, body, set_by, set_at)
            SELECT id, 'added', json_object('id', id, 'name', name, 'county', county, 'unit_type', unit_type),
                   'seed', strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours')
            FROM seed_units s
            WHERE NOT EXISTS (SELECT 1 FROM units u WHERE u.id = s.id OR (u.county = s.county AND u.unit_type = s.unit_type))",
        "INSERT OR IGNORE INTO units (id, name, county, unit_type)
            SELECT id, name, county, unit_type FROM seed_units",
        "UPDATE rules_version SET version = version + 1, token = lower(hex(randomblob(16)))
            WHERE id = 1 AND EXISTS (SELECT 1 FROM seed_rules s WHERE NOT EXISTS
                (SELECT 1 FROM county_rules c WHERE c.family = s.family AND c.key = s.key))",
        "INSERT INTO county_rules (family, key, body, set_by, set_at, version)
            SELECT s.family, s.key, s.body, 'seed',
                   strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'),
                   (SELECT version FROM rules_version WHERE id = 1)
            FROM seed_rules s
            WHERE NOT EXISTS (SELECT 1 FROM county_rules c WHERE c.family = s.family AND c.key = s.key)",
        // What a later start's seed adds: the same, row by row.
        "CREATE TRIGGER seed_units_added AFTER INSERT ON seed_units
         WHEN NOT EXISTS (SELECT 1 FROM units u WHERE u.id = NEW.id OR (u.county = NEW.county AND u.unit_type = NEW.unit_type))
         BEGIN
            INSERT INTO units (id, name, county, unit_type) VALUES (NEW.id, NEW.name, NEW.county, NEW.unit_type);
            INSERT INTO unit_changes (unit_id, change, body, set_by, set_at)
            VALUES (NEW.id, 'added', json_object('id', NEW.id, 'name', NEW.name, 'county', NEW.county, 'unit_type', NEW.unit_type),
                    'seed', strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'));
         END",
        "CREATE TRIGGER seed_rules_added AFTER INSERT ON seed_rules
         WHEN NOT EXISTS (SELECT 1 FROM county_rules c WHERE c.family = NEW.family AND c.key = NEW.key)
         BEGIN
            UPDATE rules_version SET version = version + 1, token = lower(hex(randomblob(16))) WHERE id = 1;
            INSERT INTO county_rules (family, key, body, set_by, set_at, version)
            VALUES (NEW.family, NEW.key, NEW.body, 'seed',
                    strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'),
                    (SELECT version FROM rules_version WHERE id = 1));
         END",
    ],
},
Migration {
    version: 14,
    name: "rectification items opened from hotspots (Art. 7)",
    statements: &[
        "CREATE TABLE rectifications (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            owner TEXT NOT NULL,
            due_date TEXT NOT NULL,
            status TEXT NOT NULL,
            opened_by TEXT NOT NULL,
            opened_at TEXT NOT NULL
        )",
        "CREATE INDEX rectifications_owner ON rectifications (owner, status)",
        // The complaints an item was opened from.
        "CREATE TABLE rectification_cases (
            item_id INTEGER NOT NULL REFERENCES rectifications (id),
            case_id INTEGER NOT NULL REFERENCES cases (id),
            PRIMARY KEY (item_id, case_id)
        )",
        // Its record: every change, by whom, with the note written.
        "CREATE TABLE rectification_notes (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES rectifications (id),
            at TEXT NOT NULL,
            by TEXT NOT NULL,
            status TEXT,
            due_date TEXT,
            note TEXT
        )",
        "CREATE INDEX rectification_notes_item ON rectification_notes (item_id, id)",
    ],
},
Migration {
    version: 15,
    name: "statistics read each case's finish deadline from its row",
    statements: &[
        // The finish deadline that counts for on time (as routed, extended,
        // re-chosen for a complex case or recounted on a loaded calendar
        // year; a QC failure's new limit does not excuse lateness): the
        // newest such deadline, kept on the case as it is set.
        "ALTER TABLE cases ADD COLUMN finish_due_at TEXT",
        "UPDATE cases SET finish_due_at = (
            SELECT d.due_at FROM case_deadlines d WHERE d.id = (
                SELECT MAX(id) FROM case_deadlines
                WHERE case_id = cases.id AND milestone = 'finish'
                  AND reason IN ('routed', 'extension', 'complex', 'calendar')))",
        "CREATE TRIGGER cases_finish_due AFTER INSERT ON case_deadlines
         WHEN NEW.milestone = 'finish' AND NEW.reason IN ('routed', 'extension', 'complex', 'calendar')
         BEGIN
            UPDATE cases SET finish_due_at = NEW.due_at WHERE id = NEW.case_id;
         END",
        // What statistics read by period: receipts, closings, events.
        "CREATE INDEX cases_received ON cases (received_at)",
        "CREATE INDEX cases_closed ON cases (closed_at) WHERE closed_at IS NOT NULL",
        "CREATE INDEX cases_closed_late ON cases (closed_at) WHERE closed_at > finish_due_at",
        "CREATE INDEX cases_open_due ON cases (finish_due_at) WHERE closed_at IS NULL",
        "CREATE INDEX case_events_at ON case_events (at)",
    ],
},
Migration {
    version: 16,
    name: "personal data anonymised after the county's retention period",
    statements: &[
        // When the sealed record was emptied; the case and its statistics stay.
        "ALTER TABLE case_submitters ADD COLUMN anonymised_at TEXT",
    ],
},
Migration {
    version: 17,
    name: "statistics kept by day as cases change",
    statements: stats_days::MIGRATION,
},
Migration {
    version: 18,
    name: "the staff directory: people, their sign-in identities, changes on record",
    statements: &[
        // A person: what they may do is decided here, not by a sign-on.
        "CREATE TABLE staff (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            unit_id TEXT,
            leader INTEGER NOT NULL DEFAULT 0,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )",
        // Who a sign-on says someone is, linked to one person.
        "CREATE TABLE staff_identities (
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            person_id TEXT NOT NULL REFERENCES staff (id),
            PRIMARY KEY (issuer, subject)
        )",
        "CREATE INDEX staff_identities_person ON staff_identities (person_id)",
        "CREATE TABLE staff_changes (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL,
            change TEXT NOT NULL,
            body TEXT NOT NULL,
            set_by TEXT NOT NULL,
            set_at TEXT NOT NULL
        )",
    ],
},
Migration {
    version: 19,
    name: "each event's person by name; staff given by the deployment's seed",
    statements: &[
        // The name of who did it, as it was then, beside their id.
        "ALTER TABLE case_events ADD COLUMN actor_name TEXT",
        // A deployment's seed may give people too (a development
        // instance's demo people; docs/deployment.md): the same shape as
        // `seed_units`, created by the seed itself when it runs first.
        // `issuer` and `subject` link a sign-on identity.
        "CREATE TABLE IF NOT EXISTS seed_staff (
            id TEXT PRIMARY KEY,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            unit_id TEXT,
            leader INTEGER NOT NULL DEFAULT 0,
            issuer TEXT,
            subject TEXT
        )",
        // A seeded person joins the directory unless their id or identity
        // is taken (never overwriting the bureau's own), and only in a
        // shape the directory accepts: a staff role, a person id, a unit
        // for unit staff and for no one else, a leader only of a unit.
        "CREATE TRIGGER seed_staff_added AFTER INSERT ON seed_staff
         WHEN NEW.role IN ('bureau', 'unit', 'agent', 'supervisor', 'scheduler')
          AND length(NEW.id) BETWEEN 1 AND 64
          AND NEW.id NOT GLOB '*[^a-z0-9._-]*' AND NEW.id GLOB '[a-z0-9]*'
          AND (NEW.role = 'unit') = (NEW.unit_id IS NOT NULL)
          AND (NEW.unit_id IS NULL OR EXISTS (SELECT 1 FROM units u WHERE u.id = NEW.unit_id))
          AND (NEW.leader = 0 OR NEW.role = 'unit')
          AND NOT EXISTS (SELECT 1 FROM staff s WHERE s.id = NEW.id)
          AND NOT EXISTS (SELECT 1 FROM staff_identities i
                          WHERE i.issuer = NEW.issuer AND i.subject = NEW.subject)
         BEGIN
            INSERT INTO staff (id, display_name, role, unit_id, leader, active, created_at, updated_at)
            VALUES (NEW.id, NEW.display_name, NEW.role, NEW.unit_id, NEW.leader != 0, 1,
                    strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'),
                    strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'));
            INSERT INTO staff_identities (issuer, subject, person_id)
            SELECT NEW.issuer, NEW.subject, NEW.id
            WHERE NEW.issuer IS NOT NULL AND NEW.subject IS NOT NULL;
            INSERT INTO staff_changes (person_id, change, body, set_by, set_at)
            VALUES (NEW.id, 'added',
                    json_patch(
                        json_object('id', NEW.id, 'display_name', NEW.display_name, 'role', NEW.role,
                                    'leader', json(CASE WHEN NEW.leader != 0 THEN 'true' ELSE 'false' END)),
                        CASE WHEN NEW.unit_id IS NULL THEN '{}' ELSE json_object('unit', NEW.unit_id) END),
                    'seed', strftime('%Y-%m-%dT%H:%M:%S+08:00', 'now', '+8 hours'));
         END",
        // What the seed gave before this step goes through the same rule.
        "CREATE TABLE seed_staff_given AS SELECT * FROM seed_staff",
        "DELETE FROM seed_staff",
        "INSERT INTO seed_staff SELECT * FROM seed_staff_given",
        "DROP TABLE seed_staff_given",
    ],
},
Migration {
    version: 20,
    name: "local accounts with a second factor, sessions, sign-ins on record",
    statements: &[
        // A local account: the password as an Argon2id PHC string, the TOTP
        // secret sealed with the personal-data key, the last TOTP step
        // used (each code once).
        "CREATE TABLE staff_accounts (
            person_id TEXT PRIMARY KEY REFERENCES staff (id),
            username TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            must_change INTEGER NOT NULL DEFAULT 0,
            totp_sealed BLOB,
            totp_last_step INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        )",
        // Recovery codes, as SHA-256 of their normal form; used once.
        "CREATE TABLE staff_recovery_codes (
            person_id TEXT NOT NULL REFERENCES staff (id),
            code_hash TEXT NOT NULL,
            used_at TEXT,
            PRIMARY KEY (person_id, code_hash)
        )",
        // A browser's session: the cookie's SHA-256, never the cookie;
        // times in Unix seconds.
        "CREATE TABLE staff_sessions (
            id_hash TEXT PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES staff (id),
            csrf_token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            seen_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            idle_seconds INTEGER NOT NULL,
            ended_at INTEGER
        )",
        "CREATE INDEX staff_sessions_person ON staff_sessions (person_id)",
        // Sign-ins, failures (never the password) and sign-outs, with the
        // client's address.
        "CREATE TABLE sign_ins (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            person_id TEXT,
            username TEXT NOT NULL,
            method TEXT NOT NULL,
            client TEXT NOT NULL
        )",
    ],
},
Migration {
    version: 21,
    name: "sign-ins through the city's sign-on (OpenID Connect)",
    statements: &[
        // A sign-in begun at GET /auth/login and not yet back: its state as
        // SHA-256, the nonce the id token must carry, the PKCE verifier;
        // taken once by GET /auth/callback, within ten minutes.
        "CREATE TABLE sign_on_requests (
            state_hash TEXT PRIMARY KEY,
            nonce TEXT NOT NULL,
            verifier TEXT NOT NULL,
            created_at INTEGER NOT NULL
        )",
        // Where signing out of a sign-on session sends the browser (the
        // provider's end-session endpoint), if it has one.
        "ALTER TABLE staff_sessions ADD COLUMN sign_on_end TEXT",
    ],
},
Migration {
    version: 22,
    name: "case search (工单查询): a word index over title and content, searches by a personal field on record",
    statements: &[
        // The words of each case's title and content, cut by
        // `base::bigrams` (Chinese as overlapping pairs), its rowid the
        // case's id. Contentless: the text stays in `cases` alone.
        "CREATE VIRTUAL TABLE case_search USING fts5(words, content = '', contentless_delete = 1,
             tokenize = 'unicode61 remove_diacritics 0')",
        // Cases stored before the index, indexed from the newest down by
        // the scan (`record::search_index::catch_up`): those below `below`
        // are not yet in it.
        "CREATE TABLE case_search_backfill (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            below INTEGER NOT NULL
        )",
        "INSERT INTO case_search_backfill (id, below)
         SELECT 1, (SELECT MAX(id) + 1 FROM cases) WHERE EXISTS (SELECT 1 FROM cases)",
        // Every search by a submitter's personal field (the phone): who,
        // when, which field, how many cases it found — never the value.
        "CREATE TABLE personal_searches (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_role TEXT NOT NULL,
            actor_unit TEXT,
            actor_subject TEXT NOT NULL,
            field TEXT NOT NULL,
            purpose TEXT NOT NULL,
            found INTEGER NOT NULL
        )",
        "CREATE INDEX personal_searches_at ON personal_searches (at)",
    ],
},
Migration {
    version: 23,
    name: "the lead unit's signing for a case (签收), once",
    statements: &[
        // Whether the lead unit signed for the case since it last came to
        // them: a case signed for, or drafted, by its present unit is.
        "ALTER TABLE cases ADD COLUMN signed INTEGER NOT NULL DEFAULT 0",
        "UPDATE cases SET signed = 1 WHERE lead_unit IS NOT NULL AND EXISTS (
            SELECT 1 FROM case_events e WHERE e.case_id = cases.id
              AND e.type IN ('assignment_accepted', 'reply_drafted')
              AND e.id > COALESCE((SELECT MAX(r.id) FROM case_events r WHERE r.case_id = cases.id
                                     AND r.type IN ('routed', 'reassigned')), 0))",
    ],
},
Migration {
    version: 24,
    name: "the submitter's own rating counted, its comment kept",
    statements: citizen_ratings::MIGRATION,
}];

/// The newest schema version this library knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

fn current_version(db: &impl Db) -> Result<i64, DbError> {
    let rows = db.execute(
        "SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations",
        &[],
    )?;
    rows.row(0).map(|r| r.integer("v")).unwrap_or(Ok(0))
}

/// Brings the database up to date, like [`migrate`], reading the county
/// rules' stamp in the same statement as the schema's version: an
/// up-to-date database costs that one read, and its answer is the stamp.
/// After migrating, or on a database without a rules row, `None`.
pub fn migrate_reading_rules_stamp(
    db: &impl Db,
) -> Result<Option<crate::base::rules::Stamp>, DbError> {
    let read = db.execute(
        "SELECT COALESCE(MAX(version), 0) AS v,
                (SELECT version FROM rules_version WHERE id = 1) AS rules_version,
                (SELECT token FROM rules_version WHERE id = 1) AS rules_token
         FROM schema_migrations",
        &[],
    );
    // A database without either table yet (or older than the rules'
    // table) is migrated first.
    if let Ok(rows) = read {
        if let Some(row) = rows.row(0) {
            if row.integer("v")? >= latest_version() {
                let version = row.get_opt_integer("rules_version")?;
                let token = row.opt_text("rules_token")?;
                return Ok(version
                    .zip(token)
                    .map(|(version, token)| crate::base::rules::Stamp {
                        version,
                        token: token.to_string(),
                    }));
            }
        }
    }
    migrate(db)?;
    Ok(None)
}

/// Brings the database up to date; returns the versions it applied.
pub fn migrate(db: &impl Db) -> Result<Vec<i64>, DbError> {
    // Every request's open runs this: an up-to-date database costs one
    // read; the table is created only when that read finds none.
    let up_to_date = match current_version(db) {
        Ok(v) => v >= latest_version(),
        Err(_) => {
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
                )",
                &[],
            )?;
            false
        }
    };
    if up_to_date {
        return Ok(Vec::new());
    }
    db.transaction(|db| {
        // Checked again under the write lock: another request may have
        // migrated in the meantime.
        let current = current_version(db)?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            for statement in m.statements {
                db.execute(statement, &[])?;
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                &[m.version.into(), m.name.into()],
            )?;
            applied.push(m.version);
        }
        Ok(applied)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::db::NativeDb;

    #[test]
    fn a_new_database_gets_every_migration_once() {
        let db = NativeDb::in_memory().expect("db");
        let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(migrate(&db), Ok(all));
        assert_eq!(migrate(&db), Ok(vec![]));
        assert_eq!(current_version(&db), Ok(latest_version()));
    }

    fn units(db: &NativeDb) -> Vec<(String, String)> {
        db.execute("SELECT id, name FROM units ORDER BY id", &[])
            .expect("units")
            .iter()
            .map(|r| (r.text("id").unwrap().into(), r.text("name").unwrap().into()))
            .collect()
    }

    #[test]
    fn a_fresh_database_has_no_units_until_a_seed_gives_them() {
        let db = NativeDb::in_memory().expect("db");
        migrate(&db).expect("migrates");
        assert_eq!(units(&db), vec![]);
        crate::base::test_support::seed_demo(&db);
        assert_eq!(units(&db).len(), 14);
    }

    #[test]
    fn a_seed_run_before_the_first_migration_fills_the_directory_and_records_who() {
        let db = NativeDb::in_memory().expect("db");
        crate::base::test_support::seed_demo(&db);
        migrate(&db).expect("migrates");
        assert_eq!(units(&db).len(), 14);
        let by = db
            .execute("SELECT DISTINCT set_by, change FROM unit_changes", &[])
            .expect("changes");
        assert_eq!(by.rows.len(), 1);
        assert_eq!(by.row(0).unwrap().text("set_by"), Ok("seed"));
        assert_eq!(by.row(0).unwrap().text("change"), Ok("added"));
    }

    #[test]
    fn the_seed_again_at_every_start_keeps_the_bureaus_renames_and_adds_only_new_units() {
        let db = NativeDb::in_memory().expect("db");
        crate::base::test_support::seed_demo(&db);
        migrate(&db).expect("migrates");
        db.execute(
            "UPDATE units SET name = '淇滨区住建局' WHERE id = 'qibin-housing'",
            &[],
        )
        .expect("rename");
        let more = format!(
            "{}\nINSERT OR IGNORE INTO seed_units VALUES ('qibin-education', '淇滨区教育局', '410611000', 'education');",
            crate::base::test_support::DEMO_SEED
        );
        crate::base::test_support::run_seed(&db, &more);
        let all = units(&db);
        assert_eq!(all.len(), 15);
        assert!(all.contains(&("qibin-housing".into(), "淇滨区住建局".into())));
        assert!(all.contains(&("qibin-education".into(), "淇滨区教育局".into())));
        let added = db
            .execute(
                "SELECT COUNT(*) AS n FROM unit_changes WHERE change = 'added'",
                &[],
            )
            .expect("changes");
        assert_eq!(added.row(0).unwrap().integer("n"), Ok(15));
    }

    #[test]
    fn seeded_rules_are_the_countys_first_version_and_never_replace_its_own() {
        let routing = r#"{"entries": []}"#;
        // The demo county's units, with a routing table of its own in place
        // of the demo's own rules.
        let units: Vec<&str> = crate::base::test_support::DEMO_SEED
            .lines()
            .filter(|l| !l.contains("INTO seed_rules"))
            .collect();
        let seed = format!(
            "{}\nINSERT OR IGNORE INTO seed_rules (family, key, body) VALUES ('routing', '', '{routing}');",
            units.join("\n")
        );
        // Given before the first migration, and again after.
        for before in [true, false] {
            let db = NativeDb::in_memory().expect("db");
            if before {
                crate::base::test_support::run_seed(&db, &seed);
                migrate(&db).expect("migrates");
            } else {
                migrate(&db).expect("migrates");
                crate::base::test_support::run_seed(&db, &seed);
            }
            assert_eq!(crate::base::rules::version(&db), Ok(1));
            let rows = db
                .execute(
                    "SELECT family, body, set_by, version FROM county_rules",
                    &[],
                )
                .expect("rules");
            assert_eq!(rows.rows.len(), 1);
            let row = rows.row(0).unwrap();
            assert_eq!(row.text("family"), Ok("routing"));
            assert_eq!(row.text("body"), Ok(routing));
            assert_eq!(row.text("set_by"), Ok("seed"));
            assert_eq!(row.integer("version"), Ok(1));
            crate::base::test_support::run_seed(&db, &seed);
            assert_eq!(
                crate::base::rules::version(&db),
                Ok(1),
                "the seed again changes nothing"
            );
        }
    }

    #[test]
    fn opening_migrates_a_new_database_and_then_reads_the_rules_stamp_with_the_schema_version() {
        use crate::base::rules::{Family, Stamp};
        let db = NativeDb::in_memory().expect("db");
        assert_eq!(migrate_reading_rules_stamp(&db), Ok(None), "migrated first");
        assert_eq!(current_version(&db), Ok(latest_version()));
        assert_eq!(
            migrate_reading_rules_stamp(&db),
            Ok(Some(Stamp {
                version: 0,
                token: String::new()
            }))
        );
        crate::county::families::set(
            &db,
            Family::Intake,
            "",
            r#"{"public_submissions_per_minute": 20, "hall_opening_hours": [{"from": "09:00", "to": "20:00"}]}"#,
            "li.na",
            crate::base::clock::in_china(crate::base::clock::now()),
        )
        .expect("set");
        let stamp = migrate_reading_rules_stamp(&db)
            .expect("read")
            .expect("a stamp");
        assert_eq!(stamp.version, 1);
        assert_eq!(stamp.token.len(), 32, "the new version's cache token");
    }

    #[test]
    fn opening_a_database_from_before_the_rules_table_migrates_it_instead_of_reading_a_stamp() {
        let db = NativeDb::in_memory().expect("db");
        db.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            &[],
        )
        .expect("table");
        for m in MIGRATIONS.iter().take_while(|m| {
            !m.statements
                .iter()
                .any(|s| s.contains("CREATE TABLE rules_version"))
        }) {
            for statement in m.statements {
                db.execute(statement, &[]).expect("an early step");
            }
            db.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                &[m.version.into(), m.name.into()],
            )
            .expect("recorded");
        }
        assert!(current_version(&db).expect("version") < latest_version());
        assert_eq!(migrate_reading_rules_stamp(&db), Ok(None));
        assert_eq!(current_version(&db), Ok(latest_version()));
        assert_eq!(
            migrate_reading_rules_stamp(&db).map(|s| s.map(|s| s.version)),
            Ok(Some(0))
        );
    }

    #[test]
    fn migration_versions_increase() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
    }
}
