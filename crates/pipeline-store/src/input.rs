//! Checks and normalisation of caller input, shared by both backends so that they accept and refuse the same.
//!
//! Every text that reaches SQL passes here first. The rules keep data sane for the rest of the product (a file
//! name is one path component, so export cannot write outside its folder) and turn what a database would refuse
//! into `Invalid` instead of a backend error: PostgreSQL rejects NUL in `text` and `\u0000` in `jsonb`, and
//! `tsvector` has a 1 MB limit.

use std::time::Duration;

use time::OffsetDateTime;

use crate::error::{Result, StoreError};

/// Now, cut to whole microseconds: both backends keep microseconds, so a value written reads back equal.
pub(crate) fn now() -> OffsetDateTime {
    truncate(OffsetDateTime::now_utc())
}

pub(crate) fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// `now + ttl`, refusing a ttl that would overflow the calendar.
pub(crate) fn expiry(ttl: Duration) -> Result<OffsetDateTime> {
    time::Duration::try_from(ttl)
        .ok()
        .and_then(|ttl| now().checked_add(ttl))
        .filter(|t| t.year() < 9000)
        .ok_or_else(|| StoreError::Invalid("lifetime too long".into()))
}

/// A trimmed email and its lookup key (lowercased, so `Ann@X.org` and `ann@x.org` are one account).
pub(crate) fn email(raw: &str) -> Result<(String, String)> {
    let email = raw.trim();
    let invalid = |why: &str| Err(StoreError::Invalid(format!("email {email:?} {why}")));
    if email.len() > 254 {
        return invalid("is longer than 254 characters");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return invalid("has no @");
    };
    if local.is_empty() || domain.is_empty() {
        return invalid("needs text before and after the @");
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return invalid("contains spaces or control characters");
    }
    Ok((email.to_owned(), email.to_lowercase()))
}

/// A one-line name: trimmed, no control characters, between `min` and `max` characters.
pub(crate) fn line(what: &str, raw: &str, min: usize, max: usize) -> Result<String> {
    let text = raw.trim();
    let chars = text.chars().count();
    if chars < min {
        return Err(StoreError::Invalid(if min == 1 {
            format!("{what} must not be empty")
        } else {
            format!("{what} must have at least {min} characters")
        }));
    }
    if chars > max {
        return Err(StoreError::Invalid(format!("{what} must have at most {max} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!("{what} must not contain control characters")));
    }
    Ok(text.to_owned())
}

/// Free text (a description, a message): no NUL, at most `max` bytes. Line breaks and tabs are kept.
pub(crate) fn text(what: &str, raw: &str, max: usize) -> Result<String> {
    if raw.len() > max {
        return Err(StoreError::Invalid(format!("{what} must have at most {max} bytes")));
    }
    if raw.contains('\0') {
        return Err(StoreError::Invalid(format!("{what} must not contain NUL characters")));
    }
    Ok(raw.to_owned())
}

/// A team name: unique ignoring case, so it comes with its lookup key.
pub(crate) fn team_name(raw: &str) -> Result<(String, String)> {
    let name = line("team name", raw, 1, 100)?;
    let key = name.to_lowercase();
    Ok((name, key))
}

pub(crate) fn user_name(raw: &str) -> Result<String> {
    line("user name", raw, 0, 200)
}

pub(crate) fn pipeline_name(raw: &str) -> Result<String> {
    line("pipeline name", raw, 1, 300)
}

pub(crate) fn description(raw: &str) -> Result<String> {
    text("description", raw, 64 * 1024)
}

/// The YAML cache: at most the parser's input limit.
pub(crate) fn yaml(raw: &str) -> Result<String> {
    text("YAML", raw, 16 * 1024 * 1024)
}

/// The longest `search_text` indexed. PostgreSQL's `tsvector` is limited to 1 MB; half of that leaves room for
/// the name and description and is more step names and prompt text than anyone searches through.
pub(crate) const MAX_SEARCH_TEXT: usize = 512 * 1024;

/// Search text is made by the server, not typed: rather than refuse it, drop NULs and cut it (at a character
/// boundary) to `MAX_SEARCH_TEXT`.
pub(crate) fn search_text(raw: &str) -> String {
    let mut text: String = raw.chars().filter(|&c| c != '\0').collect();
    if text.len() > MAX_SEARCH_TEXT {
        let mut cut = MAX_SEARCH_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// A file name for export: one path component, so that `export --out DIR` cannot write outside `DIR`.
pub(crate) fn file_name(raw: &str) -> Result<String> {
    let name = line("file name", raw, 1, 255)?;
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(StoreError::Invalid(format!("file name {name:?} must be a single name, not a path")));
    }
    Ok(name)
}

/// The largest update or snapshot accepted: far above any real pipeline (a 1000-step one is a few hundred KB).
pub(crate) const MAX_BLOB: usize = 64 * 1024 * 1024;

pub(crate) fn blob(what: &str, data: &[u8]) -> Result<()> {
    if data.is_empty() {
        return Err(StoreError::Invalid(format!("{what} is empty")));
    }
    if data.len() > MAX_BLOB {
        return Err(StoreError::Invalid(format!("{what} is larger than {MAX_BLOB} bytes")));
    }
    Ok(())
}

/// Audit details as JSON text, refusing what `jsonb` refuses.
pub(crate) fn details(value: &serde_json::Value) -> Result<String> {
    let text = serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("audit details: {e}")))?;
    if text.contains("\\u0000") {
        return Err(StoreError::Invalid("audit details must not contain NUL characters".into()));
    }
    if text.len() > 64 * 1024 {
        return Err(StoreError::Invalid("audit details must have at most 65536 bytes".into()));
    }
    Ok(text)
}

/// Sequence numbers are `u64` in the API and signed 64-bit in both databases.
pub(crate) fn seq_to_db(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| StoreError::Invalid(format!("sequence number {seq} is out of range")))
}

pub(crate) fn seq_from_db(seq: i64) -> Result<u64> {
    u64::try_from(seq).map_err(|_| StoreError::corrupt(format!("negative sequence number {seq}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(matches!(email(" Ann@Example.org "), Ok((e, k)) if e == "Ann@Example.org" && k == "ann@example.org"));
        for bad in ["", "ann", "@x", "ann@", "a nn@x.org", "a\0@x"] {
            assert!(matches!(email(bad), Err(StoreError::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn file_names_are_one_component() {
        assert!(file_name("review.yaml").is_ok());
        for bad in ["", "../x.yaml", "a/b.yaml", "a\\b", "..", "x\n.yaml"] {
            assert!(matches!(file_name(bad), Err(StoreError::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn search_text_is_cut_at_a_char_boundary() {
        let long = "é".repeat(MAX_SEARCH_TEXT);
        let cut = search_text(&long);
        assert!(cut.len() <= MAX_SEARCH_TEXT);
        assert!(cut.len() > MAX_SEARCH_TEXT - 2);
        assert_eq!(search_text("a\0b"), "ab");
    }

    #[test]
    fn lifetimes_do_not_overflow() {
        assert!(expiry(Duration::from_secs(3600)).is_ok());
        assert!(matches!(expiry(Duration::MAX), Err(StoreError::Invalid(_))));
    }
}
