//! What every signed-in admin page shows around its content: the site, the navigation the
//! person's role allows, who is signed in, and a one-time message.

use axum::response::Html;

use super::Signed;
use crate::AppState;
use crate::domain::user::{Capability, Staff};
use crate::error::AppError;

#[derive(Debug, serde::Serialize)]
pub struct NavItem {
    pub key: &'static str,
    pub label: &'static str,
    pub href: &'static str,
}

/// The admin's sections, and who sees them.
const NAV: &[(&str, &str, &str, Option<Capability>)] = &[
    ("dashboard", "Dashboard", "/admin/", None),
    ("stories", "Stories", "/admin/stories", None),
    ("new-story", "New story", "/admin/stories/new", None),
    (
        "pages",
        "Pages",
        "/admin/pages",
        Some(Capability::ManagePages),
    ),
    (
        "media",
        "Media",
        "/admin/media",
        Some(Capability::UploadMedia),
    ),
    (
        "comments",
        "Comments",
        "/admin/comments",
        Some(Capability::ModerateComments),
    ),
    (
        "sections",
        "Sections & tags",
        "/admin/sections",
        Some(Capability::ManageTaxonomy),
    ),
    (
        "widgets",
        "Widgets",
        "/admin/widgets",
        Some(Capability::ManageAppearance),
    ),
    (
        "menus",
        "Menus",
        "/admin/menus",
        Some(Capability::ManageAppearance),
    ),
    (
        "users",
        "People",
        "/admin/users",
        Some(Capability::ManageUsers),
    ),
    (
        "settings",
        "Settings",
        "/admin/settings",
        Some(Capability::ManageSettings),
    ),
    (
        "audit",
        "Audit log",
        "/admin/audit",
        Some(Capability::ManageUsers),
    ),
    (
        "tools",
        "Tools",
        "/admin/tools",
        Some(Capability::SiteTools),
    ),
];

/// The frame of one admin page.
#[derive(Debug, serde::Serialize)]
pub struct Frame {
    pub title: String,
    pub current: &'static str,
    pub site_title: String,
    pub csrf: String,
    pub me: Staff,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

impl Frame {
    pub async fn new(
        state: &AppState,
        signed: &Signed,
        title: &str,
        current: &'static str,
    ) -> Result<Frame, AppError> {
        // The site's title comes from the snapshot public pages use, not a query per page.
        let chrome = state.chrome_cache().get(state).await?;
        Ok(Frame {
            title: title.to_owned(),
            current,
            site_title: chrome.settings.title.clone(),
            csrf: signed.csrf.clone(),
            me: signed.staff.clone(),
            nav: NAV
                .iter()
                .filter(|(_, _, _, cap)| cap.is_none_or(|c| signed.staff.can(c)))
                .map(|&(key, label, href, _)| NavItem { key, label, href })
                .collect(),
            flash: signed.flash.clone(),
        })
    }

    /// Renders `template` with this frame as `frame` and the page's own values.
    pub fn render(
        &self,
        state: &AppState,
        template: &str,
        page: minijinja::Value,
    ) -> Result<Html<String>, AppError> {
        let ctx = minijinja::context! { frame => self, ..page };
        Ok(Html(state.admin_ui().render(template, ctx)?))
    }
}
