//! The arguments of a write, as WordPress takes them: a JSON object body, or a form body
//! (`application/x-www-form-urlencoded`), over the query string's parameters (the body wins).
//! A body that is not what its `Content-Type` says is `400 rest_invalid_json`; a body over
//! [`MAX_BODY`] is `413`.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde_json::{Map, Value};

use super::errors::ApiError;

/// The largest JSON or form body (a long story with its markup fits many times over).
pub const MAX_BODY: usize = 8 << 20;

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "rest_request_too_large",
        format!("The request body is larger than {} MB.", MAX_BODY >> 20),
    )
}

/// A write's arguments by name.
#[derive(Debug, Clone, Default)]
pub struct Args(pub Map<String, Value>);

impl Args {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A string argument; numbers and booleans are taken as their text.
    pub fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(ApiError::invalid_param(
                name,
                format!("{name} is not of type string."),
            )),
        }
    }

    /// A field WordPress takes either as a string or as `{"raw": …}` (`title`, `content`,
    /// `excerpt`).
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            Some(Value::Object(o)) => match o.get("raw") {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                None | Some(Value::Null) => Ok(None),
                Some(_) => Err(ApiError::invalid_param(
                    name,
                    format!("{name}[raw] is not of type string."),
                )),
            },
            _ => self.string(name),
        }
    }

    /// A whole number, from a number or its text.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        let bad = || ApiError::invalid_param(name, format!("{name} is not of type integer."));
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    /// `true`/`false`, `1`/`0`, `"true"`/`"false"`.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        let bad = || ApiError::invalid_param(name, format!("{name} is not of type boolean."));
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(bad()),
            },
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" | "" => Ok(Some(false)),
                _ => Err(bad()),
            },
            Some(_) => Err(bad()),
        }
    }

    /// A list of ids: a JSON array of numbers, or `1,2,3`.
    pub fn ids(&self, name: &str) -> Result<Option<Vec<i64>>, ApiError> {
        let bad = || ApiError::invalid_param(name, format!("{name}[0] is not of type integer."));
        let one = |v: &Value| match v {
            Value::Number(n) => n.as_i64().filter(|i| *i >= 0).ok_or_else(bad),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i >= 0)
                .ok_or_else(bad),
            _ => Err(bad()),
        };
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items.iter().map(one).collect::<Result<_, _>>().map(Some),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| one(&Value::String(s.to_owned())))
                .collect::<Result<_, _>>()
                .map(Some),
            Some(v @ Value::Number(_)) => one(v).map(|i| Some(vec![i])),
            Some(_) => Err(bad()),
        }
    }

    /// An object argument (`meta`).
    pub fn object(&self, name: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(Value::Array(a)) if a.is_empty() => Ok(None),
            Some(_) => Err(ApiError::invalid_param(
                name,
                format!("{name} is not of type object."),
            )),
        }
    }

    /// The arguments from the query string alone (for `DELETE`, which has no body).
    pub fn from_query(query: Option<&str>) -> Result<Args, ApiError> {
        let mut map = Map::new();
        add_form_pairs(&mut map, query.unwrap_or("").as_bytes())?;
        Ok(Args(map))
    }
}

/// Form pairs into `map`: `a=1`, and `a[]=1&a[]=2` (or `a[0]=1`) as a list.
fn add_form_pairs(map: &mut Map<String, Value>, bytes: &[u8]) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_param",
            "The parameters could not be understood.",
        )
    })?;
    for (k, v) in pairs {
        match k.split_once('[') {
            Some((name, rest))
                if rest.ends_with(']') && !rest.contains('[') && !name.is_empty() =>
            {
                let sub = &rest[..rest.len() - 1];
                if sub.is_empty() || sub.bytes().all(|b| b.is_ascii_digit()) {
                    match map.get_mut(name) {
                        Some(Value::Array(a)) => a.push(Value::String(v)),
                        _ => {
                            map.insert(name.to_owned(), Value::Array(vec![Value::String(v)]));
                        }
                    }
                } else {
                    let entry = map
                        .entry(name.to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(o) = entry {
                        o.insert(sub.to_owned(), Value::String(v));
                    }
                }
            }
            _ => {
                map.insert(k, Value::String(v));
            }
        }
    }
    Ok(())
}

impl<S: Send + Sync> FromRequest<S> for Args {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Args, ApiError> {
        let query = req.uri().query().map(str::to_owned);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_invalid_body",
                    "The request body could not be read.",
                )
            }
        })?;
        if bytes.len() > MAX_BODY {
            return Err(too_large());
        }
        let mut args = Args::from_query(query.as_deref())?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(args);
        }
        if content_type == "application/json" || content_type.ends_with("+json") {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(o)) => args.0.extend(o),
                Ok(_) | Err(_) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "rest_invalid_json",
                        "Invalid JSON body passed.",
                    ));
                }
            }
        } else if content_type == "application/x-www-form-urlencoded" || content_type.is_empty() {
            add_form_pairs(&mut args.0, &bytes)?;
        } else {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "rest_invalid_content_type",
                "Send the arguments as JSON (application/json) or as a form.",
            ));
        }
        Ok(args)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_lists_and_objects() {
        let mut m = Map::new();
        add_form_pairs(
            &mut m,
            b"title=A&categories[]=1&categories[]=2&meta[credit_line]=RHM%2FPR",
        )
        .unwrap();
        let a = Args(m);
        assert_eq!(a.string("title").unwrap().as_deref(), Some("A"));
        assert_eq!(a.ids("categories").unwrap(), Some(vec![1, 2]));
        assert_eq!(
            a.object("meta").unwrap().unwrap()["credit_line"],
            Value::String("RHM/PR".into())
        );
    }

    #[test]
    fn types_are_checked() {
        let a = Args(
            serde_json::from_str(
                r#"{"title":{"raw":"T"},"sticky":"yes","author":"x","tags":[1,"2"]}"#,
            )
            .unwrap(),
        );
        assert_eq!(a.text("title").unwrap().as_deref(), Some("T"));
        assert_eq!(a.bool("sticky").unwrap_err().code, "rest_invalid_param");
        assert!(a.int("author").is_err());
        assert_eq!(a.ids("tags").unwrap(), Some(vec![1, 2]));
    }
}
