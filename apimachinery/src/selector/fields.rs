//! Field selectors: `metadata.name=foo,spec.nodeName!=,status.phase==Running`
//! with `\,`, `\=` and `\\` escapes in values; matching against an object's
//! selectable fields, and the per-resource check of which fields are
//! supported.
//!
//! Counterpart: k8s.io/apimachinery/pkg/fields (selector.go, fields.go,
//! requirements.go); the "field label not supported" message is the one of
//! runtime.Scheme's field label conversion.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;

/// Longest selector string [`Selector::parse`] accepts (see
/// `selector::labels::MAX_SELECTOR_BYTES` for why this is unobservable).
pub const MAX_SELECTOR_BYTES: usize = 1 << 20;

/// Errors from parsing or checking field selectors, with upstream's texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A term has no `=`, `==` or `!=`.
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    InvalidTerm {
        /// The whole selector.
        selector: String,
        /// The term that could not be split.
        term: String,
    },
    /// A backslash not followed by `\`, `,` or `=` (or at the end).
    #[error("invalid field selector: invalid escape sequence: {sequence}")]
    InvalidEscapeSequence {
        /// The offending sequence, e.g. `\a`.
        sequence: String,
    },
    /// A bare `,` or `=` inside a value. Upstream prints the code point as a
    /// number (e.g. 61 for `=`).
    #[error("invalid field selector: unescaped character in value: {}", u32::from(*.character))]
    UnescapedCharacter {
        /// The character.
        character: char,
    },
    /// The resource does not support selecting on this field.
    #[error("field label not supported: {field}")]
    FieldLabelNotSupported {
        /// The field name.
        field: String,
    },
    /// The selector string is longer than [`MAX_SELECTOR_BYTES`].
    #[error("field selector is too long: {len} bytes, at most {max} are allowed")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Result of this module's fallible functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Read access to an object's selectable fields (`metadata.name`,
/// `spec.nodeName`, ...). A missing field compares as the empty string.
pub trait Fields {
    /// The value of `field`, if the object has it.
    fn get(&self, field: &str) -> Option<&str>;
}

impl Fields for BTreeMap<String, String> {
    fn get(&self, field: &str) -> Option<&str> {
        BTreeMap::get(self, field).map(String::as_str)
    }
}

impl<S: BuildHasher> Fields for HashMap<String, String, S> {
    fn get(&self, field: &str) -> Option<&str> {
        HashMap::get(self, field).map(String::as_str)
    }
}

/// `(field, value)` pairs, the cheap form for a handful of fields; the first
/// pair with the name wins.
impl<K: AsRef<str>, V: AsRef<str>> Fields for [(K, V)] {
    fn get(&self, field: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == field)
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> Fields for [(K, V); N] {
    fn get(&self, field: &str) -> Option<&str> {
        Fields::get(self.as_slice(), field)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> Fields for Vec<(K, V)> {
    fn get(&self, field: &str) -> Option<&str> {
        Fields::get(self.as_slice(), field)
    }
}

impl<T: Fields + ?Sized> Fields for &T {
    fn get(&self, field: &str) -> Option<&str> {
        (**self).get(field)
    }
}

/// How a [`Requirement`] compares its field with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `field=value` or `field==value`.
    Equals,
    /// `field!=value`.
    NotEquals,
}

impl Operator {
    /// Upstream's `selection.Operator` string (`=` or `!=`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
        }
    }
}

/// One term of a field selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// The field name, e.g. `spec.nodeName`.
    pub field: String,
    /// Equality or inequality.
    pub operator: Operator,
    /// The unescaped value.
    pub value: String,
}

impl Requirement {
    /// Whether `fields` satisfy this term (absent fields read as "").
    pub fn matches<F: Fields + ?Sized>(&self, fields: &F) -> bool {
        let actual = fields.get(&self.field).unwrap_or("");
        match self.operator {
            Operator::Equals => actual == self.value,
            Operator::NotEquals => actual != self.value,
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.field,
            self.operator.as_str(),
            escape_value(&self.value)
        )
    }
}

/// A parsed field selector: the AND of its terms, or "nothing".
///
/// `Display` renders the terms in order (the parser sorts them by their raw
/// text, as upstream does), `==` written as `=`, values escaped. The default
/// selector is [`Selector::everything`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `None` is the selector that matches nothing.
    terms: Option<Vec<Requirement>>,
}

impl Default for Selector {
    fn default() -> Self {
        Selector::everything()
    }
}

impl Selector {
    /// The selector that matches everything.
    pub const fn everything() -> Self {
        Selector {
            terms: Some(Vec::new()),
        }
    }

