//! The integration tests: the real router on a fresh database per test, on SQLite and (when
//! `NEWSDESK_TEST_POSTGRES_URL` is set) PostgreSQL; the real binary for the command line; and
//! headless Chromium for browser behaviour. Modules mirror `src/web`.

#[macro_use]
mod support;

mod accounts;
mod admin_app_passwords;
mod admin_audit;
mod admin_auth;
mod admin_auth_flood;
mod admin_moderation;
mod admin_pages;
mod admin_stories;
mod admin_structure;
mod api;
mod api_people;
mod api_write;
mod archives;
mod article;
mod browser;
mod cli;
mod comments;
mod compression;
mod deadline;
mod edge;
mod embeds;
mod export;
mod export_cli;
mod export_sites;
mod feeds;
mod hardening_links;
mod hardening_rules;
mod hardening_throttle;
mod home;
mod import;
mod legacy_urls;
mod lost_update;
mod media;
mod metrics;
mod nodes;
mod page_cache;
mod page_comments;
mod pictures;
mod profiles;
mod protected_posts;
mod purge;
mod search;
mod seo;
mod sitemaps;
mod smtp;
mod store;
mod themes;
mod unreadable_forms;
mod widgets;
mod write_refusals;
