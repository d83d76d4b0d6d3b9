//! Who a client is, for per-client limits: the TCP peer Spin reports
//! (`spin-client-addr`), or, when that peer is one of the deployment's
//! trusted proxies, the address the proxies say they forwarded for
//! (`X-Forwarded-For`, else RFC 7239 `Forwarded`), read from the right and
//! skipping the trusted ones — a client cannot forge its way past the last
//! proxy. IPv6 clients are counted by their /64 (one subscriber's
//! network), IPv4 clients by their address.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use thiserror::Error;

/// A `trusted_proxies` entry that is not an address or a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("trusted_proxies: {0:?} is not an IP address or CIDR block (10.0.0.0/8, fd00::/8)")]
pub struct ProxyListError(pub String);

/// One address block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    net: IpAddr,
    prefix: u8,
}

impl Block {
    fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let net = addr.parse::<IpAddr>().ok()?.to_canonical();
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The deployment's trusted proxies (the `trusted_proxies` variable:
/// addresses and CIDR blocks separated by spaces or commas; empty: none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Block>);

impl TrustedProxies {
    /// Parses the setting; refuses any entry that is not an address or block.
    pub fn parse(text: &str) -> Result<Self, ProxyListError> {
        text.split([' ', ',', '\n', '\t'])
            .filter(|s| !s.is_empty())
            .map(|s| Block::parse(s).ok_or_else(|| ProxyListError(s.to_string())))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|b| b.contains(ip))
    }
}

/// What a request says about where it came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin<'a> {
    /// `spin-client-addr`: the TCP peer, `ip:port` or `[ip]:port`.
    pub peer: &'a str,
    /// Every `X-Forwarded-For` header, joined by commas, if any.
    pub x_forwarded_for: Option<&'a str>,
    /// Every `Forwarded` header, joined by commas, if any.
    pub forwarded: Option<&'a str>,
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_matches('"');
    t.parse::<SocketAddr>()
        .map(|a| a.ip())
        .ok()
        .or_else(|| t.parse::<IpAddr>().ok())
        .or_else(|| {
            // `[v6]` without a port, as RFC 7239 writes it.
            t.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|r| r.parse::<IpAddr>().ok())
        })
        .map(|ip| ip.to_canonical())
}

/// The `for=` addresses of a `Forwarded` header, in order (unknown or
/// obfuscated identifiers as `None`).
fn forwarded_for(header: &str) -> Vec<Option<IpAddr>> {
    header
        .split(',')
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_ip(v))
            })
        })
        .collect()
}

/// The client's address: the peer, or behind trusted proxies the first
/// address from the right of the forwarding chain that is not a trusted
/// proxy. `None` when the peer itself is unreadable.
pub fn client_ip(origin: &Origin<'_>, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = parse_ip(origin.peer)?;
    if !trusted.trusts(peer) {
        return Some(peer);
    }
    let chain: Vec<Option<IpAddr>> = match (origin.x_forwarded_for, origin.forwarded) {
        (Some(xff), _) => xff.split(',').map(parse_ip).collect(),
        (None, Some(fwd)) => forwarded_for(fwd),
        (None, None) => return Some(peer),
    };
    let mut last = peer;
    for hop in chain.into_iter().rev() {
        match hop {
            Some(ip) if trusted.trusts(ip) => last = ip,
            Some(ip) => return Some(ip),
            // An unreadable hop: the proxy before it is the last one known.
            None => return Some(last),
        }
    }
    Some(last)
}

/// The key a client is counted under: its IPv4 address, or its IPv6 /64.
pub fn bucket(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{net}/64")
        }
    }
}

/// The client's bucket for a request, `unknown` if the peer is unreadable.
pub fn client_bucket(origin: &Origin<'_>, trusted: &TrustedProxies) -> String {
    client_ip(origin, trusted)
        .map(bucket)
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(text: &str) -> TrustedProxies {
        TrustedProxies::parse(text).expect("valid list")
    }

    fn origin<'a>(peer: &'a str, xff: Option<&'a str>, fwd: Option<&'a str>) -> Origin<'a> {
        Origin {
            peer,
            x_forwarded_for: xff,
            forwarded: fwd,
        }
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        let o = origin(
            "203.0.113.7:5000",
            Some("198.51.100.1"),
            Some("for=192.0.2.1"),
        );
        assert_eq!(client_bucket(&o, &none), "203.0.113.7");
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_forwarded_address() {
        let t = trusted("10.0.0.0/8, 192.168.1.5");
        // The client forged the first entry; the proxies appended the rest.
        let o = origin(
            "10.1.2.3:443",
            Some("1.2.3.4, 203.0.113.9, 192.168.1.5"),
            None,
        );
        assert_eq!(client_bucket(&o, &t), "203.0.113.9");
        let direct = origin("203.0.113.50:443", Some("1.2.3.4"), None);
        assert_eq!(client_bucket(&direct, &t), "203.0.113.50");
        let no_header = origin("10.1.2.3:443", None, None);
        assert_eq!(client_bucket(&no_header, &t), "10.1.2.3");
    }

    #[test]
    fn the_forwarded_header_is_read_when_x_forwarded_for_is_absent() {
        let t = trusted("10.0.0.0/8");
        let o = origin(
            "10.0.0.2:443",
            None,
            Some("for=198.51.100.17;proto=https, for=\"[2001:db8:cafe:1:2::17]:4711\""),
        );
        assert_eq!(client_bucket(&o, &t), "2001:db8:cafe:1::/64");
        let hidden = origin("10.0.0.2:443", None, Some("for=_hidden, for=10.0.0.9"));
        assert_eq!(client_bucket(&hidden, &t), "10.0.0.9");
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_mapped_ipv4_as_ipv4() {
        let none = TrustedProxies::default();
        let a = client_bucket(&origin("[2001:db8:1:2:aaaa::1]:80", None, None), &none);
        let b = client_bucket(&origin("[2001:db8:1:2:bbbb::9]:80", None, None), &none);
        let c = client_bucket(&origin("[2001:db8:1:3::1]:80", None, None), &none);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mapped = client_bucket(&origin("[::ffff:203.0.113.7]:80", None, None), &none);
        assert_eq!(mapped, "203.0.113.7");
        assert_eq!(
            client_bucket(&origin("garbage", None, None), &none),
            "unknown"
        );
    }

    #[test]
    fn a_trusted_proxy_list_refuses_what_is_not_an_address_or_block() {
        assert!(TrustedProxies::parse("").is_ok());
        assert!(TrustedProxies::parse("fd00::/8 127.0.0.1").is_ok());
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/33"),
            Err(ProxyListError("10.0.0.0/33".into()))
        );
        assert_eq!(
            TrustedProxies::parse("proxy.local"),
            Err(ProxyListError("proxy.local".into()))
        );
        let all = trusted("0.0.0.0/0");
        assert!(all.trusts("8.8.8.8".parse().expect("ip")));
        assert!(!all.trusts("::2".parse().expect("ip")));
    }
}
