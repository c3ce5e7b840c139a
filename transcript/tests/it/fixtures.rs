//! Transcripts and images made deterministically, for the tests and the
//! benchmark (`examples/transcript_bench.rs` includes this file).

#![allow(dead_code)]

use transcript::{Attachment, Header, Message, Side, Transcript, Transfer};

/// 2024-05-02 12:03:07 UTC.
pub const CREATED: i64 = 1_714_651_387_000;

/// A small, fast, deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A picture: smooth gradients with a few stripes, like a screenshot or a
/// photo more than noise (which no format compresses).
pub fn pixels(width: u32, height: u32, channels: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let (a, b, c) = (
        rng.below(200) as u32 + 20,
        rng.below(200) as u32 + 20,
        rng.below(7) as u32 + 3,
    );
    let mut out = Vec::with_capacity(width as usize * height as usize * channels);
    for y in 0..height {
        for x in 0..width {
            let stripe = if (x / 40 + y / (20 * c)) % 5 == 0 {
                60
            } else {
                0
            };
            let r = ((x * 255 / width.max(1)) + stripe) % 256;
            let g = ((y * 255 / height.max(1)) + a) % 256;
            let bl = ((x + y) * b / (width + height).max(1) + (rng.next() % 6) as u32) % 256;
            let px = [
                r as u8,
                g as u8,
                bl as u8,
                if channels == 4 {
                    ((x * 2) % 256) as u8
                } else {
                    255
                },
            ];
            out.extend_from_slice(&px[..channels]);
        }
    }
    out
}

pub fn jpeg(width: u16, height: u16, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder
        .encode(
            &pixels(width.into(), height.into(), 3, seed),
            width,
            height,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("encoding into memory succeeds");
    out
}

pub fn png(width: u32, height: u32, color: png::ColorType, seed: u64) -> Vec<u8> {
    let channels = match color {
        png::ColorType::Rgba => 4,
        png::ColorType::Grayscale => 1,
        _ => 3,
    };
    let data = pixels(width, height, channels, seed);
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .expect("encoding into memory succeeds");
        writer
            .write_image_data(&data)
            .expect("the data fits the header");
    }
    out
}

pub fn image_attachment(name: &str, mime: &str, bytes: Vec<u8>) -> Attachment {
    Attachment {
        name: name.to_owned(),
        mime_type: mime.to_owned(),
        size: bytes.len() as u64,
        bytes: Some(bytes),
    }
}

pub fn header() -> Header {
    Header {
        title: "Conversation with Anna".to_owned(),
        conversation_id: "c_7f3a9e".to_owned(),
        workspace: "Acme Support".to_owned(),
        department: Some("Billing".to_owned()),
        visitor_name: Some("Anna Müller".to_owned()),
        visitor_email: Some("anna@example.com".to_owned()),
        agents: vec!["Bob Stone".to_owned(), "Chloé Martin".to_owned()],
        created_at: CREATED,
        taken_at: Some(CREATED + 95_000),
        closed_at: Some(CREATED + 3_600_000),
        utc_offset_minutes: 120,
        topic: Some("Refund for order 1042".to_owned()),
        tags: vec!["refund".to_owned(), "vip".to_owned()],
        disposition: Some("Resolved".to_owned()),
        closing_comment: Some("Refund issued, thank you!".to_owned()),
        transfers: vec![Transfer {
            at: CREATED + 600_000,
            from: "Bob Stone".to_owned(),
            to: "Chloé Martin".to_owned(),
            comment: Some("She asks about the second invoice".to_owned()),
        }],
    }
}

pub fn message(seq: u64, side: Side, author: &str, text: &str) -> Message {
    Message {
        seq,
        author: author.to_owned(),
        side,
        sent_at: CREATED + seq as i64 * 20_000,
        text: text.to_owned(),
        attachments: Vec::new(),
    }
}

const WORDS: &[&str] = &[
    "the",
    "order",
    "refund",
    "invoice",
    "please",
    "thanks",
    "account",
    "password",
    "shipping",
    "café",
    "naïve",
    "Straße",
    "déjà",
    "Привет",
    "заказ",
    "спасибо",
    "Ελλάδα",
    "παραγγελία",
    "tiếng",
    "Việt",
    "ok",
    "yes",
    "no",
    "tomorrow",
    "*important*",
    "_maybe_",
    "`code`",
    "https://example.com/help",
    "number",
    "42",
    "—",
    "€12.50",
];

/// A conversation of `messages` messages, with `images` image attachments
/// spread evenly (JPEG and PNG in turn, `width` × `height`) and a PDF file
/// listed every 97th message.
pub fn conversation(messages: usize, images: usize, width: u32, height: u32) -> Transcript {
    let mut rng = Rng::new(7);
    let mut out = Vec::with_capacity(messages);
    let every = messages
        .checked_div(images)
        .map_or(usize::MAX, |n| n.max(1));
    let mut made = 0;
    for i in 0..messages {
        let side = match i % 11 {
            0 if i > 0 => Side::System,
            n if n % 2 == 0 => Side::Visitor,
            _ => Side::Agent,
        };
        let author = match side {
            Side::Visitor => "Anna Müller",
            Side::Agent => "Bob Stone",
            Side::System => "",
        };
        let words = 3 + rng.below(60);
        let mut text = String::new();
        for w in 0..words {
            if w > 0 {
                text.push(if rng.below(25) == 0 { '\n' } else { ' ' });
            }
            text.push_str(WORDS[rng.below(WORDS.len())]);
        }
        if side == Side::System {
            text = "Chloé Martin took the conversation".to_owned();
        }
        let mut m = message(i as u64 + 1, side, author, &text);
        if made < images && i % every == every / 2 {
            let seed = made as u64;
            m.attachments.push(if made % 2 == 0 {
                image_attachment(
                    &format!("photo-{made}.jpg"),
                    "image/jpeg",
                    jpeg(width as u16, height as u16, seed),
                )
            } else {
                image_attachment(
                    &format!("screen-{made}.png"),
                    "image/png",
                    png(width, height, png::ColorType::Rgb, seed),
                )
            });
            made += 1;
        }
        if i % 97 == 50 {
            m.attachments.push(Attachment {
                name: format!("statement-{i}.pdf"),
                mime_type: "application/pdf".to_owned(),
                size: 48_213,
                bytes: None,
            });
        }
        out.push(m);
    }
    Transcript {
        header: header(),
        messages: out,
    }
}
