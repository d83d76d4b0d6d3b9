//! Words for search without a language model: Chinese (and Japanese and
//! Korean) text as overlapping pairs of characters, every other run of
//! letters and digits as one lower-case word. A two-character word such as
//! 路灯 is then one token, a longer one the phrase of its pairs — what
//! FTS5's trigram tokenizer cannot match (nothing under three characters)
//! and `LIKE` can only scan for. The index and the query are cut by the
//! same rule, so what was written is what is found.

/// The longest word kept (longer runs of letters and digits are cut).
const MAX_WORD: usize = 32;

/// Why a query cannot be searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Under two characters.
    #[error("a search needs at least two characters")]
    TooShort,
    /// No word of two characters or more (only punctuation, or single
    /// characters apart).
    #[error("a search needs a word of at least two characters")]
    NoWord,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Written without spaces between words: cut into pairs.
    Ideographic,
    /// Letters and digits of scripts with spaces: one word.
    Word,
    /// Anything else separates.
    Gap,
}

fn class(c: char) -> Class {
    let ideographic = matches!(c,
        '\u{3040}'..='\u{30FF}'          // kana
        | '\u{3400}'..='\u{4DBF}'        // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'        // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'        // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'        // CJK compatibility ideographs
        | '\u{20000}'..='\u{3134F}'      // CJK extensions B to G
        | '\u{3007}' | '\u{3005}'); // 〇 々
    if ideographic {
        Class::Ideographic
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Gap
    }
}

/// Full-width ASCII (ＡＢＣ１２３) as ASCII, and lower case.
fn fold(c: char) -> impl Iterator<Item = char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    };
    c.to_lowercase()
}

/// The runs of `text`: each a class and its characters.
fn runs(text: &str) -> Vec<(Class, Vec<char>)> {
    let mut out: Vec<(Class, Vec<char>)> = Vec::new();
    for c in text.chars().flat_map(fold) {
        let k = class(c);
        match out.last_mut() {
            Some((last, chars)) if *last == k && k != Class::Gap => chars.push(c),
            _ if k == Class::Gap => out.push((Class::Gap, Vec::new())),
            _ => out.push((k, vec![c])),
        }
    }
    out.retain(|(k, chars)| *k != Class::Gap && !chars.is_empty());
    out
}

/// The tokens of one run: a word whole (cut at [`MAX_WORD`]), an
/// ideographic run as its pairs (a lone character gives none).
fn tokens(class: Class, chars: &[char]) -> Vec<String> {
    match class {
        Class::Word => vec![chars.iter().take(MAX_WORD).collect()],
        Class::Ideographic => chars.windows(2).map(|w| w.iter().collect()).collect(),
        Class::Gap => Vec::new(),
    }
}

/// What the index keeps of `text`: its tokens, separated by spaces (FTS5's
/// `unicode61` tokenizer then takes each as one token).
pub fn index_words(text: &str) -> String {
    runs(text)
        .iter()
        .flat_map(|(k, chars)| tokens(*k, chars))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The FTS5 `MATCH` expression for what someone typed: every run a quoted
/// phrase (an ideographic run the phrase of its pairs), all of them
/// required. Lone ideographic characters are left out; a query with
/// nothing else is refused.
pub fn match_expression(typed: &str) -> Result<String, QueryError> {
    let typed = typed.trim();
    if typed.chars().count() < 2 {
        return Err(QueryError::TooShort);
    }
    let phrases: Vec<String> = runs(typed)
        .iter()
        .map(|(k, chars)| tokens(*k, chars))
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{}\"", t.join(" ")))
        .collect();
    if phrases.is_empty() {
        return Err(QueryError::NoWord);
    }
    Ok(phrases.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_kept_as_overlapping_pairs_and_other_words_whole() {
        assert_eq!(index_words("路灯不亮"), "路灯 灯不 不亮");
        assert_eq!(
            index_words("3号楼WiFi坏了，请修！"),
            "3 号楼 wifi 坏了 请修"
        );
        // Full-width letters and digits are the ASCII ones.
        assert_eq!(index_words("ＡＢＣ１２３"), "abc123");
        // A lone character between gaps gives nothing.
        assert_eq!(index_words("路 灯"), "");
    }

    #[test]
    fn a_query_is_the_phrase_of_its_pairs_and_needs_two_characters() {
        assert_eq!(match_expression("路灯"), Ok("\"路灯\"".into()));
        assert_eq!(
            match_expression(" 路灯不亮 wifi "),
            Ok("\"路灯 灯不 不亮\" \"wifi\"".into())
        );
        assert_eq!(match_expression("路"), Err(QueryError::TooShort));
        assert_eq!(match_expression("  a "), Err(QueryError::TooShort));
        assert_eq!(match_expression("路 灯"), Err(QueryError::NoWord));
        assert_eq!(match_expression("！？"), Err(QueryError::NoWord));
        // Quotes and FTS5 operators are gaps, never syntax.
        assert_eq!(
            match_expression("\"路灯\" OR NEAR(x)"),
            Ok("\"路灯\" \"or\" \"near\" \"x\"".into())
        );
    }

    #[test]
    fn what_the_index_keeps_is_what_a_query_finds() {
        let db = crate::base::db::NativeDb::in_memory().expect("db");
        db.execute(
            "CREATE VIRTUAL TABLE t USING fts5(words, content='', contentless_delete=1,
             tokenize='unicode61 remove_diacritics 0')",
            &[],
        )
        .expect("table");
        use crate::base::db::Db;
        let texts = [
            "九州路路灯不亮已一周",
            "小区噪音扰民，夜间施工",
            "路面坑洼，灯杆倾斜",
            "3号楼WiFi信号差",
        ];
        for (i, text) in texts.iter().enumerate() {
            db.execute(
                "INSERT INTO t (rowid, words) VALUES (?, ?)",
                &[(i as i64 + 1).into(), index_words(text).into()],
            )
            .expect("indexed");
        }
        let found = |q: &str| -> Vec<i64> {
            let rows = db
                .execute(
                    "SELECT rowid AS id FROM t WHERE t MATCH ? ORDER BY rowid",
                    &[match_expression(q).expect("query").into()],
                )
                .expect("searched");
            rows.iter().map(|r| r.integer("id").expect("id")).collect()
        };
        assert_eq!(found("路灯"), vec![1]);
        assert_eq!(found("噪音"), vec![2]);
        // Pairs must follow each other: 路灯 and 灯杆 are not 路灯杆.
        assert_eq!(found("路灯杆"), Vec::<i64>::new());
        assert_eq!(found("灯杆倾斜"), vec![3]);
        assert_eq!(found("wifi"), vec![4]);
        assert_eq!(found("WIFI 信号"), vec![4]);
        assert_eq!(found("夜间 噪音"), vec![2]);
    }
}
