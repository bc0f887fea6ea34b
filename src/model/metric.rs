//! The numbers behind a verdict, typed: which quantity ([`MetricKey`]), in
//! which unit, and the bounds the check judged it against.
//!
//! Every public name a metric has (its JSON key, its Nagios perfdata label,
//! its Prometheus series with HELP text) lives in one table, [`MetricKey::spec`],
//! so that a check and a renderer cannot disagree on a spelling: a renderer
//! loops over typed metrics and never looks one up by a string literal.
//! Those names are public API (dashboards and alerts read them); the golden
//! files in `tests/golden` pin them byte for byte.

/// Every quantity a check reports. Declaration order is exposition order:
/// Nagios perfdata items and Prometheus families appear in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetricKey {
    /// Median round trip over every API request.
    P50Ms,
    /// 95th-percentile round trip: the latency verdict's measure.
    P95Ms,
    /// Slowest API round trip.
    MaxMs,
    /// Median round trip of one endpoint.
    EndpointP50Ms,
    /// 95th-percentile round trip of one endpoint.
    EndpointP95Ms,
    /// Slowest round trip of one endpoint.
    EndpointMaxMs,
    /// Requests timed for one endpoint, failed ones included.
    EndpointSamples,
    /// Requests to one endpoint that gave no usable answer.
    EndpointFailed,
    /// `X-RateLimit-Remaining`, the lowest seen.
    RateLimitRemaining,
    /// `X-RateLimit-Limit`.
    RateLimitLimit,
    /// Seconds until the rate-limit window resets.
    RateLimitResetIn,
    /// Workspaces the token reaches.
    Workspaces,
    /// Webhooks whose health is failing.
    WebhooksFailing,
    /// Webhooks ClickUp suspended.
    WebhooksSuspended,
    /// One webhook's `health.fail_count`.
    WebhookFailCount,
    /// Webhooks listed.
    Webhooks,
    /// The highest `health.fail_count` of any webhook.
    WebhooksMaxFailCount,
    /// API requests the latency check timed.
    Samples,
    /// Timed API requests that gave no usable answer.
    Failed,
    /// Requests sent for a check, retries included.
    Attempts,
    /// Secrets found in the repository.
    SecretFindings,
    /// Files the secrets scan read.
    FilesScanned,
    /// The slowest answer of the team's receiver to a signed delivery.
    SlowestSignedMs,
}

/// What a metric's number counts, so every format can state or convert it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// Seconds.
    Seconds,
    /// A plain count.
    Count,
}

impl Unit {
    /// The Nagios unit of measure (`ms`, `s`, or none for a count).
    pub fn nagios_uom(self) -> &'static str {
        match self {
            Unit::Ms => "ms",
            Unit::Seconds => "s",
            Unit::Count => "",
        }
    }

    /// The value in Prometheus base units (seconds for times), as its
    /// naming conventions ask.
    pub fn to_base(self, value: f64) -> f64 {
        match self {
            Unit::Ms => value / 1000.0,
            Unit::Seconds | Unit::Count => value,
        }
    }

    /// The lowest value the unit allows: durations and counts are never
    /// negative.
    pub fn min(self) -> f64 {
        0.0
    }
}

/// Which side of a threshold is bad.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Bad when the value is above this.
    Above(f64),
    /// Bad when the value is below this.
    Below(f64),
}

impl Threshold {
    /// The threshold's number, whichever side is bad.
    pub fn value(self) -> f64 {
        match self {
            Threshold::Above(v) | Threshold::Below(v) => v,
        }
    }
}

/// The range a check judged a metric against: the thresholds of its WARN
/// and FAIL verdicts, and the values it can take. Monitors draw these.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    /// Past this the check warns.
    pub warn: Option<Threshold>,
    /// Past this the check fails.
    pub fail: Option<Threshold>,
    /// The lowest possible value, when not the unit's own.
    pub min: Option<f64>,
    /// The highest possible value, when known (e.g. the rate limit).
    pub max: Option<f64>,
}

/// A Prometheus series one key feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    /// The family name, `clickup_preflight_…`, in base units.
    pub name: &'static str,
    /// The HELP text; every key of one family has the same.
    pub help: &'static str,
    /// The `quantile` label this key's samples carry, for summaries.
    pub quantile: Option<&'static str>,
}

/// Every public name of one key, and its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricSpec {
    /// The key in JSON's `metrics` object.
    pub json: &'static str,
    /// What the number counts.
    pub unit: Unit,
    /// The label naming the item, for per-item metrics (`endpoint`, `webhook`).
    pub label: Option<&'static str>,
    /// JSON keys under which the warn and fail thresholds also appear, for
    /// the metrics whose thresholds JSON has always shown.
    pub json_bounds: (Option<&'static str>, Option<&'static str>),
    /// The Nagios perfdata label.
    pub nagios: Option<&'static str>,
    /// The Prometheus series.
    pub prometheus: Option<Series>,
}

