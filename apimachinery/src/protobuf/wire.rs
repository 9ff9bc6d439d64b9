//! The protobuf wire format: a message is a sequence of numbered fields,
//! each a varint, a fixed-width number or a length-delimited byte string.

use super::Error;

/// One encoded field value, not yet given a type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

/// Splits a message into its fields, in the order they were written.
pub fn fields(mut bytes: &[u8]) -> Result<Vec<(u32, Wire<'_>)>, Error> {
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        let number = u32::try_from(key >> 3).map_err(|_| Error::malformed("field number"))?;
        let value = match key & 7 {
            0 => Wire::Varint(varint(&mut bytes)?),
            1 => Wire::Fixed64(u64::from_le_bytes(fixed(&mut bytes)?)),
            2 => {
                let length =
                    usize::try_from(varint(&mut bytes)?).map_err(|_| Error::malformed("length"))?;
                Wire::Bytes(take(&mut bytes, length)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(fixed(&mut bytes)?)),
            other => return Err(Error::malformed(&format!("wire type {other}"))),
        };
        fields.push((number, value));
    }
    Ok(fields)
}

/// Reads a base-128 varint from the front of `bytes`.
pub fn varint(bytes: &mut &[u8]) -> Result<u64, Error> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or_else(Error::truncated)?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Error::malformed("varint"))
}

fn fixed<const N: usize>(bytes: &mut &[u8]) -> Result<[u8; N], Error> {
    let (head, rest) = bytes
        .split_first_chunk::<N>()
        .ok_or_else(Error::truncated)?;
    *bytes = rest;
    Ok(*head)
}

fn take<'a>(bytes: &mut &'a [u8], length: usize) -> Result<&'a [u8], Error> {
    if bytes.len() < length {
        return Err(Error::truncated());
    }
    let (head, rest) = bytes.split_at(length);
    *bytes = rest;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type() {
        // field 1 varint 300, field 2 bytes "hi", field 3 fixed64 1, field 4 fixed32 2
        let bytes = [
            0x08, 0xac, 0x02, 0x12, 0x02, b'h', b'i', 0x19, 1, 0, 0, 0, 0, 0, 0, 0, 0x25, 2, 0, 0,
            0,
        ];
        assert_eq!(
            fields(&bytes).expect("decodes"),
            vec![
                (1, Wire::Varint(300)),
                (2, Wire::Bytes(b"hi")),
                (3, Wire::Fixed64(1)),
                (4, Wire::Fixed32(2)),
            ]
        );
    }

    #[test]
    fn refuses_truncated_messages() {
        assert_eq!(fields(&[0x12, 0x05, b'a']), Err(Error::truncated()));
        assert_eq!(fields(&[0x08, 0x80]), Err(Error::truncated()));
    }
}
