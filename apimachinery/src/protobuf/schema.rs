//! The field table of every served kind, read from `schema.txt` (written by
//! `tools/protobuf_schema.py` from the Go struct tags of k8s.io/api).

use std::collections::HashMap;
use std::sync::LazyLock;

/// How a field's value is encoded and rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    String,
    Bool,
    Int32,
    Int64,
    Float64,
    /// `[]byte`: base64 in JSON.
    Bytes,
    /// `metav1.Time`: a Timestamp message, RFC 3339 to the second in JSON.
    Time,
    /// `metav1.MicroTime`: a Timestamp message, RFC 3339 to the microsecond.
    MicroTime,
    /// `resource.Quantity`: a message holding the quantity's string.
    Quantity,
    /// `intstr.IntOrString`: a message with a type, an int and a string.
    IntOrString,
    /// `runtime.RawExtension` and `metav1.FieldsV1`: a message holding JSON.
    Raw,
    List(Box<Type>),
    /// A map with string keys, encoded as repeated key/value entries.
    Map(Box<Type>),
    Message(&'static str),
}

#[derive(Debug)]
pub struct Field {
    pub number: u32,
    pub json: &'static str,
    pub pointer: bool,
    pub omitempty: bool,
    /// An embedded struct whose fields are its parent's in JSON.
    pub inline: bool,
    pub ty: Type,
}

/// Messages by `<package>.<Name>`, e.g. `apps/v1.Deployment`; fields in
/// their Go declaration order, which is the order of their JSON keys.
pub static MESSAGES: LazyLock<HashMap<&'static str, Vec<Field>>> =
    LazyLock::new(|| parse(include_str!("schema.txt")));

fn parse(text: &'static str) -> HashMap<&'static str, Vec<Field>> {
    let mut messages = HashMap::new();
    let mut current: Option<&mut Vec<Field>> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("message ") {
            current = Some(messages.entry(name).or_default());
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(number), Some(json), Some(flags), Some(ty), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            panic!("schema.txt: malformed line {line:?}");
        };
        let field = Field {
            number: number.parse().expect("schema.txt: field number"),
            json,
            pointer: flags.contains('p'),
            omitempty: flags.contains('o'),
            inline: flags.contains('i'),
            ty: parse_type(ty),
        };
        current
            .as_mut()
            .expect("schema.txt: field before any message")
            .push(field);
    }
    messages
}

fn parse_type(text: &'static str) -> Type {
    if let Some(item) = text.strip_prefix("[]") {
        return Type::List(Box::new(parse_type(item)));
    }
    if let Some(value) = text.strip_prefix("map[").and_then(|t| t.strip_suffix(']')) {
        return Type::Map(Box::new(parse_type(value)));
    }
    match text {
        "string" => Type::String,
        "bool" => Type::Bool,
        "int32" => Type::Int32,
        "int64" => Type::Int64,
        "float64" => Type::Float64,
        "bytes" => Type::Bytes,
        "time" => Type::Time,
        "microtime" => Type::MicroTime,
        "quantity" => Type::Quantity,
        "intorstring" => Type::IntOrString,
        "raw" => Type::Raw,
        message if message.contains('/') => Type::Message(message),
        other => panic!("schema.txt: unknown type {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_a_field_names_is_in_the_table() {
        fn check(ty: &Type) {
            match ty {
                Type::List(item) | Type::Map(item) => check(item),
                Type::Message(name) => assert!(MESSAGES.contains_key(name), "{name}"),
                _ => {}
            }
        }
        for fields in MESSAGES.values() {
            for field in fields {
                check(&field.ty);
            }
        }
        let spec = &MESSAGES["apps/v1.DeploymentSpec"];
        assert_eq!(spec[0].json, "replicas");
        assert!(spec[0].pointer && spec[0].omitempty);
    }
}
