//! Renderings of values the way Go's `fmt`/`strconv` print them.
//!
//! Upstream error messages embed values through `%q`, `%v` and `%#v`; clients
//! compare those strings, so we reproduce the formatting rather than use Rust's
//! `Debug`. Counterpart: Go's `strconv.Quote`, `strconv.FormatFloat(f, 'g', -1, 64)`
//! and `fmt`'s `%#v` for `[]string`, `map[string]string` and the few structs
//! upstream messages print whole.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Quotes `s` as Go's `strconv.Quote` does (`%q`).
// k8s: go/src/strconv/quote.go (appendQuotedWith, appendEscapedRune)
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// Appends the Go-quoted form of `s` to `out`.
pub(crate) fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
}

/// Approximates Go's `strconv.IsPrint`: letters, marks, numbers, punctuation,
/// symbols and the ASCII space. Without Unicode category tables we reject the
/// control, separator, format, private-use and noncharacter code points;
/// unassigned code points are treated as printable (Go would escape them).
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if u < 0x20 || (0x7f..=0x9f).contains(&u) {
        return false;
    }
    if u < 0xa0 {
        return true;
    }
    // Zs / Zl / Zp other than U+0020.
    if matches!(
        u,
        0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000
    ) {
        return false;
    }
    // Cf (format characters).
    if matches!(
        u,
        0xad | 0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    ) {
        return false;
    }
    // Co (private use) and noncharacters.
    if matches!(u, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd | 0xfdd0..=0xfdef)
        || (u & 0xfffe) == 0xfffe
    {
        return false;
    }
    true
}

/// Formats a float as Go's `%v` does: shortest round-trip digits, `%e` style
/// when the decimal exponent is < -4 or >= 6 (e.g. `1e+06`, `0.0001`, `1e-05`).
// k8s: go/src/strconv/ftoa.go (formatDigits, 'g' with shortest precision)
pub(crate) fn float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "-1.2345e-7".
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if f == 0.0 {
        out.push('0');
        return out;
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Formats a string list as Go's `%#v` of a `[]string` does; an empty list is
/// rendered as a nil slice (`[]string(nil)`), which is what upstream callers
/// that copy with `append([]string(nil), ...)` produce.
pub(crate) fn string_slice<S: AsRef<str>>(values: &[S]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_owned();
    }
    let mut out = String::from("[]string{");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        quote_into(&mut out, v.as_ref());
    }
    out.push('}');
    out
}

/// Formats a string map as Go's `%#v` of a `map[string]string` does: keys
/// sorted, `map[string]string{"a":"b", "c":"d"}`; `None` is a nil map
/// (`map[string]string(nil)`).
pub(crate) fn string_map(map: Option<&BTreeMap<String, String>>) -> String {
    let Some(map) = map else {
        return "map[string]string(nil)".to_owned();
    };
    let mut out = String::from("map[string]string{");
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        quote_into(&mut out, k);
        out.push(':');
        quote_into(&mut out, v);
    }
    out.push('}');
    out
}

/// Formats a `metav1.LabelSelector` as Go's `%#v` does.
pub(crate) fn label_selector(selector: &LabelSelector) -> String {
    let expressions = match selector.match_expressions.as_deref() {
        None => "[]v1.LabelSelectorRequirement(nil)".to_owned(),
        Some(list) => {
            let items: Vec<String> = list
                .iter()
                .map(|e| {
                    format!(
                        "v1.LabelSelectorRequirement{{Key:{}, Operator:{}, Values:{}}}",
                        quote(&e.key),
                        quote(&e.operator),
                        string_slice(e.values.as_deref().unwrap_or_default()),
                    )
                })
                .collect();
            format!("[]v1.LabelSelectorRequirement{{{}}}", items.join(", "))
        }
    };
    format!(
        "v1.LabelSelector{{MatchLabels:{}, MatchExpressions:{expressions}}}",
        string_map(selector.match_labels.as_ref()),
    )
}

/// Formats an `intstr.IntOrString` as Go's `%#v` does (its `String` method
/// has a pointer receiver, so upstream messages show the struct).
pub(crate) fn int_or_string(value: &IntOrString) -> String {
    match value {
        IntOrString::Int(i) => format!("intstr.IntOrString{{Type:0, IntVal:{i}, StrVal:\"\"}}"),
        IntOrString::String(s) => {
            format!(
                "intstr.IntOrString{{Type:1, IntVal:0, StrVal:{}}}",
                quote(s)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("abc"), r#""abc""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("a\nb\tc\u{7}\u{0}\u{7f}"), r#""a\nb\tc\a\x00\x7f""#);
        assert_eq!(quote("héllo 世界"), "\"héllo 世界\"");
        assert_eq!(quote("\u{200b}\u{a0}"), r#""\u200b\u00a0""#);
        assert_eq!(quote("\u{e0001}"), r#""\U000e0001""#);
        assert_eq!(quote("\u{85}"), r#""\u0085""#);
        assert_eq!(quote(""), r#""""#);
    }

    #[test]
    fn float_matches_go_v() {
        assert_eq!(float(1.0), "1");
        assert_eq!(float(1.5), "1.5");
        assert_eq!(float(-2.25), "-2.25");
        assert_eq!(float(123456.0), "123456");
        assert_eq!(float(1e6), "1e+06");
        assert_eq!(float(1234567.0), "1.234567e+06");
        assert_eq!(float(0.0001), "0.0001");
        assert_eq!(float(0.00001), "1e-05");
        assert_eq!(float(1e21), "1e+21");
        assert_eq!(float(1.5e-300), "1.5e-300");
        assert_eq!(float(0.0), "0");
        assert_eq!(float(-0.0), "-0");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(100.0), "100");
    }

    #[test]
    fn string_slice_matches_go_sharp_v() {
        let empty: [&str; 0] = [];
        assert_eq!(string_slice(&empty), "[]string(nil)");
        assert_eq!(string_slice(&["a"]), r#"[]string{"a"}"#);
        assert_eq!(string_slice(&["a", "b\"c"]), r#"[]string{"a", "b\"c"}"#);
    }

    #[test]
    fn go_syntax_of_maps_selectors_and_int_or_strings() {
        let mut map = BTreeMap::new();
        assert_eq!(string_map(None), "map[string]string(nil)");
        assert_eq!(string_map(Some(&map)), "map[string]string{}");
        map.insert("b".to_owned(), "2".to_owned());
        map.insert("a".to_owned(), "1".to_owned());
        assert_eq!(
            string_map(Some(&map)),
            r#"map[string]string{"a":"1", "b":"2"}"#
        );
        let selector = LabelSelector {
            match_labels: Some(map),
            match_expressions: None,
        };
        assert_eq!(
            label_selector(&selector),
            r#"v1.LabelSelector{MatchLabels:map[string]string{"a":"1", "b":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"#
        );
        assert_eq!(
            int_or_string(&IntOrString::String("25%".into())),
            r#"intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}"#
        );
        assert_eq!(
            int_or_string(&IntOrString::Int(0)),
            r#"intstr.IntOrString{Type:0, IntVal:0, StrVal:""}"#
        );
    }
}
