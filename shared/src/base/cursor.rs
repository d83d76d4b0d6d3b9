//! Opaque page cursors: the position where a page ended, as a hex string
//! (safe in a query string, where `+` and `|` are not).

/// `text` as lower-case hex.
pub fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text a cursor holds, if it is one.
pub fn decode(cursor: &str) -> Option<String> {
    let cursor = cursor.trim();
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_garbage_is_no_cursor() {
        let c = encode("2026-11-20T10:00:00+08:00|42");
        assert_eq!(decode(&c).as_deref(), Some("2026-11-20T10:00:00+08:00|42"));
        assert_eq!(decode("zz"), None);
        assert_eq!(decode("abc"), None);
    }
}
