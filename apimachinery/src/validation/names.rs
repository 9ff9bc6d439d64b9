//! Syntax checks for names and values: DNS labels and subdomains, qualified
//! names, label values, port names, environment variable names, ConfigMap
//! keys, HTTP header names, percentages and numeric ranges.
//!
//! Each `is_*` function returns the list of problems (empty when valid), with
//! upstream's exact wording. The regular expressions are implemented as byte
//! scanners (every accepted character is ASCII, so any other byte fails just
//! as it does for Go's regexp). Counterpart:
//! k8s.io/apimachinery/pkg/util/validation/validation.go.

use super::field::{ErrorList, FieldError, Path};

// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (formats and messages)
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_UNDERSCORE_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const WILDCARD_DNS1123_SUBDOMAIN_FMT: &str =
    "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG: &str = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const C_IDENTIFIER_FMT: &str = "[A-Za-z_][A-Za-z0-9_]*";
const C_IDENTIFIER_ERR_MSG: &str = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const PERCENT_FMT: &str = "[0-9]+%";
const PERCENT_ERR_MSG: &str =
    "a valid percent string must be a numeric string followed by an ending '%'";
const HTTP_HEADER_NAME_FMT: &str = "[-A-Za-z0-9]+";
const HTTP_HEADER_NAME_ERR_MSG: &str =
    "a valid HTTP header must consist of alphanumeric characters or '-'";
const ENV_VAR_NAME_FMT: &str = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const ENV_VAR_NAME_ERR_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const RELAXED_ENV_VAR_NAME_ERR_MSG: &str = "a valid environment variable name must consist only of printable ASCII characters other than '='";
const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_ERR_MSG: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const HTTP_PATH_FMT: &str = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/// Maximum length of the name part of a qualified name.
pub const QUALIFIED_NAME_MAX_LENGTH: usize = 63;
/// Maximum length of a label value.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// Maximum length of an RFC 1123 label.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Maximum length of an RFC 1123 subdomain.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Maximum length of an RFC 1035 label.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;

/// `must be no more than N characters`.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// The explanation of a failed format check, listing examples and the regex.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (RegexError)
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = String::with_capacity(msg.len() + fmt.len() + 64);
    out.push_str(msg);
    out.push_str(" (e.g. ");
    for (i, ex) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(ex);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

/// `must be non-empty`.
pub fn empty_error() -> String {
    "must be non-empty".to_owned()
}

