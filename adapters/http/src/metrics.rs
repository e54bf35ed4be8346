//! Prometheus metrics at `/metrics`: requests by route and status, latency histograms,
//! authentication failures by mechanism, the database pool, and the e-mails and SMS sent and
//! failed (counted by the notifier, read at each scrape).
//!
//! Routes are labelled by the OpenAPI template they match (`/api/accounts/{id}`), never by the
//! raw path, so a client cannot grow the label set; anything else is `unmatched`. Methods
//! likewise: an unusual one is `other`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use flexiapi_domain::ports::{NotificationCounts, PoolUsage};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// One server's metrics (a registry of its own: several servers in one process stay apart).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    auth_failures: IntCounterVec,
    pool: IntGaugeVec,
    notifications_sent: IntCounterVec,
    notifications_failed: IntCounterVec,
    b2bua_publish_failures: prometheus::IntCounter,
    /// Serializes the catch-up of the notification counters (two scrapes must not both add the
    /// same difference).
    notifications_sync: Mutex<()>,
    /// Route templates, split into segments; `None` matches any one segment.
    routes: Vec<(String, Vec<Option<String>>)>,
    /// Indexes into `routes` by segment count and third segment (the resource, as in
    /// `/api/accounts/…`; `None` when a parameter or absent): a request compares its path with
    /// a handful of templates, not with all of them.
    routes_by_shape: HashMap<usize, Shape>,
}

