//! The `item`s of the export: images as attachments, stories as posts, pages, menu entries as
//! `nav_menu_item`s, and comments, in the elements and order WordPress writes them.

use chrono::{DateTime, Utc};

use super::wxr::{self, NO_DATE};
use super::{Exporter, wp_approved, wp_status};
use crate::domain::article::Status;
use crate::store::export::{
    ExportComment, ExportMedia, ExportMenuItem, ExportPage, ExportStory, ExportStoryTerm,
};

/// The fields every item has.
struct Head<'a> {
    title: &'a str,
    link: String,
    creator: &'a str,
    guid: String,
    content: &'a str,
    excerpt: &'a str,
    post_id: i64,
    /// When it was (or is to be) published; `None` for a draft never given a time.
    date: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    comments_open: bool,
    name: &'a str,
    status: &'a str,
    parent: i64,
    menu_order: i64,
    post_type: &'a str,
    password: &'a str,
    sticky: bool,
}

impl Exporter {
    fn item_head(&mut self, h: &Head<'_>) {
        let tz = self.tz();
        let x = &mut self.x;
        x.open("item", &[]);
        x.text("title", h.title);
        x.text("link", &h.link);
        x.text("pubDate", &wxr::rfc2822(h.date.unwrap_or(h.created)));
        x.text("dc:creator", h.creator);
        x.text_with("guid", &[("isPermaLink", "false")], &h.guid);
        x.text("description", "");
        x.cdata("content:encoded", &[], h.content);
        x.cdata("excerpt:encoded", &[], h.excerpt);
        x.number("wp:post_id", h.post_id);
        x.text("wp:post_date", &wxr::local(h.date.unwrap_or(h.created), tz));
        // WordPress's mark of a draft whose time is set only when it is published.
        x.text("wp:post_date_gmt", &h.date.map_or(NO_DATE.into(), wxr::gmt));
        x.text("wp:post_modified", &wxr::local(h.modified, tz));
        x.text("wp:post_modified_gmt", &wxr::gmt(h.modified));
        x.text(
            "wp:comment_status",
            if h.comments_open { "open" } else { "closed" },
        );
        x.text("wp:ping_status", "closed");
        x.text("wp:post_name", h.name);
        x.text("wp:status", h.status);
        x.number("wp:post_parent", h.parent);
        x.number("wp:menu_order", h.menu_order);
        x.text("wp:post_type", h.post_type);
        x.text("wp:post_password", h.password);
        x.text("wp:is_sticky", if h.sticky { "1" } else { "0" });
    }

    /// An image of the media library as an attachment, at its public address.
    pub(super) fn image(&mut self, m: &ExportMedia) {
        let url = self.absolute(&m.url);
        let title = if m.file_name.is_empty() {
            url.rsplit('/').next().unwrap_or("")
        } else {
            m.file_name.as_str()
        };
        let title = title.rsplit_once('.').map_or(title, |(stem, _)| stem);
        self.item_head(&Head {
            title,
            link: url.clone(),
            creator: m.uploader.as_deref().unwrap_or(""),
            guid: url.clone(),
            content: "",
            excerpt: &m.caption,
            post_id: self.ids.image(m.id),
            date: Some(m.created_at),
            created: m.created_at,
            modified: m.created_at,
            comments_open: false,
            name: title,
            status: "inherit",
            parent: 0,
            menu_order: 0,
            post_type: "attachment",
            password: "",
            sticky: false,
        });
        let x = &mut self.x;
        x.text("wp:attachment_url", &url);
        // WordPress's path under its uploads folder; here, the address's path.
        let attached = m.url.strip_prefix('/').unwrap_or(&m.url);
        x.meta("_wp_attached_file", attached);
        if !m.alt_text.is_empty() {
            x.meta("_wp_attachment_image_alt", &m.alt_text);
        }
        if !m.mime_type.is_empty() {
            x.meta("_newsdesk_mime_type", &m.mime_type);
        }
        x.close("item");
        self.counts.images += 1;
    }

    /// A story as a post, without its comments and closing tag (the caller streams those).
    pub(super) fn story(&mut self, s: &ExportStory, terms: &[&ExportStoryTerm], bylines: &[&str]) {
        let date = match s.status {
            Status::Draft | Status::Pending => s.published_at,
            _ => s.published_at.or(Some(s.created_at)),
        };
        let link = self.story_link(s);
        self.counts.stories += 1;
        self.item_head(&Head {
            title: &s.title,
            link,
            creator: bylines.first().copied().unwrap_or(""),
            guid: format!("{}/?newsdesk=story-{}", self.base, s.id),
            content: &s.body,
            excerpt: &s.excerpt,
            post_id: self.ids.story(s.id),
            date,
            created: s.created_at,
            modified: s.updated_at,
            comments_open: s.comment_status == crate::domain::article::CommentStatus::Open,
            name: &s.slug,
            status: wp_status(s.status),
            parent: 0,
            menu_order: 0,
            post_type: "post",
            password: &s.password,
            sticky: s.sticky,
        });
        let x = &mut self.x;
        for t in terms {
            x.cdata(
                "category",
                &[
                    ("domain", t.taxonomy.as_str()),
                    ("nicename", t.slug.as_str()),
                ],
                &t.name,
            );
        }
        if let Some(image) = s.featured_image_id {
            x.meta("_thumbnail_id", &self.ids.image(image).to_string());
        }
        for (key, value) in [
            ("_newsdesk_credit_line", s.credit_line.as_str()),
            ("_newsdesk_source_agency", s.source_agency.as_str()),
            ("_newsdesk_source_url", s.source_url.as_str()),
        ] {
            if !value.is_empty() {
                x.meta(key, value);
            }
        }
        if let Some(embargo) = s.embargo_until {
            x.meta("_newsdesk_embargo_until", &embargo.to_rfc3339());
        }
        // WordPress has one author a post; every byline, in order, when there are several.
        if bylines.len() > 1 {
            x.meta("_newsdesk_bylines", &bylines.join(","));
        }
    }

