//! The Sites screen's form (name, key, default department, allowed origins
//! one per line, theme, pre-chat form with the site's own questions) as a
//! draft that becomes a [`SiteSetup`], the list `PUT
//! /api/v1/admin/settings/sites` takes, and the script tag to paste,
//! built as README.md's snippet is.

use shared::api::SiteSetup;
use shared::ids::is_valid_id;
use shared::site::{CustomField, FieldRule, Position, PrechatForm};

/// A site's public key: `<workspace>.<id>`.
pub fn site_key(workspace: &str, id: &str) -> String {
    format!("{workspace}.{id}")
}

/// The two script tags a site pastes, for the worker at `origin`.
pub fn snippet(origin: &str, key: &str) -> String {
    let origin = origin.trim_end_matches('/');
    format!(
        "<script>window.LiveChat=window.LiveChat||function(){{(LiveChat.q=LiveChat.q||[]).push(arguments)}};</script>\n\
         <script async src=\"{origin}/widget.js\" data-site-key=\"{key}\"></script>"
    )
}

/// The origins typed one per line: each `http(s)://host[:port]`, a
/// wildcard `https://*.host` allowed, no path; blank lines skipped, a
/// trailing `/` dropped, repeats once.
pub fn origins(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let o = line.trim().trim_end_matches('/');
        if o.is_empty() {
            continue;
        }
        let host = o
            .strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"));
        let ok = host.is_some_and(|h| {
            !h.is_empty() && !h.contains(['/', '?', '#', ' ', '@']) && !h.starts_with(':')
        });
        if !ok {
            return Err(format!(
                "{o} is not an origin: write it as https://shop.example (no path)."
            ));
        }
        if !out.iter().any(|x| x == o) {
            out.push(o.to_string());
        }
    }
    Ok(out)
}

/// A field rule's value in a `<select>`, and its words.
pub const RULES: [(FieldRule, &str, &str); 3] = [
    (FieldRule::Required, "required", "Required"),
    (FieldRule::Optional, "optional", "Optional"),
    (FieldRule::Off, "off", "Hidden"),
];

/// The rule a `<select>`'s value names.
pub fn rule_of(value: &str) -> FieldRule {
    RULES
        .iter()
        .find(|(_, v, _)| *v == value)
        .map_or(FieldRule::Optional, |(r, _, _)| *r)
}

/// A rule's `<select>` value.
pub fn rule_value(rule: FieldRule) -> &'static str {
    RULES
        .iter()
        .find(|(r, _, _)| *r == rule)
        .map_or("optional", |(_, v, _)| v)
}

/// One of the site's own questions, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionDraft {
    /// The question.
    pub label: String,
    /// Its key; made from the question when left empty.
    pub key: String,
    /// Whether it must be answered.
    pub required: bool,
}

/// The site form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteDraft {
    /// The site as it was (or a new one): what the form does not show is
    /// kept from it (texts, rating, sound, secret, the pre-chat form's
    /// departments and skipping).
    pub base: SiteSetup,
    /// Whether it is not saved yet (its id may still change).
    pub new: bool,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its default department.
    pub department: String,
    /// Allowed origins, one per line.
    pub origins: String,
    /// `#rrggbb`.
    pub color: String,
    /// The launcher's corner.
    pub position: Position,
    /// Whether a pre-chat form shows.
    pub prechat: bool,
    /// Its name field.
    pub name_rule: FieldRule,
    /// Its email field.
    pub email_rule: FieldRule,
    /// Its own questions.
    pub questions: Vec<QuestionDraft>,
}

