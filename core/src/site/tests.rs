//! The site rules' tests: origins, identity, the pre-chat form, options.

use super::*;
use shared::site::CustomField;

const OWN: &str = "https://chat.example.net";

fn site(origins: &[&str], secret: Option<&str>) -> SiteOptions {
    SiteOptions {
        allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
        secret: secret.map(str::to_owned),
        ..SiteOptions::default()
    }
}

#[track_caller]
fn check(options: &SiteOptions, origin: Option<&str>, secret: Option<&str>, allowed: bool) {
    let got = check_origin("acme.web", options, origin, OWN, secret);
    assert_eq!(got.is_ok(), allowed, "{origin:?} {secret:?}: {got:?}");
    if let Err(r) = got {
        assert_eq!(r.code, ErrorCode::OriginNotAllowed);
        assert!(r.message.contains("acme.web"), "{}", r.message);
    }
}

#[test]
fn exact_origins_match_only_themselves() {
    let s = site(&["https://shop.example", "http://127.0.0.1:8790"], None);
    check(&s, Some("https://shop.example"), None, true);
    check(&s, Some("HTTPS://Shop.Example"), None, true);
    check(&s, Some("http://127.0.0.1:8790"), None, true);
    check(&s, Some("http://shop.example"), None, false);
    check(&s, Some("https://shop.example:8443"), None, false);
    check(&s, Some("https://shop.example.evil.com"), None, false);
    check(&s, Some("https://www.shop.example"), None, false);
    check(&s, Some("http://127.0.0.1:8791"), None, false);
    check(&s, Some("null"), None, false);
}

#[test]
fn a_wildcard_matches_subdomains_only() {
    let s = site(&["https://*.example.com"], None);
    check(&s, Some("https://a.example.com"), None, true);
    check(&s, Some("https://a.b.example.com"), None, true);
    check(&s, Some("https://example.com"), None, false);
    check(&s, Some("https://.example.com"), None, false);
    check(&s, Some("https://aexample.com"), None, false);
    check(&s, Some("http://a.example.com"), None, false);
    check(&s, Some("https://a.example.com:444"), None, false);
    check(&s, Some("https://a.example.com.evil.org"), None, false);
    check(&s, Some("https://evil.org/a.example.com"), None, false);
    let with_port = site(&["http://*.localhost:8080"], None);
    check(&with_port, Some("http://x.localhost:8080"), None, true);
    check(&with_port, Some("http://x.localhost"), None, false);
}

#[test]
fn the_workers_own_origin_is_always_allowed() {
    let none = site(&[], None);
    check(&none, Some(OWN), None, true);
    check(&none, Some("https://chat.example.net:8443"), None, false);
    assert!(is_own_origin(Some(OWN), OWN));
    assert!(!is_own_origin(None, OWN));
}

#[test]
fn a_same_origin_get_comes_from_the_worker_itself() {
    // The frame's own GETs carry no Origin, only Sec-Fetch-Site.
    assert_eq!(request_origin(None, Some("same-origin"), OWN), Some(OWN));
    for other in [None, Some("cross-site"), Some("same-site"), Some("none")] {
        assert_eq!(request_origin(None, other, OWN), None, "{other:?}");
    }
    // An Origin header is what counts when there is one.
    let evil = "https://evil.example";
    assert_eq!(
        request_origin(Some(evil), Some("same-origin"), OWN),
        Some(evil)
    );
}

#[test]
fn no_origin_needs_the_right_secret() {
    let secret = "0123456789abcdef-secret";
    let s = site(&["https://shop.example"], Some(secret));
    check(&s, None, Some(secret), true);
    check(&s, None, None, false);
    check(&s, None, Some("0123456789abcdef-secreT"), false);
    check(&s, None, Some(""), false);
    // A site without a secret cannot be called without an Origin.
    check(&site(&[], None), None, Some(""), false);
    check(&site(&[], None), None, None, false);
    // An Origin that is not allowed is refused even with the secret.
    check(&s, Some("https://evil.example"), Some(secret), false);
}

#[test]
fn secrets_compare_by_digest() {
    assert!(secret_matches(
        "a-long-enough-secret",
        "a-long-enough-secret"
    ));
    assert!(!secret_matches(
        "a-long-enough-secret",
        "a-long-enough-secreu"
    ));
    assert!(!secret_matches(
        "a-long-enough-secret",
        "a-long-enough-secret-and-more"
    ));
    assert!(!secret_matches("a-long-enough-secret", ""));
}

