//! Which story or page a comment belongs to.

/// What a comment belongs to: a story or a static page (`comments.article_id` or
/// `comments.page_id`, exactly one of them set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Thread {
    Story(i64),
    Page(i64),
}

impl Thread {
    /// The column naming the owner (one of two fixed names, never reader input).
    pub(super) fn column(self) -> &'static str {
        match self {
            Thread::Story(_) => "article_id",
            Thread::Page(_) => "page_id",
        }
    }

    /// The story's or page's id.
    pub fn id(self) -> i64 {
        match self {
            Thread::Story(id) | Thread::Page(id) => id,
        }
    }

    /// The thread of a stored comment (a page when it has a page id).
    pub fn of(article_id: Option<i64>, page_id: Option<i64>) -> Thread {
        match (article_id, page_id) {
            (_, Some(page)) => Thread::Page(page),
            (story, None) => Thread::Story(story.unwrap_or(0)),
        }
    }

    /// A short address that leads to the story or page (`/?p=ID`, `/?page_id=ID`).
    pub fn short_link(self) -> String {
        match self {
            Thread::Story(id) => format!("/?p={id}"),
            Thread::Page(id) => format!("/?page_id={id}"),
        }
    }

    /// "story" or "page", for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Thread::Story(_) => "story",
            Thread::Page(_) => "page",
        }
    }

    pub(super) fn story_id(self) -> Option<i64> {
        match self {
            Thread::Story(id) => Some(id),
            Thread::Page(_) => None,
        }
    }

    pub(super) fn page_id(self) -> Option<i64> {
        match self {
            Thread::Page(id) => Some(id),
            Thread::Story(_) => None,
        }
    }
}
