//! How a screening rule reads a text: sentence by sentence, a pattern is a
//! sequence of terms that must appear in that order within one sentence
//! (`撤销…判决`: "撤销", then later "判决"), so a rule names the demand it
//! refuses rather than a word anywhere; a sentence that asks how to do
//! something (`请问`, `怎么`, `？`) can be exempt.

/// Text as compared: no whitespace, ASCII lower case, full-width ASCII
/// folded to half-width (so "ＡＢＣ" matches "abc").
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The sentences of a normalized text: split after `。！？；!?;` and line
/// breaks, each with its end mark.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n') {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// The terms of a pattern, normalized: `撤销…判决` (or `撤销...判决`).
pub fn terms(pattern: &str) -> Vec<String> {
    pattern
        .replace("...", "…")
        .split('…')
        .map(normalize)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether every term appears in `sentence`, in order, none overlapping.
pub fn matches(sentence: &str, terms: &[String]) -> bool {
    let mut rest = sentence;
    for term in terms {
        match rest.find(term.as_str()) {
            Some(at) => rest = &rest[at + term.len()..],
            None => return false,
        }
    }
    !terms.is_empty()
}

/// Whether `sentence` contains any of `markers` (normalized already, none
/// empty).
pub fn contains_any(sentence: &str, markers: &[String]) -> bool {
    debug_assert!(markers.iter().all(|m| !m.is_empty() && *m == normalize(m)));
    markers.iter().any(|m| sentence.contains(m.as_str()))
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_match_in_order_within_one_sentence_only() {
        let t = terms("撤销…判决");
        assert!(matches("请撤销法院判决。", &t));
        assert!(!matches("判决后请撤销。", &t));
        let text = normalize("法院已经判决。请撤销罚款决定！");
        assert!(!sentences(&text).iter().any(|s| matches(s, &t)));
    }

    #[test]
    fn sentences_end_at_their_marks_and_keep_them() {
        assert_eq!(
            sentences("你好。请问在哪里？谢谢"),
            vec!["你好。", "请问在哪里？", "谢谢"]
        );
        assert_eq!(normalize("Ａ Ｂ？"), "ab?");
    }
}
