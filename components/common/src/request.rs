//! Reading what Spin tells a component about a request.

use std::collections::BTreeMap;

use spin_sdk::http::Request;

/// The largest request body any endpoint takes (a case's text is at most
/// 5000 characters; this leaves room for everything else).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The body as JSON, every string in Unicode NFC
/// ([`shared::base::text::normalize_json`]): 413 when too large, 400 when not
/// JSON.
pub fn json_body(req: &Request) -> Result<serde_json::Value, Box<crate::problem::Problem>> {
    use crate::problem::Problem;
    if req.body().len() > MAX_BODY_BYTES {
        return Err(Box::new(
            Problem::new(413, "body_too_large", "The body is too large")
                .detail(format!("at most {MAX_BODY_BYTES} bytes")),
        ));
    }
    let mut value: serde_json::Value = serde_json::from_slice(req.body()).map_err(|e| {
        Box::new(
            Problem::new(400, "malformed_json", "The body is not valid JSON").detail(e.to_string()),
        )
    })?;
    shared::base::text::normalize_json(&mut value);
    Ok(value)
}

/// 415 unless the body is declared JSON (`Content-Type:
/// application/json`): what no cross-site HTML form can send, so a page
/// elsewhere cannot post a sign-in form into this app.
pub fn require_json(req: &Request) -> Result<(), Box<crate::problem::Problem>> {
    let kind = header(req, "content-type").to_ascii_lowercase();
    if kind.split(';').next().map(str::trim) == Some("application/json") {
        return Ok(());
    }
    Err(Box::new(
        crate::problem::Problem::new(415, "unsupported_media_type", "Send JSON")
            .detail("the body must be sent as Content-Type: application/json"),
    ))
}

/// The version an `If-Match` header names (`"3"` or `W/"3"`): 428 when
/// missing, 400 when unreadable.
pub fn if_match_version(req: &Request) -> Result<i64, Box<crate::problem::Problem>> {
    use crate::problem::Problem;
    let value = req
        .header("if-match")
        .and_then(|h| h.as_str())
        .ok_or_else(|| {
            Box::new(
                Problem::new(428, "precondition_required", "If-Match required")
                    .field("If-Match")
                    .detail("send the ETag you read the case with, so that no one's change is overwritten"),
            )
        })?;
    shared::desk::batch::etag_version(value.trim()).ok_or_else(|| {
        Box::new(Problem::new(400, "invalid_header", "Invalid If-Match").field("If-Match"))
    })
}

/// The request's `Idempotency-Key`, if it sent one (400 naming the header
/// when it is not one, in the library's words).
pub fn idempotency_key(
    req: &Request,
) -> Result<Option<shared::base::ids::IdempotencyKey>, Box<crate::problem::Problem>> {
    use crate::problem::Problem;
    let Some(value) = req.header("idempotency-key") else {
        return Ok(None);
    };
    let parsed = value
        .as_str()
        .ok_or(shared::base::ids::IdError::IdempotencyKey);
    parsed.and_then(str::parse).map(Some).map_err(|e| {
        Problem::new(400, "invalid_header", "Invalid Idempotency-Key")
            .field("Idempotency-Key")
            .detail(e.to_string())
            .boxed()
    })
}

/// A header as text (empty when absent or not text).
pub fn header(req: &Request, name: &str) -> String {
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
            let text = |s: &str| shared::base::text::nfc(&decode(s)).into_owned();
            (text(k), text(v))
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