impl SiteDraft {
    /// The form filled with `site`.
    pub fn of(site: &SiteSetup) -> Self {
        let form = site.prechat.clone().unwrap_or_default();
        Self {
            base: site.clone(),
            new: false,
            id: site.id.clone(),
            name: site.name.clone(),
            department: site.department.clone(),
            origins: site.allowed_origins.join("\n"),
            color: site.theme.color.clone(),
            position: site.theme.position,
            prechat: site.prechat.is_some(),
            name_rule: form.name,
            email_rule: form.email,
            questions: form
                .fields
                .iter()
                .map(|f| QuestionDraft {
                    label: f.label.clone(),
                    key: f.id.clone(),
                    required: f.required,
                })
                .collect(),
        }
    }

    /// A new site's form, queueing in `department`.
    pub fn new_site(department: &str) -> Self {
        let mut draft = Self::of(&SiteSetup::new("", "", department));
        draft.new = true;
        draft
    }

    /// The site to save, or the hint that stops it. `others` are the
    /// workspace's other sites (a new id must not be one of theirs).
    pub fn site(&self, others: &[SiteSetup]) -> Result<SiteSetup, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("A site needs a name.".into());
        }
        let id = if self.new {
            let id = match self.id.trim() {
                "" => super::departments::slug(name),
                typed => typed.to_string(),
            };
            if !is_valid_id(&id) {
                return Err("A site's id is letters, digits, - and _.".into());
            }
            if others.iter().any(|s| s.id == id) {
                return Err(format!("There is already a site with the id {id}."));
            }
            id
        } else {
            self.base.id.clone()
        };
        if self.department.is_empty() {
            return Err("Choose the site's default department.".into());
        }
        let color = self.color.trim().to_ascii_lowercase();
        let hex = color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("A colour is written #rrggbb, as #2563eb.".into());
        }
        let mut fields = Vec::new();
        for q in &self.questions {
            let label = q.label.trim();
            if label.is_empty() {
                return Err("Each question needs its text (or remove it).".into());
            }
            let key = match q.key.trim() {
                "" => super::departments::slug(label).replace('-', "_"),
                k => k.to_string(),
            };
            let key: String = key.chars().take(32).collect();
            if !is_valid_id(&key) {
                return Err(format!(
                    "{label}: a question's key is letters, digits, - and _."
                ));
            }
            if fields.iter().any(|f: &CustomField| f.id == key) {
                return Err(format!("Two questions have the key {key}."));
            }
            fields.push(CustomField {
                id: key,
                label: label.to_string(),
                required: q.required,
            });
        }
        let mut site = self.base.clone();
        site.id = id;
        site.name = name.to_string();
        site.department = self.department.clone();
        site.allowed_origins = origins(&self.origins)?;
        site.theme.color = color;
        site.theme.position = self.position;
        site.prechat = self.prechat.then(|| {
            let kept = self.base.prechat.clone().unwrap_or_default();
            PrechatForm {
                name: self.name_rule,
                email: self.email_rule,
                fields,
                ..kept
            }
        });
        Ok(site)
    }
}

