//! The document: the room information and the messages laid out on pages,
//! then the PDF objects (pages with their footers, images, the font).

use pdf_writer::{Filter, Name, Pdf, Rect, Ref, TextStr};

use crate::font::Font;
use crate::image::{self, Refusal};
use crate::layout::{
    self, Color, Composer, Run, Style, CONTENT_H, CONTENT_W, FONT_NAME, MUTED, PAGE_H, PAGE_W,
    TOTAL_NAME,
};
use crate::model::{Attachment, Header, Message, Side, Transcript};
use crate::time_text::{size, Zone};
use crate::{Error, Options, MAX_IMAGE_BYTES};

const TITLE: Style = Style::plain(16.0).bold();
const LABEL: Style = Style::plain(9.0).bold().color(MUTED);
const VALUE: Style = Style::plain(9.0);
const FIELD_LINE: f32 = 13.0;
const LABEL_WIDTH: f32 = 96.0;
const DAY: Style = Style::plain(9.0).bold().color(MUTED);
const AUTHOR: Style = Style::plain(9.5).bold();
const TIME: Style = Style::plain(9.0).color(MUTED);
const AUTHOR_LINE: f32 = 14.0;
const TEXT: Style = Style::plain(10.0);
const TEXT_LINE: f32 = 14.0;
const SYSTEM: Style = Style::plain(9.5).italic().color(MUTED);
const NOTE: Style = Style::plain(9.0).color(MUTED);
const VISITOR_COLOR: Color = Color(0.10, 0.42, 0.24);
const AGENT_COLOR: Color = Color(0.10, 0.29, 0.55);
/// Points per image pixel: images are shown at 96 dpi unless they are wider
/// than the text.
const POINTS_PER_PIXEL: f32 = 0.75;

/// Hands out object ids.
pub(crate) struct Refs(i32);

impl Refs {
    pub(crate) fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Deflates `data` as a zlib stream (what PDF's FlateDecode reads).
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut out = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
    // The output starts with room for half the input: give back the rest,
    // or every finished page would keep it until the end.
    out.shrink_to_fit();
    out
}

/// The images embedded so far, written into the PDF as they come.
struct Images {
    refs: Vec<Ref>,
    bytes: usize,
}

pub(crate) fn document(t: &Transcript, options: &Options) -> Result<Vec<u8>, Error> {
    let mut font = Font::new()?;
    let mut pdf = Pdf::new();
    let mut refs = Refs(0);
    let catalog_ref = refs.next();
    let tree_ref = refs.next();
    let font_ref = refs.next();
    let info_ref = refs.next();
    let zone = Zone::new(t.header.utc_offset_minutes);
    let mut images = Images {
        refs: Vec::new(),
        bytes: 0,
    };

    let footer_left = match (t.header.title.trim(), t.header.conversation_id.trim()) {
        ("", id) | (id, "") => id.to_owned(),
        (title, id) => format!("{title} · {id}"),
    };
    let pages = {
        let mut c = Composer::new(&mut font, &footer_left);
        header(&mut c, &t.header, &zone);
        let mut last_day = None;
        for m in &t.messages {
            message(&mut c, m, &zone, &mut last_day);
            for a in &m.attachments {
                attachment(&mut c, a, options, &mut pdf, &mut refs, &mut images);
            }
        }
        c.finish()
    };

    let page_refs: Vec<Ref> = pages.iter().map(|_| refs.next()).collect();
    let count = pages.len();
    let total_ref = refs.next();
    let total = deflate(&layout::total_pages(&mut font, count));
    let mut form = pdf.form_xobject(total_ref, &total);
    form.bbox(Rect::new(0.0, -4.0, 120.0, 12.0));
    form.filter(Filter::FlateDecode);
    form.resources().fonts().pair(FONT_NAME, font_ref);
    drop(form);
    for (page, &page_ref) in pages.into_iter().zip(&page_refs) {
        let body_ref = refs.next();
        pdf.stream(body_ref, &page.content)
            .filter(Filter::FlateDecode);
        let mut p = pdf.page(page_ref);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree_ref)
            .contents(body_ref);
        let mut resources = p.resources();
        resources.fonts().pair(FONT_NAME, font_ref);
        let mut x_objects = resources.x_objects();
        x_objects.pair(TOTAL_NAME, total_ref);
        for index in page.images {
            if let Some(&r) = images.refs.get(index) {
                x_objects.pair(Name(format!("Im{index}").as_bytes()), r);
            }
        }
    }
    let count = i32::try_from(count).unwrap_or(i32::MAX);
    pdf.pages(tree_ref)
        .kids(page_refs.iter().copied())
        .count(count);
    pdf.catalog(catalog_ref).pages(tree_ref);
    font.write(&mut pdf, &mut refs, font_ref)?;
    // The title as a viewer's window shows it: its first 200 characters.
    let title = t
        .header
        .title
        .char_indices()
        .nth(200)
        .map_or(t.header.title.as_str(), |(i, _)| &t.header.title[..i]);
    pdf.document_info(info_ref)
        .title(TextStr(title))
        .producer(TextStr("Live chat transcript"));
    Ok(pdf.finish())
}

