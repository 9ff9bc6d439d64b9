//! Kubernetes protobuf bodies (`application/vnd.kubernetes.protobuf`), read
//! as the JSON object the same Go value would marshal to.
//!
//! client-go sends built-in kinds this way: the four bytes `k8s\0`, then a
//! `runtime.Unknown` message whose `typeMeta` names the kind and whose `raw`
//! is the object's message. A field missing from a message is its Go zero
//! value; rendering follows `encoding/json` as the Go types tag it, so a zero
//! `omitempty` scalar is left out and a non-pointer struct is always present.
//! Absent pointers and Go's `null`s are left out, which decodes the same.
// k8s: staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go

mod schema;
mod wire;

use base64::Engine;
use serde_json::{Map, Value};

use schema::{Field, MESSAGES, Type};
use wire::Wire;

/// The media type of protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The prefix of every Kubernetes protobuf body.
const MAGIC: [u8; 4] = *b"k8s\0";

/// Why a protobuf body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl Error {
    fn truncated() -> Self {
        Error("unexpected EOF".into())
    }

    fn malformed(what: &str) -> Self {
        Error(format!("proto: illegal {what}"))
    }
}

/// Reads a protobuf request body as its JSON object, `apiVersion` and `kind`
/// included.
pub fn to_json(body: &[u8]) -> Result<Value, Error> {
    let Some(unknown) = body.strip_prefix(&MAGIC) else {
        return Err(Error(format!(
            "provided data does not appear to be a protobuf message, expected prefix {:?}",
            MAGIC
        )));
    };
    let (mut api_version, mut kind, mut raw) = (String::new(), String::new(), &[][..]);
    for (number, value) in wire::fields(unknown)? {
        match (number, value) {
            (1, Wire::Bytes(type_meta)) => {
                for (number, value) in wire::fields(type_meta)? {
                    match (number, value) {
                        (1, Wire::Bytes(text)) => api_version = utf8(text)?,
                        (2, Wire::Bytes(text)) => kind = utf8(text)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            (3, Wire::Bytes(encoding)) if !encoding.is_empty() => {
                return Err(Error(format!(
                    "unsupported content encoding {:?}",
                    String::from_utf8_lossy(encoding)
                )));
            }
            _ => {}
        }
    }
    let message = message_of(&api_version, &kind).ok_or_else(|| {
        Error(format!(
            "no kind {kind:?} is registered for version {api_version:?}"
        ))
    })?;
    let mut object = Map::new();
    object.insert("kind".into(), kind.into());
    object.insert("apiVersion".into(), api_version.into());
    decode_message(message, raw, &mut object)?;
    Ok(Value::Object(object))
}

/// The JSON of a kind's Go zero value (`{"metadata": {}, "spec": {...}}`):
/// what an object is compared against when it is created.
pub fn zero_object(api_version: &str, kind: &str) -> Option<Value> {
    let mut object = Map::new();
    decode_message(message_of(api_version, kind)?, &[], &mut object).ok()?;
    Some(Value::Object(object))
}

/// The schema message of a kind: its group's package, or meta/v1 for the
/// option kinds every group version serves (DeleteOptions ...).
fn message_of(api_version: &str, kind: &str) -> Option<&'static str> {
    let (group, version) = api_version
        .rsplit_once('/')
        .unwrap_or(("core", api_version));
    let package = group.split('.').next().unwrap_or(group);
    [
        format!("{package}/{version}.{kind}"),
        format!("meta/v1.{kind}"),
    ]
    .into_iter()
    .find_map(|name| MESSAGES.get_key_value(name.as_str()).map(|(name, _)| *name))
}

/// Decodes the fields of `message` from `bytes` into `object`.
fn decode_message(
    message: &str,
    bytes: &[u8],
    object: &mut Map<String, Value>,
) -> Result<(), Error> {
    let encoded = wire::fields(bytes)?;
    for field in &MESSAGES[message] {
        let values: Vec<Wire> = encoded
            .iter()
            .filter(|(number, _)| *number == field.number)
            .map(|(_, value)| *value)
            .collect();
        decode_field(field, &values, object)?;
    }
    Ok(())
}

fn decode_field(
    field: &Field,
    values: &[Wire],
    object: &mut Map<String, Value>,
) -> Result<(), Error> {
    let value = match &field.ty {
        Type::List(item) => {
            let mut items = Vec::new();
            for value in values {
                match (value, item.as_ref()) {
                    (Wire::Bytes(packed), Type::Bool | Type::Int32 | Type::Int64) => {
                        let mut packed = *packed;
                        while !packed.is_empty() {
                            items.push(decode(item, Wire::Varint(wire::varint(&mut packed)?))?);
                        }
                    }
                    _ => items.push(decode(item, *value)?),
                }
            }
            Value::Array(items)
        }
        Type::Map(item) => {
            let mut map = Map::new();
            for value in values {
                let (mut key, mut entry) = (String::new(), None);
                for (number, value) in wire::fields(bytes_of(*value)?)? {
                    match number {
                        1 => key = utf8(bytes_of(value)?)?,
                        2 => entry = Some(value),
                        _ => {}
                    }
                }
                let entry = match entry {
                    Some(value) => decode(item, value)?,
                    None => zero(item)?,
                };
                map.insert(key, entry);
            }
            Value::Object(map)
        }
        ty => match values.last() {
            Some(value) => decode(ty, *value)?,
            None if field.pointer => return Ok(()),
            None => zero(ty)?,
        },
    };
    if field.inline {
        if let Value::Object(fields) = value {
            object.extend(fields);
        }
        return Ok(());
    }
    if value.is_null() || (!field.pointer && field.omitempty && is_empty(&field.ty, &value)) {
        return Ok(());
    }
    object.insert(field.json.into(), value);
    Ok(())
}

/// Go's `omitempty`: false, 0, "" and empty lists and maps; never a struct,
/// though the API types' special structs (quantities, int-or-strings) are
/// left out when zero, as their defaulting treats zero as unset.
fn is_empty(ty: &Type, value: &Value) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty() && !matches!(ty, Type::Message(_)),
        Value::Null => true,
    }
}

