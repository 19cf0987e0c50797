//! Comments: the public submission with its rules, and every moderation action.

use chrono::{DateTime, Duration, Utc};

use super::{ActionError, Result};
use crate::domain::article::CommentStatus;
use crate::domain::comment::{CommentForm, CommentState, Signals, assess};
use crate::domain::settings::SiteSettings;
use crate::domain::token::verify_comment_form_token;
use crate::domain::user::{Capability, Staff};
use crate::notify::{Email, Notifier};
use crate::store::Store;
use crate::store::comments::{
    CommentContent, CommentTarget, LimitProbe, ModerationComment, NewComment,
};
use crate::store::thread::Thread;

/// The window the per-IP and per-email limits count over.
pub const RATE_WINDOW_MINUTES: i64 = 10;

/// The name a moderation action is logged under.
#[derive(Debug, Clone)]
struct LogName {
    /// The staff account, when there is one.
    pub user_id: Option<i64>,
    /// A name for the log ("Helena Varga", "newsdesk CLI").
    pub name: String,
}

/// Fresh random text for tokens and secrets (128 bits, hex).
pub fn random_token() -> String {
    let mut buf = [0u8; 16];
    getrandom::fill(&mut buf).expect("the operating system's random number generator");
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in buf {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// Where a comment submission came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub user_agent: String,
    /// Sent by an app through the REST API rather than the site's form (see
    /// `Signals::through_api`).
    pub through_api: bool,
}

/// A stored comment, as the submitter should learn of it.
#[derive(Debug, Clone)]
pub struct Posted {
    pub id: i64,
    pub state: CommentState,
    /// Lets this browser see its own held comment.
    pub moderation_token: String,
    pub target: CommentTarget,
    pub remember: bool,
    pub author: String,
    pub email: String,
    pub url: String,
}

/// Whether a story takes comments now: open, and not older than the auto-close setting.
pub fn comments_open(
    target_status: CommentStatus,
    published_at: DateTime<Utc>,
    settings: &SiteSettings,
    now: DateTime<Utc>,
) -> bool {
    target_status == CommentStatus::Open
        && (settings.comment_close_days == 0
            || now - published_at < Duration::days(i64::from(settings.comment_close_days)))
}

/// Applies every rule to a submitted comment form and stores the comment as approved, held for
/// moderation, or spam. Refusals that the reader can fix come back as field errors.
pub async fn submit(
    store: &Store,
    settings: &SiteSettings,
    secret: &[u8],
    form: &CommentForm,
    origin: &Origin,
    notifier: &Notifier,
    now: DateTime<Utc>,
) -> Result<Posted> {
    let draft = form.parse().map_err(ActionError::Fields)?;
    let target = if draft.on_page {
        store.page_comment_target(draft.article_id).await?
    } else {
        store.comment_target(draft.article_id, now).await?
    };
    let target = target.ok_or_else(|| {
        ActionError::NotFound(format!(
            "This {} does not exist or is not published, so it cannot take comments.",
            if draft.on_page { "page" } else { "story" }
        ))
    })?;
    let thread = target.thread();
    if !comments_open(target.comment_status, target.published_at, settings, now) {
        return Err(ActionError::Forbidden("Comments are closed.".into()));
    }
    if let Some(parent_id) = draft.parent_id {
        let parent = store.comment(parent_id).await?;
        let ok = parent
            .as_ref()
            .is_some_and(|p| p.thread() == thread && p.status == CommentState::Approved);
        if !ok {
            return Err(fields(
                "comment_parent",
                &format!(
                    "The comment you are replying to does not exist on this {}.",
                    thread.noun()
                ),
            ));
        }
        if store.comment_depth(parent_id).await? >= i64::from(settings.thread_depth) {
            return Err(fields(
                "comment_parent",
                &format!(
                    "Replies can be nested at most {} levels deep; please reply further up the thread.",
                    settings.thread_depth
                ),
            ));
        }
    }
    let since = now - Duration::minutes(RATE_WINDOW_MINUTES);
    let limit = i64::from(settings.comment_rate_limit);
    let probe = LimitProbe {
        thread,
        ip: &origin.ip,
        email: &draft.email,
        author: &draft.author,
        body: &draft.text,
        since,
    };
    // A cheap look first, without the write lock, turns a flood away early…
    let limits = store.comment_limits(&probe).await?;
    if limits.by_ip >= limit || limits.by_email >= limit {
        return Err(rate_limited(store, origin, &draft.email, since, now).await);
    }
    if limits.duplicates > 0 {
        return Err(duplicate());
    }
    let signals = Signals {
        honeypot_filled: !form.nd_website_confirm.trim().is_empty(),
        seconds_on_form: verify_comment_form_token(secret, target.id, &form.nd_form_token)
            .map(|issued| now.timestamp() - issued)
            .filter(|s| *s >= 0),
        through_api: origin.through_api,
        known_commenter: store.has_approved_comment(&draft.email).await?,
    };
    let verdict = assess(&draft, &signals, &settings.comment_rules());
    let moderation_token = random_token();
    // Reply notifications exist only where email can be sent.
    let subscribe = draft.subscribe_replies && notifier.enabled();
    let notify_token = if subscribe {
        random_token()
    } else {
        String::new()
    };
    let reasons = verdict.reasons.join("; ");
    let mut tx = store.begin().await?;
    // …and the same checks inside the write transaction make the limits exact when many
    // submissions arrive at once.
    let limits = Store::comment_limits_in(&mut tx, &probe).await?;
    if limits.by_ip >= limit || limits.by_email >= limit {
        drop(tx);
        return Err(rate_limited(store, origin, &draft.email, since, now).await);
    }
    if limits.duplicates > 0 {
        return Err(duplicate());
    }
    let id = Store::insert_comment(
        &mut tx,
        &NewComment {
            thread,
            parent_id: draft.parent_id,
            user_id: None,
            author_name: &draft.author,
            author_email: &draft.email,
            author_url: &draft.url,
            author_ip: &origin.ip,
            user_agent: &origin.user_agent,
            body: &draft.text,
            status: verdict.state.as_str(),
            spam_score: verdict.score,
            spam_reasons: &reasons,
            moderation_token: &moderation_token,
            notify_replies: if subscribe { "requested" } else { "no" },
            notify_token: &notify_token,
            created_at: now,
        },
    )
    .await?;
    Store::log_comment_action(
        &mut tx,
        id,
        "submitted",
        None,
        &draft.author,
        verdict.state.as_str(),
        now,
    )
    .await?;
    // A held or spam comment is bookkeeping (nothing is purged); an approved one shows on its
    // story or page and in the comment counts of its teasers.
    tx.touch([thread_key(thread)]);
    tx.commit().await?;
    if notifier.enabled() {
        // The comment is saved: a failure to prepare its emails is logged, not the reader's problem.
        let notified = async {
            match store.comment(id).await? {
                Some(stored) => notify_new_comment(store, notifier, &stored, &target.title).await,
                None => Ok(()),
            }
        };
        if let Err(e) = notified.await {
            tracing::warn!(comment = id, error = %e, "cannot send the new comment's notifications");
        }
    }
    Ok(Posted {
        id,
        state: verdict.state,
        moderation_token,
        target,
        remember: draft.remember,
        author: draft.author,
        email: draft.email,
        url: draft.url,
    })
}

/// The purge key of what a comment thread belongs to: its comments show there, and (for a
/// story) their count in every teaser of it (see `store::purge`).
fn thread_key(thread: Thread) -> String {
    match thread {
        Thread::Story(id) => crate::store::purge::comments(id),
        Thread::Page(id) => crate::store::purge::page(id),
    }
}

fn duplicate() -> ActionError {
    ActionError::Conflict(
        "Duplicate comment detected; it looks as though you’ve already said that!".into(),
    )
}

/// The refusal for a sender over the limit, with when they may try again.
async fn rate_limited(
    store: &Store,
    origin: &Origin,
    email: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ActionError {
    let oldest = match store.oldest_recent_comment(&origin.ip, email, since).await {
        Ok(t) => t.unwrap_or(now),
        Err(e) => return e.into(),
    };
    let retry = (oldest + Duration::minutes(RATE_WINDOW_MINUTES) - now)
        .num_seconds()
        .max(1) as u64;
    ActionError::RateLimited {
        retry_after_secs: retry,
    }
}

fn fields(field: &'static str, message: &str) -> ActionError {
    ActionError::Fields([(field, message.to_owned())].into_iter().collect())
}

/// A moderation decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Unapprove,
    Spam,
    NotSpam,
    Trash,
    Restore,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Approve => "approve",
            Moderation::Unapprove => "unapprove",
            Moderation::Spam => "spam",
            Moderation::NotSpam => "not_spam",
            Moderation::Trash => "trash",
            Moderation::Restore => "restore",
        }
    }

    pub fn parse(s: &str) -> Option<Moderation> {
        use Moderation::*;
        [Approve, Unapprove, Spam, NotSpam, Trash, Restore]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Applies a moderation decision and records it. Trash and spam remember the state they came
/// from, so restore and not-spam put the comment back where it was. Unchecked: the `_as`
/// actions below check the role first.
async fn moderate(
    store: &Store,
    notifier: &Notifier,
    id: i64,
    action: Moderation,
    actor: &LogName,
    now: DateTime<Utc>,
) -> Result<CommentState> {
    let comment = store
        .comment(id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such comment.".into()))?;
    let current = comment.status;
    let previous = || async {
        let log = store.comment_log(id).await?;
        let from = log
            .iter()
            .rev()
            .find(|e| e.action == "trash" || e.action == "spam")
            .and_then(|e| CommentState::parse(&e.detail))
            .filter(|s| !matches!(s, CommentState::Trash | CommentState::Spam));
        Ok::<_, ActionError>(from.unwrap_or(CommentState::Pending))
    };
    let (next, detail) = match action {
        Moderation::Approve => (CommentState::Approved, String::new()),
        Moderation::Unapprove => (CommentState::Pending, String::new()),
        Moderation::Spam | Moderation::Trash => {
            let next = if action == Moderation::Spam {
                CommentState::Spam
            } else {
                CommentState::Trash
            };
            (next, current.as_str().to_owned())
        }
        Moderation::NotSpam if current == CommentState::Spam => (previous().await?, String::new()),
        Moderation::Restore if current == CommentState::Trash => (previous().await?, String::new()),
        Moderation::NotSpam | Moderation::Restore => {
            return Err(ActionError::Conflict(format!(
                "The comment is {}, not {}.",
                current.as_str(),
                if action == Moderation::NotSpam {
                    "spam"
                } else {
                    "in the trash"
                }
            )));
        }
    };
    let mut tx = store.begin().await?;
    tx.touch([thread_key(comment.thread())]);
    Store::set_comment_status(&mut tx, id, next.as_str()).await?;
    Store::log_comment_action(
        &mut tx,
        id,
        action.as_str(),
        actor.user_id,
        &actor.name,
        &detail,
        now,
    )
    .await?;
    tx.commit().await?;
    if next == CommentState::Approved
        && current != CommentState::Approved
        && let Err(e) = notify_reply(store, notifier, &comment).await
    {
        tracing::warn!(comment = id, error = %e, "cannot send the reply notification");
    }
    Ok(next)
}

/// Deletes a comment for good; its replies move up a level. The log keeps the record.
async fn delete(store: &Store, id: i64, actor: &LogName, now: DateTime<Utc>) -> Result<()> {
    let mut tx = store.begin().await?;
    if Store::delete_comment(&mut tx, id).await? == 0 {
        return Err(ActionError::NotFound("No such comment.".into()));
    }
    Store::log_comment_action(&mut tx, id, "delete", actor.user_id, &actor.name, "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// A staff reply, published at once under the staff member's name.
async fn reply_as_staff(
    store: &Store,
    notifier: &Notifier,
    parent_id: i64,
    staff: &crate::store::users::StaffMember,
    text: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let parent = store
        .comment(parent_id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such comment.".into()))?;
    let text = text.trim().replace("\r\n", "\n");
    if text.is_empty() {
        return Err(fields("comment", "A reply cannot be empty."));
    }
    if text.len() > crate::domain::comment::MAX_COMMENT_BYTES {
        return Err(fields("comment", "The reply is too long."));
    }
    let mut tx = store.begin().await?;
    tx.touch([thread_key(parent.thread())]);
    let id = Store::insert_comment(
        &mut tx,
        &NewComment {
            thread: parent.thread(),
            parent_id: Some(parent_id),
            user_id: Some(staff.id),
            author_name: &staff.display_name,
            author_email: &staff.email,
            author_url: "",
            author_ip: "",
            user_agent: "",
            body: &text,
            status: "approved",
            spam_score: 0,
            spam_reasons: "",
            moderation_token: "",
            notify_replies: "no",
            notify_token: "",
            created_at: now,
        },
    )
    .await?;
    Store::log_comment_action(
        &mut tx,
        id,
        "reply",
        Some(staff.id),
        &staff.display_name,
        &parent_id.to_string(),
        now,
    )
    .await?;
    tx.commit().await?;
    if let Ok(Some(reply)) = store.comment(id).await
        && let Err(e) = notify_reply(store, notifier, &reply).await
    {
        tracing::warn!(comment = id, error = %e, "cannot send the reply notification");
    }
    Ok(id)
}

impl LogName {
    /// How the moderation log records someone acting through the newsroom or the command line.
    fn of(by: super::Actor<'_>) -> LogName {
        match by {
            super::Actor::Operator => LogName {
                user_id: None,
                name: "newsdesk CLI".into(),
            },
            super::Actor::Staff(s) => LogName {
                user_id: Some(s.id),
                name: s.display_name.clone(),
            },
        }
    }
}

// The newsroom's moderation: the actions above, for someone whose role allows moderating.

/// Applies a moderation decision if `by` may moderate comments.
pub async fn moderate_as(
    store: &Store,
    notifier: &Notifier,
    by: super::Actor<'_>,
    id: i64,
    action: Moderation,
    now: DateTime<Utc>,
) -> Result<CommentState> {
    by.require(Capability::ModerateComments)?;
    moderate(store, notifier, id, action, &LogName::of(by), now).await
}

/// Deletes a comment for good if `by` may moderate comments. Only spam and trashed comments
/// can be deleted, so nothing published disappears in one click.
pub async fn delete_as(
    store: &Store,
    by: super::Actor<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    by.require(Capability::ModerateComments)?;
    let comment = store
        .comment(id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such comment.".into()))?;
    if !matches!(comment.status, CommentState::Spam | CommentState::Trash) {
        return Err(ActionError::Conflict(
            "Only spam and trashed comments can be deleted permanently; move it to the trash first."
                .into(),
        ));
    }
    delete(store, id, &LogName::of(by), now).await
}

/// What a bulk action does to each selected comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Moderate(Moderation),
    Delete,
}

/// Applies one action to many comments; returns how many it changed. Comments the action does
/// not fit (restoring one that is not in the trash, deleting a published one) or that no longer
/// exist are left as they are.
pub async fn moderate_many_as(
    store: &Store,
    notifier: &Notifier,
    by: super::Actor<'_>,
    ids: &[i64],
    action: Bulk,
    now: DateTime<Utc>,
) -> Result<usize> {
    by.require(Capability::ModerateComments)?;
    let mut done = 0;
    for &id in ids {
        let result = match action {
            Bulk::Moderate(m) => moderate_as(store, notifier, by, id, m, now).await.map(drop),
            Bulk::Delete => delete_as(store, by, id, now).await,
        };
        match result {
            Ok(()) => done += 1,
            Err(ActionError::NotFound(_) | ActionError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// A moderator's correction of a comment: who wrote it and what it says.
#[derive(Debug, Clone, Default)]
pub struct CommentEdit {
    pub author: String,
    pub email: String,
    pub url: String,
    pub text: String,
}

/// Corrects a comment's author, email, website and text under the same rules as the public
/// comment form (the text stays plain text). Field errors use the form's field names.
pub async fn edit_as(
    store: &Store,
    by: super::Actor<'_>,
    id: i64,
    edit: &CommentEdit,
    now: DateTime<Utc>,
) -> Result<()> {
    by.require(Capability::ModerateComments)?;
    let comment = store
        .comment(id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such comment.".into()))?;
    let draft = CommentForm {
        comment: edit.text.clone(),
        author: edit.author.clone(),
        email: edit.email.clone(),
        url: edit.url.clone(),
        // Any id passes the form's check: the comment keeps its story or page.
        post_id: comment.thread().id().max(1).to_string(),
        ..Default::default()
    }
    .parse()
    .map_err(ActionError::Fields)?;
    let actor = LogName::of(by);
    let mut tx = store.begin().await?;
    tx.touch([thread_key(comment.thread())]);
    let content = CommentContent {
        author_name: &draft.author,
        author_email: &draft.email,
        author_url: &draft.url,
        body: &draft.text,
    };
    if Store::set_comment_content(&mut tx, id, &content, now).await? == 0 {
        return Err(ActionError::NotFound("No such comment.".into()));
    }
    Store::log_comment_action(&mut tx, id, "edit", actor.user_id, &actor.name, "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// A reply from the signed-in staff member, published at once under their name and threaded
/// under `parent_id`, within the site's thread depth. Replying to a comment still waiting for
/// moderation approves it first, so the reply never hangs under a hidden comment.
pub async fn reply_as(
    store: &Store,
    notifier: &Notifier,
    settings: &SiteSettings,
    staff: &Staff,
    parent_id: i64,
    text: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    let by = super::Actor::Staff(staff);
    by.require(Capability::ModerateComments)?;
    let parent = store
        .comment(parent_id)
        .await?
        .ok_or_else(|| ActionError::NotFound("No such comment.".into()))?;
    if matches!(parent.status, CommentState::Spam | CommentState::Trash) {
        return Err(ActionError::Conflict(
            "This comment is not published; restore it before replying.".into(),
        ));
    }
    if text.trim().is_empty() {
        return Err(fields("comment", "A reply cannot be empty."));
    }
    if store.comment_depth(parent_id).await? >= i64::from(settings.thread_depth) {
        return Err(fields(
            "comment",
            &format!(
                "Replies can be nested at most {} levels deep; reply to a comment further up the thread.",
                settings.thread_depth
            ),
        ));
    }
    if parent.status == CommentState::Pending {
        moderate_as(store, notifier, by, parent_id, Moderation::Approve, now).await?;
    }
    let member = crate::store::users::StaffMember {
        id: staff.id,
        display_name: staff.display_name.clone(),
        email: staff.email.clone(),
        role: staff.role,
    };
    reply_as_staff(store, notifier, parent_id, &member, text, now).await
}

/// Confirms (double opt-in) or ends a reply subscription by its emailed token.
pub async fn set_reply_subscription(
    store: &Store,
    token: &str,
    subscribe: bool,
    now: DateTime<Utc>,
) -> Result<i64> {
    let comment = store
        .comment_by_notify_token(token)
        .await?
        .ok_or_else(|| ActionError::NotFound("This link is not valid (any more).".into()))?;
    let state = if subscribe {
        "confirmed"
    } else {
        "unsubscribed"
    };
    let mut tx = store.begin().await?;
    Store::set_comment_notify(&mut tx, comment.id, state).await?;
    Store::log_comment_action(
        &mut tx,
        comment.id,
        state,
        None,
        &comment.author_name,
        "",
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(comment.id)
}

/// Emails about a new comment: the moderators when it waits for them, the commenter to confirm
/// a reply subscription (double opt-in), and the parent's subscriber when it is already published.
async fn notify_new_comment(
    store: &Store,
    notifier: &Notifier,
    c: &ModerationComment,
    title: &str,
) -> Result<()> {
    let thread = c.thread();
    let link = notifier.link(&format!("{}#comment-{}", thread.short_link(), c.id));
    let noun = if thread.noun() == "page" {
        "Page"
    } else {
        "Story"
    };
    if c.status == CommentState::Pending {
        let mut body = format!(
            "A new comment on “{title}” is waiting for moderation.\n\nAuthor: {} <{}>\nWebsite: {}\nAddress: {}\n",
            c.author_name,
            c.author_email,
            if c.author_url.is_empty() {
                "-"
            } else {
                &c.author_url
            },
            c.author_ip
        );
        if !c.spam_reasons.is_empty() {
            body.push_str(&format!("Held because: {}\n", c.spam_reasons));
        }
        body.push_str(&format!("\n{}\n\n{noun}: {link}\n", c.body));
        for to in store.comment_moderator_emails(thread).await? {
            notifier.send(Email {
                to,
                subject: format!("Comment awaiting moderation: {title}"),
                body: body.clone(),
                unsubscribe: None,
            });
        }
    }
    if c.notify_replies == "requested" && !c.notify_token.is_empty() {
        let confirm = notifier.link(&format!(
            "/comments/subscription?action=confirm&token={}",
            c.notify_token
        ));
        notifier.send(Email {
            to: c.author_email.clone(),
            subject: format!("Confirm reply notifications for “{title}”"),
            body: format!(
                "You asked to be told by email when someone replies to your comment on “{title}”.\n\n\
                 Confirm here: {confirm}\n\nIf you did not ask for this, ignore this email: nothing will be sent.\n"
            ),
            unsubscribe: None,
        });
    }
    if c.status == CommentState::Approved {
        notify_reply(store, notifier, c).await?;
    }
    Ok(())
}

/// Tells the author of the comment replied to, if they confirmed reply notifications.
async fn notify_reply(store: &Store, notifier: &Notifier, reply: &ModerationComment) -> Result<()> {
    if !notifier.enabled() {
        return Ok(());
    }
    let Some(parent_id) = reply.parent_id else {
        return Ok(());
    };
    let Some(parent) = store.comment(parent_id).await? else {
        return Ok(());
    };
    if parent.notify_replies != "confirmed"
        || parent.author_email == reply.author_email
        || parent.notify_token.is_empty()
    {
        return Ok(());
    }
    let link = notifier.link(&format!(
        "{}#comment-{}",
        reply.thread().short_link(),
        reply.id
    ));
    let unsubscribe = notifier.link(&format!(
        "/comments/subscription?action=unsubscribe&token={}",
        parent.notify_token
    ));
    notifier.send(Email {
        to: parent.author_email.clone(),
        subject: format!("{} replied to your comment", reply.author_name),
        body: format!(
            "{} replied to your comment:\n\n{}\n\nRead it: {link}\n\nStop these emails: {unsubscribe}\n",
            reply.author_name, reply.body
        ),
        unsubscribe: Some(unsubscribe),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_128_random_bits_in_lowercase_hex() {
        let a = super::random_token();
        let b = super::random_token();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')),
            "{a}"
        );
        assert_ne!(a, b);
    }
}
