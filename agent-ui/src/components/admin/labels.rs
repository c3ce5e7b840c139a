//! "Tags and dispositions": both lists with "Remove" and a field to add
//! to each, and "Only these tags" (`restrict_tags`); each change is saved
//! at once.

use super::{focus_id, Ctx, ScreenHead, SettingsCell};
use crate::admin::labels::{self, Kind};
use crate::admin::Screen;
use crate::api::admin as calls;
use leptos::prelude::*;
use shared::room::Labels as LabelLists;

/// The screen.
#[component]
pub fn Labels() -> impl IntoView {
    let ctx = Ctx::get();
    let settings = expect_context::<SettingsCell>();
    let current = move || settings.0.with(|s| s.as_ref().map(|s| s.labels.clone()));
    let save = {
        let ctx = ctx.clone();
        move |next: LabelLists, success: String, after: Box<dyn FnOnce(bool)>| {
            settings.save_then(
                &ctx,
                move |t| async move { calls::put_labels(&t, &next).await },
                success,
                after,
            );
        }
    };
    let restrict = {
        let save = save.clone();
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            let Some(mut next) = current() else { return };
            next.restrict_tags = on;
            let said = if on {
                "Only the listed tags may be used now."
            } else {
                "Any tag may be used now."
            };
            save(next, said.into(), Box::new(|_| {}));
        }
    };
    let list = move |kind: Kind,
                     title: &'static str,
                     field: &'static str,
                     button: &'static str,
                     input_id: &'static str| {
        let typed = RwSignal::new(String::new());
        let (ctx, save, save2) = (ctx.clone(), save.clone(), save.clone());
        let add = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(now) = current() else { return };
            let word = typed.get_untracked();
            match labels::add(&now, kind, &word) {
                Ok(next) => save(
                    next,
                    format!("{} is added.", word.trim()),
                    Box::new(move |ok| {
                        if ok {
                            typed.set(String::new());
                        }
                        focus_id(input_id);
                    }),
                ),
                Err(hint) => ctx.hint(hint),
            }
        };
        view! {
            <section class="admin-subsection" aria-label=title>
                <h3>{title}</h3>
                {move || {
                    let words = current().map(|l| kind.list(&l).clone()).unwrap_or_default();
                    if words.is_empty() {
                        return view! { <p class="muted">"None yet."</p> }.into_any();
                    }
                    let save = save2.clone();
                    view! {
                        <ul class="admin-words">{words.into_iter().map(|w| {
                            let save = save.clone();
                            let word = w.clone();
                            view! {
                                <li>
                                    <span>{w.clone()}</span>
                                    <button type="button" class="danger" aria-label=format!("Remove {w}") on:click=move |_| {
                                        let Some(now) = current() else { return };
                                        save(labels::remove(&now, kind, &word), format!("{word} is removed."), Box::new(move |_| focus_id(input_id)));
                                    }>"Remove"</button>
                                </li>
                            }
                        }).collect_view()}</ul>
                    }.into_any()
                }}
                <form class="admin-inline" on:submit=add>
                    <label class="field">{field}<input type="text" id=input_id bind:value=typed/></label>
                    <button type="submit" class="primary">{button}</button>
                </form>
            </section>
        }
    };
    view! {
        <section class="admin-section" aria-labelledby="admin-screen-title">
            <ScreenHead screen=Screen::Labels/>
            {move || current().is_none().then(super::loading)}
            {list(Kind::Tag, "Tags", "New tag", "Add tag", "new-tag")}
            <label class="inline-check">
                <input type="checkbox" prop:checked=move || current().is_some_and(|l| l.restrict_tags) on:change=restrict/>
                "Only these tags"
            </label>
            {list(Kind::Disposition, "Dispositions", "New disposition", "Add disposition", "new-disposition")}
        </section>
    }
}
