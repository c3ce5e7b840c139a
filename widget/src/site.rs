//! The site's configuration as `GET /api/v1/visitor/site` gives it (only
//! the fields the widget reads; every one optional, with the defaults of a
//! site that has none), and the pure rules around it: the theme colour a
//! stylesheet may take, the texts in the chosen language, the agent's
//! initials, and the pre-chat form's check.

use crate::i18n::{Lang, Texts};
use shared::api::{is_plausible_email, MAX_NAME_CHARS};

/// Longest value of a custom pre-chat field, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

/// The site, as the widget uses it.
#[cfg_attr(test, derive(Debug))]
pub struct SiteConfig {
    /// Colours and the agent's picture.
    pub theme: Theme,
    /// The site's own title and greeting, per language tag.
    pub texts: Vec<(String, SiteTexts)>,
    /// The form before the first message, if the site has one.
    pub prechat: Option<Prechat>,
    /// `stars`, `thumbs` or `off`.
    pub rating: String,
    /// Whether a tone may sound for an agent's message while the chat is
    /// hidden.
    pub sound: bool,
    /// Whether anyone can answer now; `None` when not said.
    pub online: Option<bool>,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            theme: Theme::default(),
            texts: Vec::new(),
            prechat: None,
            rating: String::from("stars"),
            sound: true,
            online: None,
        }
    }
}

/// The site's look.
#[derive(Default)]
#[cfg_attr(test, derive(Debug))]
pub struct Theme {
    /// The accent colour, as `#2563eb`.
    pub color: Option<String>,
    /// An `https` picture shown beside the agent's name.
    pub agent_avatar: Option<String>,
}

/// A site's words in one language.
#[derive(Default)]
#[cfg_attr(test, derive(Debug))]
pub struct SiteTexts {
    /// The header's title.
    pub title: Option<String>,
    /// The first line of an empty chat.
    pub greeting: Option<String>,
}

/// The pre-chat form.
#[derive(Default)]
#[cfg_attr(test, derive(Debug))]
pub struct Prechat {
    /// `off`, `optional` or `required`.
    pub name: String,
    /// `off`, `optional` or `required`.
    pub email: String,
    /// The departments the visitor may choose from; none: no choice.
    pub departments: Vec<Department>,
    /// The site's own questions.
    pub fields: Vec<CustomField>,
    /// Whether "Skip" is offered.
    pub skippable: bool,
}

/// A department the visitor may choose.
#[derive(Default)]
#[cfg_attr(test, derive(Debug))]
pub struct Department {
    /// Sent back as `department`.
    pub id: String,
    /// Shown.
    pub name: String,
}

/// One of the site's questions.
#[derive(Default)]
#[cfg_attr(test, derive(Debug))]
pub struct CustomField {
    /// Its key in `fields`.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Whether it must be answered.
    pub required: bool,
}

/// How a standard field of the form is asked.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Ask {
    /// Not asked.
    Off,
    /// Asked; may stay empty.
    Optional,
    /// Must be answered.
    Required,
}

impl Ask {
    /// Reads `off`, `optional`, `required`; anything else is optional.
    pub fn from(rule: &str) -> Ask {
        match rule {
            "off" => Ask::Off,
            "required" => Ask::Required,
            _ => Ask::Optional,
        }
    }
}

/// The rating the site asks for after a chat.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum Rating {
    /// One to five stars.
    Stars,
    /// Up (5) or down (1).
    Thumbs,
    /// None.
    Off,
}

impl SiteConfig {
    /// The rating scale; stars unless the site said otherwise.
    pub fn rating(&self) -> Rating {
        match self.rating.as_str() {
            "thumbs" => Rating::Thumbs,
            "off" => Rating::Off,
            _ => Rating::Stars,
        }
    }

    /// The header's title in `lang`: the site's, else the widget's own.
    pub fn title<'a>(&'a self, lang: Lang, t: &'static Texts) -> &'a str {
        self.site_text(lang, |s| s.title.as_deref())
            .unwrap_or(t.title)
    }

    /// The greeting in `lang`: the site's, else the widget's own.
    pub fn greeting<'a>(&'a self, lang: Lang, t: &'static Texts) -> &'a str {
        self.site_text(lang, |s| s.greeting.as_deref())
            .unwrap_or(t.greeting)
    }

