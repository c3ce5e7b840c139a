//! The transcript crate from the outside: render, then read the PDF back
//! with independent readers (lopdf for structure, pdf-extract for text).

mod content;
mod fixtures;
mod images;
mod memory;
mod robustness;

use lopdf::{Document, Object};
use transcript::{Options, Transcript};

/// Renders, with or without attachments; rendering must succeed.
#[track_caller]
pub fn render(t: &Transcript, with_attachments: bool) -> Vec<u8> {
    match transcript::render(t, &Options { with_attachments }) {
        Ok(pdf) => pdf,
        Err(e) => panic!("render failed: {e}"),
    }
}

/// Parses the PDF; it must be one.
#[track_caller]
pub fn parse(pdf: &[u8]) -> Document {
    assert!(pdf.starts_with(b"%PDF-1."), "no PDF header");
    Document::load_mem(pdf).expect("the output parses as a PDF")
}

/// The PDF's text as a reader extracts it.
#[track_caller]
pub fn text(pdf: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(pdf).expect("the text can be extracted")
}

/// `s` with every run of white space made one space.
pub fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn page_count(pdf: &[u8]) -> usize {
    parse(pdf).get_pages().len()
}

/// The image XObjects the pages show (soft masks are not shown by a page,
/// only used by an image, so they do not count).
pub fn images_shown(pdf: &[u8]) -> usize {
    let doc = parse(pdf);
    let mut count = 0;
    for (_, page) in doc.get_pages() {
        let (Some(resources), _) = doc.get_page_resources(page).expect("page resources") else {
            continue;
        };
        let Ok(x_objects) = doc.get_dict_in_dict(resources, b"XObject") else {
            continue;
        };
        for (_, value) in x_objects.iter() {
            let (_, object) = doc.dereference(value).expect("the XObject exists");
            if let Object::Stream(stream) = object {
                if stream.dict.get(b"Subtype").and_then(Object::as_name).ok()
                    == Some(b"Image".as_slice())
                {
                    count += 1;
                }
            }
        }
    }
    count
}

/// The width and height each image is drawn at (the `cm` before each `Do`),
/// over all pages.
pub fn image_placements(pdf: &[u8]) -> Vec<(f32, f32)> {
    let doc = parse(pdf);
    let mut out = Vec::new();
    for (_, page) in doc.get_pages() {
        let content = doc
            .get_and_decode_page_content(page)
            .expect("page content decodes");
        let mut last_cm = None;
        for op in &content.operations {
            match op.operator.as_str() {
                "cm" => {
                    let n: Vec<f32> = op
                        .operands
                        .iter()
                        .map(|o| o.as_float().expect("cm takes numbers"))
                        .collect();
                    last_cm = Some((n[0], n[3]));
                }
                // Images are named Im…; the page total is a form of its own.
                "Do" if op.operands[0].as_name().is_ok_and(|n| n.starts_with(b"Im")) => {
                    out.push(last_cm.expect("an image is placed by a cm"))
                }
                _ => {}
            }
        }
    }
    out
}
