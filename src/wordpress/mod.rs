//! WordPress migration: reading WXR exports and converting WordPress content. The import's
//! writes are in `actions::import`.

pub mod content;
pub mod reader;
