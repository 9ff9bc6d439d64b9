//! IP address and CIDR validation.
//!
//! Upstream parses with a "sloppy" parser (Go 1.16's `net.ParseIP`, which
//! accepts leading zeros) and then with the strict `net/netip` parser, and
//! reports the difference; canonical forms are Go's `net.IP.String()` (RFC
//! 5952 for IPv6). We implement one parser that accepts what the sloppy one
//! accepts and records what the strict one would reject. Counterpart:
//! k8s.io/apimachinery/pkg/util/validation/ip.go and k8s.io/utils/net
//! (ParseIPSloppy, ParseCIDRSloppy).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::field::{ErrorList, FieldError, Path};
use crate::goformat;

/// An address as parsed by the sloppy parser.
#[derive(Clone, Copy, Debug)]
struct Parsed {
    /// The address, in the family its text had (IPv4 text → V4).
    addr: IpAddr,
    /// Whether the strict parser would reject the text (leading zeros in an
    /// IPv4 octet, or an IPv6 group of more than four hex digits).
    non_strict: bool,
}

/// Go's cap on a number being parsed (`big` in net/parse.go).
const BIG: u32 = 0x00ff_ffff;

/// Reads decimal digits at the start of `s`: (value, digits consumed).
fn dtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n * 10 + u32::from(s[i] - b'0');
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// Reads hex digits at the start of `s`: (value, digits consumed).
fn xtoi(s: &[u8]) -> Option<(u32, usize)> {
    let mut n: u32 = 0;
    let mut i = 0;
    while i < s.len() {
        let d = match s[i] {
            b @ b'0'..=b'9' => b - b'0',
            b @ b'a'..=b'f' => b - b'a' + 10,
            b @ b'A'..=b'F' => b - b'A' + 10,
            _ => break,
        };
        n = n * 16 + u32::from(d);
        if n >= BIG {
            return None;
        }
        i += 1;
    }
    (i > 0).then_some((n, i))
}

// k8s: k8s.io/utils/net/parse.go (parseIPv4, without the leading-zero check)
fn parse_ipv4(s: &[u8]) -> Option<([u8; 4], bool)> {
    let mut out = [0u8; 4];
    let mut non_strict = false;
    let mut rest = s;
    for (i, octet) in out.iter_mut().enumerate() {
        if rest.is_empty() {
            return None;
        }
        if i > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let (n, c) = dtoi(rest)?;
        if n > 0xff {
            return None;
        }
        if c > 1 && rest[0] == b'0' {
            non_strict = true;
        }
        *octet = n as u8;
        rest = &rest[c..];
    }
    rest.is_empty().then_some((out, non_strict))
}

// k8s: k8s.io/utils/net/parse.go (parseIPv6)
fn parse_ipv6(s: &[u8]) -> Option<([u8; 16], bool)> {
    let mut ip = [0u8; 16];
    let mut non_strict = false;
    let mut ellipsis: Option<usize> = None;
    let mut s = s;
    if s.starts_with(b"::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Some((ip, false));
        }
    }
    let mut i = 0;
    while i < 16 {
        let (n, c) = xtoi(s)?;
        if n > 0xffff {
            return None;
        }
        if s.get(c) == Some(&b'.') {
            // Trailing dotted IPv4 part.
            if ellipsis.is_none() && i != 12 {
                return None;
            }
            if i + 4 > 16 {
                return None;
            }
            let (v4, v4_non_strict) = parse_ipv4(s)?;
            non_strict |= v4_non_strict;
            ip[i..i + 4].copy_from_slice(&v4);
            s = &[];
            i += 4;
            break;
        }
        if c > 4 {
            non_strict = true;
        }
        ip[i] = (n >> 8) as u8;
        ip[i + 1] = n as u8;
        i += 2;
        s = &s[c..];
        if s.is_empty() {
            break;
        }
        if s[0] != b':' || s.len() == 1 {
            return None;
        }
        s = &s[1..];
        if s[0] == b':' {
            if ellipsis.is_some() {
                return None;
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return None;
    }
    if i < 16 {
        let e = ellipsis?;
        let n = 16 - i;
        ip.copy_within(e..i, e + n);
        ip[e..e + n].fill(0);
    } else if ellipsis.is_some() {
        return None;
    }
    Some((ip, non_strict))
}

/// Go's `net.ParseIP` dispatch: the first `.` or `:` decides the family.
fn parse_ip_sloppy(value: &str) -> Option<Parsed> {
    let b = value.as_bytes();
    match b.iter().find(|&&c| c == b'.' || c == b':') {
        Some(b'.') => parse_ipv4(b).map(|(o, non_strict)| Parsed {
            addr: IpAddr::V4(Ipv4Addr::from(o)),
            non_strict,
        }),
        Some(_) => parse_ipv6(b).map(|(o, non_strict)| Parsed {
            addr: IpAddr::V6(Ipv6Addr::from(o)),
            non_strict,
        }),
        None => None,
    }
}

fn is_4in6(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some())
}

