//! The message markup: literal texts and the trees they become, then
//! arbitrary strings (never a panic, never lost text) and the time the
//! worst inputs take.

use chat_client::markup::{is_safe_href, parse, Node};
use std::time::{Duration, Instant};

fn t(s: &str) -> Node {
    Node::Text(s.into())
}
fn bold(c: Vec<Node>) -> Node {
    Node::Bold(c)
}
fn em(c: Vec<Node>) -> Node {
    Node::Italic(c)
}
fn strike(c: Vec<Node>) -> Node {
    Node::Strike(c)
}
fn code(s: &str) -> Node {
    Node::Code(s.into())
}
fn block(s: &str) -> Node {
    Node::CodeBlock(s.into())
}
fn link(href: &str, text: &str) -> Node {
    Node::Link {
        href: href.into(),
        text: text.into(),
    }
}
fn url(href: &str) -> Node {
    link(href, href)
}
const BR: Node = Node::Break;

#[track_caller]
fn check(input: &str, expected: Vec<Node>) {
    assert_eq!(parse(input), expected, "{input:?}");
}

#[test]
fn plain_text_stays_as_it_is() {
    check("", vec![]);
    check("hello", vec![t("hello")]);
    check("  two  spaces  ", vec![t("  two  spaces  ")]);
    check("snake_case_name", vec![t("snake_case_name")]);
    check("2*3*4 = 24", vec![t("2*3*4 = 24")]);
    check("a * b * c", vec![t("a * b * c")]);
    check("* not a list", vec![t("* not a list")]);
    check("price: 5$ ~ 6$", vec![t("price: 5$ ~ 6$")]);
    check("unclosed *bold", vec![t("unclosed *bold")]);
    check("**", vec![t("**")]);
    check("`", vec![t("`")]);
    check("``", vec![t("``")]);
    check("```", vec![t("```")]);
    check("``````", vec![t("``````")]);
    check("[]()", vec![t("[]()")]);
    check("é*ü*", vec![t("é*ü*")]);
}

#[test]
fn styles() {
    check("*bold*", vec![bold(vec![t("bold")])]);
    check("_italic_", vec![em(vec![t("italic")])]);
    check("~gone~", vec![strike(vec![t("gone")])]);
    check("**bold**", vec![bold(vec![t("bold")])]);
    check("~~gone~~", vec![strike(vec![t("gone")])]);
    check("a *b* c", vec![t("a "), bold(vec![t("b")]), t(" c")]);
    check(
        "*bold and _both_*",
        vec![bold(vec![t("bold and "), em(vec![t("both")])])],
    );
    check("*_x_*", vec![bold(vec![em(vec![t("x")])])]);
    check(
        "(*see*), *this*!",
        vec![
            t("("),
            bold(vec![t("see")]),
            t("), "),
            bold(vec![t("this")]),
            t("!"),
        ],
    );
    check("*é*", vec![bold(vec![t("é")])]);
    // A marker with a space inside does not close or open.
    check("* a *", vec![t("* a *")]);
    check("*a *b*", vec![bold(vec![t("a *b")])]);
    // Crossed styles: the inner one that cannot close stays text.
    check("*a _b* c_", vec![bold(vec![t("a _b")]), t(" c_")]);
    // Doubled and single markers do not pair.
    check("**a*", vec![t("**a*")]);
    // Styles do not span lines.
    check("*a\nb*", vec![t("*a"), BR, t("b*")]);
}

#[test]
fn code_is_shown_as_written() {
    check("use `*x*`", vec![t("use "), code("*x*")]);
    check("`a` and `b`", vec![code("a"), t(" and "), code("b")]);
    check("*`x`*", vec![bold(vec![code("x")])]);
    check("`<b>`", vec![code("<b>")]);
    check(
        "look:\n```\nfn main() {\n    *x* _y_ https://a.b\n}\n```\nok?",
        vec![
            t("look:"),
            block("fn main() {\n    *x* _y_ https://a.b\n}"),
            t("ok?"),
        ],
    );
    check("```one line```", vec![block("one line")]);
    check(
        "a\n\n```x```\n\nb",
        vec![t("a"), BR, block("x"), BR, t("b")],
    );
    check(
        "```a``` and ```b```",
        vec![block("a"), t(" and "), block("b")],
    );
    // Only fences, or none closing: text.
    check("```\n```", vec![t("```"), BR, t("```")]);
    check("``` x", vec![t("``` x")]);
    check("```` x ```", vec![block("` x ")]);
}

