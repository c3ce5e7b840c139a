//! The few DOM calls the call's screen is built with (as the widget's
//! own `dom.rs`, which this module cannot reach: it is another Wasm
//! module): create an element, set attributes, show or hide. Text always
//! goes in as text, never as HTML.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Event};

/// The frame's document.
pub fn doc() -> Option<Document> {
    web_sys::window()?.document()
}

/// A new `tag` element with `class` (none when empty).
pub fn el(d: &Document, tag: &str, class: &str) -> Option<Element> {
    let el = d.create_element(tag).ok()?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    Some(el)
}

/// A new `tag` element with `class` and `text`, appended to `parent`.
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Option<Element> {
    let child = el(&parent.owner_document()?, tag, class)?;
    if !text.is_empty() {
        child.set_text_content(Some(text));
    }
    parent.append_child(&child).ok()?;
    Some(child)
}

/// Sets an attribute.
pub fn attr(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Sets several attributes.
pub fn attrs(el: &Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        attr(el, name, value);
    }
}

/// Shows or hides an element (`hidden`).
pub fn show(el: &Element, shown: bool) {
    let _ = el.toggle_attribute_with_force("hidden", !shown);
}

/// Sets a text, only when it changes (so a live region does not read the
/// same words again).
pub fn set_text(el: &Element, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

/// The element an event happened on, or the nearest around it that
/// matches `selector`.
pub fn target_in(event: &Event, selector: &str) -> Option<Element> {
    event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest(selector)
        .ok()?
}