    /// A comment, with its place in the thread.
    pub(super) fn comment(&mut self, c: &ExportComment) {
        let tz = self.tz();
        let x = &mut self.x;
        x.open("wp:comment", &[]);
        x.number("wp:comment_id", c.id);
        x.cdata("wp:comment_author", &[], &c.author_name);
        x.cdata("wp:comment_author_email", &[], &c.author_email);
        x.text("wp:comment_author_url", &c.author_url);
        x.text("wp:comment_author_IP", &c.author_ip);
        x.text("wp:comment_date", &wxr::local(c.created_at, tz));
        x.text("wp:comment_date_gmt", &wxr::gmt(c.created_at));
        x.cdata("wp:comment_content", &[], &c.body);
        x.text("wp:comment_approved", wp_approved(c.status));
        x.text("wp:comment_type", "comment");
        x.number("wp:comment_parent", c.parent_id.unwrap_or(0));
        x.number("wp:comment_user_id", c.user_id.unwrap_or(0));
        x.close("wp:comment");
        self.counts.comments += 1;
    }

    /// A static page, under its parent, with its comments.
    pub(super) fn page(&mut self, p: &ExportPage, comments: &[ExportComment]) {
        let date = match p.status {
            Status::Draft | Status::Pending => p.published_at,
            _ => p.published_at.or(Some(p.created_at)),
        };
        let link = self.page_link(p.id);
        self.counts.pages += 1;
        self.item_head(&Head {
            title: &p.title,
            link,
            creator: p.author.as_deref().unwrap_or(""),
            guid: format!("{}/?newsdesk=page-{}", self.base, p.id),
            content: &p.body,
            excerpt: &p.excerpt,
            post_id: self.ids.page(p.id),
            date,
            created: p.created_at,
            modified: p.updated_at,
            comments_open: p.comment_status == "open",
            name: &p.slug,
            status: wp_status(p.status),
            parent: p.parent_id.map_or(0, |id| self.ids.page(id)),
            menu_order: p.menu_order,
            post_type: "page",
            password: &p.password,
            sticky: false,
        });
        if let Some(image) = p.featured_image_id {
            let id = self.ids.image(image).to_string();
            self.x.meta("_thumbnail_id", &id);
        }
        for c in comments {
            self.comment(c);
        }
        self.x.close("item");
    }

    /// A menu entry, with the `_menu_item_*` fields WordPress keeps for it.
    pub(super) fn menu_item(&mut self, i: &ExportMenuItem) {
        let target = i.target_id.unwrap_or(0);
        let (kind, object, object_id) = match i.kind.as_str() {
            "category" => ("taxonomy", "category", self.ids.section(target)),
            "page" => ("post_type", "page", self.ids.page(target)),
            "article" => ("post_type", "post", self.ids.story(target)),
            _ => ("custom", "custom", self.ids.menu_item(i.id)),
        };
        let url = if kind == "custom" {
            self.absolute(&i.url)
        } else {
            String::new()
        };
        let id = self.ids.menu_item(i.id);
        self.counts.menu_items += 1;
        let now = self.now;
        self.item_head(&Head {
            title: &i.label,
            link: format!("{}/?newsdesk=menu-item-{}", self.base, i.id),
            creator: "",
            guid: format!("{}/?newsdesk=menu-item-{}", self.base, i.id),
            content: "",
            excerpt: "",
            post_id: id,
            date: Some(now),
            created: now,
            modified: now,
            comments_open: false,
            name: &id.to_string(),
            status: "publish",
            parent: 0,
            menu_order: i.position,
            post_type: "nav_menu_item",
            password: "",
            sticky: false,
        });
        let parent = i.parent_id.map_or(0, |p| self.ids.menu_item(p));
        let x = &mut self.x;
        x.cdata(
            "category",
            &[("domain", "nav_menu"), ("nicename", i.location.as_str())],
            &i.menu_name,
        );
        x.meta("_menu_item_type", kind);
        x.meta("_menu_item_menu_item_parent", &parent.to_string());
        x.meta("_menu_item_object_id", &object_id.to_string());
        x.meta("_menu_item_object", object);
        x.meta("_menu_item_target", "");
        x.meta("_menu_item_classes", "a:1:{i:0;s:0:\"\";}");
        x.meta("_menu_item_xfn", "");
        x.meta("_menu_item_url", &url);
        x.close("item");
    }
}
