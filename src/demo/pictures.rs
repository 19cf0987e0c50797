//! The demo's pictures: flat illustrations Newsdesk draws itself when it creates the demo site
//! (nothing is downloaded or shipped), one motif per section and a different scene for every
//! story, the same on every run.

use image::{DynamicImage, Rgb, RgbImage};

/// The size of the illustrations: 16:9, as wide as the lead story's slot on most screens.
pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 360;
/// The credit every illustration carries.
pub const CREDIT: &str = "Illustration: Newsdesk demo";

/// What an illustration shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motif {
    /// Rolling hills under a low sun.
    Hills,
    /// Snow-capped mountain ranges.
    Peaks,
    /// A city skyline at dusk with lit windows.
    Skyline,
    /// A domed parliament building.
    Dome,
    /// A circuit board's traces and nodes.
    Circuit,
    /// Orbits around a nucleus.
    Orbits,
    /// A starry night sky with a ringed planet.
    Night,
    /// Running-track lanes on a stadium's floor.
    Track,
    /// Soft, overlapping circles of light.
    Bokeh,
}

impl Motif {
    /// The motif of a section's stories.
    pub fn of_section(slug: &str) -> Motif {
        match slug {
            "world" => Motif::Hills,
            "asia" | "europe" => Motif::Peaks,
            "politics" => Motif::Dome,
            "business" => Motif::Skyline,
            "technology" => Motif::Circuit,
            "science" => Motif::Orbits,
            "space" => Motif::Night,
            "sport" => Motif::Track,
            _ => Motif::Bokeh,
        }
    }

    /// A caption for the drawing.
    pub fn caption(self) -> &'static str {
        match self {
            Motif::Hills => "Morning light over the hills.",
            Motif::Peaks => "Mountain ranges fading into the haze.",
            Motif::Skyline => "The business district as the offices empty for the evening.",
            Motif::Dome => "The parliament building at dusk.",
            Motif::Circuit => "The traces and nodes of a circuit board.",
            Motif::Orbits => "Electrons circling a nucleus.",
            Motif::Night => "A ringed planet above the horizon.",
            Motif::Track => "The lanes of an athletics track.",
            Motif::Bokeh => "Soft light for a calmer day.",
        }
    }

    /// Alt text: what the drawing shows.
    pub fn alt_text(self) -> &'static str {
        match self {
            Motif::Hills => "Illustration of rolling green hills under a low sun",
            Motif::Peaks => "Illustration of layered mountain ranges with snow-capped peaks",
            Motif::Skyline => "Illustration of a city skyline at dusk, its windows lit",
            Motif::Dome => "Illustration of a domed parliament building with columns",
            Motif::Circuit => "Illustration of circuit-board traces joining glowing nodes",
            Motif::Orbits => "Illustration of electron orbits circling a nucleus",
            Motif::Night => "Illustration of a starry night sky with a ringed planet",
            Motif::Track => "Illustration of curving running-track lanes",
            Motif::Bokeh => "Illustration of soft, overlapping circles of light",
        }
    }
}

/// A small deterministic generator (SplitMix64): the same scene for the same seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (self.next() >> 40) as f32 / (1u64 << 24) as f32 * (hi - lo)
    }
}

type Colour = [f32; 3];

/// Gradients in flat steps, as a screen print has them: the drawings stay flat colour, which
/// lossless WebP stores in a fraction of a JPEG's bytes.
fn band(t: f32) -> f32 {
    (t.clamp(0.0, 1.0) * 10.0).floor() / 10.0
}

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn rgb(hex: u32) -> Colour {
    [
        ((hex >> 16) & 0xFF) as f32,
        ((hex >> 8) & 0xFF) as f32,
        (hex & 0xFF) as f32,
    ]
}

/// Palettes (sky top, sky bottom, far, near, accent), picked by the seed.
const PALETTES: [[u32; 5]; 5] = [
    [0x1d3557, 0xf4a261, 0x457b9d, 0x1d3557, 0xffd166],
    [0x22223b, 0xc9ada7, 0x4a4e69, 0x22223b, 0xf2e9e4],
    [0x0b525b, 0x99e2b4, 0x14746f, 0x0b3d40, 0xfcefb4],
    [0x3d405b, 0xf2cc8f, 0x81b29a, 0x3d405b, 0xe07a5f],
    [0x03045e, 0x90e0ef, 0x0077b6, 0x03045e, 0xcaf0f8],
];

