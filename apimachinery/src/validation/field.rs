//! Field paths and field-level validation errors.
//!
//! Owns [`Path`] (rendering like `spec.containers[0].name`), [`FieldError`]
//! with its [`ErrorType`] (the `metav1.StatusCause` reason) and [`ErrorList`],
//! whose `Display` is the aggregate text upstream puts in `Invalid` Status
//! messages. Counterpart: k8s.io/apimachinery/pkg/util/validation/field
//! (errors.go, path.go) and the aggregate of pkg/util/errors.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::goformat;

/// A path to a field inside an object, e.g. `spec.containers[0].name`.
///
/// Built with [`Path::new`] and extended with [`Path::child`], [`Path::index`]
/// and [`Path::key`]. The rendering is computed while building, so
/// [`Path::as_str`] and `Display` are free.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Path {
    /// `None` is upstream's nil `*Path`, which renders as `<nil>`.
    rendered: Option<String>,
}

impl Path {
    /// A path whose root is the field `name` (e.g. `Path::new("metadata")`).
    pub fn new(name: &str) -> Self {
        Path::nil().child(name)
    }

    /// The absent path (upstream's nil `*Path`): it renders as `<nil>`, and its
    /// children render without a leading dot. Label selector parse errors use it.
    pub const fn nil() -> Self {
        Path { rendered: None }
    }

    /// Whether this is the absent path.
    pub fn is_nil(&self) -> bool {
        self.rendered.is_none()
    }

    /// The path of the field `name` below this one (`spec` + `containers` →
    /// `spec.containers`). An empty name renders as an empty subscript `[]`.
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/field/path.go (Child, String)
    pub fn child(&self, name: &str) -> Self {
        let mut s = self.rendered.clone().unwrap_or_default();
        if name.is_empty() {
            s.push_str("[]");
        } else {
            if self.rendered.is_some() {
                s.push('.');
            }
            s.push_str(name);
        }
        Path { rendered: Some(s) }
    }

    /// The path of list element `index` below this one (`containers[0]`).
    pub fn index(&self, index: usize) -> Self {
        self.subscript(&index.to_string())
    }

    /// The path of map entry `key` below this one (`labels[app]`).
    pub fn key(&self, key: &str) -> Self {
        self.subscript(key)
    }

    fn subscript(&self, sub: &str) -> Self {
        let mut s = self.rendered.clone().unwrap_or_default();
        s.reserve(sub.len() + 2);
        s.push('[');
        s.push_str(sub);
        s.push(']');
        Path { rendered: Some(s) }
    }

    /// The rendered path; `<nil>` for [`Path::nil`].
    pub fn as_str(&self) -> &str {
        self.rendered.as_deref().unwrap_or("<nil>")
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a field is invalid. Its [`reason`](ErrorType::reason) is the `type` of a
/// `metav1.StatusCause`; its `Display` is the human text used in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// A value that was looked up does not exist.
    NotFound,
    /// A required value is missing.
    Required,
    /// A value that must be unique is repeated.
    Duplicate,
    /// A value is malformed.
    Invalid,
    /// A value is not one of an enumerated set.
    NotSupported,
    /// A well-formed value is not allowed in this context.
    Forbidden,
    /// A value is too long (the value itself is not echoed).
    TooLong,
    /// A list has too many items.
    TooMany,
    /// Something unrelated to user input went wrong.
    Internal,
    /// A value does not have the type the schema requires.
    TypeInvalid,
}

impl ErrorType {
    /// The `metav1.StatusCause` type string, e.g. `FieldValueRequired`.
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorType consts)
    pub const fn reason(self) -> &'static str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::Internal => "InternalError",
            ErrorType::TypeInvalid => "FieldValueTypeInvalid",
        }
    }

    /// The human text, e.g. `Required value`.
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorType.String)
    pub const fn message(self) -> &'static str {
        match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid | ErrorType::TypeInvalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::Internal => "Internal error",
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// The offending value of a [`FieldError`], kept in the shape that decides how
/// upstream prints it.
#[derive(Clone, Debug, PartialEq)]
pub enum BadValue {
    /// A nil value or nil pointer; printed as `"null"`.
    Null,
    /// Not printed at all (only the error type is shown).
    Omitted,
    /// A string; printed quoted as Go's `%q`.
    Str(String),
    /// A signed integer; printed in decimal.
    Int(i64),
    /// A float; printed as Go's `%v`.
    Float(f64),
    /// A boolean; printed as `true`/`false`.
    Bool(bool),
    /// Any other value, printed verbatim. Use it for values upstream prints
    /// through `String()` or `%#v` (see [`BadValue::string_list`]).
    Raw(String),
}

