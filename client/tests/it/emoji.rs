//! The emoji list, its grid's keys, and putting a pick in the draft.

use chat_client::emoji::{count, insert, nth, step, COLUMNS, GROUPS};

#[test]
fn every_group_fills_whole_rows_and_every_emoji_is_named_once() {
    let mut seen = std::collections::BTreeSet::new();
    for (name, emoji) in GROUPS {
        assert_eq!(emoji.len() % COLUMNS, 0, "{name}");
        for (e, label) in emoji {
            assert!(!label.is_empty());
            assert!(seen.insert(*e), "{e} twice");
        }
    }
    assert_eq!(count(), 40);
    assert_eq!(nth(0), Some("😀"));
    assert_eq!(nth(16), Some("👍"));
    assert_eq!(nth(39), Some("🎁"));
    assert_eq!(nth(40), None);
}

#[track_caller]
fn check_step(at: usize, key: &str, expected: Option<usize>) {
    assert_eq!(step(at, key, 40), expected, "{key} from {at}");
}

#[test]
fn keys_move_in_the_grid_and_stop_at_its_edges() {
    check_step(0, "ArrowRight", Some(1));
    check_step(0, "ArrowLeft", Some(0));
    check_step(39, "ArrowRight", Some(39));
    check_step(9, "ArrowUp", Some(1));
    check_step(3, "ArrowUp", Some(3));
    check_step(3, "ArrowDown", Some(11));
    check_step(35, "ArrowDown", Some(35));
    check_step(31, "ArrowDown", Some(39));
    check_step(17, "Home", Some(0));
    check_step(17, "End", Some(39));
    check_step(99, "ArrowLeft", Some(38));
    check_step(3, "Enter", None);
    check_step(3, "Tab", None);
    assert_eq!(step(0, "ArrowRight", 0), None, "an empty grid");
}

#[track_caller]
fn check_insert(value: &str, start: u32, end: u32, expected: &str, caret: u32) {
    assert_eq!(
        insert(value, start, end, "👍"),
        (expected.to_string(), caret),
        "{value:?} {start}..{end}"
    );
}

#[test]
fn a_pick_goes_at_the_caret_or_replaces_the_selection() {
    check_insert("", 0, 0, "👍", 2);
    check_insert("hello", 5, 5, "hello👍", 7);
    check_insert("hello", 0, 0, "👍hello", 2);
    check_insert("hello", 2, 2, "he👍llo", 4);
    check_insert("hello", 1, 4, "h👍o", 3);
    check_insert("hello", 4, 1, "h👍o", 3);
    // Positions count UTF-16 units: "é" is one, "😀" two.
    check_insert("é😀x", 3, 3, "é😀👍x", 5);
    check_insert("é😀x", 1, 3, "é👍x", 3);
    // Inside a surrogate pair: before that character.
    check_insert("😀x", 1, 1, "👍😀x", 2);
    // Out of range: at the end.
    check_insert("ab", 9, 12, "ab👍", 4);
}
