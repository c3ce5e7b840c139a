//! Attachments: listed always, images embedded only when asked, scaled to
//! the page with their aspect kept, and any image that cannot be embedded
//! listed with a note.

use transcript::{Attachment, Side, Transcript, MAX_IMAGE_BYTES};

use crate::fixtures::{header, image_attachment, jpeg, message, png};
use crate::{flat, image_placements, images_shown, parse, render, text};

/// The text width of an A4 page less its margins, in points.
const TEXT_WIDTH: f32 = 595.28 - 2.0 * 56.0;

fn with(attachments: Vec<Attachment>) -> Transcript {
    let mut m = message(1, Side::Visitor, "Anna", "Here you go");
    m.attachments = attachments;
    Transcript {
        header: header(),
        messages: vec![m, message(2, Side::Agent, "Bob", "Thanks")],
    }
}

fn three_images() -> Transcript {
    with(vec![
        image_attachment("photo.jpg", "image/jpeg", jpeg(800, 600, 1)),
        image_attachment(
            "screen.png",
            "image/png",
            png(640, 480, png::ColorType::Rgb, 2),
        ),
        image_attachment(
            "logo.png",
            "image/png",
            png(300, 200, png::ColorType::Rgba, 3),
        ),
        Attachment {
            name: "invoice.pdf".into(),
            mime_type: "application/pdf".into(),
            size: 48_213,
            bytes: None,
        },
    ])
}

#[test]
fn images_are_embedded_only_when_asked() {
    let t = three_images();
    let with_pdf = render(&t, true);
    let without_pdf = render(&t, false);
    assert_eq!(images_shown(&with_pdf), 3);
    assert_eq!(images_shown(&without_pdf), 0);
    assert!(without_pdf.len() * 4 < with_pdf.len());
    for pdf in [&with_pdf, &without_pdf] {
        let text = flat(&text(pdf));
        assert!(text.contains("Attachment: photo.jpg ("), "{text}");
        assert!(text.contains("Attachment: screen.png ("));
        assert!(text.contains("Attachment: logo.png ("));
        assert!(text.contains("Attachment: invoice.pdf (47.1 KB)"));
        assert!(!text.contains("could not"));
        // The message after the attachments is still there.
        assert!(text.contains("Bob — "));
    }
}

#[test]
fn a_jpeg_passes_through_and_transparency_becomes_a_soft_mask() {
    let pdf = render(&three_images(), true);
    let doc = parse(&pdf);
    let images: Vec<_> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            s.dict.get(b"Subtype").and_then(|t| t.as_name()).ok() == Some(b"Image".as_slice())
        })
        .collect();
    let filter = |s: &&lopdf::Stream| s.dict.get(b"Filter").unwrap().as_name().unwrap().to_vec();
    let jpeg = images
        .iter()
        .find(|s| filter(s) == b"DCTDecode")
        .expect("the JPEG as DCTDecode");
    assert_eq!(
        jpeg.content,
        crate::fixtures::jpeg(800, 600, 1),
        "the JPEG's bytes are embedded unchanged"
    );
    let masked = images
        .iter()
        .filter(|s| s.dict.get(b"SMask").is_ok())
        .count();
    assert_eq!(masked, 1, "only the RGBA PNG has a soft mask");
    // Three images and one mask.
    assert_eq!(images.len(), 4);
}

#[test]
fn images_are_scaled_to_the_text_width_with_their_aspect_kept() {
    let t = with(vec![
        image_attachment("wide.jpg", "image/jpeg", jpeg(1600, 400, 1)),
        image_attachment(
            "small.png",
            "image/png",
            png(100, 50, png::ColorType::Rgb, 2),
        ),
        image_attachment(
            "tall.png",
            "image/png",
            png(200, 3000, png::ColorType::Grayscale, 3),
        ),
    ]);
    let placed = image_placements(&render(&t, true));
    assert_eq!(placed.len(), 3);
    let (w, h) = placed[0];
    assert!((w - TEXT_WIDTH).abs() < 0.01, "{w}");
    assert!((w / h - 4.0).abs() < 0.01, "aspect {}", w / h);
    // Small images stay at their size (96 dpi), not blown up.
    assert_eq!(placed[1], (75.0, 37.5));
    // A tall image fits one page's height.
    let (w, h) = placed[2];
    assert!(h < 841.89 - 100.0, "{h}");
    assert!((h / w - 15.0).abs() < 0.01, "aspect {}", h / w);
}

