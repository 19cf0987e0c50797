//! Image decoding of uploads (`media::process`): no panic whatever the bytes, memory bounded,
//! and a header claiming more pixels than the limits refused before any pixel is read.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use newsdesk::domain::media::{self, Format, MAX_PIXELS, MAX_SIDE, UploadError, Variant};
use proptest::prelude::*;

use crate::alloc::peak_during;
use crate::driver::{Target, corpus};

/// The most memory one upload may take while it is decoded, scaled and encoded: the
/// decoder's own limit (512 MiB) and the copies made from the pixels.
const MEMORY_BOUND: usize = 1536 * 1024 * 1024;
/// The most memory a refused oversized image may take: only its headers are read.
const REFUSAL_BOUND: usize = 16 * 1024 * 1024;

const TOKENS: &[&str] = &[
    "\u{0}\u{0}\u{0}\u{0}",
    "\u{7f}\u{7f}\u{7f}\u{7f}",
    "IHDR",
    "IDAT",
    "IEND",
    "PLTE",
    "tRNS",
    "acTL",
    "fcTL",
    "eXIf",
    "Exif\u{0}\u{0}",
    "MM\u{0}*",
    "II*\u{0}",
    "VP8 ",
    "VP8L",
    "VP8X",
    "ANIM",
    "ANMF",
    "ALPH",
    "NETSCAPE2.0",
    "GIF89a",
    "!\u{f9}\u{4}",
    ",",
    ";",
];

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode a seed");
    out.into_inner()
}

/// Small valid images of every accepted format, made here with the same library.
fn valid_seeds() -> Vec<Vec<u8>> {
    let rgb = DynamicImage::ImageRgb8(RgbImage::from_fn(9, 7, |x, y| {
        Rgb([(x * 28) as u8, (y * 36) as u8, 90])
    }));
    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(6, 5, |x, y| {
        Rgba([200, (x * 40) as u8, (y * 50) as u8, (x * y * 12) as u8])
    }));
    let wide = DynamicImage::ImageRgb8(RgbImage::from_fn(700, 3, |x, _| {
        Rgb([(x % 256) as u8, 10, 20])
    }));
    let mut seeds = vec![
        encoded(&rgb, ImageFormat::Jpeg),
        encoded(&rgb, ImageFormat::Png),
        encoded(&rgb, ImageFormat::Gif),
        encoded(&rgb, ImageFormat::WebP),
        encoded(&rgba, ImageFormat::Png),
        encoded(&rgba, ImageFormat::WebP),
        encoded(&rgba, ImageFormat::Gif),
        encoded(&wide, ImageFormat::Png),
        encoded(&rgb.grayscale(), ImageFormat::Jpeg),
    ];
    // Every seed cut short too.
    let cut: Vec<Vec<u8>> = seeds.iter().map(|s| s[..s.len() / 2].to_vec()).collect();
    seeds.extend(cut);
    seeds
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The width and height a PNG's header claims, if its header is intact (its checksum right).
fn png_claims(bytes: &[u8]) -> Option<(u32, u32)> {
    if Format::sniff(bytes) != Some(Format::Png) || bytes.len() < 33 || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let crc = u32::from_be_bytes(bytes[29..33].try_into().unwrap());
    (crc == crc32(&bytes[12..29])).then(|| {
        (
            u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
            u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
        )
    })
}

fn over_limits(width: u32, height: u32) -> bool {
    width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS
}

/// Sizes at and beyond the limits, and small ones: an image that is both accepted and large
/// takes seconds to scale in a debug build, and would only slow the search down.
fn side() -> BoxedStrategy<u32> {
    prop_oneof![
        prop::sample::select(
            &[
                0,
                1,
                2,
                12_001,
                16_383,
                16_384,
                65_535,
                100_000,
                0x7fff_ffff,
                u32::MAX
            ][..]
        ),
        any::<u32>(),
        1u32..1_200,
    ]
    .boxed()
}

