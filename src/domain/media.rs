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
/// from narrowest to widest.
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
/// re-encoded from the pixels. A GIF keeps its frames and palette as uploaded, animation
/// included, with every comment and application block but the looping instruction removed
/// (GIF has no orientation to apply). A WebP, which Newsdesk can only write losslessly, is
/// stored as JPEG, or as PNG when it has transparency; an animated WebP keeps its first frame.
/// The widths are JPEG (quality 82) for opaque images and PNG for images with transparency; an
/// animated GIF has none, since a still width would stop the animation.
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
    let image = decode(format, bytes)?;
    let transparent = has_transparency(&image);
    let (width, height) = (image.width(), image.height());

    let (original, animated) = match format {
        Format::Gif => {
            let gif = strip_gif(bytes).ok_or(UploadError::Unreadable)?;
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
        Format::Png => (encode(&image, Variant::Original, Format::Png, 0)?, false),
        Format::Jpeg => (
            encode(&image, Variant::Original, Format::Jpeg, ORIGINAL_QUALITY)?,
            false,
        ),
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
    if !animated {
        let variant_format = if transparent {
            Format::Png
        } else {
            Format::Jpeg
        };
        // Widest first, each made from the one before: as sharp, and far cheaper than scaling
        // the full image each time.
        let mut source = image;
        let mut widths = Vec::new();
        for &w in WIDTHS.iter().rev().filter(|&&w| w < width) {
            let h = scaled_height(width, height, w);
            source = source.resize_exact(w, h, FilterType::CatmullRom);
            widths.push(encode(
                &source,
                Variant::Width(w),
                variant_format,
                VARIANT_QUALITY,
            )?);
        }
        renditions.extend(widths.into_iter().rev());
    }
    let file_name = clean_file_name(file_name, renditions[0].format);
    Ok(ProcessedImage {
        file_name,
        renditions,
    })
}

/// The height of a `width`-wide copy of a `w` × `h` image, at least one pixel.
fn scaled_height(w: u32, h: u32, width: u32) -> u32 {
    let scaled = (u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w);
    u32::try_from(scaled.max(1)).unwrap_or(u32::MAX)
}

/// Decodes the first frame with the orientation applied, refusing images over the limits
/// before their pixels are read.
fn decode(format: Format, bytes: &[u8]) -> Result<DynamicImage, UploadError> {
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
    Ok(image)
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

/// An item's alt text and caption as stored: trimmed, within their lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub alt_text: String,
    pub caption: String,
}

/// Why an alt text or caption was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DetailsError {
    #[error("The alt text is longer than 500 characters; describe the image in fewer words.")]
    AltTextTooLong,
    #[error("The caption is longer than 2,000 characters.")]
    CaptionTooLong,
}

impl Details {
    pub fn new(alt_text: &str, caption: &str) -> Result<Details, DetailsError> {
        let (alt_text, caption) = (alt_text.trim(), caption.trim());
        if alt_text.chars().count() > MAX_ALT_TEXT {
            return Err(DetailsError::AltTextTooLong);
        }
        if caption.chars().count() > MAX_CAPTION {
            return Err(DetailsError::CaptionTooLong);
        }
        Ok(Details {
            alt_text: alt_text.to_owned(),
            caption: caption.to_owned(),
        })
    }
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
            .map(|r| (r.variant.to_string(), r.width, r.height))
            .collect();
        assert_eq!(
            variants,
            vec![("original".into(), 400, 700), ("w320".into(), 320, 560)]
        );
    }

    #[test]
    fn widths_narrower_than_the_image_only() {
        let processed = process("wide.png", &encoded(&photo(1700, 100), ImageFormat::Png)).unwrap();
        let widths: Vec<String> = processed
            .renditions
            .iter()
            .map(|r| r.variant.to_string())
            .collect();
        assert_eq!(widths, ["original", "w320", "w640", "w1024", "w1600"]);
        // Opaque: the widths are JPEG even though the original stays PNG.
        assert_eq!(processed.original().format, Format::Png);
        assert!(
            processed.renditions[1..]
                .iter()
                .all(|r| r.format == Format::Jpeg)
        );
        assert_eq!(processed.renditions[2].height, 38);
        let small = process("small.jpg", &encoded(&photo(320, 200), ImageFormat::Jpeg)).unwrap();
        assert_eq!(small.renditions.len(), 1);
    }

    #[test]
    fn transparency_keeps_png() {
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_fn(700, 10, |x, _| {
            Rgba([200, 10, 10, if x < 10 { 0 } else { 255 }])
        }));
        let processed = process("logo.png", &encoded(&clear, ImageFormat::Png)).unwrap();
        assert!(processed.renditions.iter().all(|r| r.format == Format::Png));
        assert_eq!(processed.renditions.len(), 3);
        // An alpha channel with every pixel opaque is an opaque image.
        let opaque = DynamicImage::ImageRgba8(RgbaImage::from_pixel(700, 10, Rgba([1, 2, 3, 255])));
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
        assert_eq!(processed.renditions.len(), 2);
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
                caption: "At dawn.".into()
            }
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
