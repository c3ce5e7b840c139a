//! Page composition: text wrapped to a width and drawn line by line, rules,
//! images, and page breaks when the page is full.
//!
//! A [`Composer`] fills A4 pages from the top; each finished page is its
//! content stream, deflated as soon as the page is full, and the images it
//! shows. The footer is drawn with the page: "Page n of " and then the
//! total, a form shared by every page and written once the total is known
//! (what lets a page be finished before the last one is laid out).

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Name, Str};

use crate::font::Font;

/// A4, in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 56.0;
const MARGIN_TOP: f32 = 56.0;
/// The body stops here; the footer sits below it.
const MARGIN_BOTTOM: f32 = 62.0;
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// The most height one block (an image) may take: a whole page's body.
pub(crate) const CONTENT_H: f32 = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM;
/// Where the footer's baseline is.
const FOOTER_BASELINE: f32 = 34.0;
/// Where "Page n of m" starts: room for "Page 99999 of 99999".
const PAGE_NUMBER_X: f32 = MARGIN_X + CONTENT_W - 82.0;
const FOOTER: Style = Style::plain(8.0).color(MUTED);

/// The resource name of the form that draws the page total.
pub(crate) const TOTAL_NAME: Name<'static> = Name(b"Total");

/// The resource name of the one font.
pub(crate) const FONT_NAME: Name<'static> = Name(b"F1");

/// How much a slanted ("italic") run leans, and how thick a "bold" run's
/// outline is, relative to its size: the one regular font draws all three.
const SLANT: f32 = 0.2;
const BOLD_STROKE: f32 = 0.035;

/// A fill colour, as RGB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Color(pub f32, pub f32, pub f32);

pub(crate) const BLACK: Color = Color(0.0, 0.0, 0.0);
pub(crate) const MUTED: Color = Color(0.42, 0.42, 0.42);

/// How a run of text looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    pub italic: bool,
    pub color: Color,
}

impl Style {
    pub(crate) const fn plain(size: f32) -> Style {
        Style {
            size,
            bold: false,
            italic: false,
            color: BLACK,
        }
    }
    pub(crate) const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }
    pub(crate) const fn italic(self) -> Style {
        Style {
            italic: true,
            ..self
        }
    }
    pub(crate) const fn color(self, color: Color) -> Style {
        Style { color, ..self }
    }
}

/// Text in one style.
pub(crate) struct Run<'t> {
    pub text: &'t str,
    pub style: Style,
}

/// One placed character: its CID, advance in points, and which run's style.
#[derive(Debug, Clone, Copy)]
struct Item {
    cid: u16,
    width: f32,
    style: u8,
}

/// A finished page.
pub(crate) struct Page {
    /// Its content stream, deflated.
    pub content: Vec<u8>,
    /// Indices of the images it shows (named `Im{index}`).
    pub images: Vec<usize>,
}

/// The graphics state a page's content stream has set, so that each change
/// is written once.
#[derive(Default)]
struct DrawState {
    size: Option<f32>,
    color: Option<Color>,
    bold: Option<bool>,
}

/// Fills pages from top to bottom.
pub(crate) struct Composer<'f> {
    pub font: &'f mut Font,
    sheet: Sheet,
}

/// The pages: those finished and the one being filled.
struct Sheet {
    footer: Footer,
    pages: Vec<Page>,
    content: Content,
    images: Vec<usize>,
    state: DrawState,
    /// The top of the free area of the current page.
    y: f32,
}