    fn site_text<'a>(
        &'a self,
        lang: Lang,
        pick: impl Fn(&'a SiteTexts) -> Option<&'a str>,
    ) -> Option<&'a str> {
        self.texts
            .iter()
            .find(|(tag, _)| tag == lang.tag())
            .and_then(|(_, texts)| pick(texts))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The accent colour, if the site's is a plain hex colour (anything
    /// else could smuggle more than a colour into the stylesheet).
    pub fn color(&self) -> Option<&str> {
        self.theme.color.as_deref().filter(|c| is_hex_color(c))
    }

    /// The agent's picture, if it is an `https` address.
    pub fn avatar(&self) -> Option<&str> {
        self.theme.agent_avatar.as_deref().filter(|a| {
            a.starts_with("https://") && a.len() > 8 && !a.contains(char::is_whitespace)
        })
    }
}

/// `#rgb` or `#rrggbb`.
pub fn is_hex_color(color: &str) -> bool {
    let Some(hex) = color.strip_prefix('#') else {
        return false;
    };
    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Up to two initials of a name, upper case: "Anna Smith" gives "AS".
pub fn initials(name: &str) -> String {
    // ASCII upper case only: Unicode's case tables would weigh more than
    // the whole header.
    name.split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// What the visitor typed in the pre-chat form, as typed.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct PrechatDraft {
    /// "Name".
    pub name: String,
    /// "Email".
    pub email: String,
    /// The chosen department's id; empty for none.
    pub department: String,
    /// The custom fields' values, in the form's order.
    pub fields: Vec<String>,
}

/// A field of the pre-chat form.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub enum PrechatField {
    /// "Name".
    Name,
    /// "Email".
    Email,
    /// "Department".
    Department,
    /// The site's question at this place.
    Custom(usize),
}

/// `POST /api/v1/visitor/conversations`: what the chat starts with.
#[derive(Clone, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(Debug))]
pub struct StartBody {
    /// The department to queue in; the site's default when absent.
    pub department: Option<String>,
    /// The visitor's name, if they gave one.
    pub name: Option<String>,
    /// Their email, if they gave one.
    pub email: Option<String>,
    /// The site's fields, from the page and then the form (one value per
    /// key: the form's wins).
    pub fields: Vec<(String, String)>,
    /// The widget's language.
    pub language: Option<String>,
}

impl StartBody {
    /// Sets a field, replacing an earlier value of the same key.
    pub fn set_field(&mut self, key: &str, value: &str) {
        match self.fields.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => value.clone_into(v),
            None => self.fields.push((key.to_owned(), value.to_owned())),
        }
    }
}

fn given(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Checks the pre-chat form against the site's rules; answers the body to
/// start with (over `base`, the page's fields and department), or every
/// problem in form order.
pub fn check_prechat(
    t: &Texts,
    form: &Prechat,
    draft: &PrechatDraft,
    base: StartBody,
) -> Result<StartBody, Vec<(PrechatField, &'static str)>> {
    let mut problems = Vec::new();
    let mut body = base;
    let name = draft.name.trim();
    match Ask::from(&form.name) {
        Ask::Off => {}
        ask => {
            if name.is_empty() && ask == Ask::Required {
                problems.push((PrechatField::Name, t.enter_name));
            } else if name.chars().count() > MAX_NAME_CHARS {
                problems.push((PrechatField::Name, t.name_too_long));
            } else if let Some(name) = given(name) {
                body.name = Some(name);
            }
        }
    }
    let email = draft.email.trim();
    match Ask::from(&form.email) {
        Ask::Off => {}
        ask => {
            if email.is_empty() && ask == Ask::Required {
                problems.push((PrechatField::Email, t.enter_email));
            } else if !email.is_empty() && !is_plausible_email(email) {
                problems.push((PrechatField::Email, t.bad_email));
            } else if let Some(email) = given(email) {
                body.email = Some(email);
            }
        }
    }
    if !form.departments.is_empty() {
        match form.departments.iter().find(|d| d.id == draft.department) {
            Some(d) => body.department = Some(d.id.clone()),
            None => problems.push((PrechatField::Department, t.choose_department)),
        }
    }
    for (at, field) in form.fields.iter().enumerate() {
        let value = draft.fields.get(at).map_or("", |v| v.trim());
        if value.is_empty() && field.required {
            problems.push((PrechatField::Custom(at), t.fill_in));
        } else if value.chars().count() > MAX_FIELD_CHARS {
            problems.push((PrechatField::Custom(at), t.message_too_long));
        } else if !value.is_empty() {
            body.set_field(&field.id, value);
        }
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems)
    }
}

