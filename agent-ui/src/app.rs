//! The root component: which screen shows (checking the stored token, sign
//! in, or the signed-in desk), and the sign-out capability every screen below
//! may use: the agent's own "Sign out", or the server ending the session.

use crate::admin::pages::Page;
use crate::api;
use crate::routes::desk::Desk;
use crate::routes::invite::AcceptInvite;
use crate::routes::reset::ResetPassword;
use crate::routes::sign_in::SignIn;
use crate::routes::signup::Signup;
use crate::routes::splash::{Checking, Unreachable};
use crate::session::{self, Auth, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Signs the agent out: forgets the token and shows the sign-in form.
#[derive(Clone, Copy)]
pub struct SignOut(WriteSignal<Auth>);

impl SignOut {
    /// Signs out now ("Sign out").
    pub fn run(&self) {
        session::clear_token();
        self.0.try_set(Auth::SignedOut);
    }

    /// The server refused the token (revoked or expired): signs out, and
    /// the sign-in form says the session ended.
    pub fn ended(&self) {
        session::clear_token();
        self.0.try_set(Auth::Ended);
    }
}

/// What the sign-in form says after the server ended a session.
const ENDED: &str = "Your session has ended. Please sign in again.";

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let auth = RwSignal::new(Auth::on_load());
    provide_context(SignOut(auth.write_only()));
    if let Auth::Checking(token) = auth.get_untracked() {
        check(auth, token);
    }
    let signed_in = Callback::new(move |session: Session| auth.set(Auth::SignedIn(session)));
    let retry = Callback::new(move |token: String| {
        auth.set(Auth::Checking(token.clone()));
        check(auth, token);
    });

    // The address may ask for a page outside the desk (sign-up, an
    // invitation, a password reset); each ends signed in, on the desk.
    let page = RwSignal::new(Page::from_search(
        &window().location().search().unwrap_or_default(),
    ));
    let joined = Callback::new(move |session: Session| {
        session::store_token(&session.token);
        leave_page();
        page.set(Page::Desk);
        auth.set(Auth::SignedIn(session));
    });

    move || match page.get() {
        Page::Signup => view! { <Signup joined/> }.into_any(),
        Page::Invite(token) => view! { <AcceptInvite token joined/> }.into_any(),
        Page::Reset(token) => view! { <ResetPassword token joined/> }.into_any(),
        Page::Desk => match auth.get() {
            Auth::Checking(_) => view! { <Checking/> }.into_any(),
            Auth::Unreachable(token) => view! { <Unreachable token retry/> }.into_any(),
            Auth::SignedOut => view! { <SignIn signed_in/> }.into_any(),
            Auth::Ended => view! { <SignIn signed_in notice=ENDED/> }.into_any(),
            Auth::SignedIn(session) => view! { <Desk session/> }.into_any(),
        },
    }
}

/// Drops the page's query (a used token) from the address, so a reload
/// opens the desk.
fn leave_page() {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/agent/".into());
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

/// Checks a stored token with `GET /api/v1/agent/me`; a refused token is
/// forgotten.
fn check(auth: RwSignal<Auth>, token: String) {
    spawn_local(async move {
        let next = match api::me(&token).await {
            Ok(agent) => Auth::SignedIn(Session { token, agent }),
            Err(e) if e.is_unauthorized() => {
                session::clear_token();
                Auth::SignedOut
            }
            Err(_) => Auth::Unreachable(token),
        };
        auth.set(next);
    });
}
