//! Memory stays bounded: a render's peak allocation is measured on the
//! rendering thread by a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use transcript::{Side, Transcript};

use crate::fixtures::{header, message, Rng};
use crate::render;

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters are const-initialised thread locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most bytes `f` held at once beyond what was live before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    let peak = PEAK.with(Cell::get) - before;
    (out, peak.max(0) as usize)
}

#[test]
fn a_huge_message_takes_memory_in_proportion_to_the_pdf() {
    // 3 MB of text in one paragraph of varied words (so it does not
    // compress to nothing), then the same as one word with no space.
    let mut rng = Rng::new(3);
    let words = [
        "order",
        "заказ",
        "παραγγελία",
        "refund",
        "Straße",
        "thanks",
        "x",
    ];
    let mut text = String::new();
    while text.len() < 3_000_000 {
        text.push_str(words[rng.below(words.len())]);
        text.push(if rng.below(2) == 0 { ' ' } else { '-' });
    }
    let no_spaces: String = text.chars().filter(|&c| c != ' ').collect();
    for text in [no_spaces, text] {
        let t = Transcript {
            header: header(),
            messages: vec![message(1, Side::Visitor, "Anna", &text)],
        };
        let (pdf, peak) = peak_of(|| render(&t, false));
        // The output (its buffer grows by doubling) and one page being
        // filled: nothing in proportion to the text's laid-out form (8
        // bytes a character) or its uncompressed pages (measured: 1.7 MB
        // for a 1 MB PDF).
        assert!(
            peak < pdf.len() * 2 + 1_000_000,
            "peak {peak} for a PDF of {} bytes",
            pdf.len()
        );
    }
}