const LATENCY_HELP: &str = "Round trip of every API request this run made (nearest-rank quantiles; 1 is the slowest).";
const API_LATENCY_HELP: &str = "Round trip of this run's API requests per endpoint, ids replaced by {id} \
     (nearest-rank quantiles over the answered ones; 1 is the slowest).";

/// A table row with only a JSON name.
const fn plain(json: &'static str, unit: Unit) -> MetricSpec {
    MetricSpec { json, unit, label: None, json_bounds: (None, None), nagios: None, prometheus: None }
}

const fn series(name: &'static str, help: &'static str, quantile: Option<&'static str>) -> Option<Series> {
    Some(Series { name, help, quantile })
}

impl MetricKey {
    /// Every key, in exposition order.
    pub const ALL: [MetricKey; 23] = [
        MetricKey::P50Ms,
        MetricKey::P95Ms,
        MetricKey::MaxMs,
        MetricKey::EndpointP50Ms,
        MetricKey::EndpointP95Ms,
        MetricKey::EndpointMaxMs,
        MetricKey::EndpointSamples,
        MetricKey::EndpointFailed,
        MetricKey::RateLimitRemaining,
        MetricKey::RateLimitLimit,
        MetricKey::RateLimitResetIn,
        MetricKey::Workspaces,
        MetricKey::WebhooksFailing,
        MetricKey::WebhooksSuspended,
        MetricKey::WebhookFailCount,
        MetricKey::Webhooks,
        MetricKey::WebhooksMaxFailCount,
        MetricKey::Samples,
        MetricKey::Failed,
        MetricKey::Attempts,
        MetricKey::SecretFindings,
        MetricKey::FilesScanned,
        MetricKey::SlowestSignedMs,
    ];

    /// The one table of public names: JSON key, Nagios label, Prometheus
    /// series, unit.
    pub const fn spec(self) -> MetricSpec {
        use MetricKey as K;
        use Unit::{Count, Ms, Seconds};
        let endpoint = Some("endpoint");
        match self {
            K::P50Ms => MetricSpec {
                nagios: Some("latency_p50"),
                prometheus: series("clickup_preflight_latency_seconds", LATENCY_HELP, Some("0.5")),
                ..plain("p50_ms", Ms)
            },
            K::P95Ms => MetricSpec {
                json_bounds: (Some("p95_warn_ms"), Some("p95_fail_ms")),
                nagios: Some("latency_p95"),
                prometheus: series("clickup_preflight_latency_seconds", LATENCY_HELP, Some("0.95")),
                ..plain("p95_ms", Ms)
            },
            K::MaxMs => MetricSpec {
                prometheus: series("clickup_preflight_latency_seconds", LATENCY_HELP, Some("1")),
                ..plain("max_ms", Ms)
            },
            K::EndpointP50Ms => MetricSpec {
                label: endpoint,
                prometheus: series("clickup_preflight_api_latency_seconds", API_LATENCY_HELP, Some("0.5")),
                ..plain("endpoint_p50_ms", Ms)
            },
            K::EndpointP95Ms => MetricSpec {
                label: endpoint,
                prometheus: series("clickup_preflight_api_latency_seconds", API_LATENCY_HELP, Some("0.95")),
                ..plain("endpoint_p95_ms", Ms)
            },
            K::EndpointMaxMs => MetricSpec {
                label: endpoint,
                prometheus: series("clickup_preflight_api_latency_seconds", API_LATENCY_HELP, Some("1")),
                ..plain("endpoint_max_ms", Ms)
            },
            K::EndpointSamples => MetricSpec {
                label: endpoint,
                prometheus: series(
                    "clickup_preflight_api_latency_samples",
                    "API requests this run timed per endpoint, failed ones included.",
                    None,
                ),
                ..plain("endpoint_samples", Count)
            },
            K::EndpointFailed => MetricSpec {
                label: endpoint,
                prometheus: series(
                    "clickup_preflight_api_latency_failed",
                    "API requests per endpoint that gave no usable answer (left out of the quantiles).",
                    None,
                ),
                ..plain("endpoint_failed", Count)
            },
            K::RateLimitRemaining => MetricSpec {
                json_bounds: (Some("warn_below"), None),
                nagios: Some("ratelimit_remaining"),
                prometheus: series(
                    "clickup_preflight_ratelimit_remaining",
                    "X-RateLimit-Remaining, the lowest seen this run.",
                    None,
                ),
                ..plain("remaining", Count)
            },
            K::RateLimitLimit => MetricSpec {
                nagios: Some("ratelimit_limit"),
                prometheus: series(
                    "clickup_preflight_ratelimit_limit",
                    "X-RateLimit-Limit: requests per window for this token.",
                    None,
                ),
                ..plain("limit", Count)
            },
            K::RateLimitResetIn => plain("reset_in_s", Seconds),
            K::Workspaces => MetricSpec { nagios: Some("workspaces"), ..plain("workspaces", Count) },
            K::WebhooksFailing => MetricSpec { nagios: Some("webhooks_failing"), ..plain("failing", Count) },
            K::WebhooksSuspended => MetricSpec { nagios: Some("webhooks_suspended"), ..plain("suspended", Count) },
            K::WebhookFailCount => MetricSpec {
                label: Some("webhook"),
                prometheus: series(
                    "clickup_preflight_webhook_fail_count",
                    "health.fail_count of each webhook, as ClickUp reports it.",
                    None,
                ),
                ..plain("webhook_fail_count", Count)
            },
            K::Webhooks => plain("webhooks", Count),
            K::WebhooksMaxFailCount => plain("max_fail_count", Count),
            K::Samples => plain("samples", Count),
            K::Failed => plain("failed", Count),
            K::Attempts => plain("attempts", Count),
            K::SecretFindings => plain("findings", Count),
            K::FilesScanned => plain("files_scanned", Count),
            K::SlowestSignedMs => plain("slowest_signed_ms", Ms),
        }
    }
}

