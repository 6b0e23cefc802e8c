//! Best-effort analysis of condition strings (format reference §4.1). pipeline_ex evaluates conditions with a
//! substring-driven heuristic rather than a grammar; this module mirrors its dispatch order closely enough to
//! find forms that can never work (unknown functions, unspaced operators, `steps.` prefixes, `{{ }}` wrapping,
//! unsupported infix operators) and to extract the step-result paths a condition reads.

use std::borrow::Cow;

/// A problem found in one condition string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    pub code: &'static str,
    pub error: bool,
    pub message: String,
    pub hint: String,
}

/// What a condition string reads and what is wrong with it.
#[derive(Debug, Default)]
pub(super) struct Analysis {
    pub problems: Vec<Problem>,
    /// Dot paths read from step results (`review.score`, `loop.index`), in order of appearance.
    pub paths: Vec<String>,
}

/// Condition functions and their arities (min, max) — anything else crashes the run.
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("contains", 2, 2),
    ("matches", 2, 2),
    ("length", 1, 1),
    ("startsWith", 2, 2),
    ("endsWith", 2, 2),
    ("toLowerCase", 1, 1),
    ("toUpperCase", 1, 1),
    ("trim", 1, 1),
    ("any", 1, 2),
    ("all", 1, 2),
    ("count", 1, 2),
    ("sum", 1, 1),
    ("average", 1, 1),
    ("min", 1, 1),
    ("max", 1, 1),
    ("isEmpty", 1, 1),
    ("now", 0, 0),
    ("days", 1, 1),
    ("hours", 1, 1),
    ("minutes", 1, 1),
    ("seconds", 1, 1),
    ("abs", 1, 1),
    ("round", 1, 1),
    ("floor", 1, 1),
    ("ceil", 1, 1),
    ("sqrt", 1, 1),
    ("pow", 2, 2),
    ("between", 3, 3),
];

/// The comparison tokens the simple-comparison path recognises (they need the surrounding spaces).
const SPACED_OPERATORS: &[&str] =
    &[" between ", " contains ", " matches ", " >= ", " <= ", " == ", " != ", " > ", " < "];

/// Words documented as infix operators that the engine does not implement.
const UNSUPPORTED_WORDS: &[(&str, &str)] = &[
    ("starts_with", "use the function form: startsWith(path, 'prefix')"),
    ("ends_with", "use the function form: endsWith(path, 'suffix')"),
    ("in", "use contains: `list_path contains 'value'` or contains(list_path, 'value')"),
    ("not_in", "wrap a contains test in {not: …}"),
    ("exists", "test the path alone (`step.field` is true when present and not empty)"),
    ("empty", "use isEmpty(path)"),
    ("is_empty", "use isEmpty(path)"),
    ("and", "combine conditions with a mapping: {and: [cond1, cond2]}"),
    ("or", "combine conditions with a mapping: {or: [cond1, cond2]}"),
    ("not", "negate with a mapping: {not: cond}"),
    ("&&", "combine conditions with a mapping: {and: [cond1, cond2]}"),
    ("||", "combine conditions with a mapping: {or: [cond1, cond2]}"),
    ("=", "compare with == (with spaces around it)"),
    ("===", "compare with == (with spaces around it)"),
    ("?", "conditions have no ternary; split the step or use {and}/{or}/{not}"),
];

fn problem(code: &'static str, error: bool, message: String, hint: impl Into<String>) -> Problem {
    Problem { code, error, message, hint: hint.into() }
}

