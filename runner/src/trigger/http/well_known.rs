//! Spin's own endpoints under `/.well-known/spin/`, answered before any
//! route is matched: `health` (200 `OK`, what load balancers and
//! SpinKube's probes call) and `info` (the app's name and version as JSON);
//! anything else under the prefix is 404. A manifest route there is never
//! reached, and start-up says so (`manifest::routes::route_warnings`).

use crate::app::AppInfo;
use crate::manifest::routes::PREFIX;

/// The answer to a well-known path: `(status, content type, body)`, or
/// `None` when the path is not under the prefix.
pub fn answer(path: &str, info: &AppInfo) -> Option<(u16, &'static str, String)> {
    let rest = path.strip_prefix(PREFIX)?;
    Some(match rest {
        "health" => (200, "text/plain", "OK".to_string()),
        "info" => (
            200,
            "application/json",
            serde_json::to_string_pretty(info).unwrap_or_default(),
        ),
        _ => (404, "text/plain", String::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(version: Option<&str>) -> AppInfo {
        AppInfo {
            name: "casework".into(),
            version: version.map(str::to_string),
        }
    }

    #[test]
    fn health_is_ok_and_info_names_the_app_and_its_version_when_given() {
        assert_eq!(
            answer("/.well-known/spin/health", &info(None)),
            Some((200, "text/plain", "OK".into()))
        );
        let (status, kind, body) = answer("/.well-known/spin/info", &info(Some("0.1.0"))).unwrap();
        assert_eq!((status, kind), (200, "application/json"));
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "casework", "version": "0.1.0"})
        );
        let (_, _, body) = answer("/.well-known/spin/info", &info(None)).unwrap();
        assert!(!body.contains("version"), "{body}");
    }

    #[test]
    fn other_well_known_paths_are_404_and_the_rest_is_routed() {
        assert_eq!(
            answer("/.well-known/spin/other", &info(None)).map(|a| a.0),
            Some(404)
        );
        assert_eq!(answer("/.well-known/runner/test-clock", &info(None)), None);
        assert_eq!(answer("/api/cases", &info(None)), None);
    }
}
