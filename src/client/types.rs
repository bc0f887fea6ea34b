//! The slices of ClickUp's JSON shapes that the checks need.
//!
//! Decoding is strict where a verdict depends on a field (a user must have an
//! id, a workspace must have an id) and lenient elsewhere: unknown fields are
//! ignored because ClickUp adds fields without notice.

use serde::{Deserialize, Deserializer};

/// The user a token belongs to (`GET /user`). The email is deliberately not
/// kept: reports name people by username only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// ClickUp's numeric user id.
    pub id: u64,
    /// Display name; ClickUp may send `null`.
    pub username: Option<String>,
}

/// A workspace the token can reach (`GET /team`; "team" is the API's old
/// word for a workspace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Digits, as a string (the API's own type for workspace ids).
    pub id: String,
    /// Display name.
    pub name: String,
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
}

impl From<UserEnvelope> for User {
    fn from(env: UserEnvelope) -> Self {
        User { id: env.user.id, username: env.user.username }
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

impl From<TeamsEnvelope> for Vec<Team> {
    fn from(env: TeamsEnvelope) -> Self {
        env.teams.into_iter().map(|t| Team { id: t.id, name: t.name.unwrap_or_default() }).collect()
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
        let user: User = serde_json::from_str::<UserEnvelope>(body).map(User::from).expect("decodes");
        assert_eq!(user, User { id: 123, username: Some("Ada".into()) });
    }

    #[test]
    fn a_body_without_user_is_not_a_user() {
        assert!(serde_json::from_str::<UserEnvelope>(r#"{"id":1}"#).is_err());
        assert!(serde_json::from_str::<UserEnvelope>(r#"{"user":{"username":"x"}}"#).is_err());
    }

    #[test]
    fn team_ids_accept_strings_and_numbers() {
        let body = r#"{"teams":[{"id":"9012345","name":"Acme"},{"id":42}]}"#;
        let teams: Vec<Team> = serde_json::from_str::<TeamsEnvelope>(body).map(Vec::from).expect("decodes");
        assert_eq!(teams[0], Team { id: "9012345".into(), name: "Acme".into() });
        assert_eq!(teams[1], Team { id: "42".into(), name: String::new() });
    }
}
