//! The tokens the sandbox accepts, by generation: the first is the one it
//! started with; a rotation issues the next, and revoking retires every
//! older one, as a team rotating a leaked token does. The journal names a
//! token by its generation, never by its value.

use std::sync::{Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};

use super::journal::TokenSeen;

/// Every token issued, and how many of the oldest are revoked.
#[derive(Debug)]
pub(super) struct Tokens {
    issued: Mutex<Issued>,
}

#[derive(Debug)]
struct Issued {
    /// Generation `n` is at index `n - 1`.
    tokens: Vec<SecretString>,
    /// Generations up to this one (inclusive) are revoked; 0: none.
    revoked_through: u32,
}

/// What a presented token is to the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// A live token of this generation.
    Valid(u32),
    /// A token of this generation, revoked by a rotation.
    Revoked(u32),
    /// A token the sandbox never issued.
    Unknown,
}

impl Tokens {
    /// The sandbox's first token, generation 1.
    pub(super) fn new(first: SecretString) -> Tokens {
        Tokens { issued: Mutex::new(Issued { tokens: vec![first], revoked_through: 0 }) }
    }

    /// The standing of a presented `Authorization` value (`Bearer ` or not).
    pub(super) fn standing(&self, presented: &str) -> Standing {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        let found = issued.tokens.iter().position(|t| bare(t.expose_secret()) == bare(presented));
        match found.map(|index| index as u32 + 1) {
            Some(generation) if generation <= issued.revoked_through => Standing::Revoked(generation),
            Some(generation) => Standing::Valid(generation),
            None => Standing::Unknown,
        }
    }

    /// How the journal records a request's `Authorization` header.
    pub(super) fn seen(&self, header: Option<Option<&str>>) -> TokenSeen {
        match header {
            None => TokenSeen::Absent,
            Some(Some(presented)) => match self.standing(presented) {
                Standing::Valid(generation) | Standing::Revoked(generation) => TokenSeen::Generation(generation),
                Standing::Unknown => TokenSeen::Unknown,
            },
            Some(None) => TokenSeen::Unknown,
        }
    }

    /// Issues the next generation's token (personal-token shaped, random);
    /// the older ones stay valid until [`Tokens::revoke_older`].
    pub(super) fn issue(&self) -> SecretString {
        let token = crate::token::demo_token();
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.tokens.push(token.clone());
        token
    }

    /// Revokes every token but the newest.
    pub(super) fn revoke_older(&self) {
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.revoked_through = issued.tokens.len() as u32 - 1;
    }

    /// `text` with every token issued masked, whole or in pieces (a token
    /// spread over a path's segments or a query's parameters).
    pub(super) fn mask(&self, text: &str) -> String {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        crate::redact::mask_secrets(text, issued.tokens.iter().map(ExposeSecret::expose_secret)).into_owned()
    }
}

/// A presented token without the `Bearer ` that OAuth clients put before it.
pub(super) fn bare(token: &str) -> &str {
    token.strip_prefix("Bearer ").unwrap_or(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_issues_the_next_generation_and_revoking_retires_the_older_ones() {
        let first = crate::token::demo_token();
        let tokens = Tokens::new(first.clone());
        assert_eq!(tokens.standing(first.expose_secret()), Standing::Valid(1));
        assert_eq!(tokens.standing(&format!("Bearer {}", first.expose_secret())), Standing::Valid(1));
        let second = tokens.issue();
        assert_ne!(second.expose_secret(), first.expose_secret());
        assert_eq!(tokens.standing(first.expose_secret()), Standing::Valid(1), "valid until revoked");
        assert_eq!(tokens.standing(second.expose_secret()), Standing::Valid(2));
        tokens.revoke_older();
        assert_eq!(tokens.standing(first.expose_secret()), Standing::Revoked(1));
        assert_eq!(tokens.standing(second.expose_secret()), Standing::Valid(2));
        assert_eq!(tokens.standing("pk_1_NOPE"), Standing::Unknown);
        assert_eq!(tokens.seen(Some(Some(first.expose_secret()))), TokenSeen::Generation(1));
        assert_eq!(tokens.seen(None), TokenSeen::Absent);
        let masked = tokens.mask(&format!("a={}&b={}", first.expose_secret(), second.expose_secret()));
        assert_eq!(masked, "a=[REDACTED]&b=[REDACTED]");
        let secret = first.expose_secret();
        let spread = format!("/task/{}/{}?x={}", &secret[..14], &secret[14..27], &secret[27..]);
        // The first piece holds 3 random characters: too few to mask or to matter.
        assert_eq!(tokens.mask(&spread), format!("/task/{}/[REDACTED]?x=[REDACTED]", &secret[..14]));
    }
}
