//! The channel's head and its lists before the items: people, sections, tags and menus.

use super::{BATCH, Exporter, wxr};
use crate::store::StoreError;

impl Exporter {
    pub(super) fn head(&mut self) {
        let x = &mut self.x;
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.raw(concat!(
            "<!-- A WordPress eXtended RSS file (WXR 1.2) written by Newsdesk ",
            env!("CARGO_PKG_VERSION"),
            ": the site's people, sections, tags, menus, images, stories, pages and comments.\n",
            "     WordPress reads it with Tools > Import > WordPress. -->\n"
        ));
        x.open(
            "rss",
            &[
                ("version", "2.0"),
                ("xmlns:excerpt", "http://wordpress.org/export/1.2/excerpt/"),
                ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
                ("xmlns:wfw", "http://wellformedweb.org/CommentAPI/"),
                ("xmlns:dc", "http://purl.org/dc/elements/1.1/"),
                ("xmlns:wp", "http://wordpress.org/export/1.2/"),
            ],
        );
        x.open("channel", &[]);
        x.text("title", &self.settings.title);
        x.text("link", &self.base);
        x.text("description", &self.settings.tagline);
        x.text("pubDate", &wxr::rfc2822(self.now));
        x.text("language", &self.settings.language);
        x.text("wp:wxr_version", "1.2");
        x.text("wp:base_site_url", &self.base);
        x.text("wp:base_blog_url", &self.base);
    }

    pub(super) async fn authors(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_users(self.after, BATCH).await?;
        for u in &rows {
            let x = &mut self.x;
            x.open("wp:author", &[]);
            x.number("wp:author_id", u.id);
            x.text("wp:author_login", &u.login);
            x.text("wp:author_email", &u.email);
            x.cdata("wp:author_display_name", &[], &u.display_name);
            let (first, last) = split_name(&u.display_name);
            x.cdata("wp:author_first_name", &[], first);
            x.cdata("wp:author_last_name", &[], last);
            x.close("wp:author");
            self.counts.people += 1;
        }
        Ok(self.advance(rows.last().map(|u| u.id), rows.len()))
    }

    pub(super) async fn sections(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_sections(self.after, BATCH).await?;
        for c in &rows {
            let x = &mut self.x;
            x.open("wp:category", &[]);
            x.number("wp:term_id", self.ids.section(c.id));
            x.text("wp:category_nicename", &c.slug);
            x.text("wp:category_parent", c.parent_slug.as_deref().unwrap_or(""));
            x.cdata("wp:cat_name", &[], &c.name);
            if !c.description.is_empty() {
                x.cdata("wp:category_description", &[], &c.description);
            }
            x.close("wp:category");
            self.counts.sections += 1;
        }
        Ok(self.advance(rows.last().map(|c| c.id), rows.len()))
    }

    pub(super) async fn tags(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_tags(self.after, BATCH).await?;
        for t in &rows {
            let x = &mut self.x;
            x.open("wp:tag", &[]);
            x.number("wp:term_id", self.ids.tag(t.id));
            x.text("wp:tag_slug", &t.slug);
            x.cdata("wp:tag_name", &[], &t.name);
            if !t.description.is_empty() {
                x.cdata("wp:tag_description", &[], &t.description);
            }
            x.close("wp:tag");
            self.counts.tags += 1;
        }
        Ok(self.advance(rows.last().map(|t| t.id), rows.len()))
    }

    pub(super) async fn menus(&mut self) -> Result<bool, StoreError> {
        let rows = self.store.export_menus(self.after, BATCH).await?;
        for m in &rows {
            let x = &mut self.x;
            x.open("wp:term", &[]);
            x.number("wp:term_id", self.ids.menu(m.id));
            x.text("wp:term_taxonomy", "nav_menu");
            x.text("wp:term_slug", &m.location);
            x.cdata("wp:term_name", &[], &m.name);
            x.close("wp:term");
            self.counts.menus += 1;
        }
        Ok(self.advance(rows.last().map(|m| m.id), rows.len()))
    }
}

/// First and last name from a display name: WordPress keeps them apart, Newsdesk does not,
/// so the last word is the last name ("Ada King Lovelace" → "Ada King", "Lovelace").
fn split_name(name: &str) -> (&str, &str) {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((first, last)) => (first.trim_end(), last),
        None => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_last_word() {
        assert_eq!(split_name("Ada King Lovelace"), ("Ada King", "Lovelace"));
        assert_eq!(split_name("Cher"), ("Cher", ""));
    }
}