    /// The selector that matches nothing; renders as the empty string.
    pub const fn nothing() -> Self {
        Selector { terms: None }
    }

    /// Parses `field=value` / `field==value` / `field!=value` terms separated
    /// by commas. Field names are taken literally up to the first operator;
    /// values may escape `\`, `,` and `=` with a backslash. Empty terms are
    /// skipped, so `""` selects everything; so does a lone `=`.
    // k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (parseSelector)
    pub fn parse(selector: &str) -> Result<Self> {
        if selector.len() > MAX_SELECTOR_BYTES {
            return Err(Error::TooLong {
                len: selector.len(),
                max: MAX_SELECTOR_BYTES,
            });
        }
        let mut parts = split_terms(selector);
        parts.sort_unstable();
        let mut terms = Vec::with_capacity(parts.len());
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let Some((field, operator, raw_value)) = split_term(part) else {
                return Err(Error::InvalidTerm {
                    selector: selector.to_owned(),
                    term: part.to_owned(),
                });
            };
            let value = unescape_value(raw_value)?;
            // Upstream's identity transform turns a term with neither field
            // nor value (`=`) into "everything".
            if field.is_empty() && value.is_empty() {
                continue;
            }
            terms.push(Requirement {
                field: field.to_owned(),
                operator,
                value: value.into_owned(),
            });
        }
        Ok(Selector { terms: Some(terms) })
    }

    /// A selector requiring `field=value` for each pair, in the given order.
    // k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (SelectorFromSet)
    pub fn from_set<K, V>(set: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let terms = set
            .into_iter()
            .map(|(k, v)| Requirement {
                field: k.into(),
                operator: Operator::Equals,
                value: v.into(),
            })
            .collect();
        Selector { terms: Some(terms) }
    }

    /// A selector with the single term `field=value`.
    pub fn one_term_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Selector {
            terms: Some(vec![Requirement {
                field: field.into(),
                operator: Operator::Equals,
                value: value.into(),
            }]),
        }
    }

    /// A selector with the single term `field!=value`.
    pub fn one_term_not_equal(field: impl Into<String>, value: impl Into<String>) -> Self {
        Selector {
            terms: Some(vec![Requirement {
                field: field.into(),
                operator: Operator::NotEquals,
                value: value.into(),
            }]),
        }
    }

    /// The AND of two selectors (terms of `self` first).
    pub fn and(self, other: Selector) -> Self {
        match (self.terms, other.terms) {
            (Some(mut a), Some(b)) => {
                a.extend(b);
                Selector { terms: Some(a) }
            }
            _ => Selector::nothing(),
        }
    }

    /// Whether `fields` satisfy every term. Does not allocate.
    pub fn matches<F: Fields + ?Sized>(&self, fields: &F) -> bool {
        match &self.terms {
            None => false,
            Some(terms) => terms.iter().all(|t| t.matches(fields)),
        }
    }

    /// Whether this selector has no terms and so selects everything
    /// (upstream's `Empty()`; false for [`Selector::nothing`]).
    pub fn is_everything(&self) -> bool {
        self.terms.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether this is [`Selector::nothing`].
    pub fn is_nothing(&self) -> bool {
        self.terms.is_none()
    }

    /// The terms, in order (empty for everything and nothing).
    pub fn requirements(&self) -> &[Requirement] {
        self.terms.as_deref().unwrap_or_default()
    }

    /// The field names the selector uses, in term order (with repeats).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.requirements().iter().map(|t| t.field.as_str())
    }

    /// If some `field=value` term pins `field`, the value of the first one.
    /// Lets callers use an index (e.g. pods by `spec.nodeName`).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements()
            .iter()
            .find(|t| t.operator == Operator::Equals && t.field == field)
            .map(|t| t.value.as_str())
    }

    /// Fails with `field label not supported: <name>` for the first field
    /// `supported` rejects, as the api-server does for each resource.
    pub fn check_supported(&self, supported: impl Fn(&str) -> bool) -> Result<()> {
        match self.fields().find(|f| !supported(f)) {
            Some(field) => Err(Error::FieldLabelNotSupported {
                field: field.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// Rewrites every term's field and value with `f` (e.g. a per-version
    /// field label conversion); a term rewritten to an empty field and value
    /// is dropped. The first error of `f` is returned.
    // k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (Transform)
    pub fn transform<E>(
        self,
        mut f: impl FnMut(&str, &str) -> Result<(String, String), E>,
    ) -> Result<Self, E> {
        let Some(terms) = self.terms else {
            return Ok(self);
        };
        let mut out = Vec::with_capacity(terms.len());
        for t in terms {
            let (field, value) = f(&t.field, &t.value)?;
            if field.is_empty() && value.is_empty() {
                continue;
            }
            out.push(Requirement {
                field,
                operator: t.operator,
                value,
            });
        }
        Ok(Selector { terms: Some(out) })
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.requirements().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{t}")?;
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

/// Escapes `\`, `,` and `=` with a backslash so any string can be a value.
// k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (EscapeValue)
pub fn escape_value(s: &str) -> Cow<'_, str> {
    if !s.contains(['\\', ',', '=']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Reverses [`escape_value`]; unknown escapes, a trailing backslash and bare
/// `,` or `=` are errors.
// k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (UnescapeValue)
pub fn unescape_value(s: &str) -> Result<Cow<'_, str>> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(Error::InvalidEscapeSequence {
                    sequence: format!("\\{c}"),
                });
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => return Err(Error::UnescapedCharacter { character: c }),
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err(Error::InvalidEscapeSequence {
            sequence: "\\".to_owned(),
        });
    }
    Ok(Cow::Owned(out))
}

/// Splits on commas that are not escaped (the backslash stays in the term).
// k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (splitTerms)
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::with_capacity(1);
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at its first operator (`!=`, `==` or `=`, preferred in that
/// order at the same position). Field names have no escaping.
// k8s: staging/src/k8s.io/apimachinery/pkg/fields/selector.go (splitTerm)
fn split_term(term: &str) -> Option<(&str, Operator, &str)> {
    let b = term.as_bytes();
    let i = b
        .iter()
        .enumerate()
        .position(|(i, &c)| c == b'=' || (c == b'!' && b.get(i + 1) == Some(&b'=')))?;
    let (operator, len) = match (b[i], b.get(i + 1)) {
        (b'!', _) => (Operator::NotEquals, 2),
        (_, Some(b'=')) => (Operator::Equals, 2),
        _ => (Operator::Equals, 1),
    };
    // The operator bytes are ASCII, so both slices fall on char boundaries.
    Some((term.get(..i)?, operator, term.get(i + len..)?))
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

    #[test]
    fn round_trips() {
        for s in [
            "",
            "a=b",
            "a!=b",
            "a=",
            "a!=",
            "a=b,c=d",
            "a=b\\,c",
            "a=b\\=c",
            "a=b\\\\c",
            "metadata.name=x,spec.nodeName!=",
        ] {
            assert_eq!(parse(s).to_string(), s, "{s}");
        }
        assert_eq!(parse("a==b").to_string(), "a=b");
        assert_eq!(parse("x=a,a=x").to_string(), "a=x,x=a", "terms are sorted");
        assert_eq!(
            parse("x=a,,a=x,").to_string(),
            "a=x,x=a",
            "empty terms skipped"
        );
        assert_eq!(parse("a = b").to_string(), "a = b", "no trimming");
        assert!(parse("=").is_everything());
        assert!(parse(",").is_everything());
        assert_eq!(parse("=x").to_string(), "=x");
    }

    #[test]
    fn errors() {
        assert_eq!(err("a"), "invalid selector: 'a'; can't understand 'a'");
        assert_eq!(
            err("x=y,abc"),
            "invalid selector: 'x=y,abc'; can't understand 'abc'"
        );
        assert_eq!(
            err("a!b"),
            "invalid selector: 'a!b'; can't understand 'a!b'"
        );
        assert_eq!(
            err("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            err("a==="),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            err("a=\\a"),
            "invalid field selector: invalid escape sequence: \\a"
        );
        assert_eq!(
            err("a=b\\"),
            "invalid field selector: invalid escape sequence: \\"
        );
        assert_eq!(
            err("a=\\é"),
            "invalid field selector: invalid escape sequence: \\é"
        );
        // The field name is not unescaped: the first '=' splits.
        assert_eq!(
            err("a\\=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        let huge = "a=b,".repeat(MAX_SELECTOR_BYTES / 4 + 1);
        assert!(matches!(Selector::parse(&huge), Err(Error::TooLong { .. })));
    }

    #[test]
    fn split_term_prefers_first_position() {
        assert_eq!(split_term("a!=b"), Some(("a", Operator::NotEquals, "b")));
        assert_eq!(split_term("a==b"), Some(("a", Operator::Equals, "b")));
        assert_eq!(split_term("a=!=b"), Some(("a", Operator::Equals, "!=b")));
        assert_eq!(split_term("a!b=c"), Some(("a!b", Operator::Equals, "c")));
        assert_eq!(split_term("ä=b"), Some(("ä", Operator::Equals, "b")));
        assert_eq!(split_term("a!"), None);
        assert_eq!(split_terms("a\\,b,c"), vec!["a\\,b", "c"]);
        assert_eq!(split_terms("a\\\\,b"), vec!["a\\\\", "b"]);
    }

    #[test]
    fn matching() {
        let pod = [
            ("metadata.name", "web"),
            ("spec.nodeName", ""),
            ("status.phase", "Running"),
        ];
        assert!(parse("").matches(&pod));
        assert!(parse("metadata.name=web").matches(&pod));
        assert!(parse("metadata.name==web,status.phase!=Pending").matches(&pod));
        assert!(!parse("metadata.name!=web").matches(&pod));
        assert!(parse("spec.nodeName=").matches(&pod));
        assert!(!parse("spec.nodeName!=").matches(&pod));
        assert!(
            parse("missing=").matches(&pod),
            "absent fields read as empty"
        );
        assert!(!parse("missing=x").matches(&pod));
        assert!(parse("missing!=x").matches(&pod));
        assert!(!Selector::nothing().matches(&pod));
        let mut map = BTreeMap::new();
        map.insert("a,b".to_owned(), "c=d".to_owned());
        assert_eq!(
            err("a,b=c\\=d"),
            "invalid selector: 'a,b=c\\=d'; can't understand 'a'",
            "field names cannot contain commas"
        );
        map.insert("x".to_owned(), "c=d".to_owned());
        assert!(parse("x=c\\=d").matches(&map));
        let hm: HashMap<String, String> = map.clone().into_iter().collect();
        assert!(parse("x=c\\=d").matches(&hm));
    }

    #[test]
    fn helpers() {
        let sel = parse("spec.nodeName=n1,metadata.name!=x,spec.nodeName=n2");
        assert_eq!(sel.requires_exact_match("spec.nodeName"), Some("n1"));
        assert_eq!(sel.requires_exact_match("metadata.name"), None);
        assert_eq!(
            sel.fields().collect::<Vec<_>>(),
            ["metadata.name", "spec.nodeName", "spec.nodeName"]
        );
        assert_eq!(
            sel.check_supported(|f| f == "metadata.name")
                .expect_err("must fail")
                .to_string(),
            "field label not supported: spec.nodeName"
        );
        assert!(sel.check_supported(|_| true).is_ok());
        assert_eq!(sel.requirements()[0].operator, Operator::NotEquals);
        assert_eq!(Operator::NotEquals.as_str(), "!=");

        let t = parse("a=1,b=2")
            .transform(|f, v| -> Result<_, String> {
                if f == "a" {
                    Ok((String::new(), String::new()))
                } else {
                    Ok((format!("x.{f}"), v.to_owned()))
                }
            })
            .unwrap_or_default();
        assert_eq!(t.to_string(), "x.b=2");
        let failed = parse("a=1").transform(|f, _| {
            Err::<(String, String), _>(format!("field label not supported: {f}"))
        });
        assert_eq!(failed, Err("field label not supported: a".to_owned()));
        assert!(
            Selector::nothing()
                .transform(|_, _| Err::<(String, String), ()>(()))
                .is_ok_and(|s| s.is_nothing())
        );

        assert_eq!(
            Selector::from_set([("a", "x,y"), ("b", "")]).to_string(),
            "a=x\\,y,b="
        );
        assert_eq!(Selector::one_term_equal("a", "b").to_string(), "a=b");
        assert_eq!(Selector::one_term_not_equal("a", "b").to_string(), "a!=b");
        let both = Selector::one_term_equal("a", "b").and(Selector::one_term_not_equal("c", "d"));
        assert_eq!(both.to_string(), "a=b,c!=d");
        assert!(both.clone().and(Selector::nothing()).is_nothing());
        assert!(Selector::everything().is_everything());
        assert!(!Selector::nothing().is_everything());
        assert_eq!(Selector::nothing().to_string(), "");
        assert_eq!(Selector::default(), Selector::everything());
        assert_eq!(
            "a=b".parse::<Selector>(),
            Ok(Selector::one_term_equal("a", "b"))
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(escape_value("plain"), "plain");
        assert!(matches!(escape_value("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_value("a\\b,c=d"), "a\\\\b\\,c\\=d");
        for s in ["", "x", "a\\b,c=d", "\\\\", "é,=\\"] {
            assert_eq!(unescape_value(&escape_value(s)).ok().as_deref(), Some(s));
        }
        assert_eq!(
            unescape_value("a,b"),
            Err(Error::UnescapedCharacter { character: ',' })
        );
        assert_eq!(
            Error::UnescapedCharacter { character: ',' }.to_string(),
            "invalid field selector: unescaped character in value: 44"
        );
    }
}