/// Analyses one condition string.
pub(super) fn analyze(text: &str) -> Analysis {
    let mut a = Analysis::default();
    let trimmed = text.trim();
    if super::template::has_open(trimmed) {
        a.problems.push(problem(
            "condition-template",
            false,
            format!("condition `{trimmed}` uses a {{{{ }}}} template, so it always evaluates to false"),
            "pipeline_ex substitutes the template first and then reads the result (e.g. `true`) as a step name; \
             write the path directly, e.g. `review.approved` instead of `{{steps.review.approved}}`",
        ));
        return a;
    }
    if ["true", "yes", "on", "1"].iter().any(|w| trimmed.eq_ignore_ascii_case(w)) {
        a.problems.push(problem(
            "condition-literal",
            false,
            format!("condition `{trimmed}` is read as the path of a step named `{trimmed}`, so it is false"),
            "remove the condition to always run the step; conditions only test step results (e.g. `check.passed`)",
        ));
        return a;
    }
    let masked = mask_quotes(trimmed);
    let function_path = check_functions(trimmed, &masked, &mut a);
    check_words(&masked, &mut a);
    let spaced = SPACED_OPERATORS.iter().any(|op| masked.contains(op));
    if !function_path && !spaced {
        let unspaced = ["==", "!=", ">=", "<=", ">", "<"].into_iter().find(|op| masked.contains(op));
        if let Some(op) = unspaced {
            a.problems.push(problem(
                "condition-unspaced-operator",
                false,
                format!("`{op}` in condition `{trimmed}` has no spaces around it, so it is not a comparison and the condition is always false"),
                format!("put single spaces around the operator, e.g. `score {op} 7`"),
            ));
        }
    }
    collect_paths(&masked, &mut a);
    a
}

