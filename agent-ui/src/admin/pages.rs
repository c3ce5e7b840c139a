//! The pages outside the desk, chosen by the address's query when the app
//! starts: `?signup` (a new workspace), `?invite=<token>` (accept an
//! invitation), `?reset=<token>` (a new password); and the sign-up form's
//! checks.

use shared::admin::SignupRequest;
use shared::api::is_plausible_email;
use shared::ids::is_valid_id;

/// The shortest password the server takes.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Which page the address asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Page {
    /// The desk (or sign-in).
    Desk,
    /// "Create a workspace".
    Signup,
    /// Accept the invitation of this token.
    Invite(String),
    /// Choose a new password with this token.
    Reset(String),
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Page {
    /// The page `location.search` (with or without its `?`) asks for.
    pub fn from_search(search: &str) -> Page {
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            match key {
                "signup" => return Page::Signup,
                "invite" if !value.is_empty() => return Page::Invite(value),
                "reset" if !value.is_empty() => return Page::Reset(value),
                _ => {}
            }
        }
        Page::Desk
    }
}

/// The sign-up form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignupDraft {
    /// The deployment's code, when one is required.
    pub code: String,
    /// The workspace's slug.
    pub workspace: String,
    /// Its name.
    pub workspace_name: String,
    /// The administrator's name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their password.
    pub password: String,
}

/// A password's hint, if it is too short.
pub fn password_hint(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "A password has at least {MIN_PASSWORD_CHARS} characters."
        ));
    }
    Ok(())
}

impl SignupDraft {
    /// What "Create workspace" sends, or the hint that stops it.
    pub fn request(&self, code_required: bool) -> Result<SignupRequest, String> {
        if code_required && self.code.trim().is_empty() {
            return Err("A sign-up code is required.".into());
        }
        let workspace = self.workspace.trim().to_ascii_lowercase();
        if !is_valid_id(&workspace) {
            return Err(
                "A workspace address is 1 to 64 letters, digits, - and _, as acme-shop.".into(),
            );
        }
        if self.workspace_name.trim().is_empty() {
            return Err("The workspace needs a name.".into());
        }
        if self.name.trim().is_empty() {
            return Err("Your name is required.".into());
        }
        if !is_plausible_email(&self.email) {
            return Err("A valid email address is required.".into());
        }
        password_hint(&self.password)?;
        Ok(SignupRequest {
            code: self.code.trim().to_string(),
            workspace,
            workspace_name: self.workspace_name.trim().to_string(),
            name: self.name.trim().to_string(),
            email: self.email.trim().to_string(),
            password: self.password.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(search: &str, expected: Page) {
        assert_eq!(Page::from_search(search), expected);
    }

    #[test]
    fn pages_from_the_address() {
        check("", Page::Desk);
        check("?", Page::Desk);
        check("?signup", Page::Signup);
        check("?signup=1", Page::Signup);
        check("?invite=abc.DEF-1", Page::Invite("abc.DEF-1".into()));
        check("?x=1&reset=a%2Bb%3D", Page::Reset("a+b=".into()));
        check("?invite=", Page::Desk);
        check("?reset=%zz%", Page::Reset("%zz%".into()));
        check("?other=1", Page::Desk);
    }

    fn draft() -> SignupDraft {
        SignupDraft {
            code: String::new(),
            workspace: " Acme-Shop ".into(),
            workspace_name: " Acme ".into(),
            name: " Ada ".into(),
            email: " ada@acme.example ".into(),
            password: "correct horse".into(),
        }
    }

    #[test]
    fn sign_up() {
        let r = draft().request(false).unwrap();
        assert_eq!(
            (
                r.workspace.as_str(),
                r.workspace_name.as_str(),
                r.name.as_str(),
                r.email.as_str()
            ),
            ("acme-shop", "Acme", "Ada", "ada@acme.example")
        );
        assert_eq!(
            draft().request(true).unwrap_err(),
            "A sign-up code is required."
        );
        let mut d = draft();
        d.workspace = "acme shop".into();
        assert!(d
            .request(false)
            .unwrap_err()
            .starts_with("A workspace address"));
        let mut d = draft();
        d.password = "short".into();
        assert_eq!(
            d.request(false).unwrap_err(),
            "A password has at least 8 characters."
        );
        let mut d = draft();
        d.email = "ada".into();
        assert_eq!(
            d.request(false).unwrap_err(),
            "A valid email address is required."
        );
    }
}
