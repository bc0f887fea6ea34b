//! The slices of ClickUp's JSON shapes that the checks need.
//!
//! Decoding is strict where a verdict depends on a field (a user must have an
//! id, a workspace must have an id) and lenient elsewhere: unknown fields are
//! ignored because ClickUp adds fields without notice.
//!
//! The wire shapes hold the server's raw text; each becomes its public
//! shape only through [`FromWire`], which sanitizes every text field (see
//! [`crate::text`]). Raw text does not leave this module.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::model::Message;
use crate::text::{self, OutsideText, Sanitizer};

/// A decoded wire shape and the public shape it becomes once its text is
/// sanitized.
pub(crate) trait FromWire: DeserializeOwned {
    /// The public shape.
    type Out;
    /// Every text field through `sanitizer`.
    fn sanitize(self, sanitizer: &Sanitizer) -> Self::Out;
}

/// The user a token belongs to (`GET /user`). The email is deliberately not
/// kept: reports name people by username only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// ClickUp's numeric user id.
    pub id: u64,
    /// Display name; ClickUp may send `null`.
    pub username: Option<OutsideText>,
    /// For matching `service_account` only; reports never print it.
    pub email: Option<OutsideText>,
}

/// A workspace the token can reach (`GET /team`; "team" is the API's old
/// word for a workspace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Digits, as a string (the API's own type for workspace ids).
    pub id: OutsideText,
    /// Display name.
    pub name: OutsideText,
}

/// Whether `id` is a workspace id: ClickUp's are digits. Anything else
/// (empty, letters, a path) is not a workspace, and is never put into a
/// `/team/{id}/...` URL.
pub fn is_workspace_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_digit())
}

#[derive(Deserialize)]
pub(crate) struct UserEnvelope {
    user: WireUser,
}

#[derive(Deserialize)]
struct WireUser {
    id: u64,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

impl FromWire for UserEnvelope {
    type Out = User;

    fn sanitize(self, s: &Sanitizer) -> User {
        let name = |t: Option<String>| t.map(|t| s.line(&t, text::NAME));
        User { id: self.user.id, username: name(self.user.username), email: name(self.user.email) }
    }
}

#[derive(Deserialize)]
pub(crate) struct TeamsEnvelope {
    teams: Vec<WireTeam>,
}

#[derive(Deserialize)]
struct WireTeam {
    #[serde(deserialize_with = "id_string")]
    id: String,
    #[serde(default)]
    name: Option<String>,
}

impl FromWire for TeamsEnvelope {
    type Out = Vec<Team>;

    fn sanitize(self, s: &Sanitizer) -> Vec<Team> {
        let team = |t: WireTeam| Team {
            id: s.line(&t.id, text::ID),
            name: s.line(t.name.as_deref().unwrap_or_default(), text::NAME),
        };
        self.teams.into_iter().map(team).collect()
    }
}

/// Every event ClickUp documents for webhooks. `*` (all events) is accepted
/// by the API too and is handled apart.
pub const WEBHOOK_EVENTS: [&str; 28] = [
    "taskCreated",
    "taskUpdated",
    "taskDeleted",
    "taskPriorityUpdated",
    "taskStatusUpdated",
    "taskAssigneeUpdated",
    "taskDueDateUpdated",
    "taskTagUpdated",
    "taskMoved",
    "taskCommentPosted",
    "taskCommentUpdated",
    "taskTimeEstimateUpdated",
    "taskTimeTrackedUpdated",
    "listCreated",
    "listUpdated",
    "listDeleted",
    "folderCreated",
    "folderUpdated",
    "folderDeleted",
    "spaceCreated",
    "spaceUpdated",
    "spaceDeleted",
    "goalCreated",
    "goalUpdated",
    "goalDeleted",
    "keyResultCreated",
    "keyResultUpdated",
    "keyResultDeleted",
];

/// Whether ClickUp documents `event` (or it is `*`, all events).
pub fn is_known_event(event: &str) -> bool {
    event == "*" || WEBHOOK_EVENTS.contains(&event)
}

/// A webhook as `GET /team/{id}/webhook` lists it. The signing `secret`
/// ClickUp includes is deliberately not decoded: it is never kept, so it can
/// never be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// UUID.
    pub id: OutsideText,
    /// The workspace it belongs to (a number in this endpoint; kept as text).
    pub team_id: OutsideText,
    /// Where ClickUp delivers (without any userinfo).
    pub endpoint: OutsideText,
    /// Subscribed events; `*` means all.
    pub events: Vec<OutsideText>,
    /// Location filters as set.
    pub location: LocationFilter,
    /// `health.status` and `health.fail_count`, when present.
    pub health: Option<Health>,
    /// The endpoint and events exactly as ClickUp sent them, to be sent back
    /// unchanged by a reactivation (which must restate them).
    pub subscription: Subscription,
}