/// Replaces the content of quoted literals with spaces (keeping byte offsets), so that words and operators
/// inside strings are not mistaken for syntax.
fn mask_quotes(s: &str) -> Cow<'_, str> {
    if !s.contains(['\'', '"']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    Cow::Owned(out)
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Finds `name(` calls; reports unknown names and wrong arities. Returns whether the string takes the engine's
/// function path (it contains a call).
fn check_functions(original: &str, masked: &str, a: &mut Analysis) -> bool {
    let mut found = false;
    for (open, _) in masked.match_indices('(') {
        let before = &masked[..open];
        let start = before.char_indices().rev().find(|(_, c)| !is_ident_char(*c)).map_or(0, |(i, c)| i + c.len_utf8());
        let name = &before[start..];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        found = true;
        // The engine splits arguments at the first `)` and at every comma, quotes or not.
        let args_text = original.get(open + 1..).map_or("", |rest| rest.split(')').next().unwrap_or(rest));
        let arity = if args_text.trim().is_empty() { 0 } else { args_text.split(',').count() };
        match FUNCTIONS.iter().find(|(n, _, _)| *n == name) {
            None => a.problems.push(problem(
                "unknown-condition-function",
                true,
                format!("`{name}()` is not a condition function; pipeline_ex crashes when it evaluates this condition"),
                format!("use one of: {}", FUNCTIONS.iter().map(|(n, _, _)| *n).collect::<Vec<_>>().join(", ")),
            )),
            Some((_, lo, hi)) if arity < *lo || arity > *hi => {
                let want = if lo == hi { lo.to_string() } else { format!("{lo} or {hi}") };
                a.problems.push(problem(
                    "condition-function-arity",
                    true,
                    format!("`{name}()` takes {want} argument(s) but is given {arity}; pipeline_ex crashes on it"),
                    format!("call it with {want} argument(s); arguments are split at every comma, even inside quotes"),
                ));
            }
            Some(_) => {}
        }
    }
    found
}

/// Reports infix words and symbols the engine does not implement.
fn check_words(masked: &str, a: &mut Analysis) {
    let has_between = masked.contains(" between ");
    let mut reported: Vec<&str> = Vec::new();
    let tokens: Vec<&str> = masked.split_whitespace().collect();
    for (i, tok) in tokens.iter().enumerate() {
        // The words are lower case ASCII: comparing without case is comparing the lower-cased token.
        let Some((word, hint)) = UNSUPPORTED_WORDS.iter().find(|(w, _)| tok.eq_ignore_ascii_case(w)) else {
            // A leading `!` negation (`!review.ok`) is not an operator either.
            if tok.starts_with('!') && !tok.starts_with("!=") && !reported.contains(&"!") {
                reported.push("!");
                a.problems.push(problem(
                    "condition-unsupported-operator",
                    false,
                    format!(
                        "`!` negation in `{}` is not supported; the condition never works as intended",
                        masked.trim()
                    ),
                    "negate with a mapping: {not: cond}",
                ));
            }
            continue;
        };
        // `X between A and B` legitimately uses `and`; `not` as a whole condition prefix is a documented mistake.
        if *word == "and" && has_between {
            continue;
        }
        if *word == "not" && i + 1 >= tokens.len() {
            continue;
        }
        if reported.contains(word) {
            continue;
        }
        reported.push(word);
        a.problems.push(problem(
            "condition-unsupported-operator",
            false,
            format!("`{word}` in condition `{}` is not an operator pipeline_ex implements; the condition never works as intended", masked.trim()),
            *hint,
        ));
    }
}

/// Collects the dot paths the condition reads (operands that are not literals, numbers or function names),
/// and reports `steps.` prefixes and hyphenated heads.
fn collect_paths(masked: &str, a: &mut Analysis) {
    let mut rest = masked;
    let mut prefix_reported = false;
    let mut hyphen_reported = false;
    while !rest.is_empty() {
        let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '@') else { break };
        let tail = &rest[start..];
        let end = tail.find(|c: char| !(is_ident_char(c) || c == '.' || c == '-' || c == '@')).unwrap_or(tail.len());
        let token = tail[..end].trim_end_matches(['.', '-']);
        let after = &tail[end..];
        // A token glued to a preceding digit or identifier char (e.g. `1e5`) is part of something else.
        let glued = rest[..start].chars().last().is_some_and(|c| c.is_ascii_digit() || c == '.');
        rest = after;
        if glued || token.is_empty() || token.starts_with('@') || after.trim_start().starts_with('(') {
            continue;
        }
        if matches!(
            token,
            "true" | "false" | "null" | "nil" | "contains" | "matches" | "between" | "and" | "or" | "not" | "in"
        ) || UNSUPPORTED_WORDS.iter().any(|(w, _)| *w == token)
        {
            continue;
        }
        let head = token.split('.').next().unwrap_or(token);
        if head == "steps" && token.contains('.') {
            if !prefix_reported {
                prefix_reported = true;
                a.problems.push(problem(
                    "condition-steps-prefix",
                    false,
                    format!("`{token}` starts with `steps.`, which conditions do not use, so it is always false"),
                    format!("drop the prefix: `{}`", token.trim_start_matches("steps.")),
                ));
            }
            continue;
        }
        if head.contains('-') {
            if !hyphen_reported {
                hyphen_reported = true;
                a.problems.push(problem(
                    "condition-hyphenated-name",
                    false,
                    format!("`{head}` contains `-`, so pipeline_ex evaluates `{token}` as arithmetic and the condition is always true"),
                    "rename the step without - + * / % or spaces (e.g. with underscores) and update the references",
                ));
            }
            continue;
        }
        a.paths.push(token.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: &str) -> Vec<&'static str> {
        analyze(s).problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn accepted_forms() {
        for ok in [
            "analysis.score > 7",
            "review.status == 'passed'",
            "contains(review.text, 'LGTM')",
            "any(results.items, '@ > 3')",
            "analysis.n.length == 3",
            "x.score between 1 and 5",
            "now() > deadline.at",
            "review.text contains 'in and or'",
        ] {
            assert!(codes(ok).is_empty(), "{ok}: {:?}", codes(ok));
        }
        assert_eq!(analyze("analysis.score > 7").paths, ["analysis.score"]);
        assert_eq!(analyze("contains(review.text, 'x')").paths, ["review.text"]);
        assert_eq!(analyze("x.score between 1 and 5").paths, ["x.score"]);
    }

    #[test]
    fn broken_forms() {
        assert_eq!(codes("{{steps.a.ok}}"), ["condition-template"]);
        assert_eq!(codes("true"), ["condition-literal"]);
        assert_eq!(codes("a.score>7"), ["condition-unspaced-operator"]);
        assert_eq!(codes("steps.a.score > 7"), ["condition-steps-prefix"]);
        assert_eq!(codes("my-step.ok"), ["condition-hyphenated-name"]);
        assert_eq!(codes("text starts_with 'he'"), ["condition-unsupported-operator"]);
        assert_eq!(codes("a.ok and b.ok"), ["condition-unsupported-operator"]);
        assert_eq!(codes("date(a.b) > 3"), ["unknown-condition-function"]);
        assert_eq!(codes("pow(a.b) > 3"), ["condition-function-arity"]);
        assert_eq!(codes("!a.ok"), ["condition-unsupported-operator"]);
    }
}
