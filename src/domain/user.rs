//! Newsroom accounts and their public face.

/// WordPress roles, from most to least privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Administrator,
    Editor,
    Author,
    Contributor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Editor => "editor",
            Role::Author => "author",
            Role::Contributor => "contributor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Administrator,
            Role::Editor,
            Role::Author,
            Role::Contributor,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A new account. The public slug is derived from the display name and never equals the login,
/// so author archives do not reveal sign-in names.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub email: String,
    pub display_name: String,
    /// Requested public slug; derived from the display name when absent.
    pub slug: Option<String>,
    pub bio: String,
    pub role: Role,
}
