//! The Administration area, for managers and admins: the sidebar's
//! "Administration" entry ([`AdministrationEntry`]) and the pane
//! ([`AdministrationPane`]) with its navigation list and one screen per
//! file below. Screens share the workspace's settings ([`SettingsCell`]:
//! loaded when the area opens, replaced by every save's answer), report
//! through the desk's notice line ([`Ctx`]), and keep a form's content
//! when the server refuses it. The pure parts (drafts, hints, bodies) are
//! `crate::admin`.

pub mod agents;
pub mod audit;
pub mod calls;
pub mod canned;
pub mod confirm;
pub mod departments;
pub mod hours;
pub mod labels;
pub mod roles;
pub mod routing;
pub mod sites;
pub mod tokens;
pub mod webhooks;

use crate::admin::{self, Screen};
use crate::api::{self, HttpError};
use crate::app::SignOut;
use crate::components::all_chats_pane::AllChatsOpen;
use crate::components::contacts_pane::ContactsOpen;
use crate::notice::{self, Notices};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::admin::Settings;
use shared::ConversationId;
use std::future::Future;
use wasm_bindgen::JsCast;

/// Whether the desk's pane shows the Administration area. The desk
/// provides it.
#[derive(Clone, Copy)]
pub struct AdminOpen(pub RwSignal<bool>);

/// What every screen uses: the token, the notice line and signing out.
#[derive(Clone)]
pub struct Ctx {
    /// The signed-in person's bearer token.
    pub token: String,
    notices: Notices,
    sign_out: SignOut,
}

impl Ctx {
    /// The desk's.
    pub fn get() -> Self {
        Self {
            token: expect_context::<Session>().token,
            notices: expect_context::<Notices>(),
            sign_out: expect_context::<SignOut>(),
        }
    }

    /// Reports a success on the notice line.
    pub fn done(&self, text: impl Into<String>) {
        self.notices.done(text);
    }

    /// Reports a hint (nothing was sent) on the notice line.
    pub fn hint(&self, text: impl Into<String>) {
        self.notices.failed(text);
    }

    /// Reports a refusal with the server's sentence; a refused token signs
    /// out.
    pub fn failed(&self, e: &HttpError) {
        notice::report(self.notices, self.sign_out, Some(e), String::new());
    }

    /// Reports a list that could not load.
    pub fn not_loaded(&self, what: &str, e: &HttpError) {
        if e.is_unauthorized() {
            self.sign_out.ended();
        } else {
            self.notices.failed(notice::could_not_load(what, e));
        }
    }
}

/// Runs `call` with the token; on success reports `success` and gives the
/// answer to `then`; on failure reports the server's sentence. `after`
/// runs either way with whether it worked (to clear a busy flag, move the
/// focus).
pub fn run<T, F, Fut>(
    ctx: &Ctx,
    call: F,
    success: impl Into<String> + 'static,
    then: impl FnOnce(T) + 'static,
) where
    T: 'static,
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<T, HttpError>> + 'static,
{
    let ctx = ctx.clone();
    let fut = call(ctx.token.clone());
    spawn_local(async move {
        match fut.await {
            Ok(answer) => {
                ctx.done(success);
                then(answer);
            }
            Err(e) => ctx.failed(&e),
        }
    });
}

/// The workspace's settings as the screens edit them. Cheap to copy.
#[derive(Clone, Copy)]
pub struct SettingsCell(pub RwSignal<Option<Settings>>);

impl SettingsCell {
    /// Loads them (again).
    pub fn load(self, ctx: &Ctx) {
        let ctx = ctx.clone();
        spawn_local(async move {
            match api::admin::settings(&ctx.token).await {
                Ok(s) => {
                    self.0.try_set(Some(s));
                }
                Err(e) => ctx.not_loaded("the workspace's settings", &e),
            }
        });
    }

