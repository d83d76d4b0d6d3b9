//! HTTP route matching with Spin's rules.
//!
//! Spin (3.x) matches a request path against every `[[trigger.http]]` route
//! and picks the most specific one: comparing segment by segment, a literal
//! segment beats a `:name` capture, which beats the trailing `/...` wildcard;
//! so exact routes beat wildcards and the longest matching prefix wins,
//! whatever the order in `spin.toml`. Trailing slashes are ignored when
//! matching; `/foo/...` also matches `/foo` itself.

use std::cmp::Ordering;

use anyhow::{bail, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Capture(String),
    Wildcard,
}

impl Segment {
    /// Higher is more specific.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Capture(_) => 1,
            Segment::Wildcard => 0,
        }
    }
}

/// One route pattern as written in `spin.toml`.
#[derive(Debug, Clone)]
pub struct RoutePattern {
    raw: String,
    segments: Vec<Segment>,
}

impl RoutePattern {
    pub fn parse(raw: &str) -> Result<Self> {
        if !raw.starts_with('/') {
            bail!("a route must start with '/'");
        }
        let body = raw.strip_suffix("/...").unwrap_or(raw);
        let wildcard = body.len() != raw.len();
        let mut segments = Vec::new();
        for part in body.split('/').filter(|p| !p.is_empty()) {
            if part == "..." || part.contains('*') {
                bail!("a wildcard may only end a route, as '/...'");
            }
            if let Some(name) = part.strip_prefix(':') {
                if name.is_empty() {
                    bail!("a ':' capture must be named, as ':id'");
                }
                segments.push(Segment::Capture(name.to_string()));
            } else {
                segments.push(Segment::Literal(part.to_string()));
            }
        }
        if wildcard {
            segments.push(Segment::Wildcard);
        }
        Ok(Self {
            raw: raw.to_string(),
            segments,
        })
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    fn has_wildcard(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Wildcard))
    }

    /// The route without its trailing `/...` (Spin's `spin-component-route`).
    pub fn prefix(&self) -> &str {
        self.raw.strip_suffix("/...").unwrap_or(&self.raw)
    }

    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let trimmed = path.trim_start_matches('/').trim_end_matches('/');
        let mut parts = trimmed.split('/').filter(|p| !p.is_empty());
        let mut captures = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Wildcard => return Some(captures),
                Segment::Literal(lit) => {
                    if parts.next()? != lit {
                        return None;
                    }
                }
                Segment::Capture(name) => {
                    let value = parts.next()?;
                    captures.push((name.clone(), value.to_string()));
                }
            }
        }
        parts.next().is_none().then_some(captures)
    }

    /// Specificity order: `Less` means `self` is the better match.
    fn specificity(&self, other: &Self) -> Ordering {
        for (mine, theirs) in self.segments.iter().zip(&other.segments) {
            match theirs.rank().cmp(&mine.rank()) {
                Ordering::Equal => {}
                decided => return decided,
            }
        }
        // Same shape as far as both go: the shorter route wins, as routefinder
        // (Spin's router) ranks them.
        self.segments.len().cmp(&other.segments.len())
    }
}

/// The outcome of routing one request path.
#[derive(Debug, Clone)]
pub struct RouteMatch<T> {
    pub target: T,
    pub pattern: RoutePattern,
    pub captures: Vec<(String, String)>,
    /// Spin's `spin-path-info`: what the trailing wildcard matched.
    pub path_info: String,
}

#[derive(Debug, Clone)]
pub struct Router<T> {
    routes: Vec<(RoutePattern, T)>,
}

impl<T: Clone> Router<T> {
    pub fn new() -> Self {
        Self { routes: Vec::new() }
    }

    /// Adds a route; a later duplicate of the same pattern replaces the
    /// earlier one, as in Spin (which warns about it): the replaced target
    /// is returned.
    pub fn add(&mut self, pattern: RoutePattern, target: T) -> Option<T> {
        let replaced = self
            .routes
            .iter()
            .position(|(p, _)| p.raw == pattern.raw)
            .map(|i| self.routes.remove(i).1);
        self.routes.push((pattern, target));
        replaced
    }

    pub fn route(&self, path: &str) -> Option<RouteMatch<T>> {
        let (pattern, target, captures) = self
            .routes
            .iter()
            .filter_map(|(p, t)| p.matches(path).map(|c| (p, t, c)))
            .min_by(|a, b| a.0.specificity(b.0))?;
        let path_info = if pattern.has_wildcard() {
            path_info(pattern, path)
        } else {
            String::new()
        };
        Some(RouteMatch {
            target: target.clone(),
            pattern: pattern.clone(),
            captures,
            path_info,
        })
    }
}

/// What follows the fixed part of a wildcard route, keeping Spin's habit of
/// reporting a trailing slash (`/foo/...` on `/foo/` gives `/`).
fn path_info(pattern: &RoutePattern, path: &str) -> String {
    let fixed = pattern.segments.len() - 1;
    let parts: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let rest = parts.get(fixed..).unwrap_or_default().join("/");
    match (rest.is_empty(), path.ends_with('/')) {
        (true, false) => String::new(),
        (true, true) => "/".to_string(),
        (false, false) => format!("/{rest}"),
        (false, true) => format!("/{rest}/"),
    }
}

