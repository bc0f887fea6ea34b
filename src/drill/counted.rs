//! Which checklist items a journal entry is evidence for, by what the entry
//! is (its fault, phase, token, window, route): the items whose judges read
//! requests like it. It labels the `--journal` lines so that a reader can
//! find the requests behind a verdict; the verdicts themselves come from
//! the judges, which read the journal as a whole.

use super::journal::{Fault, JournalEntry, Method, TokenUsed};
use super::rates::{DATA_ROUTES, NEAR_LIMIT_SHARE};

/// The webhook routes: registering, listing and reactivating.
const WEBHOOK_ROUTES: [&str; 2] = ["/team/{id}/webhook", "/webhook/{id}"];

/// The items `entry` is evidence for, in the checklist's order.
pub fn counted_for(entry: &JournalEntry) -> Vec<&'static str> {
    let mut items = Vec::new();
    let mut add = |id: &'static str, when: bool| {
        if when && !items.contains(&id) {
            items.push(id);
        }
    };
    let rotated = matches!(entry.token, TokenUsed::Drill(n) if n > 0) || entry.fault == Fault::RevokedToken;
    add("token-rotation", rotated);
    let refused = matches!(
        entry.fault,
        Fault::RateLimited { .. } | Fault::WindowExhausted { .. } | Fault::ServerError | Fault::AuthFault
    );
    add("handles-401-429-500", refused);
    add("backoff-with-jitter", matches!(entry.fault, Fault::ServerError | Fault::Outage));
    add("ecode-parsed", entry.ecode.is_some());
    add("circuit-breaker", entry.fault == Fault::Outage);
    add("graceful-degradation", entry.fault == Fault::Outage);
    let near = entry.window.is_some_and(|w| f64::from(w.remaining) <= f64::from(w.limit) * NEAR_LIMIT_SHARE);
    add("request-queuing", near || matches!(entry.fault, Fault::WindowExhausted { .. }));
    let read = entry.method == Method::Get && entry.succeeded();
    add("caching", read && entry.data_version.is_some());
    add("webhooks-over-polling", read && entry.route.is_some_and(|r| DATA_ROUTES.contains(&r)));
    add("webhook-auto-disable", entry.route.is_some_and(|r| WEBHOOK_ROUTES.contains(&r)));
    items
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::journal::*;
    use super::*;

    #[test]
    fn each_kind_of_entry_names_the_items_that_read_it() {
        assert_eq!(counted_for(&get(0, "/list/1/task", 500)), ["handles-401-429-500", "backoff-with-jitter"]);
        assert_eq!(
            counted_for(&get(0, "/team", 0)),
            ["backoff-with-jitter", "circuit-breaker", "graceful-degradation"]
        );
        let read = JournalEntry { route: Some("/list/{id}/task"), ..get(0, "/list/1/task", 200) };
        assert_eq!(counted_for(&read), ["caching", "webhooks-over-polling"]);
        let near = JournalEntry {
            window: Some(RateWindow { limit: 100, remaining: 10, reset: None }),
            ..get(0, "/user", 200)
        };
        assert!(counted_for(&near).contains(&"request-queuing"));
        let far = JournalEntry {
            window: Some(RateWindow { limit: 100, remaining: 11, reset: None }),
            ..get(0, "/user", 200)
        };
        assert!(!counted_for(&far).contains(&"request-queuing"));
        let revoked = JournalEntry { fault: Fault::RevokedToken, ecode: Some("OAUTH_025"), ..get(0, "/team", 401) };
        assert_eq!(counted_for(&revoked), ["token-rotation", "ecode-parsed"]);
        let hook = JournalEntry { route: Some("/webhook/{id}"), ..request(0, Method::Put, "/webhook/x", 200) };
        assert_eq!(counted_for(&hook), ["webhook-auto-disable"]);
    }

    #[test]
    fn every_label_is_an_item_the_drill_judges() {
        let judged = super::super::judged_items();
        let entries = [get(0, "/a", 500), get(0, "/a", 0), get(0, "/a", 429), get(0, "/a", 401), get(0, "/a", 200)];
        for entry in &entries {
            for id in counted_for(entry) {
                assert!(judged.contains(&id), "{id}");
            }
        }
    }
}
