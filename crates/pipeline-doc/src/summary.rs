//! What the store indexes about a pipeline: its name, description, and the text people search for (step
//! names, step types, prompt text), taken from the model.

use serde_json::Value;

use crate::doc::PipelineDoc;

/// Searchable facts of a pipeline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// `workflow.name` as text (empty when absent).
    pub name: String,
    pub description: String,
    /// Step names, types and prompt text, space-separated, in document order.
    pub search_text: String,
    /// Number of steps, counting loop bodies.
    pub steps: usize,
}

impl PipelineDoc {
    pub fn summary(&self) -> Summary {
        summarize(&self.model())
    }
}

/// The summary of a pipeline's data.
pub fn summarize(model: &Value) -> Summary {
    let w = &model["workflow"];
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut out = Summary { name: text(&w["name"]), description: text(&w["description"]), ..Summary::default() };
    let mut parts: Vec<String> = Vec::new();
    fn walk(steps: &Value, parts: &mut Vec<String>, count: &mut usize) {
        for s in steps.as_array().into_iter().flatten() {
            *count += 1;
            for key in ["name", "type"] {
                if let Some(t) = s[key].as_str() {
                    parts.push(t.to_string());
                }
            }
            for item in s["prompt"].as_array().into_iter().flatten() {
                for key in ["content", "path", "step", "new_prompt"] {
                    if let Some(t) = item[key].as_str() {
                        parts.push(t.to_string());
                    }
                }
            }
            if let Some(p) = s["prompt"].as_str() {
                parts.push(p.to_string());
            }
            walk(&s["steps"], parts, count);
            walk(&s["pipeline"]["steps"], parts, count);
        }
    }
    walk(&w["steps"], &mut parts, &mut out.steps);
    out.search_text = parts.join(" ");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn collects_names_types_and_prompt_text() {
        let m = json!({"workflow": {"name": "Review", "description": "Checks code", "steps": [
            {"name": "read", "type": "claude", "prompt": [{"type": "static", "content": "Read the diff"}]},
            {"name": "loop", "type": "for_loop", "steps": [{"name": "inner", "type": "gemini", "prompt": "odd"}]}
        ]}});
        let s = summarize(&m);
        assert_eq!((s.name.as_str(), s.description.as_str(), s.steps), ("Review", "Checks code", 3));
        assert_eq!(s.search_text, "read claude Read the diff loop for_loop inner gemini odd");
    }
}