/// Go's `net.IP.String()`: dotted quad for IPv4 and IPv4-mapped IPv6,
/// otherwise RFC 5952 (longest run of two or more zero groups, first on ties,
/// compressed to `::`; lower-case hex without leading zeros).
// k8s: go/src/net/ip.go (IP.String)
fn go_ip_string(addr: IpAddr) -> String {
    let v6 = match addr {
        IpAddr::V4(v4) => return v4.to_string(),
        IpAddr::V6(v6) => v6,
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return v4.to_string();
    }
    let seg = v6.segments();
    let (mut best_start, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if seg[i] == 0 {
            let start = i;
            while i < 8 && seg[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                (best_start, best_len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best_start = usize::MAX;
    }
    let mut out = String::with_capacity(39);
    let mut i = 0;
    while i < 8 {
        if i == best_start {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if i > 0 && !out.ends_with(':') {
            out.push(':');
        }
        let _ = write!(out, "{:x}", seg[i]);
        i += 1;
    }
    out
}

fn parse_ip_errors(path: &Path, value: &str, strict: bool) -> (Option<Parsed>, ErrorList) {
    let mut errs = ErrorList::new();
    let Some(parsed) = parse_ip_sloppy(value) else {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ));
        return (None, errs);
    };
    if strict {
        if parsed.non_strict {
            errs.push(FieldError::invalid(path, value, "must not have leading 0s"));
        } else if is_4in6(parsed.addr) {
            errs.push(FieldError::invalid(
                path,
                value,
                "must not be an IPv4-mapped IPv6 address",
            ));
        }
    }
    (Some(parsed), errs)
}

/// Checks an IP address for a new API field: strictly parsed (no leading
/// zeros, no IPv4-mapped IPv6) and in canonical form.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidIP)
pub fn is_valid_ip(path: &Path, value: &str) -> ErrorList {
    let (parsed, mut errs) = parse_ip_errors(path, value, true);
    if let (Some(p), true) = (parsed, errs.is_empty()) {
        let canonical = go_ip_string(p.addr);
        if canonical != value {
            errs.push(FieldError::invalid(
                path,
                value,
                format!(
                    "must be in canonical form ({})",
                    goformat::quote(&canonical)
                ),
            ));
        }
    }
    errs
}

/// Checks an IP address in a legacy field: non-canonical forms are allowed and,
/// without `strict`, so are leading zeros and IPv4-mapped IPv6. Values in
/// `valid_old` (from the object being updated) are accepted as they are.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidIPForLegacyField)
pub fn is_valid_ip_for_legacy_field(
    path: &Path,
    value: &str,
    strict: bool,
    valid_old: &[&str],
) -> ErrorList {
    if valid_old.contains(&value) {
        return ErrorList::new();
    }
    parse_ip_errors(path, value, strict).1
}

/// A CIDR as parsed by the sloppy parser.
struct ParsedCidr {
    ip: Parsed,
    prefix_len: u8,
    /// Leading zero in the prefix length.
    prefix_non_strict: bool,
}

impl ParsedCidr {
    fn bits(&self) -> u8 {
        if self.ip.addr.is_ipv4() { 32 } else { 128 }
    }

    fn masked(&self) -> IpAddr {
        let len = u32::from(self.prefix_len);
        match self.ip.addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
        }
    }

    /// Go's `IPNet.String()` of the parsed network.
    fn network_string(&self) -> String {
        let masked = self.masked();
        // A v4-mapped network prints as IPv4 with the prefix shortened by 96.
        let len = match masked {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() && self.prefix_len >= 96 => {
                self.prefix_len - 96
            }
            _ => self.prefix_len,
        };
        format!("{}/{}", go_ip_string(masked), len)
    }
}

// k8s: k8s.io/utils/net/parse.go (ParseCIDRSloppy)
fn parse_cidr_sloppy(value: &str) -> Option<ParsedCidr> {
    let (addr, mask) = value.split_once('/')?;
    let ip = match parse_ipv4(addr.as_bytes()) {
        Some((o, non_strict)) => Parsed {
            addr: IpAddr::V4(Ipv4Addr::from(o)),
            non_strict,
        },
        None => {
            let (o, non_strict) = parse_ipv6(addr.as_bytes())?;
            Parsed {
                addr: IpAddr::V6(Ipv6Addr::from(o)),
                non_strict,
            }
        }
    };
    let (n, c) = dtoi(mask.as_bytes())?;
    let bits = if ip.addr.is_ipv4() { 32 } else { 128 };
    if c != mask.len() || n > bits {
        return None;
    }
    Some(ParsedCidr {
        ip,
        prefix_len: n as u8,
        prefix_non_strict: mask.len() > 1 && mask.starts_with('0'),
    })
}

fn parse_cidr_errors(path: &Path, value: &str, strict: bool) -> (Option<ParsedCidr>, ErrorList) {
    let mut errs = ErrorList::new();
    let Some(cidr) = parse_cidr_sloppy(value) else {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
        ));
        return (None, errs);
    };
    if strict {
        if cidr.ip.non_strict || cidr.prefix_non_strict {
            errs.push(FieldError::invalid(
                path,
                value,
                "must not have leading 0s in IP or prefix length",
            ));
        } else if is_4in6(cidr.ip.addr) {
            errs.push(FieldError::invalid(
                path,
                value,
                "must not have an IPv4-mapped IPv6 address",
            ));
        } else if cidr.masked() != cidr.ip.addr {
            errs.push(FieldError::invalid(
                path,
                value,
                "must not have bits set beyond the prefix length",
            ));
        }
    }
    (Some(cidr), errs)
}

