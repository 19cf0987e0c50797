//! What sanitized HTML must never hold, checked on the parsed output (as a browser reads it),
//! not only by looking for substrings.

use newsdesk::domain::html::SafeHtml;

/// Elements the sanitizer must never let through.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "base",
    "meta",
    "link",
    "template",
    "noscript",
    "xmp",
    "plaintext",
    "noembed",
    "title",
    "portal",
];

/// Attributes whose value a browser follows or loads as an address.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "cite",
    "action",
    "formaction",
    "poster",
    "background",
    "data",
    "xlink:href",
    "longdesc",
    "usemap",
    "ping",
];

/// Whether a browser would run or load `url` as script or inline data: leading and trailing
/// C0 controls and spaces, and tabs and line breaks anywhere, are ignored, as browsers do.
pub fn dangerous_url(url: &str) -> bool {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:", "livescript:"]
        .iter()
        .any(|scheme| cleaned.starts_with(scheme))
}

/// Every address in an attribute value (`srcset` holds several, each before its width).
fn urls<'a>(attribute: &str, value: &'a str) -> Vec<&'a str> {
    if attribute == "srcset" {
        value
            .split(',')
            .map(|candidate| candidate.split_whitespace().next().unwrap_or(""))
            .collect()
    } else {
        vec![value]
    }
}

/// Checks that `html` holds no script, no event handler, no style and no script or data
/// address, as parsed by an HTML5 parser.
pub fn check_safe(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    if lower.contains("<script") {
        return Err(format!("`<script` in the output: {html:?}"));
    }
    let doc = scraper::Html::parse_fragment(html);
    for node in doc.root_element().descendants() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name();
        if FORBIDDEN_ELEMENTS.contains(&name) {
            return Err(format!("a <{name}> element in the output: {html:?}"));
        }
        for (attribute, value) in el.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            if attribute.starts_with("on") {
                return Err(format!("an `{attribute}` handler in the output: {html:?}"));
            }
            if attribute == "style" || attribute == "formaction" || attribute == "srcdoc" {
                return Err(format!("a `{attribute}` attribute in the output: {html:?}"));
            }
            if URL_ATTRIBUTES.contains(&attribute.as_str())
                && urls(&attribute, value).into_iter().any(dangerous_url)
            {
                return Err(format!(
                    "a script or data address in `{attribute}`: {value:?} in {html:?}"
                ));
            }
        }
    }
    Ok(())
}

/// Checks that sanitizing `html` again changes nothing.
pub fn check_fixed_point(html: &str) -> Result<(), String> {
    let again = SafeHtml::sanitize(html);
    if again.as_str() != html {
        return Err(format!(
            "sanitizing the output again changes it:\n  once:  {html:?}\n  twice: {:?}",
            again.as_str()
        ));
    }
    Ok(())
}
