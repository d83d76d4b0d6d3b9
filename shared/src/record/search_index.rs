//! The word index of cases (`case_search`): a case's title and content cut
//! into words ([`crate::base::bigrams`]) when it is stored, in the same
//! transaction; cases stored before the index existed are added by the
//! scan, newest first, a batch at a time ([`catch_up`]).

use crate::base::bigrams;
use crate::base::db::{Db, DbError};
use crate::base::ids::CaseId;

/// Puts a case's title and content in the index.
pub fn index(db: &impl Db, case: CaseId, title: &str, content: &str) -> Result<(), DbError> {
    let words = format!(
        "{} {}",
        bigrams::index_words(title),
        bigrams::index_words(content)
    );
    db.execute(
        "INSERT INTO case_search (rowid, words) VALUES (?, ?)",
        &[case.get().into(), words.into()],
    )?;
    Ok(())
}

/// Indexes up to `batch` of the cases stored before the index, newest
/// first, in one transaction; answers how many were indexed (0 once all
/// are).
pub fn catch_up(db: &impl Db, batch: u32) -> Result<u32, DbError> {
    db.transaction(|db| {
        let below = db.execute("SELECT below FROM case_search_backfill WHERE id = 1", &[])?;
        let Some(below) = below.row(0).map(|r| r.integer("below")).transpose()? else {
            return Ok(0);
        };
        let rows = db.execute(
            "SELECT id, title, content FROM cases WHERE id < ? ORDER BY id DESC LIMIT ?",
            &[below.into(), i64::from(batch).into()],
        )?;
        let mut lowest = below;
        let mut done = 0;
        for r in rows.iter() {
            let id = r.integer("id")?;
            if let Ok(case) = CaseId::new(id) {
                index(db, case, r.text("title")?, r.text("content")?)?;
            }
            lowest = lowest.min(id);
            done += 1;
        }
        if done < batch {
            db.execute("DELETE FROM case_search_backfill WHERE id = 1", &[])?;
        } else {
            db.execute(
                "UPDATE case_search_backfill SET below = ? WHERE id = 1",
                &[lowest.into()],
            )?;
        }
        Ok(done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::test_support::{complaint, migrated_db, store_case};

    fn found(db: &crate::base::db::NativeDb, q: &str) -> Vec<i64> {
        let rows = db
            .execute(
                "SELECT rowid AS id FROM case_search WHERE case_search MATCH ? ORDER BY rowid",
                &[bigrams::match_expression(q).expect("query").into()],
            )
            .expect("searched");
        rows.iter().map(|r| r.integer("id").expect("id")).collect()
    }

    #[test]
    fn a_stored_case_is_found_by_a_two_character_word_of_its_title_or_content() {
        let db = migrated_db();
        let id = store_case(
            &db,
            1,
            complaint("13812345678"),
            "2025-09-30T10:00:00+08:00",
        );
        let title = db
            .execute("SELECT title, content FROM cases", &[])
            .expect("case");
        let row = title.row(0).expect("row");
        let (t, c) = (
            row.text("title").expect("t"),
            row.text("content").expect("c"),
        );
        let word: String = c.chars().take(2).collect();
        assert_eq!(found(&db, &word), vec![id.get()], "{word} of {t} / {c}");
        assert_eq!(found(&db, "不存在的词"), Vec::<i64>::new());
    }

    #[test]
    fn cases_stored_before_the_index_are_indexed_by_batches_newest_first() {
        let db = migrated_db();
        let ids: Vec<i64> = (1..=5u8)
            .map(|n| {
                store_case(
                    &db,
                    n,
                    complaint(&format!("1381234567{n}")),
                    "2025-09-30T10:00:00+08:00",
                )
                .get()
            })
            .collect();
        // As a database migrated with these five already in it.
        db.execute("DELETE FROM case_search", &[]).expect("emptied");
        db.execute(
            "INSERT INTO case_search_backfill (id, below) VALUES (1, ?)",
            &[(ids[4] + 1).into()],
        )
        .expect("marked");
        let word: String = {
            let r = db
                .execute("SELECT content FROM cases LIMIT 1", &[])
                .expect("c");
            r.row(0)
                .expect("row")
                .text("content")
                .expect("c")
                .chars()
                .take(2)
                .collect()
        };
        assert_eq!(found(&db, &word), Vec::<i64>::new());
        assert_eq!(catch_up(&db, 2), Ok(2));
        assert_eq!(found(&db, &word), ids[3..].to_vec());
        assert_eq!(catch_up(&db, 2), Ok(2));
        assert_eq!(catch_up(&db, 2), Ok(1));
        assert_eq!(found(&db, &word), ids);
        // Done: nothing more, and the mark is gone.
        assert_eq!(catch_up(&db, 2), Ok(0));
        assert_eq!(found(&db, &word), ids);
    }
}
