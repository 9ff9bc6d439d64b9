//! Label selectors: the string form (`app=web,tier in (a,b),!canary`), the
//! structured `metav1.LabelSelector` form, validation with upstream's
//! messages, matching and canonical rendering.
//!
//! A [`Selector`] is parsed once and then matched many times: matching does
//! not allocate (values are kept sorted and searched, integer bounds are
//! parsed at construction). Counterpart:
//! k8s.io/apimachinery/pkg/labels (selector.go, labels.go),
//! LabelSelectorAsSelector in k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go
//! and ValidateLabelSelector in k8s.io/apimachinery/pkg/apis/meta/v1/validation.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::goformat;
use crate::validation::{
    BadValue, ErrorList, FieldError, Path, is_qualified_name, is_valid_label_value, validate_labels,
};

/// Longest selector string [`Selector::parse`] accepts. Upstream has no limit
/// of its own, but Go's HTTP server refuses request lines and headers beyond
/// 1 MiB, so no longer selector can reach it; refusing here bounds our work.
pub const MAX_SELECTOR_BYTES: usize = 1 << 20;

/// Errors from parsing or building label selectors. The `Display` texts are
/// upstream's, since clients show them to users.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A requirement of the string form could not be parsed or is invalid.
    #[error("unable to parse requirement: {0}")]
    Requirement(#[source] Box<Error>),
    /// The parser met `found` where it expected something else.
    #[error("found '{found}', expected: {expected}")]
    Unexpected {
        /// The literal text found (empty at the end of the string).
        found: String,
        /// What the grammar allowed there.
        expected: &'static str,
    },
    /// `in`/`notin` not followed by `(`.
    #[error("found '{found}' expected: '('")]
    MissingOpenParen {
        /// The literal text found instead.
        found: String,
    },
    /// A key, operator or values failed validation.
    #[error(transparent)]
    Invalid(ErrorList),
    /// A structured selector used an operator other than In, NotIn, Exists or
    /// DoesNotExist.
    #[error("{} is not a valid label selector operator", goformat::quote(.operator))]
    UnknownOperator {
        /// The operator as given.
        operator: String,
    },
    /// The selector string is longer than [`MAX_SELECTOR_BYTES`].
    #[error("label selector is too long: {len} bytes, at most {max} are allowed")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Result of this module's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Read access to a set of labels, so selectors can match maps, JSON objects
/// or pair lists without copying.
pub trait Labels {
    /// The value of label `key`, if the label is present.
    fn get(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<&str> {
        BTreeMap::get(self, key).map(String::as_str)
    }
}

impl<S: BuildHasher> Labels for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key).map(String::as_str)
    }
}

/// A JSON object such as `metadata.labels` of a stored object; non-string
/// values count as absent.
impl Labels for serde_json::Map<String, serde_json::Value> {
    fn get(&self, key: &str) -> Option<&str> {
        serde_json::Map::get(self, key).and_then(serde_json::Value::as_str)
    }
}

