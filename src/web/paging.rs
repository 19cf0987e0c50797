//! Page numbers of paged lists, public and admin, read one way: a list never offsets past
//! [`MAX_PAGE`], so no page number typed into an address overflows the offset arithmetic.

use crate::error::AppError;

/// The deepest page any list shows: far beyond any archive (100,000 pages of 30 stories).
pub const MAX_PAGE: u32 = 100_000;

/// A `/page/N/` number in a path: the page, or 404 for anything but 1 to [`MAX_PAGE`] (an
/// address that is not a page of the list).
pub fn path_page(raw: &str) -> Result<u32, AppError> {
    match raw.parse::<u32>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(AppError::NotFound),
    }
}

/// A `?page=N` query value (search results, admin lists): what is not a page number (empty,
/// words, zero, negative) means the first page, and a number past [`MAX_PAGE`], however long,
/// the last one, which shows an empty list with its way back.
pub fn query_page(raw: &str) -> u32 {
    let raw = raw.trim();
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        match raw.parse::<u32>() {
            Ok(0) => 1,
            Ok(n) => n.min(MAX_PAGE),
            // Only digits and still no u32: longer than any page.
            Err(_) => MAX_PAGE,
        }
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_clamped_or_refused() {
        assert_eq!(path_page("2").unwrap(), 2);
        for bad in [
            "0",
            "-1",
            "x",
            "100001",
            "4294967296",
            "99999999999999999999",
        ] {
            assert!(path_page(bad).is_err(), "{bad}");
        }
        assert_eq!(query_page(""), 1);
        assert_eq!(query_page(" 3 "), 3);
        for first in ["0", "-1", "-9223372036854775808", "x", "1e9", "2.5"] {
            assert_eq!(query_page(first), 1, "{first}");
        }
        for last in [
            "100001",
            "4294967295",
            "9223372036854775807",
            "99999999999999999999",
        ] {
            assert_eq!(query_page(last), MAX_PAGE, "{last}");
        }
    }
}
