//! Which network addresses a download from another site may reach.
//!
//! The importer's `--fetch-media` fetches addresses an export names, and an export is written
//! by whoever controls the old site: without a guard it could make this server fetch from its
//! own loopback, the private network it sits in, or the cloud's metadata service (server-side
//! request forgery). Only addresses on the public internet are reachable; everything a
//! registry (IANA's special-purpose address registries, RFC 6890 and successors) sets aside
//! is not, including IPv6 forms that carry an IPv4 address inside (mapped, NAT64, 6to4), which
//! are judged by the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address an IP address is, for the question "may a download go there?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// On the public internet: the only kind a download may reach.
    Public,
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), IPv6 unique local (`fc00::/7`) and the
    /// deprecated site-local `fec0::/10`.
    Private,
    /// `169.254/16` (where cloud metadata services answer), `fe80::/10`.
    LinkLocal,
    /// Carrier-grade NAT, `100.64/10`.
    SharedNat,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Every other range set aside: `0/8`, `192.0.0/24`, benchmarking `198.18/15`, `240/4`,
    /// 6to4 relays, IPv6 outside `2000::/3`, IETF protocol assignments `2001::/23`, discard
    /// `100::/64`, local-use NAT64 `64:ff9b:1::/48`.
    Reserved,
}

impl AddressKind {
    /// Whether a download may go there.
    pub fn is_public(self) -> bool {
        self == AddressKind::Public
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Public => "public",
            AddressKind::Unspecified => "unspecified",
            AddressKind::Loopback => "loopback",
            AddressKind::Private => "private network",
            AddressKind::LinkLocal => "link-local",
            AddressKind::SharedNat => "carrier-grade NAT",
            AddressKind::Documentation => "documentation",
            AddressKind::Multicast => "multicast",
            AddressKind::Broadcast => "broadcast",
            AddressKind::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of address `ip` is.
pub fn classify(ip: IpAddr) -> AddressKind {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressKind {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        AddressKind::Unspecified
    } else if ip.is_broadcast() {
        AddressKind::Broadcast
    } else if a == 127 {
        AddressKind::Loopback
    } else if a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) {
        AddressKind::Private
    } else if a == 169 && b == 254 {
        AddressKind::LinkLocal
    } else if a == 100 && (64..=127).contains(&b) {
        AddressKind::SharedNat
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        AddressKind::Documentation
    } else if (224..=239).contains(&a) {
        AddressKind::Multicast
    } else if a == 0
        || a >= 240
        || (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 88, 99)
        || (a == 198 && (b == 18 || b == 19))
    {
        AddressKind::Reserved
    } else {
        AddressKind::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressKind {
    let s = ip.segments();
    if ip.is_unspecified() {
        return AddressKind::Unspecified;
    }
    if ip.is_loopback() {
        return AddressKind::Loopback;
    }
    // IPv4-mapped `::ffff:a.b.c.d` reaches the IPv4 address itself.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    // NAT64 `64:ff9b::a.b.c.d` reaches the IPv4 address through a translator.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return classify_v4(embedded_v4(s[6], s[7]));
    }
    // 6to4 `2002:aabb:ccdd::/48` tunnels to the IPv4 address `aa.bb.cc.dd`.
    if s[0] == 0x2002 {
        return classify_v4(embedded_v4(s[1], s[2]));
    }
    if s[0] & 0xfe00 == 0xfc00 || s[0] & 0xffc0 == 0xfec0 {
        return AddressKind::Private;
    }
    if s[0] & 0xffc0 == 0xfe80 {
        return AddressKind::LinkLocal;
    }
    if s[0] & 0xff00 == 0xff00 {
        return AddressKind::Multicast;
    }
    if (s[0], s[1]) == (0x2001, 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        return AddressKind::Documentation;
    }
    // Only global unicast `2000::/3` is public; of it, IETF protocol assignments (Teredo,
    // ORCHID, benchmarking…) `2001::/23` are not. Below it: IPv4-compatible `::/96`, discard
    // `100::/64`, local-use NAT64 `64:ff9b:1::/48` and unassigned space.
    if s[0] & 0xe000 != 0x2000 || (s[0] == 0x2001 && s[1] < 0x0200) {
        return AddressKind::Reserved;
    }
    AddressKind::Public
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> AddressKind {
        classify(
            s.parse()
                .unwrap_or_else(|_| panic!("{s} is not an address")),
        )
    }

    #[test]
    fn public_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.0.1.255",
            "192.0.3.0",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "11.0.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82a::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
            "3ffe::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(kind(ip), AddressKind::Public, "{ip}");
            assert!(kind(ip).is_public(), "{ip}");
        }
    }

