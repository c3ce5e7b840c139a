//! Attachments as PDF images.
//!
//! A JPEG passes through untouched as a DCTDecode stream once its header has
//! been read (size and components). A PNG is decoded in full first, which
//! checks every byte of it; when PDF can read its compressed data as it is
//! (no transparency, not interlaced), that data passes through with the PNG
//! predictor, otherwise the decoded pixels are deflated again, with the
//! alpha channel as a soft mask. The format is told by the bytes, not by the
//! stated media type.

use std::io::Cursor;

use pdf_writer::types::Predictor;
use pdf_writer::{Chunk, Filter, Name, Ref};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace as JpegColor;

/// The largest side, in pixels, of an image that is embedded.
const MAX_SIDE: u32 = 20_000;

/// Why an attachment was not embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Neither JPEG nor PNG.
    NotJpegOrPng,
    /// Claims to be JPEG or PNG but cannot be read.
    Broken,
    /// Too large to decode or to add to this PDF.
    TooLarge,
}

/// The colours of an image's samples.
#[derive(Debug, Clone, PartialEq)]
enum Colors {
    Gray,
    Rgb,
    /// CMYK; `inverted` for Adobe's JPEGs, which store it inverted.
    Cmyk {
        inverted: bool,
    },
    /// A palette of RGB triples.
    Indexed(Vec<u8>),
}

impl Colors {
    fn channels(&self) -> u8 {
        match self {
            Colors::Gray | Colors::Indexed(_) => 1,
            Colors::Rgb => 3,
            Colors::Cmyk { .. } => 4,
        }
    }
}

/// An image ready to be written as an XObject.
#[derive(Debug)]
pub(crate) struct Image<'a> {
    pub width: u32,
    pub height: u32,
    colors: Colors,
    bits: u8,
    data: Data<'a>,
    /// The alpha channel, deflated, 8 bits a sample.
    soft_mask: Option<Vec<u8>>,
}

#[derive(Debug)]
enum Data<'a> {
    /// A whole JPEG file.
    Jpeg(&'a [u8]),
    /// A zlib stream of PNG-filtered rows (the PNG's own IDAT data).
    PngRows(Vec<u8>),
    /// A zlib stream of plain samples.
    Deflated(Vec<u8>),
}

impl Image<'_> {
    /// The bytes it adds to the PDF.
    pub(crate) fn byte_len(&self) -> usize {
        let data = match &self.data {
            Data::Jpeg(d) => d.len(),
            Data::PngRows(d) | Data::Deflated(d) => d.len(),
        };
        data + self.soft_mask.as_ref().map_or(0, Vec::len)
    }

    /// Writes the image (and its soft mask) as XObject `id`.
    pub(crate) fn write(&self, chunk: &mut Chunk, id: Ref, mask_id: impl FnOnce() -> Ref) {
        let mask_ref = self.soft_mask.as_ref().map(|mask| {
            let mask_ref = mask_id();
            let mut x = chunk.image_xobject(mask_ref, mask);
            x.filter(Filter::FlateDecode);
            x.width(side(self.width))
                .height(side(self.height))
                .bits_per_component(8);
            x.color_space().device_gray();
            mask_ref
        });
        let bytes: &[u8] = match &self.data {
            Data::Jpeg(d) => d,
            Data::PngRows(d) | Data::Deflated(d) => d,
        };
        let mut x = chunk.image_xobject(id, bytes);
        x.width(side(self.width))
            .height(side(self.height))
            .bits_per_component(i32::from(self.bits));
        match &self.data {
            Data::Jpeg(_) => {
                x.filter(Filter::DctDecode);
            }
            Data::PngRows(_) => {
                x.filter(Filter::FlateDecode);
                x.decode_parms()
                    .predictor(Predictor::PngOptimum)
                    .colors(i32::from(self.colors.channels()))
                    .bits_per_component(i32::from(self.bits))
                    .columns(side(self.width));
            }
            Data::Deflated(_) => {
                x.filter(Filter::FlateDecode);
            }
        }
        if let Some(mask_ref) = mask_ref {
            x.s_mask(mask_ref);
        }
        match &self.colors {
            Colors::Gray => x.color_space().device_gray(),
            Colors::Rgb => x.color_space().device_rgb(),
            Colors::Cmyk { inverted } => {
                if *inverted {
                    x.decode([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
                }
                x.color_space().device_cmyk()
            }
            Colors::Indexed(palette) => {
                let hival = i32::try_from(palette.len() / 3).unwrap_or(1).clamp(1, 256) - 1;
                x.color_space().indexed(Name(b"DeviceRGB"), hival, palette)
            }
        }
    }
}

/// A side in pixels as PDF writes it (checked against [`MAX_SIDE`] before).
fn side(pixels: u32) -> i32 {
    i32::try_from(pixels).unwrap_or(i32::MAX)
}

/// Reads `bytes` as a JPEG or PNG image to embed.
pub(crate) fn prepare(bytes: &[u8]) -> Result<Image<'_>, Refusal> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else {
        Err(Refusal::NotJpegOrPng)
    }
}

