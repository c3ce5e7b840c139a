//! The one font: which characters it draws, how wide they are, and the
//! embedded subset with its maps (CID → glyph, CID → Unicode, widths).
//!
//! Text is written as two-byte CIDs (Identity-H). A CID is given to each
//! distinct character at its first use, so every CID maps back to exactly
//! one character even where several characters share a glyph: every
//! character the font lacks is drawn as its `.notdef` box, and every
//! invisible one as a zero-width space, yet each copies out as itself.

use std::collections::HashMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Chunk, Filter, Name, Rect, Ref, Str};
use ttf_parser::{Face, GlyphId};

/// The bundled font (see `fonts/README.md`).
const FONT: &[u8] = include_bytes!("../fonts/NotoSans-Transcript.ttf");

/// The PostScript name the PDF gives it (with its subset tag in front).
const BASE_NAME: &str = "NotoSans-Transcript";

/// How a character is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    /// The CID written into content streams.
    pub cid: u16,
    /// Its advance, in thousandths of the font size.
    pub advance: f32,
}

/// One CID: the character it stands for, its source glyph and width.
struct CidEntry {
    c: char,
    gid: u16,
    advance: f32,
}

/// The font and the characters one document has drawn with it.
pub(crate) struct Font {
    face: Face<'static>,
    /// Thousandths of an em per font unit.
    scale: f32,
    glyphs: HashMap<char, Glyph>,
    /// The same for ASCII, looked up without hashing (most text is ASCII).
    ascii: [Option<Glyph>; 128],
    /// Indexed by CID - 1 (CID 0 is `.notdef` itself, never handed out).
    cids: Vec<CidEntry>,
    /// The glyph of the space, drawn for invisible characters.
    space_gid: u16,
}

impl Font {
    pub(crate) fn new() -> Result<Font, crate::Error> {
        let face = Face::parse(FONT, 0).map_err(|_| crate::Error::Font)?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        let space_gid = face.glyph_index(' ').map_or(0, |g| g.0);
        Ok(Font {
            face,
            scale,
            glyphs: HashMap::new(),
            ascii: [None; 128],
            cids: Vec::new(),
            space_gid,
        })
    }

    /// The glyph for `c`, giving it a CID on first use.
    pub(crate) fn glyph(&mut self, c: char) -> Glyph {
        if let Some(Some(g)) = self.ascii.get(c as usize) {
            return *g;
        }
        if let Some(g) = self.glyphs.get(&c) {
            return *g;
        }
        if self.cids.len() >= usize::from(u16::MAX) - 1 {
            // Every CID is taken (a text of some 65,000 distinct characters):
            // further ones are drawn, and copy out, as U+FFFD.
            return match self.glyphs.get(&char::REPLACEMENT_CHARACTER) {
                Some(g) => *g,
                None => Glyph {
                    cid: 0,
                    advance: self.advance(0),
                },
            };
        }
        let (gid, advance) = if invisible(c) {
            (self.space_gid, 0.0)
        } else {
            let gid = self.face.glyph_index(c).map_or(0, |g| g.0);
            (gid, self.advance(gid))
        };
        self.cids.push(CidEntry { c, gid, advance });
        let cid = u16::try_from(self.cids.len()).expect("checked against u16::MAX above");
        let glyph = Glyph { cid, advance };
        match self.ascii.get_mut(c as usize) {
            Some(slot) => *slot = Some(glyph),
            None => {
                self.glyphs.insert(c, glyph);
            }
        }
        glyph
    }

    /// A glyph's advance, rounded as the PDF's widths array states it, so
    /// that lines are measured as viewers draw them.
    fn advance(&self, gid: u16) -> f32 {
        self.face
            .glyph_hor_advance(GlyphId(gid))
            .map_or(0.0, |a| (f32::from(a) * self.scale).round())
    }

    /// The character a CID stands for.
    #[cfg(test)]
    pub(crate) fn char_of(&self, cid: u16) -> Option<char> {
        self.cids.get(usize::from(cid).checked_sub(1)?).map(|e| e.c)
    }

