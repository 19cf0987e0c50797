//! Uploaded images: what a file is (decided by its content, never by its name), whether it is
//! acceptable, and the files the library stores for it.
//!
//! Every stored file is written anew from the decoded pixels, with the EXIF orientation applied,
//! so no metadata of the upload (EXIF with GPS position and camera, XMP, IPTC, comments) reaches
//! the public site. The responsive widths are made once, here, at upload.

use std::fmt;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use super::slug::Slug;

/// The largest upload accepted, in bytes.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// The longest side accepted, in pixels (a guard against decompression bombs).
pub const MAX_SIDE: u32 = 12_000;
/// The most pixels accepted.
pub const MAX_PIXELS: u64 = 50_000_000;
/// The responsive widths made at upload, narrowest first; only those narrower than the image.
pub const WIDTHS: [u32; 4] = [320, 640, 1024, 1600];
/// JPEG quality of the stored original (re-encoded once, so little is lost).
const ORIGINAL_QUALITY: u8 = 90;
/// JPEG quality of the responsive widths.
const VARIANT_QUALITY: u8 = 82;
/// Longest clean file name, extension included.
const MAX_FILE_NAME: usize = 80;
/// Memory a decoder may take: a 50-megapixel image with four 16-bit channels, and some slack.
const MAX_DECODER_ALLOC: u64 = 512 * 1024 * 1024;

/// The image formats Newsdesk accepts, recognized by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl Format {
    /// The format a file's content announces, whatever its name says.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        match bytes {
            [0xFF, 0xD8, 0xFF, ..] => Some(Format::Jpeg),
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Format::Png),
            [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(Format::Gif),
            [
                b'R',
                b'I',
                b'F',
                b'F',
                _,
                _,
                _,
                _,
                b'W',
                b'E',
                b'B',
                b'P',
                ..,
            ] => Some(Format::Webp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Webp => "webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Format::Jpeg => ImageFormat::Jpeg,
            Format::Png => ImageFormat::Png,
            Format::Gif => ImageFormat::Gif,
            Format::Webp => ImageFormat::WebP,
        }
    }
}

/// One of an upload's files: the original, or a responsive width (`w320`, `w640`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    Original,
    Width(u32),
}

impl Variant {
    /// `original` or `wN` for one of [`WIDTHS`]; anything else is not a variant.
    pub fn parse(s: &str) -> Option<Variant> {
        if s == "original" {
            return Some(Variant::Original);
        }
        let width: u32 = s.strip_prefix('w')?.parse().ok()?;
        WIDTHS
            .contains(&width)
            .then_some(Variant::Width(width))
            // `w0640` names no file: only the canonical spelling does.
            .filter(|v| v.to_string() == s)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Variant::Original => f.write_str("original"),
            Variant::Width(w) => write!(f, "w{w}"),
        }
    }
}

/// The public address of one of an upload's files. It never changes: the file behind it never
/// does either.
pub fn file_path(media_id: i64, variant: Variant, file_name: &str) -> String {
    format!("/media/{media_id}/{variant}/{file_name}")
}

/// The name a stored file goes by among its upload's files: the variant (`original`, `w640`),
/// with `.webp` added for a WebP copy (`w640.webp`).
pub fn file_key(variant: Variant, webp: bool) -> String {
    if webp {
        format!("{variant}.webp")
    } else {
        variant.to_string()
    }
}

/// The file name of an upload's WebP copies: its own, with `.webp` for its extension
/// (`harbour.jpg` → `harbour.webp`).
pub fn webp_file_name(file_name: &str) -> String {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    format!("{stem}.webp")
}

/// One stored file.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub variant: Variant,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub bytes: Vec<u8>,
}

/// An accepted upload: a clean file name and its files, the original first, then the widths
/// from narrowest to widest, then any WebP copies (narrowest first).
#[derive(Debug, Clone)]
pub struct ProcessedImage {
    pub file_name: String,
    pub renditions: Vec<Rendition>,
}

impl ProcessedImage {
    pub fn original(&self) -> &Rendition {
        &self.renditions[0]
    }
}

impl Rendition {
    /// Its name among its upload's files ([`file_key`]).
    pub fn key(&self) -> String {
        file_key(self.variant, self.format == Format::Webp)
    }
}