/// A list of `(key, value)` pairs; the first pair with the key wins.
impl<K: AsRef<str>, V: AsRef<str>> Labels for [(K, V)] {
    fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Labels for [(K, V); N] {
    fn get(&self, key: &str) -> Option<&str> {
        Labels::get(self.as_slice(), key)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Labels for Vec<(K, V)> {
    fn get(&self, key: &str) -> Option<&str> {
        Labels::get(self.as_slice(), key)
    }
}

impl<T: Labels + ?Sized> Labels for &T {
    fn get(&self, key: &str) -> Option<&str> {
        (**self).get(key)
    }
}

/// Absent labels (e.g. `metadata.labels` not set) behave as an empty set.
impl<T: Labels> Labels for Option<T> {
    fn get(&self, key: &str) -> Option<&str> {
        self.as_ref().and_then(|l| l.get(key))
    }
}

/// How a [`Requirement`] relates its key and values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key in (a,b)`: the label is present with one of the values.
    In,
    /// `key notin (a,b)`: the label is absent or has none of the values.
    NotIn,
    /// `key=a`: the label is present with the value.
    Equals,
    /// `key==a`: same as [`Operator::Equals`].
    DoubleEquals,
    /// `key!=a`: the label is absent or has another value.
    NotEquals,
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key>5`: the label is present and an integer greater than the value.
    GreaterThan,
    /// `key<5`: the label is present and an integer less than the value.
    LessThan,
}

impl Operator {
    /// Upstream's `selection.Operator` string (`in`, `notin`, `=`, `==`,
    /// `!=`, `exists`, `!`, `gt`, `lt`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One condition of a selector: a key, an operator and values.
///
/// Only built through validating constructors, so every requirement is valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    /// Sorted, so membership is a binary search and `Display` needs no sort.
    values: Vec<String>,
    /// The integer operand of `gt`/`lt` (0 otherwise).
    bound: i64,
}

impl Requirement {
    /// Builds a validated requirement, as upstream's `NewRequirement`: the key
    /// must be a qualified name and values label values; `in`/`notin` need at
    /// least one value, `=`/`==`/`!=` exactly one, `exists`/`!` none, and
    /// `gt`/`lt` exactly one integer. Every problem is reported (paths `key`,
    /// `values`, `values[i]`, `values[i][key]`).
    pub fn new(key: impl Into<String>, operator: Operator, values: Vec<String>) -> Result<Self> {
        Self::new_at(key.into(), operator, values, &Path::nil())
    }

    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (NewRequirement)
    fn new_at(
        key: String,
        operator: Operator,
        mut values: Vec<String>,
        path: &Path,
    ) -> Result<Self> {
        let mut errs = ErrorList::new();
        let key_errs = is_qualified_name(&key);
        if !key_errs.is_empty() {
            errs.push(FieldError::invalid(
                &path.child("key"),
                key.as_str(),
                key_errs.join("; "),
            ));
        }
        let values_path = path.child("values");
        let mut bound = 0;
        match operator {
            Operator::In | Operator::NotIn if values.is_empty() => errs.push(FieldError::invalid(
                &values_path,
                BadValue::string_list(&values),
                "for 'in', 'notin' operators, values set can't be empty",
            )),
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals
                if values.len() != 1 =>
            {
                errs.push(FieldError::invalid(
                    &values_path,
                    BadValue::string_list(&values),
                    "exact-match compatibility requires one single value",
                ))
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                errs.push(FieldError::invalid(
                    &values_path,
                    BadValue::string_list(&values),
                    "values set must be empty for exists and does not exist",
                ))
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(FieldError::invalid(
                        &values_path,
                        BadValue::string_list(&values),
                        "for 'Gt', 'Lt' operators, exactly one value is required",
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    match v.parse::<i64>() {
                        Ok(n) => bound = n,
                        Err(_) => errs.push(FieldError::invalid(
                            &values_path.index(i),
                            v.as_str(),
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        )),
                    }
                }
            }
            _ => {}
        }
        for (i, v) in values.iter().enumerate() {
            let value_errs = is_valid_label_value(v);
            if !value_errs.is_empty() {
                errs.push(FieldError::invalid(
                    &values_path.index(i).key(&key),
                    v.as_str(),
                    value_errs.join("; "),
                ));
            }
        }
        if !errs.is_empty() {
            return Err(Error::Invalid(errs));
        }
        values.sort_unstable();
        Ok(Requirement {
            key,
            operator,
            values,
            bound,
        })
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, sorted (duplicates from a structured selector are kept).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, value: &str) -> bool {
        match self.values.as_slice() {
            [only] => only == value,
            all => all.binary_search_by(|v| v.as_str().cmp(value)).is_ok(),
        }
    }

    /// Whether `labels` satisfy this requirement. `notin`/`!=` match when the
    /// label is absent; `gt`/`lt` never match a non-integer label.
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Requirement.Matches)
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                value.is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => value.is_none_or(|v| !self.has_value(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|n| n > self.bound),
            Operator::LessThan => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|n| n < self.bound),
        }
    }
}

impl fmt::Display for Requirement {
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Requirement.String)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (op, open, close) = match self.operator {
            Operator::Exists => return f.write_str(&self.key),
            Operator::DoesNotExist => return write!(f, "!{}", self.key),
            Operator::Equals => ("=", "", ""),
            Operator::DoubleEquals => ("==", "", ""),
            Operator::NotEquals => ("!=", "", ""),
            Operator::In => (" in ", "(", ")"),
            Operator::NotIn => (" notin ", "(", ")"),
            Operator::GreaterThan => (">", "", ""),
            Operator::LessThan => ("<", "", ""),
        };
        write!(f, "{}{op}{open}", self.key)?;
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(v)?;
        }
        f.write_str(close)
    }
}

/// A parsed label selector: the AND of its requirements, or "nothing".
///
/// `Display` is upstream's canonical `String()`: requirements sorted by key,
/// values sorted, no spaces except around `in`/`notin`. The default selector
/// is [`Selector::everything`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `None` is the selector that matches nothing.
    requirements: Option<Vec<Requirement>>,
}

impl Default for Selector {
    fn default() -> Self {
        Selector::everything()
    }
}

impl Selector {
    /// The selector that matches every label set (the empty selector).
    pub const fn everything() -> Self {
        Selector {
            requirements: Some(Vec::new()),
        }
    }

    /// The selector that matches nothing (an absent structured selector). It
    /// renders as the empty string.
    pub const fn nothing() -> Self {
        Selector { requirements: None }
    }

    /// Parses the string form, e.g. `x in (foo,,baz),y,z notin (),!w,n>4`.
    ///
    /// Grammar: comma-separated requirements, each `[!]KEY`,
    /// `KEY (=|==|!=|>|<) VALUE` or `KEY (in|notin) (VALUE, ...)`; blanks
    /// (space, tab, CR, LF) separate tokens. The empty string selects
    /// everything.
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Parse)
    pub fn parse(selector: &str) -> Result<Self> {
        if selector.len() > MAX_SELECTOR_BYTES {
            return Err(Error::TooLong {
                len: selector.len(),
                max: MAX_SELECTOR_BYTES,
            });
        }
        let mut requirements = Parser::new(selector).parse()?;
        // Stable, so equal keys keep their written order.
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements: Some(requirements),
        })
    }

    /// A selector requiring each `key=value` of `set`, without validating
    /// them (for sets that are already valid, e.g. stored labels). An empty
    /// set selects everything.
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (SelectorFromValidatedSet)
    pub fn from_set<K, V>(set: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut requirements: Vec<Requirement> = set
            .into_iter()
            .map(|(k, v)| Requirement {
                key: k.into(),
                operator: Operator::Equals,
                values: vec![v.into()],
                bound: 0,
            })
            .collect();
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Selector {
            requirements: Some(requirements),
        }
    }

    /// Like [`Selector::from_set`] but validates keys and values first.
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (ValidatedSelectorFromSet)
    pub fn validated_from_set<K, V>(set: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut requirements = set
            .into_iter()
            .map(|(k, v)| Requirement::new(k, Operator::Equals, vec![v.into()]))
            .collect::<Result<Vec<_>>>()?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements: Some(requirements),
        })
    }

    /// Converts a structured selector: `None` (absent) selects nothing, an
    /// empty one selects everything; `matchLabels` become `=` requirements and
    /// `matchExpressions` use In/NotIn/Exists/DoesNotExist.
    // k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector)
    pub fn from_label_selector(selector: Option<&LabelSelector>) -> Result<Self> {
        let Some(ls) = selector else {
            return Ok(Selector::nothing());
        };
        let mut requirements =
            Vec::with_capacity(ls.match_labels.len() + ls.match_expressions.len());
        for (k, v) in &ls.match_labels {
            requirements.push(Requirement::new(
                k.clone(),
                Operator::Equals,
                vec![v.clone()],
            )?);
        }
        for expr in &ls.match_expressions {
            let operator = match expr.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(Error::UnknownOperator {
                        operator: other.to_owned(),
                    });
                }
            };
            requirements.push(Requirement::new(
                expr.key.clone(),
                operator,
                expr.values.clone(),
            )?);
        }
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements: Some(requirements),
        })
    }

    /// Adds requirements (AND), keeping them sorted by key. Adding to
    /// [`Selector::nothing`] leaves it unchanged.
    pub fn with_requirements(
        mut self,
        requirements: impl IntoIterator<Item = Requirement>,
    ) -> Self {
        if let Some(reqs) = &mut self.requirements {
            reqs.extend(requirements);
            reqs.sort_by(|a, b| a.key.cmp(&b.key));
        }
        self
    }

    /// Whether `labels` satisfy every requirement. Does not allocate.
    pub fn matches<L: Labels + ?Sized>(&self, labels: &L) -> bool {
        match &self.requirements {
            None => false,
            Some(reqs) => reqs.iter().all(|r| r.matches(labels)),
        }
    }

    /// Whether this selector has no requirements and so selects everything
    /// (upstream's `Empty()`; false for [`Selector::nothing`]).
    pub fn is_everything(&self) -> bool {
        self.requirements.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether this is [`Selector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.requirements.is_none()
    }

    /// The requirements, sorted by key (empty for everything and nothing).
    pub fn requirements(&self) -> &[Requirement] {
        self.requirements.as_deref().unwrap_or_default()
    }

    /// If the first requirement on `key` pins it to one value (`=`, `==`, or
    /// `in` with one value), that value. Lets callers use an index.
    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (RequiresExactMatch)
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let r = self.requirements().iter().find(|r| r.key == key)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [only]) => Some(only),
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl FromStr for Selector {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Selector::parse(s)
    }
}

