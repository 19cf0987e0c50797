//! Email notifications, sent through SMTP when `--smtp-url` is set; without it nothing is sent
//! and nothing fails. Sending happens in the background: a slow or failing mail server never
//! delays or breaks the request that caused the email, and failures are logged.

use std::sync::Arc;

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Sends the site's emails, or nothing.
#[derive(Clone, Default)]
pub struct Notifier {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: String,
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "invalid --smtp-url (use smtps://USER:PASS@HOST or smtp://HOST:PORT?tls=required): {0}"
    )]
    Url(String),
    #[error("invalid --mail-from address {0:?} (use Name <address@example.org>)")]
    From(String),
}

/// One email to send.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// One-click unsubscribe link (RFC 8058), for notifications a reader asked for.
    pub unsubscribe: Option<String>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("enabled", &self.enabled())
            .finish()
    }
}

impl Notifier {
    /// A notifier that sends nothing.
    pub fn none() -> Notifier {
        Notifier::default()
    }

    /// Sends through the SMTP server at `url`; links in emails start with `base_url`.
    pub fn smtp(url: &str, from: &str, base_url: &str) -> Result<Notifier, NotifyError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| NotifyError::Url(e.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|_| NotifyError::From(from.to_owned()))?;
        Ok(Notifier {
            inner: Some(Arc::new(Inner {
                transport,
                from,
                base_url: base_url.trim_end_matches('/').to_owned(),
            })),
        })
    }

    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// An absolute link to a path of the site.
    pub fn link(&self, path: &str) -> String {
        match &self.inner {
            Some(i) => format!("{}{path}", i.base_url),
            None => path.to_owned(),
        }
    }

    /// Queues an email; returns at once.
    pub fn send(&self, email: Email) {
        let Some(inner) = self.inner.clone() else {
            return;
        };
        tokio::spawn(async move {
            let to = email.to.clone();
            match build(&inner.from, email) {
                Ok(message) => {
                    if let Err(e) = inner.transport.send(message).await {
                        tracing::warn!(%to, error = %e, "sending an email failed");
                    }
                }
                Err(e) => tracing::warn!(%to, error = %e, "cannot build an email"),
            }
        });
    }
}

fn build(
    from: &Mailbox,
    email: Email,
) -> Result<Message, Box<dyn std::error::Error + Send + Sync>> {
    let mut builder = Message::builder()
        .from(from.clone())
        .to(email.to.parse()?)
        .subject(email.subject);
    if let Some(link) = &email.unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{link}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let part = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .header(ContentTransferEncoding::QuotedPrintable)
        .body(email.body);
    Ok(builder.singlepart(part)?)
}
