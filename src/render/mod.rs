//! Templates and theme assets: bytes out, no database and no HTTP types.
//!
//! The default theme (`themes/default/`) is embedded in the binary. A theme folder given with
//! `--theme DIR` overrides any template (`DIR/templates/NAME.html`) or asset (`DIR/static/NAME`)
//! by file name; everything it does not override comes from the default theme. Assets are served
//! under fingerprinted names (`style.3f2a91c0.css`) so browsers may cache them forever.

pub mod feeds;
pub mod icons;
pub mod sitemaps;
pub mod xml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::Environment;
use sha2::{Digest, Sha256};

#[derive(rust_embed::RustEmbed)]
#[folder = "themes/default/"]
struct DefaultTheme;

#[derive(rust_embed::RustEmbed)]
#[folder = "admin/"]
struct AdminUi;

/// A static file of the theme.
#[derive(Debug)]
pub struct Asset {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// The loaded theme: compiled templates and fingerprinted assets.
pub struct Theme {
    env: Environment<'static>,
    /// Fingerprinted file name → asset.
    assets: HashMap<String, Arc<Asset>>,
    /// File name → its fingerprinted address (`/static/style.3f2a91c0.css`).
    urls: Arc<HashMap<String, String>>,
}

/// Why the theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("cannot read theme folder {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name} has an error: {source}")]
    Template {
        name: String,
        source: minijinja::Error,
    },
}

/// A page could not be rendered (a template bug); the cause is logged, never shown.
#[derive(Debug, thiserror::Error)]
#[error("rendering {template} failed: {source:#}")]
pub struct RenderError {
    template: String,
    source: minijinja::Error,
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `style.css` + hash → `style.3f2a91c0.css`.
fn fingerprinted(name: &str, bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let short: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{name}.{short}"),
    }
}

/// Files of one kind (`templates` or `static`) embedded in the binary under `E`'s folder.
fn embedded_files<E: rust_embed::RustEmbed>(dir: &str) -> HashMap<String, Vec<u8>> {
    let prefix = format!("{dir}/");
    E::iter()
        .filter_map(|path| {
            let name = path.strip_prefix(&prefix)?.to_owned();
            Some((name, E::get(&path)?.data.into_owned()))
        })
        .collect()
}

/// Files of one kind from the default theme, overridden by the theme folder.
fn theme_files(
    dir: &str,
    override_dir: Option<&Path>,
) -> Result<Vec<(String, Vec<u8>)>, ThemeError> {
    let mut files = embedded_files::<DefaultTheme>(dir);
    if let Some(root) = override_dir {
        let folder = root.join(dir);
        if folder.is_dir() {
            let read_err = |source| ThemeError::Read {
                path: folder.clone(),
                source,
            };
            for entry in std::fs::read_dir(&folder).map_err(read_err)? {
                let entry = entry.map_err(read_err)?;
                let path = entry.path();
                if path.is_file()
                    && let Some(name) = path.file_name().and_then(|n| n.to_str())
                {
                    let bytes = std::fs::read(&path).map_err(|source| ThemeError::Read {
                        path: path.clone(),
                        source,
                    })?;
                    files.insert(name.to_owned(), bytes);
                }
            }
        }
    }
    Ok(sorted(files))
}

/// The largest channel image RSS 2.0 allows.
pub const RSS_IMAGE_MAX: (u32, u32) = (144, 400);

