//! Tokens, passwords and random ids.
//!
//! Tokens are signed, not stored: `v1.<kind>.<workspace>.<site>.<subject>.<expiry>.<mac>`
//! where the MAC is HMAC-SHA256 under the worker's `AUTH_SECRET` over
//! everything before it. A visitor token names the visitor the server
//! generated; an agent token names the agent who signed in. Neither can be
//! forged without the secret, and the subject is always a server-generated
//! id, so a client cannot choose whose conversations it reaches.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// PBKDF2-HMAC-SHA256 rounds for agent passwords.
pub const PASSWORD_ROUNDS: u32 = 100_000;

/// A hash of no one's password, checked when an email is unknown so that
/// the answer takes as long as for a wrong password.
pub const UNKNOWN_USER_HASH: &str =
    "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// Agent sessions last this long, in milliseconds.
pub const AGENT_SESSION_MS: i64 = 12 * 60 * 60 * 1000;

/// Who a token was issued to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A visitor of a site.
    Visitor,
    /// An agent, manager or admin.
    Agent,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Visitor => "vis",
            Kind::Agent => "agt",
        }
    }
}

/// The verified content of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// Visitor or agent.
    pub kind: Kind,
    /// The workspace it belongs to.
    pub workspace: String,
    /// The site a visitor came from (`-` for agents).
    pub site: String,
    /// The visitor id or agent id.
    pub subject: String,
    /// The agent's token generation when issued (0 for visitors): a newer
    /// generation in the workspace ends this token.
    pub generation: u32,
    /// Expiry in milliseconds since the epoch; 0 for never.
    pub expires: i64,
}

fn mac(secret: &[u8], payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(payload.as_bytes());
    mac
}

/// Signs claims into a token.
pub fn sign(secret: &[u8], claims: &Claims) -> String {
    let payload = format!(
        "v2.{}.{}.{}.{}.{}.{}",
        claims.kind.tag(),
        claims.workspace,
        claims.site,
        claims.subject,
        claims.generation,
        claims.expires
    );
    let tag = mac(secret, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Verifies a token; `None` when it is malformed, forged or expired.
pub fn verify(secret: &[u8], token: &str, now: i64) -> Option<Claims> {
    let (payload, tag) = token.rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    mac(secret, payload).verify_slice(&tag).ok()?;
    let mut parts = payload.split('.');
    let (version, kind, workspace, site, subject, generation, expires) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if version != "v2" || parts.next().is_some() {
        return None;
    }
    let kind = match kind {
        "vis" => Kind::Visitor,
        "agt" => Kind::Agent,
        _ => return None,
    };
    let expires: i64 = expires.parse().ok()?;
    let generation: u32 = generation.parse().ok()?;
    if expires != 0 && expires < now {
        return None;
    }
    Some(Claims {
        kind,
        workspace: workspace.to_owned(),
        site: site.to_owned(),
        subject: subject.to_owned(),
        generation,
        expires,
    })
}

/// Why a download link was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Malformed, or its signature does not match.
    Invalid,
    /// Well signed, but past its expiry.
    Expired,
}

/// Signs a download link's token: it names a conversation, one of its
/// files and when the link ends (milliseconds since the epoch).
pub fn sign_file_link(secret: &[u8], conversation: &str, file: &str, expires: i64) -> String {
    let payload = format!("f1.{conversation}.{file}.{expires}");
    let tag = mac(secret, &payload).finalize().into_bytes();
    format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag))
}

/// Verifies a download link's token: `(conversation, file)`.
pub fn verify_file_link(
    secret: &[u8],
    token: &str,
    now: i64,
) -> Result<(String, String), LinkRefusal> {
    let (payload, tag) = token.rsplit_once('.').ok_or(LinkRefusal::Invalid)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| LinkRefusal::Invalid)?;
    mac(secret, payload)
        .verify_slice(&tag)
        .map_err(|_| LinkRefusal::Invalid)?;
    let parts: Vec<&str> = payload.split('.').collect();
    let ["f1", conversation, file, expires] = parts[..] else {
        return Err(LinkRefusal::Invalid);
    };
    let expires: i64 = expires.parse().map_err(|_| LinkRefusal::Invalid)?;
    if expires < now {
        return Err(LinkRefusal::Expired);
    }
    Ok((conversation.to_owned(), file.to_owned()))
}

/// `n` random bytes from the platform's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .expect("the Workers runtime always provides crypto.getRandomValues");
    bytes
}

/// A new 128-bit id with a short prefix, such as `c_3Jk9...`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(random_bytes::<16>()))
}

/// A new random socket number. It stays below 2^53 because attachments
/// travel as JavaScript values, whose numbers are exact only that far.
pub fn new_conn_id() -> u64 {
    u64::from_le_bytes(random_bytes::<8>()) & ((1 << 53) - 1)
}

