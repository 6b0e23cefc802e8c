//! The search language, parsed once in Rust and rendered for each backend, so both match the same pipelines.
//!
//! A query is a list of words (runs of letters and digits; everything else separates). Every word must match;
//! a word of two or more characters matches as a prefix, so search-as-you-type finds "summarize" from "summ".
//! One-character words match whole words only: a one-letter prefix matches nearly every pipeline and would
//! make the first keystroke the slowest query. User text never reaches the engines' own query syntax (FTS5's
//! `MATCH` and `to_tsquery` both fail on stray quotes or operators); only the words do, quoted.

/// At most this many words are used; the rest are ignored (a pasted paragraph is not a query).
pub(crate) const MAX_TERMS: usize = 12;
/// Words are cut to this many characters; longer ones still match as prefixes.
pub(crate) const MAX_TERM_CHARS: usize = 64;

/// A parsed query: lowercased words, in order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Terms(Vec<String>);

impl Terms {
    /// The words of `text`, or `None` when it has none (then the caller lists instead of searching).
    pub(crate) fn parse(text: &str) -> Option<Terms> {
        let mut terms: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            let word: String = word.to_lowercase().chars().take(MAX_TERM_CHARS).collect();
            if !terms.contains(&word) {
                terms.push(word);
            }
            if terms.len() == MAX_TERMS {
                break;
            }
        }
        (!terms.is_empty()).then_some(Terms(terms))
    }

    fn is_prefix(term: &str) -> bool {
        term.chars().nth(1).is_some()
    }

    /// An FTS5 `MATCH` expression: `"summ"* "a"` (implicit AND). Words hold only letters and digits, so the
    /// double quotes cannot be unbalanced.
    pub(crate) fn fts5(&self) -> String {
        let parts: Vec<String> =
            self.0.iter().map(|t| if Self::is_prefix(t) { format!("\"{t}\"*") } else { format!("\"{t}\"") }).collect();
        parts.join(" ")
    }

    /// A `to_tsquery('simple', …)` expression: `'summ':* & 'a'`.
    pub(crate) fn tsquery(&self) -> String {
        let parts: Vec<String> =
            self.0.iter().map(|t| if Self::is_prefix(t) { format!("'{t}':*") } else { format!("'{t}'") }).collect();
        parts.join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_split_lowercased_and_deduplicated() {
        let t = Terms::parse("  Summ* \"review\"  OR a-b review (x) ").expect("has words");
        assert_eq!(t.0, ["summ", "review", "or", "a", "b", "x"]);
        assert_eq!(t.fts5(), r#""summ"* "review"* "or"* "a" "b" "x""#);
        assert_eq!(t.tsquery(), "'summ':* & 'review':* & 'or':* & 'a' & 'b' & 'x'");
    }

    #[test]
    fn no_words_means_no_search() {
        assert_eq!(Terms::parse(""), None);
        assert_eq!(Terms::parse(" \"*-:'() "), None);
    }

    #[test]
    fn queries_are_bounded() {
        let many = (0..100).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(Terms::parse(&many).map(|t| t.0.len()), Some(MAX_TERMS));
        let long = "x".repeat(1000);
        assert_eq!(Terms::parse(&long).map(|t| t.0[0].len()), Some(MAX_TERM_CHARS));
    }

    #[test]
    fn unicode_words_survive() {
        let t = Terms::parse("Übersicht café").expect("has words");
        assert_eq!(t.0, ["übersicht", "café"]);
    }
}