/// Checks a subnet CIDR (`192.168.1.0/24`) for a new API field: strictly
/// parsed, no bits beyond the prefix, canonical form.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidCIDR)
pub fn is_valid_cidr(path: &Path, value: &str) -> ErrorList {
    let (parsed, mut errs) = parse_cidr_errors(path, value, true);
    if let (Some(cidr), true) = (parsed, errs.is_empty()) {
        let canonical = cidr.network_string();
        if canonical != value {
            errs.push(FieldError::invalid(
                path,
                value,
                format!(
                    "must be in canonical form ({})",
                    goformat::quote(&canonical)
                ),
            ));
        }
    }
    errs
}

/// Checks a CIDR in a legacy field (see [`is_valid_ip_for_legacy_field`]).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidCIDRForLegacyField)
pub fn is_valid_cidr_for_legacy_field(
    path: &Path,
    value: &str,
    strict: bool,
    valid_old: &[&str],
) -> ErrorList {
    if valid_old.contains(&value) {
        return ErrorList::new();
    }
    parse_cidr_errors(path, value, strict).1
}

/// Checks an interface address in CIDR form (`192.168.1.5/24`), canonical.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidInterfaceAddress)
pub fn is_valid_interface_address(path: &Path, value: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(cidr) = parse_cidr_sloppy(value) else {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a valid address in CIDR form, (e.g. 10.9.8.7/24 or 2001:db8::1/64)",
        ));
        return errs;
    };
    let mut len = cidr.prefix_len;
    if cidr.bits() == 128 && is_4in6(cidr.ip.addr) && len > 32 {
        len -= 96;
    }
    let canonical = format!("{}/{}", go_ip_string(cidr.ip.addr), len);
    if canonical != value {
        errs.push(FieldError::invalid(
            path,
            value,
            format!(
                "must be in canonical form ({})",
                goformat::quote(&canonical)
            ),
        ));
    }
    errs
}

