//! Reading what Spin tells a component about a request.

use std::collections::BTreeMap;

use spin_sdk::http::Request;

/// The route the request matched, as written in `spin.toml`.
pub fn matched_route(req: &Request) -> String {
    header(req, "spin-matched-route")
}

/// The value a `:name` segment of the route captured.
pub fn path_match(req: &Request, name: &str) -> String {
    header(req, &format!("spin-path-match-{name}"))
}

/// For a stage reached by service chaining (`/<verb>/<case id>`): the case
/// id, if the path is that verb's.
pub fn chained_case_id(req: &Request, verb: &str) -> Option<shared::ids::CaseId> {
    let info = header(req, "spin-path-info");
    let rest = info
        .strip_prefix('/')?
        .strip_prefix(verb)?
        .strip_prefix('/')?;
    rest.parse::<i64>()
        .ok()
        .and_then(|n| shared::ids::CaseId::new(n).ok())
}

fn header(req: &Request, name: &str) -> String {
    req.header(name)
        .and_then(|h| h.as_str())
        .unwrap_or_default()
        .to_string()
}

/// The query string's pairs, percent-decoded (the last of a repeated name
/// wins).
pub fn query_pairs(req: &Request) -> BTreeMap<String, String> {
    req.query()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding with `+` as space; invalid escapes are kept as text.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn percent_escapes_and_plus_are_decoded() {
        assert_eq!(decode("2025-10-08"), "2025-10-08");
        assert_eq!(decode("a+b%20c"), "a b c");
        assert_eq!(decode("%E8%B7%AF"), "路");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz"), "%zz");
    }
}
