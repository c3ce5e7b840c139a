//! A site's rules for its visitors: which origins may call the visitor API
//! (and the secret that stands in for an `Origin` on server-side calls),
//! what a signed identity proves, what a pre-chat form accepts, and which
//! widget settings a setup may hold. Pure: the worker passes the request's
//! headers in as values.
//!
//! What an isolate remembers of sites' options is in `site/memo.rs`, the
//! tests in `site/tests.rs`.

use crate::conversation::Refusal;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use shared::api::{is_plausible_email, StartConversation, MAX_NAME_CHARS};
use shared::frame::ErrorCode;
use shared::site::{
    FieldRule, PrechatForm, SiteOptions, VisitorDetails, VisitorUser, MAX_FIELD_VALUE_CHARS,
    MIN_SECRET_BYTES,
};
use subtle::ConstantTimeEq;

mod memo;
pub use memo::{OptionsMemo, OPTIONS_FRESH_MS, OPTIONS_KEPT};

/// Most allowed origins per site.
pub const MAX_ORIGINS: usize = 50;
/// Longest site secret, in bytes.
pub const MAX_SECRET_BYTES: usize = 256;
/// Longest user id a site may give, in characters.
pub const MAX_USER_ID_CHARS: usize = 128;
/// Most questions on a pre-chat form.
pub const MAX_FORM_FIELDS: usize = 20;
/// Longest question label, title or avatar URL.
const MAX_LABEL_CHARS: usize = 100;
const MAX_GREETING_CHARS: usize = 500;
const MAX_URL_BYTES: usize = 2_048;

/// The origin a request comes from: its `Origin` header; without one, a
/// browser's same-origin `GET` (browsers send no `Origin` there) says
/// `Sec-Fetch-Site: same-origin`, a header no page can set, and comes from
/// the worker's own origin. Anything else without an `Origin` is a
/// server-side tool's request.
pub fn request_origin<'a>(
    origin: Option<&'a str>,
    fetch_site: Option<&str>,
    own: &'a str,
) -> Option<&'a str> {
    origin.or_else(|| (fetch_site == Some("same-origin")).then_some(own))
}

/// Whether `origin` is the worker's own (the frame page and the pop-out
/// are served by the worker). Needs no site: the worker checks it first.
pub fn is_own_origin(origin: Option<&str>, own: &str) -> bool {
    origin.is_some_and(|o| o.eq_ignore_ascii_case(own))
}

/// The one rule of who may call a site's visitor API: the worker's own
/// origin, an origin the site allows, or, without an `Origin` header (a
/// server-side tool), the site's secret in `X-Site-Secret`.
pub fn check_origin(
    site_key: &str,
    options: &SiteOptions,
    origin: Option<&str>,
    own: &str,
    given_secret: Option<&str>,
) -> Result<(), Refusal> {
    if is_own_origin(origin, own) {
        return Ok(());
    }
    let refused = |message: String| Refusal {
        code: ErrorCode::OriginNotAllowed,
        message,
    };
    match origin {
        Some(origin) if options.allowed_origins.iter().any(|p| origin_matches(p, origin)) => Ok(()),
        Some(origin) => Err(refused(format!(
            "the origin {origin} is not allowed for the site {site_key}; add it to the site's allowed_origins"
        ))),
        None => match (options.secret.as_deref(), given_secret) {
            (Some(expected), Some(given)) if secret_matches(expected, given) => Ok(()),
            _ => Err(refused(format!(
                "requests without an Origin need the site's secret (X-Site-Secret) for the site {site_key}"
            ))),
        },
    }
}