/// Why an upload was refused. The messages are written for the person uploading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("The file is empty.")]
    Empty,
    #[error("This file is {}; the largest upload Newsdesk accepts is 20 MB.", megabytes(*.0))]
    TooLarge(usize),
    #[error("This file is not an image Newsdesk accepts (JPEG, PNG, GIF or WebP).")]
    NotAnImage,
    #[error(
        "This image is {width} × {height} pixels; Newsdesk accepts images up to 12,000 pixels a \
         side and 50 megapixels."
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("This image could not be read: the file is damaged or incomplete.")]
    Unreadable,
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks an upload and makes the files to store: decoded by its content (JPEG, PNG, GIF or
/// WebP), the EXIF orientation applied, re-encoded without any metadata, plus the responsive
/// widths narrower than the image.
///
/// The original keeps its format where Newsdesk can write it: JPEG (quality 90) and PNG are
/// re-encoded from the pixels, unless the upload with its metadata segments removed is
/// smaller: then that is stored (uploads never grow; not for an image turned upright by its
/// EXIF orientation). A GIF keeps its frames and palette as uploaded, animation
/// included, with every comment and application block but the looping instruction removed
/// (GIF has no orientation to apply). A WebP, which Newsdesk can only write losslessly, is
/// stored as JPEG, or as PNG when it has transparency; an animated WebP keeps its first frame.
/// The widths are JPEG (quality 82) for opaque images and PNG for images with transparency; an
/// animated GIF has none, since a still width would stop the animation. A width that would
/// weigh more than the original is left out. Lossless WebP copies of the original (up to 1,600
/// pixels wide) and of the widths are added when each is smaller than the file it copies.
///
/// This decodes whole images: run it off the async executor.
pub fn process(file_name: &str, bytes: &[u8]) -> Result<ProcessedImage, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge(bytes.len()));
    }
    let format = Format::sniff(bytes).ok_or(UploadError::NotAnImage)?;
    let (image, turned) = decode(format, bytes)?;
    renditions(file_name, format, Some(bytes).filter(|_| !turned), image)
}

/// The files of an image Newsdesk drew itself (the demo's illustrations): as an upload of it
/// as a JPEG would be stored.
pub fn process_drawn(file_name: &str, image: DynamicImage) -> Result<ProcessedImage, UploadError> {
    renditions(file_name, Format::Jpeg, None, image)
}

/// The files of decoded pixels: `upload` is the file they came from, when it may be stored as
/// it is less its metadata (not when its pixels had to be turned upright).
fn renditions(
    file_name: &str,
    format: Format,
    upload: Option<&[u8]>,
    image: DynamicImage,
) -> Result<ProcessedImage, UploadError> {
    let transparent = has_transparency(&image);
    let (width, height) = (image.width(), image.height());

    let (original, animated) = match format {
        Format::Gif => {
            let gif = upload.and_then(strip_gif).ok_or(UploadError::Unreadable)?;
            (
                Rendition {
                    variant: Variant::Original,
                    width,
                    height,
                    format: Format::Gif,
                    bytes: gif.bytes,
                },
                gif.frames > 1,
            )
        }
        Format::Png | Format::Jpeg => {
            let quality = if format == Format::Jpeg {
                ORIGINAL_QUALITY
            } else {
                0
            };
            let encoded = encode(&image, Variant::Original, format, quality)?;
            // The upload itself, less its metadata, when that is smaller: an optimized PNG
            // (palette, tuned compression) or a well-compressed JPEG would otherwise grow. Not
            // for an image that had to be turned upright: its stored pixels are not the file's.
            let stripped = match upload {
                None => None,
                Some(bytes) if format == Format::Png => strip_png(bytes),
                Some(bytes) => strip_jpeg(bytes),
            };
            let original = match stripped {
                Some(stripped) if stripped.len() < encoded.bytes.len() => Rendition {
                    bytes: stripped,
                    ..encoded
                },
                _ => encoded,
            };
            (original, false)
        }
        Format::Webp => {
            let stored = if transparent {
                Format::Png
            } else {
                Format::Jpeg
            };
            (
                encode(&image, Variant::Original, stored, ORIGINAL_QUALITY)?,
                false,
            )
        }
    };

    let mut renditions = vec![original];
    let mut webp = Vec::new();
    if !animated {
        let variant_format = if transparent {
            Format::Png
        } else {
            Format::Jpeg
        };
        // Widest first, each made from the one before: as sharp, and far cheaper than scaling
        // the full image each time.
        let mut scaled = vec![(Variant::Original, image)];
        for &w in WIDTHS.iter().rev().filter(|&&w| w < width) {
            let h = scaled_height(width, height, w);
            let next = scaled[scaled.len() - 1]
                .1
                .resize_exact(w, h, FilterType::CatmullRom);
            scaled.push((Variant::Width(w), next));
        }
        let original_size = renditions[0].bytes.len();
        let mut widths = Vec::new();
        for (variant, pixels) in &scaled[1..] {
            let r = encode(pixels, *variant, variant_format, VARIANT_QUALITY)?;
            // A width that weighs more than the original is no saving: the original serves.
            if r.bytes.len() < original_size {
                widths.push((r, pixels));
            }
        }
        widths.reverse();
        webp = webp_copies(
            std::iter::once((&renditions[0], &scaled[0].1))
                .chain(widths.iter().map(|(r, p)| (r, *p))),
            transparent,
        );
        renditions.extend(widths.into_iter().map(|(r, _)| r));
    }
    let file_name = clean_file_name(file_name, renditions[0].format);
    renditions.extend(webp);
    Ok(ProcessedImage {
        file_name,
        renditions,
    })
}

