//! Text as it is kept: every string a client sends is put in Unicode NFC,
//! so the same characters typed two ways are one text (duplicate
//! screening, hotspots, search); characters that change how text is shown
//! without being seen are refused — bidirectional controls in any text
//! (they can make a title read as something else), and zero-width and
//! other invisible formatting characters too where a person is named.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `s` in NFC (borrowed when it already is).
pub fn nfc(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
}

/// Puts every string of a JSON document, keys included, in NFC.
pub fn normalize_json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Cow::Owned(n) = nfc(s) {
                *s = n;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_json),
        Value::Object(map) => {
            let needs = map.keys().any(|k| matches!(nfc(k), Cow::Owned(_)));
            if needs {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    normalize_json(&mut v);
                    map.insert(nfc(&k).into_owned(), v);
                }
            } else {
                map.values_mut().for_each(normalize_json);
            }
        }
        _ => {}
    }
}

/// A bidirectional control: embeddings, overrides, isolates and marks.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A character that takes no visible space or changes how neighbours are
/// shown: bidi controls, zero-width spaces and joiners, word joiners and
/// invisible operators, the byte-order mark, soft hyphen, Mongolian vowel
/// separator, combining grapheme joiner, Hangul fillers.
pub fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Whether `s` holds a bidirectional control.
pub fn has_bidi_controls(s: &str) -> bool {
    s.chars().any(is_bidi_control)
}

/// Whether `s` holds an invisible character ([`is_invisible`]).
pub fn has_invisible(s: &str) -> bool {
    s.chars().any(is_invisible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_typed_decomposed_is_kept_composed() {
        let decomposed = "Cafe\u{0301} 路灯";
        assert_eq!(nfc(decomposed), "Café 路灯");
        assert!(matches!(nfc("路灯不亮"), Cow::Borrowed(_)));
        let mut body = json!({"title": "Cafe\u{0301}", "list": ["e\u{0301}"], "n": 1,
                              "nested": {"e\u{0301}": "x"}});
        normalize_json(&mut body);
        assert_eq!(
            body,
            json!({"title": "Café", "list": ["é"], "n": 1, "nested": {"é": "x"}})
        );
    }

    #[test]
    fn controls_that_reorder_or_hide_text_are_recognised() {
        assert!(has_bidi_controls("张\u{202E}三"));
        assert!(has_bidi_controls("a\u{2067}b"));
        assert!(!has_bidi_controls("张三 Zhang San"));
        assert!(has_invisible("张\u{200B}三"));
        assert!(has_invisible("\u{FEFF}张三"));
        assert!(has_invisible("张\u{202E}三"));
        assert!(!has_invisible("欧阳 娜娜"));
        assert!(!has_invisible("李·明"));
    }
}