/// The address as Go's `To4` sees it: IPv4 text and IPv4-mapped IPv6 are
/// IPv4.
fn as_v4(addr: IpAddr) -> Option<Ipv4Addr> {
    match addr {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

/// Checks an address is IPv4 (sloppily parsed).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidIPv4Address)
pub fn is_valid_ipv4_address(path: &Path, value: &str) -> ErrorList {
    match parse_ip_sloppy(value).and_then(|p| as_v4(p.addr)) {
        Some(_) => ErrorList::new(),
        None => FieldError::invalid(path, value, "must be a valid IPv4 address").into(),
    }
}

/// Checks an address is IPv6 (sloppily parsed, not IPv4-mapped).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go (IsValidIPv6Address)
pub fn is_valid_ipv6_address(path: &Path, value: &str) -> ErrorList {
    match parse_ip_sloppy(value) {
        Some(p) if as_v4(p.addr).is_none() => ErrorList::new(),
        _ => FieldError::invalid(path, value, "must be a valid IPv6 address").into(),
    }
}

/// Rejects addresses that make no sense as an endpoint: unspecified,
/// loopback, link-local unicast and link-local multicast.
// k8s: pkg/apis/core/validation/validation.go (ValidateNonSpecialIP)
pub fn validate_non_special_ip(path: &Path, value: &str) -> ErrorList {
    let Some(parsed) = parse_ip_sloppy(value) else {
        return FieldError::invalid(path, value, "must be a valid IP address").into();
    };
    let (unspecified, loopback, link_local, link_local_multicast) = match as_v4(parsed.addr) {
        Some(v4) => {
            let o = v4.octets();
            (
                v4.is_unspecified(),
                o[0] == 127,
                o[..2] == [169, 254],
                o[..3] == [224, 0, 0],
            )
        }
        None => {
            let v6 = match parsed.addr {
                IpAddr::V6(v6) => v6,
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            };
            let first = v6.segments()[0];
            (
                v6.is_unspecified(),
                v6.is_loopback(),
                first & 0xffc0 == 0xfe80,
                first & 0xff0f == 0xff02,
            )
        }
    };
    let mut errs = ErrorList::new();
    let mut reject = |detail: String| errs.push(FieldError::invalid(path, value, detail));
    if unspecified {
        reject(format!("may not be unspecified ({value})"));
    }
    if loopback {
        reject("may not be in the loopback range (127.0.0.0/8, ::1/128)".into());
    }
    if link_local {
        reject("may not be in the link-local range (169.254.0.0/16, fe80::/10)".into());
    }
    if link_local_multicast {
        reject("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".into());
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(v: &str) -> String {
        is_valid_ip(&Path::new("ip"), v).to_string()
    }

    fn cidr(v: &str) -> String {
        is_valid_cidr(&Path::new("cidr"), v).to_string()
    }

    #[test]
    fn address_families_and_special_addresses() {
        let path = Path::new("ip");
        assert!(is_valid_ipv4_address(&path, "010.1.2.3").is_empty());
        assert!(is_valid_ipv4_address(&path, "::ffff:1.2.3.4").is_empty());
        assert_eq!(
            is_valid_ipv4_address(&path, "fd00::1").to_string(),
            "ip: Invalid value: \"fd00::1\": must be a valid IPv4 address"
        );
        assert!(is_valid_ipv6_address(&path, "fd00::1").is_empty());
        assert!(!is_valid_ipv6_address(&path, "1.2.3.4").is_empty());
        assert!(validate_non_special_ip(&path, "10.1.2.3").is_empty());
        assert_eq!(
            validate_non_special_ip(&path, "127.0.0.1").to_string(),
            "ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)"
        );
        assert_eq!(
            validate_non_special_ip(&path, "::").to_string(),
            "ip: Invalid value: \"::\": may not be unspecified (::)"
        );
        for special in ["169.254.1.1", "fe80::1", "224.0.0.5", "ff02::1", "::1"] {
            assert!(
                !validate_non_special_ip(&path, special).is_empty(),
                "{special}"
            );
        }
        assert_eq!(
            validate_non_special_ip(&path, "x").to_string(),
            "ip: Invalid value: \"x\": must be a valid IP address"
        );
    }

    #[test]
    fn valid_ips() {
        for v in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "2001:db8::ffff",
            "fe80::abc",
            "1:2:3:4:5:6:7:8",
            "1::",
            "2001:db8::1:0:0:1",
        ] {
            assert_eq!(ip(v), "", "{v}");
        }
    }

    #[test]
    fn invalid_ips() {
        let bad = r#"ip: Invalid value: "{}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#;
        for v in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4 ",
            "a.b.c.d",
            "1:2",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7::8",
            "12345::",
            "::1%eth0",
            "1.2.3.4/32",
            "host",
        ] {
            assert_eq!(ip(v), bad.replace("{}", v), "{v}");
        }
        assert_eq!(
            ip("001.2.3.4"),
            r#"ip: Invalid value: "001.2.3.4": must not have leading 0s"#
        );
        assert_eq!(
            ip("::ffff:01.2.3.4"),
            r#"ip: Invalid value: "::ffff:01.2.3.4": must not have leading 0s"#
        );
        assert_eq!(
            ip("00001::"),
            r#"ip: Invalid value: "00001::": must not have leading 0s"#
        );
        assert_eq!(
            ip("::ffff:1.2.3.4"),
            r#"ip: Invalid value: "::ffff:1.2.3.4": must not be an IPv4-mapped IPv6 address"#
        );
        assert_eq!(
            ip("2001:DB8::1"),
            r#"ip: Invalid value: "2001:DB8::1": must be in canonical form ("2001:db8::1")"#
        );
        assert_eq!(
            ip("2001:db8:0:0:0:0:0:1"),
            r#"ip: Invalid value: "2001:db8:0:0:0:0:0:1": must be in canonical form ("2001:db8::1")"#
        );
        assert_eq!(
            ip("::1.2.3.4"),
            r#"ip: Invalid value: "::1.2.3.4": must be in canonical form ("::102:304")"#
        );
        assert_eq!(
            ip("1:0:0:1:0:0:0:1"),
            r#"ip: Invalid value: "1:0:0:1:0:0:0:1": must be in canonical form ("1:0:0:1::1")"#
        );
        assert_eq!(
            ip("1:0:0:1:0:0:1:1"),
            r#"ip: Invalid value: "1:0:0:1:0:0:1:1": must be in canonical form ("1::1:0:0:1:1")"#
        );
        assert_eq!(
            ip("1:0:1:1:1:1:1:1"),
            "",
            "a single zero group is not compressed"
        );
    }

    #[test]
    fn legacy_ips() {
        let p = Path::new("ip");
        assert!(is_valid_ip_for_legacy_field(&p, "001.2.3.4", false, &[]).is_empty());
        assert!(is_valid_ip_for_legacy_field(&p, "::ffff:1.2.3.4", false, &[]).is_empty());
        assert_eq!(
            is_valid_ip_for_legacy_field(&p, "001.2.3.4", true, &[]).len(),
            1
        );
        assert!(is_valid_ip_for_legacy_field(&p, "001.2.3.4", true, &["001.2.3.4"]).is_empty());
        assert!(is_valid_ip_for_legacy_field(&p, "2001:DB8::1", true, &[]).is_empty());
    }

    #[test]
    fn cidrs() {
        for v in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "1.2.3.4/32",
            "2001:db8::/64",
            "::/0",
        ] {
            assert_eq!(cidr(v), "", "{v}");
        }
        let bad = r#"cidr: Invalid value: "{}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#;
        for v in [
            "",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/a",
            "::/129",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
        ] {
            assert_eq!(cidr(v), bad.replace("{}", v), "{v}");
        }
        assert_eq!(
            cidr("10.0.0.1/8"),
            r#"cidr: Invalid value: "10.0.0.1/8": must not have bits set beyond the prefix length"#
        );
        assert_eq!(
            cidr("010.0.0.0/8"),
            r#"cidr: Invalid value: "010.0.0.0/8": must not have leading 0s in IP or prefix length"#
        );
        assert_eq!(
            cidr("10.0.0.0/08"),
            r#"cidr: Invalid value: "10.0.0.0/08": must not have leading 0s in IP or prefix length"#
        );
        assert_eq!(
            cidr("::ffff:1.2.3.0/120"),
            r#"cidr: Invalid value: "::ffff:1.2.3.0/120": must not have an IPv4-mapped IPv6 address"#
        );
        assert_eq!(
            cidr("2001:DB8::/64"),
            r#"cidr: Invalid value: "2001:DB8::/64": must be in canonical form ("2001:db8::/64")"#
        );
        let p = Path::new("cidr");
        assert!(is_valid_cidr_for_legacy_field(&p, "10.0.0.1/8", false, &[]).is_empty());
        assert_eq!(
            is_valid_cidr_for_legacy_field(&p, "10.0.0.1/8", true, &[]).len(),
            1
        );
    }

    #[test]
    fn interface_addresses() {
        let p = Path::new("a");
        assert!(is_valid_interface_address(&p, "192.168.1.5/24").is_empty());
        assert!(is_valid_interface_address(&p, "2001:db8::1/64").is_empty());
        assert_eq!(
            is_valid_interface_address(&p, "::ffff:192.168.0.1/120").to_string(),
            r#"a: Invalid value: "::ffff:192.168.0.1/120": must be in canonical form ("192.168.0.1/24")"#
        );
        assert_eq!(is_valid_interface_address(&p, "x").len(), 1);
    }
}