impl BadValue {
    /// A list of strings printed as Go's `%#v` of a `[]string`
    /// (`[]string{"a", "b"}`, or `[]string(nil)` when empty).
    pub fn string_list<S: AsRef<str>>(values: &[S]) -> Self {
        BadValue::Raw(goformat::string_slice(values))
    }

    /// A string map printed as Go's `%#v` of a `map[string]string`
    /// (`map[string]string{"app":"web"}`; `None` is a nil map).
    pub fn string_map(map: Option<&BTreeMap<String, String>>) -> Self {
        BadValue::Raw(goformat::string_map(map))
    }

    /// A `metav1.LabelSelector` printed as Go's `%#v` does.
    pub fn label_selector(selector: &LabelSelector) -> Self {
        BadValue::Raw(goformat::label_selector(selector))
    }

    /// An `intstr.IntOrString` printed as Go's `%#v` does.
    pub fn int_or_string(value: &IntOrString) -> Self {
        BadValue::Raw(goformat::int_or_string(value))
    }

    fn write_to(&self, out: &mut String) {
        match self {
            BadValue::Null => out.push_str("\"null\""),
            BadValue::Omitted => {}
            BadValue::Str(s) => goformat::quote_into(out, s),
            BadValue::Int(i) => out.push_str(&i.to_string()),
            BadValue::Float(f) => out.push_str(&goformat::float(*f)),
            BadValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            BadValue::Raw(s) => out.push_str(s),
        }
    }
}

impl From<&str> for BadValue {
    fn from(v: &str) -> Self {
        BadValue::Str(v.to_owned())
    }
}

impl From<String> for BadValue {
    fn from(v: String) -> Self {
        BadValue::Str(v)
    }
}

impl From<&String> for BadValue {
    fn from(v: &String) -> Self {
        BadValue::Str(v.clone())
    }
}

macro_rules! bad_value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for BadValue {
            fn from(v: $t) -> Self {
                BadValue::Int(i64::from(v))
            }
        }
    )*};
}
// Unsigned types are left out on purpose: Go prints them via `%#v` in hex.
bad_value_from_int!(i8, i16, i32, i64);

impl From<f64> for BadValue {
    fn from(v: f64) -> Self {
        BadValue::Float(v)
    }
}

impl From<bool> for BadValue {
    fn from(v: bool) -> Self {
        BadValue::Bool(v)
    }
}

impl<T: Into<BadValue>> From<Option<T>> for BadValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(BadValue::Null, Into::into)
    }
}

/// One field-level validation error.
///
/// `Display` renders `<field>: <body>`, e.g. `metadata.name: Required value`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// Why the field is invalid.
    pub kind: ErrorType,
    /// The rendered path of the field.
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Extra human-readable detail (may be empty).
    pub detail: String,
}

impl FieldError {
    fn build(kind: ErrorType, path: &Path, bad_value: BadValue, detail: String) -> Self {
        FieldError {
            kind,
            field: path.as_str().to_owned(),
            bad_value,
            detail,
        }
    }

    /// A required value is missing.
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (Required and friends)
    pub fn required(path: &Path, detail: impl Into<String>) -> Self {
        Self::build(
            ErrorType::Required,
            path,
            BadValue::Str(String::new()),
            detail.into(),
        )
    }

    /// A value is malformed.
    pub fn invalid(path: &Path, value: impl Into<BadValue>, detail: impl Into<String>) -> Self {
        Self::build(ErrorType::Invalid, path, value.into(), detail.into())
    }