impl<'f> Composer<'f> {
    /// A composer whose footers show `footer_left` at the left.
    pub(crate) fn new(font: &'f mut Font, footer_left: &str) -> Composer<'f> {
        let mut content = Content::new();
        content.save_state();
        let sheet = Sheet {
            footer: Footer::new(font, footer_left),
            pages: Vec::new(),
            content,
            images: Vec::new(),
            state: DrawState::default(),
            y: PAGE_H - MARGIN_TOP,
        };
        Composer { font, sheet }
    }

    /// Makes room for `height` points, on a new page if this one has less.
    pub(crate) fn ensure(&mut self, height: f32) {
        self.sheet.ensure(height);
    }

    /// Leaves `height` points of blank space (none at the top of a page).
    pub(crate) fn space(&mut self, height: f32) {
        if !self.sheet.at_top() {
            self.sheet.y -= height;
        }
    }

    /// Draws `runs` as one paragraph (a line break in a run starts a new
    /// line), wrapped to `width` points starting `indent` points from the
    /// left margin. Lines are drawn as they are made, so a paragraph of any
    /// length takes one line's memory.
    pub(crate) fn paragraph(&mut self, runs: &[Run], indent: f32, width: f32, line_height: f32) {
        let styles: Vec<Style> = runs.iter().map(|r| r.style).collect();
        let sheet = &mut self.sheet;
        wrap(self.font, runs, width, &mut |line| {
            sheet.line(line, &styles, MARGIN_X + indent, line_height)
        });
    }

    /// A label and its value side by side: the label in the first
    /// `label_width` points, the value wrapped in the rest.
    pub(crate) fn field(&mut self, label: Run, value: &[Run], label_width: f32, line_height: f32) {
        let value_styles: Vec<Style> = value.iter().map(|r| r.style).collect();
        let label_styles = [label.style];
        // Labels are the crate's own words: a line or two.
        let mut label_lines = Vec::new();
        wrap(self.font, &[label], label_width - 6.0, &mut |line| {
            label_lines.push(line.to_vec())
        });
        let sheet = &mut self.sheet;
        let mut row = 0;
        wrap(self.font, value, CONTENT_W - label_width, &mut |line| {
            sheet.ensure(line_height);
            let baseline = sheet.y - line_height * 0.76;
            if let Some(label) = label_lines.get(row) {
                sheet.draw_line(label, &label_styles, MARGIN_X, baseline);
            }
            sheet.draw_line(line, &value_styles, MARGIN_X + label_width, baseline);
            sheet.y -= line_height;
            row += 1;
        });
        for label in label_lines.iter().skip(row) {
            sheet.line(label, &label_styles, MARGIN_X, line_height);
        }
    }

    /// A thin horizontal line across the text width.
    pub(crate) fn rule(&mut self, gap: f32) {
        let sheet = &mut self.sheet;
        sheet.ensure(2.0 * gap);
        sheet.y -= gap;
        sheet
            .content
            .set_line_width(0.5)
            .set_stroke_rgb(0.75, 0.75, 0.75)
            .move_to(MARGIN_X, sheet.y)
            .line_to(MARGIN_X + CONTENT_W, sheet.y)
            .stroke();
        // The stroke colour and width were changed: a later bold run sets them again.
        sheet.state.bold = None;
        sheet.y -= gap;
    }

    /// Shows image `index` at `width` × `height` points, on a new page if it
    /// does not fit on this one.
    pub(crate) fn image(&mut self, index: usize, width: f32, height: f32) {
        let sheet = &mut self.sheet;
        sheet.ensure(height);
        sheet.y -= height;
        let name = format!("Im{index}");
        sheet
            .content
            .save_state()
            .transform([width, 0.0, 0.0, height, MARGIN_X, sheet.y])
            .x_object(Name(name.as_bytes()))
            .restore_state();
        if !sheet.images.contains(&index) {
            sheet.images.push(index);
        }
    }

    /// Ends the last page and hands back every page.
    pub(crate) fn finish(mut self) -> Vec<Page> {
        self.sheet.end_page();
        self.sheet.pages
    }
}

impl Sheet {
    fn at_top(&self) -> bool {
        self.y >= PAGE_H - MARGIN_TOP
    }

    /// Finishes the current page: its content is deflated now, so finished
    /// pages take their compressed size only.
    fn end_page(&mut self) {
        let mut content = std::mem::replace(&mut self.content, Content::new());
        content.restore_state();
        self.footer.draw(&mut content, self.pages.len() + 1);
        let content = crate::write::deflate(content.finish().as_slice());
        self.pages.push(Page {
            content,
            images: std::mem::take(&mut self.images),
        });
        self.content.save_state();
        self.state = DrawState::default();
        self.y = PAGE_H - MARGIN_TOP;
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM && !self.at_top() {
            self.end_page();
        }
    }

    /// Draws one line at the left edge `x`, below what is already there.
    fn line(&mut self, line: &[Item], styles: &[Style], x: f32, line_height: f32) {
        self.ensure(line_height);
        let baseline = self.y - line_height * 0.76;
        self.draw_line(line, styles, x, baseline);
        self.y -= line_height;
    }

