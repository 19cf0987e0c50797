//! Images the theme derives from its own files when it does not ship them: `favicon.ico` (the
//! Newsdesk monogram of `favicon.svg`, drawn here), the app icons of the web app manifest and
//! of iOS home screens (the same monogram, larger), and `feed-logo.png` (the logo scaled to the
//! 144 × 400 pixels RSS 2.0 allows a channel image).

use std::io::Cursor;
use std::sync::LazyLock;

use image::{ImageFormat, Rgba, RgbaImage, imageops::FilterType};

/// The monogram's colours, as in `favicon.svg`.
const BACKGROUND: [u8; 3] = [0xa3, 0x00, 0x1e];
const LETTER: [u8; 3] = [0xff, 0xff, 0xff];

/// The letter N of `favicon.svg` (`M9 23V9h3l8 9.5V9h3v14h-3l-8-9.5V23z`) on its 32-unit grid.
const N: [(f32, f32); 10] = [
    (9.0, 23.0),
    (9.0, 9.0),
    (12.0, 9.0),
    (20.0, 18.5),
    (20.0, 9.0),
    (23.0, 9.0),
    (23.0, 23.0),
    (20.0, 23.0),
    (12.0, 13.5),
    (12.0, 23.0),
];

/// Even-odd point-in-polygon test.
fn inside(poly: &[(f32, f32)], x: f32, y: f32) -> bool {
    let mut hit = false;
    let mut j = poly.len() - 1;
    for i in 0..poly.len() {
        let ((xi, yi), (xj, yj)) = (poly[i], poly[j]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            hit = !hit;
        }
        j = i;
    }
    hit
}

/// Inside the 32-unit square with corners rounded to a radius of `r` (0: square corners).
fn in_rounded_square(x: f32, y: f32, r: f32) -> bool {
    let cx = x.clamp(r, 32.0 - r);
    let cy = y.clamp(r, 32.0 - r);
    (0.0..=32.0).contains(&x)
        && (0.0..=32.0).contains(&y)
        && (x - cx).powi(2) + (y - cy).powi(2) <= r * r
}

/// The monogram at `size` × `size` pixels, anti-aliased (16 samples a pixel).
pub fn monogram(size: u32) -> RgbaImage {
    draw(size, 6.0)
}

/// The monogram filling its square to the corners, for the home screens of iOS, which round
/// the corners themselves and would show transparent ones as black.
pub fn monogram_square(size: u32) -> RgbaImage {
    draw(size, 0.0)
}

fn draw(size: u32, radius: f32) -> RgbaImage {
    // Large icons need fewer samples a pixel for smooth edges (and are drawn faster).
    let samples: u32 = if size >= 128 { 2 } else { 4 };
    let scale = 32.0 / size as f32;
    RgbaImage::from_fn(size, size, |px, py| {
        let (mut covered, mut letter) = (0u32, 0u32);
        for sy in 0..samples {
            for sx in 0..samples {
                let x = (px as f32 + (sx as f32 + 0.5) / samples as f32) * scale;
                let y = (py as f32 + (sy as f32 + 0.5) / samples as f32) * scale;
                if in_rounded_square(x, y, radius) {
                    covered += 1;
                    if inside(&N, x, y) {
                        letter += 1;
                    }
                }
            }
        }
        if covered == 0 {
            return Rgba([0, 0, 0, 0]);
        }
        // Colour from the covered samples; opacity from how many are covered.
        let mix = |bg: u8, fg: u8| {
            ((u32::from(bg) * (covered - letter) + u32::from(fg) * letter) / covered) as u8
        };
        let alpha = (covered * 255 / (samples * samples)) as u8;
        Rgba([
            mix(BACKGROUND[0], LETTER[0]),
            mix(BACKGROUND[1], LETTER[1]),
            mix(BACKGROUND[2], LETTER[2]),
            alpha,
        ])
    })
}

fn png(image: &RgbaImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .expect("encoding a PNG in memory cannot fail");
    out.into_inner()
}

