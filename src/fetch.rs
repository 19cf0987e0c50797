//! Downloads of images from another site, for the importer's `--fetch-media`.
//!
//! The addresses come from an export, which whoever ran the old site wrote, so every download
//! is guarded against server-side request forgery: only `http` and `https`; the host name is
//! resolved here ([`GuardedResolver`]) and only public addresses
//! ([`crate::domain::address::classify`]) are connected to, so no later lookup can answer
//! differently from the one checked; an address written as an IP is checked before any
//! connection; every redirect (at most [`MAX_REDIRECTS`]) is checked again the same way; no
//! proxy from the environment is used, since it would resolve the name itself. Downloads have a
//! connect and a total timeout, refuse a `Content-Type` that is not an image the media library
//! accepts, and stop at the library's upload size, before reading when `Content-Length`
//! announces more and while reading otherwise. The bytes still go through the library's own
//! checks (`domain::media::process`) afterwards.
//!
//! Addresses on this machine or its network are reachable only with `allow_local`, which the
//! command line's `--fetch-media-allow-local` sets for testing and the admin never does.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, redirect};

use crate::domain::address::{AddressKind, classify};
use crate::domain::media::MAX_UPLOAD_BYTES;

/// Redirects followed before a download gives up.
pub const MAX_REDIRECTS: usize = 5;
/// Time to open a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time for a whole download, redirects and body included.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(60);
/// The `Content-Type`s the media library accepts (its own checks read the bytes too).
const IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// Why a download did not bring an image. The messages are written for the summary of an
/// import, after the attachment's address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused: the address is private ({0})")]
    Refused(Blocked),
    #[error("refused: only http and https addresses are downloaded")]
    Scheme,
    #[error("refused: not a valid address")]
    BadAddress,
    #[error("the host {0} was not found")]
    UnknownHost(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("HTTP {0}")]
    Status(u16),
    #[error("not an image ({0})")]
    NotAnImage(String),
    #[error("too large: {}, the limit is {}", megabytes(*.0), megabytes(*.1))]
    TooLarge(u64, u64),
    #[error("too large: more than the limit of {}", megabytes(*.0))]
    LargerThan(u64),
    #[error("timed out")]
    TimedOut,
    #[error("the connection failed")]
    Connection,
    #[error("the download failed")]
    Failed,
}

/// An address a download may not reach: the IP and what kind it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    pub ip: IpAddr,
    pub kind: AddressKind,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is {}", self.ip, self.kind)
    }
}

impl StdError for Blocked {}

/// A host name that resolved to nothing.
#[derive(Debug)]
struct UnknownHost(String);

impl fmt::Display for UnknownHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} was not found", self.0)
    }
}

impl StdError for UnknownHost {}

/// More than [`MAX_REDIRECTS`] redirects, or a redirect to another scheme.
#[derive(Debug)]
enum RedirectRefused {
    TooMany,
    Scheme,
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RedirectRefused::TooMany => "too many redirects",
            RedirectRefused::Scheme => "a redirect to a scheme other than http or https",
        })
    }
}

impl StdError for RedirectRefused {}

fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// A downloaded file, not yet checked as an image beyond its `Content-Type`.
#[derive(Debug)]
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Which IP addresses a download may reach.
type Rule = fn(IpAddr) -> bool;

fn public_only(ip: IpAddr) -> bool {
    classify(ip).is_public()
}

fn anywhere(_: IpAddr) -> bool {
    true
}

/// The HTTP client of downloads from other sites; one per import.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    allow: Rule,
    max_bytes: u64,
}

impl Fetcher {
    /// A client that reaches public addresses only, or any address with `allow_local`.
    pub fn new(allow_local: bool) -> Result<Fetcher, reqwest::Error> {
        Fetcher::with_rule(
            if allow_local { anywhere } else { public_only },
            TOTAL_TIMEOUT,
        )
    }

