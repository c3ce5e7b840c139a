//! The emoji picker in the DOM ([`crate::emoji`] decides), shared by both
//! apps' pickers, which only lay out its two elements and pass its events
//! here: a toggle button (`.emoji-toggle`) and, after it, the grid, filled
//! once with the DOM's own calls ([`emoji_grid`], a Leptos directive). The
//! grid's buttons carry their number in `data-i`, and the open state is the
//! grid's `hidden` and the toggle's `aria-expanded`, so forty buttons and
//! their state cost three event handlers and no views or signals (the
//! widget's size counts).
//!
//! Keys: arrows, Home and End move in the grid (one emoji is in the tab
//! order at a time, so Tab leaves it), Enter or a click puts the emoji in
//! the draft at the caret, Escape closes it and gives the focus back to the
//! toggle; the focus leaving the picker closes it.

use crate::emoji::{self, GROUPS};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Element, EventTarget, FocusEvent, HtmlElement, HtmlTextAreaElement, KeyboardEvent, MouseEvent,
    Node,
};

/// Fills the grid element `el`: one group per [`GROUPS`] entry, named,
/// with a button per emoji, named for screen readers, numbered in `data-i`
/// across groups; only the first is in the tab order.
pub fn emoji_grid(el: Element, _: ()) {
    let _ = fill(&el);
}

fn fill(el: &Element) -> Result<(), JsValue> {
    let Some(doc) = el.owner_document() else {
        return Ok(());
    };
    let mut at = 0usize;
    for (name, list) in GROUPS {
        let group = doc.create_element("div")?;
        group.set_class_name("emoji-group");
        group.set_attribute("role", "group")?;
        group.set_attribute("aria-label", name)?;
        for (piece, label) in list {
            let button = doc.create_element("button")?;
            button.set_attribute("type", "button")?;
            button.set_attribute("data-i", &at.to_string())?;
            button.set_attribute("aria-label", label)?;
            button.set_attribute("title", label)?;
            button.set_attribute("tabindex", if at == 0 { "0" } else { "-1" })?;
            button.set_text_content(Some(piece));
            group.append_child(&button)?;
            at += 1;
        }
        el.append_child(&group)?;
    }
    Ok(())
}

/// A click in the picker (`ev.current_target()`): the toggle opens or
/// closes the grid; an emoji goes into `draft` at its caret, and the new
/// draft is returned (the textarea already shows it, caret after the
/// emoji).
pub fn click(ev: &MouseEvent, draft: Option<HtmlTextAreaElement>) -> Option<String> {
    let picker = picker_of(ev.current_target())?;
    let target = ev.target()?.dyn_into::<Element>().ok()?;
    if target.closest(".emoji-toggle").ok()?.is_some() {
        let opening = grid(&picker)?.hidden();
        show(&picker, opening);
        if opening {
            let at = grid(&picker)
                .and_then(|g| g.query_selector("[tabindex=\"0\"]").ok().flatten())
                .and_then(|b| index_of(&b))
                .unwrap_or(0);
            focus(&picker, at);
        }
        return None;
    }
    let piece = index_of(&target).and_then(emoji::nth)?;
    show(&picker, false);
    let area = draft?;
    let start = area.selection_start().ok().flatten().unwrap_or(u32::MAX);
    let end = area.selection_end().ok().flatten().unwrap_or(start);
    let (value, caret) = emoji::insert(&area.value(), start, end, piece);
    // Set before the draft's signal: the same value set again later leaves
    // the caret where it is put here.
    area.set_value(&value);
    let _ = area.focus();
    let _ = area.set_selection_range(caret, caret);
    Some(value)
}

/// A key pressed in the picker: moves in the grid, or Escape closes it.
pub fn keydown(ev: KeyboardEvent) {
    let Some(picker) = picker_of(ev.current_target()) else {
        return;
    };
    let open = grid(&picker).is_some_and(|g| !g.hidden());
    if ev.key() == "Escape" && open {
        // Only the grid closes, not what holds the picker.
        ev.stop_propagation();
        ev.prevent_default();
        show(&picker, false);
        if let Some(toggle) = toggle(&picker) {
            let _ = toggle.focus();
        }
        return;
    }
    let at = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|t| index_of(&t));
    if let Some(to) = at.and_then(|at| emoji::step(at, &ev.key(), emoji::count())) {
        ev.prevent_default();
        focus(&picker, to);
    }
}

/// The focus moved: the grid closes when it left the picker.
pub fn focusout(ev: FocusEvent) {
    let Some(picker) = picker_of(ev.current_target()) else {
        return;
    };
    let to = ev.related_target().and_then(|t| t.dyn_into::<Node>().ok());
    if !picker.contains(to.as_ref()) {
        show(&picker, false);
    }
}

fn picker_of(target: Option<EventTarget>) -> Option<Element> {
    target?.dyn_into::<Element>().ok()
}

fn grid(picker: &Element) -> Option<HtmlElement> {
    picker
        .query_selector("[role=\"dialog\"]")
        .ok()??
        .dyn_into()
        .ok()
}

fn toggle(picker: &Element) -> Option<HtmlElement> {
    picker
        .query_selector(".emoji-toggle")
        .ok()??
        .dyn_into()
        .ok()
}

/// Opens or closes the grid.
fn show(picker: &Element, open: bool) {
    if let Some(grid) = grid(picker) {
        grid.set_hidden(!open);
    }
    if let Some(toggle) = toggle(picker) {
        let _ = toggle.set_attribute("aria-expanded", if open { "true" } else { "false" });
    }
}

/// The number of the emoji button that `el` is or is inside, if any.
fn index_of(el: &Element) -> Option<usize> {
    el.closest("[data-i]")
        .ok()??
        .get_attribute("data-i")?
        .parse()
        .ok()
}

/// Makes emoji `to` the one in the tab order, and focuses it.
fn focus(picker: &Element, to: usize) {
    let Some(grid) = grid(picker) else {
        return;
    };
    let find = |selector: &str| grid.query_selector(selector).ok().flatten();
    if let Some(old) = find("[tabindex=\"0\"]") {
        let _ = old.set_attribute("tabindex", "-1");
    }
    if let Some(new) = find(&format!("[data-i=\"{to}\"]")) {
        let _ = new.set_attribute("tabindex", "0");
        if let Ok(new) = new.dyn_into::<HtmlElement>() {
            let _ = new.focus();
        }
    }
}