    /// Saves with `call`, whose answer is the settings now; the form keeps
    /// its content when refused.
    pub fn save<F, Fut>(self, ctx: &Ctx, call: F, success: impl Into<String> + 'static)
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Settings, HttpError>> + 'static,
    {
        self.save_then(ctx, call, success, |_| {});
    }

    /// [`SettingsCell::save`], then `after` with whether it worked.
    pub fn save_then<F, Fut>(
        self,
        ctx: &Ctx,
        call: F,
        success: impl Into<String> + 'static,
        after: impl FnOnce(bool) + 'static,
    ) where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Settings, HttpError>> + 'static,
    {
        let ctx = ctx.clone();
        let fut = call(ctx.token.clone());
        spawn_local(async move {
            match fut.await {
                Ok(s) => {
                    self.0.try_set(Some(s));
                    ctx.done(success);
                    after(true);
                }
                Err(e) => {
                    ctx.failed(&e);
                    after(false);
                }
            }
        });
    }

    /// The departments as `(id, name)`.
    pub fn departments(self) -> Vec<(String, String)> {
        self.0.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.departments
                        .iter()
                        .map(|d| (d.id.clone(), d.name.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}

/// Puts `text` on the clipboard and says so (or says to copy it by hand).
pub fn copy(ctx: &Ctx, text: String, what: &'static str) {
    let ctx = ctx.clone();
    spawn_local(async move {
        let written = async {
            let navigator = js_sys::Reflect::get(&window(), &"navigator".into()).ok()?;
            let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok()?;
            let write: js_sys::Function = js_sys::Reflect::get(&clipboard, &"writeText".into())
                .ok()?
                .dyn_into()
                .ok()?;
            let promise: js_sys::Promise = write
                .call1(&clipboard, &text.into())
                .ok()?
                .dyn_into()
                .ok()?;
            wasm_bindgen_futures::JsFuture::from(promise).await.ok()
        }
        .await;
        match written {
            Some(_) => ctx.done(format!("Copied the {what}.")),
            None => ctx.hint(format!(
                "Could not copy the {what}: select it and copy it yourself."
            )),
        }
    });
}

/// Moves the focus to the element `id` (after the view has drawn it).
pub fn focus_id(id: &'static str) {
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(id) {
            let _ = el.unchecked_ref::<web_sys::HtmlElement>().focus();
        }
    });
}

/// A screen's heading, focused when the screen opens so a keyboard and a
/// screen reader land on it.
#[component]
pub fn ScreenHead(screen: Screen, #[prop(optional)] children: Option<Children>) -> impl IntoView {
    let head = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = head.get() {
            let _ = h.focus();
        }
    });
    view! {
        <header class="admin-head">
            <h2 id="admin-screen-title" tabindex="-1" node_ref=head>{screen.name()}</h2>
            {children.map(|c| c())}
        </header>
    }
}

/// The sidebar's "Administration" entry, for managers and admins.
#[component]
pub fn AdministrationEntry(
    open: RwSignal<Option<ConversationId>>,
    offline_open: RwSignal<bool>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let AdminOpen(shown) = use_context::<AdminOpen>()?;
    let show = move |_| {
        open.set(None);
        offline_open.set(false);
        if let Some(AllChatsOpen(a)) = use_context::<AllChatsOpen>() {
            a.set(false);
        }
        if let Some(ContactsOpen(c)) = use_context::<ContactsOpen>() {
            c.set(false);
        }
        if let Some(crate::components::reports_pane::ReportsOpen(r)) =
            use_context::<crate::components::reports_pane::ReportsOpen>()
        {
            r.set(false);
        }
        shown.set(true);
    };
    admin::for_role(session.agent.role).then(|| {
        view! {
            <div class="list">
                <button type="button" class="list-head list-link"
                    class:current=move || shown.get()
                    aria-current=move || shown.get().then_some("page")
                    on:click=show>
                    <span class="list-title">"Administration"</span>
                </button>
            </div>
        }
    })
}