    /// A value does not have the type the schema requires.
    pub fn type_invalid(
        path: &Path,
        value: impl Into<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        Self::build(ErrorType::TypeInvalid, path, value.into(), detail.into())
    }

    /// A value is not one of `supported`; the detail lists them quoted, in order.
    pub fn not_supported<S: AsRef<str>>(
        path: &Path,
        value: impl Into<BadValue>,
        supported: &[S],
    ) -> Self {
        let mut detail = String::new();
        if !supported.is_empty() {
            detail.push_str("supported values: ");
            for (i, v) in supported.iter().enumerate() {
                if i > 0 {
                    detail.push_str(", ");
                }
                goformat::quote_into(&mut detail, v.as_ref());
            }
        }
        Self::build(ErrorType::NotSupported, path, value.into(), detail)
    }

    /// A well-formed value is not allowed here.
    pub fn forbidden(path: &Path, detail: impl Into<String>) -> Self {
        Self::build(
            ErrorType::Forbidden,
            path,
            BadValue::Str(String::new()),
            detail.into(),
        )
    }

    /// A value that must be unique is repeated.
    pub fn duplicate(path: &Path, value: impl Into<BadValue>) -> Self {
        Self::build(ErrorType::Duplicate, path, value.into(), String::new())
    }

    /// A value that was looked up does not exist.
    pub fn not_found(path: &Path, value: impl Into<BadValue>) -> Self {
        Self::build(ErrorType::NotFound, path, value.into(), String::new())
    }

    /// A value is longer than `max_len` bytes (`None`: limit not stated).
    pub fn too_long(path: &Path, max_len: Option<usize>) -> Self {
        let detail = match max_len {
            Some(n) => format!("may not be more than {n} bytes"),
            None => "value is too long".to_owned(),
        };
        Self::build(
            ErrorType::TooLong,
            path,
            BadValue::Str("<value omitted>".into()),
            detail,
        )
    }

    /// A list has `actual` items (`None`: not stated) but at most `max` are
    /// allowed (`None`: limit not stated).
    pub fn too_many(path: &Path, actual: Option<usize>, max: Option<usize>) -> Self {
        let detail = match max {
            Some(n) => format!("must have at most {n} items"),
            None => "has too many items".to_owned(),
        };
        let value = match actual {
            Some(n) => BadValue::Int(i64::try_from(n).unwrap_or(i64::MAX)),
            None => BadValue::Omitted,
        };
        Self::build(ErrorType::TooMany, path, value, detail)
    }

    /// An internal failure not caused by user input.
    pub fn internal(path: &Path, err: impl fmt::Display) -> Self {
        Self::build(ErrorType::Internal, path, BadValue::Null, err.to_string())
    }

