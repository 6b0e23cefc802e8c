//! A generator of realistic pipeline files of any size, for benchmarks and fuzz seeds. It is shared by
//! file inclusion (`#[path = "…/benches/gen/mod.rs"] mod gen;`) so the library itself carries no test code.
//!
//! The output mixes the step types people write (claude with block-scalar prompts, gemini with token
//! budgets, set_variable, claude_smart, for_loop and while_loop bodies, data_transform, file_ops,
//! claude_extract), comments, conditions and `previous_response` references to earlier steps. It is
//! deterministic: the same size gives the same text.

#![allow(dead_code)]

use std::fmt::Write as _;

/// A pipeline with exactly `steps` steps, counting steps nested in loop bodies.
pub fn pipeline(steps: usize) -> String {
    let mut out = String::with_capacity(steps * 400);
    out.push_str(
        "# Generated pipeline for benchmarks: a mix of every common step type.\n\
         workflow:\n  \
           name: \"generated_pipeline\"\n  \
           description: >\n    \
             A large pipeline that exercises the parser, the validator and the writer\n    \
             the way real files do.\n  \
           checkpoint_enabled: false\n  \
           defaults:\n    \
             claude_preset: development\n    \
             gemini_model: \"gemini-2.5-flash\"\n\n  \
           steps:\n",
    );
    let mut made = 0;
    let mut top: Vec<String> = Vec::new();
    let mut i = 0;
    while made < steps {
        let left = steps - made;
        let kind = if left < 4 { 0 } else { i % 10 };
        let name = format!("step_{i:04}");
        if i % 7 == 0 {
            let _ = writeln!(out, "\n    # --- section {} ---", i / 7);
        }
        let prev = top.last().cloned();
        made += write_step(&mut out, kind, &name, prev.as_deref());
        top.push(name);
        i += 1;
    }
    out
}

/// Writes one top-level step of the given kind; returns how many steps it holds (loops hold more).
fn write_step(out: &mut String, kind: usize, name: &str, prev: Option<&str>) -> usize {
    let _ = writeln!(out, "    - name: \"{name}\"");
    match kind {
        1 => {
            let _ = write!(
                out,
                "      type: gemini\n      model: \"gemini-2.5-pro\"  # a bigger model for this one\n      \
                 token_budget:\n        max_output_tokens: 2048\n        temperature: 0.3\n      \
                 prompt:\n        - type: static\n          content: \"Summarise the findings of {name}.\"\n"
            );
            if let Some(p) = prev {
                let _ = writeln!(out, "        - type: previous_response\n          step: \"{p}\"");
            }
            1
        }
        2 => {
            let _ = write!(
                out,
                "      type: set_variable\n      variables:\n        items_{name}: [\"alpha\", \"beta\", \"gamma\"]\n        \
                 threshold: 7\n        label: 'quoted ''label'' with quotes'\n"
            );
            1
        }
        3 => {
            let _ = write!(
                out,
                "      type: claude_smart\n      preset: analysis\n      prompt:\n        - type: static\n          \
                 content: >\n            Review the design of component {name} and list the three most\n            \
                 important risks, each with a mitigation.\n"
            );
            1
        }
        4 => {
            let _ = write!(
                out,
                "      type: for_loop\n      iterator: item\n      data_source: \"{}\"\n      steps:\n",
                prev.unwrap_or("items")
            );
            for j in 0..3 {
                let _ = write!(
                    out,
                    "        - name: \"{name}_body_{j}\"\n          type: claude\n          claude_options:\n            \
                     max_turns: 2\n          prompt:\n            - type: static\n              content: \
                     \"Process one item (body step {j}).\"\n"
                );
            }
            4
        }
        5 => {
            let _ = write!(
                out,
                "      type: data_transform\n      input_source: \"previous_response:{}\"\n      operations:\n        \
                 - operation: filter\n          field: score\n          condition: \"score > 5\"\n        \
                 - operation: sort\n          field: score\n          order: desc\n      output_field: ranked\n",
                prev.unwrap_or("step_0000")
            );
            1
        }
        6 => {
            let _ = write!(
                out,
                "      type: claude\n      condition: \"{}.score > 7\"\n      output_to_file: \"{name}.md\"\n      \
                 prompt:\n        - type: static\n          content: |\n            Write release notes.\n            \
                 Keep them short.\n",
                prev.unwrap_or("step_0000")
            );
            1
        }
        7 => {
            let _ = write!(
                out,
                "      type: while_loop\n      condition: \"{}.done == false\"\n      max_iterations: 3\n      \
                 steps:\n        - name: \"{name}_retry\"\n          type: claude\n          prompt:\n            \
                 - type: static\n              content: \"Try again.\"\n",
                prev.unwrap_or("step_0000")
            );
            2
        }
        8 => {
            let _ = write!(
                out,
                "      type: file_ops\n      operation: copy\n      source: \"outputs/{name}.md\"\n      \
                 destination: \"archive/{name}.md\"\n"
            );
            1
        }
        9 => {
            let _ = write!(
                out,
                "      type: claude_extract\n      extraction_config:\n        format: markdown\n        \
                 include_metadata: true\n      prompt:\n        - type: static\n          content: \
                 \"Extract the key facts.\"\n"
            );
            if let Some(p) = prev {
                let _ = writeln!(out, "        - type: previous_response\n          step: \"{p}\"");
            }
            1
        }
        _ => {
            let _ = write!(
                out,
                "      type: claude\n      claude_options:\n        max_turns: 3\n        allowed_tools: [Read, Grep]\n        \
                 output_format: json\n      prompt:\n        - type: static\n          content: |\n            \
                 You are reviewing step {name}.\n            Explain what it does in two sentences.\n\n            \
                 Then list open questions.\n"
            );
            if let Some(p) = prev {
                let _ = writeln!(out, "        - type: previous_response\n          step: \"{p}\"");
            }
            1
        }
    }
}