    fn with_rule(allow: Rule, total_timeout: Duration) -> Result<Fetcher, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("Newsdesk/", env!("CARGO_PKG_VERSION"), " (import)"))
            .no_proxy()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(total_timeout)
            .dns_resolver(Arc::new(GuardedResolver { allow }))
            .redirect(redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > MAX_REDIRECTS {
                    return attempt.error(RedirectRefused::TooMany);
                }
                match check_url(attempt.url(), allow) {
                    Ok(()) => attempt.follow(),
                    Err(UrlRefused::Blocked(b)) => attempt.error(b),
                    Err(UrlRefused::Scheme) => attempt.error(RedirectRefused::Scheme),
                }
            }))
            .build()?;
        Ok(Fetcher {
            client,
            allow,
            max_bytes: MAX_UPLOAD_BYTES as u64,
        })
    }

    /// Downloads an image at `address`, with every check the module describes.
    pub async fn image(&self, address: &str) -> Result<Download, FetchError> {
        let url = Url::parse(address.trim()).map_err(|_| FetchError::BadAddress)?;
        match check_url(&url, self.allow) {
            Ok(()) => {}
            Err(UrlRefused::Blocked(b)) => return Err(FetchError::Refused(b)),
            Err(UrlRefused::Scheme) => return Err(FetchError::Scheme),
        }
        let mut response = self.client.get(url).send().await.map_err(explain)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if !IMAGE_TYPES.contains(&content_type.as_str()) {
            return Err(FetchError::NotAnImage(if content_type.is_empty() {
                "no content type".to_owned()
            } else {
                content_type
            }));
        }
        if let Some(length) = response.content_length()
            && length > self.max_bytes
        {
            return Err(FetchError::TooLarge(length, self.max_bytes));
        }
        let mut bytes = Vec::with_capacity(
            response
                .content_length()
                .map_or(64 * 1024, |n| n as usize)
                .min(self.max_bytes as usize),
        );
        while let Some(chunk) = response.chunk().await.map_err(explain)? {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(FetchError::LargerThan(self.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Download {
            bytes,
            content_type,
        })
    }
}

enum UrlRefused {
    Blocked(Blocked),
    Scheme,
}

/// The scheme, and the host when it is written as an IP (a name is checked when resolved).
fn check_url(url: &Url, allow: Rule) -> Result<(), UrlRefused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::Scheme);
    }
    let Some(host) = url.host_str() else {
        return Err(UrlRefused::Scheme);
    };
    // The URL parser has already turned every spelling of an IP (`2130706433`, `0x7f.1`)
    // into its plain form, and writes IPv6 in brackets.
    let Ok(ip) = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    else {
        return Ok(());
    };
    match checked(ip, allow) {
        Ok(()) => Ok(()),
        Err(b) => Err(UrlRefused::Blocked(b)),
    }
}

fn checked(ip: IpAddr, allow: Rule) -> Result<(), Blocked> {
    if allow(ip) {
        Ok(())
    } else {
        Err(Blocked {
            ip,
            kind: classify(ip),
        })
    }
}

/// The clearest reason a request failed: a refusal of ours anywhere in its causes first.
fn explain(e: reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(b) = c.downcast_ref::<Blocked>() {
            return FetchError::Refused(*b);
        }
        if let Some(r) = c.downcast_ref::<RedirectRefused>() {
            return match r {
                RedirectRefused::TooMany => FetchError::TooManyRedirects,
                RedirectRefused::Scheme => FetchError::Scheme,
            };
        }
        if let Some(UnknownHost(host)) = c.downcast_ref::<UnknownHost>() {
            return FetchError::UnknownHost(host.clone());
        }
        cause = c.source();
    }
    if e.is_timeout() {
        FetchError::TimedOut
    } else if e.is_connect() {
        FetchError::Connection
    } else {
        FetchError::Failed
    }
}