/// A webhook's `endpoint` and `events` exactly as ClickUp sent them.
///
/// `PUT /webhook/{id}` requires both, and leaving `events` out subscribes
/// the webhook to every event, so a reactivation must restate what was
/// listed: the sanitized [`Webhook::endpoint`] would drop userinfo or mask a
/// token-shaped query, changing the webhook. This raw text is never shown:
/// there is no `Display`, `Debug` hides it, and the only ways out are the
/// request body and comparisons.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    endpoint: String,
    events: Option<WireEvents>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription(as listed)")
    }
}

impl Subscription {
    /// The body of `PUT /webhook/{id}` that reactivates the webhook without
    /// changing it, or `None` when the listing did not say its events
    /// (sending none would subscribe it to all of them).
    pub fn reactivation_body(&self) -> Option<Vec<u8>> {
        let events = self.events.as_ref()?;
        let body = serde_json::json!({"endpoint": self.endpoint, "events": events, "status": "active"});
        serde_json::to_vec(&body).ok()
    }

    /// Whether the endpoints are byte for byte the same.
    pub fn same_endpoint(&self, other: &Subscription) -> bool {
        self.endpoint == other.endpoint
    }

    /// Whether both subscribe to the same events: order does not matter,
    /// and `"*"` is the same as `["*"]`.
    pub fn same_events(&self, other: &Subscription) -> bool {
        fn set(events: &Option<WireEvents>) -> Option<std::collections::BTreeSet<&str>> {
            events.as_ref().map(WireEvents::set)
        }
        set(&self.events) == set(&other.events)
    }
}

/// `events` as ClickUp sends it: a list of names, or one string (`"*"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
enum WireEvents {
    List(Vec<String>),
    One(String),
}

impl WireEvents {
    fn names(&self) -> Vec<&str> {
        match self {
            WireEvents::List(list) => list.iter().map(String::as_str).collect(),
            WireEvents::One(one) => vec![one.as_str()],
        }
    }

    fn set(&self) -> std::collections::BTreeSet<&str> {
        self.names().into_iter().collect()
    }
}

impl Webhook {
    /// How `after` (ClickUp's answer to a reactivation) differs from this
    /// webhook in what it delivers: endpoint, events, location. Empty when
    /// nothing changed. Lines show sanitized text only.
    pub fn subscription_changes(&self, after: &Webhook) -> Vec<String> {
        let mut out = Vec::new();
        if !self.subscription.same_endpoint(&after.subscription) {
            out.push(format!("endpoint: {} -> {}", self.endpoint, after.endpoint));
        }
        if !self.subscription.same_events(&after.subscription) {
            let shown = |h: &Webhook| if h.events.is_empty() { "(none)".to_owned() } else { h.events.join(", ") };
            out.push(format!("events: {} -> {}", shown(self), shown(after)));
        }
        if self.location != after.location {
            out.push(format!("location: {} -> {}", self.location.describe(), after.location.describe()));
        }
        out
    }
}

/// A webhook's health as ClickUp reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// `active`, `failing`, `suspended` (older docs: `disabled`).
    pub status: OutsideText,
    /// Events dropped after their retries ran out.
    pub fail_count: u64,
}

/// The level a location filter applies at, least to most specific.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `space_id`.
    Space,
    /// `folder_id`.
    Folder,
    /// `list_id`.
    List,
    /// `task_id`.
    Task,
}

