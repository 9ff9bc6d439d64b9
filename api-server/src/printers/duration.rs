//! Ages as kubectl users read them: `45s`, `3m20s`, `5h`, `12d`, `2y100d`.
//!
//! Counterpart of k8s.io/apimachinery `pkg/util/duration/duration.go`
//! (HumanDuration): the precision drops as the duration grows.

use jiff::SignedDuration;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const YEAR: i64 = 365 * DAY;

/// `d` in at most two units; a clock skew of up to a second reads as `0s`.
// k8s: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go (HumanDuration)
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    let two = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    let (minutes, hours, days) = (seconds / MINUTE, seconds / HOUR, seconds / DAY);
    match seconds {
        s if s < 2 * MINUTE => format!("{s}s"),
        s if s < 10 * MINUTE => two(minutes, "m", s % MINUTE, "s"),
        s if s < 3 * HOUR => format!("{minutes}m"),
        s if s < 8 * HOUR => two(hours, "h", minutes % 60, "m"),
        s if s < 2 * DAY => format!("{hours}h"),
        s if s < 8 * DAY => two(days, "d", hours % 24, "h"),
        s if s < 2 * YEAR => format!("{days}d"),
        s if s < 8 * YEAR => two(days / 365, "y", days % 365, "d"),
        _ => format!("{}y", days / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(seconds: i64) -> String {
        human_duration(SignedDuration::from_secs(seconds))
    }

    #[test]
    fn precision_drops_as_durations_grow() {
        let cases = [
            (-2, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (59, "59s"),
            (119, "119s"),
            (120, "2m"),
            (200, "3m20s"),
            (599, "9m59s"),
            (600, "10m"),
            (3 * HOUR - 1, "179m"),
            (3 * HOUR, "3h"),
            (5 * HOUR + 30 * MINUTE, "5h30m"),
            (8 * HOUR, "8h"),
            (47 * HOUR, "47h"),
            (2 * DAY, "2d"),
            (3 * DAY + 5 * HOUR, "3d5h"),
            (8 * DAY, "8d"),
            (729 * DAY, "729d"),
            (2 * YEAR, "2y"),
            (3 * YEAR + 40 * DAY, "3y40d"),
            (8 * YEAR, "8y"),
            (20 * YEAR + 5 * DAY, "20y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human(seconds), expected, "{seconds}s");
        }
    }
}
