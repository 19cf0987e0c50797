//! Pure types and rules of the newsroom: no I/O, no HTTP, no SQL.

/// A state stored by its name (`status = 'published'`): read back into the enum where rows
/// leave the store (`#[sqlx(try_from = "String")]`), so nothing past `store/` compares
/// strings, and an unknown name is an error there rather than a silent default.
macro_rules! stored_name {
    ($type:ty, $what:literal) => {
        impl TryFrom<String> for $type {
            type Error = String;
            fn try_from(name: String) -> Result<$type, String> {
                <$type>::parse(&name).ok_or_else(|| format!("unknown {} {name:?}", $what))
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod address;
pub mod article;
pub mod audit;
pub mod comment;
pub mod diff;
pub mod embed;
pub mod html;
pub mod legacy;
pub mod markdown;
pub mod media;
pub mod password;
pub mod postpass;
pub mod related;
pub mod search;
pub mod settings;
pub mod slug;
pub mod token;
pub mod user;
pub mod widget;