/// Compares a secret by its SHA-256 digest in constant time, so neither
/// the time taken nor a length difference says anything about it.
pub fn secret_matches(expected: &str, given: &str) -> bool {
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(given.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}

/// Whether `origin` matches an allowed-origin `pattern`: equal (any case),
/// or, for `scheme://*.domain[:port]`, a subdomain of `domain` at any depth
/// with the same scheme and port (never `domain` itself).
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    let (pattern, origin) = (pattern.to_ascii_lowercase(), origin.to_ascii_lowercase());
    let Some((scheme, rest)) = pattern.split_once("://*.") else {
        return pattern == origin;
    };
    let Some(host) = origin
        .strip_prefix(scheme)
        .and_then(|o| o.strip_prefix("://"))
    else {
        return false;
    };
    host.strip_suffix(rest)
        .and_then(|h| h.strip_suffix('.'))
        .is_some_and(|sub| {
            !sub.is_empty()
                && !sub.starts_with('.')
                && !sub.contains("..")
                && sub
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
}

/// Checks an allowed-origin pattern at setup: `http` or `https`, a host of
/// letters, digits, `-` and `.` (optionally starting `*.`), an optional
/// port, and nothing after.
pub fn check_origin_pattern(pattern: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "\"{pattern}\" is not an origin: write scheme://host[:port], such as https://shop.example or https://*.example.com"
        )
    };
    let (scheme, rest) = pattern.split_once("://").ok_or_else(bad)?;
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = port {
        if !matches!(p.parse::<u16>(), Ok(n) if n > 0) || p.starts_with('0') {
            return Err(bad());
        }
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if host.is_empty() || host.len() > 253 || !host.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(())
}

/// Why a user given with `setUser` stays anonymous, as the sentence the
/// widget writes to the console; `Ok` when the hash proves the user id.
pub fn verify_identity(secret: Option<&str>, user: &VisitorUser) -> Result<(), &'static str> {
    if !is_user_id(&user.id) {
        return Err(
            "setUser: a user id is 1 to 128 characters on one line; the visitor stays anonymous",
        );
    }
    let Some(secret) = secret else {
        return Err("setUser: this site has no secret, so no user can be verified; the visitor stays anonymous");
    };
    let Some(hash) = user.hash.as_deref() else {
        return Err("setUser: no hash was given with the user id; the visitor stays anonymous");
    };
    let mismatch = "setUser: the hash does not match the user id; the visitor stays anonymous";
    let tag = hex_decode(hash.trim()).ok_or(mismatch)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| mismatch)?;
    mac.update(user.id.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&tag).map_err(|_| mismatch)
}

/// The lowercase hex HMAC-SHA256 of `user_id` under `secret`: what a
/// site's server computes (tests and examples use it).
pub fn identity_hash(secret: &str, user_id: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(user_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A user id a site may give: 1 to [`MAX_USER_ID_CHARS`] characters on one line.
pub fn is_user_id(id: &str) -> bool {
    !id.is_empty() && id.chars().count() <= MAX_USER_ID_CHARS && !id.chars().any(char::is_control)
}

fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// The visitor id of a verified user: the same for the same (workspace,
/// site, user id) on every device, and unlike any generated id (`u`, then
/// 32 hex digits of a SHA-256 of the three, each length-prefixed).
pub fn verified_visitor_id(workspace: &str, site: &str, user_id: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [workspace, site, user_id] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("u{hex}")
}

/// A verified user's name and email as the contact takes them: each kept
/// only when valid (a name of 1 to 200 characters on one line, an email
/// address).
pub fn user_details(user: &VisitorUser) -> VisitorDetails {
    VisitorDetails {
        name: user
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| check_name(n).is_ok() && !n.is_empty())
            .map(str::to_owned),
        email: user
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| is_plausible_email(e))
            .map(str::to_owned),
        ..VisitorDetails::default()
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(format!(
            "name: at most {MAX_NAME_CHARS} characters on one line"
        ));
    }
    Ok(())
}

fn trimmed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Checks a conversation's start against the site's pre-chat form; `Err`
/// names the field (for a 400). Answers what to keep: values trimmed,
/// empty ones left out. Fields that are not the form's questions are the
/// page's own (`setFields`): kept when their names and values are sound.
pub fn check_start(
    form: Option<&PrechatForm>,
    start: &StartConversation,
) -> Result<VisitorDetails, String> {
    let name = trimmed(&start.name);
    let email = trimmed(&start.email);
    let off = |rule: Option<FieldRule>| rule == Some(FieldRule::Off);
    if let Some(name) = name {
        if off(form.map(|f| f.name)) {
            return Err("name: this site's pre-chat form does not ask for a name".into());
        }
        check_name(name)?;
    }
    if let Some(email) = email {
        if off(form.map(|f| f.email)) {
            return Err("email: this site's pre-chat form does not ask for an email".into());
        }
        if !is_plausible_email(email) {
            return Err("email: a valid email address is required".into());
        }
    }
    // Answers to the form's questions, and the page's own fields
    // (`setFields`), which agents see beside them.
    let mut fields = std::collections::BTreeMap::new();
    if start.fields.len() > MAX_FORM_FIELDS * 2 {
        return Err(format!("fields: at most {} fields", MAX_FORM_FIELDS * 2));
    }
    for (key, value) in &start.fields {
        let question = form.and_then(|f| f.fields.iter().find(|q| &q.id == key));
        if question.is_none() && !crate::contacts::is_field_key(key) {
            return Err(format!(
                "fields.{}: a field's name is 1 to 32 letters, digits, - and _",
                key.chars().take(32).collect::<String>()
            ));
        }
        let value = value.trim();
        if value.chars().count() > MAX_FIELD_VALUE_CHARS || value.chars().any(char::is_control) {
            let label = question.map_or(key.as_str(), |q| q.label.as_str());
            return Err(format!(
                "fields.{key}: \"{label}\" takes at most {MAX_FIELD_VALUE_CHARS} characters on one line"
            ));
        }
        if !value.is_empty() {
            fields.insert(key.clone(), value.to_owned());
        }
    }
    if let Some(language) = trimmed(&start.language) {
        let valid = (2..=16).contains(&language.len())
            && language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return Err("language: a language tag such as en or es".into());
        }
    }
    let details = VisitorDetails {
        name: name.map(str::to_owned),
        email: email.map(str::to_owned),
        fields,
        language: trimmed(&start.language).map(str::to_ascii_lowercase),
    };
    if let Some(form) = form {
        let answered = form
            .fields
            .iter()
            .any(|q| details.fields.contains_key(&q.id));
        let skipped = details.name.is_none() && details.email.is_none() && !answered;
        if !(form.skippable && skipped) {
            if form.name == FieldRule::Required && details.name.is_none() {
                return Err("name: your name is required".into());
            }
            if form.email == FieldRule::Required && details.email.is_none() {
                return Err("email: your email address is required".into());
            }
            if let Some(q) = form
                .fields
                .iter()
                .find(|q| q.required && !details.fields.contains_key(&q.id))
            {
                return Err(format!("fields.{}: \"{}\" is required", q.id, q.label));
            }
        }
    }
    Ok(details)
}