#[test]
fn origin_patterns_are_checked_at_setup() {
    for ok in [
        "https://shop.example",
        "http://127.0.0.1:8790",
        "https://*.example.com",
        "http://localhost:3000",
    ] {
        assert_eq!(check_origin_pattern(ok), Ok(()), "{ok}");
    }
    for bad in [
        "shop.example",
        "https://shop.example/",
        "https://shop.example/path",
        "ftp://shop.example",
        "https://*",
        "https://a.*.example.com",
        "https://Shop.example",
        "https://shop.example:0",
        "https://shop.example:99999",
        "https://",
        "*",
    ] {
        assert!(check_origin_pattern(bad).is_err(), "{bad}");
    }
}

#[test]
fn identity_hashes_prove_the_user_id() {
    let secret = "site-secret-of-acme";
    let user = |id: &str, hash: Option<String>| VisitorUser {
        id: id.into(),
        hash,
        ..VisitorUser::default()
    };
    let hash = identity_hash(secret, "42");
    assert_eq!(hash.len(), 64);
    assert_eq!(
        verify_identity(Some(secret), &user("42", Some(hash.clone()))),
        Ok(())
    );
    assert_eq!(
        verify_identity(Some(secret), &user("42", Some(hash.to_uppercase()))),
        Ok(())
    );
    let mismatch = Err("setUser: the hash does not match the user id; the visitor stays anonymous");
    assert_eq!(
        verify_identity(Some(secret), &user("43", Some(hash.clone()))),
        mismatch
    );
    assert_eq!(
        verify_identity(Some("another-secret-xx"), &user("42", Some(hash.clone()))),
        mismatch
    );
    assert_eq!(
        verify_identity(Some(secret), &user("42", Some("zz".repeat(32)))),
        mismatch
    );
    assert_eq!(
        verify_identity(Some(secret), &user("42", Some("é".repeat(32)))),
        mismatch
    );
    assert_eq!(
        verify_identity(Some(secret), &user("42", Some(hash[..62].into()))),
        mismatch
    );
    assert!(verify_identity(Some(secret), &user("42", None)).is_err());
    assert!(verify_identity(None, &user("42", Some(hash))).is_err());
    assert!(verify_identity(Some(secret), &user("", None)).is_err());
    assert!(verify_identity(Some(secret), &user("a\nb", None)).is_err());
    // Known vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
    assert_eq!(
        identity_hash("key", "The quick brown fox jumps over the lazy dog"),
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
}

#[test]
fn verified_ids_depend_on_workspace_site_and_user() {
    let id = verified_visitor_id("acme", "web", "42");
    assert_eq!(id, verified_visitor_id("acme", "web", "42"));
    assert_eq!(id.len(), 33);
    assert!(shared::ids::is_valid_id(&id));
    assert_ne!(id, verified_visitor_id("acme", "web", "43"));
    assert_ne!(id, verified_visitor_id("acme", "shop", "42"));
    assert_ne!(id, verified_visitor_id("other", "web", "42"));
    assert_ne!(
        verified_visitor_id("a", "bc", "d"),
        verified_visitor_id("ab", "c", "d")
    );
}

fn form() -> PrechatForm {
    PrechatForm {
        name: FieldRule::Required,
        email: FieldRule::Optional,
        departments: vec!["sales".into()],
        fields: vec![
            CustomField {
                id: "order".into(),
                label: "Order number".into(),
                required: true,
            },
            CustomField {
                id: "plan".into(),
                label: "Plan".into(),
                required: false,
            },
        ],
        skippable: false,
    }
}

fn start(name: Option<&str>, email: Option<&str>, fields: &[(&str, &str)]) -> StartConversation {
    StartConversation {
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
        fields: fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..StartConversation::default()
    }
}

#[track_caller]
fn refused(form: Option<&PrechatForm>, s: StartConversation, field: &str) {
    let got = check_start(form, &s);
    assert!(got.as_ref().is_err_and(|e| e.starts_with(field)), "{got:?}");
}

#[test]
fn a_prechat_form_is_checked_field_by_field() {
    let f = form();
    let ok = check_start(
        Some(&f),
        &start(Some(" Ada "), None, &[("order", "A-1"), ("plan", " ")]),
    );
    let ok = ok.expect("valid");
    assert_eq!(ok.name.as_deref(), Some("Ada"));
    assert_eq!(ok.email, None);
    assert_eq!(ok.fields.len(), 1, "empty answers are left out");
    refused(Some(&f), start(None, None, &[("order", "1")]), "name");
    refused(
        Some(&f),
        start(Some("Ada"), Some("not-an-email"), &[("order", "1")]),
        "email",
    );
    refused(Some(&f), start(Some("Ada"), None, &[]), "fields.order");
    // The page's own fields come along; a malformed name does not.
    let with_page = check_start(
        Some(&f),
        &start(Some("Ada"), None, &[("order", "1"), ("source", "ad")]),
    );
    assert_eq!(with_page.map(|d| d.fields.len()), Ok(2));
    refused(
        Some(&f),
        start(Some("Ada"), None, &[("order", "1"), ("a b", "x")]),
        "fields.a b",
    );
    refused(
        Some(&f),
        start(Some("Ada"), None, &[("order", "1"), ("plan", "a\nb")]),
        "fields.plan",
    );
    refused(
        Some(&f),
        start(Some("Ada"), None, &[("order", "a\nb")]),
        "fields.order",
    );
    refused(
        Some(&f),
        start(Some(&"x".repeat(201)), None, &[("order", "1")]),
        "name",
    );
    let mut lang = start(Some("Ada"), None, &[("order", "1")]);
    lang.language = Some("e s".into());
    refused(Some(&f), lang, "language");
    let off = PrechatForm {
        email: FieldRule::Off,
        ..form()
    };
    refused(
        Some(&off),
        start(Some("Ada"), Some("a@b.co"), &[("order", "1")]),
        "email",
    );
}

#[test]
fn a_skippable_form_may_be_skipped_whole_but_not_half() {
    let f = PrechatForm {
        skippable: true,
        ..form()
    };
    assert!(check_start(Some(&f), &start(None, None, &[])).is_ok());
    // The page's fields are not answers: the form is still skipped.
    assert!(check_start(Some(&f), &start(None, None, &[("source", "ad")])).is_ok());
    refused(Some(&f), start(None, None, &[("plan", "pro")]), "name");
    refused(Some(&f), start(None, Some("a@b.co"), &[]), "name");
}

#[test]
fn without_a_form_the_page_may_still_say_who_comes() {
    let ok = check_start(None, &start(Some("Ada"), Some("ada@example.com"), &[]));
    assert_eq!(ok.map(|d| d.email), Ok(Some("ada@example.com".into())));
    let page = check_start(None, &start(None, None, &[("order", "1")]));
    assert_eq!(page.map(|d| d.fields.len()), Ok(1));
    refused(None, start(None, None, &[("", "1")]), "fields.");
    assert!(check_start(None, &StartConversation::default()).is_ok_and(|d| d.is_empty()));
}

#[test]
fn departments_are_picked_from_the_forms_list() {
    assert!(may_pick(None, "any"));
    assert!(may_pick(Some(&form()), "sales"));
    assert!(!may_pick(Some(&form()), "support"));
    assert!(may_pick(Some(&PrechatForm::default()), "support"));
}

#[test]
fn site_options_are_checked_at_setup() {
    let known = |d: &str| d == "sales";
    assert_eq!(check_options("web", &SiteOptions::default(), known), Ok(()));
    let good = SiteOptions {
        prechat: Some(form()),
        secret: Some("0123456789abcdef".into()),
        allowed_origins: vec!["https://*.example.com".into()],
        ..SiteOptions::default()
    };
    assert_eq!(check_options("web", &good, known), Ok(()));
    let bad = [
        SiteOptions {
            secret: Some("short".into()),
            ..good.clone()
        },
        SiteOptions {
            allowed_origins: vec!["https://x/".into()],
            ..good.clone()
        },
        SiteOptions {
            prechat: Some(PrechatForm {
                departments: vec!["nope".into()],
                ..form()
            }),
            ..good.clone()
        },
        SiteOptions {
            prechat: Some(PrechatForm {
                fields: vec![CustomField {
                    id: "a b".into(),
                    label: "x".into(),
                    required: false,
                }],
                ..form()
            }),
            ..good.clone()
        },
        SiteOptions {
            theme: shared::site::SiteTheme {
                color: "blue".into(),
                ..Default::default()
            },
            ..good.clone()
        },
        SiteOptions {
            theme: shared::site::SiteTheme {
                agent_avatar: Some("javascript:alert(1)".into()),
                ..Default::default()
            },
            ..good.clone()
        },
        SiteOptions {
            texts: [("fr".to_string(), Default::default())].into(),
            ..good.clone()
        },
    ];
    for b in bad {
        let got = check_options("web", &b, known);
        assert!(
            got.as_ref().is_err_and(|e| e.starts_with("site \"web\"")),
            "{b:?}: {got:?}"
        );
    }
}
