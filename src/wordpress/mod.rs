//! Moving a site between WordPress and Newsdesk: reading WXR exports and converting WordPress
//! content (the import's writes are in `actions::import`), and writing the site as WXR.

pub mod content;
pub mod export;
pub mod reader;