    /// The `metav1.StatusCause` type of this error (e.g. `FieldValueInvalid`).
    pub fn reason(&self) -> &'static str {
        self.kind.reason()
    }

    /// The message without the field, as put in `metav1.StatusCause.message`
    /// (e.g. `Invalid value: "Foo": must be lowercase`).
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go (ErrorBody)
    pub fn body(&self) -> String {
        let mut s = String::from(self.kind.message());
        let shows_value = !matches!(
            self.kind,
            ErrorType::Required | ErrorType::Forbidden | ErrorType::TooLong | ErrorType::Internal
        ) && self.bad_value != BadValue::Omitted;
        if shows_value {
            s.push_str(": ");
            self.bad_value.write_to(&mut s);
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// A list of [`FieldError`]s.
///
/// `Display` is the aggregate upstream embeds in `Invalid` Status messages
/// (`ErrorList.ToAggregate()`): duplicate messages are dropped, a single
/// message is shown bare and several are shown as `[a, b]`. An empty list
/// renders as the empty string.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorList(Vec<FieldError>);

impl ErrorList {
    /// An empty list.
    pub const fn new() -> Self {
        ErrorList(Vec::new())
    }

    /// Appends one error.
    pub fn push(&mut self, err: FieldError) {
        self.0.push(err);
    }

    /// Appends every error of `other`.
    pub fn append(&mut self, other: ErrorList) {
        self.0.extend(other.0);
    }

    /// The errors as a vector.
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(())` when empty, the list itself otherwise.
    pub fn into_result(self) -> Result<(), ErrorList> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::ops::Deref for ErrorList {
    type Target = [FieldError];
    fn deref(&self) -> &[FieldError] {
        &self.0
    }
}

impl From<Vec<FieldError>> for ErrorList {
    fn from(v: Vec<FieldError>) -> Self {
        ErrorList(v)
    }
}

impl From<FieldError> for ErrorList {
    fn from(e: FieldError) -> Self {
        ErrorList(vec![e])
    }
}

impl FromIterator<FieldError> for ErrorList {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        ErrorList(iter.into_iter().collect())
    }
}

impl Extend<FieldError> for ErrorList {
    fn extend<I: IntoIterator<Item = FieldError>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for ErrorList {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ErrorList {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for ErrorList {
    // k8s: staging/src/k8s.io/apimachinery/pkg/util/errors/errors.go (aggregate.Error)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&aggregate(self.0.iter().map(ToString::to_string)))
    }
}

impl std::error::Error for ErrorList {}

/// Joins error messages as upstream's aggregate error does: duplicates
/// dropped, one message bare, several as `[a, b]`.
pub fn aggregate<I: IntoIterator<Item = String>>(messages: I) -> String {
    let mut seen = BTreeSet::new();
    let mut joined = String::new();
    for msg in messages {
        if seen.contains(&msg) {
            continue;
        }
        if !seen.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(&msg);
        seen.insert(msg);
    }
    if seen.len() > 1 {
        format!("[{joined}]")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rendering() {
        let spec = Path::new("spec");
        assert_eq!(
            spec.child("containers").index(0).child("name").as_str(),
            "spec.containers[0].name"
        );
        assert_eq!(
            Path::new("metadata").child("labels").key("app").to_string(),
            "metadata.labels[app]"
        );
        assert_eq!(Path::nil().to_string(), "<nil>");
        assert!(Path::nil().is_nil());
        assert_eq!(Path::nil().child("key").as_str(), "key");
        assert_eq!(
            Path::nil().child("values").index(1).key("a").as_str(),
            "values[1][a]"
        );
        assert_eq!(Path::nil().index(0).child("a").as_str(), "[0].a");
        assert_eq!(Path::new("").as_str(), "[]");
        assert_eq!(Path::new("a").child("").child("b").as_str(), "a[].b");
        assert_eq!(Path::new("a").key("").as_str(), "a[]");
        assert_eq!(Path::new("a").key("x.y/z").as_str(), "a[x.y/z]");
    }

    #[test]
    fn error_renderings() {
        let p = Path::new("spec").child("containers").index(0).child("name");
        assert_eq!(
            FieldError::required(&p, "").to_string(),
            "spec.containers[0].name: Required value"
        );
        assert_eq!(
            FieldError::required(
                &Path::new("metadata").child("name"),
                "name or generateName is required"
            )
            .to_string(),
            "metadata.name: Required value: name or generateName is required"
        );
        assert_eq!(
            FieldError::invalid(&Path::new("metadata").child("name"), "Foo", "bad").to_string(),
            r#"metadata.name: Invalid value: "Foo": bad"#
        );
        assert_eq!(
            FieldError::not_supported(
                &Path::new("spec").child("restartPolicy"),
                "x",
                &["Always", "Never", "OnFailure"]
            )
            .to_string(),
            r#"spec.restartPolicy: Unsupported value: "x": supported values: "Always", "Never", "OnFailure""#
        );
        assert_eq!(
            FieldError::not_supported::<&str>(&Path::new("a"), "x", &[]).to_string(),
            r#"a: Unsupported value: "x""#
        );
        assert_eq!(
            FieldError::forbidden(&Path::new("spec").child("x"), "not allowed").to_string(),
            "spec.x: Forbidden: not allowed"
        );
        assert_eq!(
            FieldError::forbidden(&Path::new("a"), "").to_string(),
            "a: Forbidden"
        );
        assert_eq!(
            FieldError::duplicate(&Path::new("a").index(1), "x").to_string(),
            r#"a[1]: Duplicate value: "x""#
        );
        assert_eq!(
            FieldError::not_found(&Path::new("a"), 5i64).to_string(),
            "a: Not found: 5"
        );
        assert_eq!(
            FieldError::too_long(&Path::new("metadata").child("annotations"), Some(262144))
                .to_string(),
            "metadata.annotations: Too long: may not be more than 262144 bytes"
        );
        assert_eq!(
            FieldError::too_long(&Path::new("a"), None).to_string(),
            "a: Too long: value is too long"
        );
        assert_eq!(
            FieldError::too_many(&Path::new("a"), Some(5), Some(3)).to_string(),
            "a: Too many: 5: must have at most 3 items"
        );
        assert_eq!(
            FieldError::too_many(&Path::new("a"), None, None).to_string(),
            "a: Too many: has too many items"
        );
        assert_eq!(
            FieldError::type_invalid(&Path::new("a"), "x", "must be int").to_string(),
            r#"a: Invalid value: "x": must be int"#
        );
        assert_eq!(
            FieldError::internal(&Path::new("a"), "boom").to_string(),
            "a: Internal error: boom"
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), true, "").to_string(),
            "a: Invalid value: true"
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), -3i32, "x").to_string(),
            "a: Invalid value: -3: x"
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), 1.5f64, "x").to_string(),
            "a: Invalid value: 1.5: x"
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), BadValue::Null, "x").to_string(),
            r#"a: Invalid value: "null": x"#
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), None::<i64>, "x").to_string(),
            r#"a: Invalid value: "null": x"#
        );
        assert_eq!(
            FieldError::invalid(&Path::new("a"), BadValue::string_list(&["x"]), "y").to_string(),
            r#"a: Invalid value: []string{"x"}: y"#
        );
        assert_eq!(
            FieldError::invalid(&Path::nil(), "k", "y").to_string(),
            r#"<nil>: Invalid value: "k": y"#
        );
    }

    #[test]
    fn reasons() {
        let p = Path::new("a");
        let cases = [
            (FieldError::required(&p, ""), "FieldValueRequired"),
            (FieldError::invalid(&p, "", ""), "FieldValueInvalid"),
            (
                FieldError::not_supported::<&str>(&p, "", &[]),
                "FieldValueNotSupported",
            ),
            (FieldError::forbidden(&p, ""), "FieldValueForbidden"),
            (FieldError::duplicate(&p, ""), "FieldValueDuplicate"),
            (FieldError::not_found(&p, ""), "FieldValueNotFound"),
            (FieldError::too_long(&p, None), "FieldValueTooLong"),
            (FieldError::too_many(&p, None, None), "FieldValueTooMany"),
            (
                FieldError::type_invalid(&p, "", ""),
                "FieldValueTypeInvalid",
            ),
            (FieldError::internal(&p, "x"), "InternalError"),
        ];
        for (err, reason) in cases {
            assert_eq!(err.reason(), reason);
        }
    }

    #[test]
    fn body_has_no_field() {
        let e = FieldError::invalid(&Path::new("metadata").child("name"), "Foo", "bad");
        assert_eq!(e.body(), r#"Invalid value: "Foo": bad"#);
        assert_eq!(e.field, "metadata.name");
    }

    #[test]
    fn aggregate_rendering() {
        let mut list = ErrorList::new();
        assert_eq!(list.to_string(), "");
        assert!(list.clone().into_result().is_ok());
        list.push(FieldError::required(&Path::new("a"), ""));
        assert_eq!(list.to_string(), "a: Required value");
        list.push(FieldError::required(&Path::new("a"), ""));
        assert_eq!(
            list.to_string(),
            "a: Required value",
            "duplicates collapse to one, without brackets"
        );
        list.push(FieldError::forbidden(&Path::new("b"), "no"));
        assert_eq!(list.to_string(), "[a: Required value, b: Forbidden: no]");
        assert_eq!(list.len(), 3);
        assert!(list.into_result().is_err());
    }
}