    fn draw_line(&mut self, line: &[Item], styles: &[Style], x: f32, baseline: f32) {
        draw_line(
            &mut self.content,
            &mut self.state,
            line,
            styles,
            x,
            baseline,
        );
    }
}

/// Draws one laid-out line.
fn draw_line(
    content: &mut Content,
    state: &mut DrawState,
    line: &[Item],
    styles: &[Style],
    x: f32,
    baseline: f32,
) {
    if line.is_empty() {
        return;
    }
    content.begin_text();
    let mut cx = x;
    let mut bytes = Vec::new();
    for segment in line.chunk_by(|a, b| a.style == b.style) {
        let Some(&style) = styles.get(usize::from(segment[0].style)) else {
            continue;
        };
        if state.size != Some(style.size) {
            content.set_font(FONT_NAME, style.size);
            state.size = Some(style.size);
        }
        if state.color != Some(style.color) {
            let Color(r, g, b) = style.color;
            content.set_fill_rgb(r, g, b);
            state.color = Some(style.color);
            // A bold run strokes in its fill colour.
            state.bold = None;
        }
        if state.bold != Some(style.bold) {
            if style.bold {
                let Color(r, g, b) = style.color;
                content
                    .set_text_rendering_mode(TextRenderingMode::FillStroke)
                    .set_stroke_rgb(r, g, b)
                    .set_line_width(style.size * BOLD_STROKE);
            } else {
                content.set_text_rendering_mode(TextRenderingMode::Fill);
            }
            state.bold = Some(style.bold);
        }
        let slant = if style.italic { SLANT } else { 0.0 };
        content.set_text_matrix([1.0, 0.0, slant, 1.0, cx, baseline]);
        bytes.clear();
        for item in segment {
            bytes.extend_from_slice(&item.cid.to_be_bytes());
            cx += item.width;
        }
        content.show(Str(&bytes));
    }
    content.end_text();
}

/// A footer's glyphs, laid out once: the left text, "Page ", " of " and the
/// digits.
struct Footer {
    left: Vec<Item>,
    page: Vec<Item>,
    of: Vec<Item>,
    digits: [Item; 10],
}

impl Footer {
    fn new(font: &mut Font, left: &str) -> Footer {
        Footer {
            left: first_line(font, left, FOOTER, PAGE_NUMBER_X - MARGIN_X - 12.0),
            page: items(font, "Page "),
            of: items(font, " of "),
            digits: std::array::from_fn(|d| items(font, &d.to_string())[0]),
        }
    }

    /// Draws the footer of page `n` in a clean graphics state: the total is
    /// the [`TOTAL_NAME`] form, drawn where "of " ends.
    fn draw(&self, content: &mut Content, n: usize) {
        let mut state = DrawState::default();
        draw_line(
            content,
            &mut state,
            &self.left,
            &[FOOTER],
            MARGIN_X,
            FOOTER_BASELINE,
        );
        let mut line = self.page.clone();
        line.extend(number_items(&self.digits, n));
        line.extend_from_slice(&self.of);
        draw_line(
            content,
            &mut state,
            &line,
            &[FOOTER],
            PAGE_NUMBER_X,
            FOOTER_BASELINE,
        );
        let x = PAGE_NUMBER_X + line.iter().map(|i| i.width).sum::<f32>();
        content
            .save_state()
            .transform([1.0, 0.0, 0.0, 1.0, x, FOOTER_BASELINE])
            .x_object(TOTAL_NAME)
            .restore_state();
    }
}

/// The first line `text` wraps to (only its first 300 characters are laid
/// out: a line never holds more).
fn first_line(font: &mut Font, text: &str, style: Style, width: f32) -> Vec<Item> {
    let text = text
        .char_indices()
        .nth(300)
        .map_or(text, |(i, _)| &text[..i]);
    let mut first = None;
    wrap(font, &[Run { text, style }], width, &mut |line| {
        if first.is_none() {
            first = Some(line.to_vec());
        }
    });
    first.unwrap_or_default()
}

/// `text`'s glyphs in the footer's style, on one line.
fn items(font: &mut Font, text: &str) -> Vec<Item> {
    let scale = FOOTER.size / 1000.0;
    text.chars()
        .map(|c| {
            let glyph = font.glyph(c);
            Item {
                cid: glyph.cid,
                width: glyph.advance * scale,
                style: 0,
            }
        })
        .collect()
}

fn number_items(digits: &[Item; 10], n: usize) -> Vec<Item> {
    n.to_string()
        .bytes()
        .map(|b| digits[usize::from(b - b'0')])
        .collect()
}

/// The content of the [`TOTAL_NAME`] form: the page total, in the footer's
/// style, from the origin.
pub(crate) fn total_pages(font: &mut Font, total: usize) -> Vec<u8> {
    let mut content = Content::new();
    let number = items(font, &total.to_string());
    draw_line(
        &mut content,
        &mut DrawState::default(),
        &number,
        &[FOOTER],
        0.0,
        0.0,
    );
    content.finish().into_vec()
}

/// The characters of `text` as they are laid out: line breaks unified to
/// `\n`, tabs as four spaces, other breaking white space as a space, and
/// control characters dropped.
fn normalized(text: &str) -> impl Iterator<Item = char> + '_ {
    let mut chars = text.chars().peekable();
    let mut pending_spaces = 0u8;
    std::iter::from_fn(move || loop {
        if pending_spaces > 0 {
            pending_spaces -= 1;
            return Some(' ');
        }
        let c = chars.next()?;
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                return Some('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{0B}' | '\u{0C}' => return Some('\n'),
            '\t' => {
                pending_spaces = 3;
                return Some(' ');
            }
            c if c.is_control() => continue,
            c if breaking_space(c) => return Some(' '),
            c => return Some(c),
        }
    })
}

