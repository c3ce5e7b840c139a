//! The site's settings read from the JSON of `GET /api/v1/visitor/site`
//! (see [`crate::js`] for why not serde). Every field may be missing: a
//! missing one keeps the default of [`SiteConfig`].

use crate::js::{boolean, get, items, string};
use crate::site::{CustomField, Department, Prechat, SiteConfig, SiteTexts, Theme};
use wasm_bindgen::JsValue;

/// Reads a `SiteConfig` answer.
pub fn site_config(v: &JsValue) -> SiteConfig {
    let defaults = SiteConfig::default();
    let theme = get(v, "theme");
    let texts = get(v, "texts");
    let texts = ["en", "es"]
        .into_iter()
        .filter_map(|tag| {
            let t = get(&texts, tag);
            t.is_object().then(|| {
                (
                    tag.to_owned(),
                    SiteTexts {
                        title: string(&t, "title"),
                        greeting: string(&t, "greeting"),
                    },
                )
            })
        })
        .collect();
    let prechat = get(v, "prechat");
    let prechat = prechat.is_object().then(|| Prechat {
        name: string(&prechat, "name").unwrap_or_default(),
        email: string(&prechat, "email").unwrap_or_default(),
        departments: items(&prechat, "departments")
            .iter()
            .filter_map(|d| {
                Some(Department {
                    id: string(d, "id")?,
                    name: string(d, "name")?,
                })
            })
            .collect(),
        fields: items(&prechat, "fields")
            .iter()
            .filter_map(|f| {
                Some(CustomField {
                    id: string(f, "id")?,
                    label: string(f, "label")?,
                    required: boolean(f, "required").unwrap_or(false),
                })
            })
            .collect(),
        skippable: boolean(&prechat, "skippable").unwrap_or(false),
    });
    SiteConfig {
        theme: Theme {
            color: string(&theme, "color"),
            agent_avatar: string(&theme, "agent_avatar"),
        },
        texts,
        prechat,
        rating: string(v, "rating").unwrap_or(defaults.rating),
        sound: boolean(v, "sound").unwrap_or(defaults.sound),
        online: boolean(v, "online"),
    }
}
