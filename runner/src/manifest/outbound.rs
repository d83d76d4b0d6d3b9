//! `allowed_outbound_hosts`, as Spin reads it: entries `scheme://host[:port]`
//! where the scheme may be `*`, the host `*` or `*.domain`, and the port `*`
//! (an omitted port means the scheme's default). Service chaining is an
//! outbound request to `http://<component-id>.spin.internal`, allowed by an
//! entry for that host or for `*.spin.internal`.

use anyhow::{bail, Context, Result};

/// The suffix of service-chaining hosts.
pub const CHAINING_SUFFIX: &str = ".spin.internal";

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.com`: any subdomain of the suffix (not the suffix itself).
    Subdomains(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Exact(u16),
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

/// One component's allowed outbound hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedHosts {
    entries: Vec<AllowedHost>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedHosts {
    pub fn parse(entries: &[String]) -> Result<Self> {
        let entries = entries
            .iter()
            .map(|e| parse_entry(e).with_context(|| format!("allowed_outbound_hosts entry {e:?}")))
            .collect::<Result<_>>()?;
        Ok(Self { entries })
    }

    /// Whether a request to `scheme://host:port` is allowed.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        let port = port.or_else(|| default_port(scheme));
        self.entries.iter().any(|e| {
            let scheme_ok = e.scheme.as_deref().is_none_or(|s| s == scheme);
            let host_ok = match &e.host {
                HostPattern::Any => true,
                HostPattern::Exact(h) => *h == host,
                HostPattern::Subdomains(suffix) => host
                    .strip_suffix(suffix.as_str())
                    .is_some_and(|sub| !sub.is_empty()),
            };
            let port_ok = match e.port {
                PortPattern::Any => true,
                PortPattern::Exact(p) => Some(p) == port,
                PortPattern::Default => e
                    .scheme
                    .as_deref()
                    .map_or(port == default_port(scheme), |s| port == default_port(s)),
            };
            scheme_ok && host_ok && port_ok
        })
    }
}

fn parse_entry(entry: &str) -> Result<AllowedHost> {
    let (scheme, rest) = entry
        .split_once("://")
        .context("must look like scheme://host[:port]")?;
    if rest.contains('/') && !rest.ends_with('/') {
        bail!("must not contain a path");
    }
    let rest = rest.trim_end_matches('/');
    let scheme = match scheme {
        "*" => None,
        s if !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+') =>
        {
            Some(s.to_string())
        }
        s => bail!("{s:?} is not a scheme"),
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let host = host.to_ascii_lowercase();
    let host = if host == "*" {
        HostPattern::Any
    } else if let Some(suffix) = host.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            bail!("a host wildcard is '*' or '*.domain'");
        }
        HostPattern::Subdomains(format!(".{suffix}"))
    } else if host.is_empty() || host.contains('*') {
        bail!("a host wildcard is '*' or '*.domain'");
    } else {
        HostPattern::Exact(host)
    };
    let port = match port {
        None => {
            if scheme.as_deref().is_some_and(|s| default_port(s).is_none()) {
                bail!("a port is needed for this scheme");
            }
            PortPattern::Default
        }
        Some("*") => PortPattern::Any,
        Some(p) => PortPattern::Exact(p.parse().context("the port is not a number")?),
    };
    Ok(AllowedHost { scheme, host, port })
}

/// The component a service-chaining host names (`filter.spin.internal` →
/// `filter`), if it is one.
pub fn chained_component(host: &str) -> Option<&str> {
    host.strip_suffix(CHAINING_SUFFIX)
        .filter(|id| !id.is_empty() && !id.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(entries: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .expect("valid")
    }

    #[test]
    fn chaining_is_allowed_by_the_component_host_or_the_wildcard() {
        let one = hosts(&["http://filter.spin.internal"]);
        assert!(one.allows("http", "filter.spin.internal", None));
        assert!(!one.allows("http", "route.spin.internal", None));
        let all = hosts(&["http://*.spin.internal"]);
        assert!(all.allows("http", "route.spin.internal", None));
        assert!(!all.allows("http", "spin.internal", None));
    }

    #[test]
    fn nothing_is_allowed_without_entries() {
        assert!(!AllowedHosts::default().allows("https", "example.com", None));
    }

    #[test]
    fn ports_default_by_scheme_and_can_be_wildcards() {
        let h = hosts(&["https://api.example.com", "http://localhost:*"]);
        assert!(h.allows("https", "api.example.com", None));
        assert!(h.allows("https", "api.example.com", Some(443)));
        assert!(!h.allows("https", "api.example.com", Some(8443)));
        assert!(!h.allows("http", "api.example.com", None));
        assert!(h.allows("http", "localhost", Some(3000)));
    }

    #[test]
    fn scheme_and_host_wildcards() {
        let h = hosts(&["*://*.example.com:8080"]);
        assert!(h.allows("http", "a.example.com", Some(8080)));
        assert!(h.allows("https", "b.a.example.com", Some(8080)));
        assert!(!h.allows("https", "example.com", Some(8080)));
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in [
            "example.com",
            "http://exa*mple.com",
            "http://example.com/path",
            "http://example.com:port",
            "redis://cache",
        ] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_chained_component_is_read_from_the_host() {
        assert_eq!(chained_component("filter.spin.internal"), Some("filter"));
        assert_eq!(chained_component("a.b.spin.internal"), None);
        assert_eq!(chained_component("example.com"), None);
    }
}