/// `favicon.ico`: the monogram at 16, 32 and 48 pixels, each stored as PNG inside the ICO
/// container (which every browser since Internet Explorer 9 reads).
pub fn favicon_ico() -> Vec<u8> {
    let images: Vec<(u32, Vec<u8>)> = [16, 32, 48]
        .into_iter()
        .map(|size| (size, png(&monogram(size))))
        .collect();
    let count = images.len() as u16;
    let mut out = Vec::new();
    // ICONDIR: reserved, type 1 (icon), number of images.
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    let mut offset = 6 + 16 * u32::from(count);
    for (size, bytes) in &images {
        // ICONDIRENTRY: width, height, no palette, reserved, 1 plane, 32 bits, size, offset.
        out.extend_from_slice(&[*size as u8, *size as u8, 0, 0]);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&32u16.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        offset += bytes.len() as u32;
    }
    for (_, bytes) in images {
        out.extend_from_slice(&bytes);
    }
    out
}

/// The app icons a theme gets when it ships none of its own, by file name: the manifest's 192
/// and 512 pixel icons and the 180 pixel `apple-touch-icon.png`. Drawn once per process.
pub fn app_icons() -> &'static [(&'static str, Vec<u8>)] {
    static ICONS: LazyLock<Vec<(&'static str, Vec<u8>)>> = LazyLock::new(|| {
        vec![
            ("icon-192.png", png(&monogram(192))),
            ("icon-512.png", png(&monogram(512))),
            ("apple-touch-icon.png", png(&monogram_square(180))),
        ]
    });
    &ICONS
}

/// An image's width and height, read from its header.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// `bytes` (an image) scaled down to fit `max_width` × `max_height`, as PNG; `None` when it
/// is not an image this build reads.
pub fn fit_png(bytes: &[u8], max_width: u32, max_height: u32) -> Option<Vec<u8>> {
    let image = image::load_from_memory(bytes).ok()?;
    let image = if image.width() > max_width || image.height() > max_height {
        image.resize(max_width, max_height, FilterType::Lanczos3)
    } else {
        image
    };
    Some(png(&image.to_rgba8()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_icon_file_holds_three_sizes_of_the_monogram() {
        let ico = favicon_ico();
        assert_eq!(&ico[..6], &[0, 0, 1, 0, 3, 0]);
        for (i, size) in [16u32, 32, 48].into_iter().enumerate() {
            let entry = &ico[6 + 16 * i..6 + 16 * (i + 1)];
            assert_eq!(u32::from(entry[0]), size);
            let len = u32::from_le_bytes(entry[8..12].try_into().unwrap()) as usize;
            let at = u32::from_le_bytes(entry[12..16].try_into().unwrap()) as usize;
            assert_eq!(dimensions(&ico[at..at + len]), Some((size, size)));
        }
        // Red corners are rounded off; the letter is white; the field around it is red.
        let m = monogram(32);
        assert_eq!(m.get_pixel(0, 0)[3], 0);
        assert_eq!(m.get_pixel(10, 16).0, [255, 255, 255, 255]);
        assert_eq!(m.get_pixel(4, 16).0, [0xa3, 0x00, 0x1e, 255]);
    }

    #[test]
    fn app_icons_are_the_monogram_at_their_sizes() {
        let sizes: Vec<_> = app_icons()
            .iter()
            .map(|(name, bytes)| (*name, dimensions(bytes)))
            .collect();
        assert_eq!(
            sizes,
            [
                ("icon-192.png", Some((192, 192))),
                ("icon-512.png", Some((512, 512))),
                ("apple-touch-icon.png", Some((180, 180))),
            ]
        );
        // The home-screen icon is opaque to its corners; the others are rounded off.
        let touch = image::load_from_memory(&app_icons()[2].1)
            .unwrap()
            .to_rgba8();
        assert_eq!(touch.get_pixel(0, 0).0, [0xa3, 0x00, 0x1e, 255]);
        let any = image::load_from_memory(&app_icons()[0].1)
            .unwrap()
            .to_rgba8();
        assert_eq!(any.get_pixel(0, 0)[3], 0);
    }

    #[test]
    fn logos_are_scaled_to_fit() {
        let big = png(&monogram(512));
        let small = fit_png(&big, 144, 400).unwrap();
        assert_eq!(dimensions(&small), Some((144, 144)));
        let tiny = png(&monogram(100));
        assert_eq!(
            dimensions(&fit_png(&tiny, 144, 400).unwrap()),
            Some((100, 100))
        );
        assert_eq!(fit_png(b"not an image", 144, 400), None);
    }
}