/// WebP copies of the stored files no wider than the widest responsive width, narrowest
/// first, for browsers that take WebP. Newsdesk writes WebP losslessly, which pays for
/// drawings, charts, screenshots and flat illustrations but rarely for photographs: the copies
/// are kept only if every one is smaller than the file it copies, else none is (a page offers
/// WebP for all of an image's widths or for none). The narrowest is tried first, so a
/// photograph costs one small encoding.
fn webp_copies<'a>(
    files: impl Iterator<Item = (&'a Rendition, &'a DynamicImage)>,
    transparent: bool,
) -> Vec<Rendition> {
    let max = WIDTHS[WIDTHS.len() - 1];
    let mut files: Vec<_> = files.filter(|(r, _)| r.width <= max).collect();
    files.sort_by_key(|(r, _)| r.width);
    let mut out = Vec::with_capacity(files.len());
    for (r, pixels) in files {
        let mut bytes = Vec::new();
        let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut bytes);
        let written = if transparent {
            pixels.to_rgba8().write_with_encoder(encoder)
        } else {
            pixels.to_rgb8().write_with_encoder(encoder)
        };
        if written.is_err() || bytes.len() >= r.bytes.len() {
            return Vec::new();
        }
        out.push(Rendition {
            variant: r.variant,
            width: r.width,
            height: r.height,
            format: Format::Webp,
            bytes,
        });
    }
    out
}

/// The height of a `width`-wide copy of a `w` × `h` image, at least one pixel.
fn scaled_height(w: u32, h: u32, width: u32) -> u32 {
    let scaled = (u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w);
    u32::try_from(scaled.max(1)).unwrap_or(u32::MAX)
}

/// Decodes the first frame with the orientation applied, refusing images over the limits
/// before their pixels are read.
/// Also says whether the orientation turned or flipped the pixels.
fn decode(format: Format, bytes: &[u8]) -> Result<(DynamicImage, bool), UploadError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format.image_format());
    reader.no_limits();
    let mut decoder = reader.into_decoder().map_err(read_error)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(UploadError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(UploadError::Unreadable);
    }
    decoder.set_limits(limits).map_err(read_error)?;
    // An unreadable orientation is no orientation: the pixels are still good.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(read_error)?;
    image.apply_orientation(orientation);
    Ok((
        image,
        orientation != image::metadata::Orientation::NoTransforms,
    ))
}

fn read_error(e: ImageError) -> UploadError {
    match e {
        ImageError::Unsupported(_) => UploadError::NotAnImage,
        _ => UploadError::Unreadable,
    }
}

/// Whether any pixel is not fully opaque.
fn has_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    match image {
        DynamicImage::ImageRgba8(pixels) => pixels.pixels().any(|p| p[3] < u8::MAX),
        DynamicImage::ImageLumaA8(pixels) => pixels.pixels().any(|p| p[1] < u8::MAX),
        other => other.to_rgba16().pixels().any(|p| p[3] < u16::MAX),
    }
}

/// Writes the pixels as `format` (JPEG or PNG). Encoders write nothing but the pixels.
fn encode(
    image: &DynamicImage,
    variant: Variant,
    format: Format,
    quality: u8,
) -> Result<Rendition, UploadError> {
    let mut bytes = Vec::new();
    let written = match format {
        Format::Jpeg => {
            let encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
            match image.color() {
                ColorType::L8 | ColorType::La8 | ColorType::L16 | ColorType::La16 => {
                    image.to_luma8().write_with_encoder(encoder)
                }
                _ => image.to_rgb8().write_with_encoder(encoder),
            }
        }
        _ => {
            let encoder = PngEncoder::new(&mut bytes);
            match image.color() {
                ColorType::L8
                | ColorType::La8
                | ColorType::Rgb8
                | ColorType::Rgba8
                | ColorType::L16
                | ColorType::La16
                | ColorType::Rgb16
                | ColorType::Rgba16 => image.write_with_encoder(encoder),
                _ => image.to_rgba8().write_with_encoder(encoder),
            }
        }
    };
    // Writing decoded pixels into memory fails only if the pixels themselves are unusable.
    written.map_err(|_| UploadError::Unreadable)?;
    Ok(Rendition {
        variant,
        width: image.width(),
        height: image.height(),
        format: if format == Format::Jpeg {
            Format::Jpeg
        } else {
            Format::Png
        },
        bytes,
    })
}

/// The longest alt text, in characters.
pub const MAX_ALT_TEXT: usize = 500;
/// The longest caption, in characters.
pub const MAX_CAPTION: usize = 2_000;
/// The longest photo credit, in characters.
pub const MAX_CREDIT: usize = 200;

/// An item's alt text, caption and photo credit as stored: trimmed, within their lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub alt_text: String,
    pub caption: String,
    pub credit: String,
}