/// White space a line may break at. No-break spaces are not.
fn breaking_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{A0}' | '\u{2007}' | '\u{202F}')
}

/// Lays `runs` out in lines of at most `width` points and hands each line
/// to `emit` as it is made: greedy, breaking at spaces; a word longer than
/// a line is broken between characters (never before a zero-width mark).
/// Leading spaces of a paragraph are kept (code stays indented), spaces at
/// a break are dropped. Memory stays at about one line whatever the text.
fn wrap(font: &mut Font, runs: &[Run], width: f32, emit: &mut dyn FnMut(&[Item])) {
    let mut w = Wrapper {
        width,
        line: Vec::new(),
        line_w: 0.0,
        first: true,
        emit,
    };
    let mut spaces: Vec<Item> = Vec::new();
    let mut spaces_w = 0.0;
    let mut word: Vec<Item> = Vec::new();
    let mut word_w = 0.0;
    for (index, run) in runs.iter().enumerate() {
        let style = u8::try_from(index).unwrap_or(u8::MAX);
        let scale = run.style.size / 1000.0;
        for c in normalized(run.text) {
            if c == '\n' {
                w.word(&spaces, spaces_w, &word, word_w);
                (spaces_w, word_w) = (0.0, 0.0);
                spaces.clear();
                word.clear();
                w.end_paragraph();
                continue;
            }
            let glyph = font.glyph(c);
            let item = Item {
                cid: glyph.cid,
                width: glyph.advance * scale,
                style,
            };
            if c == ' ' {
                if !word.is_empty() {
                    w.word(&spaces, spaces_w, &word, word_w);
                    (spaces_w, word_w) = (0.0, 0.0);
                    spaces.clear();
                    word.clear();
                }
                spaces.push(item);
                spaces_w += item.width;
            } else {
                // A word already longer than two lines is placed as it
                // comes; the rest of it continues the same line.
                if word_w > 2.0 * width && item.width > 0.0 {
                    w.word(&spaces, spaces_w, &word, word_w);
                    (spaces_w, word_w) = (0.0, 0.0);
                    spaces.clear();
                    word.clear();
                }
                word.push(item);
                word_w += item.width;
            }
        }
    }
    w.word(&spaces, spaces_w, &word, word_w);
    (w.emit)(&w.line);
}

struct Wrapper<'e> {
    width: f32,
    line: Vec<Item>,
    line_w: f32,
    /// Whether `line` is the first line of its paragraph (whose leading
    /// spaces are kept).
    first: bool,
    emit: &'e mut dyn FnMut(&[Item]),
}