/// `must be between LO and HI, inclusive`.
pub fn inclusive_range_error(lo: i64, hi: i64) -> String {
    format!("must be between {lo} and {hi}, inclusive")
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`
fn matches_qualified_name(v: &[u8]) -> bool {
    match (v.first(), v.last()) {
        (Some(&f), Some(&l)) => {
            is_alnum(f)
                && is_alnum(l)
                && v.iter()
                    .all(|&b| is_alnum(b) || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label(v: &[u8]) -> bool {
    match (v.first(), v.last()) {
        (Some(&f), Some(&l)) => {
            is_lower_alnum(f)
                && is_lower_alnum(l)
                && v.iter().all(|&b| is_lower_alnum(b) || b == b'-')
        }
        _ => false,
    }
}

/// Dot-separated RFC 1123 labels.
fn matches_dns1123_subdomain(v: &[u8]) -> bool {
    v.split(|&b| b == b'.').all(matches_dns1123_label)
}

/// `^_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`
fn matches_dns1123_label_with_underscore(v: &[u8]) -> bool {
    let v = v.strip_prefix(b"_").unwrap_or(v);
    match (v.first(), v.last()) {
        (Some(&f), Some(&l)) => {
            is_lower_alnum(f)
                && is_lower_alnum(l)
                && v.iter()
                    .all(|&b| is_lower_alnum(b) || b == b'-' || b == b'_')
        }
        _ => false,
    }
}

/// `^[a-z]([-a-z0-9]*[a-z0-9])?$`
fn matches_dns1035_label(v: &[u8]) -> bool {
    match (v.first(), v.last()) {
        (Some(&f), Some(&l)) => {
            f.is_ascii_lowercase()
                && is_lower_alnum(l)
                && v.iter().all(|&b| is_lower_alnum(b) || b == b'-')
        }
        _ => false,
    }
}

fn non_empty_all(v: &[u8], ok: impl Fn(u8) -> bool) -> bool {
    !v.is_empty() && v.iter().all(|&b| ok(b))
}

/// Checks a Kubernetes "qualified name": an optional DNS subdomain prefix and
/// `/`, then a name of at most 63 alphanumerics, `-`, `_` or `.` that starts
/// and ends alphanumeric (label keys, annotation keys, finalizers).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsQualifiedName)
pub fn is_qualified_name(value: &str) -> Vec<String> {
    qualified_name_errors(value.as_bytes())
}

fn qualified_name_errors(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    let mut parts = value.split(|&b| b == b'/');
    let first = parts.next().unwrap_or_default();
    let name = match (parts.next(), parts.next()) {
        (None, _) => first,
        (Some(name), None) => {
            if first.is_empty() {
                errs.push(format!("prefix part {}", empty_error()));
            } else {
                errs.extend(
                    dns1123_subdomain_errors(first)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        (Some(_), Some(_)) => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {}", empty_error()));
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !matches_qualified_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// Checks a label value: empty, or at most 63 alphanumerics, `-`, `_` or `.`
/// starting and ending alphanumeric.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsValidLabelValue)
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !(value.is_empty() || matches_qualified_name(value.as_bytes())) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Checks an RFC 1123 label (at most 63 lower-case alphanumerics or `-`,
/// alphanumeric at both ends).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Label)
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    dns1123_label_errors(value.as_bytes())
}

pub(crate) fn dns1123_label_errors(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // A valid subdomain that is not a label can only be failing on dots.
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// Checks an RFC 1123 subdomain (at most 253 characters of dot-separated
/// RFC 1123 labels): the rule for most object names.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain)
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_errors(value.as_bytes())
}

pub(crate) fn dns1123_subdomain_errors(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Like [`is_dns1123_subdomain`] but each label may also contain `_` and
/// start with one.
pub fn is_dns1123_subdomain_with_underscore(value: &str) -> Vec<String> {
    let v = value.as_bytes();
    let mut errs = Vec::new();
    if v.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !v
        .split(|&b| b == b'.')
        .all(matches_dns1123_label_with_underscore)
    {
        // Upstream quotes the plain subdomain regex here, not the underscore one.
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_UNDERSCORE_ERR_MSG,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Checks an RFC 1035 label (like an RFC 1123 label but starting with a
/// letter): the rule for Service names.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1035Label)
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    dns1035_label_errors(value.as_bytes())
}

pub(crate) fn dns1035_label_errors(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1035_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1035_LABEL_MAX_LENGTH));
    }
    if !matches_dns1035_label(value) {
        errs.push(regex_error(
            DNS1035_LABEL_ERR_MSG,
            DNS1035_LABEL_FMT,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// Checks a wildcard subdomain such as `*.example.com`.
pub fn is_wildcard_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let ok = value
        .strip_prefix("*.")
        .is_some_and(|rest| matches_dns1123_subdomain(rest.as_bytes()));
    if !ok {
        errs.push(regex_error(
            WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG,
            WILDCARD_DNS1123_SUBDOMAIN_FMT,
            &["*.example.com"],
        ));
    }
    errs
}

/// Checks a C identifier (`[A-Za-z_][A-Za-z0-9_]*`), without a length limit.
pub fn is_c_identifier(value: &str) -> Vec<String> {
    let v = value.as_bytes();
    let ok = v
        .first()
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        && v.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Vec::new()
    } else {
        vec![regex_error(
            C_IDENTIFIER_ERR_MSG,
            C_IDENTIFIER_FMT,
            &["my_name", "MY_NAME", "MyName"],
        )]
    }
}

/// Checks a non-zero port number (1..=65535).
pub fn is_valid_port_num(port: i64) -> Vec<String> {
    is_in_range(port, 1, 65535)
}

/// Checks that `value` is within `min..=max`.
pub fn is_in_range(value: i64, min: i64, max: i64) -> Vec<String> {
    if (min..=max).contains(&value) {
        Vec::new()
    } else {
        vec![inclusive_range_error(min, max)]
    }
}

/// Checks a Unix group ID (0..=2^31-1).
pub fn is_valid_group_id(gid: i64) -> Vec<String> {
    is_in_range(gid, 0, i64::from(i32::MAX))
}

/// Checks a Unix user ID (0..=2^31-1).
pub fn is_valid_user_id(uid: i64) -> Vec<String> {
    is_in_range(uid, 0, i64::from(i32::MAX))
}

/// Checks an IANA service (port) name: at most 15 of `[-a-z0-9]`, at least
/// one letter, no `--`, no leading or trailing `-`.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsValidPortName)
pub fn is_valid_port_name(port: &str) -> Vec<String> {
    let v = port.as_bytes();
    let mut errs = Vec::new();
    if v.len() > 15 {
        errs.push(max_len_error(15));
    }
    if !non_empty_all(v, |b| is_lower_alnum(b) || b == b'-') {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_owned(),
        );
    }
    if !v.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".to_owned());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_owned());
    }
    if v.first() == Some(&b'-') || v.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".to_owned());
    }
    errs
}

/// Checks a percentage string such as `25%`.
pub fn is_valid_percent(percent: &str) -> Vec<String> {
    let ok = percent
        .strip_suffix('%')
        .is_some_and(|digits| non_empty_all(digits.as_bytes(), |b| b.is_ascii_digit()));
    if ok {
        Vec::new()
    } else {
        vec![regex_error(PERCENT_ERR_MSG, PERCENT_FMT, &["1%", "93%"])]
    }
}

/// Checks an HTTP header name (`[-A-Za-z0-9]+`).
pub fn is_http_header_name(value: &str) -> Vec<String> {
    if non_empty_all(value.as_bytes(), |b| is_alnum(b) || b == b'-') {
        Vec::new()
    } else {
        vec![regex_error(
            HTTP_HEADER_NAME_ERR_MSG,
            HTTP_HEADER_NAME_FMT,
            &["X-Header-Name"],
        )]
    }
}

/// Rejects `.`, `..` and names starting with `..`, which would change
/// directory when used as a file name.
fn chdir_prefix_errors(value: &str) -> Option<String> {
    if value == "." {
        Some("must not be '.'".to_owned())
    } else if value == ".." {
        Some("must not be '..'".to_owned())
    } else if value.starts_with("..") {
        Some("must not start with '..'".to_owned())
    } else {
        None
    }
}

/// Checks an environment variable name (`[-._a-zA-Z][-._a-zA-Z0-9]*`, and not
/// `.`, `..` or starting with `..`).
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsEnvVarName)
pub fn is_env_var_name(value: &str) -> Vec<String> {
    let v = value.as_bytes();
    let name_char = |b: u8| b.is_ascii_alphabetic() || matches!(b, b'-' | b'.' | b'_');
    let ok = v.first().is_some_and(|&b| name_char(b))
        && v.iter().all(|&b| name_char(b) || b.is_ascii_digit());
    let mut errs = Vec::new();
    if !ok {
        errs.push(regex_error(
            ENV_VAR_NAME_ERR_MSG,
            ENV_VAR_NAME_FMT,
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    errs.extend(chdir_prefix_errors(value));
    errs
}

/// Checks a relaxed environment variable name: non-empty printable ASCII
/// without `=`.
pub fn is_relaxed_env_var_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.is_empty() {
        errs.push(format!("environment variable name {}", empty_error()));
    }
    if value
        .bytes()
        .any(|b| !(0x20..=0x7e).contains(&b) || b == b'=')
    {
        errs.push(RELAXED_ENV_VAR_NAME_ERR_MSG.to_owned());
    }
    errs
}

/// Checks a ConfigMap or Secret key: at most 253 of `[-._a-zA-Z0-9]`, and not
/// `.`, `..` or starting with `..`.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsConfigMapKey)
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !non_empty_all(value.as_bytes(), |b| {
        is_alnum(b) || matches!(b, b'-' | b'.' | b'_')
    }) {
        errs.push(regex_error(
            CONFIG_MAP_KEY_ERR_MSG,
            CONFIG_MAP_KEY_FMT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    errs.extend(chdir_prefix_errors(value));
    errs
}

/// Checks a DNS subdomain with at least three dot-separated segments.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsFullyQualifiedName)
pub fn is_fully_qualified_name(path: &Path, name: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return errs;
    }
    let sub = is_dns1123_subdomain(name);
    if !sub.is_empty() {
        errs.push(FieldError::invalid(path, name, sub.join(",")));
        return errs;
    }
    if name.split('.').count() < 3 {
        errs.push(FieldError::invalid(
            path,
            name,
            "should be a domain with at least three segments separated by dots",
        ));
    }
    errs
}

/// Checks a domain name with at least two segments; a trailing `.` is allowed.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsFullyQualifiedDomainName)
pub fn is_fully_qualified_domain_name(path: &Path, name: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    if name.is_empty() {
        errs.push(FieldError::required(path, ""));
        return errs;
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let sub = is_dns1123_subdomain(name);
    if !sub.is_empty() {
        errs.push(FieldError::invalid(path, name, sub.join(",")));
        return errs;
    }
    if name.split('.').count() < 2 {
        errs.push(FieldError::invalid(
            path,
            name,
            "should be a domain with at least two segments separated by dots",
        ));
        return errs;
    }
    for label in name.split('.') {
        let label_errs = is_dns1123_label(label);
        if !label_errs.is_empty() {
            errs.push(FieldError::invalid(path, label, label_errs.join(",")));
            return errs;
        }
    }
    errs
}

/// Checks a domain-prefixed path such as `acme.io/foo`.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (IsDomainPrefixedPath)
pub fn is_domain_prefixed_path(path: &Path, value: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    if value.is_empty() {
        errs.push(FieldError::required(path, ""));
        return errs;
    }
    let Some((host, rest)) = value
        .split_once('/')
        .filter(|(h, r)| !h.is_empty() && !r.is_empty())
    else {
        errs.push(FieldError::invalid(
            path,
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        ));
        return errs;
    };
    for msg in is_dns1123_subdomain(host) {
        errs.push(FieldError::invalid(path, host, msg));
    }
    let path_char = |b: u8| is_alnum(b) || b"/-._~%!$&'()*+,;=:".contains(&b);
    if !rest.bytes().all(path_char) {
        errs.push(FieldError::invalid(
            path,
            rest,
            regex_error("Invalid path", HTTP_PATH_FMT, &[]),
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    fn ok(errs: Vec<String>) -> bool {
        errs.is_empty()
    }

    #[test]
    fn regex_error_format() {
        assert_eq!(
            regex_error("m", "f", &[]),
            "m (regex used for validation is 'f')"
        );
        assert_eq!(
            regex_error("m", "f", &["a", "b"]),
            "m (e.g. 'a',  or 'b', regex used for validation is 'f')"
        );
    }

    #[test]
    fn dns1123_subdomain() {
        for good in ["a", "ab", "a-b", "a.b", "0", "a1.b2-c.d", &"a".repeat(253)] {
            assert!(ok(is_dns1123_subdomain(good)), "{good}");
        }
        for bad in [
            "", "A", "-a", "a-", "a..b", ".a", "a.", "a_b", "a/b", "é", "a.-b",
        ] {
            assert_eq!(
                is_dns1123_subdomain(bad),
                vec![SUBDOMAIN_MSG.to_owned()],
                "{bad}"
            );
        }
        assert_eq!(is_dns1123_subdomain("Foo"), vec![SUBDOMAIN_MSG.to_owned()]);
        let long = "a".repeat(254);
        assert_eq!(
            is_dns1123_subdomain(&long),
            vec!["must be no more than 253 characters".to_owned()]
        );
        assert_eq!(is_dns1123_subdomain(&format!("{long}-")).len(), 2);
    }

    #[test]
    fn dns1123_label() {
        for good in ["a", "a-b", "1", "a1", &"a".repeat(63)] {
            assert!(ok(is_dns1123_label(good)), "{good}");
        }
        assert_eq!(
            is_dns1123_label("a.b"),
            vec!["must not contain dots".to_owned()]
        );
        assert_eq!(
            is_dns1123_label("A"),
            vec!["a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_owned()]
        );
        assert_eq!(
            is_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters".to_owned()]
        );
        assert_eq!(is_dns1123_label("").len(), 1);
    }

    #[test]
    fn dns1035_label() {
        assert!(ok(is_dns1035_label("a-1")));
        assert_eq!(
            is_dns1035_label("1a"),
            vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_owned()]
        );
        assert_eq!(is_dns1035_label(&"a".repeat(64)).len(), 1);
    }

    #[test]
    fn qualified_name() {
        for good in [
            "a",
            "A",
            "a.b_c-D",
            "example.com/MyName",
            "a/b",
            &"a".repeat(63),
            &format!("{}/a", "a".repeat(253)),
        ] {
            assert!(ok(is_qualified_name(good)), "{good}");
        }
        assert_eq!(is_qualified_name("-a"), vec![NAME_PART_MSG.to_owned()]);
        assert_eq!(
            is_qualified_name(""),
            vec![
                "name part must be non-empty".to_owned(),
                NAME_PART_MSG.to_owned()
            ]
        );
        assert_eq!(
            is_qualified_name("/a"),
            vec!["prefix part must be non-empty".to_owned()]
        );
        assert_eq!(
            is_qualified_name("Example.com/a"),
            vec![format!("prefix part {SUBDOMAIN_MSG}")]
        );
        assert_eq!(
            is_qualified_name(&"a".repeat(64)),
            vec!["name part must be no more than 63 characters".to_owned()]
        );
        assert_eq!(
            is_qualified_name("a/b/c"),
            vec!["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".to_owned()]
        );
        assert_eq!(is_qualified_name("a/").len(), 2);
    }

    #[test]
    fn label_value() {
        for good in ["", "a", "a_b.c-d", "123", &"a".repeat(63)] {
            assert!(ok(is_valid_label_value(good)), "{good}");
        }
        let regex = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        assert_eq!(is_valid_label_value("-a"), vec![regex.to_owned()]);
        assert_eq!(is_valid_label_value("a b"), vec![regex.to_owned()]);
        assert_eq!(
            is_valid_label_value(&format!("{}-", "a".repeat(63))),
            vec![
                "must be no more than 63 characters".to_owned(),
                regex.to_owned()
            ]
        );
    }

    #[test]
    fn ports() {
        assert!(ok(is_valid_port_num(1)));
        assert!(ok(is_valid_port_num(65535)));
        assert_eq!(
            is_valid_port_num(0),
            vec!["must be between 1 and 65535, inclusive".to_owned()]
        );
        assert_eq!(is_valid_port_num(65536).len(), 1);
        assert!(ok(is_valid_port_name("http")));
        assert!(ok(is_valid_port_name("h-2")));
        assert_eq!(
            is_valid_port_name("1234"),
            vec!["must contain at least one letter (a-z)".to_owned()]
        );
        assert_eq!(
            is_valid_port_name("-AB--"),
            vec![
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_owned(),
                "must contain at least one letter (a-z)".to_owned(),
                "must not contain consecutive hyphens".to_owned(),
                "must not begin or end with a hyphen".to_owned(),
            ]
        );
        assert_eq!(
            is_valid_port_name("abcdefghijklmnop"),
            vec!["must be no more than 15 characters".to_owned()]
        );
        assert_eq!(is_valid_port_name("").len(), 2);
    }

    #[test]
    fn ids_and_ranges() {
        assert!(ok(is_valid_user_id(0)));
        assert_eq!(
            is_valid_user_id(-1),
            vec!["must be between 0 and 2147483647, inclusive".to_owned()]
        );
        assert!(ok(is_valid_group_id(2147483647)));
        assert_eq!(
            is_in_range(5, 1, 3),
            vec!["must be between 1 and 3, inclusive".to_owned()]
        );
    }

    #[test]
    fn env_var_names() {
        for good in ["A", "_a", "my.env-name", "MY_ENV.NAME", "MyEnvName1", "-x"] {
            assert!(ok(is_env_var_name(good)), "{good}");
        }
        let regex = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
        assert_eq!(is_env_var_name("1a"), vec![regex.to_owned()]);
        assert_eq!(is_env_var_name(""), vec![regex.to_owned()]);
        assert_eq!(is_env_var_name("."), vec!["must not be '.'".to_owned()]);
        assert_eq!(is_env_var_name(".."), vec!["must not be '..'".to_owned()]);
        assert_eq!(
            is_env_var_name("..a"),
            vec!["must not start with '..'".to_owned()]
        );
        assert!(ok(is_relaxed_env_var_name("1 a$")));
        assert_eq!(
            is_relaxed_env_var_name("a=b"),
            vec!["a valid environment variable name must consist only of printable ASCII characters other than '='".to_owned()]
        );
        assert_eq!(is_relaxed_env_var_name("").len(), 1);
        assert_eq!(is_relaxed_env_var_name("é").len(), 1);
    }

    #[test]
    fn config_map_keys() {
        assert!(ok(is_config_map_key("key.name")));
        assert!(ok(is_config_map_key(".dotfile")));
        assert_eq!(
            is_config_map_key("a/b"),
            vec!["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".to_owned()]
        );
        assert_eq!(is_config_map_key(".."), vec!["must not be '..'".to_owned()]);
        assert_eq!(
            is_config_map_key(&"a".repeat(254)),
            vec!["must be no more than 253 characters".to_owned()]
        );
    }

    #[test]
    fn misc_formats() {
        assert!(ok(is_http_header_name("X-Header-Name")));
        assert_eq!(
            is_http_header_name("X_Header"),
            vec!["a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')".to_owned()]
        );
        assert!(ok(is_c_identifier("_a1")));
        assert_eq!(is_c_identifier("1a").len(), 1);
        assert!(ok(is_valid_percent("93%")));
        assert_eq!(is_valid_percent("%").len(), 1);
        assert_eq!(is_valid_percent("9").len(), 1);
        assert!(ok(is_wildcard_dns1123_subdomain("*.example.com")));
        assert_eq!(is_wildcard_dns1123_subdomain("*.*.example.com").len(), 1);
        assert_eq!(is_wildcard_dns1123_subdomain("example.com").len(), 1);
        assert!(ok(is_dns1123_subdomain_with_underscore(
            "_srv._tcp.example.com"
        )));
        assert_eq!(is_dns1123_subdomain_with_underscore("a__").len(), 1);
    }

    #[test]
    fn fully_qualified_names() {
        let p = Path::new("spec").child("group");
        assert!(is_fully_qualified_name(&p, "a.b.c").is_empty());
        assert_eq!(
            is_fully_qualified_name(&p, "a.b").to_string(),
            r#"spec.group: Invalid value: "a.b": should be a domain with at least three segments separated by dots"#
        );
        assert_eq!(
            is_fully_qualified_name(&p, "").to_string(),
            "spec.group: Required value"
        );
        assert!(is_fully_qualified_domain_name(&p, "a.b.").is_empty());
        assert_eq!(
            is_fully_qualified_domain_name(&p, "a").to_string(),
            r#"spec.group: Invalid value: "a": should be a domain with at least two segments separated by dots"#
        );
        assert!(is_domain_prefixed_path(&p, "acme.io/foo").is_empty());
        assert_eq!(
            is_domain_prefixed_path(&p, "acme.io").to_string(),
            r#"spec.group: Invalid value: "acme.io": must be a domain-prefixed path (such as "acme.io/foo")"#
        );
        assert_eq!(
            is_domain_prefixed_path(&p, "acme.io/a b").to_string(),
            r#"spec.group: Invalid value: "a b": Invalid path (regex used for validation is '[A-Za-z0-9/\-._~%!$&'()*+,;=:]+')"#
        );
    }
}