/// Adds the images a theme may ship but need not: `favicon.ico` and the app icons
/// (`icon-192.png`, `icon-512.png`, `apple-touch-icon.png`), all the Newsdesk monogram, and
/// `feed-logo.png` (its `logo.png` scaled to RSS's limits).
fn with_derived_images(mut files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let has = |files: &[(String, Vec<u8>)], name: &str| files.iter().any(|(n, _)| n == name);
    if !has(&files, "favicon.ico") {
        files.push(("favicon.ico".to_owned(), icons::favicon_ico()));
    }
    for (name, bytes) in icons::app_icons() {
        if !has(&files, name) {
            files.push(((*name).to_owned(), bytes.clone()));
        }
    }
    if !has(&files, "feed-logo.png")
        && let Some(logo) = files.iter().find(|(n, _)| n == "logo.png")
        && let Some(png) = icons::fit_png(&logo.1, RSS_IMAGE_MAX.0, RSS_IMAGE_MAX.1)
    {
        files.push(("feed-logo.png".to_owned(), png));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn sorted(files: HashMap<String, Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

impl Theme {
    /// Loads the default theme, with overrides from `override_dir` if given. Template syntax
    /// errors are reported here, at start-up, not on the first request.
    pub fn load(override_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        if let Some(dir) = override_dir
            && let Err(source) = std::fs::read_dir(dir)
        {
            return Err(ThemeError::Read {
                path: dir.to_owned(),
                source,
            });
        }
        Theme::build(
            theme_files("templates", override_dir)?,
            with_derived_images(theme_files("static", override_dir)?),
            "/static/",
        )
    }

    /// The asset named `name` (`favicon.ico`), served at a fixed address rather than its
    /// fingerprinted one.
    pub fn asset_named(&self, name: &str) -> Option<Arc<Asset>> {
        let url = self.urls.get(name)?;
        self.asset(url.rsplit('/').next()?)
    }

    /// The newsroom admin's own templates and assets (`admin/`), served under
    /// `/admin/static/`. Themes never change the admin.
    pub fn admin() -> Theme {
        Theme::build(
            sorted(embedded_files::<AdminUi>("templates")),
            sorted(embedded_files::<AdminUi>("static")),
            "/admin/static/",
        )
        .expect("the admin templates are checked by the test suite")
    }

    fn build(
        templates: Vec<(String, Vec<u8>)>,
        statics: Vec<(String, Vec<u8>)>,
        url_prefix: &str,
    ) -> Result<Theme, ThemeError> {
        let mut assets = HashMap::new();
        let mut urls: HashMap<String, String> = HashMap::new();
        for (name, bytes) in statics {
            let fp = fingerprinted(&name, &bytes);
            urls.insert(name.clone(), format!("{url_prefix}{fp}"));
            assets.insert(
                fp,
                Arc::new(Asset {
                    content_type: content_type(&name),
                    bytes,
                }),
            );
        }
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        // Debug builds (the test suite's) refuse to print, iterate or look into an undefined
        // name, so a template that uses a value its handler never passes fails its test;
        // release builds render it as empty rather than break a reader's page.
        env.set_undefined_behavior(if cfg!(debug_assertions) {
            minijinja::UndefinedBehavior::SemiStrict
        } else {
            minijinja::UndefinedBehavior::Chainable
        });
        // Escape the five HTML-significant characters only: minijinja's default also escapes
        // `/`, which bloats every URL in a page to no benefit.
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::Html
                && !value.is_safe()
                && let Some(s) = value.as_str()
            {
                return out
                    .write_str(&crate::domain::html::escape(s))
                    .map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        for (name, bytes) in templates {
            let source = String::from_utf8_lossy(&bytes).into_owned();
            env.add_template_owned(name.clone(), source)
                .map_err(|source| ThemeError::Template {
                    name: name.clone(),
                    source,
                })?;
        }
        let urls = Arc::new(urls);
        let lookup = urls.clone();
        env.add_function(
            "asset_url",
            move |name: &str| -> Result<String, minijinja::Error> {
                lookup.get(name).cloned().ok_or_else(|| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("no theme asset named {name}"),
                    )
                })
            },
        );
        Ok(Theme { env, assets, urls })
    }

    /// Renders a template with a serializable context.
    pub fn render(
        &self,
        template: &str,
        ctx: impl serde::Serialize,
    ) -> Result<String, RenderError> {
        let err = |source| RenderError {
            template: template.to_owned(),
            source,
        };
        let tmpl = self.env.get_template(template).map_err(err)?;
        tmpl.render(ctx).map_err(err)
    }

    /// The fingerprinted address of an asset, by its file name (`logo.png`).
    pub fn asset_url(&self, name: &str) -> Option<&str> {
        self.urls.get(name).map(String::as_str)
    }

    /// An asset by its fingerprinted file name.
    pub fn asset(&self, fingerprinted_name: &str) -> Option<Arc<Asset>> {
        self.assets.get(fingerprinted_name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_change_with_content() {
        assert_ne!(
            fingerprinted("style.css", b"a"),
            fingerprinted("style.css", b"b")
        );
        assert!(fingerprinted("style.css", b"a").starts_with("style."));
        assert!(fingerprinted("style.css", b"a").ends_with(".css"));
    }

    #[test]
    fn default_theme_loads() {
        let theme = Theme::load(None).unwrap();
        assert!(
            theme
                .assets
                .keys()
                .any(|k| k.starts_with("style.") && k.ends_with(".css"))
        );
    }
}
