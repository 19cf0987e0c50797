//! Pure types and rules of the newsroom: no I/O, no HTTP, no SQL.

pub mod article;
pub mod html;
pub mod related;
pub mod settings;
pub mod slug;
pub mod user;
pub mod widget;
