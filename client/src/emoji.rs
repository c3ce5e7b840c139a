//! The emoji both composers offer: a short curated list in three groups,
//! where the keys move in its grid, and how a pick goes into the draft at
//! the caret. Pure, so it is tested natively; each app's picker only draws
//! it and moves the focus.

/// How many emoji a row of the grid holds. Every group fills whole rows, so
/// Up and Down move straight across groups.
pub const COLUMNS: usize = 8;

/// One group: its name, then its emoji with the names a screen reader says.
pub type Group = (&'static str, &'static [(&'static str, &'static str)]);

/// The emoji, by group.
pub const GROUPS: [Group; 3] = [
    (
        "Smileys",
        &[
            ("😀", "grinning face"),
            ("😂", "face with tears of joy"),
            ("🙂", "slightly smiling face"),
            ("😉", "winking face"),
            ("😊", "smiling face with smiling eyes"),
            ("😍", "smiling face with heart-eyes"),
            ("😎", "smiling face with sunglasses"),
            ("🥳", "partying face"),
            ("🤔", "thinking face"),
            ("😅", "grinning face with sweat"),
            ("🙃", "upside-down face"),
            ("😮", "face with open mouth"),
            ("😬", "grimacing face"),
            ("😢", "crying face"),
            ("😴", "sleeping face"),
            ("😡", "enraged face"),
        ],
    ),
    (
        "Gestures",
        &[
            ("👍", "thumbs up"),
            ("👎", "thumbs down"),
            ("👌", "OK hand"),
            ("👏", "clapping hands"),
            ("🙏", "folded hands"),
            ("👋", "waving hand"),
            ("🤝", "handshake"),
            ("💪", "flexed biceps"),
        ],
    ),
    (
        "Symbols",
        &[
            ("❤️", "red heart"),
            ("🎉", "party popper"),
            ("✅", "check mark button"),
            ("❌", "cross mark"),
            ("⭐", "star"),
            ("🔥", "fire"),
            ("💡", "light bulb"),
            ("⚠️", "warning"),
            ("👀", "eyes"),
            ("💯", "hundred points"),
            ("🚀", "rocket"),
            ("⏰", "alarm clock"),
            ("📎", "paperclip"),
            ("📞", "telephone receiver"),
            ("☕", "hot beverage"),
            ("🎁", "wrapped gift"),
        ],
    ),
];

/// How many emoji there are in all.
pub fn count() -> usize {
    GROUPS.iter().map(|g| g.1.len()).sum()
}

/// Emoji `at`, counted across groups.
pub fn nth(at: usize) -> Option<&'static str> {
    GROUPS.iter().flat_map(|g| g.1.iter()).nth(at).map(|e| e.0)
}

/// Where the focus goes from emoji `at` (counted across groups) when `key`
/// is pressed in the grid: arrows move by one or by a row and stop at the
/// edges, Home and End go to the first and last. `None` for any other key.
pub fn step(at: usize, key: &str, len: usize) -> Option<usize> {
    let last = len.checked_sub(1)?;
    let at = at.min(last);
    Some(match key {
        "ArrowLeft" => at.saturating_sub(1),
        "ArrowRight" => (at + 1).min(last),
        "ArrowUp" if at >= COLUMNS => at - COLUMNS,
        "ArrowUp" => at,
        "ArrowDown" if at + COLUMNS <= last => at + COLUMNS,
        "ArrowDown" => at,
        "Home" => 0,
        "End" => last,
        _ => return None,
    })
}

/// The draft `value` with `piece` put in place of its selection `start` to
/// `end`, and where the caret goes after it. Positions count UTF-16 code
/// units, as a textarea's `selectionStart` does; any position out of range
/// is taken to the end, and one inside a character to its start.
pub fn insert(value: &str, start: u32, end: u32, piece: &str) -> (String, u32) {
    let (start, end) = (start.min(end), start.max(end));
    let at = |units: u32| -> (usize, u32) {
        let mut seen = 0u32;
        for (byte, c) in value.char_indices() {
            let next = seen + c.len_utf16() as u32;
            if next > units {
                return (byte, seen);
            }
            seen = next;
        }
        (value.len(), seen)
    };
    let ((from, caret), (to, _)) = (at(start), at(end));
    let mut out = String::with_capacity(value.len() + piece.len());
    out.push_str(&value[..from]);
    out.push_str(piece);
    out.push_str(&value[to..]);
    (out, caret + piece.encode_utf16().count() as u32)
}
