//! Resource amounts: just enough of `resource.Quantity` to parse, compare
//! and convert the amounts of requests, limits and capacities. Counterpart
//! of k8s.io/apimachinery `pkg/api/resource/quantity.go`.

/// The message upstream gives for a quantity it cannot parse.
pub const SYNTAX_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// A parsed quantity as nano-units (saturating at the `i128` bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i128);

impl Amount {
    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// The amount in units, as a float (for ratios).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_UNIT as f64
    }

    /// Whether the amount is a whole number of units.
    pub fn is_whole(self) -> bool {
        self.0 % NANOS_PER_UNIT == 0
    }
}

const NANOS_PER_UNIT: i128 = 1_000_000_000;

impl Amount {
    /// Thousandths of a unit, rounded up (`Quantity.MilliValue`).
    pub fn milli_value(self) -> i64 {
        Self::ceil_div(self.0, NANOS_PER_UNIT / 1000)
    }

    /// Units, rounded up (`Quantity.Value`).
    pub fn value(self) -> i64 {
        Self::ceil_div(self.0, NANOS_PER_UNIT)
    }

    fn ceil_div(nanos: i128, by: i128) -> i64 {
        let quotient = nanos / by + i128::from(nanos % by > 0);
        i64::try_from(quotient).unwrap_or(if quotient < 0 { i64::MIN } else { i64::MAX })
    }
}

/// Parses a quantity such as `500m`, `1.5Gi` or `2e3`.
// k8s: staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity)
pub fn parse(text: &str) -> Option<Amount> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let split = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(split);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    // (power of ten, power of two)
    let (exp10, exp2): (i32, u32) = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        s if s.starts_with(['e', 'E']) => {
            let exp = &s[1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (exp.parse().ok()?, 0)
        }
        _ => return None,
    };
    let digits: String = format!("{whole}{fraction}");
    let mut value: i128 = 0;
    for b in digits.bytes() {
        value = value
            .saturating_mul(10)
            .saturating_add(i128::from(b - b'0'));
    }
    let frac_len = i32::try_from(fraction.len()).ok()?;
    let mut scale = exp10 + 9 - frac_len;
    value = value.saturating_mul(1i128 << exp2);
    while scale > 0 {
        value = value.saturating_mul(10);
        scale -= 1;
    }
    while scale < 0 {
        // Below a nano-unit upstream rounds up.
        let rounded = value % 10 != 0;
        value = value / 10 + i128::from(rounded);
        scale += 1;
    }
    Some(Amount(if negative { -value } else { value }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares() {
        assert_eq!(parse("100m"), parse("0.1"));
        assert_eq!(parse("1Ki"), parse("1024"));
        assert_eq!(parse("1e3"), parse("1k"));
        assert!(parse("500m") < parse("1"));
        assert!(parse("128Mi") > parse("64Mi"));
        assert!(parse("-1").is_some_and(Amount::is_negative));
        for bad in ["", "abc", "1x", "1.2.3", "Mi", "1e", "--1"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn values_round_up_like_upstream() {
        let milli = |t: &str| parse(t).map(Amount::milli_value);
        let units = |t: &str| parse(t).map(Amount::value);
        assert_eq!(milli("500m"), Some(500));
        assert_eq!(milli("2"), Some(2000));
        assert_eq!(milli("0.1m"), Some(1));
        assert_eq!(units("1Gi"), Some(1 << 30));
        assert_eq!(units("1.5k"), Some(1500));
        assert_eq!(units("1e3"), Some(1000));
        assert_eq!(units("1500m"), Some(2));
    }
}
