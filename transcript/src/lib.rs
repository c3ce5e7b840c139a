//! A closed conversation's transcript as PDF bytes.
//!
//! [`render`] lays out a [`Transcript`] on A4 pages: the room information,
//! then every message as "Author — time" and its text, wrapped to the page
//! width, with "Page n of m" in each footer. It is pure: no I/O, no clock, no
//! randomness, the same input always gives the same bytes, and it builds for
//! `wasm32-unknown-unknown` so the worker can run it.
//!
//! Text is drawn with a bundled cut of Noto Sans (Latin, Greek, Cyrillic;
//! see `fonts/README.md`), of which each PDF embeds only the glyphs it uses,
//! with a map back to Unicode so the text can be searched and copied.
//! Characters the font lacks (emoji, CJK, Arabic, …) are drawn as the font's
//! empty box but still copy out as themselves; invisible characters (joiners,
//! variation selectors, skin-tone modifiers) take no room.
//!
//! Message text is printed as written: the product's markup characters
//! (`*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ``` ```` blocks) stay
//! in the text, and links stay as text. A transcript is a record of what was
//! written, and keeping the characters never garbles a `snake_case_name` or
//! `2*3*4`.
//!
//! Nothing here panics on any input: oversized text is refused with
//! [`Error::TooLong`], and an image that cannot be embedded is listed with a
//! note instead.

mod font;
mod image;
mod layout;
mod model;
mod time_text;
mod write;

pub use model::{Attachment, Header, Message, Side, Transcript, Transfer};

use serde::{Deserialize, Serialize};

/// The most characters of text (header fields and messages together) a
/// transcript may hold: 1,000 messages at the product's 4,000-character limit
/// fit twice over, and the memory a render takes stays bounded.
pub const MAX_TEXT_CHARS: usize = 8_000_000;

/// The most bytes of image data one PDF embeds. Images past it are listed
/// with a note instead, so a conversation full of photos cannot exhaust the
/// worker's memory.
pub const MAX_IMAGE_BYTES: usize = 48 * 1024 * 1024;

/// The largest image, in decoded bytes, that is decoded to be embedded (a PNG
/// with transparency or interlacing is decoded; a JPEG never is).
pub const MAX_DECODED_IMAGE_BYTES: usize = 32 * 1024 * 1024;

/// How to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Embed JPEG and PNG attachments that carry their bytes, scaled to fit
    /// the page width with their aspect kept. Without it, every attachment is
    /// listed by name and size only, and no image bytes are read.
    pub with_attachments: bool,
}

/// Why a transcript could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The transcript holds more than [`MAX_TEXT_CHARS`] characters of text.
    TooLong {
        /// How many characters it holds.
        chars: usize,
    },
    /// The bundled font could not be read or cut down. This is a bug in the
    /// crate, never a property of the input.
    Font,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::TooLong { chars } => write!(
                f,
                "the transcript holds {chars} characters of text, more than the {MAX_TEXT_CHARS} a PDF may hold"
            ),
            Error::Font => f.write_str("the transcript font could not be embedded"),
        }
    }
}

impl std::error::Error for Error {}

/// Renders `transcript` as a PDF document.
///
/// The bytes are a complete PDF 1.7 file. The same input always gives the
/// same bytes.
pub fn render(transcript: &Transcript, options: &Options) -> Result<Vec<u8>, Error> {
    let chars = text_chars(transcript);
    if chars > MAX_TEXT_CHARS {
        return Err(Error::TooLong { chars });
    }
    write::document(transcript, options)
}

/// Counts the characters of every text the PDF prints, with a little for
/// the labels and times around each.
fn text_chars(t: &Transcript) -> usize {
    let h = &t.header;
    let opt = |s: &Option<String>| s.as_deref().map_or(0, |s| s.chars().count());
    let mut n = h.title.chars().count()
        + h.conversation_id.chars().count()
        + h.workspace.chars().count()
        + opt(&h.department)
        + opt(&h.visitor_name)
        + opt(&h.visitor_email)
        + opt(&h.topic)
        + opt(&h.disposition)
        + opt(&h.closing_comment);
    n = h
        .agents
        .iter()
        .fold(n, |n, a| n.saturating_add(a.chars().count() + 2));
    n = h
        .tags
        .iter()
        .fold(n, |n, a| n.saturating_add(a.chars().count() + 2));
    for tr in &h.transfers {
        n = n.saturating_add(
            tr.from.chars().count() + tr.to.chars().count() + opt(&tr.comment) + 32,
        );
    }
    for m in &t.messages {
        n = n.saturating_add(m.author.chars().count() + m.text.chars().count() + 32);
        for a in &m.attachments {
            n = n.saturating_add(a.name.chars().count() + 48);
        }
    }
    n
}