/// Why an alt text, caption or credit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DetailsError {
    #[error("The alt text is longer than 500 characters; describe the image in fewer words.")]
    AltTextTooLong,
    #[error("The caption is longer than 2,000 characters.")]
    CaptionTooLong,
    #[error("The credit is longer than 200 characters; name the photographer and the agency.")]
    CreditTooLong,
}

impl Details {
    /// Alt text and caption, without a credit.
    pub fn new(alt_text: &str, caption: &str) -> Result<Details, DetailsError> {
        Details::with_credit(alt_text, caption, "")
    }

    pub fn with_credit(
        alt_text: &str,
        caption: &str,
        credit: &str,
    ) -> Result<Details, DetailsError> {
        let (alt_text, caption, credit) = (alt_text.trim(), caption.trim(), credit.trim());
        if alt_text.chars().count() > MAX_ALT_TEXT {
            return Err(DetailsError::AltTextTooLong);
        }
        if caption.chars().count() > MAX_CAPTION {
            return Err(DetailsError::CaptionTooLong);
        }
        // One line: it is shown after the caption and in JSON-LD.
        let credit = credit.split_whitespace().collect::<Vec<_>>().join(" ");
        if credit.chars().count() > MAX_CREDIT {
            return Err(DetailsError::CreditTooLong);
        }
        Ok(Details {
            alt_text: alt_text.to_owned(),
            caption: caption.to_owned(),
            credit,
        })
    }
}

/// Who holds the copyright of an image, read from its credit line, for schema.org's
/// `copyrightHolder`: the credit without its label ("Photo:", "Illustration:"…), and, when it
/// names an agency after a slash ("Photo: Jane Doe / Agency"), that agency. A person when the
/// credit is a photographer's alone, else an organization. `None` for an empty credit.
pub fn credit_holder(credit: &str) -> Option<(&'static str, String)> {
    const LABELS: [&str; 8] = [
        "photo by",
        "photograph by",
        "photo",
        "photograph",
        "picture",
        "image",
        "illustration",
        "graphic",
    ];
    let credit = credit.trim();
    let lower = credit.to_lowercase();
    let mut name = credit;
    let mut photographer = false;
    for label in LABELS {
        if lower.starts_with(label) && lower.is_char_boundary(label.len()) {
            let rest = credit[label.len()..].trim_start();
            if let Some(rest) = rest
                .strip_prefix(':')
                .or(label.ends_with(" by").then_some(rest))
            {
                name = rest.trim();
                photographer = label.starts_with("photo") || label == "picture";
                break;
            }
        }
    }
    if let Some((_, agency)) = name.rsplit_once('/') {
        let agency = agency.trim();
        return (!agency.is_empty()).then(|| ("Organization", agency.to_owned()));
    }
    if name.is_empty() {
        return None;
    }
    Some((
        if photographer {
            "Person"
        } else {
            "Organization"
        },
        name.to_owned(),
    ))
}

/// A readable, URL-safe file name for an upload: the name it came with, transliterated and
/// slugified, cut to a sensible length, with the extension of what is actually stored.
/// `Harbour at Dawn (final).JPEG` stored as JPEG becomes `harbour-at-dawn-final.jpg`.
pub fn clean_file_name(file_name: &str, format: Format) -> String {
    // Browsers send a bare name, but some send a path.
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .trim();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => base,
    };
    let mut slug = Slug::from_title(stem, "image").as_str().to_owned();
    let extension = format.extension();
    let room = MAX_FILE_NAME - extension.len() - 1;
    if slug.len() > room {
        slug.truncate(room);
        if let Some(cut) = slug.rfind('-') {
            slug.truncate(cut);
        }
        let trimmed = slug.trim_end_matches('-').len();
        slug.truncate(trimmed);
    }
    format!("{slug}.{extension}")
}

/// A PNG with only the chunks that draw it: header, palette, transparency, colour space,
/// pixel density and image data. Text (`tEXt`, `zTXt`, `iTXt`: authors, software, comments),
/// EXIF (`eXIf`), the time (`tIME`), animation and private chunks are left out. `None` if the
/// file is not well-formed.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const KEPT: [&[u8; 4]; 13] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"cICP",
    ];
    let mut out = bytes.get(..8)?.to_vec();
    let mut at = 8;
    loop {
        let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        let chunk = bytes.get(at..end)?;
        let kind = &chunk[4..8];
        if KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        at = end;
    }
}