/// The area: its navigation list and the chosen screen.
#[component]
pub fn AdministrationPane() -> impl IntoView {
    let ctx = Ctx::get();
    let screen = RwSignal::new(Screen::Agents);
    let settings = SettingsCell(RwSignal::new(None));
    provide_context(settings);
    settings.load(&ctx);
    let entry = move |s: Screen| {
        view! {
            <li>
                <button type="button" class="admin-nav-item"
                    class:current=move || screen.get() == s
                    aria-current=move || (screen.get() == s).then_some("page")
                    on:click=move |_| screen.set(s)>
                    {s.name()}
                </button>
            </li>
        }
    };
    view! {
        <section class="admin" aria-labelledby="admin-title">
            <header class="pane-head">
                <h1 id="admin-title">"Administration"</h1>
            </header>
            <div class="admin-body">
                <nav class="admin-nav" aria-label="Administration screens">
                    <ul>{Screen::ALL.into_iter().map(entry).collect_view()}</ul>
                </nav>
                <div class="admin-screen">
                    {move || match screen.get() {
                        Screen::Agents => view! { <agents::Agents/> }.into_any(),
                        Screen::Departments => view! { <departments::Departments/> }.into_any(),
                        Screen::Roles => view! { <roles::Roles/> }.into_any(),
                        Screen::Sites => view! { <sites::Sites/> }.into_any(),
                        Screen::Routing => view! { <routing::Routing/> }.into_any(),
                        Screen::Calls => view! { <calls::Calls/> }.into_any(),
                        Screen::Hours => view! { <hours::Hours/> }.into_any(),
                        Screen::Canned => view! { <canned::Canned/> }.into_any(),
                        Screen::Labels => view! { <labels::Labels/> }.into_any(),
                        Screen::Webhooks => view! { <webhooks::Webhooks/> }.into_any(),
                        Screen::Tokens => view! { <tokens::Tokens/> }.into_any(),
                        Screen::Audit => view! { <audit::Audit/> }.into_any(),
                    }}
                </div>
            </div>
        </section>
    }
}

/// "Loading…" while the settings are on their way.
pub fn loading() -> impl IntoView {
    view! { <p class="muted" role="status">"Loading…"</p> }
}

/// A checkbox group of the workspace's departments bound to `chosen`.
#[component]
pub fn DepartmentChecks(
    legend: &'static str,
    chosen: RwSignal<std::collections::BTreeSet<String>>,
) -> impl IntoView {
    let settings = expect_context::<SettingsCell>();
    view! {
        <fieldset class="admin-checks">
            <legend>{legend}</legend>
            {move || {
                let all = settings.departments();
                if all.is_empty() {
                    return view! { <p class="muted">"No departments yet."</p> }.into_any();
                }
                all.into_iter().map(|(id, name)| {
                    let key = id.clone();
                    view! {
                        <label class="inline-check">
                            <input type="checkbox"
                                prop:checked=move || chosen.with(|c| c.contains(&key))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id.clone();
                                    chosen.update(|c| { if on { c.insert(id); } else { c.remove(&id); } });
                                }/>
                            {name}
                        </label>
                    }
                }).collect_view().into_any()
            }}
        </fieldset>
    }
}

/// A fresh element id, for a label's `for` and a hint's
/// `aria-describedby`.
pub fn fresh_id(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A text input labelled `label`, bound to `value`; its hint, if any, is
/// its description (not part of its name).
#[component]
pub fn TextField(
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    let id = id.map_or_else(|| fresh_id("field"), String::from);
    let hint_id = hint.map(|_| format!("{id}-hint"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input type=kind.unwrap_or("text") id=id aria-describedby=hint_id.clone() bind:value=value/>
            {hint.map(|h| view! { <span class="muted field-hint" id=hint_id>{h}</span> })}
        </div>
    }
}

/// Inside a modal dialog, which covers the desk's notice line: the last
/// failure again, for the eye (the notice line's alert already spoke it).
#[component]
pub fn NoticeHere() -> impl IntoView {
    let notices = expect_context::<Notices>();
    move || match notices.0.get() {
        Some(crate::notice::Notice::Failed(t)) => {
            Some(view! { <p class="error" aria-hidden="true">{t}</p> })
        }
        _ => None,
    }
}
