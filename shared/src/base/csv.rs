//! CSV as Excel and WPS open it cleanly: UTF-8 with a byte-order mark,
//! CRLF line ends, and every field quoted when it holds a comma, a quote,
//! or a line break (quotes doubled).

/// One field, quoted if it must be.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A whole document: the BOM, the header row, then the rows.
pub fn document(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::from("\u{FEFF}");
    let line = |cells: Vec<String>| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&line(row));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted_and_the_bom_leads() {
        let doc = document(
            &["时间", "内容"],
            [vec![
                "2026-11-20".into(),
                "路灯,不亮 \"九州路\"\n第二行".into(),
            ]],
        );
        assert!(doc.starts_with('\u{FEFF}'));
        assert_eq!(
            doc.trim_start_matches('\u{FEFF}'),
            "时间,内容\r\n2026-11-20,\"路灯,不亮 \"\"九州路\"\"\n第二行\"\r\n"
        );
        assert_eq!(field("plain"), "plain");
    }
}
