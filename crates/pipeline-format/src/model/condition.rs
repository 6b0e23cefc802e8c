//! Conditions (format reference §4.1): a string expression, an `and` / `or` / `not` mapping, or a list
//! (implicit AND), nested without limit. The string is kept as written — pipeline_ex evaluates it with a
//! substring-driven heuristic, not a grammar, so there is nothing to parse it into that would round-trip; the
//! lint module has a best-effort tokenizer for its checks.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A condition as pipeline_ex's condition engine accepts it. A falsy condition on a top-level step records the
/// step as skipped. Booleans, numbers and mappings with other keys crash the run (`condition: true` crashes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Condition {
    /// An expression over step results, e.g. `analysis.score > 7` or `contains(review.text, 'LGTM')`. The first
    /// path segment is a step name (no `steps.` prefix); comparison operators need single spaces around them.
    Expr(String),
    /// True when every listed condition is true.
    And {
        /// The conditions that must all hold (keys other than `and` in this mapping are ignored).
        and: Vec<Condition>,
    },
    /// True when at least one listed condition is true.
    Or {
        /// The conditions of which at least one must hold (keys other than `or` in this mapping are ignored).
        or: Vec<Condition>,
    },
    /// True when the inner condition is false.
    Not {
        /// The condition to negate (keys other than `not` in this mapping are ignored).
        not: Box<Condition>,
    },
    /// An implicit AND of the listed conditions.
    All(Vec<Condition>),
}

impl Condition {
    /// Every string expression in this condition, depth first.
    pub fn expressions(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::Expr(s) => out.push(s),
            Condition::And { and: cs } | Condition::Or { or: cs } | Condition::All(cs) => {
                cs.iter().for_each(|c| c.collect(out));
            }
            Condition::Not { not } => not.collect(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_forms_deserialize() {
        let c: Condition = serde_json::from_value(serde_json::json!({
            "and": ["a.ok", {"not": "b.failed"}, [{"or": ["c.x > 1", "d.y"]}]]
        }))
        .unwrap_or(Condition::Expr(String::new()));
        assert_eq!(c.expressions(), ["a.ok", "b.failed", "c.x > 1", "d.y"]);
    }
}