#[test]
fn line_breaks() {
    check("a\nb", vec![t("a"), BR, t("b")]);
    check("a\r\nb", vec![t("a"), BR, t("b")]);
    check("a\n\nb\n", vec![t("a"), BR, BR, t("b"), BR]);
    check("\n", vec![BR]);
}

#[test]
fn links() {
    check("https://example.com", vec![url("https://example.com")]);
    check(
        "see https://example.com/a?b=1&c=d#e.",
        vec![t("see "), url("https://example.com/a?b=1&c=d#e"), t(".")],
    );
    check(
        "(http://example.com/x_(y))",
        vec![t("("), url("http://example.com/x_(y)"), t(")")],
    );
    check(
        "HTTPS://EXAMPLE.COM, ok",
        vec![url("HTTPS://EXAMPLE.COM"), t(", ok")],
    );
    check(
        "mail mailto:anna@example.com!",
        vec![t("mail "), url("mailto:anna@example.com"), t("!")],
    );
    check(
        "*https://example.com/a_b*",
        vec![bold(vec![url("https://example.com/a_b")])],
    );
    check(
        "_see https://x.io_",
        vec![em(vec![t("see "), url("https://x.io")])],
    );
    check(
        "https://example.com<b>",
        vec![url("https://example.com"), t("<b>")],
    );
    check(
        "[the docs](https://example.com/docs) now",
        vec![link("https://example.com/docs", "the docs"), t(" now")],
    );
    check(
        "[wiki](https://en.wikipedia.org/wiki/Rust_(language))",
        vec![link(
            "https://en.wikipedia.org/wiki/Rust_(language)",
            "wiki",
        )],
    );
    check(
        "*[write](mailto:a@b.c)*",
        vec![bold(vec![link("mailto:a@b.c", "write")])],
    );
    check("[*x*](https://a.b)", vec![link("https://a.b", "*x*")]);
    // Not links.
    check("xhttps://example.com", vec![t("xhttps://example.com")]);
    check("https://", vec![t("https://")]);
    check("https:///x", vec![t("https:///x")]);
    check("mailto:", vec![t("mailto:")]);
    check("mailto:anna", vec![t("mailto:anna")]);
    check("mailto:@x", vec![t("mailto:@x")]);
    check("anna@example.com", vec![t("anna@example.com")]);
    check("www.example.com", vec![t("www.example.com")]);
    check(
        "[a](https://a b)",
        vec![t("[a]("), url("https://a"), t(" b)")],
    );
    check(
        "[ ](https://a.b)",
        vec![t("[ ]("), url("https://a.b"), t(")")],
    );
}

#[test]
fn only_http_https_and_mailto_become_links() {
    check(
        "[click](javascript:alert(1))",
        vec![t("[click](javascript:alert(1))")],
    );
    check("javascript:alert(1)", vec![t("javascript:alert(1)")]);
    check(
        "[x](data:text/html,<script>alert(1)</script>)",
        vec![t("[x](data:text/html,<script>alert(1)</script>)")],
    );
    check(
        "[x](JavaScript:void(0))",
        vec![t("[x](JavaScript:void(0))")],
    );
    check("[x](//evil.example)", vec![t("[x](//evil.example)")]);
    check(
        "<img src=x onerror=alert(1)><script>alert(2)</script>",
        vec![t("<img src=x onerror=alert(1)><script>alert(2)</script>")],
    );
    for (href, safe) in [
        ("https://a.b", true),
        ("HTTP://a.b", true),
        ("mailto:a@b.c", true),
        ("https://", false),
        ("javascript:alert(1)", false),
        (" https://a.b", false),
        ("https://a.b\tx", false),
        ("https://a.b\u{0}", false),
        ("ftp://a.b", false),
        ("", false),
    ] {
        assert_eq!(is_safe_href(href), safe, "{href:?}");
    }
}

