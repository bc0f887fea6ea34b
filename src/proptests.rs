//! Property tests over everything that reads outside input: rate-limit
//! headers, the ClickUp and status-page JSON decoders, `checks.toml`,
//! durations and the secret scanner. Arbitrary input never panics, and
//! garbage never yields PASS.

use proptest::prelude::*;

use crate::checks::{Status, platform, rate_limit};
use crate::client::{ApiError, RawLevel, StatusPage, StatusPageFormat, User, status_decode};
use crate::evidence::{Evidence, Probe, RateLimitHeaders};

fn user_probe(rate_limit: RateLimitHeaders) -> Probe<User> {
    Probe {
        result: Ok(User { id: 1, username: None, email: None }),
        elapsed: Default::default(),
        rate_limit,
        attempts: 1,
    }
}

/// The platform check's verdict on a decoded page.
fn judge_page(page: StatusPage) -> crate::model::Outcome {
    let probe = Probe { result: Ok(page), elapsed: Default::default(), rate_limit: Default::default(), attempts: 1 };
    platform::evaluate(&Evidence { status_page: Some(probe), ..Evidence::default() })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rate_limit_headers_never_panic_and_garbage_never_passes(
        limit in proptest::option::of(".{0,24}"),
        remaining in proptest::option::of(".{0,24}"),
        reset in proptest::option::of(".{0,24}"),
    ) {
        // Header values are outside text: the check sees them sanitized.
        let [limit, remaining, reset] = [limit, remaining, reset].map(|h| h.map(crate::text::OutsideText::from));
        let garbage = [&limit, &remaining]
            .iter()
            .any(|h| h.as_deref().is_some_and(|v| v.trim().parse::<u64>().is_err()));
        let missing = limit.is_none() || remaining.is_none();
        let headers = RateLimitHeaders { limit, remaining, reset, retry_after: None, ambiguous: vec![] };
        let evidence = Evidence { observed_at_unix: 1_800_000_000, user: vec![user_probe(headers)], ..Evidence::default() };
        let o = rate_limit::evaluate(&evidence, &rate_limit::Config::default());
        if garbage || missing {
            prop_assert_ne!(o.status, Status::Pass, "{}", o.summary);
        }
        prop_assert_eq!(crate::checks::contract_broken(&o), None);
    }

    #[test]
    fn status_page_decoding_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = status_decode(&bytes, "GET status page", &crate::text::Sanitizer::shapes_only());
    }

    #[test]
    fn json_without_a_known_shape_is_not_a_status_page(text in "[^si]{0,200}") {
        // Without `status_overall` or `indicator` keys no body is recognised.
        prop_assert!(status_decode(text.as_bytes(), "GET status page", &crate::text::Sanitizer::shapes_only()).is_err());
    }

    #[test]
    fn any_status_io_code_other_than_100_is_not_a_pass(code in any::<i64>()) {
        let page = StatusPage {
            format: StatusPageFormat::StatusIo,
            level: RawLevel::StatusIoCode(code),
            description: "".into(),
            affected: vec![],
            incidents: vec![],
            maintenance: vec![],
        };
        let o = judge_page(page);
        prop_assert_eq!(o.status == Status::Pass, code == 100);
        prop_assert_eq!(crate::checks::contract_broken(&o), None);
    }

    #[test]
    fn an_operational_headline_over_any_other_part_code_is_not_a_pass(code in any::<i64>()) {
        let part = crate::client::Part { name: "API".into(), words: "".into(), level: RawLevel::StatusIoCode(code) };
        let page = StatusPage {
            format: StatusPageFormat::StatusIo,
            level: RawLevel::StatusIoCode(100),
            description: "".into(),
            affected: vec![part],
            incidents: vec![],
            maintenance: vec![],
        };
        let o = judge_page(page);
        prop_assert_eq!(o.status == Status::Pass, code == 100);
        prop_assert_eq!(crate::checks::contract_broken(&o), None);
    }

    #[test]
    fn clickup_body_decoding_never_panics_and_errors_name_the_endpoint(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        match crate::client::decode_user(&bytes) {
            Ok(_) => {}
            Err(ApiError::Decode { endpoint, .. }) => prop_assert_eq!(endpoint, "GET /user"),
            Err(other) => prop_assert!(false, "unexpected error kind: {other}"),
        }
    }

    #[test]
    fn checks_toml_never_panics_and_errors_are_one_line(text in "(\\PC|\n){0,300}") {
        if let Err(e) = crate::config::parse_file(&text) {
            let message = e.to_string();
            prop_assert!(!message.contains('\n'), "{message}");
            prop_assert!(message.starts_with("checks.toml:"), "{message}");
        }
    }

    #[test]
    fn sanitized_text_has_no_raw_control_character_and_keeps_its_bound(
        raw in "(\\PC|\\p{Cc}|\\p{Cf}|\u{1b}\\[|\u{1b}\\]|\n|pk_1234567_[A-Z0-9]{32}){0,60}",
        bound in 1usize..80,
    ) {
        let s = crate::text::Sanitizer::shapes_only();
        let line = s.line(&raw, bound);
        prop_assert!(!line.chars().any(char::is_control), "{line:?}");
        prop_assert!(line.chars().count() <= bound + 1, "{line:?}");
        prop_assert!(!line.contains("pk_1234567_"), "{line:?}");
        let lines = s.lines(&raw, bound);
        prop_assert!(!lines.chars().any(|c| c.is_control() && c != '\n'), "{lines:?}");
    }

    #[test]
    fn durations_never_panic(text in "\\PC{0,20}") {
        let _ = crate::duration::parse(&text);
    }

    #[test]
    fn the_scanner_never_panics_and_never_shows_more_than_six_characters(text in "(\\PC|\n){0,400}") {
        for m in crate::repo::scan::scan(&text) {
            prop_assert!(m.prefix.chars().count() <= 6);
        }
    }
}