impl Wrapper<'_> {
    fn break_line(&mut self) {
        (self.emit)(&self.line);
        self.line.clear();
        self.line_w = 0.0;
        self.first = false;
    }

    fn end_paragraph(&mut self) {
        (self.emit)(&self.line);
        self.line.clear();
        self.line_w = 0.0;
        self.first = true;
    }

    /// Places `word`, preceded by `spaces`.
    fn word(&mut self, spaces: &[Item], spaces_w: f32, word: &[Item], word_w: f32) {
        if word.is_empty() {
            return;
        }
        let keep_spaces = !self.line.is_empty() || self.first;
        let sp_w = if keep_spaces { spaces_w } else { 0.0 };
        if self.line_w + sp_w + word_w <= self.width {
            if keep_spaces {
                self.line.extend_from_slice(spaces);
                self.line_w += spaces_w;
            }
            self.line.extend_from_slice(word);
            self.line_w += word_w;
        } else if word_w <= self.width {
            if !self.line.is_empty() {
                self.break_line();
            }
            self.line.extend_from_slice(word);
            self.line_w = word_w;
        } else {
            // Longer than a line: fill this line first unless little of it is left.
            if !self.line.is_empty() {
                if self.width - self.line_w - sp_w < self.width * 0.25 {
                    self.break_line();
                } else {
                    self.line.extend_from_slice(spaces);
                    self.line_w += spaces_w;
                }
            }
            for &item in word {
                if self.line_w + item.width > self.width
                    && item.width > 0.0
                    && !self.line.is_empty()
                {
                    self.break_line();
                }
                self.line.push(item);
                self.line_w += item.width;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wraps `text` at 10 pt in `width` points and gives each line back as
    /// text (through the font's CIDs).
    #[track_caller]
    fn check(text: &str, width: f32, expected: &[&str]) {
        let mut font = Font::new().unwrap();
        let mut lines = Vec::new();
        wrap(
            &mut font,
            &[Run {
                text,
                style: Style::plain(10.0),
            }],
            width,
            &mut |l| lines.push(l.to_vec()),
        );
        let got: Vec<String> = lines
            .iter()
            .map(|l| l.iter().map(|i| font.char_of(i.cid).unwrap()).collect())
            .collect();
        assert_eq!(got, expected);
        for l in &lines {
            let w: f32 = l.iter().map(|i| i.width).sum();
            // Only a single character wider than the line may overflow it.
            assert!(w <= width + 0.01 || l.len() == 1, "{w} > {width}");
        }
    }

    #[test]
    fn wrapping() {
        check("", 100.0, &[""]);
        check("hello world", 1000.0, &["hello world"]);
        // "hello world" is about 52 pt at 10 pt.
        check("hello world", 40.0, &["hello", "world"]);
        check("hello   world  ", 40.0, &["hello", "world"]);
        check(
            "one\ntwo\r\nthree\rfour",
            1000.0,
            &["one", "two", "three", "four"],
        );
        check("a\n\nb", 1000.0, &["a", "", "b"]);
        check(
            "    indented\n\tcode",
            1000.0,
            &["    indented", "    code"],
        );
        check("bell\u{7}s", 1000.0, &["bells"]);
        check("no\u{A0}break here", 45.0, &["no\u{A0}break", "here"]);
        // A long word is broken between characters.
        check(
            "aaaaaaaaaaaaaaaaaaaa",
            30.0,
            &["aaaaa", "aaaaa", "aaaaa", "aaaaa"],
        );
        check("xy aaaaaaaaaaaaaaaaa", 60.0, &["xy aaaaaaaa", "aaaaaaaaa"]);
        // A combining mark stays with its letter.
        check(
            "e\u{301}e\u{301}e\u{301}e\u{301}",
            11.0,
            &["e\u{301}", "e\u{301}", "e\u{301}", "e\u{301}"],
        );
        check("Привет, мир", 40.0, &["Привет,", "мир"]);
    }

    #[test]
    fn a_word_of_any_length_is_broken_as_it_comes() {
        let word = "a".repeat(1_000);
        check(&word, 30.0, &["aaaaa"; 200]);
        let text = format!("xy {word} z");
        let mut font = Font::new().unwrap();
        let mut lines = Vec::new();
        wrap(
            &mut font,
            &[Run {
                text: &text,
                style: Style::plain(10.0),
            }],
            30.0,
            &mut |l| lines.push((l.len(), l.iter().map(|i| i.width).sum::<f32>())),
        );
        assert_eq!(lines.iter().map(|l| l.0).sum::<usize>(), 1_000 + 5);
        assert!(lines.iter().all(|&(_, w)| w <= 30.0), "{lines:?}");
    }

    #[test]
    fn a_glyph_wider_than_the_line_still_advances() {
        check("WWW", 1.0, &["W", "W", "W"]);
        check("ab", 0.0, &["a", "b"]);
    }
}
