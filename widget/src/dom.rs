//! The few DOM calls the screen is built with: create an element, set an
//! attribute or a text, show or hide, add a listener. Text always goes in
//! as text (`textContent`), never as HTML. Listeners are added once, when
//! the screen is built, and live as long as the page.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{Document, Element, Event, EventTarget, HtmlElement};

/// The frame's document.
pub fn doc() -> Document {
    web_sys::window().and_then(|w| w.document()).unwrap_throw()
}

/// A new `tag` element with `class` (none when empty).
#[inline(never)]
pub fn el(tag: &str, class: &str) -> Element {
    let el = doc().create_element(tag).unwrap_throw();
    if !class.is_empty() {
        el.set_class_name(class);
    }
    el
}

/// A new `tag` element with `class` and `text`, appended to `parent`.
#[inline(never)]
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Element {
    let child = el(tag, class);
    if !text.is_empty() {
        child.set_text_content(Some(text));
    }
    let _ = parent.append_child(&child);
    child
}

/// Sets an attribute.
#[inline(never)]
pub fn attr(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Sets several attributes.
#[inline(never)]
pub fn attrs(el: &Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        attr(el, name, value);
    }
}

/// Sets or removes a boolean attribute (`hidden`, `disabled`, `checked`…).
#[inline(never)]
pub fn flag(el: &Element, name: &str, on: bool) {
    let _ = el.toggle_attribute_with_force(name, on);
}

/// Shows or hides an element (`hidden`).
pub fn show(el: &Element, shown: bool) {
    flag(el, "hidden", !shown);
}

/// Moves the keyboard focus to `el`.
#[inline(never)]
pub fn focus(el: &Element) {
    let _ = el.unchecked_ref::<HtmlElement>().focus();
}

/// Calls `f` on every `kind` event at `target`, for the page's life.
pub fn on(target: &EventTarget, kind: &str, mut f: impl FnMut(Event) + 'static) {
    on_boxed(
        target,
        kind,
        Box::new(move |e: JsValue| f(e.unchecked_into())),
        false,
    );
}

/// As [`on`], in the capture phase (for events that do not bubble, like
/// an image's `error`).
pub fn on_capture(target: &EventTarget, kind: &str, mut f: impl FnMut(Event) + 'static) {
    on_boxed(
        target,
        kind,
        Box::new(move |e: JsValue| f(e.unchecked_into())),
        true,
    );
}

/// The one shape of every closure the widget hands to the browser (one
/// shape: one piece of glue).
pub type Callback = Closure<dyn FnMut(JsValue)>;

#[inline(never)]
fn on_boxed(target: &EventTarget, kind: &str, f: Box<dyn FnMut(JsValue)>, capture: bool) {
    let closure: Callback = Closure::wrap(f);
    let _ = target.add_event_listener_with_callback_and_bool(
        kind,
        closure.as_ref().unchecked_ref(),
        capture,
    );
    closure.forget();
}

/// The `value` of an input, textarea or select.
#[inline(never)]
pub fn value(el: &Element) -> String {
    js_sys::Reflect::get(el, &JsValue::from_str("value"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Sets the `value` of an input, textarea or select.
#[inline(never)]
pub fn set_value(el: &Element, value: &str) {
    let _ = js_sys::Reflect::set(el, &JsValue::from_str("value"), &JsValue::from_str(value));
}

/// The element an event happened on, or the nearest around it that
/// matches `selector`.
#[inline(never)]
pub fn target_in(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()?
}

/// A text shown in an element, set only when it changes (so a live region
/// does not read the same words again).
pub struct Slot {
    /// The element.
    pub el: Element,
    last: String,
    hide_empty: bool,
}

impl Slot {
    /// A slot over `el`, which is empty.
    pub fn new(el: Element) -> Slot {
        Slot {
            el,
            last: String::new(),
            hide_empty: false,
        }
    }

    /// A slot hidden while empty (an alert that is there only when
    /// something went wrong).
    pub fn hiding(el: Element) -> Slot {
        show(&el, false);
        Slot {
            el,
            last: String::new(),
            hide_empty: true,
        }
    }

    /// Shows `text` (nothing for `None`).
    #[inline(never)]
    pub fn set(&mut self, text: Option<&str>) {
        let text = text.unwrap_or("");
        if self.last != text {
            if self.hide_empty {
                show(&self.el, !text.is_empty());
            }
            self.el.set_text_content(Some(text));
            self.last.clear();
            self.last.push_str(text);
        }
    }
}

/// An inline SVG icon (hidden from screen readers: the button carries the
/// name) with one path.
#[inline(never)]
pub fn icon(parent: &Element, path: &str) {
    const NS: &str = "http://www.w3.org/2000/svg";
    let d = doc();
    if let (Ok(svg), Ok(p)) = (
        d.create_element_ns(Some(NS), "svg"),
        d.create_element_ns(Some(NS), "path"),
    ) {
        attrs(&svg, &[("viewBox", "0 0 24 24"), ("aria-hidden", "true")]);
        attr(&p, "d", path);
        let _ = svg.append_child(&p);
        let _ = parent.append_child(&svg);
    }
}
