//! Any input gives a PDF or a clear error, never a panic.

use transcript::{Error, Header, Options, Side, Transcript, Transfer, MAX_TEXT_CHARS};

use crate::fixtures::{header, image_attachment, message, png, Rng};
use crate::{flat, page_count, parse, render, text};

#[test]
fn huge_texts_paginate() {
    // One message of 600,000 characters with no space to break at.
    let word = "абв".repeat(200_000);
    let t = Transcript {
        header: header(),
        messages: vec![message(1, Side::Visitor, "Anna", &word)],
    };
    let pdf = render(&t, false);
    assert!(page_count(&pdf) > 50);
}

#[test]
fn text_over_the_limit_is_refused() {
    let t = Transcript {
        header: header(),
        messages: vec![message(
            1,
            Side::Visitor,
            "Anna",
            &"a".repeat(MAX_TEXT_CHARS),
        )],
    };
    match transcript::render(&t, &Options::default()) {
        Err(Error::TooLong { chars }) => assert!(chars > MAX_TEXT_CHARS),
        other => panic!("expected TooLong, got {:?}", other.map(|pdf| pdf.len())),
    }
}

#[test]
fn odd_values_everywhere() {
    let t = Transcript {
        header: Header {
            title: "\u{0}\u{1b}[31m red \r\n\t tab".into(),
            conversation_id: "\u{FEFF}".into(),
            created_at: i64::MIN,
            taken_at: Some(i64::MAX),
            closed_at: Some(-1),
            utc_offset_minutes: i32::MIN,
            agents: vec![String::new(); 3],
            transfers: vec![Transfer {
                at: i64::MAX,
                from: String::new(),
                to: String::new(),
                comment: Some("   ".into()),
            }],
            ..Header::default()
        },
        messages: vec![
            message(1, Side::System, "", ""),
            message(2, Side::Agent, "", "   \n\n\n   "),
            message(
                3,
                Side::Visitor,
                &"n".repeat(5_000),
                "right-to-left: שלום עולם, e\u{301}\u{301}\u{301}, \u{202E}reversed",
            ),
            message(u64::MAX, Side::Visitor, "x", &"\u{200D}".repeat(10_000)),
        ],
    };
    for with in [false, true] {
        let pdf = render(&t, with);
        parse(&pdf);
        let text = flat(&text(&pdf));
        assert!(
            text.contains("Agent — "),
            "an author left empty is named by side"
        );
        assert!(text.contains("שלום"));
    }
}

#[test]
fn many_distinct_characters() {
    // More distinct characters than a font can number (65,535 CIDs): the
    // rest are drawn as U+FFFD.
    let text: String = (0x4E00u32..0x4E00 + 70_000)
        .filter_map(char::from_u32)
        .collect();
    let t = Transcript {
        header: header(),
        messages: vec![message(1, Side::Visitor, "Anna", &text)],
    };
    let pdf = render(&t, false);
    assert!(page_count(&pdf) > 10);
}

/// Random transcripts: random characters from every plane, random
/// lengths, random bytes and damaged images as attachments.
#[test]
fn random_transcripts_render() {
    let mut rng = Rng::new(42);
    let good_png = png(30, 20, png::ColorType::Rgb, 1);
    for round in 0..40 {
        let mut t = Transcript {
            header: header(),
            messages: Vec::new(),
        };
        t.header.title = random_text(&mut rng, 200);
        t.header.topic = Some(random_text(&mut rng, 500));
        t.header.utc_offset_minutes = rng.next() as i32;
        for i in 0..rng.below(40) {
            let side = [Side::Visitor, Side::Agent, Side::System][rng.below(3)];
            let mut m = message(
                i as u64,
                side,
                &random_text(&mut rng, 30),
                &random_text(&mut rng, 1_500),
            );
            m.sent_at = rng.next() as i64;
            if rng.below(4) == 0 {
                let mut bytes = good_png.clone();
                let flips = rng.below(4);
                for _ in 0..flips {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                if rng.below(3) == 0 {
                    bytes.truncate(rng.below(bytes.len()));
                }
                m.attachments.push(image_attachment(
                    &random_text(&mut rng, 40),
                    "image/png",
                    bytes,
                ));
            }
            t.messages.push(m);
        }
        let pdf = render(&t, round % 2 == 0);
        parse(&pdf);
    }
}

fn random_text(rng: &mut Rng, max: usize) -> String {
    let n = rng.below(max + 1);
    (0..n)
        .filter_map(|_| match rng.below(6) {
            0 => char::from_u32(rng.below(0x80) as u32),
            1 => char::from_u32(rng.below(0x800) as u32),
            2 => char::from_u32(rng.below(0x10000) as u32),
            3 => char::from_u32(rng.below(0x110000) as u32),
            4 => Some(' '),
            _ => Some('\n'),
        })
        .collect()
}
