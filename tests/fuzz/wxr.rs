//! The WordPress import's reader and content conversion: whatever the file, no panic and
//! memory bounded by what the file holds; entities are never expanded from a DTD (no "billion
//! laughs", no external entities read); every item's content comes out through the sanitizer
//! with the `html` target's guarantees; slugs made from item names are valid.

use newsdesk::domain::html::SafeHtml;
use newsdesk::domain::slug::Slug;
use newsdesk::wordpress::content::{self, MediaRef, Resolve};
use newsdesk::wordpress::reader::{Record, WxrReader};
use proptest::prelude::*;

use crate::driver::{Target, soup_bytes};
use crate::safe_html::check_safe;

const TOKENS: &[&str] = &[
    "<item>",
    "</item>",
    "<title>",
    "</title>",
    "<wp:post_type>post</wp:post_type>",
    "<wp:post_type>page</wp:post_type>",
    "<wp:post_type>attachment</wp:post_type>",
    "<wp:status>publish</wp:status>",
    "<wp:post_name>",
    "</wp:post_name>",
    "<content:encoded>",
    "</content:encoded>",
    "<![CDATA[",
    "]]>",
    "<wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_parent>1</wp:comment_parent>",
    "</wp:comment>",
    "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>5</wp:meta_value></wp:postmeta>",
    "<category domain=\"post_tag\" nicename=\"%e6%97%a5\">",
    "</category>",
    "[caption caption=\"x\"]",
    "[/caption]",
    "[gallery ids=\"5,6\"]",
    "[embed]",
    "[/embed]",
    "[video src=\"javascript:alert(1)\"]",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">",
    "<!-- wp:paragraph -->",
    "<!-- /wp:paragraph -->",
    "<!-- wp:core-embed/",
    "<!-- wp:embed {\"url\":\"https://youtu.be/dQw4w9WgXcQ\"} -->",
    "<!-- /wp:embed -->",
    "-->",
    "&amp;",
    "&lt;script&gt;",
    "&#0;",
    "&#x110000;",
    "&nbsp;",
    "&undefined;",
    "\n\n",
    "\n",
    "text",
    "https://old.example/a.jpg",
    "\u{0}",
    "\u{feff}",
];

const HEAD: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\" \
    xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
    xmlns:wp=\"http://wordpress.org/export/1.2/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>";

struct Site;

impl Resolve for Site {
    fn attachment(&self, wp_id: i64) -> Option<MediaRef> {
        (wp_id % 2 == 1).then(|| MediaRef {
            url: format!("/media/{wp_id}/original/a\"<b>.jpg"),
            alt: "alt \" <script>".into(),
            caption: "<img src=x onerror=alert(1)>".into(),
        })
    }
    fn attached_to(&self, parent: i64) -> Vec<MediaRef> {
        self.attachment(parent).into_iter().collect()
    }
    fn rewrite_url(&self, url: &str) -> Option<String> {
        url.strip_prefix("https://old.example").map(str::to_owned)
    }
}

/// Reads `xml` as an export and checks everything it yields.
fn check_wxr(xml: &[u8]) -> Result<(), String> {
    let mut reader = WxrReader::new(xml);
    let mut records = 0usize;
    loop {
        match reader.next_record() {
            Ok(None) | Err(_) => break,
            Ok(Some(Record::Item(item))) => {
                records += 1;
                // Nothing the reader yields is larger than the file (no entity expansion).
                let text = item.title.len() + item.content.len() + item.excerpt.len();
                if text > xml.len() {
                    return Err(format!(
                        "{text} bytes of text out of a {}-byte file",
                        xml.len()
                    ));
                }
                let converted = content::convert(&item.content, item.id, &Site);
                let safe = SafeHtml::sanitize(&converted.html);
                check_safe(safe.as_str())?;
                let slug = Slug::from_title(&item.post_name, "story");
                if Slug::parse(slug.as_str()).as_ref() != Ok(&slug) {
                    return Err(format!("invalid slug {slug} from {:?}", item.post_name));
                }
            }
            Ok(Some(_)) => records += 1,
        }
        if records > xml.len() + 1 {
            return Err("more records than bytes".into());
        }
    }
    Ok(())
}

#[test]
fn wxr_reader() {
    Target {
        name: "wxr",
        extra_seeds: vec![],
        tokens: TOKENS,
        generate: prop_oneof![
            4 => soup_bytes(TOKENS, 60).prop_map(|body| {
                let mut xml = HEAD.as_bytes().to_vec();
                xml.extend(body);
                xml.extend(b"</channel></rss>");
                xml
            }),
            1 => soup_bytes(TOKENS, 60),
            1 => prop::collection::vec(any::<u8>(), 0..400),
        ],
    }
    .run(check_wxr);
}