/// The room information.
fn header(c: &mut Composer, h: &Header, zone: &Zone) {
    let title = if h.title.trim().is_empty() {
        "Conversation"
    } else {
        &h.title
    };
    c.paragraph(
        &[Run {
            text: title,
            style: TITLE,
        }],
        0.0,
        CONTENT_W,
        22.0,
    );
    c.space(6.0);

    let field = |c: &mut Composer, label: &str, value: &str| {
        if !value.trim().is_empty() {
            c.field(
                Run {
                    text: label,
                    style: LABEL,
                },
                &[Run {
                    text: value,
                    style: VALUE,
                }],
                LABEL_WIDTH,
                FIELD_LINE,
            );
        }
    };
    field(c, "Conversation", &h.conversation_id);
    field(c, "Workspace", &h.workspace);
    field(c, "Department", h.department.as_deref().unwrap_or(""));
    let visitor = match (
        h.visitor_name.as_deref().map(str::trim),
        h.visitor_email.as_deref().map(str::trim),
    ) {
        (Some(n), Some(e)) if !n.is_empty() && !e.is_empty() => format!("{n} <{e}>"),
        (Some(n), _) if !n.is_empty() => n.to_owned(),
        (_, Some(e)) => e.to_owned(),
        _ => String::new(),
    };
    field(c, "Visitor", &visitor);
    field(
        c,
        if h.agents.len() == 1 {
            "Agent"
        } else {
            "Agents"
        },
        &h.agents.join(", "),
    );
    field(c, "Created", &zone.date_time(h.created_at));
    field(
        c,
        "Taken",
        &h.taken_at.map(|t| zone.date_time(t)).unwrap_or_default(),
    );
    field(
        c,
        "Closed",
        &h.closed_at.map(|t| zone.date_time(t)).unwrap_or_default(),
    );
    field(c, "Topic", h.topic.as_deref().unwrap_or(""));
    field(c, "Tags", &h.tags.join(", "));
    field(c, "Disposition", h.disposition.as_deref().unwrap_or(""));
    field(
        c,
        "Closing comment",
        h.closing_comment.as_deref().unwrap_or(""),
    );
    for (i, tr) in h.transfers.iter().enumerate() {
        let label = if i == 0 { "Transfers" } else { "" };
        let when = format!("{}  ", zone.date_time(tr.at));
        let route = format!("{} to {}", tr.from, tr.to);
        let comment = tr
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("\n“{s}”"));
        let mut value = vec![
            Run {
                text: &when,
                style: VALUE.color(MUTED),
            },
            Run {
                text: &route,
                style: VALUE,
            },
        ];
        if let Some(comment) = &comment {
            value.push(Run {
                text: comment,
                style: VALUE.italic(),
            });
        }
        c.field(
            Run {
                text: label,
                style: LABEL,
            },
            &value,
            LABEL_WIDTH,
            FIELD_LINE,
        );
    }
    field(c, "Times in", &zone.label());
    c.rule(9.0);
}

