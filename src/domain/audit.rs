//! What the audit log records: security-relevant events and deletions for good.

/// One kind of audited event. The stored name (`as_str`) never changes once released, so
/// old rows keep their meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    AccountAdd,
    RoleChange,
    AccountDisable,
    AccountEnable,
    PasswordReset,
    PasswordChange,
    ProfileChange,
    AccountDelete,
    StoryDelete,
    PageDelete,
    SectionDelete,
    TagDelete,
    MediaDelete,
    AppPasswordAdd,
    AppPasswordRevoke,
}

impl AuditAction {
    pub const ALL: [AuditAction; 17] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::AccountAdd,
        AuditAction::RoleChange,
        AuditAction::AccountDisable,
        AuditAction::AccountEnable,
        AuditAction::PasswordReset,
        AuditAction::PasswordChange,
        AuditAction::ProfileChange,
        AuditAction::AccountDelete,
        AuditAction::StoryDelete,
        AuditAction::PageDelete,
        AuditAction::SectionDelete,
        AuditAction::TagDelete,
        AuditAction::MediaDelete,
        AuditAction::AppPasswordAdd,
        AuditAction::AppPasswordRevoke,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::AccountAdd => "account_add",
            AuditAction::RoleChange => "role_change",
            AuditAction::AccountDisable => "account_disable",
            AuditAction::AccountEnable => "account_enable",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::PasswordChange => "password_change",
            AuditAction::ProfileChange => "profile_change",
            AuditAction::AccountDelete => "account_delete",
            AuditAction::StoryDelete => "story_delete",
            AuditAction::PageDelete => "page_delete",
            AuditAction::SectionDelete => "section_delete",
            AuditAction::TagDelete => "tag_delete",
            AuditAction::MediaDelete => "media_delete",
            AuditAction::AppPasswordAdd => "app_password_add",
            AuditAction::AppPasswordRevoke => "app_password_revoke",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// How the admin names it.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignIn => "Signed in",
            AuditAction::SignInFailed => "Failed sign-in",
            AuditAction::AccountAdd => "Account added",
            AuditAction::RoleChange => "Role changed",
            AuditAction::AccountDisable => "Account disabled",
            AuditAction::AccountEnable => "Account enabled",
            AuditAction::PasswordReset => "Password reset",
            AuditAction::PasswordChange => "Password changed",
            AuditAction::ProfileChange => "Profile changed",
            AuditAction::AccountDelete => "Account deleted",
            AuditAction::StoryDelete => "Story deleted",
            AuditAction::PageDelete => "Page deleted",
            AuditAction::SectionDelete => "Section deleted",
            AuditAction::TagDelete => "Tag deleted",
            AuditAction::MediaDelete => "Image deleted",
            AuditAction::AppPasswordAdd => "Application password created",
            AuditAction::AppPasswordRevoke => "Application password revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn names_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("nope"), None);
    }
}