/// A number behind a verdict, with what it measures and the bounds it was
/// judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// What it measures; names and unit come from [`MetricKey::spec`].
    pub key: MetricKey,
    /// The value, in the key's unit.
    pub value: f64,
    /// The thresholds the check applied, for monitors to draw.
    pub bounds: Option<Bounds>,
    /// The item a per-item metric is about (an endpoint, a webhook id); the
    /// label's name is the key's.
    pub label: Option<String>,
}

impl Metric {
    /// A plain metric.
    pub fn new(key: MetricKey, value: f64) -> Self {
        Metric { key, value, bounds: None, label: None }
    }

    /// The unit, from the key.
    pub fn unit(&self) -> Unit {
        self.key.spec().unit
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    #[test]
    fn all_lists_every_key_once_in_declaration_order() {
        let mut sorted = MetricKey::ALL;
        sorted.sort();
        assert_eq!(sorted, MetricKey::ALL);
        assert!(MetricKey::ALL.windows(2).all(|w| w[0] != w[1]));
        // Sorted, distinct and as many as the last variant's position:
        // every variant is listed.
        assert_eq!(MetricKey::ALL.len(), MetricKey::SlowestSignedMs as usize + 1);
    }

    #[test]
    fn every_public_name_is_unique() {
        let mut json = BTreeSet::new();
        let mut nagios = BTreeSet::new();
        let mut prometheus = BTreeSet::new();
        for key in MetricKey::ALL {
            let spec = key.spec();
            let (warn, fail) = spec.json_bounds;
            for name in [Some(spec.json), warn, fail].into_iter().flatten() {
                assert!(json.insert(name), "JSON name {name} used twice");
            }
            if let Some(label) = spec.nagios {
                assert!(nagios.insert(label), "Nagios label {label} used twice");
                assert!(spec.label.is_none(), "{label}: perfdata has no per-item labels");
            }
            if let Some(s) = spec.prometheus {
                assert!(prometheus.insert((s.name, s.quantile)), "series {} {:?} used twice", s.name, s.quantile);
            }
        }
    }

    fn is_name(text: &str, first: fn(char) -> bool, rest: fn(char) -> bool) -> bool {
        let mut chars = text.chars();
        chars.next().is_some_and(first) && chars.all(rest)
    }

    #[test]
    fn prometheus_series_are_valid_and_families_agree() {
        let mut families: BTreeMap<&str, (&str, Option<&str>, bool)> = BTreeMap::new();
        let mut last_family: Option<&str> = None;
        let mut closed = BTreeSet::new();
        for key in MetricKey::ALL {
            let spec = key.spec();
            let Some(s) = spec.prometheus else { continue };
            let metric_first = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':';
            let metric_rest = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
            assert!(is_name(s.name, metric_first, metric_rest), "invalid series name {}", s.name);
            assert!(s.name.starts_with("clickup_preflight_"), "{}", s.name);
            if spec.unit != Unit::Count {
                assert!(s.name.ends_with("_seconds"), "{}: times are exposed in seconds", s.name);
            }
            if let Some(label) = spec.label {
                let label_first = |c: char| c.is_ascii_alphabetic() || c == '_';
                let label_rest = |c: char| c.is_ascii_alphanumeric() || c == '_';
                assert!(is_name(label, label_first, label_rest) && !label.starts_with("__"), "label {label}");
                assert_ne!(label, "quantile");
            }
            assert!(!s.help.is_empty() && !s.help.contains('\n'), "{}: HELP is one line", s.name);
            if let Some(q) = s.quantile {
                assert!(q.parse::<f64>().is_ok_and(|q| (0.0..=1.0).contains(&q)), "quantile {q}");
            }
            // One family: the same HELP, label and summary shape, and its keys adjacent.
            let shape = (s.help, spec.label, s.quantile.is_some());
            assert_eq!(*families.entry(s.name).or_insert(shape), shape, "{} disagrees", s.name);
            if last_family != Some(s.name) {
                assert!(closed.insert(s.name), "{}: keys of one family must be adjacent", s.name);
            }
            last_family = Some(s.name);
        }
    }

    #[test]
    fn nagios_labels_need_no_quoting() {
        for key in MetricKey::ALL {
            if let Some(label) = key.spec().nagios {
                assert!(label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{label}");
            }
        }
    }
}