/// One message: a day heading when the day changes, "Author — time", the
/// text.
fn message(c: &mut Composer, m: &Message, zone: &Zone, last_day: &mut Option<String>) {
    let (day, time) = zone.day_and_time(m.sent_at);
    if last_day.as_deref() != Some(day.as_str()) {
        c.space(8.0);
        // Keep the heading with the message under it.
        c.ensure(AUTHOR_LINE * 2.0 + TEXT_LINE);
        c.paragraph(
            &[Run {
                text: &day,
                style: DAY,
            }],
            0.0,
            CONTENT_W,
            AUTHOR_LINE,
        );
        *last_day = Some(day);
    }
    c.space(6.0);
    let text = m.text.trim_end();
    if m.side == Side::System {
        let time = format!("{time}  ");
        c.paragraph(
            &[
                Run {
                    text: &time,
                    style: TIME,
                },
                Run {
                    text,
                    style: SYSTEM,
                },
            ],
            0.0,
            CONTENT_W,
            AUTHOR_LINE,
        );
        return;
    }
    let (color, fallback) = match m.side {
        Side::Agent => (AGENT_COLOR, "Agent"),
        _ => (VISITOR_COLOR, "Visitor"),
    };
    let author = if m.author.trim().is_empty() {
        fallback
    } else {
        m.author.as_str()
    };
    let time = format!(" — {time}");
    c.ensure(AUTHOR_LINE + TEXT_LINE);
    c.paragraph(
        &[
            Run {
                text: author,
                style: AUTHOR.color(color),
            },
            Run {
                text: &time,
                style: TIME,
            },
        ],
        0.0,
        CONTENT_W,
        AUTHOR_LINE,
    );
    if !text.trim().is_empty() {
        c.paragraph(&[Run { text, style: TEXT }], 0.0, CONTENT_W, TEXT_LINE);
    }
}

/// An attachment: listed by name and size, with the image under it when
/// images are embedded and this one can be.
fn attachment(
    c: &mut Composer,
    a: &Attachment,
    options: &Options,
    pdf: &mut Pdf,
    refs: &mut Refs,
    images: &mut Images,
) {
    let listing = format!("Attachment: {} ({})", a.name, size(a.size));
    let bytes = match &a.bytes {
        Some(bytes) if options.with_attachments => bytes,
        _ => {
            return c.paragraph(
                &[Run {
                    text: &listing,
                    style: NOTE,
                }],
                0.0,
                CONTENT_W,
                FIELD_LINE,
            )
        }
    };
    let note = match image::prepare(bytes) {
        Ok(image) if images.bytes.saturating_add(image.byte_len()) > MAX_IMAGE_BYTES => {
            " — image not embedded: this PDF holds no more images"
        }
        Ok(image) => {
            let index = images.refs.len();
            let id = refs.next();
            image.write(pdf, id, || refs.next());
            images.refs.push(id);
            images.bytes += image.byte_len();
            let (w, h) = fit(image.width, image.height);
            c.space(2.0);
            c.ensure(FIELD_LINE + h + 4.0);
            c.paragraph(
                &[Run {
                    text: &listing,
                    style: NOTE,
                }],
                0.0,
                CONTENT_W,
                FIELD_LINE,
            );
            c.space(2.0);
            c.image(index, w, h);
            c.space(4.0);
            return;
        }
        Err(Refusal::NotJpegOrPng)
            if !matches!(
                a.mime_type.as_str(),
                "image/jpeg" | "image/jpg" | "image/png"
            ) =>
        {
            ""
        }
        Err(Refusal::TooLarge) => " — image too large to embed",
        Err(Refusal::NotJpegOrPng | Refusal::Broken) => " — image could not be embedded",
    };
    let listing = format!("{listing}{note}");
    c.paragraph(
        &[Run {
            text: &listing,
            style: NOTE,
        }],
        0.0,
        CONTENT_W,
        FIELD_LINE,
    );
}

/// An image's size on the page: 96 dpi, scaled down (aspect kept) to the
/// text width and to a page's height less its caption.
fn fit(width: u32, height: u32) -> (f32, f32) {
    let (w, h) = (
        width as f32 * POINTS_PER_PIXEL,
        height as f32 * POINTS_PER_PIXEL,
    );
    let max_h = CONTENT_H - FIELD_LINE - 8.0;
    let scale = (CONTENT_W / w).min(max_h / h).min(1.0);
    // Never thinner than a hair, so a 1 × 20,000 image still shows.
    ((w * scale).max(0.5), (h * scale).max(0.5))
}
