//! Moving a site between WordPress and Newsdesk.

pub mod export;
