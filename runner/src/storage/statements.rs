//! `up --sqlite`: SQL run against the app's databases before it serves, as
//! Spin's `spin up --sqlite` does. Each value is either one statement, run
//! against the `default` database, or `@FILE` / `@FILE:LABEL`, a file of
//! statements run as one batch against `default` or the labelled database.
//! The values run in the order given, on every start; the first failure
//! stops the start.

use anyhow::{bail, Context, Result};

use super::stores::{open_connection, Stores};

/// The database a plain statement runs against.
const DEFAULT_LABEL: &str = "default";

/// One `--sqlite` value, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlStatement {
    /// A statement for the `default` database.
    Statement(String),
    /// A file of statements for the labelled database.
    File { path: String, label: String },
}

impl SqlStatement {
    /// Parses a `--sqlite` value as Spin does: `@file`, `@file:label` or a
    /// statement.
    pub fn parse(value: &str) -> Result<Self> {
        let Some(config) = value.strip_prefix('@') else {
            return Ok(Self::Statement(value.to_string()));
        };
        let config = config.trim();
        if config.is_empty() {
            bail!("database configuration is empty in the '@{config}' sqlite statement");
        }
        let (path, label) = match config.split_once(':') {
            Some((_, label)) if label.trim().is_empty() => {
                bail!("database label is empty in the '@{config}' sqlite statement")
            }
            Some((file, _)) if file.trim().is_empty() => {
                bail!("file path is empty in the '@{config}' sqlite statement")
            }
            Some((file, label)) => (file.trim(), label.trim()),
            None => (config, DEFAULT_LABEL),
        };
        Ok(Self::File {
            path: path.to_string(),
            label: label.to_string(),
        })
    }
}

/// Runs the statements in order against the stores' databases.
pub fn execute(stores: &Stores, statements: &[SqlStatement]) -> Result<()> {
    for statement in statements {
        match statement {
            SqlStatement::File { path, label } => {
                let db = stores.sqlite_path(label).with_context(|| {
                    format!("based on the '@{path}:{label}' a registered database named '{label}' was expected but not found")
                })?;
                let sql = std::fs::read_to_string(path).with_context(|| {
                    format!("could not read file '{path}' containing sql statements")
                })?;
                let conn = open_connection(db)?;
                conn.execute_batch(&sql).with_context(|| {
                    format!("failed to execute sql against database '{label}' from file '{path}'")
                })?;
            }
            SqlStatement::Statement(sql) => {
                let db = stores
                    .sqlite_path(DEFAULT_LABEL)
                    .context("the default database is missing")?;
                let conn = open_connection(db)?;
                let run = || -> rusqlite::Result<()> {
                    let mut prepared = conn.prepare(sql)?;
                    let mut rows = prepared.raw_query();
                    while rows.next()?.is_some() {}
                    Ok(())
                };
                run().with_context(|| {
                    format!("failed to execute following sql statement against default database: '{sql}'")
                })?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::runtime_config::RuntimeConfig;

    #[test]
    fn a_file_value_names_its_database_after_a_colon_and_defaults_to_default() {
        assert_eq!(
            SqlStatement::parse("@seed.sql").unwrap(),
            SqlStatement::File {
                path: "seed.sql".into(),
                label: "default".into()
            }
        );
        assert_eq!(
            SqlStatement::parse("@seed.sql:audit").unwrap(),
            SqlStatement::File {
                path: "seed.sql".into(),
                label: "audit".into()
            }
        );
        assert_eq!(
            SqlStatement::parse("SELECT 1").unwrap(),
            SqlStatement::Statement("SELECT 1".into())
        );
        for bad in ["@", "@seed.sql:", "@:audit"] {
            assert!(SqlStatement::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn statements_and_files_run_in_order_against_the_default_database() {
        let dir = tempfile::tempdir().unwrap();
        let stores = Stores::new(dir.path(), &RuntimeConfig::default()).unwrap();
        let file = dir.path().join("seed.sql");
        std::fs::write(
            &file,
            "INSERT INTO pets VALUES ('Hobbes'); INSERT INTO pets VALUES ('Slats');",
        )
        .unwrap();
        let statements = [
            SqlStatement::parse("CREATE TABLE pets (name TEXT)").unwrap(),
            SqlStatement::parse(&format!("@{}", file.display())).unwrap(),
        ];
        execute(&stores, &statements).unwrap();
        let conn = stores.lease_sqlite("default").unwrap().lease().unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM pets", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn a_failing_statement_an_unknown_database_or_a_missing_file_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let stores = Stores::new(dir.path(), &RuntimeConfig::default()).unwrap();
        let err = execute(
            &stores,
            &[SqlStatement::parse("INSERT INTO nowhere VALUES (1)").unwrap()],
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("nowhere"), "{err:#}");
        let err = execute(&stores, &[SqlStatement::parse("@seed.sql:audit").unwrap()]).unwrap_err();
        assert!(format!("{err:#}").contains("'audit'"), "{err:#}");
        let missing = dir.path().join("missing.sql");
        let err = execute(
            &stores,
            &[SqlStatement::parse(&format!("@{}", missing.display())).unwrap()],
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("could not read file"),
            "{err:#}"
        );
    }
}