fn jpeg(bytes: &[u8]) -> Result<Image<'_>, Refusal> {
    let mut decoder = zune_jpeg::JpegDecoder::new(ZCursor::new(bytes));
    decoder.decode_headers().map_err(|_| Refusal::Broken)?;
    let info = decoder.info().ok_or(Refusal::Broken)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    if width == 0 || height == 0 {
        return Err(Refusal::Broken);
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refusal::TooLarge);
    }
    let colors = match (info.components, decoder.input_colorspace()) {
        (1, _) => Colors::Gray,
        (3, _) => Colors::Rgb,
        (4, Some(JpegColor::YCCK)) => Colors::Cmyk { inverted: true },
        (4, _) => Colors::Cmyk {
            inverted: adobe_marker(bytes),
        },
        _ => return Err(Refusal::Broken),
    };
    // The header was read; the scan must follow it.
    if !bytes.windows(2).any(|w| w == [0xFF, 0xDA]) {
        return Err(Refusal::Broken);
    }
    Ok(Image {
        width,
        height,
        colors,
        bits: 8,
        data: Data::Jpeg(bytes),
        soft_mask: None,
    })
}

/// Whether a JPEG carries Adobe's APP14 segment (whose CMYK is inverted).
fn adobe_marker(bytes: &[u8]) -> bool {
    bytes
        .windows(9)
        .take(1 << 16)
        .any(|w| w[0] == 0xFF && w[1] == 0xEE && &w[4..9] == b"Adobe")
}

fn png(bytes: &[u8]) -> Result<Image<'_>, Refusal> {
    let limits = png::Limits {
        bytes: crate::MAX_DECODED_IMAGE_BYTES,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().map_err(png_refusal)?;
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    if width == 0 || height == 0 {
        return Err(Refusal::Broken);
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Refusal::TooLarge);
    }
    let passes_through = !info.interlaced
        && info.trns.is_none()
        && matches!(
            info.color_type,
            png::ColorType::Grayscale | png::ColorType::Rgb | png::ColorType::Indexed
        );
    if passes_through {
        let colors = match info.color_type {
            png::ColorType::Grayscale => Colors::Gray,
            png::ColorType::Indexed => {
                Colors::Indexed(info.palette.as_deref().ok_or(Refusal::Broken)?.to_vec())
            }
            _ => Colors::Rgb,
        };
        let bits = info.bit_depth as u8;
        // Decode it all the same: that checks every row and checksum, so a
        // damaged file is refused here rather than drawn half by a viewer.
        let size = reader.output_buffer_size().ok_or(Refusal::TooLarge)?;
        if size > crate::MAX_DECODED_IMAGE_BYTES {
            return Err(Refusal::TooLarge);
        }
        let mut pixels = vec![0; size];
        reader.next_frame(&mut pixels).map_err(png_refusal)?;
        drop(pixels);
        let rows = idat(bytes).ok_or(Refusal::Broken)?;
        return Ok(Image {
            width,
            height,
            colors,
            bits,
            data: Data::PngRows(rows),
            soft_mask: None,
        });
    }

    // Transparency or interlacing: decode to 8-bit gray or RGB, with or
    // without alpha, and store the samples (and the alpha apart).
    drop(reader);
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(png_refusal)?;
    let size = reader.output_buffer_size().ok_or(Refusal::TooLarge)?;
    if size > crate::MAX_DECODED_IMAGE_BYTES {
        return Err(Refusal::TooLarge);
    }
    let mut pixels = vec![0; size];
    let frame = reader.next_frame(&mut pixels).map_err(png_refusal)?;
    pixels.truncate(frame.buffer_size());
    let (colors, has_alpha) = match frame.color_type {
        png::ColorType::Grayscale => (Colors::Gray, false),
        png::ColorType::GrayscaleAlpha => (Colors::Gray, true),
        png::ColorType::Rgb => (Colors::Rgb, false),
        png::ColorType::Rgba => (Colors::Rgb, true),
        png::ColorType::Indexed => return Err(Refusal::Broken),
    };
    let (samples, soft_mask) = if has_alpha {
        let channels = usize::from(colors.channels());
        let mut color = Vec::with_capacity(pixels.len() / (channels + 1) * channels);
        let mut alpha = Vec::with_capacity(pixels.len() / (channels + 1));
        for pixel in pixels.chunks_exact(channels + 1) {
            color.extend_from_slice(&pixel[..channels]);
            alpha.push(pixel[channels]);
        }
        drop(pixels);
        let opaque = alpha.iter().all(|&a| a == 255);
        (
            color,
            if opaque {
                None
            } else {
                Some(crate::write::deflate(&alpha))
            },
        )
    } else {
        (pixels, None)
    };
    Ok(Image {
        width,
        height,
        colors,
        bits: 8,
        data: Data::Deflated(crate::write::deflate(&samples)),
        soft_mask,
    })
}

fn png_refusal(e: png::DecodingError) -> Refusal {
    match e {
        png::DecodingError::LimitsExceeded => Refusal::TooLarge,
        _ => Refusal::Broken,
    }
}

/// The PNG's IDAT data, its chunks joined: a zlib stream of filtered rows.
fn idat(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut rows = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let len =
            usize::try_from(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)).ok()?;
        let kind = bytes.get(at + 4..at + 8)?;
        let data = bytes.get(at + 8..at.checked_add(8)?.checked_add(len)?)?;
        if kind == b"IDAT" {
            rows.extend_from_slice(data);
        } else if kind == b"IEND" {
            break;
        }
        at = at + 12 + len;
    }
    (!rows.is_empty()).then_some(rows)
}
