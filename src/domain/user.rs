//! Newsroom accounts and their public face.

/// WordPress roles, from most to least privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An email address as stored and compared: without surrounding space, in lower case (the
/// whole address: no mail system in practice tells `Ann@` from `ann@`), so one address cannot
/// be on two accounts in different spellings.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
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

/// Something a role may do. Which roles may do what follows WordPress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Write stories and edit one's own drafts and stories waiting for review.
    WriteDrafts,
    /// Publish and schedule one's own stories, and edit them once published.
    PublishOwn,
    /// Upload images to the media library.
    UploadMedia,
    /// Edit, publish, unpublish and delete anyone's stories.
    EditOthers,
    /// Sections and tags.
    ManageTaxonomy,
    /// Static pages (About, Contact, Privacy…): write, publish, unpublish and delete any of
    /// them. WordPress gives authors and contributors no rights over pages.
    ManagePages,
    /// Widget areas and navigation menus.
    ManageAppearance,
    /// Approve, edit, reply to, spam and trash readers' comments.
    ModerateComments,
    /// Invite people, change their roles, disable accounts.
    ManageUsers,
    /// Site settings: title, tagline, time zone, comment policy…
    ManageSettings,
    /// Tools on the whole site: the export, which holds every account's email and every
    /// commenter's address.
    SiteTools,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Editor,
        Role::Author,
        Role::Contributor,
    ];

    pub fn can(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Administrator => true,
            Role::Editor => !matches!(capability, ManageUsers | ManageSettings | SiteTools),
            Role::Author => matches!(capability, WriteDrafts | PublishOwn | UploadMedia),
            Role::Contributor => matches!(capability, WriteDrafts),
        }
    }

    /// The role's name as the admin shows it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Editor => "Editor",
            Role::Author => "Author",
            Role::Contributor => "Contributor",
        }
    }
}

/// A signed-in member of the newsroom, as every admin action sees them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Staff {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

impl Staff {
    pub fn can(&self, capability: Capability) -> bool {
        self.role.can(capability)
    }

    /// Whether this person may open and change a story, given its bylines and state.
    /// Contributors keep their own stories until they are published or scheduled; authors
    /// keep their own for good; editors and administrators edit everyone's.
    pub fn can_edit_story(&self, author_ids: &[i64], status: super::article::Status) -> bool {
        use super::article::Status;
        if self.can(Capability::EditOthers) {
            return true;
        }
        if !author_ids.contains(&self.id) {
            return false;
        }
        if self.can(Capability::PublishOwn) {
            return true;
        }
        matches!(status, Status::Draft | Status::Pending)
    }

    /// Whether this person may change or delete a library item uploaded by `uploaded_by`:
    /// authors their own uploads, editors and administrators everyone's (also items whose
    /// uploader is unknown).
    pub fn can_edit_media(&self, uploaded_by: Option<i64>) -> bool {
        self.can(Capability::EditOthers)
            || (self.can(Capability::UploadMedia) && uploaded_by == Some(self.id))
    }

    /// Whether this person may publish, schedule, unpublish or make private this story.
    pub fn can_publish_story(&self, author_ids: &[i64]) -> bool {
        self.can(Capability::EditOthers)
            || (self.can(Capability::PublishOwn) && author_ids.contains(&self.id))
    }
}

stored_name!(Role, "role");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::article::Status;

    fn staff(id: i64, role: Role) -> Staff {
        Staff {
            id,
            login: format!("u{id}"),
            display_name: format!("User {id}"),
            email: String::new(),
            role,
        }
    }

    #[test]
    fn roles_follow_wordpress() {
        use Capability::*;
        let table = [
            (Role::Contributor, vec![WriteDrafts]),
            (Role::Author, vec![WriteDrafts, PublishOwn, UploadMedia]),
            (
                Role::Editor,
                vec![
                    WriteDrafts,
                    PublishOwn,
                    UploadMedia,
                    EditOthers,
                    ManageTaxonomy,
                    ManagePages,
                    ManageAppearance,
                    ModerateComments,
                ],
            ),
        ];
        let every = [
            WriteDrafts,
            PublishOwn,
            UploadMedia,
            EditOthers,
            ManageTaxonomy,
            ManagePages,
            ManageAppearance,
            ModerateComments,
            ManageUsers,
            ManageSettings,
            SiteTools,
        ];
        for (role, allowed) in table {
            for cap in every {
                assert_eq!(role.can(cap), allowed.contains(&cap), "{role:?} {cap:?}");
            }
        }
        assert!(every.iter().all(|c| Role::Administrator.can(*c)));
    }

    #[test]
    fn story_ownership() {
        let contributor = staff(1, Role::Contributor);
        assert!(contributor.can_edit_story(&[1], Status::Draft));
        assert!(contributor.can_edit_story(&[2, 1], Status::Pending));
        assert!(!contributor.can_edit_story(&[1], Status::Published));
        assert!(!contributor.can_edit_story(&[1], Status::Scheduled));
        assert!(!contributor.can_edit_story(&[2], Status::Draft));
        assert!(!contributor.can_publish_story(&[1]));
        let author = staff(3, Role::Author);
        assert!(author.can_edit_story(&[3], Status::Published));
        assert!(!author.can_edit_story(&[1], Status::Draft));
        assert!(author.can_publish_story(&[3]));
        assert!(!author.can_publish_story(&[1]));
        let editor = staff(4, Role::Editor);
        assert!(editor.can_edit_story(&[1], Status::Published));
        assert!(editor.can_publish_story(&[1]));
    }

    #[test]
    fn media_ownership() {
        let contributor = staff(1, Role::Contributor);
        assert!(!contributor.can_edit_media(Some(1)));
        let author = staff(3, Role::Author);
        assert!(author.can_edit_media(Some(3)));
        assert!(!author.can_edit_media(Some(4)));
        assert!(!author.can_edit_media(None));
        for role in [Role::Editor, Role::Administrator] {
            assert!(staff(4, role).can_edit_media(Some(3)));
            assert!(staff(4, role).can_edit_media(None));
        }
    }
}