impl Level {
    /// `space`, `folder`, `list` or `task`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Space => "space",
            Level::Folder => "folder",
            Level::List => "list",
            Level::Task => "task",
        }
    }
}

/// The four location filters of a webhook (or of an expectation, read from
/// `checks.toml`, whose ids are sanitized for token shapes only).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationFilter {
    /// `space_id`.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub space_id: Option<OutsideText>,
    /// `folder_id`.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub folder_id: Option<OutsideText>,
    /// `list_id`.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub list_id: Option<OutsideText>,
    /// `task_id`.
    #[serde(default, deserialize_with = "opt_id_text")]
    pub task_id: Option<OutsideText>,
}

impl LocationFilter {
    /// The filter ClickUp applies: the most specific one set, or `None` for
    /// the whole workspace.
    pub fn effective(&self) -> Option<(Level, &str)> {
        self.effective_text().map(|(level, id)| (level, id.as_str()))
    }

    /// [`LocationFilter::effective`], its id kept as outside text for
    /// report lines.
    pub fn effective_text(&self) -> Option<(Level, &OutsideText)> {
        [
            (Level::Task, &self.task_id),
            (Level::List, &self.list_id),
            (Level::Folder, &self.folder_id),
            (Level::Space, &self.space_id),
        ]
        .into_iter()
        .find_map(|(level, id)| id.as_ref().filter(|id| !id.is_empty()).map(|id| (level, id)))
    }

    /// The levels that are set, for reports of webhooks that set several.
    pub fn levels_set(&self) -> Vec<Level> {
        let all = [
            (Level::Space, &self.space_id),
            (Level::Folder, &self.folder_id),
            (Level::List, &self.list_id),
            (Level::Task, &self.task_id),
        ];
        all.into_iter().filter(|(_, id)| id.as_deref().is_some_and(|id| !id.is_empty())).map(|(l, _)| l).collect()
    }

    /// `list 901234`, or `workspace` when no filter is set.
    pub fn describe(&self) -> Message {
        self.effective_text().map_or_else(
            || Message::from("whole workspace"),
            |(level, id)| crate::message!("{} {}", level.as_str(), id),
        )
    }
}

#[derive(Deserialize)]
pub(crate) struct WebhooksEnvelope {
    webhooks: Vec<WireWebhook>,
}

#[derive(Deserialize)]
pub(crate) struct WireWebhook {
    #[serde(deserialize_with = "id_string")]
    id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    team_id: Option<String>,
    endpoint: String,
    #[serde(default)]
    events: Option<WireEvents>,
    #[serde(default, deserialize_with = "opt_id_string")]
    space_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    folder_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    list_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    task_id: Option<String>,
    #[serde(default)]
    health: Option<WireHealth>,
}

#[derive(Deserialize)]
struct WireHealth {
    status: String,
    #[serde(default)]
    fail_count: u64,
}

impl WireWebhook {
    fn sanitize(self, s: &Sanitizer) -> Webhook {
        let id = |t: Option<String>| t.map(|t| s.line(&t, text::ID));
        Webhook {
            id: s.line(&self.id, text::ID),
            team_id: s.line(self.team_id.as_deref().unwrap_or_default(), text::ID),
            endpoint: s.line(&self.endpoint, text::URL),
            events: self.events.iter().flat_map(WireEvents::names).map(|e| s.line(e, text::WORD)).collect(),
            location: LocationFilter {
                space_id: id(self.space_id),
                folder_id: id(self.folder_id),
                list_id: id(self.list_id),
                task_id: id(self.task_id),
            },
            health: self.health.map(|h| Health { status: s.line(&h.status, text::WORD), fail_count: h.fail_count }),
            subscription: Subscription { endpoint: self.endpoint, events: self.events },
        }
    }
}

impl FromWire for WebhooksEnvelope {
    type Out = Vec<Webhook>;

    fn sanitize(self, s: &Sanitizer) -> Vec<Webhook> {
        self.webhooks.into_iter().map(|w| w.sanitize(s)).collect()
    }
}