/// A JPEG with only the segments that draw it: tables, frame, scans, and the JFIF, ICC colour
/// profile and Adobe colour-transform segments. EXIF (with its thumbnail), XMP, IPTC,
/// comments, other application segments and anything after the end of the image are left
/// out. `None` if the file is not well-formed.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0xFF, 0xD8];
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        while *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        let marker = bytes[at + 1];
        at += 2;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]));
        let segment = bytes.get(at..at.checked_add(len)?)?;
        let body = segment.get(2..)?;
        let keep = match marker {
            0xE0 => body.starts_with(b"JFIF\0"),
            0xE2 => body.starts_with(b"ICC_PROFILE\0"),
            0xEE => body.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        at += len;
        if marker == 0xDA {
            // The scan's coded data runs to the next marker that is neither a stuffed byte
            // nor a restart.
            let start = at;
            loop {
                if *bytes.get(at)? == 0xFF {
                    let next = *bytes.get(at + 1)?;
                    if next != 0x00 && next != 0xFF && !(0xD0..=0xD7).contains(&next) {
                        break;
                    }
                    if next != 0xFF {
                        at += 1;
                    }
                }
                at += 1;
            }
            out.extend_from_slice(&bytes[start..at]);
        }
    }
}

/// A GIF with its metadata blocks removed, and how many frames it has.
struct StrippedGif {
    bytes: Vec<u8>,
    frames: usize,
}

