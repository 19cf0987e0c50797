//! On-the-fly compression of the answers the page cache does not keep (the admin, personal
//! pages, feeds and REST answers on a miss, error pages): gzip or brotli, as the client's
//! `Accept-Encoding` allows, for text of at least [`MIN_SIZE`] bytes.
//!
//! The layer sits outside the page cache, so the cache keeps each page uncompressed once with
//! its own gzip and brotli copies; what the cache answers (it marks it `x-newsdesk-cache`) has
//! been negotiated already and passes untouched, as does anything already encoded, images and
//! other binary types, and small bodies. A compressible answer says `Vary: Accept-Encoding`
//! whether or not this client got it compressed.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Smaller bodies gain too little to pay for a compressor.
pub const MIN_SIZE: u16 = 1024;
/// A fast level, paid on every answer: gzip 4 and brotli 4 take about as long as each other.
const LEVEL: i32 = 4;

/// Which answers [`layer`] compresses.
#[derive(Debug, Clone, Copy)]
pub struct Compressible;

impl Predicate for Compressible {
    fn should_compress<B>(&self, res: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        !res.headers().contains_key(super::cache::CACHE_HEADER)
            && super::cache::compressible(res.headers())
            && SizeAbove::new(MIN_SIZE).should_compress(res)
    }
}

/// The compression layer (`Content-Encoding` answers, such as the page cache's, are never
/// compressed again).
pub fn layer() -> CompressionLayer<Compressible> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(LEVEL))
        .compress_when(Compressible)
}

/// Outside [`layer`]: an answer compressed on the fly is another representation of the same
/// entity, byte for byte different, so its strong entity tag becomes weak (`W/"…"`), as
/// RFC 9110 §8.8.1 asks. `If-None-Match` compares weakly, so the tag still earns a `304`.
pub async fn weaken_etags(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if h.contains_key(header::CONTENT_ENCODING) && !h.contains_key(super::cache::CACHE_HEADER) {
        let weak = h
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .filter(|t| t.starts_with('"'))
            .and_then(|t| HeaderValue::from_str(&format!("W/{t}")).ok());
        if let Some(weak) = weak {
            h.insert(header::ETAG, weak);
        }
    }
    res
}
