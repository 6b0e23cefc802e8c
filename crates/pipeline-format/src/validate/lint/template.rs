//! `{{ … }}` templates (format reference §4.2): extraction from strings and classification in the executor's
//! resolution order, so the lint can tell references to steps apart from variables and from forms that always
//! render empty.

/// Template functions the executor evaluates; any other `name(…)` renders as its literal text.
const FUNCTIONS: &[&str] = &["multiply", "add", "subtract", "divide", "max", "min", "round", "floor", "ceil"];

/// Roots the documentation promises but the executor does not provide (they render as empty strings).
const EMPTY_ROOTS: &[&str] = &[
    "workflow",
    "step",
    "timestamp",
    "date",
    "time",
    "now",
    "datetime",
    "execution_id",
    "variables",
    "config",
    "environment",
    "env",
    "previous_response",
    "pipeline",
];

/// What a template refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Template<'a> {
    /// `steps.NAME…`: a step result.
    Step(&'a str),
    /// `inputs.…`, `global_vars.…`, arithmetic: resolved at run time from values the lint does not track.
    Opaque,
    /// A template function; `steps` are the step names its arguments read.
    Function { name: &'a str, known: bool, steps: Vec<&'a str> },
    /// `loop.…`: blanked before any loop runs.
    Loop,
    /// `state.NAME…` or a bare `NAME…`: a set_variable variable (empty when unset).
    Variable(&'a str),
    /// A form that always renders as an empty string; the text says why.
    Empty(String),
}

/// Whether `s` contains `{{`: a quick test before [`extract`] (a plain scan of short strings, a byte search
/// for `{` in longer ones).
pub(super) fn has_open(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() < 64 {
        return bytes.windows(2).any(|w| w == b"{{");
    }
    let mut from = 0;
    while let Some(i) = s.get(from..).and_then(|rest| rest.find('{')) {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'{') {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The trimmed expressions of every `{{expr}}` in `s` (`expr` may not contain `}`).
pub(super) fn extract(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        match after.find('}') {
            Some(close) if after[close..].starts_with("}}") => {
                out.push(after[..close].trim());
                rest = &after[close + 2..];
            }
            Some(close) => rest = &after[close + 1..],
            None => break,
        }
    }
    out
}

/// Classifies one template expression.
pub(super) fn classify(expr: &str) -> Template<'_> {
    if expr.is_empty() {
        return Template::Empty("an empty template renders nothing".into());
    }
    if let Some(open) = expr.find('(')
        && expr.ends_with(')')
        && open > 0
        && expr[..open].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        let name = &expr[..open];
        let args = &expr[open + 1..expr.len() - 1];
        let steps = args
            .split(',')
            .filter_map(|a| a.trim().strip_prefix("steps."))
            .map(|rest| rest.split('.').next().unwrap_or(rest))
            .collect();
        return Template::Function { name, known: FUNCTIONS.contains(&name), steps };
    }
    if expr.starts_with("inputs.") || expr.starts_with("global_vars.") {
        return Template::Opaque;
    }
    if let Some(rest) = expr.strip_prefix("steps.") {
        return Template::Step(rest.split('.').next().unwrap_or(rest));
    }
    if expr == "loop" || expr.starts_with("loop.") {
        return Template::Loop;
    }
    if expr.contains(['+', '-', '*', '/']) {
        return Template::Opaque;
    }
    if expr.contains(['?', '=', '<', '>', ':', ' ', '!', '|', '[']) {
        return Template::Empty(format!(
            "`{{{{{expr}}}}}` is not a form the executor evaluates (no operators, ternaries, filters or indices), so it renders empty"
        ));
    }
    if let Some(rest) = expr.strip_prefix("state.") {
        return Template::Variable(rest.split('.').next().unwrap_or(rest));
    }
    let head = expr.split('.').next().unwrap_or(expr);
    if EMPTY_ROOTS.contains(&head) {
        return Template::Empty(format!(
            "`{{{{{expr}}}}}` is not a variable pipeline_ex provides (no built-in `{head}`), so it renders empty"
        ));
    }
    Template::Variable(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_braces() {
        for (s, want) in
            [("", false), ("{", false), ("a { b } {", false), ("{{", true), ("x {a} {{y", true), ("é{{", true)]
        {
            assert_eq!(has_open(s), want, "{s:?}");
            assert_eq!(has_open(s), s.contains("{{"), "{s:?}");
        }
        // Long strings take the byte search: braces anywhere, split or not.
        let filler = "text { with } single braces ".repeat(4);
        for at in [0, 1, 63, 64, 100, filler.len()] {
            for insert in ["{{", "{ {", "{", "}}"] {
                let mut s = filler.clone();
                s.insert_str(at, insert);
                assert_eq!(has_open(&s), s.contains("{{"), "{s:?}");
            }
        }
    }

    #[test]
    fn extraction() {
        assert_eq!(extract("a {{ steps.x.y }} b {{loop.item}}_v {{ bad } }}"), ["steps.x.y", "loop.item"]);
        assert!(extract("{{ unterminated").is_empty());
    }

    #[test]
    fn classification() {
        assert_eq!(classify("steps.scan.n"), Template::Step("scan"));
        assert_eq!(classify("loop.item"), Template::Loop);
        assert_eq!(classify("state.counter"), Template::Variable("counter"));
        assert_eq!(classify("counter"), Template::Variable("counter"));
        assert_eq!(classify("state.counter + 1"), Template::Opaque);
        assert_eq!(classify("inputs.a"), Template::Opaque);
        assert!(matches!(classify("workflow.name"), Template::Empty(_)));
        assert!(matches!(classify("timestamp"), Template::Empty(_)));
        assert!(matches!(classify("previous_response:step"), Template::Empty(_)));
        assert!(matches!(classify("state.x == 0 ? 1 : 2"), Template::Empty(_)));
        assert_eq!(
            classify("multiply(steps.a.n, 3)"),
            Template::Function { name: "multiply", known: true, steps: vec!["a"] }
        );
        assert!(matches!(classify("foo(1)"), Template::Function { known: false, .. }));
    }
}