#[test]
fn broken_images_are_listed_with_a_note() {
    let good = jpeg(80, 60, 1);
    let png_bytes = png(80, 60, png::ColorType::Rgb, 2);
    let t = with(vec![
        image_attachment("garbage.jpg", "image/jpeg", b"not a jpeg at all".to_vec()),
        image_attachment("cut.jpg", "image/jpeg", good[..40].to_vec()),
        image_attachment(
            "cut.png",
            "image/png",
            png_bytes[..png_bytes.len() - 30].to_vec(),
        ),
        image_attachment("empty.png", "image/png", Vec::new()),
        image_attachment("fine.jpg", "image/jpeg", good.clone()),
    ]);
    let pdf = render(&t, true);
    assert_eq!(images_shown(&pdf), 1);
    let text = flat(&text(&pdf));
    for name in ["garbage.jpg", "cut.jpg", "cut.png", "empty.png"] {
        assert!(
            text.contains(&format!("{name} (")),
            "{name} not listed: {text}"
        );
        let at = text.find(name).unwrap();
        assert!(
            text[at..].contains("image could not be embedded"),
            "{name} has no note: {text}"
        );
    }
    let at = text.find("fine.jpg").unwrap();
    assert!(!text[at..].contains("could not"), "{text}");
}

#[test]
fn other_files_with_bytes_are_only_listed() {
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let t = with(vec![
        image_attachment("anim.gif", "image/gif", gif),
        image_attachment("notes.txt", "text/plain", b"hello".to_vec()),
    ]);
    let pdf = render(&t, true);
    assert_eq!(images_shown(&pdf), 0);
    let text = flat(&text(&pdf));
    assert!(
        text.contains("Attachment: anim.gif (14 B) Attachment: notes.txt (5 B)"),
        "{text}"
    );
}

#[test]
fn a_png_named_jpeg_is_embedded_by_its_bytes() {
    let t = with(vec![image_attachment(
        "really-a.png",
        "image/jpeg",
        png(40, 30, png::ColorType::Rgb, 4),
    )]);
    assert_eq!(images_shown(&render(&t, true)), 1);
}

#[test]
fn an_image_too_large_to_decode_is_listed() {
    let t = with(vec![image_attachment(
        "huge.png",
        "image/png",
        png(20_001, 1, png::ColorType::Grayscale, 5),
    )]);
    let pdf = render(&t, true);
    assert_eq!(images_shown(&pdf), 0);
    assert!(flat(&text(&pdf)).contains("huge.png"));
    assert!(flat(&text(&pdf)).contains("image too large to embed"));
}

#[test]
fn images_stop_at_the_pdfs_image_allowance() {
    // A small JPEG padded after its end marker to 5 MB: readers ignore the
    // padding, the PDF carries it.
    let mut padded = jpeg(16, 16, 6);
    padded.resize(5 * 1024 * 1024, 0);
    let count = MAX_IMAGE_BYTES / padded.len() + 2;
    let attachments = (0..count)
        .map(|i| image_attachment(&format!("big-{i}.jpg"), "image/jpeg", padded.clone()))
        .collect();
    let pdf = render(&with(attachments), true);
    assert_eq!(images_shown(&pdf), MAX_IMAGE_BYTES / padded.len());
    let text = flat(&text(&pdf));
    assert_eq!(
        text.matches("image not embedded: this PDF holds no more images")
            .count(),
        2,
        "{text}"
    );
    assert!(pdf.len() <= MAX_IMAGE_BYTES + 100_000);
}