/// `PUT /webhook/{id}` answers with the webhook, documented loosely as "the
/// updated webhook": accept it wrapped (`{"webhook": {...}}`, like the
/// create answer) or bare.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum UpdatedWebhook {
    Wrapped { webhook: WireWebhook },
    Bare(WireWebhook),
}

impl FromWire for UpdatedWebhook {
    type Out = Webhook;

    fn sanitize(self, s: &Sanitizer) -> Webhook {
        match self {
            UpdatedWebhook::Wrapped { webhook } | UpdatedWebhook::Bare(webhook) => webhook.sanitize(s),
        }
    }
}

/// ClickUp's error body: `{"err": "...", "ECODE": "..."}`.
#[derive(Deserialize, Default)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub err: Option<String>,
    #[serde(default, rename = "ECODE")]
    pub ecode: Option<String>,
}

/// `opt_id_string` for ids read from `checks.toml`: no secret is known yet
/// when it is read, so only token shapes are masked.
fn opt_id_text<'de, D: Deserializer<'de>>(de: D) -> Result<Option<OutsideText>, D::Error> {
    Ok(opt_id_string(de)?.map(|id| Sanitizer::shapes_only().line(&id, text::ID)))
}

/// Like `id_string`, for ids that may be `null` or absent.
fn opt_id_string<'de, D: Deserializer<'de>>(de: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    Ok(Option::<Id>::deserialize(de)?.map(|id| match id {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    }))
}

