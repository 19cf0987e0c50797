//! Pure types and rules of the newsroom: no I/O, no HTTP, no SQL.

pub mod article;
pub mod audit;
pub mod comment;
pub mod diff;
pub mod html;
pub mod markdown;
pub mod media;
pub mod password;
pub mod related;
pub mod search;
pub mod settings;
pub mod slug;
pub mod token;
pub mod user;
pub mod widget;
