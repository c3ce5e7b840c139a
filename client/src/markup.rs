//! The light formatting of message text, as both apps draw it. The wire
//! carries plain text; this turns one message's text into a small tree
//! ([`Node`]) that a view builds elements from, one text node per
//! [`Node::Text`], so no part of a message is ever read as HTML.
//!
//! What it understands, close to what chat products settled on:
//!
//! - `*bold*`, `_italic_`, `~strike~` (doubled markers work too: `**bold**`,
//!   `~~strike~~`). A marker opens before a non-space and not inside a word,
//!   and closes after a non-space and not before a word character (a
//!   letter, a digit, anything not ASCII), so
//!   `snake_case_name` and `2*3*4` stay as written. Styles nest
//!   (`*_both_*`) but do not span lines.
//! - `` `code` `` on one line, and code blocks between two ```` ``` ````
//!   fences, over several lines; nothing inside code is formatted.
//! - Line breaks ([`Node::Break`]).
//! - Links: bare `http://` and `https://` URLs, `mailto:` addresses, and
//!   `[text](url)`. Only those three schemes become links; anything else
//!   (`javascript:`, `data:`) stays text as written.
//!
//! It never panics, on any input, and its work is linear in the text's
//! length: every byte is looked at a bounded number of times (each marker
//! searches at most three open styles; each `]` and each URL is scanned
//! once).

/// One piece of a formatted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Text, to draw as a text node (never HTML). Holds no line break.
    Text(String),
    /// `*bold*`.
    Bold(Vec<Node>),
    /// `_italic_`.
    Italic(Vec<Node>),
    /// `~strike~`.
    Strike(Vec<Node>),
    /// `` `code` ``: shown as written.
    Code(String),
    /// A block between ```` ``` ```` fences: shown as written, line breaks
    /// included.
    CodeBlock(String),
    /// A link to an `http`, `https` or `mailto` address.
    Link {
        /// The address, as written.
        href: String,
        /// What the link says: the address itself for a bare one.
        text: String,
    },
    /// A line break.
    Break,
}

/// The schemes that may become links, lower case.
const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// The formatted pieces of `text`.
pub fn parse(text: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((before, code, after)) = code_block(rest) {
        lines(strip_newline_end(before), &mut out);
        out.push(Node::CodeBlock(code.to_owned()));
        rest = strip_newline_start(after);
    }
    lines(rest, &mut out);
    out
}

/// True when `href` may be a link: it starts with `http://`, `https://` or
/// `mailto:` (in any case) and holds no space or control character.
pub fn is_safe_href(href: &str) -> bool {
    SCHEMES
        .iter()
        .any(|s| starts_with_ignore_case(href.as_bytes(), s))
        && href.len() > scheme_len(href)
        && !href.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Splits off the first code block: the text before its opening fence, what
/// is between the fences (without the line break right after the opening
/// fence and the one right before the closing fence), and the text after.
/// Fences with nothing between them stay text.
fn code_block(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    loop {
        let open = from + fence(text.get(from..)?)?;
        let inner_start = open + 3;
        let close = inner_start + fence(&text[inner_start..])?;
        let inner = strip_newline_end(strip_newline_start(&text[inner_start..close]));
        if !inner.is_empty() {
            return Some((&text[..open], inner, &text[close + 3..]));
        }
        from = close + 3;
    }
}

/// Where the first ```` ``` ```` in `text` starts. (A plain byte search:
/// `str::find` with a pattern brings a general searcher the widget need
/// not carry.)
fn fence(text: &str) -> Option<usize> {
    text.as_bytes().windows(3).position(|w| w == b"```")
}

fn strip_newline_start(s: &str) -> &str {
    s.strip_prefix("\r\n")
        .or_else(|| s.strip_prefix('\n'))
        .unwrap_or(s)
}

fn strip_newline_end(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}

/// Formats text that holds no code block, line by line.
fn lines(text: &str, out: &mut Vec<Node>) {
    if text.is_empty() {
        return;
    }
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push(Node::Break);
        }
        inline(line.strip_suffix('\r').unwrap_or(line), out);
    }
}

/// A style opened and not yet closed, with what it holds so far.
struct Open {
    marker: u8,
    len: usize,
    children: Vec<Node>,
}

/// What is being built: the line's nodes, then the styles open within it
/// (at most one per marker, so at most three).
struct Builder {
    root: Vec<Node>,
    open: Vec<Open>,
}

impl Builder {
    fn push(&mut self, node: Node) {
        let into = match self.open.last_mut() {
            Some(top) => &mut top.children,
            None => &mut self.root,
        };
        match (into.last_mut(), node) {
            (Some(Node::Text(last)), Node::Text(more)) => last.push_str(&more),
            (_, Node::Text(more)) if more.is_empty() => {}
            (_, node) => into.push(node),
        }
    }

