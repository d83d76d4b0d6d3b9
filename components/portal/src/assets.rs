//! The portal's files, embedded at build time, each with its content type
//! and an entity tag computed from its bytes.

/// One embedded file.
pub struct Asset {
    /// Its content type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// A fingerprint of the bytes, for `ETag` / `If-None-Match`.
    pub etag: &'static str,
}

/// FNV-1a of the bytes, as 16 hex digits (written out at compile time).
const fn fingerprint(bytes: &[u8]) -> [u8; 16] {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    let digits = b"0123456789abcdef";
    let mut out = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        out[j] = digits[((hash >> (60 - 4 * j)) & 0xf) as usize];
        j += 1;
    }
    out
}

macro_rules! asset {
    ($file:literal, $type:expr) => {{
        const BODY: &[u8] = include_bytes!(concat!("../assets/", $file));
        const TAG: [u8; 16] = fingerprint(BODY);
        Asset {
            content_type: $type,
            body: BODY,
            etag: match std::str::from_utf8(&TAG) {
                Ok(tag) => tag,
                Err(_) => "",
            },
        }
    }};
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every path the portal serves and its file. `/` is the page; the app
/// keeps its own place in the fragment (`/#/track`), so no other path is a
/// page.
static FILES: &[(&str, Asset)] = &[
    ("/", asset!("index.html", "text/html; charset=utf-8")),
    (
        "/index.html",
        asset!("index.html", "text/html; charset=utf-8"),
    ),
    (
        "/assets/app.css",
        asset!("app.css", "text/css; charset=utf-8"),
    ),
    ("/assets/icon.svg", asset!("icon.svg", "image/svg+xml")),
    ("/assets/app.js", asset!("app.js", JS)),
    ("/assets/api.js", asset!("api.js", JS)),
    ("/assets/i18n.js", asset!("i18n.js", JS)),
    ("/assets/ui.js", asset!("ui.js", JS)),
    ("/assets/citizen.js", asset!("citizen.js", JS)),
    ("/assets/staff.js", asset!("staff.js", JS)),
    ("/assets/actions.js", asset!("actions.js", JS)),
    ("/assets/agent.js", asset!("agent.js", JS)),
    ("/assets/bureau.js", asset!("bureau.js", JS)),
    ("/assets/chart.js", asset!("chart.js", JS)),
    ("/assets/people.js", asset!("people.js", JS)),
    ("/assets/search.js", asset!("search.js", JS)),
    ("/assets/batch.js", asset!("batch.js", JS)),
    ("/assets/history.js", asset!("history.js", JS)),
];

/// The file served at `path`, if any.
pub fn find(path: &str) -> Option<&'static Asset> {
    FILES.iter().find(|(p, _)| *p == path).map(|(_, a)| a)
}
