//! WordPress ids from Newsdesk's, and WordPress's names of states (see the export's module
//! documentation for the mapping).

use crate::domain::article::Status;
use crate::domain::comment::CommentState;

/// How WordPress ids are made from Newsdesk's (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdMap {
    pub post_step: i64,
    pub term_step: i64,
}

impl IdMap {
    /// The steps for a site whose highest ids are these.
    pub fn for_ceilings(posts: i64, terms: i64) -> IdMap {
        let step = |max: i64| {
            let mut p = 1_000i64;
            while p <= max {
                p = p.saturating_mul(10);
            }
            p
        };
        IdMap {
            post_step: step(posts),
            term_step: step(terms),
        }
    }

    pub fn story(&self, id: i64) -> i64 {
        id
    }
    pub fn page(&self, id: i64) -> i64 {
        self.post_step + id
    }
    pub fn image(&self, id: i64) -> i64 {
        2 * self.post_step + id
    }
    pub fn menu_item(&self, id: i64) -> i64 {
        3 * self.post_step + id
    }
    pub fn section(&self, id: i64) -> i64 {
        id
    }
    pub fn tag(&self, id: i64) -> i64 {
        self.term_step + id
    }
    pub fn menu(&self, id: i64) -> i64 {
        2 * self.term_step + id
    }
}

/// WordPress's name of a state (`wp:status`).
pub fn wp_status(status: Status) -> &'static str {
    match status {
        Status::Published => "publish",
        Status::Scheduled => "future",
        Status::Draft => "draft",
        Status::Pending => "pending",
        Status::Private => "private",
        Status::Trash => "trash",
    }
}

/// WordPress's `comment_approved` for a comment's state.
pub fn wp_approved(state: CommentState) -> &'static str {
    match state {
        CommentState::Approved => "1",
        CommentState::Pending => "0",
        CommentState::Spam => "spam",
        CommentState::Trash => "trash",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_each_kind_never_meet() {
        let ids = IdMap::for_ceilings(999, 5);
        assert_eq!(ids.post_step, 1_000);
        assert_eq!(
            (ids.story(999), ids.page(1), ids.image(7)),
            (999, 1_001, 2_007)
        );
        assert_eq!(ids.menu_item(3), 3_003);
        let ids = IdMap::for_ceilings(1_000, 12_345);
        assert_eq!(ids.post_step, 10_000);
        assert_eq!(ids.term_step, 100_000);
        assert_eq!((ids.tag(1), ids.menu(1)), (100_001, 200_001));
    }

    #[test]
    fn states_take_wordpress_names() {
        assert_eq!(wp_status(Status::Scheduled), "future");
        assert_eq!(wp_status(Status::Published), "publish");
        assert_eq!(wp_approved(CommentState::Pending), "0");
        assert_eq!(wp_approved(CommentState::Spam), "spam");
    }
}
