//! What the PDF says: the room information, the messages in order, any
//! script's text intact, pages and their numbers.

use transcript::{Side, Transcript};

use crate::fixtures::{conversation, header, message};
use crate::{flat, page_count, parse, render, text};

fn short() -> Transcript {
    Transcript {
        header: header(),
        messages: vec![
            message(
                1,
                Side::Visitor,
                "Anna Müller",
                "Hello, I was charged twice for order 1042.",
            ),
            message(2, Side::System, "", "Bob Stone took the conversation"),
            message(
                3,
                Side::Agent,
                "Bob Stone",
                "Sorry about that!\nLet me check.\n\n  Two lines later, indented.",
            ),
            message(
                4,
                Side::Visitor,
                "Anna Müller",
                "*bold* _italic_ ~strike~ `code` ```block``` https://example.com/a_b",
            ),
        ],
    }
}

#[test]
fn the_room_information_is_printed() {
    let pdf = render(&short(), false);
    let t = flat(&text(&pdf));
    for expected in [
        "Conversation with Anna",
        "c_7f3a9e",
        "Acme Support",
        "Billing",
        "Anna Müller <anna@example.com>",
        "Bob Stone, Chloé Martin",
        // Created, taken and closed, in UTC+02:00.
        "2024-05-02 14:03:07",
        "2024-05-02 14:04:42",
        "2024-05-02 15:03:07",
        "Refund for order 1042",
        "refund, vip",
        "Resolved",
        "Refund issued, thank you!",
        "2024-05-02 14:13:07 Bob Stone to Chloé Martin",
        "“She asks about the second invoice”",
        "UTC+02:00",
    ] {
        assert!(t.contains(expected), "{expected:?} missing from {t:?}");
    }
    for label in [
        "Conversation",
        "Workspace",
        "Department",
        "Visitor",
        "Agents",
        "Created",
        "Taken",
        "Closed",
    ] {
        assert!(t.contains(label), "label {label:?} missing");
    }
    for label in [
        "Topic",
        "Tags",
        "Disposition",
        "Closing comment",
        "Transfers",
        "Times in",
    ] {
        assert!(t.contains(label), "label {label:?} missing");
    }
}

#[test]
fn absent_fields_leave_no_label() {
    let mut t = short();
    t.header.topic = None;
    t.header.tags.clear();
    t.header.transfers.clear();
    t.header.visitor_email = None;
    let text = flat(&text(&render(&t, false)));
    assert!(!text.contains("Topic"), "{text}");
    assert!(!text.contains("Tags"));
    assert!(!text.contains("Transfers"));
    assert!(text.contains("Visitor Anna Müller Agents"), "{text}");
}

#[test]
fn messages_are_printed_in_order_with_author_and_time() {
    let text = flat(&text(&render(&short(), false)));
    let order = [
        "2024-05-02",
        "Anna Müller — 14:03:27",
        "Hello, I was charged twice for order 1042.",
        "14:03:47 Bob Stone took the conversation",
        "Bob Stone — 14:04:07",
        "Sorry about that!",
        "Let me check.",
        "Two lines later, indented.",
        "Anna Müller — 14:04:27",
    ];
    let mut at = 0;
    for part in order {
        match text[at..].find(part) {
            Some(i) => at += i + part.len(),
            None => panic!("{part:?} missing after byte {at} of {text:?}"),
        }
    }
}

#[test]
fn many_messages_stay_in_order_across_pages() {
    let mut t = Transcript {
        header: header(),
        messages: Vec::new(),
    };
    for i in 0..400u64 {
        t.messages.push(message(
            i + 1,
            Side::Visitor,
            "Anna",
            &format!("marker-{i:04} {}", "word ".repeat(20)),
        ));
    }
    let pdf = render(&t, false);
    assert!(page_count(&pdf) > 5);
    let text = text(&pdf);
    let mut at = 0;
    for i in 0..400 {
        let marker = format!("marker-{i:04}");
        at += text[at..]
            .find(&marker)
            .unwrap_or_else(|| panic!("{marker} missing or out of order"));
    }
}

#[test]
fn line_breaks_are_kept() {
    let text = text(&render(&short(), false));
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} missing"))
            .trim()
            .to_owned()
    };
    assert_eq!(line("Sorry about"), "Sorry about that!");
    assert_eq!(line("Let me"), "Let me check.");
}

#[test]
fn markup_characters_and_links_are_kept_as_written() {
    let text = flat(&text(&render(&short(), false)));
    assert!(
        text.contains("*bold* _italic_ ~strike~ `code` ```block``` https://example.com/a_b"),
        "{text}"
    );
}

#[test]
fn every_script_comes_back_intact() {
    let samples = [
        "Crème brûlée, Ærøskøbing, Straße, façade, œuvre, Łódź, Čeština, Ağrı, Șțâ",
        "Привет, как дела? Щука, ёж, Їжак, ґанок, Қазақ",
        "Καλημέρα, ευχαριστώ πολύ — Ωμέγα",
        "Tiếng Việt có dấu: người, đường, phở",
        "Prices: €12.50, £3, ¥400, ₹99, ₽10, 30 °C, ½ · ™ ©",
    ];
    let messages = samples
        .iter()
        .enumerate()
        .map(|(i, s)| message(i as u64 + 1, Side::Visitor, "Zoë", s))
        .collect();
    let pdf = render(
        &Transcript {
            header: header(),
            messages,
        },
        false,
    );
    let text = flat(&text(&pdf));
    for s in samples {
        assert!(text.contains(s), "{s:?} missing from {text:?}");
    }
}