/// The prefix the runtime keeps for itself.
pub const PREFIX: &str = "/.well-known/spin/";

/// The start-up warnings about the manifest's routes: routes under the
/// prefix, and duplicates (the later trigger serves the route), worded as
/// Spin words them.
pub fn route_warnings(reserved: bool, duplicates: &[(String, String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    if !duplicates.is_empty() {
        out.push(
            "The following component routes are duplicates and will never be used:".to_string(),
        );
        for (route, replaced, effective) in duplicates {
            out.push(format!("  {replaced}: {route} (duplicate of {effective})"));
        }
    }
    if reserved {
        out.push(format!(
            "Routes under {PREFIX} are handled by the Spin runtime and will never be reached"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_trigger_on_the_same_route_serves_it_and_names_the_one_it_replaced() {
        let mut r = Router::new();
        assert_eq!(r.add(RoutePattern::parse("/a").unwrap(), "first"), None);
        assert_eq!(
            r.add(RoutePattern::parse("/a").unwrap(), "second"),
            Some("first")
        );
        assert_eq!(r.route("/a").map(|m| m.target), Some("second"));
    }

    fn router(routes: &[(&str, &'static str)]) -> Router<&'static str> {
        let mut r = Router::new();
        for (route, id) in routes {
            r.add(RoutePattern::parse(route).expect("valid route"), *id);
        }
        r
    }

    fn target(r: &Router<&'static str>, path: &str) -> Option<&'static str> {
        r.route(path).map(|m| m.target)
    }

    #[test]
    fn an_exact_route_matches_only_itself() {
        let r = router(&[("/cart", "cart"), ("/cart/checkout", "checkout")]);
        assert_eq!(target(&r, "/cart"), Some("cart"));
        assert_eq!(target(&r, "/cart/"), Some("cart"));
        assert_eq!(target(&r, "/cart/checkout"), Some("checkout"));
        assert_eq!(target(&r, "/cart/other"), None);
    }

    #[test]
    fn an_exact_route_beats_a_wildcard() {
        let r = router(&[("/...", "all"), ("/one", "one")]);
        assert_eq!(target(&r, "/one"), Some("one"));
        assert_eq!(target(&r, "/two"), Some("all"));
        assert_eq!(target(&r, "/"), Some("all"));
    }

    #[test]
    fn the_longest_wildcard_prefix_wins_in_any_order() {
        for routes in [
            [
                ("/one/...", "1"),
                ("/one/two/...", "2"),
                ("/one/two/three/...", "3"),
            ],
            [
                ("/one/two/three/...", "3"),
                ("/one/two/...", "2"),
                ("/one/...", "1"),
            ],
        ] {
            let r = router(&routes);
            assert_eq!(target(&r, "/one/two/three/four"), Some("3"));
            assert_eq!(target(&r, "/one/two/x"), Some("2"));
            assert_eq!(target(&r, "/one"), Some("1"));
        }
    }

    #[test]
    fn a_capture_beats_a_wildcard_and_loses_to_a_literal() {
        let r = router(&[
            ("/users/...", "wild"),
            ("/users/:id", "capture"),
            ("/users/me", "literal"),
        ]);
        assert_eq!(target(&r, "/users/me"), Some("literal"));
        assert_eq!(target(&r, "/users/42"), Some("capture"));
        assert_eq!(target(&r, "/users/42/posts"), Some("wild"));
        let m = r.route("/users/42").expect("matches");
        assert_eq!(m.captures, vec![("id".to_string(), "42".to_string())]);
    }

    #[test]
    fn path_info_is_what_the_wildcard_matched() {
        let r = router(&[("/foo/...", "foo"), ("/u/:id/...", "u")]);
        assert_eq!(r.route("/foo").map(|m| m.path_info), Some(String::new()));
        assert_eq!(r.route("/foo/").map(|m| m.path_info), Some("/".into()));
        assert_eq!(
            r.route("/foo/bar").map(|m| m.path_info),
            Some("/bar".into())
        );
        assert_eq!(
            r.route("/foo/bar/baz/").map(|m| m.path_info),
            Some("/bar/baz/".into())
        );
        let m = r.route("/u/42/bar").expect("matches");
        assert_eq!(m.path_info, "/bar");
        assert_eq!(m.pattern.prefix(), "/u/:id");
    }

    #[test]
    fn a_route_must_start_with_a_slash_and_end_any_wildcard() {
        assert!(RoutePattern::parse("api").is_err());
        assert!(RoutePattern::parse("/a/.../b").is_err());
        assert!(RoutePattern::parse("/a/:").is_err());
        assert!(RoutePattern::parse("/").is_ok());
    }

    #[test]
    fn the_root_route_matches_only_the_root() {
        let r = router(&[("/", "root")]);
        assert_eq!(target(&r, "/"), Some("root"));
        assert_eq!(target(&r, "/x"), None);
    }

    #[test]
    fn duplicate_and_reserved_routes_are_named_at_start() {
        let lines = route_warnings(true, &[("/a".into(), "first".into(), "second".into())]);
        assert_eq!(
            lines,
            vec![
                "The following component routes are duplicates and will never be used:",
                "  first: /a (duplicate of second)",
                "Routes under /.well-known/spin/ are handled by the Spin runtime and will never be reached",
            ]
        );
        assert!(route_warnings(false, &[]).is_empty());
    }
}