/// Every link anywhere in `nodes` is safe, and the text they show is what
/// was written, in order, with every marker either used or kept.
fn walk(nodes: &[Node], visit: &mut impl FnMut(&Node)) {
    for node in nodes {
        visit(node);
        if let Node::Bold(c) | Node::Italic(c) | Node::Strike(c) = node {
            walk(c, visit);
        }
    }
}

/// The visible characters of `nodes`, without markers and breaks.
fn letters(nodes: &[Node]) -> String {
    let mut s = String::new();
    walk(nodes, &mut |n| match n {
        Node::Text(x) | Node::Code(x) | Node::CodeBlock(x) => s.push_str(x),
        Node::Link { text, href } if text == href => s.push_str(text),
        Node::Link { text, href } => {
            s.push_str(text);
            s.push_str(href);
        }
        _ => {}
    });
    s
}

/// A small deterministic generator (xorshift64*), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces that markup is made of, and a few that are not.
const PIECES: &[&str] = &[
    "*",
    "_",
    "~",
    "`",
    "```",
    "[",
    "]",
    "(",
    ")",
    "](",
    "\n",
    "\r\n",
    " ",
    "a",
    "b",
    "é",
    "漢",
    "👍",
    "\u{200d}",
    "\u{0}",
    "\t",
    "http://",
    "https://",
    "mailto:",
    "@",
    ".",
    ",",
    "x.io",
    "javascript:",
    "<script>",
    "<img src=x onerror=alert(1)>",
    "**",
    "~~",
    "__",
    "\\",
    "\"",
];

fn arbitrary(rng: &mut Rng) -> String {
    let len = rng.below(40);
    let mut s = String::new();
    for _ in 0..len {
        if rng.below(8) == 0 {
            // Any character at all, now and then.
            let c = char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{fffd}');
            s.push(c);
        } else {
            s.push_str(PIECES[rng.below(PIECES.len())]);
        }
    }
    s
}

#[test]
fn arbitrary_strings_never_panic_and_lose_no_text() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for round in 0..20_000 {
        let input = arbitrary(&mut rng);
        let nodes = parse(&input);
        walk(&nodes, &mut |n| match n {
            Node::Link { href, .. } => {
                assert!(
                    is_safe_href(href),
                    "round {round}: {input:?} links {href:?}"
                )
            }
            Node::Text(x) => {
                assert!(
                    !x.is_empty() && !x.contains('\n'),
                    "round {round}: {input:?}"
                )
            }
            Node::Bold(c) | Node::Italic(c) | Node::Strike(c) => {
                assert!(!c.is_empty(), "round {round}: {input:?}")
            }
            _ => {}
        });
        // Only markers, fences and line breaks may go.
        let strip = |s: &str| -> String {
            s.chars()
                .filter(|c| {
                    !matches!(
                        c,
                        '*' | '_' | '~' | '`' | '\n' | '\r' | '[' | ']' | '(' | ')'
                    )
                })
                .collect()
        };
        let kept = letters(&nodes);
        assert_eq!(strip(&kept), strip(&input), "round {round}: {input:?}");
    }
}

/// The fastest of five runs of `parse(input)`.
fn time(input: &str) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(parse(std::hint::black_box(input)));
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[test]
fn the_worst_texts_take_linear_time() {
    let n = shared::MAX_TEXT_CHARS;
    let units = [
        "*a ",
        "_",
        "*_~",
        "[",
        "[a]",
        "](",
        "`",
        "`a",
        "```",
        "``",
        "mailto:",
        "https://(",
        "http://)",
        "x](https://a",
        "[a](https://b(",
        "*http://a",
        "\n",
        "mailto:@",
        "a_b ",
    ];
    for unit in units {
        let at = |chars: usize| unit.repeat(chars / unit.len());
        let (limit, eight) = (time(&at(n)), time(&at(8 * n)));
        // Eight times the text takes about eight times as long (a quadratic
        // parse would take sixty-four; the margin is for a busy machine),
        // and the size limit stays quick even unoptimised.
        let ratio = eight.as_secs_f64() / limit.as_secs_f64().max(1e-6);
        assert!(
            ratio < 24.0 && limit < Duration::from_millis(50),
            "{unit:?}: {limit:?} at {n} characters, {eight:?} at eight times that"
        );
    }
}
