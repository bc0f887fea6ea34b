//! Durations as people write them (`10`, `2.5s`, `500ms`, `1m`) and as the
//! report prints them.
//!
//! A small parser of our own: the accepted grammar is documented in the
//! README and is all a timeout flag needs.

use std::time::Duration;

/// Why a duration string was rejected; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a duration such as `10`, `2.5s`, `500ms` or `1m`, got `{0}`")]
pub struct DurationError(String);

/// Parses `N`, `Ns`, `Nms` or `Nm`, where N is a non-negative decimal
/// number. A bare number means seconds. Zero is refused: a zero timeout
/// would fail every request and look like an outage.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    let bad = || DurationError(shorten(t));
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    let number = number.trim();
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    from_secs(value * scale).ok_or_else(bad)
}

/// Seconds as a float to a positive duration of at most a day.
pub fn from_secs(secs: f64) -> Option<Duration> {
    if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 { Some(Duration::from_secs_f64(secs)) } else { None }
}

/// `350ms`, `1.5s`, `12s`: short and exact enough for a report line.
pub fn human(d: Duration) -> Human {
    Human(d)
}

/// A duration as [`human`] writes it. A type of its own, not a `String`, so
/// that report text (`crate::model::Message`) can take it: its text is
/// made of digits and a unit only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Human(pub Duration);

/// Digits and a unit.
impl crate::model::Shown for Human {}

impl std::fmt::Display for Human {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0.as_secs_f64() * 1000.0;
        if ms < 1000.0 {
            write!(f, "{}ms", ms.round() as u64)
        } else {
            let s = format!("{:.2}", self.0.as_secs_f64());
            write!(f, "{}s", s.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

fn shorten(text: &str) -> String {
    // Echo a little of what was given, never a long value that might be
    // something pasted by mistake (a token in the wrong field).
    let mut out: String = text.chars().take(16).collect();
    if text.chars().count() > 16 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse("2.5s"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse(" 1m "), Ok(Duration::from_secs(60)));
    }

    #[test]
    fn refuses_nonsense_zero_and_negative() {
        for bad in ["", "s", "abc", "-1s", "0", "0ms", "1h", "1e3", "2 days", "NaN"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn error_does_not_echo_long_input() {
        let e = parse(concat!("pk", "_12345678_ABCDEFGHIJKLMNOPQRSTUVWXYZ123456")).unwrap_err();
        assert!(!e.to_string().contains("UVWXYZ"), "{e}");
    }

    #[test]
    fn human_formats() {
        assert_eq!(human(Duration::from_millis(349)).to_string(), "349ms");
        assert_eq!(human(Duration::from_millis(1500)).to_string(), "1.5s");
        assert_eq!(human(Duration::from_secs(12)).to_string(), "12s");
    }
}