impl TryFrom<&LabelSelector> for Selector {
    type Error = Error;
    fn try_from(ls: &LabelSelector) -> Result<Self> {
        Selector::from_label_selector(Some(ls))
    }
}

/// The structured `metav1.LabelSelector`, as found in Deployment, Service,
/// NetworkPolicy... Deserializes from its JSON (e.g.
/// `LabelSelector::deserialize(&json_value)`); empty fields are omitted when
/// serializing, as upstream's `omitempty` does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `key: value` pairs that must all be present.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements that must all hold.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One `matchExpressions` entry of a [`LabelSelector`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist` (kept as text so unknown
    /// operators get upstream's message instead of a decoding error).
    #[serde(default)]
    pub operator: String,
    /// The values; required for In/NotIn, forbidden for Exists/DoesNotExist.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub values: Vec<String>,
}

impl From<&k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector> for LabelSelector {
    fn from(selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector) -> Self {
        LabelSelector {
            match_labels: selector.match_labels.clone().unwrap_or_default(),
            match_expressions: selector
                .match_expressions
                .iter()
                .flatten()
                .map(|e| LabelSelectorRequirement {
                    key: e.key.clone(),
                    operator: e.operator.clone(),
                    values: e.values.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// JSON `null` decodes as the empty collection, as Go's decoder does.
fn null_as_default<'de, D, T>(de: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// Options of [`LabelSelector::validate`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelSelectorValidationOptions {
    /// Accept values that are not valid label values (for updates of objects
    /// stored before the check existed).
    pub allow_invalid_label_value_in_selector: bool,
    /// Accept operators other than In/NotIn/Exists/DoesNotExist.
    pub allow_unknown_operator_in_requirement: bool,
}

impl LabelSelector {
    /// Validates the selector as part of an object, reporting every problem
    /// under `path` (e.g. `spec.selector.matchExpressions[0].values`).
    // k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabelSelector)
    pub fn validate(&self, opts: LabelSelectorValidationOptions, path: &Path) -> ErrorList {
        let mut errs = validate_labels(&self.match_labels, &path.child("matchLabels"));
        let exprs_path = path.child("matchExpressions");
        for (i, expr) in self.match_expressions.iter().enumerate() {
            errs.append(expr.validate(opts, &exprs_path.index(i)));
        }
        errs
    }

    /// Whether some `matchExpressions` value is not a valid label value.
    pub fn has_invalid_label_value(&self) -> bool {
        self.match_expressions
            .iter()
            .flat_map(|e| &e.values)
            .any(|v| !is_valid_label_value(v).is_empty())
    }
}

impl LabelSelectorRequirement {
    /// Validates one expression (see [`LabelSelector::validate`]).
    // k8s: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go (ValidateLabelSelectorRequirement)
    pub fn validate(&self, opts: LabelSelectorValidationOptions, path: &Path) -> ErrorList {
        let mut errs = ErrorList::new();
        let values_path = path.child("values");
        match self.operator.as_str() {
            "In" | "NotIn" => {
                if self.values.is_empty() {
                    errs.push(FieldError::required(
                        &values_path,
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !self.values.is_empty() {
                    errs.push(FieldError::forbidden(
                        &values_path,
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            _ => {
                if !opts.allow_unknown_operator_in_requirement {
                    errs.push(FieldError::invalid(
                        &path.child("operator"),
                        self.operator.as_str(),
                        "not a valid selector operator",
                    ));
                }
            }
        }
        errs.append(crate::validation::validate_label_name(
            &self.key,
            &path.child("key"),
        ));
        if !opts.allow_invalid_label_value_in_selector {
            for (i, v) in self.values.iter().enumerate() {
                for msg in is_valid_label_value(v) {
                    errs.push(FieldError::invalid(&values_path.index(i), v.as_str(), msg));
                }
            }
        }
        errs
    }
}

// ---------------------------------------------------------------------------
// Lexer and parser of the string form.
// k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Lexer, Parser)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// Never produced for real input (every special byte starts a token); kept
    /// so the scanner has no impossible branch to panic in.
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::DoesNotExist,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::GreaterThan,
        "in" => Tok::In,
        "<" => Tok::LessThan,
        "!=" => Tok::NotEquals,
        "notin" => Tok::NotIn,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Tokenizer over bytes. Like upstream, a NUL byte reads as "end of input":
/// it ends the selector where a token would start and otherwise just ends the
/// current token; we keep that so odd inputs parse identically.
struct Lexer<'a> {
    s: &'a str,
    pos: usize,
    ended: bool,
}

impl<'a> Lexer<'a> {
    /// Next byte, or 0 past the end (a NUL byte in the input is consumed).
    fn read(&mut self) -> u8 {
        match self.s.as_bytes().get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    /// Only called right after a `read` that returned a non-zero byte.
    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        // Token boundaries sit next to ASCII bytes, so this always succeeds.
        self.s.get(start..end).unwrap_or_default()
    }

    fn lex(&mut self) -> (Tok, &'a str) {
        if self.ended {
            return (Tok::EndOfString, "");
        }
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            self.ended = true;
            return (Tok::EndOfString, "");
        }
        self.unread();
        if is_special(ch) {
            self.scan_special()
        } else {
            self.scan_identifier_or_keyword()
        }
    }

    fn scan_identifier_or_keyword(&mut self) -> (Tok, &'a str) {
        let start = self.pos;
        let end = loop {
            let before = self.pos;
            let ch = self.read();
            if ch == 0 {
                break before;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break before;
            }
        };
        let lit = self.slice(start, end);
        (keyword(lit).unwrap_or(Tok::Identifier), lit)
    }

    /// Longest run of special bytes that is a token (`!=`, `==` or one byte).
    fn scan_special(&mut self) -> (Tok, &'a str) {
        let start = self.pos;
        let mut last: Option<(Tok, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special(ch) {
                self.unread();
                break;
            }
            match keyword(self.slice(start, self.pos)) {
                Some(tok) => last = Some((tok, self.pos)),
                None if last.is_some() => {
                    self.unread();
                    break;
                }
                None => {}
            }
        }
        match last {
            Some((tok, end)) => (tok, self.slice(start, end)),
            None => (Tok::Error, self.slice(start, self.pos)),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// `in`/`notin` are operators.
    KeyAndOperator,
    /// `in`/`notin` are plain identifiers (keys or values).
    Values,
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    peeked: Option<(Tok, &'a str)>,
}

fn unexpected(found: &str, expected: &'static str) -> Error {
    Error::Unexpected {
        found: found.to_owned(),
        expected,
    }
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Self {
        Parser {
            lexer: Lexer {
                s,
                pos: 0,
                ended: false,
            },
            peeked: None,
        }
    }

    fn in_context((tok, lit): (Tok, &'a str), ctx: Context) -> (Tok, &'a str) {
        match tok {
            Tok::In | Tok::NotIn if ctx == Context::Values => (Tok::Identifier, lit),
            _ => (tok, lit),
        }
    }

    fn lookahead(&mut self, ctx: Context) -> (Tok, &'a str) {
        let item = match self.peeked {
            Some(item) => item,
            None => {
                let item = self.lexer.lex();
                self.peeked = Some(item);
                item
            }
        };
        Self::in_context(item, ctx)
    }

    fn consume(&mut self, ctx: Context) -> (Tok, &'a str) {
        let item = self.peeked.take().unwrap_or_else(|| self.lexer.lex());
        Self::in_context(item, ctx)
    }

    // k8s: staging/src/k8s.io/apimachinery/pkg/labels/selector.go (Parser.parse)
    fn parse(&mut self) -> Result<Vec<Requirement>> {
        let mut requirements = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Tok::Identifier | Tok::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| Error::Requirement(Box::new(e)))?;
                    requirements.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Tok::EndOfString => return Ok(requirements),
                        Tok::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Tok::Identifier && t2 != Tok::DoesNotExist {
                                return Err(unexpected(l2, "identifier after ','"));
                            }
                        }
                        _ => return Err(unexpected(l, "',' or 'end of string'")),
                    }
                }
                Tok::EndOfString => return Ok(requirements),
                _ => return Err(unexpected(lit, "!, identifier, or 'end of string'")),
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement> {
        let (key, operator) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = operator {
            return Requirement::new_at(key.to_owned(), op, Vec::new(), &Path::nil());
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        let values = values.into_iter().map(str::to_owned).collect();
        Requirement::new_at(key.to_owned(), operator, values, &Path::nil())
    }

    /// Reads `[!]KEY`; infers `exists` when nothing follows the key.
    fn parse_key_and_infer_operator(&mut self) -> Result<(&'a str, Option<Operator>)> {
        let mut operator = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Tok::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Tok::Identifier {
            return Err(unexpected(lit, "identifier"));
        }
        let key_errs = is_qualified_name(lit);
        if !key_errs.is_empty() {
            return Err(Error::Invalid(
                FieldError::invalid(&Path::nil(), lit, key_errs.join("; ")).into(),
            ));
        }
        let (next, _) = self.lookahead(Context::Values);
        if matches!(next, Tok::EndOfString | Tok::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((lit, operator))
    }

    fn parse_operator(&mut self) -> Result<Operator> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Tok::In => Operator::In,
            Tok::Equals => Operator::Equals,
            Tok::DoubleEquals => Operator::DoubleEquals,
            Tok::GreaterThan => Operator::GreaterThan,
            Tok::LessThan => Operator::LessThan,
            Tok::NotIn => Operator::NotIn,
            Tok::NotEquals => Operator::NotEquals,
            _ => return Err(unexpected(lit, "in, notin, =, ==, !=, gt, lt")),
        })
    }

    /// Reads `(v1,v2,...)`; empty entries are the empty value.
    fn parse_values(&mut self) -> Result<BTreeSet<&'a str>> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Tok::OpenPar {
            return Err(Error::MissingOpenParen {
                found: lit.to_owned(),
            });
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Tok::Identifier | Tok::Comma => {
                let set = self.parse_identifiers_list()?;
                let (tok, _) = self.consume(Context::Values);
                if tok != Tok::ClosedPar {
                    return Err(unexpected(lit, "')'"));
                }
                Ok(set)
            }
            Tok::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([""]))
            }
            _ => Err(unexpected(lit, "',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<&'a str>> {
        let mut set = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Tok::Identifier => {
                    set.insert(lit);
                    let (next, next_lit) = self.lookahead(Context::Values);
                    match next {
                        Tok::Comma => {}
                        Tok::ClosedPar => return Ok(set),
                        _ => return Err(unexpected(next_lit, "',' or ')'")),
                    }
                }
                Tok::Comma => {
                    if set.is_empty() {
                        set.insert("");
                    }
                    match self.lookahead(Context::Values).0 {
                        Tok::ClosedPar => {
                            set.insert("");
                            return Ok(set);
                        }
                        Tok::Comma => {
                            self.consume(Context::Values);
                            set.insert("");
                        }
                        _ => {}
                    }
                }
                _ => return Err(unexpected(lit, "',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<&'a str>> {
        if matches!(
            self.lookahead(Context::Values).0,
            Tok::EndOfString | Tok::Comma
        ) {
            return Ok(BTreeSet::from([""]));
        }
        match self.consume(Context::Values) {
            (Tok::Identifier, lit) => Ok(BTreeSet::from([lit])),
            (_, lit) => Err(unexpected(lit, "identifier")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Selector {
        match Selector::parse(s) {
            Ok(sel) => sel,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn err(s: &str) -> String {
        match Selector::parse(s) {
            Ok(sel) => panic!("{s:?} parsed as {sel}"),
            Err(e) => e.to_string(),
        }
    }

    fn set(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    #[test]
    fn canonical_round_trips() {
        // Upstream's own good strings: the canonical form is the input without blanks.
        for s in [
            "x=a,y=b,z=c",
            "",
            "x!=a,y=b",
            "x=",
            "x= ",
            "x=,z= ",
            "x= ,z= ",
            "!x",
            "x>1",
            "x>1,z<5",
            "x==a",
            "a.b/c-d_e=f",
        ] {
            assert_eq!(parse(s).to_string(), s.replace(' ', ""), "{s}");
        }
    }

    #[test]
    fn canonical_form_sorts_and_dedups() {
        assert_eq!(parse("x=a,a=x").to_string(), "a=x,x=a");
        assert_eq!(parse("a=x,x=a").to_string(), parse("x=a,a=x").to_string());
        assert_eq!(parse("x in (c,b,a,b)").to_string(), "x in (a,b,c)");
        assert_eq!(
            parse("x in (foo,,baz),y,z notin ()").to_string(),
            "x in (,baz,foo),y,z notin ()"
        );
        assert_eq!(parse("x in (a,)").to_string(), "x in (,a)");
        assert_eq!(parse("x notin (b,a)").to_string(), "x notin (a,b)");
        assert_eq!(parse("x in(a)").to_string(), "x in (a)");
        assert_eq!(parse("x in (,)").to_string(), "x in ()");
        assert_eq!(parse("x in (a,,,b)").to_string(), "x in (,a,b)");
        assert_eq!(parse(" \t\r\nx  =  a ,\n y ").to_string(), "x=a,y");
        assert_eq!(
            parse("b=1,a,b!=2").to_string(),
            "a,b=1,b!=2",
            "equal keys keep input order"
        );
        assert_eq!(parse("in in (in,notin)").to_string(), "in in (in,notin)");
        assert_eq!(parse("notin=in").to_string(), "notin=in");
        assert_eq!(parse("x=in").to_string(), "x=in");
    }

    /// Selector, labels, expected match.
    type MatchCase = (&'static str, &'static [(&'static str, &'static str)], bool);

    #[test]
    fn matching() {
        let cases: &[MatchCase] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x", &[("x", "z")], true),
            ("!x", &[("y", "z")], true),
            ("x>1", &[("x", "2")], true),
            ("x<1", &[("x", "0")], true),
            ("x<1", &[("x", "-5")], true),
            ("x>1", &[("x", "+2")], true),
            ("x=z", &[], false),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("x", &[("y", "z")], false),
            ("!x", &[("x", "z")], false),
            ("x>1", &[("x", "0")], false),
            ("x<1", &[("x", "2")], false),
            ("x>1", &[("x", "a")], false),
            ("x>1", &[], false),
            ("x<1", &[("x", "")], false),
            ("x in (a,b)", &[("x", "b")], true),
            ("x in (a,b)", &[("x", "c")], false),
            ("x in (a,b)", &[], false),
            ("x notin (a,b)", &[], true),
            ("x notin (a,b)", &[("x", "a")], false),
            ("x notin (a,b)", &[("x", "c")], true),
            ("x in (,a)", &[("x", "")], true),
            ("x=", &[("x", "")], true),
            ("x=", &[], false),
            ("x!=", &[], true),
            ("foo=bar,baz=blah", &[("foo", "bar"), ("baz", "blah")], true),
        ];
        for (sel, labels, want) in cases {
            let s = parse(sel);
            assert_eq!(s.matches(&set(labels)), *want, "{sel} vs {labels:?}");
            assert_eq!(s.matches(*labels), *want, "{sel} vs slice {labels:?}");
        }
    }

    #[test]
    fn labels_sources() {
        let sel = parse("app=web,!canary");
        let hm: HashMap<String, String> =
            [("app".to_owned(), "web".to_owned())].into_iter().collect();
        assert!(sel.matches(&hm));
        let json = serde_json::json!({"app": "web", "n": 1});
        let obj = json.as_object().cloned().unwrap_or_default();
        assert!(sel.matches(&obj));
        assert!(
            !parse("n").matches(&obj),
            "non-string JSON values are absent"
        );
        let none: Option<&BTreeMap<String, String>> = None;
        assert!(!sel.matches(&none));
        assert!(parse("!app").matches(&none));
        assert!(sel.matches(&Some(&set(&[("app", "web")]))));
        assert!(sel.matches(&[("app", "web")]));
        assert!(sel.matches(&vec![("app".to_owned(), "web".to_owned())]));
    }

    #[test]
    fn syntax_errors() {
        let ops = "in, notin, =, ==, !=, gt, lt";
        let cases = [
            (
                "x=a||y=b",
                format!(
                    r#"unable to parse requirement: values[0][x]: Invalid value: "a||y": {LABEL_VALUE_MSG}"#
                ),
            ),
            (
                "x==a==b",
                "found '==', expected: ',' or 'end of string'".to_owned(),
            ),
            (
                "!x=a",
                "found '=', expected: ',' or 'end of string'".to_owned(),
            ),
            (
                "x=a,",
                "found '', expected: identifier after ','".to_owned(),
            ),
            (
                ",x",
                "found ',', expected: !, identifier, or 'end of string'".to_owned(),
            ),
            (
                "=x",
                "found '=', expected: !, identifier, or 'end of string'".to_owned(),
            ),
            (
                "x y",
                format!("unable to parse requirement: found 'y', expected: {ops}"),
            ),
            (
                "x (",
                format!("unable to parse requirement: found '(', expected: {ops}"),
            ),
            (
                "x !",
                format!("unable to parse requirement: found '!', expected: {ops}"),
            ),
            (
                "x in",
                "unable to parse requirement: found '' expected: '('".to_owned(),
            ),
            (
                "x in a",
                "unable to parse requirement: found 'a' expected: '('".to_owned(),
            ),
            (
                "x in (",
                "unable to parse requirement: found '', expected: ',', ')' or identifier"
                    .to_owned(),
            ),
            (
                "x in (a",
                "unable to parse requirement: found '', expected: ',' or ')'".to_owned(),
            ),
            (
                "x in (a b)",
                "unable to parse requirement: found 'b', expected: ',' or ')'".to_owned(),
            ),
            (
                "x in (a,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier".to_owned(),
            ),
            (
                "x in (a,",
                "unable to parse requirement: found '', expected: ',', or identifier".to_owned(),
            ),
            (
                "x in (=",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier"
                    .to_owned(),
            ),
            (
                "x=(a)",
                "unable to parse requirement: found '(', expected: identifier".to_owned(),
            ),
            (
                "x=!b",
                "unable to parse requirement: found '!', expected: identifier".to_owned(),
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier".to_owned(),
            ),
            (
                "!!x",
                "unable to parse requirement: found '!', expected: identifier".to_owned(),
            ),
            (
                "x in (a))",
                "found ')', expected: ',' or 'end of string'".to_owned(),
            ),
            (
                "x<=1",
                "unable to parse requirement: found '=', expected: identifier".to_owned(),
            ),
        ];
        for (sel, want) in cases {
            assert_eq!(err(sel), want, "{sel}");
        }
    }

    #[test]
    fn validation_errors() {
        assert_eq!(
            err("x<a"),
            r#"unable to parse requirement: values[0]: Invalid value: "a": for 'Gt', 'Lt' operators, the value must be an integer"#
        );
        assert_eq!(
            err("x>"),
            r#"unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer"#
        );
        assert_eq!(
            err("x>-1"),
            format!(
                r#"unable to parse requirement: values[0][x]: Invalid value: "-1": {LABEL_VALUE_MSG}"#
            )
        );
        assert_eq!(
            err("x>99999999999999999999"),
            r#"unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer"#
        );
        assert_eq!(
            err("-x=a"),
            format!(r#"unable to parse requirement: <nil>: Invalid value: "-x": {NAME_PART_MSG}"#)
        );
        assert_eq!(
            err("x=a_"),
            format!(
                r#"unable to parse requirement: values[0][x]: Invalid value: "a_": {LABEL_VALUE_MSG}"#
            )
        );
        assert_eq!(
            err("x in (-a,_b)"),
            format!(
                r#"unable to parse requirement: [values[0][x]: Invalid value: "-a": {LABEL_VALUE_MSG}, values[1][x]: Invalid value: "_b": {LABEL_VALUE_MSG}]"#
            )
        );
        let long = "a".repeat(64);
        assert_eq!(
            err(&format!("x={long}")),
            format!(
                r#"unable to parse requirement: values[0][x]: Invalid value: "{long}": must be no more than 63 characters"#
            )
        );
        assert_eq!(
            err(&long),
            format!(
                r#"unable to parse requirement: <nil>: Invalid value: "{long}": name part must be no more than 63 characters"#
            )
        );
        assert_eq!(
            err("a/b/c"),
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        );
        assert_eq!(
            err("/a"),
            r#"unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty"#
        );
        assert_eq!(
            err("x\"=1"),
            format!(r#"unable to parse requirement: <nil>: Invalid value: "x\"": {NAME_PART_MSG}"#)
        );
        assert!(
            matches!(Selector::parse("x=a_"), Err(Error::Requirement(inner)) if matches!(*inner, Error::Invalid(_)))
        );
    }

    #[test]
    fn nul_bytes_behave_like_upstream() {
        // A NUL where a token starts ends the input.
        assert!(parse("\0a=b").is_everything());
        assert_eq!(parse("a=b,c\0").to_string(), "a=b,c");
        // Inside a token it only ends that token (and is consumed).
        assert_eq!(parse("a\0=b").to_string(), "a=b");
        assert_eq!(parse("a=\0b").to_string(), "a=b");
        assert_eq!(err("a=b\0c"), "found 'c', expected: ',' or 'end of string'");
        // After a special symbol a NUL is consumed too, so this goes on.
        assert_eq!(parse("a=b,\0c").to_string(), "a=b,c");
        assert_eq!(err("a=b, \0c"), "found '', expected: identifier after ','");
    }

    #[test]
    fn unicode_is_rejected_not_panicking() {
        assert!(err("é=1").starts_with("unable to parse requirement: <nil>: Invalid value: \"é\""));
        assert!(
            err("a=é")
                .starts_with("unable to parse requirement: values[0][a]: Invalid value: \"é\"")
        );
        assert!(err("a in (x,日本)").contains("values[1][a]"));
    }

    #[test]
    fn huge_selectors() {
        let big = "a,".repeat(MAX_SELECTOR_BYTES / 2 + 1);
        assert_eq!(
            Selector::parse(&big),
            Err(Error::TooLong {
                len: big.len(),
                max: MAX_SELECTOR_BYTES
            })
        );
        // Deep nesting attempts and long value lists stay iterative.
        let parens = "(".repeat(100_000);
        assert!(Selector::parse(&format!("x in {parens}")).is_err());
        let values: Vec<String> = (0..50_000).map(|i| format!("v{i}")).collect();
        let sel = parse(&format!("x in ({})", values.join(",")));
        assert_eq!(sel.requirements()[0].values().len(), 50_000);
        assert!(sel.matches(&[("x", "v49999")]));
        assert!(!sel.matches(&[("x", "v50000")]));
        let many: Vec<String> = (0..20_000).map(|i| format!("k{i}")).collect();
        assert_eq!(parse(&many.join(",")).requirements().len(), 20_000);
    }

    #[test]
    fn everything_and_nothing() {
        assert!(Selector::everything().is_everything());
        assert!(Selector::everything().matches(&set(&[("x", "y")])));
        assert!(parse("").is_everything());
        assert!(!Selector::nothing().is_everything());
        assert!(Selector::nothing().is_nothing());
        assert!(!Selector::nothing().matches(&set(&[])));
        assert_eq!(Selector::nothing().to_string(), "");
        assert!(
            Selector::nothing()
                .with_requirements([Requirement::new("a", Operator::Exists, vec![])
                    .unwrap_or_else(|e| panic!("{e}"))])
                .is_nothing()
        );
        assert_eq!(Selector::default(), Selector::everything());
    }

    #[test]
    fn requirements_api() {
        let r = Requirement::new("x", Operator::In, vec!["b".into(), "a".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.key(), "x");
        assert_eq!(r.operator(), Operator::In);
        assert_eq!(r.values(), ["a", "b"]);
        assert_eq!(r.to_string(), "x in (a,b)");
        let sel = Selector::everything().with_requirements([
            r,
            Requirement::new("a", Operator::GreaterThan, vec!["3".into()])
                .unwrap_or_else(|e| panic!("{e}")),
        ]);
        assert_eq!(sel.to_string(), "a>3,x in (a,b)");
        assert!(sel.matches(&[("a", "4"), ("x", "a")]));

        let e = Requirement::new("x", Operator::In, vec![]).expect_err("must fail");
        assert_eq!(
            e.to_string(),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        let e = Requirement::new("x", Operator::Exists, vec!["a".into()]).expect_err("must fail");
        assert_eq!(
            e.to_string(),
            r#"values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist"#
        );
        let e = Requirement::new("x", Operator::Equals, vec!["a".into(), "b".into()])
            .expect_err("must fail");
        assert_eq!(
            e.to_string(),
            r#"values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single value"#
        );
        let e = Requirement::new("x", Operator::LessThan, vec!["1".into(), "z".into()])
            .expect_err("must fail");
        assert_eq!(
            e.to_string(),
            r#"[values: Invalid value: []string{"1", "z"}: for 'Gt', 'Lt' operators, exactly one value is required, values[1]: Invalid value: "z": for 'Gt', 'Lt' operators, the value must be an integer]"#
        );
        let e = Requirement::new("-", Operator::Exists, vec![]).expect_err("must fail");
        assert_eq!(
            e.to_string(),
            format!(r#"key: Invalid value: "-": {NAME_PART_MSG}"#)
        );
        let e = Requirement::new("", Operator::Exists, vec![]).expect_err("must fail");
        assert_eq!(
            e.to_string(),
            format!(r#"key: Invalid value: "": name part must be non-empty; {NAME_PART_MSG}"#)
        );
        assert_eq!(Operator::DoesNotExist.as_str(), "!");
        assert_eq!(Operator::GreaterThan.to_string(), "gt");
    }

    #[test]
    fn exact_match() {
        let sel = parse("a=1,b in (2),c in (3,4),d!=5,e==6");
        assert_eq!(sel.requires_exact_match("a"), Some("1"));
        assert_eq!(sel.requires_exact_match("b"), Some("2"));
        assert_eq!(sel.requires_exact_match("c"), None);
        assert_eq!(sel.requires_exact_match("d"), None);
        assert_eq!(sel.requires_exact_match("e"), Some("6"));
        assert_eq!(sel.requires_exact_match("z"), None);
        assert_eq!(
            parse("a!=1,a=2").requires_exact_match("a"),
            None,
            "only the first requirement on the key counts"
        );
    }

    #[test]
    fn from_sets() {
        let sel = Selector::from_set([("b", "2"), ("a", "1")]);
        assert_eq!(sel.to_string(), "a=1,b=2");
        assert!(sel.matches(&[("a", "1"), ("b", "2"), ("c", "3")]));
        assert!(Selector::from_set(Vec::<(String, String)>::new()).is_everything());
        assert!(Selector::validated_from_set([("a", "1")]).is_ok());
        assert_eq!(
            Selector::validated_from_set([("a", "-")])
                .expect_err("must fail")
                .to_string(),
            format!(r#"values[0][a]: Invalid value: "-": {LABEL_VALUE_MSG}"#)
        );
        assert_eq!(
            "a=1".parse::<Selector>().map(|s| s.to_string()),
            Ok("a=1".to_owned())
        );
    }

    fn label_selector(json: serde_json::Value) -> LabelSelector {
        LabelSelector::deserialize(&json).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn structured_selectors() {
        let ls = label_selector(serde_json::json!({
            "matchLabels": {"app": "web", "tier": "fe"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "stage"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["b"]},
                {"key": "owner", "operator": "Exists", "values": null}
            ]
        }));
        let sel = Selector::from_label_selector(Some(&ls)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            sel.to_string(),
            "app=web,!canary,env in (prod,stage),owner,tier=fe,zone notin (b)"
        );
        assert!(sel.matches(&[
            ("app", "web"),
            ("tier", "fe"),
            ("env", "prod"),
            ("owner", "me")
        ]));
        assert!(!sel.matches(&[("app", "web"), ("tier", "fe"), ("env", "prod")]));
        assert_eq!(Selector::try_from(&ls), Ok(sel));

        assert!(Selector::from_label_selector(None).is_ok_and(|s| s.is_nothing()));
        assert!(
            Selector::from_label_selector(Some(&LabelSelector::default()))
                .is_ok_and(|s| s.is_everything())
        );
        let empty =
            label_selector(serde_json::json!({"matchLabels": null, "matchExpressions": []}));
        assert!(Selector::try_from(&empty).is_ok_and(|s| s.is_everything()));

        let bad_op = label_selector(
            serde_json::json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}),
        );
        assert_eq!(
            Selector::try_from(&bad_op)
                .expect_err("must fail")
                .to_string(),
            r#""Gt" is not a valid label selector operator"#
        );
        let no_values = label_selector(
            serde_json::json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
        );
        assert_eq!(
            Selector::try_from(&no_values)
                .expect_err("must fail")
                .to_string(),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
        );
        let dup = label_selector(
            serde_json::json!({"matchExpressions": [{"key": "a", "operator": "In", "values": ["y", "x", "y"]}]}),
        );
        assert_eq!(
            Selector::try_from(&dup).map(|s| s.to_string()),
            Ok("a in (x,y,y)".to_owned())
        );

        let round = serde_json::to_value(&ls).unwrap_or_default();
        assert_eq!(
            round["matchExpressions"][1],
            serde_json::json!({"key": "canary", "operator": "DoesNotExist"})
        );
        assert_eq!(
            serde_json::to_value(LabelSelector::default()).unwrap_or_default(),
            serde_json::json!({})
        );
    }

    #[test]
    fn structured_validation() {
        let ls = label_selector(serde_json::json!({
            "matchLabels": {"bad key": "v"},
            "matchExpressions": [
                {"key": "a", "operator": "In"},
                {"key": "b", "operator": "Exists", "values": ["x"]},
                {"key": "c", "operator": "Foo"},
                {"key": "d", "operator": "In", "values": ["ok", "-bad"]}
            ]
        }));
        let path = Path::new("spec").child("selector");
        let errs = ls.validate(LabelSelectorValidationOptions::default(), &path);
        let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            vec![
                format!(r#"spec.selector.matchLabels: Invalid value: "bad key": {NAME_PART_MSG}"#),
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'".to_owned(),
                "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'".to_owned(),
                r#"spec.selector.matchExpressions[2].operator: Invalid value: "Foo": not a valid selector operator"#.to_owned(),
                format!(r#"spec.selector.matchExpressions[3].values[1]: Invalid value: "-bad": {LABEL_VALUE_MSG}"#),
            ]
        );
        assert_eq!(errs[1].reason(), "FieldValueRequired");
        assert_eq!(errs[2].reason(), "FieldValueForbidden");
        assert!(ls.has_invalid_label_value());
        let lenient = LabelSelectorValidationOptions {
            allow_invalid_label_value_in_selector: true,
            allow_unknown_operator_in_requirement: true,
        };
        assert_eq!(ls.validate(lenient, &path).len(), 3);
        assert!(
            LabelSelector::default()
                .validate(LabelSelectorValidationOptions::default(), &path)
                .is_empty()
        );
    }
}