/// The list with `site` in place of the one of its id, or added at the end.
pub fn replace(list: &[SiteSetup], site: SiteSetup) -> Vec<SiteSetup> {
    let mut out = list.to_vec();
    match out.iter_mut().find(|s| s.id == site.id) {
        Some(s) => *s = site,
        None => out.push(site),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_snippet_is_the_readmes() {
        assert_eq!(
            snippet("https://chat.example/", "acme.website"),
            "<script>window.LiveChat=window.LiveChat||function(){(LiveChat.q=LiveChat.q||[]).push(arguments)};</script>\n\
             <script async src=\"https://chat.example/widget.js\" data-site-key=\"acme.website\"></script>"
        );
        assert_eq!(site_key("acme", "website"), "acme.website");
    }

    #[track_caller]
    fn check(text: &str, expected: Result<&[&str], &str>) {
        assert_eq!(
            origins(text),
            expected
                .map(|l| l.iter().map(|s| s.to_string()).collect())
                .map_err(String::from)
        );
    }

    #[test]
    fn origins_one_per_line() {
        check("", Ok(&[]));
        check(
            " https://shop.example/ \n\nhttp://127.0.0.1:8790\nhttps://*.example.com\nhttps://shop.example",
            Ok(&["https://shop.example", "http://127.0.0.1:8790", "https://*.example.com"]),
        );
        check(
            "shop.example",
            Err("shop.example is not an origin: write it as https://shop.example (no path)."),
        );
        check(
            "https://shop.example/cart",
            Err("https://shop.example/cart is not an origin: write it as https://shop.example (no path)."),
        );
        check(
            "https://",
            Err("https: is not an origin: write it as https://shop.example (no path)."),
        );
    }

    fn site() -> SiteSetup {
        let mut s = SiteSetup::new("website", "Website", "support");
        s.secret = Some("0123456789abcdef0123".into());
        s.rating = shared::site::RatingScale::Thumbs;
        s.prechat = Some(PrechatForm {
            departments: vec!["sales".into()],
            skippable: true,
            ..PrechatForm::default()
        });
        s
    }

    #[test]
    fn an_edit_keeps_what_the_form_does_not_show() {
        let mut draft = SiteDraft::of(&site());
        draft.id = "other".into(); // read-only once made
        draft.origins = "https://shop.example".into();
        draft.color = "#AABBCC".into();
        draft.position = Position::Left;
        draft.email_rule = FieldRule::Required;
        draft.questions.push(QuestionDraft {
            label: "Order number".into(),
            key: String::new(),
            required: true,
        });
        let saved = draft.site(&[site()]).unwrap();
        let v = serde_json::to_value(&saved).unwrap();
        assert_eq!(v["id"], "website");
        assert_eq!(v["secret"], "0123456789abcdef0123");
        assert_eq!(v["rating"], "thumbs");
        assert_eq!(v["allowed_origins"], json!(["https://shop.example"]));
        assert_eq!(
            v["theme"],
            json!({ "color": "#aabbcc", "position": "left" })
        );
        assert_eq!(
            v["prechat"],
            json!({ "name": "optional", "email": "required", "departments": ["sales"],
                    "fields": [{ "id": "order_number", "label": "Order number", "required": true }],
                    "skippable": true })
        );
        draft.prechat = false;
        assert_eq!(draft.site(&[]).unwrap().prechat, None);
    }

    #[test]
    fn a_new_site_needs_a_free_id_and_a_sane_form() {
        let mut draft = SiteDraft::new_site("support");
        assert_eq!(draft.site(&[]).unwrap_err(), "A site needs a name.");
        draft.name = "Website".into();
        assert_eq!(
            draft.site(&[site()]).unwrap_err(),
            "There is already a site with the id website."
        );
        draft.id = "shop".into();
        let made = draft.site(&[site()]).unwrap();
        assert_eq!((made.id.as_str(), made.secret.as_ref()), ("shop", None));
        draft.color = "blue".into();
        assert_eq!(
            draft.site(&[]).unwrap_err(),
            "A colour is written #rrggbb, as #2563eb."
        );
        draft.color = "#2563eb".into();
        draft.id = "a b".into();
        assert_eq!(
            draft.site(&[]).unwrap_err(),
            "A site's id is letters, digits, - and _."
        );
        draft.id = "shop".into();
        draft.prechat = true;
        draft.questions = vec![QuestionDraft::default()];
        assert_eq!(
            draft.site(&[]).unwrap_err(),
            "Each question needs its text (or remove it)."
        );
    }

    #[test]
    fn replacing_or_adding() {
        let list = vec![site()];
        let mut changed = site();
        changed.name = "Shop".into();
        assert_eq!(replace(&list, changed.clone()), vec![changed]);
        let other = SiteSetup::new("blog", "Blog", "support");
        assert_eq!(replace(&list, other.clone()).len(), 2);
    }

    #[test]
    fn rules_round_trip() {
        for (rule, value, _) in RULES {
            assert_eq!(rule_of(value), rule);
            assert_eq!(rule_value(rule), value);
        }
    }
}