    fn text(&mut self, s: &str) {
        self.push(Node::Text(s.to_owned()));
    }

    /// Closes the innermost open style: it becomes text again, its marker
    /// included.
    fn unwind_one(&mut self) {
        if let Some(open) = self.open.pop() {
            let marker = char::from(open.marker).to_string().repeat(open.len);
            self.push(Node::Text(marker));
            for child in open.children {
                self.push(child);
            }
        }
    }

    /// Handles a run of `len` markers `marker`, whose neighbours are `prev`
    /// and `next`.
    fn marker(&mut self, marker: u8, len: usize, prev: Option<char>, next: Option<char>) {
        let can_open = next.is_some_and(|c| !c.is_whitespace()) && prev.is_none_or(|c| !is_word(c));
        let can_close =
            prev.is_some_and(|c| !c.is_whitespace()) && next.is_none_or(|c| !is_word(c));
        let opened = self
            .open
            .iter()
            .rposition(|o| o.marker == marker && o.len == len);
        if let (true, Some(at)) = (can_close, opened) {
            while self.open.len() > at + 1 {
                self.unwind_one();
            }
            if let Some(open) = self.open.pop() {
                let node = match marker {
                    b'*' => Node::Bold(open.children),
                    b'_' => Node::Italic(open.children),
                    _ => Node::Strike(open.children),
                };
                self.push(node);
            }
        } else if can_open && !self.open.iter().any(|o| o.marker == marker) {
            self.open.push(Open {
                marker,
                len,
                children: Vec::new(),
            });
        } else {
            self.push(Node::Text(char::from(marker).to_string().repeat(len)));
        }
    }

    fn finish(mut self, out: &mut Vec<Node>) {
        while !self.open.is_empty() {
            self.unwind_one();
        }
        for node in self.root {
            match (out.last_mut(), node) {
                (Some(Node::Text(last)), Node::Text(more)) => last.push_str(&more),
                (_, node) => out.push(node),
            }
        }
    }
}