/// Draws the illustration of `motif` for `seed`.
pub fn draw(motif: Motif, seed: u64) -> DynamicImage {
    let mut dice = Dice(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ motif as u64);
    let palette = PALETTES[(dice.next() % PALETTES.len() as u64) as usize].map(rgb);
    let [top, bottom, far, near, accent] = palette;
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // Scene parameters, drawn once.
    let sun = (
        dice.range(0.15, 0.85) * w,
        dice.range(0.2, 0.5) * h,
        dice.range(50.0, 110.0),
    );
    let waves: Vec<(f32, f32, f32)> = (0..6)
        .map(|_| {
            (
                dice.range(0.004, 0.02),
                dice.range(0.0, 6.3),
                dice.range(10.0, 45.0),
            )
        })
        .collect();
    let buildings: Vec<(f32, f32)> = (0..40)
        .map(|_| (dice.range(30.0, 90.0), dice.range(0.25, 0.7) * h))
        .collect();
    let spots: Vec<(f32, f32, f32)> = (0..14)
        .map(|_| {
            (
                dice.range(0.0, w),
                dice.range(0.0, h),
                dice.range(40.0, 170.0),
            )
        })
        .collect();
    let star_seed = dice.next();

    let ridge = |x: f32, layer: usize| -> f32 {
        let (f, p, a) = waves[layer % waves.len()];
        let (f2, p2, a2) = waves[(layer + 3) % waves.len()];
        (x * f + p).sin() * a + (x * f2 + p2).sin() * a2
    };
    // The skyline: a building's top at each x.
    let skyline = |x: f32| -> (f32, f32) {
        let mut left = 0.0;
        for &(bw, bh) in &buildings {
            if x < left + bw {
                return (h - bh * 0.8, x - left);
            }
            left += bw;
        }
        (h, 0.0)
    };

    // Drawn at half the size, where every pixel costs the most, then doubled: flat shapes lose
    // nothing a reader would see, and the demo is made four times faster.
    const STEP: u32 = 2;
    let (sw, sh) = (WIDTH / STEP, HEIGHT / STEP);
    // What depends on the column only, once per column.
    let columns: Vec<([f32; 3], (f32, f32))> = (0..sw)
        .map(|px| {
            let x = (px * STEP) as f32;
            ([ridge(x, 0), ridge(x, 1), ridge(x, 2)], skyline(x))
        })
        .collect();
    let ridge = |x: f32, layer: usize| columns[(x as u32 / STEP) as usize].0[layer];
    let skyline = |x: f32| columns[(x as u32 / STEP) as usize].1;
    let image = RgbImage::from_fn(sw, sh, |px, py| {
        let (x, y) = ((px * STEP) as f32, (py * STEP) as f32);
        let sky = mix(top, bottom, band(y / h));
        let mut c = sky;
        match motif {
            Motif::Hills | Motif::Peaks => {
                let d = ((x - sun.0).powi(2) + (y - sun.1).powi(2)).sqrt();
                c = mix(c, accent, band(1.0 - (d - sun.2) / 8.0));
                for layer in 0..3 {
                    let base = h * (0.5 + 0.15 * layer as f32);
                    let top_y = if motif == Motif::Peaks {
                        // Sharp ridges: folded waves.
                        base - ridge(x, layer).abs() * 3.0
                    } else {
                        base + ridge(x, layer)
                    };
                    if y > top_y {
                        let shade = mix(far, near, layer as f32 / 2.0);
                        c = if motif == Motif::Peaks && y < top_y + 18.0 && layer == 0 {
                            mix(shade, [250.0, 250.0, 250.0], 0.85)
                        } else {
                            mix(shade, sky, 0.15 * (2 - layer) as f32)
                        };
                    }
                }
            }
            Motif::Skyline | Motif::Dome => {
                let d = ((x - sun.0).powi(2) + (y - sun.1).powi(2)).sqrt();
                c = mix(c, accent, band(1.0 - (d - sun.2) / 6.0));
                if motif == Motif::Dome {
                    let (cx, ground) = (w * 0.5, h * 0.82);
                    let r = h * 0.22;
                    let in_dome = ((x - cx) / r).powi(2) + ((y - (ground - h * 0.3)) / r).powi(2)
                        < 1.0
                        && y < ground - h * 0.3;
                    let in_body = (x - cx).abs() < r * 1.6 && y > ground - h * 0.3 && y < ground;
                    let column = ((x - cx + r * 1.6) / (r * 0.32)).fract() < 0.45;
                    let steps = (x - cx).abs() < r * 2.0 && y >= ground;
                    if in_dome || steps {
                        c = near;
                    } else if in_body {
                        c = if column || y < ground - h * 0.26 {
                            near
                        } else {
                            mix(near, sky, 0.55)
                        };
                    }
                } else {
                    let (roof, offset) = skyline(x);
                    if y > roof {
                        c = far;
                        let window = (offset % 14.0) > 6.0 && ((y - roof) % 18.0) > 9.0;
                        if window && offset > 6.0 {
                            c = mix(accent, far, 0.25);
                        }
                    }
                    if y > h * 0.9 + ridge(x, 1) * 0.1 {
                        c = near;
                    }
                }
            }
            Motif::Circuit => {
                c = mix(rgb(0x0f172a), rgb(0x1e293b), band(y / h));
                let (gx, gy) = (x % 80.0, y % 80.0);
                let cell = ((x / 80.0) as u64 * 31 + (y / 80.0) as u64 * 17) ^ star_seed;
                let on_trace = (gy - 40.0).abs() < 2.0 && !cell.is_multiple_of(3)
                    || (gx - 40.0).abs() < 2.0 && cell % 4 == 1;
                if on_trace {
                    c = mix(far, accent, 0.4);
                }
                let d = ((gx - 40.0).powi(2) + (gy - 40.0).powi(2)).sqrt();
                if cell % 5 < 2 && d < 12.0 {
                    c = mix(accent, c, band(d / 12.0));
                }
            }
            Motif::Orbits => {
                c = mix(top, near, band(y / h));
                let (cx, cy) = (w * 0.5, h * 0.5);
                let (dx, dy) = (x - cx, y - cy);
                for k in 0..3 {
                    let angle = k as f32 * 1.047 + sun.2 / 100.0;
                    let (s, co) = angle.sin_cos();
                    let (u, v) = (dx * co + dy * s, -dx * s + dy * co);
                    let e = (u / 300.0).powi(2) + (v / 95.0).powi(2);
                    if (e - 1.0).abs() < 0.03 {
                        c = mix(c, accent, 0.9);
                    }
                }
                let d = (dx * dx + dy * dy).sqrt();
                if d < 45.0 {
                    c = mix(accent, bottom, band(d / 45.0));
                }
            }
            Motif::Night => {
                c = mix(rgb(0x020617), rgb(0x1e1b4b), band(y / h));
                let cell = (px / 3) as u64 * 7919 + (py / 3) as u64 * 104_729 + star_seed;
                let hash = Dice(cell).next();
                if hash.is_multiple_of(97) && px % 3 == 1 && py % 3 == 1 {
                    c = [240.0, 240.0, 255.0];
                }
                let (cx, cy, r) = (sun.0, sun.1 + 40.0, sun.2 + 40.0);
                let (dx, dy) = (x - cx, y - cy);
                let d = (dx * dx + dy * dy).sqrt();
                let ring = (dx / (r * 1.9)).powi(2) + (dy / (r * 0.45)).powi(2);
                if d < r {
                    c = mix(accent, far, band((dx + dy) / (2.0 * r) + 0.5));
                }
                if (ring - 1.0).abs() < 0.06 && (d > r || dy > 0.0) {
                    c = mix(bottom, accent, 0.5);
                }
                if y > h * 0.85 + ridge(x, 0) * 0.5 {
                    c = rgb(0x0b0b1a);
                }
            }
            Motif::Track => {
                c = mix(rgb(0x9a3412), rgb(0xc2410c), band(y / h));
                let r = ((x - w * 0.5).powi(2) + (y - h * 1.6).powi(2)).sqrt();
                let lane = (r / 70.0).fract();
                if lane < 0.04 {
                    c = [245.0, 245.0, 240.0];
                }
                if r < h * 0.9 {
                    c = mix(
                        rgb(0x166534),
                        rgb(0x15803d),
                        band((x / w + ridge(x, 2) / 200.0).fract()),
                    );
                }
            }
            Motif::Bokeh => {
                for &(sx, sy, sr) in &spots {
                    let d = ((x - sx).powi(2) + (y - sy).powi(2)).sqrt();
                    if d < sr {
                        c = mix(
                            c,
                            mix(accent, far, sr / 170.0),
                            band(0.35 * (1.0 - d / sr).min(0.6) + 0.1),
                        );
                    }
                }
            }
        }
        Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8))
    });
    DynamicImage::ImageRgb8(image).resize_exact(WIDTH, HEIGHT, image::imageops::FilterType::Nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_are_the_same_every_time_and_differ_between_stories() {
        let a = draw(Motif::Skyline, 3);
        assert_eq!(a.as_bytes(), draw(Motif::Skyline, 3).as_bytes());
        assert_ne!(a.as_bytes(), draw(Motif::Skyline, 4).as_bytes());
        assert_eq!((a.width(), a.height()), (WIDTH, HEIGHT));
    }
}