/// Workspace ids are strings in `/team` but numbers in webhook objects;
/// accept both so one shape change does not turn into a false failure.
fn id_string<'de, D: Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(u64),
    }
    match Id::deserialize(de)? {
        Id::Text(s) => Ok(s),
        Id::Number(n) => Ok(n.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_documented_user_shape() {
        let body = r##"{"user":{"id":123,"username":"Ada","email":"a@example.com","color":"#fff","profilePicture":null,"initials":"A","week_start_day":null,"global_font_support":false,"timezone":"Europe/Paris"}}"##;
        let user: User =
            serde_json::from_str::<UserEnvelope>(body).map(|u| u.sanitize(&Sanitizer::shapes_only())).expect("decodes");
        assert_eq!(user, User { id: 123, username: Some("Ada".into()), email: Some("a@example.com".into()) });
    }

    #[test]
    fn a_body_without_user_is_not_a_user() {
        assert!(serde_json::from_str::<UserEnvelope>(r#"{"id":1}"#).is_err());
        assert!(serde_json::from_str::<UserEnvelope>(r#"{"user":{"username":"x"}}"#).is_err());
    }

    #[test]
    fn decodes_the_documented_webhook_list_without_keeping_the_secret() {
        let body = r#"{"webhooks":[{"id":"4b67ac88","userid":123,"team_id":9012345,"endpoint":"https://x.example/hook","client_id":"c","events":["taskCreated"],"task_id":null,"list_id":"901","folder_id":null,"space_id":"77","health":{"status":"failing","fail_count":12},"secret":"SHH"}]}"#;
        let hooks: Vec<Webhook> = serde_json::from_str::<WebhooksEnvelope>(body)
            .map(|w| w.sanitize(&Sanitizer::shapes_only()))
            .expect("decodes");
        assert_eq!(hooks[0].team_id, "9012345");
        assert_eq!(hooks[0].health, Some(Health { status: "failing".into(), fail_count: 12 }));
        assert_eq!(hooks[0].location.effective(), Some((Level::List, "901")));
        assert_eq!(hooks[0].location.levels_set(), vec![Level::Space, Level::List]);
        assert!(!format!("{hooks:?}").contains("SHH"), "the secret is not kept");
    }

    #[test]
    fn the_most_specific_location_wins() {
        let all = LocationFilter {
            space_id: Some("s".into()),
            folder_id: Some("f".into()),
            list_id: Some("l".into()),
            task_id: Some("t".into()),
        };
        assert_eq!(all.effective(), Some((Level::Task, "t")));
        assert_eq!(LocationFilter::default().effective(), None);
        assert_eq!(LocationFilter::default().describe(), "whole workspace");
    }

    #[test]
    fn updated_webhooks_decode_wrapped_or_bare() {
        let bare = r#"{"id":"a","endpoint":"https://x","events":[],"health":{"status":"active","fail_count":0}}"#;
        let wrapped = format!(r#"{{"id":"a","webhook":{bare}}}"#);
        for body in [bare.to_owned(), wrapped] {
            let hook: Webhook = serde_json::from_str::<UpdatedWebhook>(&body)
                .map(|w| w.sanitize(&Sanitizer::shapes_only()))
                .expect("decodes");
            assert_eq!(hook.health.map(|h| h.status), Some("active".into()));
        }
    }

    fn listed(body: &str) -> Webhook {
        let wire: WireWebhook = serde_json::from_str(body).expect("decodes");
        wire.sanitize(&Sanitizer::shapes_only())
    }

    #[test]
    fn a_reactivation_restates_the_raw_subscription_and_compares_it() {
        let before = listed(
            r#"{"id":"a","team_id":1,"endpoint":"https://u:pw@h.example/x","events":["taskMoved","taskCreated"],"list_id":901}"#,
        );
        assert_eq!(before.endpoint, "https://h.example/x", "shown without userinfo");
        let body: serde_json::Value =
            serde_json::from_slice(&before.subscription.reactivation_body().expect("events listed")).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"endpoint": "https://u:pw@h.example/x", "events": ["taskMoved", "taskCreated"], "status": "active"}),
            "sent back exactly as listed"
        );
        assert!(!format!("{before:?}").contains("pw@"), "Debug hides the raw subscription");
        let same = listed(
            r#"{"id":"a","team_id":"1","endpoint":"https://u:pw@h.example/x","events":["taskCreated","taskMoved"],"list_id":"901"}"#,
        );
        assert_eq!(before.subscription_changes(&same), Vec::<String>::new(), "order and id shapes do not matter");
        let other_user = listed(
            r#"{"id":"a","endpoint":"https://v:pw@h.example/x","events":["taskCreated","taskMoved"],"list_id":901}"#,
        );
        assert_eq!(before.subscription_changes(&other_user).len(), 1, "raw userinfo differs");
        let star = listed(r#"{"id":"a","endpoint":"https://h.example/x","events":"*"}"#);
        let star_list = listed(r#"{"id":"a","endpoint":"https://h.example/x","events":["*"]}"#);
        assert!(star.subscription.same_events(&star_list.subscription));
        assert_eq!(star.events, vec![OutsideText::from("*")]);
        let unknown = listed(r#"{"id":"a","endpoint":"https://h.example/x"}"#);
        assert_eq!(unknown.subscription.reactivation_body(), None, "no events listed: nothing to restate");
    }

    #[test]
    fn team_ids_accept_strings_and_numbers() {
        let body = r#"{"teams":[{"id":"9012345","name":"Acme"},{"id":42}]}"#;
        let teams: Vec<Team> = serde_json::from_str::<TeamsEnvelope>(body)
            .map(|t| t.sanitize(&Sanitizer::shapes_only()))
            .expect("decodes");
        assert_eq!(teams[0], Team { id: "9012345".into(), name: "Acme".into() });
        assert_eq!(teams[1], Team { id: "42".into(), name: "".into() });
    }

    #[test]
    fn every_text_field_is_sanitized_at_decode() {
        let body = r#"{"webhooks":[{"id":"a\u001b[2Kb","team_id":"1\n2","endpoint":"https://u:pw@h.example/x\r",
            "events":["taskCreated\u0007"],"list_id":"9\n","health":{"status":"act\u001b]0;x\u0007ive","fail_count":1}}]}"#;
        let hooks = serde_json::from_str::<WebhooksEnvelope>(body)
            .map(|w| w.sanitize(&Sanitizer::shapes_only()))
            .expect("decodes");
        let h = &hooks[0];
        assert_eq!((h.id.as_str(), h.team_id.as_str()), ("a␛b", "1␤2"));
        assert_eq!(h.endpoint, "https://h.example/x␍");
        assert_eq!(h.events[0], "taskCreated␇");
        assert_eq!(h.location.effective(), Some((Level::List, "9␤")));
        assert_eq!(h.health.as_ref().map(|x| x.status.as_str()), Some("act␛ive"));
    }
}