#[test]
fn characters_the_font_lacks_copy_out_as_themselves() {
    // Emoji (with a skin tone and a joiner), CJK and Arabic: drawn as the
    // font's box, but the text is still what was written.
    let samples = ["Thanks 👍🏽 great", "family 👩‍👩‍👧 ok", "你好，世界", "مرحبا"];
    let messages = samples
        .iter()
        .enumerate()
        .map(|(i, s)| message(i as u64 + 1, Side::Visitor, "Li", s))
        .collect();
    let pdf = render(
        &Transcript {
            header: header(),
            messages,
        },
        false,
    );
    let text = flat(&text(&pdf));
    for s in samples {
        assert!(text.contains(s), "{s:?} missing from {text:?}");
    }
}

#[test]
fn a_long_word_is_broken_over_lines() {
    let word = "x".repeat(600);
    let t = Transcript {
        header: header(),
        messages: vec![message(1, Side::Agent, "Bob", &word)],
    };
    let text = text(&render(&t, false));
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c == 'x'))
        .collect();
    assert!(lines.len() >= 5, "{lines:?}");
    assert_eq!(lines.iter().map(|l| l.len()).sum::<usize>(), 600);
}

#[test]
fn long_text_is_wrapped_to_the_page() {
    let sentence = "The quick brown fox jumps over the lazy dog. ".repeat(40);
    let t = Transcript {
        header: header(),
        messages: vec![message(1, Side::Agent, "Bob", &sentence)],
    };
    let text = text(&render(&t, false));
    let fox_lines = text
        .lines()
        .filter(|l| l.contains("fox") || l.contains("lazy"))
        .count();
    assert!(fox_lines >= 15, "{fox_lines} lines");
    // Each line holds about 100 characters at most at 10 pt on A4.
    assert!(text.lines().all(|l| l.chars().count() < 130), "{text}");
}

#[test]
fn pages_grow_with_the_conversation_and_are_numbered() {
    let small = render(&conversation(3, 0, 0, 0), false);
    let large = render(&conversation(600, 0, 0, 0), false);
    let (n_small, n_large) = (page_count(&small), page_count(&large));
    assert_eq!(n_small, 1);
    assert!(n_large > 20, "{n_large} pages");
    let text = flat(&text(&large));
    assert!(text.contains(&format!("Page 1 of {n_large}")));
    assert!(text.contains(&format!("Page {n_large} of {n_large}")));
    assert!(!text.contains(&format!("Page {} of", n_large + 1)));
    assert!(
        text.contains("Conversation with Anna · c_7f3a9e"),
        "the footer names the conversation"
    );
    assert!(flat(&crate::text(&small)).contains("Page 1 of 1"));
}

#[test]
fn pages_are_a4_and_the_font_is_embedded_with_a_unicode_map() {
    let pdf = render(&short(), false);
    let doc = parse(&pdf);
    for (_, page) in doc.get_pages() {
        let page = doc.get_dictionary(page).unwrap();
        let media: Vec<f32> = page
            .get(b"MediaBox")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_float().unwrap())
            .collect();
        assert_eq!(media, [0.0, 0.0, 595.28, 841.89]);
    }
    let fonts: Vec<_> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"Font".as_slice()))
        .collect();
    let type0 = fonts
        .iter()
        .find(|d| d.get(b"Subtype").unwrap().as_name().unwrap() == b"Type0")
        .expect("a Type 0 font");
    assert!(type0.get(b"ToUnicode").is_ok());
    let descriptor = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .find(|d| {
            d.get(b"Type").and_then(|t| t.as_name()).ok() == Some(b"FontDescriptor".as_slice())
        })
        .expect("a font descriptor");
    assert!(descriptor.get(b"FontFile2").is_ok(), "the font is embedded");
    // A subset: far smaller than the 118 KB font it is cut from.
    assert!(pdf.len() < 40_000, "{} bytes", pdf.len());
}

#[test]
fn an_empty_conversation_is_one_page_of_room_information() {
    let pdf = render(
        &Transcript {
            header: header(),
            messages: Vec::new(),
        },
        true,
    );
    assert_eq!(page_count(&pdf), 1);
    assert!(flat(&text(&pdf)).contains("Conversation with Anna"));
    // Nothing at all still makes a PDF.
    let pdf = render(&Transcript::default(), true);
    assert_eq!(page_count(&pdf), 1);
    assert!(flat(&text(&pdf)).contains("Page 1 of 1"));
}

#[test]
fn the_same_transcript_gives_the_same_bytes() {
    let t = conversation(50, 4, 64, 48);
    assert_eq!(render(&t, true), render(&t, true));
}

#[test]
fn the_input_is_plain_json() {
    let json = serde_json::json!({
        "header": {
            "title": "Conversation with Anna",
            "conversation_id": "c_1",
            "created_at": 1_714_651_387_000_i64,
            "utc_offset_minutes": -300,
        },
        "messages": [
            { "seq": 1, "author": "Anna", "side": "visitor", "sent_at": 1_714_651_390_000_i64, "text": "Hi",
              "attachments": [{ "name": "a.pdf", "mime_type": "application/pdf", "size": 10 }] },
            { "seq": 2, "side": "system", "sent_at": 1_714_651_391_000_i64, "text": "Bob took the conversation" },
        ],
    });
    let t: Transcript = serde_json::from_value(json).unwrap();
    assert_eq!(t.messages[1].side, Side::System);
    assert_eq!(t.messages[0].attachments[0].bytes, None);
    let back: Transcript = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
    assert_eq!(back, t);
    let text = flat(&text(&render(&t, false)));
    assert!(text.contains("Created 2024-05-02 07:03:07"), "{text}");
    assert!(text.contains("UTC-05:00"));
    assert!(text.contains("Attachment: a.pdf (10 B)"));
}