    #[test]
    fn local_and_private_addresses_are_not() {
        for (ip, expected) in [
            ("127.0.0.1", AddressKind::Loopback),
            ("127.255.255.254", AddressKind::Loopback),
            ("127.1.2.3", AddressKind::Loopback),
            ("::1", AddressKind::Loopback),
            ("0.0.0.0", AddressKind::Unspecified),
            ("::", AddressKind::Unspecified),
            ("10.0.0.1", AddressKind::Private),
            ("10.255.255.255", AddressKind::Private),
            ("172.16.0.1", AddressKind::Private),
            ("172.31.255.255", AddressKind::Private),
            ("192.168.0.1", AddressKind::Private),
            ("192.168.255.255", AddressKind::Private),
            ("fc00::1", AddressKind::Private),
            ("fd12:3456:789a::1", AddressKind::Private),
            ("fec0::1", AddressKind::Private),
            ("169.254.169.254", AddressKind::LinkLocal),
            ("169.254.0.1", AddressKind::LinkLocal),
            ("fe80::1", AddressKind::LinkLocal),
            ("febf:ffff::1", AddressKind::LinkLocal),
            ("100.64.0.1", AddressKind::SharedNat),
            ("100.127.255.255", AddressKind::SharedNat),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
            assert!(!kind(ip).is_public(), "{ip}");
        }
    }

    #[test]
    fn special_purpose_ranges_are_not_public() {
        for (ip, expected) in [
            ("192.0.2.1", AddressKind::Documentation),
            ("198.51.100.7", AddressKind::Documentation),
            ("203.0.113.255", AddressKind::Documentation),
            ("2001:db8::1", AddressKind::Documentation),
            ("3fff::1", AddressKind::Documentation),
            ("224.0.0.1", AddressKind::Multicast),
            ("239.255.255.250", AddressKind::Multicast),
            ("ff02::1", AddressKind::Multicast),
            ("ff05::1:3", AddressKind::Multicast),
            ("255.255.255.255", AddressKind::Broadcast),
            ("0.1.2.3", AddressKind::Reserved),
            ("192.0.0.8", AddressKind::Reserved),
            ("192.88.99.1", AddressKind::Reserved),
            ("198.18.0.1", AddressKind::Reserved),
            ("198.19.255.255", AddressKind::Reserved),
            ("240.0.0.1", AddressKind::Reserved),
            ("254.1.1.1", AddressKind::Reserved),
            ("100::1", AddressKind::Reserved),
            ("64:ff9b:1::1", AddressKind::Reserved),
            ("2001::1", AddressKind::Reserved),
            ("2001:2::1", AddressKind::Reserved),
            ("2001:1ff::1", AddressKind::Reserved),
            ("4000::1", AddressKind::Reserved),
            ("::2", AddressKind::Reserved),
            ("::8.8.8.8", AddressKind::Reserved),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
            assert!(!kind(ip).is_public(), "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address() {
        for (ip, expected) in [
            ("::ffff:127.0.0.1", AddressKind::Loopback),
            ("::ffff:7f00:1", AddressKind::Loopback),
            ("::ffff:10.1.2.3", AddressKind::Private),
            ("::ffff:192.168.1.1", AddressKind::Private),
            ("::ffff:169.254.169.254", AddressKind::LinkLocal),
            ("::ffff:100.64.0.1", AddressKind::SharedNat),
            ("::ffff:0.0.0.0", AddressKind::Unspecified),
            ("::ffff:255.255.255.255", AddressKind::Broadcast),
            ("64:ff9b::127.0.0.1", AddressKind::Loopback),
            ("64:ff9b::a9fe:a9fe", AddressKind::LinkLocal),
            ("64:ff9b::c0a8:101", AddressKind::Private),
            ("2002:7f00:1::1", AddressKind::Loopback),
            ("2002:a00:1::", AddressKind::Private),
            ("2002:a9fe:a9fe::1", AddressKind::LinkLocal),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn kinds_read_as_words() {
        assert_eq!(AddressKind::Loopback.to_string(), "loopback");
        assert_eq!(AddressKind::Private.to_string(), "private network");
        assert_eq!(AddressKind::LinkLocal.to_string(), "link-local");
    }
}
