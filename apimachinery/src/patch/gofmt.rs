//! Renders decoded JSON the way Go's `fmt` prints an `interface{}` holding it,
//! so that error messages read exactly like the real api-server's
//! (`map: map[image:nginx] does not contain declared merge key: name`).
//!
//! Upstream counterpart: Go's fmt `%v` verb applied to the values
//! k8s.io/apimachinery/pkg/util/json decodes (maps print with sorted keys,
//! slices space-separated, strings bare, `nil` as `<nil>`).

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Deeper values are elided: messages stay bounded on hostile input.
const MAX_DEPTH: usize = 32;

/// Go `%v` of a decoded JSON value.
pub(crate) fn value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, 0);
    out
}

/// Go `%v` of a list of lists (`fmt.Sprint([][]interface{}{...})`).
pub(crate) fn lists(ls: &[&[Value]]) -> String {
    let mut out = String::from("[");
    for (i, l) in ls.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_list(&mut out, l, 0);
    }
    out.push(']');
    out
}

/// Go `%v` of a list.
pub(crate) fn list(l: &[Value]) -> String {
    let mut out = String::new();
    write_list(&mut out, l, 0);
    out
}

/// Go `%s` of a value (what `unknown patch type: %s` prints): strings bare,
/// other types in Go's bad-verb form, e.g. `%!s(float64=1)`.
pub(crate) fn value_as_s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".to_owned(),
        Value::Bool(b) => format!("%!s(bool={b})"),
        Value::Number(n) => format!("%!s({}={})", type_name(v), number(n)),
        Value::Array(_) | Value::Object(_) => value(v),
    }
}

/// The Go type `reflect.TypeOf` reports for a decoded JSON value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "%!s(<nil>)",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn write_list(out: &mut String, l: &[Value], depth: usize) {
    out.push('[');
    for (i, v) in l.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(out, v, depth + 1);
    }
    out.push(']');
}

fn write_value(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(l) => write_list(out, l, depth),
        Value::Object(m) => {
            out.push_str("map[");
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                if let Some(v) = m.get(k) {
                    write_value(out, v, depth + 1);
                }
            }
            out.push(']');
        }
    }
}

/// Integers print as integers (the server decodes with PreserveInts); other
/// numbers as Go's `%v` of a float64: shortest digits, exponent form when the
/// exponent is below -4 or at least 6 (`strconv.FormatFloat(f, 'g', -1, 64)`).
fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string();
    };
    if f == 0.0 {
        return "0".to_owned();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_owned(), e.parse::<i32>().unwrap_or(0)),
        None => return sci,
    };
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_go() {
        assert_eq!(
            value(&json!({"name": "a", "image": "nginx"})),
            "map[image:nginx name:a]"
        );
        assert_eq!(value(&json!([1, "a", null, true])), "[1 a <nil> true]");
        assert_eq!(value(&json!({"a": {"b": [1.5]}})), "map[a:map[b:[1.5]]]");
        assert_eq!(value(&json!(1000000.0)), "1e+06");
        assert_eq!(value(&json!(123456.0)), "123456");
        assert_eq!(value(&json!(0.00001)), "1e-05");
        assert_eq!(value(&json!(0.0001)), "0.0001");
        assert_eq!(value(&json!(1.25)), "1.25");
        assert_eq!(
            lists(&[&[json!(1)], &[json!("a"), json!("b")]]),
            "[[1] [a b]]"
        );
        assert_eq!(value_as_s(&json!(1.0)), "%!s(float64=1)");
        assert_eq!(value_as_s(&json!("foo")), "foo");
        assert_eq!(type_name(&json!({})), "map[string]interface {}");
        assert_eq!(type_name(&json!(1)), "int64");
    }

    #[test]
    fn bounded_on_deep_values() {
        let mut v = json!(1);
        for _ in 0..100 {
            v = json!([v]);
        }
        assert!(value(&v).contains("..."));
    }
}