/// Whether a visitor of a site with this form may queue in `department`
/// when they ask for it: one of the form's departments when it lists any.
pub fn may_pick(form: Option<&PrechatForm>, department: &str) -> bool {
    form.is_none_or(|f| f.departments.is_empty() || f.departments.iter().any(|d| d == department))
}

/// Checks a site's options at setup; `known` says whether a department
/// exists. `Err` is the reason, for a 400.
pub fn check_options(
    site: &str,
    options: &SiteOptions,
    known: impl Fn(&str) -> bool,
) -> Result<(), String> {
    let at = |why: String| format!("site \"{site}\": {why}");
    if options.allowed_origins.len() > MAX_ORIGINS {
        return Err(at(format!("at most {MAX_ORIGINS} allowed origins")));
    }
    for o in &options.allowed_origins {
        check_origin_pattern(o).map_err(at)?;
    }
    if let Some(secret) = &options.secret {
        if secret.len() < MIN_SECRET_BYTES
            || secret.len() > MAX_SECRET_BYTES
            || secret.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(at(format!(
                "a secret is {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} characters without spaces"
            )));
        }
    }
    let color = options.theme.color.strip_prefix('#').unwrap_or("");
    if color.len() != 6 || !color.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(at("theme.color is a colour such as #2563eb".into()));
    }
    if let Some(url) = &options.theme.agent_avatar {
        let plain = url.len() <= MAX_URL_BYTES
            && url.len() > "https://".len()
            && url.starts_with("https://")
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\".contains(c));
        if !plain {
            return Err(at("theme.agent_avatar is an https URL".into()));
        }
    }
    for (language, texts) in &options.texts {
        if language != "en" && language != "es" {
            return Err(at(format!(
                "texts: \"{language}\" is not a language of the widget (en, es)"
            )));
        }
        let long =
            |t: &Option<String>, max: usize| t.as_ref().is_some_and(|t| t.chars().count() > max);
        if long(&texts.title, MAX_LABEL_CHARS) || long(&texts.greeting, MAX_GREETING_CHARS) {
            return Err(at(format!(
                "texts.{language}: a title is at most {MAX_LABEL_CHARS} characters, a greeting {MAX_GREETING_CHARS}"
            )));
        }
    }
    if let Some(form) = &options.prechat {
        let mut seen = std::collections::BTreeSet::new();
        for d in &form.departments {
            if !known(d) {
                return Err(at(format!("prechat: no department \"{d}\"")));
            }
            if !seen.insert(d.as_str()) {
                return Err(at(format!("prechat: department \"{d}\" is listed twice")));
            }
        }
        if form.fields.len() > MAX_FORM_FIELDS {
            return Err(at(format!("prechat: at most {MAX_FORM_FIELDS} questions")));
        }
        let mut ids = std::collections::BTreeSet::new();
        for q in &form.fields {
            if !crate::contacts::is_field_key(&q.id) {
                return Err(at(format!(
                    "prechat: the question id \"{}\" is 1 to 32 letters, digits, _ or -",
                    q.id
                )));
            }
            if !ids.insert(q.id.as_str()) {
                return Err(at(format!(
                    "prechat: the question \"{}\" is listed twice",
                    q.id
                )));
            }
            let label = q.label.trim();
            if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
                return Err(at(format!(
                    "prechat: the question \"{}\" needs a label of 1 to {MAX_LABEL_CHARS} characters",
                    q.id
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