/// A valid image whose header is changed to claim another size: PNG (checksum fixed), GIF
/// (screen and frame), JPEG (frame header) and lossless WebP.
fn resized_headers(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    (prop::sample::select(seeds), side(), side())
        .prop_map(|(mut bytes, w, h)| {
            match Format::sniff(&bytes) {
                Some(Format::Png) if bytes.len() >= 33 => {
                    bytes[16..20].copy_from_slice(&w.to_be_bytes());
                    bytes[20..24].copy_from_slice(&h.to_be_bytes());
                    let crc = crc32(&bytes[12..29]);
                    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
                }
                Some(Format::Gif) if bytes.len() >= 10 => {
                    let (w, h) = ((w as u16).to_le_bytes(), (h as u16).to_le_bytes());
                    bytes[6..8].copy_from_slice(&w);
                    bytes[8..10].copy_from_slice(&h);
                    if let Some(at) = bytes.iter().position(|&b| b == b',')
                        && bytes.len() >= at + 9
                    {
                        bytes[at + 5..at + 7].copy_from_slice(&w);
                        bytes[at + 7..at + 9].copy_from_slice(&h);
                    }
                }
                Some(Format::Jpeg) => {
                    if let Some(at) = bytes.windows(2).position(|p| p == [0xFF, 0xC0])
                        && bytes.len() >= at + 9
                    {
                        bytes[at + 5..at + 7].copy_from_slice(&(h as u16).to_be_bytes());
                        bytes[at + 7..at + 9].copy_from_slice(&(w as u16).to_be_bytes());
                    }
                }
                Some(Format::Webp) if bytes.len() >= 25 && &bytes[12..16] == b"VP8L" => {
                    let packed =
                        (w.wrapping_sub(1) & 0x3fff) | ((h.wrapping_sub(1) & 0x3fff) << 14);
                    let old = u32::from_le_bytes(bytes[21..25].try_into().unwrap());
                    let new = (old & !0x0fff_ffff) | packed;
                    bytes[21..25].copy_from_slice(&new.to_le_bytes());
                }
                _ => {}
            }
            bytes
        })
        .boxed()
}

/// Processes `bytes` as an upload and checks the outcome; returns the result and the peak
/// memory it took.
fn check(bytes: &[u8]) -> Result<(Result<(), UploadError>, usize), String> {
    let (result, peak) = peak_during(|| media::process("photo.jpg", bytes));
    if peak > MEMORY_BOUND {
        return Err(format!("{} MiB for one upload", peak >> 20));
    }
    if let Some((w, h)) = png_claims(bytes)
        && over_limits(w, h)
    {
        match &result {
            Err(_) if peak <= REFUSAL_BOUND => {}
            Err(e) => {
                return Err(format!(
                    "refusing a {w}×{h} PNG ({e}) took {} KiB",
                    peak >> 10
                ));
            }
            Ok(_) => return Err(format!("a PNG claiming {w}×{h} was accepted")),
        }
    }
    if let Ok(image) = &result {
        let original = image.original();
        if original.variant != Variant::Original
            || original.width == 0
            || original.width > MAX_SIDE
            || original.height == 0
            || original.height > MAX_SIDE
        {
            return Err(format!(
                "the original is {:?} {}×{}",
                original.variant, original.width, original.height
            ));
        }
        for r in &image.renditions {
            if Format::sniff(&r.bytes) != Some(r.format) {
                return Err(format!("a {:?} rendition is not {:?}", r.variant, r.format));
            }
            if r.variant != Variant::Original && r.width >= original.width {
                return Err(format!(
                    "a width of {} from a {}-wide image",
                    r.width, original.width
                ));
            }
        }
        if !image.file_name.ends_with(original.format.extension()) {
            return Err(format!("the file name {:?}", image.file_name));
        }
    }
    Ok((result.map(|_| ()), peak))
}

#[test]
fn image_decoding() {
    let seeds = valid_seeds();
    let mut headers: Vec<Vec<u8>> = seeds.clone();
    headers.extend(corpus("media").into_iter().map(|(_, b)| b));
    headers.retain(|b| Format::sniff(b).is_some());
    Target {
        name: "media",
        extra_seeds: seeds,
        tokens: TOKENS,
        generate: prop_oneof![
            3 => resized_headers(headers),
            1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(|mut b| {
                // Past the format check, into a decoder.
                let magic: &[u8] = match b.first().copied().unwrap_or(0) % 4 {
                    0 => &[0xFF, 0xD8, 0xFF],
                    1 => b"\x89PNG\r\n\x1a\n",
                    2 => b"GIF89a",
                    _ => b"RIFF\0\0\0\0WEBP",
                };
                b.splice(0..0, magic.iter().copied());
                b
            }),
        ],
    }
    .run(|bytes| check(bytes).map(|_| ()));
}

/// The committed decompression bombs (`bomb-*`: headers claiming far more pixels than the
/// limits, of every format) are refused for their size, before their pixels are read; the
/// huge ones a decoder refuses itself (`huge-*`) are refused as cheaply.
#[test]
fn decompression_bombs_are_refused_from_their_headers() {
    let seeds: Vec<(String, Vec<u8>)> = corpus("media")
        .into_iter()
        .filter(|(name, _)| name.starts_with("bomb-") || name.starts_with("huge-"))
        .collect();
    assert!(seeds.len() >= 8, "the corpus has its bombs");
    for (name, bytes) in seeds {
        let (result, peak) = check(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        if name.starts_with("bomb-") {
            assert!(
                matches!(result, Err(UploadError::TooManyPixels { .. })),
                "{name}: {result:?}"
            );
        } else {
            assert!(result.is_err(), "{name}: accepted");
        }
        assert!(peak <= REFUSAL_BOUND, "{name}: {} KiB", peak >> 10);
    }
}