/// Resolves host names with the system's resolver (on tokio's blocking pool) and keeps only
/// the addresses a download may reach; a name with none left is refused.
struct GuardedResolver {
    allow: Rule,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|_| UnknownHost(host.clone()))?
                .collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match checked(a.ip(), allow) {
                    Ok(()) => true,
                    Err(b) => {
                        refused.get_or_insert(b);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(match refused {
                    Some(b) => Box::new(b) as Box<dyn StdError + Send + Sync>,
                    None => Box::new(UnknownHost(host)),
                });
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_written_as_ips_are_checked_before_any_connection() {
        let url = |s: &str| Url::parse(s).unwrap();
        for refused in [
            "http://127.0.0.1/a.png",
            "http://2130706433/a.png",
            "http://0x7f.1/a.png",
            "http://[::1]/a.png",
            "http://[::ffff:169.254.169.254]/latest/meta-data",
            "https://10.0.0.5/wp-content/uploads/a.jpg",
            "http://169.254.169.254/",
        ] {
            assert!(
                matches!(
                    check_url(&url(refused), public_only),
                    Err(UrlRefused::Blocked(_))
                ),
                "{refused}"
            );
            assert!(check_url(&url(refused), anywhere).is_ok(), "{refused}");
        }
        for scheme in [
            "ftp://example.com/a.png",
            "file:///etc/passwd",
            "data:image/png,x",
        ] {
            assert!(
                matches!(check_url(&url(scheme), anywhere), Err(UrlRefused::Scheme)),
                "{scheme}"
            );
        }
        assert!(check_url(&url("https://93.184.215.14/a.png"), public_only).is_ok());
        assert!(check_url(&url("https://old.example/a.png"), public_only).is_ok());
    }

    #[test]
    fn reasons_read_as_the_summary_shows_them() {
        let b = Blocked {
            ip: "127.0.0.1".parse().unwrap(),
            kind: AddressKind::Loopback,
        };
        assert_eq!(
            FetchError::Refused(b).to_string(),
            "refused: the address is private (127.0.0.1 is loopback)"
        );
        assert_eq!(
            FetchError::TooLarge(31 * 1024 * 1024, 20 * 1024 * 1024).to_string(),
            "too large: 31 MB, the limit is 20 MB"
        );
        assert_eq!(
            FetchError::NotAnImage("text/html".into()).to_string(),
            "not an image (text/html)"
        );
        assert_eq!(FetchError::Status(404).to_string(), "HTTP 404");
        assert_eq!(FetchError::TimedOut.to_string(), "timed out");
    }

    /// A server on 127.0.0.1 answering each request with `answer(path, port)`, raw HTTP; or,
    /// where that is empty, keeping the connection open without a word.
    async fn serve(answer: fn(&str, u16) -> String) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16384 {
                        match conn.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let path = head.split(' ').nth(1).unwrap_or("/");
                    let answer = answer(path, port);
                    if answer.is_empty() {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                    let _ = conn.write_all(answer.as_bytes()).await;
                });
            }
        });
        port
    }

    fn redirect(to: &str) -> String {
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    }

    /// As if 127.0.0.1 were the old site's public address and everything else were as usual.
    fn only_this_loopback(ip: IpAddr) -> bool {
        ip == IpAddr::from([127, 0, 0, 1]) || public_only(ip)
    }

    #[tokio::test]
    async fn every_redirect_is_checked_again() {
        let port = serve(|path, port| match path {
            "/elsewhere.png" => redirect(&format!("http://127.0.0.2:{port}/a.png")),
            "/metadata.png" => redirect("http://169.254.169.254/latest/meta-data/"),
            "/mapped.png" => redirect("http://[::ffff:10.0.0.1]/a.png"),
            "/file.png" => redirect("file:///etc/passwd"),
            "/loop.png" => redirect("/loop.png"),
            "/near.png" => redirect("/a.png"),
            _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_owned(),
        })
        .await;
        let fetcher = Fetcher::with_rule(only_this_loopback, TOTAL_TIMEOUT).unwrap();
        let get = |path: &str| {
            let fetcher = fetcher.clone();
            let url = format!("http://127.0.0.1:{port}{path}");
            async move { fetcher.image(&url).await.unwrap_err() }
        };
        let refused = |ip: &str, kind| {
            FetchError::Refused(Blocked {
                ip: ip.parse().unwrap(),
                kind,
            })
        };
        assert_eq!(
            get("/elsewhere.png").await,
            refused("127.0.0.2", AddressKind::Loopback)
        );
        assert_eq!(
            get("/metadata.png").await,
            refused("169.254.169.254", AddressKind::LinkLocal)
        );
        assert_eq!(
            get("/mapped.png").await,
            refused("::ffff:10.0.0.1", AddressKind::Private)
        );
        // A hop to another scheme is not followed at all: the redirect is the answer.
        assert_eq!(get("/file.png").await, FetchError::Status(302));
        assert_eq!(get("/loop.png").await, FetchError::TooManyRedirects);
        // A hop that stays where it may go is followed.
        assert_eq!(get("/near.png").await, FetchError::Status(404));
    }

    #[tokio::test]
    async fn names_that_resolve_to_local_addresses_are_refused() {
        let resolver = GuardedResolver { allow: public_only };
        let name: Name = "localhost".parse().unwrap();
        let err = match resolver.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        let blocked = err.downcast_ref::<Blocked>().expect("refused as blocked");
        assert_eq!(blocked.kind, AddressKind::Loopback);
        // The same name reaches this machine when local addresses are allowed.
        let resolver = GuardedResolver { allow: anywhere };
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }

    #[tokio::test]
    async fn silence_times_out_and_answers_without_a_type_are_not_images() {
        let port = serve(|path, _| match path {
            "/silent.png" => String::new(),
            _ => "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc".to_owned(),
        })
        .await;
        let fetcher = Fetcher::with_rule(anywhere, Duration::from_millis(300)).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(
            fetcher
                .image(&format!("http://127.0.0.1:{port}/silent.png"))
                .await
                .unwrap_err(),
            FetchError::TimedOut
        );
        assert!(started.elapsed() < Duration::from_secs(20));
        assert_eq!(
            fetcher
                .image(&format!("http://127.0.0.1:{port}/untyped.png"))
                .await
                .unwrap_err(),
            FetchError::NotAnImage("no content type".into())
        );
    }
}