/// Hashes a password for storage: `pbkdf2-sha256$<rounds>$<salt>$<hash>`.
pub fn hash_password(password: &str) -> String {
    let salt = random_bytes::<16>();
    let hash = derive(password, &salt, PASSWORD_ROUNDS);
    format!(
        "pbkdf2-sha256${PASSWORD_ROUNDS}${}${}",
        URL_SAFE_NO_PAD.encode(salt),
        URL_SAFE_NO_PAD.encode(hash)
    )
}

fn derive(password: &str, salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, rounds, &mut out);
    out
}

/// Checks a password against a stored hash, in constant time.
pub fn check_password(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(rounds), Some(salt), Some(hash), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Ok(rounds), Ok(salt), Ok(hash)) = (
        rounds.parse::<u32>(),
        URL_SAFE_NO_PAD.decode(salt),
        URL_SAFE_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    let derived = derive(password, &salt, rounds.clamp(1, 10_000_000));
    // Compare through HMAC's constant-time verification.
    let key = random_bytes::<32>();
    let mut expected = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
    expected.update(&derived);
    let mut actual = HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length");
    actual.update(&hash);
    actual.verify(&expected.finalize().into_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(kind: Kind, subject: &str, expires: i64) -> Claims {
        Claims {
            kind,
            workspace: "demo".into(),
            site: "website".into(),
            subject: subject.into(),
            generation: 0,
            expires,
        }
    }

    #[track_caller]
    fn check(token: &str, now: i64, expected: Option<&Claims>) {
        assert_eq!(verify(b"secret", token, now).as_ref(), expected, "{token}");
    }

    #[test]
    fn tokens() {
        let c = claims(Kind::Visitor, "v_abc", 0);
        let t = sign(b"secret", &c);
        check(&t, 5, Some(&c));
        let a = claims(Kind::Agent, "a_1", 100);
        let ta = sign(b"secret", &a);
        check(&ta, 99, Some(&a));
        check(&ta, 101, None);
        // The generation is signed too: a token cannot claim a newer one.
        let a3 = Claims {
            generation: 3,
            ..a.clone()
        };
        let t3 = sign(b"secret", &a3);
        check(&t3, 99, Some(&a3));
        check(&t3.replace(".3.", ".4."), 99, None);
        check(&sign(b"other", &c), 5, None);
        check(&t.replace("v_abc", "v_abd"), 5, None);
        check(&t.replace("vis", "agt"), 5, None);
        check("", 5, None);
        check("v1.vis.demo", 5, None);
        check(&format!("{t}x"), 5, None);
    }

    #[test]
    fn file_links() {
        let t = sign_file_link(b"secret", "c_1", "f_2", 1_000);
        let ok = Ok(("c_1".to_owned(), "f_2".to_owned()));
        assert_eq!(verify_file_link(b"secret", &t, 999), ok);
        assert_eq!(verify_file_link(b"secret", &t, 1_000), ok);
        // A link minted with a past expiry.
        assert_eq!(
            verify_file_link(b"secret", &sign_file_link(b"secret", "c_1", "f_2", 5), 6),
            Err(LinkRefusal::Expired)
        );
        let invalid = Err(LinkRefusal::Invalid);
        assert_eq!(verify_file_link(b"other", &t, 0), invalid);
        assert_eq!(
            verify_file_link(b"secret", &t.replace("f_2", "f_3"), 0),
            invalid
        );
        assert_eq!(
            verify_file_link(b"secret", &t.replace("c_1", "c_2"), 0),
            invalid
        );
        assert_eq!(
            verify_file_link(b"secret", &t.replace("1000", "9000"), 0),
            invalid
        );
        assert_eq!(verify_file_link(b"secret", "", 0), invalid);
        assert_eq!(verify_file_link(b"secret", &format!("{t}x"), 0), invalid);
        // A user token is no link, and a link no user token.
        let user = sign(b"secret", &claims(Kind::Visitor, "v_abc", 0));
        assert_eq!(verify_file_link(b"secret", &user, 0), invalid);
        assert_eq!(verify(b"secret", &t, 0), None);
    }

    #[test]
    fn passwords() {
        let h = hash_password("correct horse");
        assert!(check_password("correct horse", &h));
        assert!(!check_password("correct horsf", &h));
        assert!(!check_password("correct horse", "plain"));
        assert!(!check_password("x", "pbkdf2-sha256$0$$"));
        assert_ne!(hash_password("a"), hash_password("a"), "salted");
        // The stand-in for unknown emails is a well-formed hash nobody matches.
        assert!(!check_password("", UNKNOWN_USER_HASH));
        assert!(!check_password("anna-demo-pass", UNKNOWN_USER_HASH));
    }
}