    /// Writes the Type 0 font and everything it needs into `chunk`.
    pub(crate) fn write(
        &self,
        chunk: &mut Chunk,
        refs: &mut crate::write::Refs,
        font_ref: Ref,
    ) -> Result<(), crate::Error> {
        let cid_ref = refs.next();
        let descriptor_ref = refs.next();
        let file_ref = refs.next();
        let to_unicode_ref = refs.next();
        let cid_to_gid_ref = refs.next();

        let mut remapper = subsetter::GlyphRemapper::new();
        let mut cid_to_gid = Vec::with_capacity(2 * (self.cids.len() + 1));
        cid_to_gid.extend_from_slice(&[0, 0]);
        for entry in &self.cids {
            cid_to_gid.extend_from_slice(&remapper.remap(entry.gid).to_be_bytes());
        }
        let subset = subsetter::subset(FONT, 0, &remapper).map_err(|_| crate::Error::Font)?;

        let name = format!("{}+{BASE_NAME}", subset_tag(&self.cids));
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        chunk
            .type0_font(font_ref)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(to_unicode_ref);

        let mut cid = chunk.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor_ref)
            .default_width(self.advance(0))
            .cid_to_gid_map_stream(cid_to_gid_ref);
        if !self.cids.is_empty() {
            cid.widths()
                .consecutive(1, self.cids.iter().map(|e| e.advance));
        }
        drop(cid);

        let s = self.scale;
        let bbox = self.face.global_bounding_box();
        chunk
            .font_descriptor(descriptor_ref)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * s,
                f32::from(bbox.y_min) * s,
                f32::from(bbox.x_max) * s,
                f32::from(bbox.y_max) * s,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * s)
            .descent(f32::from(self.face.descender()) * s)
            .cap_height(f32::from(self.face.capital_height().unwrap_or(714)) * s)
            .stem_v(80.0)
            .font_file2(file_ref);

        let file = crate::write::deflate(&subset);
        chunk
            .stream(file_ref, &file)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );

        let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
        for (i, entry) in self.cids.iter().enumerate() {
            let cid = u16::try_from(i + 1).expect("at most u16::MAX - 1 CIDs are handed out");
            cmap.pair(cid, entry.c);
        }
        let cmap = crate::write::deflate(cmap.finish().as_slice());
        chunk
            .cmap(to_unicode_ref, &cmap)
            .filter(Filter::FlateDecode);

        let map = crate::write::deflate(&cid_to_gid);
        chunk
            .stream(cid_to_gid_ref, &map)
            .filter(Filter::FlateDecode);
        Ok(())
    }
}

/// Characters that take no room: joiners, variation selectors, bidi marks,
/// the soft hyphen, tags and skin-tone modifiers (which only modify the
/// emoji before them, itself drawn as one box).
fn invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0x1F3FB..=0x1F3FF
            | 0xE0000..=0xE0FFF
    )
}

/// Six capital letters naming this subset (PDF requires the tag; deriving it
/// from the characters keeps the output deterministic).
fn subset_tag(cids: &[CidEntry]) -> String {
    // FNV-1a over the characters in CID order.
    let mut h: u32 = 0x811c_9dc5;
    for e in cids {
        for b in u32::from(e.c).to_le_bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_character_gets_one_cid() {
        let mut f = Font::new().unwrap();
        let a = f.glyph('a');
        assert_eq!(a.cid, 1);
        assert!(a.advance > 400.0 && a.advance < 700.0, "{}", a.advance);
        assert_eq!(f.glyph('a').cid, 1);
        assert_eq!(f.glyph('Ж').cid, 2);
        // Not in the font: drawn as .notdef, with its own CID.
        let smile = f.glyph('😀');
        assert_eq!(smile.cid, 3);
        assert_eq!(f.cids[2].gid, 0);
        assert!(smile.advance > 0.0);
        // Invisible: the space's glyph, no width.
        let zwj = f.glyph('\u{200D}');
        assert_eq!((zwj.cid, zwj.advance), (4, 0.0));
        assert_eq!(f.cids[3].gid, f.space_gid);
    }

    #[test]
    fn cids_run_out_into_the_replacement_character() {
        let mut f = Font::new().unwrap();
        let replacement = f.glyph(char::REPLACEMENT_CHARACTER);
        let mut last = replacement;
        for c in (0x4E00u32..0x4E00 + 70_000).filter_map(char::from_u32) {
            last = f.glyph(c);
        }
        assert_eq!(f.cids.len(), usize::from(u16::MAX) - 1);
        assert_eq!(last.cid, replacement.cid);
    }
}