/// The value of a field that is not on the wire.
fn zero(ty: &Type) -> Result<Value, Error> {
    match ty {
        Type::Message(_)
        | Type::Time
        | Type::MicroTime
        | Type::Quantity
        | Type::IntOrString
        | Type::Raw => decode(ty, Wire::Bytes(&[])),
        Type::String | Type::Bytes => Ok(Value::String(String::new())),
        Type::Bool => Ok(Value::Bool(false)),
        Type::Int32 | Type::Int64 | Type::Float64 => Ok(Value::from(0)),
        Type::List(_) => Ok(Value::Array(Vec::new())),
        Type::Map(_) => Ok(Value::Object(Map::new())),
    }
}

fn decode(ty: &Type, value: Wire) -> Result<Value, Error> {
    Ok(match (ty, value) {
        (Type::String, Wire::Bytes(text)) => Value::String(utf8(text)?),
        (Type::Bool, Wire::Varint(n)) => Value::Bool(n != 0),
        // Negative int32s are sign-extended to ten bytes on the wire.
        (Type::Int32, Wire::Varint(n)) => Value::from(n as i64 as i32),
        (Type::Int64, Wire::Varint(n)) => Value::from(n as i64),
        (Type::Float64, Wire::Fixed64(bits)) => Value::from(f64::from_bits(bits)),
        (Type::Bytes, Wire::Bytes(bytes)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
        }
        (Type::Time | Type::MicroTime, Wire::Bytes(bytes)) => timestamp(ty, bytes)?,
        (Type::Quantity, Wire::Bytes(bytes)) => {
            let text = string_field(bytes, 1)?;
            Value::String(if text.is_empty() { "0".into() } else { text })
        }
        (Type::IntOrString, Wire::Bytes(bytes)) => {
            let (mut is_string, mut int, mut string) = (false, 0, String::new());
            for (number, value) in wire::fields(bytes)? {
                match (number, value) {
                    (1, Wire::Varint(kind)) => is_string = kind == 1,
                    (2, Wire::Varint(n)) => int = n as i64 as i32,
                    (3, Wire::Bytes(text)) => string = utf8(text)?,
                    _ => {}
                }
            }
            if is_string {
                Value::String(string)
            } else {
                Value::from(int)
            }
        }
        (Type::Raw, Wire::Bytes(bytes)) => {
            let raw = bytes_field(bytes, 1)?;
            if raw.is_empty() {
                Value::Null
            } else {
                serde_json::from_slice(raw)
                    .map_err(|e| Error(format!("embedded object is not JSON: {e}")))?
            }
        }
        (Type::Message(name), Wire::Bytes(bytes)) => {
            let mut object = Map::new();
            decode_message(name, bytes, &mut object)?;
            Value::Object(object)
        }
        (ty, value) => {
            return Err(Error(format!(
                "proto: wrong wire type {value:?} for a {ty:?} field"
            )));
        }
    })
}

/// A Timestamp message (seconds, nanos) as `metav1.Time` or `MicroTime`
/// renders it: UTC, to the second or to the microsecond; null when empty.
/// `metav1.Time` keeps only the seconds, as its protobuf decoder does.
fn timestamp(ty: &Type, bytes: &[u8]) -> Result<Value, Error> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let (mut seconds, mut nanos) = (0i64, 0i32);
    for (number, value) in wire::fields(bytes)? {
        match (number, value) {
            (1, Wire::Varint(n)) => seconds = n as i64,
            (2, Wire::Varint(n)) => nanos = n as i64 as i32,
            _ => {}
        }
    }
    let nanos = if *ty == Type::MicroTime {
        nanos / 1000 * 1000
    } else {
        0
    };
    let time = jiff::Timestamp::new(seconds, nanos)
        .map_err(|e| Error(format!("timestamp out of range: {e}")))?;
    let format = if *ty == Type::MicroTime {
        "%Y-%m-%dT%H:%M:%S.%6fZ"
    } else {
        "%Y-%m-%dT%H:%M:%SZ"
    };
    Ok(Value::String(time.strftime(format).to_string()))
}