/// What the host page already said about the visitor (`setUser`,
/// `setDepartment`, `setFields`), as the pre-chat form's starting values.
pub struct Known<'a> {
    /// The user's name.
    pub name: Option<&'a str>,
    /// The user's email.
    pub email: Option<&'a str>,
    /// The department the page chose.
    pub department: Option<&'a str>,
    /// The page's custom fields.
    pub fields: &'a [(String, String)],
}

/// The value a pre-chat field starts with: what the page said, when it
/// said it (a department only if the form offers it).
pub fn prefill<'a>(form: &Prechat, field: PrechatField, known: &Known<'a>) -> Option<&'a str> {
    match field {
        PrechatField::Name => known.name,
        PrechatField::Email => known.email,
        PrechatField::Department => known
            .department
            .filter(|d| form.departments.iter().any(|o| o.id == *d)),
        PrechatField::Custom(at) => {
            let id = &form.fields.get(at)?.id;
            known
                .fields
                .iter()
                .find(|(k, _)| k == id)
                .map(|(_, v)| v.as_str())
        }
    }
    .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ES};

    #[test]
    fn a_site_without_settings_has_the_defaults() {
        let c = SiteConfig::default();
        assert_eq!((c.rating(), c.sound, c.online), (Rating::Stars, true, None));
        assert_eq!(c.title(Lang::En, &EN), "Chat with us");
        assert_eq!(c.greeting(Lang::Es, &ES), ES.greeting);
        assert_eq!(c.color(), None);
        assert!(c.prechat.is_none());
    }

    #[test]
    fn site_texts_by_language() {
        let texts = |title: &str, greeting: &str| SiteTexts {
            title: Some(title.into()),
            greeting: Some(greeting.into()),
        };
        let c = SiteConfig {
            texts: vec![
                ("en".into(), texts("Shop help", " ")),
                ("es".into(), texts("Ayuda", "Hola")),
            ],
            rating: "thumbs".into(),
            ..SiteConfig::default()
        };
        assert_eq!(c.title(Lang::En, &EN), "Shop help");
        assert_eq!(c.title(Lang::Es, &ES), "Ayuda");
        assert_eq!(c.greeting(Lang::Es, &ES), "Hola");
        assert_eq!(
            c.greeting(Lang::En, &EN),
            EN.greeting,
            "a blank greeting is none"
        );
        assert_eq!(c.rating(), Rating::Thumbs);
        assert_eq!(
            SiteConfig {
                rating: "off".into(),
                ..SiteConfig::default()
            }
            .rating(),
            Rating::Off
        );
    }

    #[test]
    fn colours_and_pictures_are_checked() {
        for (color, ok) in [
            ("#2563eb", true),
            ("#FFF", true),
            ("#12345", false),
            ("red", false),
            ("#2563eb;background:url(x)", false),
            ("", false),
        ] {
            assert_eq!(is_hex_color(color), ok, "{color}");
        }
        let with = |avatar: &str| SiteConfig {
            theme: Theme {
                color: Some("#0a7c4a".into()),
                agent_avatar: Some(avatar.into()),
            },
            ..SiteConfig::default()
        };
        assert_eq!(
            with("https://x.test/a.png").avatar(),
            Some("https://x.test/a.png")
        );
        assert_eq!(with("https://x.test/a.png").color(), Some("#0a7c4a"));
        assert_eq!(with("http://x.test/a.png").avatar(), None);
        assert_eq!(with("javascript:alert(1)").avatar(), None);
        assert_eq!(with("https://").avatar(), None);
    }

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Anna Smith"), "AS");
        assert_eq!(initials("  anna  "), "A");
        assert_eq!(initials("José María López"), "JM");
        assert_eq!(initials("élodie"), "é");
        assert_eq!(initials(""), "");
    }

    fn form() -> Prechat {
        Prechat {
            name: "required".into(),
            email: "optional".into(),
            departments: vec![Department {
                id: "sales".into(),
                name: "Sales".into(),
            }],
            fields: vec![
                CustomField {
                    id: "order".into(),
                    label: "Order".into(),
                    required: true,
                },
                CustomField {
                    id: "note".into(),
                    label: "Note".into(),
                    required: false,
                },
            ],
            skippable: false,
        }
    }

    #[track_caller]
    fn problems(draft: &PrechatDraft) -> Vec<PrechatField> {
        match check_prechat(&EN, &form(), draft, StartBody::default()) {
            Ok(_) => Vec::new(),
            Err(p) => p.into_iter().map(|(f, _)| f).collect(),
        }
    }

    #[test]
    fn the_prechat_form_is_checked() {
        let empty = PrechatDraft::default();
        assert_eq!(
            problems(&empty),
            [
                PrechatField::Name,
                PrechatField::Department,
                PrechatField::Custom(0)
            ]
        );
        let bad_email = PrechatDraft {
            name: "Ada".into(),
            email: "ada@".into(),
            department: "sales".into(),
            fields: vec!["42".into()],
        };
        assert_eq!(problems(&bad_email), [PrechatField::Email]);
        let wrong_department = PrechatDraft {
            department: "hr".into(),
            email: String::new(),
            ..bad_email.clone()
        };
        assert_eq!(problems(&wrong_department), [PrechatField::Department]);
        let too_long = PrechatDraft {
            name: "n".repeat(201),
            email: String::new(),
            ..bad_email
        };
        assert_eq!(problems(&too_long), [PrechatField::Name]);
    }

    #[test]
    fn a_good_form_becomes_the_start_body() {
        let draft = PrechatDraft {
            name: " Ada ".into(),
            email: "ada@example.com".into(),
            department: "sales".into(),
            fields: vec![" 42 ".into(), "".into()],
        };
        let mut base = StartBody {
            language: Some("es".into()),
            ..StartBody::default()
        };
        base.set_field("plan", "pro");
        base.set_field("order", "from the page");
        let body = check_prechat(&EN, &form(), &draft, base).expect("valid");
        assert_eq!(
            body,
            StartBody {
                department: Some("sales".into()),
                name: Some("Ada".into()),
                email: Some("ada@example.com".into()),
                fields: vec![("plan".into(), "pro".into()), ("order".into(), "42".into())],
                language: Some("es".into()),
            }
        );
        let off = Prechat {
            name: "off".into(),
            email: "off".into(),
            ..Prechat::default()
        };
        let body = check_prechat(
            &EN,
            &off,
            &PrechatDraft {
                name: "x".into(),
                ..PrechatDraft::default()
            },
            StartBody::default(),
        );
        assert_eq!(
            body,
            Ok(StartBody::default()),
            "fields not asked are not sent"
        );
    }

    #[test]
    fn the_page_prefills_the_form() {
        let fields = vec![("order".to_owned(), "A-1001".to_owned())];
        let known = Known {
            name: Some("Grace"),
            email: Some(""),
            department: Some("support"),
            fields: &fields,
        };
        let f = form();
        assert_eq!(prefill(&f, PrechatField::Name, &known), Some("Grace"));
        // Empty says nothing; a department the form does not offer neither.
        assert_eq!(prefill(&f, PrechatField::Email, &known), None);
        assert_eq!(prefill(&f, PrechatField::Department, &known), None);
        let sales = Known {
            department: Some("sales"),
            ..known
        };
        assert_eq!(prefill(&f, PrechatField::Department, &sales), Some("sales"));
        assert_eq!(prefill(&f, PrechatField::Custom(0), &known), Some("A-1001"));
        assert_eq!(prefill(&f, PrechatField::Custom(1), &known), None);
        assert_eq!(prefill(&f, PrechatField::Custom(9), &known), None);
    }
}