/// Copies a GIF block by block, keeping the header, colour tables, frames and their timing, and
/// the looping instruction (`NETSCAPE2.0`), and leaving out comments and every other application
/// block (XMP, ICC profiles, editors' data). `None` if the file is not well-formed.
fn strip_gif(bytes: &[u8]) -> Option<StrippedGif> {
    /// Length of a run of data sub-blocks starting at `at`, its terminator included.
    fn sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
        let start = at;
        loop {
            let len = usize::from(*bytes.get(at)?);
            at += 1 + len;
            if len == 0 {
                return (at <= bytes.len()).then_some(at - start);
            }
        }
    }
    fn color_table(flags: u8) -> usize {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 0x07) + 1)
        }
    }
    let mut at = 13;
    let flags = *bytes.get(10)?;
    at += color_table(flags);
    let mut out = bytes.get(..at)?.to_vec();
    let mut frames = 0;
    loop {
        // Many GIFs in the wild end without their trailer; browsers show them, and so do we.
        let Some(&block) = bytes.get(at) else {
            out.push(0x3B);
            return (frames > 0).then_some(StrippedGif { bytes: out, frames });
        };
        match block {
            // Image descriptor, optional local colour table, LZW code size, image data.
            0x2C => {
                let flags = *bytes.get(at + 9)?;
                let head = 10 + color_table(flags) + 1;
                let data = sub_blocks(bytes, at + head)?;
                out.extend_from_slice(bytes.get(at..at + head + data)?);
                at += head + data;
                frames += 1;
            }
            0x21 => {
                let label = *bytes.get(at + 1)?;
                let len = 2 + sub_blocks(bytes, at + 2)?;
                let block = bytes.get(at..at + len)?;
                let keep = match label {
                    // Graphic control (frame timing, transparency) and plain text are drawing.
                    0xF9 | 0x01 => true,
                    // Application blocks: only the looping instruction is drawing.
                    0xFF => block.get(3..14) == Some(b"NETSCAPE2.0".as_slice()),
                    // Comments and anything unknown.
                    _ => false,
                };
                if keep {
                    out.extend_from_slice(block);
                }
                at += len;
            }
            0x3B => {
                out.push(0x3B);
                return (frames > 0).then_some(StrippedGif { bytes: out, frames });
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn photo(width: u32, height: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        }))
    }

    fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    /// A JPEG with an APP1 EXIF segment: orientation 6 (rotate 90° clockwise) and a GPS
    /// position, inserted after SOI.
    fn jpeg_with_exif(image: &DynamicImage) -> Vec<u8> {
        let jpeg = encoded(image, ImageFormat::Jpeg);
        let mut tiff = Vec::new();
        tiff.extend_from_slice(b"MM\0\x2A\0\0\0\x08");
        // IFD0: two entries, Orientation = 6 and a pointer to the GPS IFD.
        tiff.extend_from_slice(&[0, 2]);
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        // GPS IFD at 38: latitude reference "N".
        tiff.extend_from_slice(&[0, 1]);
        tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = (app1.len() + 2) as u16;
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn formats_are_told_by_content_not_name() {
        let png = encoded(&photo(4, 4), ImageFormat::Png);
        assert_eq!(Format::sniff(&png), Some(Format::Png));
        let processed = process("holiday.jpg", &png).unwrap();
        assert_eq!(processed.original().format, Format::Png);
        assert_eq!(processed.file_name, "holiday.png");
        for refused in [
            b"Just some notes\n".as_slice(),
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"<!DOCTYPE html><p>hi</p>",
            b"%PDF-1.7\n",
            b"\xFF\xD8",
        ] {
            assert_eq!(
                process("photo.jpg", refused).unwrap_err(),
                UploadError::NotAnImage
            );
        }
        assert_eq!(
            UploadError::NotAnImage.to_string(),
            "This file is not an image Newsdesk accepts (JPEG, PNG, GIF or WebP)."
        );
    }

    #[test]
    fn size_and_pixel_limits() {
        assert_eq!(process("a.png", b"").unwrap_err(), UploadError::Empty);
        let big = vec![0xFF; MAX_UPLOAD_BYTES + 1];
        let err = process("a.jpg", &big).unwrap_err();
        assert_eq!(
            err.to_string(),
            "This file is 20.0 MB; the largest upload Newsdesk accepts is 20 MB."
        );
        // A tiny file announcing a huge image is refused from its header, before decoding.
        let wide = encoded(
            &DynamicImage::ImageLuma8(image::GrayImage::new(12_001, 1)),
            ImageFormat::Png,
        );
        assert!(wide.len() < 10_000);
        assert_eq!(
            process("wide.png", &wide).unwrap_err(),
            UploadError::TooManyPixels {
                width: 12_001,
                height: 1
            }
        );
        let mut many = Vec::new();
        image::GrayImage::new(10_000, 5_001)
            .write_with_encoder(PngEncoder::new_with_quality(
                &mut many,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::NoFilter,
            ))
            .unwrap();
        assert!(matches!(
            process("many.png", &many).unwrap_err(),
            UploadError::TooManyPixels { .. }
        ));
        let mut cut = encoded(&photo(64, 64), ImageFormat::Png);
        cut.truncate(cut.len() / 2);
        assert_eq!(
            process("cut.png", &cut).unwrap_err(),
            UploadError::Unreadable
        );
    }

    #[test]
    fn exif_is_applied_then_dropped() {
        let upload = jpeg_with_exif(&photo(700, 400));
        assert!(contains(&upload, b"Exif"));
        let processed = process("IMG_0042.JPG", &upload).unwrap();
        let original = processed.original();
        assert_eq!((original.width, original.height), (400, 700));
        assert_eq!(processed.file_name, "img-0042.jpg");
        for r in &processed.renditions {
            assert!(!contains(&r.bytes, b"Exif"), "{}", r.variant);
            let decoded = image::load_from_memory(&r.bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (r.width, r.height));
        }
        let variants: Vec<(String, u32, u32)> = processed
            .renditions
            .iter()
            .filter(|r| r.format != Format::Webp)
            .map(|r| (r.variant.to_string(), r.width, r.height))
            .collect();
        assert_eq!(
            variants,
            vec![("original".into(), 400, 700), ("w320".into(), 320, 560)]
        );
    }

    #[test]
    fn widths_narrower_than_the_image_only() {
        // Speckled, so that every width weighs less than the PNG original.
        let mut seed = 11u32;
        let speckled = DynamicImage::ImageRgb8(RgbImage::from_fn(1700, 100, |_, _| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            Rgb([(seed >> 16) as u8, (seed >> 24) as u8, 90])
        }));
        let processed = process("wide.png", &encoded(&speckled, ImageFormat::Png)).unwrap();
        let widths: Vec<String> = processed
            .renditions
            .iter()
            .filter(|r| r.format != Format::Webp)
            .map(|r| r.variant.to_string())
            .collect();
        assert_eq!(widths, ["original", "w320", "w640", "w1024", "w1600"]);
        // Opaque: the widths are JPEG even though the original stays PNG.
        assert_eq!(processed.original().format, Format::Png);
        assert!(
            processed.renditions[1..5]
                .iter()
                .all(|r| r.format == Format::Jpeg)
        );
        assert_eq!(processed.renditions[2].height, 38);
        let small = process("small.jpg", &encoded(&photo(320, 200), ImageFormat::Jpeg)).unwrap();
        assert_eq!(small.renditions.len(), 1);
    }

    #[test]
    fn transparency_keeps_png() {
        // Speckled, so that the smaller widths weigh less than the original.
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_fn(700, 10, |x, y| {
            Rgba([
                (x * 7919 % 251) as u8,
                (y * 31 + x * 13 % 7) as u8,
                10,
                if x < 10 { 0 } else { 255 },
            ])
        }));
        let processed = process("logo.png", &encoded(&clear, ImageFormat::Png)).unwrap();
        let stills: Vec<_> = processed
            .renditions
            .iter()
            .filter(|r| r.format != Format::Webp)
            .collect();
        assert!(stills.iter().all(|r| r.format == Format::Png));
        assert_eq!(stills.len(), 3);
        // An alpha channel with every pixel opaque is an opaque image.
        let opaque = DynamicImage::ImageRgba8(RgbaImage::from_fn(700, 10, |x, _| {
            Rgba([(x * 7919 % 251) as u8, 2, 3, 255])
        }));
        let processed = process("flat.png", &encoded(&opaque, ImageFormat::Png)).unwrap();
        assert_eq!(processed.renditions[1].format, Format::Jpeg);
    }

    #[test]
    fn gifs_lose_comments_and_keep_their_frames() {
        let frame =
            |shade: u8| image::Frame::new(RgbaImage::from_pixel(400, 20, Rgba([shade, 0, 0, 255])));
        let mut gif = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
            encoder
                .set_repeat(image::codecs::gif::Repeat::Infinite)
                .unwrap();
            encoder.encode_frames([frame(10), frame(200)]).unwrap();
        }
        // A comment block right after the header and colour table.
        let at = 13 + color_table_len(gif[10]);
        let comment = [&[0x21, 0xFE, 9][..], b"GPS 51.5N", &[0]].concat();
        gif.splice(at..at, comment);
        let processed = process("loop.gif", &gif).unwrap();
        assert_eq!(
            processed.renditions.len(),
            1,
            "an animation gets no still widths"
        );
        let original = processed.original();
        assert_eq!(original.format, Format::Gif);
        assert!(!contains(&original.bytes, b"GPS"));
        assert!(contains(&original.bytes, b"NETSCAPE2.0"));
        let decoder =
            image::codecs::gif::GifDecoder::new(Cursor::new(original.bytes.clone())).unwrap();
        assert_eq!(image::AnimationDecoder::into_frames(decoder).count(), 2);

        let still = encoded(&photo(400, 20), ImageFormat::Gif);
        let processed = process("still.gif", &still).unwrap();
        assert_eq!(
            processed
                .renditions
                .iter()
                .filter(|r| r.format != Format::Webp)
                .count(),
            2
        );
        let untrailed = &still[..still.len() - 1];
        assert_eq!(
            process("cut.gif", untrailed).unwrap().original().bytes,
            processed.original().bytes
        );
    }

    fn color_table_len(flags: u8) -> usize {
        if flags & 0x80 == 0 {
            0
        } else {
            3 << ((flags & 0x07) + 1)
        }
    }

    #[test]
    fn webp_is_stored_as_jpeg() {
        let webp = encoded(&photo(30, 20), ImageFormat::WebP);
        let processed = process("shot.webp", &webp).unwrap();
        assert_eq!(processed.original().format, Format::Jpeg);
        assert_eq!(processed.file_name, "shot.jpg");
    }

    /// A PNG with a 4-colour palette, 2 bits a pixel (as image optimizers write them), and
    /// an author's name in a text chunk.
    fn palette_png(width: u32, height: u32) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc = flate2::Crc::new();
            crc.update(kind);
            crc.update(data);
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[2, 3, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(
            &mut out,
            b"PLTE",
            &[20, 40, 90, 240, 200, 60, 250, 250, 245, 200, 30, 40],
        );
        chunk(&mut out, b"tEXt", b"Author\0Jane Q. Photographer");
        let mut raw = Vec::new();
        for y in 0..height {
            raw.push(0);
            for x in (0..width).step_by(4) {
                let mut byte = 0u8;
                for i in 0..4 {
                    // Bands and a disc: a chart-like drawing.
                    let (px, py) = (i64::from(x + i), i64::from(y));
                    let dx = px - i64::from(width) / 2;
                    let dy = py - i64::from(height) / 2;
                    let c = if dx * dx + dy * dy < 150 * 150 {
                        3
                    } else {
                        ((py / 40) % 3) as u8
                    };
                    byte |= c << (6 - 2 * i);
                }
                raw.push(byte);
            }
        }
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut z, &raw).unwrap();
        chunk(&mut out, b"IDAT", &z.finish().unwrap());
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn uploads_never_grow() {
        // An optimized palette PNG: re-encoded from its pixels it would be many times larger.
        let upload = palette_png(1200, 800);
        let expanded = encode(
            &image::load_from_memory(&upload).unwrap(),
            Variant::Original,
            Format::Png,
            0,
        )
        .unwrap();
        assert!(expanded.bytes.len() > 2 * upload.len());
        let processed = process("chart.png", &upload).unwrap();
        let original = processed.original();
        assert_eq!(original.format, Format::Png);
        assert!(original.bytes.len() < upload.len(), "metadata is gone");
        assert!(!contains(&original.bytes, b"Jane Q."));
        assert_eq!(
            image::load_from_memory(&original.bytes).unwrap().to_rgb8(),
            image::load_from_memory(&upload).unwrap().to_rgb8(),
            "the same pixels"
        );
        for r in &processed.renditions {
            assert!(
                r.bytes.len() <= original.bytes.len(),
                "{} {:?} is {} bytes, the original {}",
                r.variant,
                r.format,
                r.bytes.len(),
                original.bytes.len()
            );
        }

        // A JPEG saved at a low quality, with a comment: stored as it was, less the comment.
        let mut jpeg = Vec::new();
        photo(900, 600)
            .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, 40))
            .unwrap();
        let comment = [&[0xFF, 0xFE, 0, 14][..], b"GPS 51.5N 0W"].concat();
        jpeg.splice(2..2, comment);
        jpeg.extend_from_slice(b"trailing video data");
        let processed = process("low.jpg", &jpeg).unwrap();
        let original = processed.original();
        assert!(original.bytes.len() < jpeg.len());
        assert!(!contains(&original.bytes, b"GPS"));
        assert!(!contains(&original.bytes, b"trailing"));
        assert_eq!(
            image::load_from_memory(&original.bytes).unwrap().to_rgb8(),
            image::load_from_memory(&jpeg).unwrap().to_rgb8()
        );
        for r in &processed.renditions {
            assert!(r.bytes.len() <= original.bytes.len(), "{}", r.variant);
        }
    }

    #[test]
    fn webp_copies_only_when_smaller() {
        // A flat drawing: lossless WebP beats JPEG at every width.
        let upload = palette_png(1200, 800);
        let processed = process("chart.png", &upload).unwrap();
        let stills: Vec<&Rendition> = processed
            .renditions
            .iter()
            .filter(|r| r.format != Format::Webp)
            .collect();
        let webp: Vec<&Rendition> = processed
            .renditions
            .iter()
            .filter(|r| r.format == Format::Webp)
            .collect();
        assert_eq!(webp.len(), stills.len(), "one copy of each file");
        for w in &webp {
            let still = stills.iter().find(|s| s.variant == w.variant).unwrap();
            assert!(w.bytes.len() < still.bytes.len());
            assert_eq!(Format::sniff(&w.bytes), Some(Format::Webp));
            assert_eq!(w.key(), format!("{}.webp", w.variant));
        }
        // Camera noise: lossless WebP is larger than the JPEGs, so there is none.
        let mut seed = 7u32;
        let noisy = DynamicImage::ImageRgb8(RgbImage::from_fn(700, 400, |_, _| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let v = (seed >> 16) as u8;
            Rgb([v, v.wrapping_mul(3), v ^ 0x5A])
        }));
        let processed = process("noise.jpg", &encoded(&noisy, ImageFormat::Jpeg)).unwrap();
        assert!(
            processed
                .renditions
                .iter()
                .all(|r| r.format != Format::Webp)
        );
        assert_eq!(webp_file_name("harbour.jpg"), "harbour.webp");
    }

    #[test]
    fn credit_holders() {
        assert_eq!(
            credit_holder("Photo: Jane Doe / Reuters"),
            Some(("Organization", "Reuters".into()))
        );
        assert_eq!(
            credit_holder("Photo by Jane Doe"),
            Some(("Person", "Jane Doe".into()))
        );
        assert_eq!(
            credit_holder("Illustration: Newsdesk demo"),
            Some(("Organization", "Newsdesk demo".into()))
        );
        assert_eq!(credit_holder("AP"), Some(("Organization", "AP".into())));
        assert_eq!(credit_holder("  "), None);
        assert_eq!(credit_holder("Photo:"), None);
    }

    #[test]
    fn clean_names() {
        assert_eq!(
            clean_file_name("Harbour at Dawn (final).JPEG", Format::Jpeg),
            "harbour-at-dawn-final.jpg"
        );
        assert_eq!(
            clean_file_name("C:\\Users\\me\\Zürich.png", Format::Png),
            "zurich.png"
        );
        assert_eq!(clean_file_name(".png", Format::Png), "png.png");
        assert_eq!(clean_file_name("🙂.gif", Format::Gif), "slight-smile.gif");
        assert_eq!(clean_file_name("(!).gif", Format::Gif), "image.gif");
        let long = clean_file_name(&format!("{}.jpg", "word ".repeat(40)), Format::Jpeg);
        assert!(
            long.len() <= MAX_FILE_NAME && long.ends_with("word.jpg"),
            "{long}"
        );
    }

    #[test]
    fn details_are_trimmed_and_bounded() {
        assert_eq!(
            Details::new("  A heron  ", "\nAt dawn.\n").unwrap(),
            Details {
                alt_text: "A heron".into(),
                caption: "At dawn.".into(),
                credit: String::new(),
            }
        );
        assert_eq!(
            Details::with_credit("", "", "  Photo:\n Jane  Doe ")
                .unwrap()
                .credit,
            "Photo: Jane Doe"
        );
        assert_eq!(
            Details::with_credit("", "", &"a".repeat(MAX_CREDIT + 1)),
            Err(DetailsError::CreditTooLong)
        );
        assert!(Details::new(&"é".repeat(MAX_ALT_TEXT), "").is_ok());
        assert_eq!(
            Details::new(&"a".repeat(MAX_ALT_TEXT + 1), ""),
            Err(DetailsError::AltTextTooLong)
        );
        assert_eq!(
            Details::new("", &"a".repeat(MAX_CAPTION + 1)),
            Err(DetailsError::CaptionTooLong)
        );
    }

    #[test]
    fn variants_parse_only_canonical_names() {
        assert_eq!(Variant::parse("original"), Some(Variant::Original));
        assert_eq!(Variant::parse("w640"), Some(Variant::Width(640)));
        for bad in ["w641", "w0640", "640", "W640", "", "w"] {
            assert_eq!(Variant::parse(bad), None, "{bad}");
        }
        assert_eq!(
            file_path(7, Variant::Width(320), "a.jpg"),
            "/media/7/w320/a.jpg"
        );
    }
}