fn bytes_of(value: Wire<'_>) -> Result<&[u8], Error> {
    match value {
        Wire::Bytes(bytes) => Ok(bytes),
        other => Err(Error(format!(
            "proto: wrong wire type {other:?} for a message"
        ))),
    }
}

/// The last value of a length-delimited field of a small message.
fn bytes_field(bytes: &[u8], wanted: u32) -> Result<&[u8], Error> {
    let mut found: &[u8] = &[];
    for (number, value) in wire::fields(bytes)? {
        if number == wanted {
            found = bytes_of(value)?;
        }
    }
    Ok(found)
}

fn string_field(bytes: &[u8], wanted: u32) -> Result<String, Error> {
    utf8(bytes_field(bytes, wanted)?)
}

fn utf8(bytes: &[u8]) -> Result<String, Error> {
    String::from_utf8(bytes.to_vec()).map_err(|_| Error("proto: string is not valid UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // The testdata bodies are what kubectl v1.32 sends for
    // `kubectl create deployment web --image=nginx:1.17.10-alpine --replicas=2 --port=80`,
    // `kubectl create secret generic s1 --from-literal=user=admin --from-literal=pw=s3cr3t`
    // and `kubectl create pdb p2 --selector=app=web --max-unavailable=0`.

    #[test]
    fn reads_a_deployment_as_go_marshals_it() {
        let object = to_json(include_bytes!("testdata/deployment.pb")).expect("decodes");
        assert_eq!(
            object,
            json!({
                "kind": "Deployment",
                "apiVersion": "apps/v1",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {
                            "containers": [{
                                "name": "nginx",
                                "image": "nginx:1.17.10-alpine",
                                "ports": [{"containerPort": 80}],
                                "resources": {},
                            }],
                        },
                    },
                    "strategy": {},
                },
                "status": {},
            })
        );
    }

    #[test]
    fn reads_bytes_as_base64() {
        let object = to_json(include_bytes!("testdata/secret.pb")).expect("decodes");
        assert_eq!(
            object["data"],
            json!({"user": "YWRtaW4=", "pw": "czNjcjN0"})
        );
        assert_eq!(object["metadata"], json!({"name": "s1"}));
    }

    #[test]
    fn keeps_a_zero_behind_a_pointer() {
        let object = to_json(include_bytes!("testdata/poddisruptionbudget.pb")).expect("decodes");
        assert_eq!(
            object["spec"],
            json!({"selector": {"matchLabels": {"app": "web"}}, "maxUnavailable": 0})
        );
    }

    #[test]
    fn renders_times_and_int_or_strings() {
        // metadata { creationTimestamp { seconds: 1 } }, an Event's eventTime
        // with nanos, and a Service port whose targetPort is the string "http".
        let time = decode(&Type::Time, Wire::Bytes(&[0x08, 0x01, 0x10, 0x05])).expect("decodes");
        assert_eq!(time, json!("1970-01-01T00:00:01Z"));
        let micro = decode(
            &Type::MicroTime,
            Wire::Bytes(&[0x08, 0x01, 0x10, 0xc0, 0x84, 0x3d]),
        )
        .expect("decodes");
        assert_eq!(micro, json!("1970-01-01T00:00:01.001000Z"));
        let target =
            decode(&Type::IntOrString, Wire::Bytes(b"\x08\x01\x1a\x04http")).expect("decodes");
        assert_eq!(target, json!("http"));
        assert_eq!(
            decode(&Type::Time, Wire::Bytes(&[])).expect("decodes"),
            Value::Null
        );
    }

    #[test]
    fn reads_negative_and_packed_integers() {
        let minus_one = Wire::Varint(u64::MAX);
        assert_eq!(decode(&Type::Int32, minus_one).expect("decodes"), json!(-1));
        // PodSecurityContext.supplementalGroups, packed: [1, 2].
        let field = MESSAGES["core/v1.PodSecurityContext"]
            .iter()
            .find(|f| f.json == "supplementalGroups")
            .expect("a field of PodSecurityContext");
        let mut object = Map::new();
        decode_field(field, &[Wire::Bytes(&[1, 2]), Wire::Varint(3)], &mut object)
            .expect("decodes");
        assert_eq!(object["supplementalGroups"], json!([1, 2, 3]));
    }

    #[test]
    fn refuses_what_is_not_a_known_protobuf_object() {
        assert!(
            to_json(b"{}")
                .expect_err("refused")
                .to_string()
                .contains("expected prefix")
        );
        // typeMeta { apiVersion: "v1", kind: "Nope" }
        let unknown = b"k8s\0\x0a\x0a\x0a\x02v1\x12\x04Nope";
        assert_eq!(
            to_json(unknown).expect_err("refused").to_string(),
            r#"no kind "Nope" is registered for version "v1""#
        );
    }
}