/// Formats one line (no line break, no code block).
fn inline(line: &str, out: &mut Vec<Node>) {
    let bytes = line.as_bytes();
    let mut b = Builder {
        root: Vec::new(),
        open: Vec::new(),
    };
    let mut links = LinkFinder::default();
    let mut urls = UrlFinder::default();
    // Text not yet pushed starts here.
    let mut start = 0;
    let mut i = 0;
    // Every position the loop stops at is an ASCII byte (or the end), so
    // each slice below falls on character boundaries.
    while i < bytes.len() {
        match bytes[i] {
            b'`' => {
                if let Some(len) = line[i + 1..].find('`').filter(|&len| len > 0) {
                    b.text(&line[start..i]);
                    b.push(Node::Code(line[i + 1..i + 1 + len].to_owned()));
                    i += len + 2;
                    start = i;
                    continue;
                }
            }
            b'[' => {
                if let Some((text, href, end)) = links.at(line, i) {
                    b.text(&line[start..i]);
                    b.push(Node::Link {
                        href: href.to_owned(),
                        text: text.to_owned(),
                    });
                    i = end;
                    start = i;
                    continue;
                }
            }
            marker @ (b'*' | b'_' | b'~') => {
                let len = bytes[i..].iter().take_while(|&&c| c == marker).count();
                b.text(&line[start..i]);
                b.marker(
                    marker,
                    len,
                    line[..i].chars().next_back(),
                    line[i + len..].chars().next(),
                );
                i += len;
                start = i;
                continue;
            }
            b'h' | b'H' | b'm' | b'M' => {
                let boundary = line[..i].chars().next_back().is_none_or(|c| !is_word(c));
                if let Some(len) = boundary.then(|| urls.at(line, i)).flatten() {
                    b.text(&line[start..i]);
                    let url = &line[i..i + len];
                    b.push(Node::Link {
                        href: url.to_owned(),
                        text: url.to_owned(),
                    });
                    i += len;
                    start = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    b.text(&line[start..]);
    b.finish(out);
}

/// Finds `[text](url)` links in one line, remembering what it learnt so a
/// line of many `[` is still scanned once.
#[derive(Default)]
struct LinkFinder {
    /// The next `]` at or after some position, once searched; `None` inside
    /// means there is none further on.
    close: Option<Option<usize>>,
    /// The last `]` whose `(url)` was checked, and where that link ends.
    checked: Option<(usize, Option<usize>)>,
}

impl LinkFinder {
    /// The link starting at the `[` at `open`: its text, its address and
    /// the position after it.
    fn at<'a>(&mut self, line: &'a str, open: usize) -> Option<(&'a str, &'a str, usize)> {
        let close = match self.close {
            Some(Some(close)) if close > open => close,
            Some(None) => return None,
            _ => {
                let found = line[open + 1..].find(']').map(|at| open + 1 + at);
                self.close = Some(found);
                found?
            }
        };
        let end = match self.checked {
            Some((at, end)) if at == close => end,
            _ => {
                let end = url_in_parens(line, close + 1);
                self.checked = Some((close, end));
                end
            }
        }?;
        let text = &line[open + 1..close];
        let href = &line[close + 2..end - 1];
        (!text.trim().is_empty() && is_safe_href(href)).then_some((text, href, end))
    }
}

/// The end (after the `)`) of `(url)` starting at `at`: no space, no
/// bracket, parentheses balanced.
fn url_in_parens(line: &str, at: usize) -> Option<usize> {
    let rest = line.get(at..)?.strip_prefix('(')?;
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return (i > 0).then_some(at + 1 + i + 1),
            ')' => depth -= 1,
            '[' | ']' | '<' | '>' | '"' | '`' => return None,
            c if c.is_whitespace() || c.is_control() => return None,
            _ => {}
        }
    }
    None
}

/// Finds bare links in one line. What it learns (where the current run of
/// non-space ends, where the next `@` is, the bracket balance of every
/// prefix) it keeps, so a line of many schemes is still scanned about once.
#[derive(Default)]
struct UrlFinder {
    /// The end of the run of link characters that some position is in.
    run_end: Option<usize>,
    /// The next `@` at or after some position, once searched.
    next_at: Option<(usize, Option<usize>)>,
    /// For every prefix of the line: `(` minus `)`, and `[` minus `]`.
    balance: Vec<(i32, i32)>,
}

impl UrlFinder {
    /// The length of the bare link starting at `at`, if one does: a scheme,
    /// then everything up to a space or `<`, `>`, `"`, `` ` ``, without the
    /// punctuation that ends a sentence and without closing brackets it did
    /// not open.
    fn at(&mut self, line: &str, at: usize) -> Option<usize> {
        let scheme = SCHEMES
            .iter()
            .find(|s| starts_with_ignore_case(&line.as_bytes()[at..], s))?;
        let body = at + scheme.len();
        let run_end = match self.run_end {
            Some(end) if end > at => end,
            _ => {
                let end = line[at..]
                    .char_indices()
                    .find(|&(_, c)| {
                        c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`')
                    })
                    .map_or(line.len(), |(i, _)| at + i);
                self.run_end = Some(end);
                end
            }
        };
        if self.balance.is_empty() {
            let mut now = (0, 0);
            self.balance.push(now);
            for c in line.bytes() {
                match c {
                    b'(' => now.0 += 1,
                    b')' => now.0 -= 1,
                    b'[' => now.1 += 1,
                    b']' => now.1 -= 1,
                    _ => {}
                }
                self.balance.push(now);
            }
        }
        let balance = |end: usize| {
            let (a, b) = (self.balance[at], self.balance[end]);
            (b.0 - a.0, b.1 - a.1)
        };
        let mut end = run_end;
        let (mut parens, mut brackets) = balance(end);
        while end > body {
            match line.as_bytes()[end - 1] {
                b'.' | b',' | b':' | b';' | b'!' | b'?' | b'\'' | b'*' | b'_' | b'~' => {}
                b')' if parens < 0 => parens += 1,
                b']' if brackets < 0 => brackets += 1,
                _ => break,
            }
            end -= 1;
        }
        let valid = if scheme.starts_with("mailto") {
            let first_at = match self.next_at {
                Some((from, found)) if from <= body && found.is_none_or(|f| f >= body) => found,
                _ => {
                    let found = line[body..].find('@').map(|i| body + i);
                    self.next_at = Some((body, found));
                    found
                }
            };
            first_at.is_some_and(|a| a > body && a + 1 < end)
        } else {
            end > body && line.as_bytes()[body] != b'/'
        };
        valid.then_some(end - at)
    }
}

/// A character a marker may not touch from outside: ASCII letters and
/// digits, and any non-ASCII character (so `été*x*` and `漢*x*` stay as
/// written; Unicode's tables of letters would cost the widget about 2 KB).
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

fn starts_with_ignore_case(text: &[u8], prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn scheme_len(href: &str) -> usize {
    SCHEMES
        .iter()
        .find(|s| starts_with_ignore_case(href.as_bytes(), s))
        .map_or(0, |s| s.len())
}