/// The templates of one segment count: by their literal resource segment, and those whose
/// resource is a parameter or absent.
#[derive(Default)]
struct Shape {
    by_resource: HashMap<String, Vec<usize>>,
    any_resource: Vec<usize>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// The segment `routes_by_shape` is keyed by: `""`, `api`, then the resource.
const RESOURCE_SEGMENT: usize = 2;

impl Metrics {
    /// Metrics labelled by the templates of `paths` (as in the OpenAPI document, without the
    /// `/api` prefix) plus the few routes outside the API.
    ///
    /// # Panics
    /// Never in practice: the metric definitions are constant and valid.
    pub fn new(paths: &[String]) -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("flexiapi_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "flexiapi_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )
        .expect("valid metric");
        let auth_failures = IntCounterVec::new(
            Opts::new(
                "flexiapi_auth_failures_total",
                "Refused credentials, by mechanism (digest, api_key, jwt)",
            ),
            &["mechanism"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "flexiapi_db_pool_connections",
                "Database pool connections (state: open, idle, max)",
            ),
            &["state"],
        )
        .expect("valid metric");
        let notifications_sent = IntCounterVec::new(
            Opts::new(
                "flexiapi_notifications_sent_total",
                "Messages a transport accepted, by channel (email, sms)",
            ),
            &["channel"],
        )
        .expect("valid metric");
        let notifications_failed = IntCounterVec::new(
            Opts::new(
                "flexiapi_notifications_failed_total",
                "Messages not sent (refused, unreachable or no transport), by channel (email, sms)",
            ),
            &["channel"],
        )
        .expect("valid metric");
        let b2bua_publish_failures = prometheus::IntCounter::new(
            "flexiapi_b2bua_publish_failures_total",
            "External-account changes the B2BUA could not be told about on Redis (after retries)",
        )
        .expect("valid metric");
        for channel in ["email", "sms"] {
            notifications_sent.with_label_values(&[channel]);
            notifications_failed.with_label_values(&[channel]);
        }
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(auth_failures.clone()),
            Box::new(pool.clone()),
            Box::new(notifications_sent.clone()),
            Box::new(notifications_failed.clone()),
            Box::new(b2bua_publish_failures.clone()),
        ] {
            registry.register(metric).expect("unique metric names");
        }
        let mut templates: Vec<String> = paths.iter().map(|p| format!("/api{p}")).collect();
        templates.extend(
            [
                "/api",
                "/api/openapi.json",
                "/health/live",
                "/health/ready",
                "/metrics",
                "/provisioning",
                "/provisioning/me",
                "/provisioning/{token}",
                "/provisioning/qrcode/{token}",
            ]
            .map(String::from),
        );
        let routes: Vec<(String, Vec<Option<String>>)> = templates
            .into_iter()
            .map(|t| {
                let segments = t
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                (t, segments)
            })
            .collect();
        let mut routes_by_shape: HashMap<usize, Shape> = HashMap::new();
        for (i, (_, segments)) in routes.iter().enumerate() {
            let shape = routes_by_shape.entry(segments.len()).or_default();
            match segments.get(RESOURCE_SEGMENT).cloned().flatten() {
                Some(resource) => shape.by_resource.entry(resource).or_default().push(i),
                None => shape.any_resource.push(i),
            }
        }
        Self {
            registry,
            requests,
            latency,
            auth_failures,
            pool,
            notifications_sent,
            notifications_failed,
            b2bua_publish_failures,
            notifications_sync: Mutex::new(()),
            routes,
            routes_by_shape,
        }
    }

    /// The template `path` matches; literal segments win over parameters.
    pub fn route(&self, path: &str) -> &str {
        let segments: Vec<&str> = path.split('/').collect();
        let Some(shape) = self.routes_by_shape.get(&segments.len()) else {
            return "unmatched";
        };
        let literal = segments
            .get(RESOURCE_SEGMENT)
            .and_then(|s| shape.by_resource.get(*s));
        literal
            .into_iter()
            .flatten()
            .chain(&shape.any_resource)
            .map(|&i| &self.routes[i])
            .filter(|(_, template)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s))
            })
            .max_by_key(|(_, template)| template.iter().filter(|t| t.is_some()).count())
            .map_or("unmatched", |(name, _)| name.as_str())
    }

    pub fn observe(&self, method: &str, path: &str, status: u16, elapsed: Duration) {
        let route = self.route(path);
        // HTTP allows any token as a method: label only the ones the API uses.
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "other",
        };
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    pub fn auth_failure(&self, mechanism: &str) {
        self.auth_failures.with_label_values(&[mechanism]).inc();
    }

    /// The text exposition of every metric, with `pool` (the pool's usage read now) and
    /// `notifications` (the notifier's counts since the start).
    pub fn render(
        &self,
        pool: Option<PoolUsage>,
        notifications: NotificationCounts,
        b2bua_failures: u64,
    ) -> String {
        self.catch_up(notifications, b2bua_failures);
        if let Some(usage) = pool {
            self.pool
                .with_label_values(&["open"])
                .set(i64::from(usage.open));
            self.pool
                .with_label_values(&["idle"])
                .set(i64::from(usage.idle));
            self.pool
                .with_label_values(&["max"])
                .set(i64::from(usage.max));
        }
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Metrics {
    /// Brings the counters up to the notifier's totals (they only grow).
    fn catch_up(&self, counts: NotificationCounts, b2bua_failures: u64) {
        let _guard = self
            .notifications_sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (counter, channel, total) in [
            (&self.notifications_sent, "email", counts.emails_sent),
            (&self.notifications_failed, "email", counts.emails_failed),
            (&self.notifications_sent, "sms", counts.sms_sent),
            (&self.notifications_failed, "sms", counts.sms_failed),
        ] {
            let counter = counter.with_label_values(&[channel]);
            if let Some(missing) = total.checked_sub(counter.get()).filter(|m| *m > 0) {
                counter.inc_by(missing);
            }
        }
        let counter = &self.b2bua_publish_failures;
        if let Some(missing) = b2bua_failures.checked_sub(counter.get()).filter(|m| *m > 0) {
            counter.inc_by(missing);
        }
    }
}

#[cfg(test)]
mod tests {
    use flexiapi_domain::ports::NotificationCounts;

    use super::Metrics;

    #[test]
    fn notification_counters_follow_the_notifiers_totals() {
        let m = Metrics::new(&[]);
        let text = m.render(None, NotificationCounts::default(), 0);
        assert!(
            text.contains("flexiapi_notifications_failed_total{channel=\"email\"} 0"),
            "{text}"
        );
        let counts = NotificationCounts {
            emails_sent: 3,
            emails_failed: 2,
            sms_sent: 0,
            sms_failed: 1,
        };
        m.render(None, counts, 0);
        let text = m.render(None, counts, 0);
        for line in [
            "flexiapi_notifications_sent_total{channel=\"email\"} 3",
            "flexiapi_notifications_failed_total{channel=\"email\"} 2",
            "flexiapi_notifications_failed_total{channel=\"sms\"} 1",
            "flexiapi_notifications_sent_total{channel=\"sms\"} 0",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn paths_are_labelled_by_their_template_only() {
        let m = Metrics::new(&[
            "/accounts/{id}".into(),
            "/accounts/me".into(),
            "/accounts/{id}/dictionary/{key}".into(),
        ]);
        assert_eq!(m.route("/api/accounts/42"), "/api/accounts/{id}");
        assert_eq!(m.route("/api/accounts/me"), "/api/accounts/me");
        assert_eq!(
            m.route("/api/accounts/7/dictionary/color"),
            "/api/accounts/{id}/dictionary/{key}"
        );
        assert_eq!(m.route("/api/whatever/1/2/3"), "unmatched");
        assert_eq!(m.route("/health/ready"), "/health/ready");
    }
}
