//! Lint rules (format reference §4.3, §5.4, §6): what the real loader accepts but breaks or silently does
//! nothing at run time. `docs/diagnostics/lint.md` lists every code.
//!
//! Two kinds of checks:
//! - **generic**, driven by the typed model through its annotated JSON Schema ([`crate::model`] →
//!   [`crate::schema`]): unknown keys, ignored fields, wrong types, values outside an enum, out-of-range
//!   numbers, missing required keys. Nothing here lists keys or enum values by hand.
//! - **semantic**, walking the steps with their scopes: references to missing, later or out-of-scope steps;
//!   loop variables; conditions and templates that can never work; step types in the wrong place; per-type
//!   rules of §2.4.
//!
//! Lint never repeats an error of the `pipeline_ex` level (§5.1 rules B1–B19 are that level's job): generic
//! findings the loader already rejects are dropped, and so is everything inside a step the loader rejects.
//! A generic finding is also dropped where a semantic check reported something more specific at the same path.

mod condition;
mod template;

use crate::validate::suggest::edit_distance;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::OnceLock;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::shape::{self, Finding, Kind};
use crate::model::{ClaudeOptions, ClaudeProvider, ConvertFormat, StepType, SupportLevel};
use crate::node::{Node, NodeKind};
use crate::parse::Document;
use crate::path::{Path, Seg};
use crate::validate::Options;

/// Every code this module can report (the test table and `docs/diagnostics/lint.md` cover each).
pub const CODES: &[&str] = &[
    "unknown-key",
    "ignored-field",
    "wrong-type",
    "invalid-enum-value",
    "unrecognized-value",
    "value-out-of-range",
    "too-few-items",
    "missing-required-field",
    "unknown-operation",
    "invalid-prompt-item-type",
    "duplicate-step-name",
    "unsupported-step-type",
    "unknown-step-type",
    "loop-body-step-type",
    "ignored-in-loop-body",
    "claude-option-ignored",
    "prompt-item-renders-empty",
    "unknown-step-reference",
    "forward-reference",
    "reference-out-of-scope",
    "invalid-loop-source",
    "invalid-input-source",
    "loop-variable-outside-loop",
    "unknown-loop-variable",
    "invalid-condition",
    "unknown-condition-function",
    "condition-function-arity",
    "condition-template",
    "condition-literal",
    "condition-unspaced-operator",
    "condition-unsupported-operator",
    "condition-steps-prefix",
    "condition-hyphenated-name",
    "loop-template-renders-empty",
    "template-renders-empty",
    "unknown-template-function",
    "unknown-variable",
    "set-variable-without-variables",
    "unsupported-filter-condition",
    "unimplemented-conversion",
    "pipeline-missing-source",
    "pipeline-ref-unsupported",
    "inline-pipeline-without-steps",
    "invalid-output-path",
    "timeout-looks-like-seconds",
];

/// Lints a parsed document. Never panics; returns nothing for documents the `pipeline_ex` level rejects
/// wholesale (no root mapping, no `workflow` mapping).
pub fn check(doc: &Document, opts: &Options) -> Vec<Diagnostic> {
    let Some(root) = &doc.root else { return Vec::new() };
    let Some(wf) = root.get("workflow").filter(|w| w.is_map()) else { return Vec::new() };
    let mut cx = Cx::new(doc, opts);
    let findings = shape::check(crate::schema::annotated(), root, &Path::root(), shape::Mode::Lint);
    let wf_path = Path::root().key("workflow");
    if let Some(steps) = wf.get("steps").and_then(Node::as_seq) {
        let pipe = Pipe::new(steps, Vec::new());
        let ctx = Ctx { region: Region::TopLevel, levels: Vec::new(), loops: Vec::new() };
        cx.steps(&pipe, steps, &wf_path.key("steps"), &ctx);
    }
    cx.finish(findings)
}

/// Where a list of steps sits; it decides which checks the loader already made and what the runner accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    /// `workflow.steps`: validated by the loader.
    TopLevel,
    /// A for_loop / while_loop body: never validated, run by the loop runner.
    LoopBody,
    /// The steps of an inline child pipeline: never validated, run by the executor.
    InlineChild,
}

/// One step list on the way from the pipeline's top level to the current step.
#[derive(Debug, Clone)]
struct Level<'a> {
    names: Rc<Names<'a>>,
    /// Index of the current step (or of the loop step that contains it) in the list.
    pos: usize,
}

/// The step names of one list: name → (first index, last index), so lookups do not scan the list.
#[derive(Debug, Default)]
struct Names<'a>(HashMap<&'a str, (usize, usize)>);

impl<'a> Names<'a> {
    fn new(names: &[Option<&'a str>]) -> Names<'a> {
        let mut m: HashMap<&'a str, (usize, usize)> = HashMap::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            if let Some(n) = n {
                m.entry(*n).and_modify(|e| e.1 = i).or_insert((i, i));
            }
        }
        Names(m)
    }

    /// The index of the first step of this name.
    fn first(&self, name: &str) -> Option<usize> {
        self.0.get(name).map(|(first, _)| *first)
    }

    /// Whether a step of this name comes before `pos`.
    fn before(&self, name: &str, pos: usize) -> bool {
        self.0.get(name).is_some_and(|(first, _)| *first < pos)
    }

    /// Whether a step of this name is at `pos` or after it.
    fn at_or_after(&self, name: &str, pos: usize) -> bool {
        self.0.get(name).is_some_and(|(_, last)| *last >= pos)
    }

    /// The names before `pos`.
    fn names_before(&self, pos: usize) -> impl Iterator<Item = &&'a str> {
        self.0.iter().filter(move |(_, (first, _))| *first < pos).map(|(n, _)| n)
    }
}

/// Loop variables available to conditions inside a loop.
#[derive(Debug, Clone)]
enum LoopVars<'a> {
    For { iterator: Option<&'a str> },
    While,
}

#[derive(Debug, Clone)]
struct Ctx<'a> {
    region: Region,
    levels: Vec<Level<'a>>,
    loops: Vec<LoopVars<'a>>,
}

/// One pipeline (the document, or an inline child): every step name in it and every variable it sets.
struct Pipe<'a> {
    all_names: HashSet<&'a str>,
    variables: HashSet<&'a str>,
    /// Steps of the parent visible to templates of an inline child (the parent substitutes them first).
    parent_template_names: Vec<&'a str>,
}

impl<'a> Pipe<'a> {
    fn new(steps: &'a [Node], parent_template_names: Vec<&'a str>) -> Pipe<'a> {
        // Gathered in lists first, so that each set is allocated once at its size.
        let (mut names, mut variables) = (Vec::with_capacity(steps.len()), Vec::new());
        Pipe::collect(steps, &mut names, &mut variables);
        let mut all_names = HashSet::with_capacity(names.len());
        all_names.extend(names);
        let mut vars = HashSet::with_capacity(variables.len());
        vars.extend(variables);
        Pipe { all_names, variables: vars, parent_template_names }
    }

    fn collect(steps: &'a [Node], names: &mut Vec<&'a str>, variables: &mut Vec<&'a str>) {
        for s in steps {
            if let Some(n) = s.get("name").map(Node::key_text).filter(|n| !n.is_empty()) {
                names.push(n);
            }
            let ty = s.get("type").and_then(Node::as_str);
            if ty == Some("set_variable")
                && let Some(vars) = s.get("variables").and_then(Node::as_map)
            {
                variables.extend(vars.iter().map(|e| e.key_str()));
            }
            // Loop bodies belong to the same pipeline; inline children are pipelines of their own.
            if matches!(ty, Some("for_loop" | "while_loop"))
                && let Some(body) = s.get("steps").and_then(Node::as_seq)
            {
                Pipe::collect(body, names, variables);
            }
        }
    }
}

/// One step below a path, borrowed from the document.
#[derive(Clone, Copy)]
enum Part<'n> {
    Key(&'n str),
    Index(usize),
}

/// The path of the node being checked, built only when a finding needs it.
type Here<'p> = &'p dyn Fn() -> Path;

/// How a referenced step name relates to the place that references it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefClass {
    Visible,
    /// The step exists in an enclosing list but has not run yet (itself or later).
    Forward,
    /// The step exists in this pipeline but inside a loop body that does not enclose the reference.
    OutOfScope,
    Unknown,
}

/// When a reference is resolved: templates when the top-level step starts, the rest when it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Template,
    Runtime,
}

struct Cx<'a> {
    doc: &'a Document,
    opts: &'a Options,
    out: Vec<Diagnostic>,
    /// Paths that received a specific finding: generic findings there are redundant.
    handled: HashSet<Path>,
    /// Every step mapping (at any depth): the path of its list and its indices there.
    step_lists: Vec<(Path, Vec<usize>)>,
    /// Steps whose content is not linted (the loader or the runner rejects the step itself).
    skipped: Vec<Path>,
}

impl<'a> Cx<'a> {
    fn new(doc: &'a Document, opts: &'a Options) -> Self {
        Cx { doc, opts, out: Vec::new(), handled: HashSet::new(), step_lists: Vec::new(), skipped: Vec::new() }
    }

    fn emit(
        &mut self,
        path: &Path,
        severity: Severity,
        code: &str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.handled.insert(path.clone());
        self.out.push(Diagnostic::at(self.doc, path, severity, code, message).with_hint(hint));
    }

    fn warn(&mut self, path: &Path, code: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.emit(path, Severity::Warning, code, message, hint);
    }

    fn error(&mut self, path: &Path, code: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.emit(path, Severity::Error, code, message, hint);
    }

    // ----- steps -------------------------------------------------------------------------------------------

    fn steps(&mut self, pipe: &Pipe<'a>, steps: &'a [Node], list_path: &Path, parent: &Ctx<'a>) {
        let names: Vec<Option<&'a str>> = steps.iter().map(|s| s.get("name").map(Node::key_text)).collect();
        let names = Rc::new(Names::new(&names));
        let mut ctx = parent.clone();
        ctx.levels.push(Level { names: Rc::clone(&names), pos: 0 });
        let mut map_steps = Vec::with_capacity(steps.len());
        for (i, step) in steps.iter().enumerate() {
            if !step.is_map() {
                continue;
            }
            let path = || list_path.index(i);
            if let Some(level) = ctx.levels.last_mut() {
                level.pos = i;
            }
            // Only mappings have a name, so the first step of a name is the first mapping that uses it.
            if let Some(name) = step.get("name").map(Node::key_text).filter(|n| !n.is_empty())
                && let Some(first) = names.first(name).filter(|&first| first < i)
            {
                self.warn(
                    &path().key("name"),
                    "duplicate-step-name",
                    format!("step name `{name}` is already used by {}", list_path.index(first)),
                    "rename one of the steps: pipeline_ex stores results by name, so the later step silently \
                     overwrites the earlier result and references reach only one of them",
                );
            }
            self.step(pipe, step, &path, &ctx);
            map_steps.push(i);
        }
        self.step_lists.push((list_path.clone(), map_steps));
    }

    /// Checks one step; returns early for steps whose type is rejected where they stand.
    fn step(&mut self, pipe: &Pipe<'a>, node: &'a Node, path: Here<'_>, ctx: &Ctx<'a>) {
        let Some(ty) = self.step_type(node, path, ctx) else {
            self.skipped.push(path());
            return;
        };
        self.condition_field(pipe, node, path, ty, ctx);
        if ctx.region == Region::LoopBody && node.get_non_null("output_to_file").is_some() {
            self.warn(
                &path().key("output_to_file"),
                "ignored-in-loop-body",
                "`output_to_file` is ignored for steps inside a loop body",
                "remove it, and save the loop step's own result with output_to_file on the loop instead",
            );
        }
        if ctx.region == Region::TopLevel && node.get_non_null("prompt").is_some_and(|p| !p.is_seq()) {
            // The loader rejects (B15c) or crashes on (B19x) a non-list prompt at the top level, whatever the type.
            self.handled.insert(path().key("prompt"));
        }
        if let Some(items) = node.get("prompt").and_then(Node::as_seq) {
            // At the top level the loader's dependency pass (B19) already checks previous_response names.
            let loader_checked = ctx.region == Region::TopLevel;
            self.prompt(pipe, items, &|| path().key("prompt"), ctx, loader_checked);
        }
        if let Some(opts) = node.get("claude_options") {
            self.claude_options(opts, &|| path().key("claude_options"), ty);
        }
        self.templates(pipe, node, path, ctx);
        match ty {
            StepType::SetVariable => self.set_variable(node, path),
            StepType::ForLoop | StepType::WhileLoop => self.loop_step(pipe, node, path, ty, ctx),
            StepType::DataTransform => self.data_transform(pipe, node, path, ctx),
            StepType::FileOps => self.file_ops(node, path),
            StepType::Pipeline => self.pipeline_step(node, path, ctx),
            StepType::ParallelClaude => self.parallel_claude(pipe, node, path, ctx),
            StepType::ClaudeBatch => self.claude_batch(pipe, node, path, ctx),
            _ => {}
        }
    }

    /// The step's type if its content should be linted here; reports types that cannot run where they stand
    /// (except at the top level, where the loader's own error covers them).
    fn step_type(&mut self, node: &Node, path: Here<'_>, ctx: &Ctx) -> Option<StepType> {
        let type_path = || path().key("type");
        let Some(type_node) = node.get_non_null("type") else {
            if ctx.region != Region::TopLevel {
                self.error(
                    &type_path(),
                    "missing-required-field",
                    "missing required key `type`",
                    "add `type:` with a step type, e.g. `type: claude`",
                );
            }
            return None;
        };
        let text = type_node.key_text();
        let parsed = type_node.as_str().and_then(StepType::parse);
        let Some(ty) = parsed else {
            if ctx.region != Region::TopLevel {
                let allowed = if ctx.region == Region::LoopBody { loop_types() } else { executable_type_list() };
                self.error(
                    &type_path(),
                    "unknown-step-type",
                    format!("`{text}` is not a step type"),
                    format!("use one of: {allowed}"),
                );
            }
            return None;
        };
        match (ctx.region, ty.support()) {
            (_, SupportLevel::Unsupported) => {
                let (severity, context) = if ctx.region == Region::TopLevel {
                    // The loader already reports "invalid type"; this adds why and what to use instead.
                    (Severity::Info, "the loader rejects it")
                } else {
                    (Severity::Error, "it cannot run here")
                };
                self.emit(
                    &type_path(),
                    severity,
                    "unsupported-step-type",
                    format!("step type `{ty}` is documented but not implemented by pipeline_ex; {context}"),
                    unsupported_hint(ty),
                );
                None
            }
            (Region::TopLevel, _) if !ty.accepted_by_loader(self.opts.allow_test_types) => None,
            (Region::LoopBody, _) if !ty.allowed_in_loop() => {
                self.error(
                    &type_path(),
                    "loop-body-step-type",
                    format!("`{ty}` steps cannot run inside a loop body: the loop runner fails with \"unsupported step type in loop\""),
                    format!("move the step out of the loop; loop bodies accept only: {}", loop_types()),
                );
                None
            }
            (Region::InlineChild, SupportLevel::TestOnly) if !self.opts.allow_test_types => {
                self.error(
                    &type_path(),
                    "unknown-step-type",
                    "`test_echo` runs only in pipeline_ex's test environment; elsewhere the step fails",
                    format!("use one of: {}", executable_type_list()),
                );
                None
            }
            _ => Some(ty),
        }
    }

    // ----- conditions --------------------------------------------------------------------------------------

    fn condition_field(&mut self, pipe: &Pipe<'a>, node: &'a Node, path: Here<'_>, ty: StepType, ctx: &Ctx<'a>) {
        let Some(cond) = node.get_non_null("condition") else { return };
        let cpath = || path().key("condition");
        if ctx.region == Region::LoopBody {
            self.warn(
                &cpath(),
                "ignored-in-loop-body",
                "`condition` is never evaluated for steps inside a loop body: the step always runs",
                "move the test into the loop's break_condition / continue_condition, or restructure the loop",
            );
            return;
        }
        if ty == StepType::WhileLoop {
            if cond.as_str().is_none() {
                self.error(
                    &cpath(),
                    "invalid-condition",
                    format!("a while_loop condition must be a string, found {}", cond.type_name()),
                    "write the loop test as one string expression, e.g. `condition: \"review.score < 8\"`",
                );
                return;
            }
            // Evaluated as the gate (outside the loop) and after each iteration (with the body's results).
            let mut inner = ctx.clone();
            inner.loops.push(LoopVars::While);
            let body = body_names(node);
            self.condition(pipe, cond, &cpath, &inner, &body);
            return;
        }
        self.condition(pipe, cond, &cpath, ctx, &[]);
    }

    /// Checks a condition node (string, and/or/not mapping, list). `extra_visible`: step names that have run
    /// when it is evaluated besides the enclosing lists' earlier steps (a loop's own body).
    fn condition(&mut self, pipe: &Pipe<'a>, cond: &Node, path: Here<'_>, ctx: &Ctx<'a>, extra_visible: &[&str]) {
        match &cond.kind {
            NodeKind::Null => {}
            NodeKind::Str(s) => self.condition_text(pipe, s, path, ctx, extra_visible),
            NodeKind::Seq(items) => {
                for (i, c) in items.iter().enumerate() {
                    self.condition(pipe, c, &|| path().index(i), ctx, extra_visible);
                }
            }
            NodeKind::Map(_) => {
                let mut any = false;
                for key in ["and", "or"] {
                    if let Some(v) = cond.get(key) {
                        any = true;
                        match v.as_seq() {
                            Some(items) => {
                                for (i, c) in items.iter().enumerate() {
                                    self.condition(pipe, c, &|| path().key(key).index(i), ctx, extra_visible);
                                }
                            }
                            None => self.error(
                                &path().key(key),
                                "invalid-condition",
                                format!("`{key}:` must hold a list of conditions, found {}", v.type_name()),
                                format!("write `{key}: [cond1, cond2]`"),
                            ),
                        }
                    }
                }
                if let Some(v) = cond.get("not") {
                    any = true;
                    self.condition(pipe, v, &|| path().key("not"), ctx, extra_visible);
                }
                if !any {
                    self.error(
                        &path(),
                        "invalid-condition",
                        "a condition mapping must have an `and`, `or` or `not` key; pipeline_ex crashes on any other",
                        "write a string expression, or {and: [...]}, {or: [...]}, {not: ...}",
                    );
                }
            }
            _ => self.error(
                &path(),
                "invalid-condition",
                format!("a condition cannot be {} (`{}`): pipeline_ex crashes when it evaluates it", cond.type_name(), cond.display_scalar()),
                "remove the condition to always run the step, or write an expression over step results, e.g. `check.passed`",
            ),
        }
    }

    fn condition_text(&mut self, pipe: &Pipe<'a>, text: &str, path: Here<'_>, ctx: &Ctx<'a>, extra_visible: &[&str]) {
        let analysis = condition::analyze(text);
        for p in analysis.problems {
            let sev = if p.error { Severity::Error } else { Severity::Warning };
            self.emit(&path(), sev, p.code, p.message, p.hint);
        }
        for dotted in analysis.paths {
            let head = dotted.split('.').next().unwrap_or(&dotted);
            if head == "loop" {
                self.loop_variable(&dotted, path, ctx);
                continue;
            }
            if extra_visible.contains(&head) {
                continue;
            }
            let class = self.classify(pipe, head, ctx, When::Runtime);
            self.reference(class, head, path, "condition", When::Runtime, Some(&dotted));
        }
    }

    fn loop_variable(&mut self, dotted: &str, path: Here<'_>, ctx: &Ctx) {
        let Some(innermost) = ctx.loops.last() else {
            self.warn(
                &path(),
                "loop-variable-outside-loop",
                format!("`{dotted}` is read outside any loop, where `loop` is not set, so it is always empty"),
                "loop variables exist only in a for_loop's break_condition / continue_condition and a while_loop's condition",
            );
            return;
        };
        let var = dotted.split('.').nth(1).unwrap_or("");
        let (known, doc_alias): (Vec<&str>, Option<&str>) = match innermost {
            LoopVars::For { iterator } => {
                let mut k = vec!["index", "total", "first", "last", "level", "parent"];
                if let Some(it) = iterator {
                    k.push(it);
                }
                let alias = match var {
                    "length" => Some("total"),
                    "is_first" => Some("first"),
                    "is_last" => Some("last"),
                    _ => None,
                };
                (k, alias)
            }
            LoopVars::While => (vec!["iteration", "count", "parent", "level"], None),
        };
        if !known.contains(&var) {
            let hint = match doc_alias {
                Some(real) => format!("pipeline_ex calls it `loop.{real}`"),
                None => {
                    format!("use one of: {}", known.iter().map(|k| format!("loop.{k}")).collect::<Vec<_>>().join(", "))
                }
            };
            self.warn(
                &path(),
                "unknown-loop-variable",
                format!("`loop.{var}` is not a variable of the enclosing loop, so it is always empty"),
                hint,
            );
        }
    }

    // ----- references --------------------------------------------------------------------------------------

    /// Classifies a step name referenced from the current step.
    fn classify(&self, pipe: &Pipe, name: &str, ctx: &Ctx, when: When) -> RefClass {
        let levels: &[Level] = match when {
            // Templates are substituted when the top-level step starts: only the top-level list counts.
            When::Template => ctx.levels.get(..1).unwrap_or_default(),
            When::Runtime => &ctx.levels,
        };
        if levels.iter().any(|l| l.names.before(name, l.pos)) {
            return RefClass::Visible;
        }
        if when == When::Template && pipe.parent_template_names.contains(&name) {
            return RefClass::Visible;
        }
        if levels.iter().any(|l| l.names.at_or_after(name, l.pos)) {
            return RefClass::Forward;
        }
        if pipe.all_names.contains(name) {
            return RefClass::OutOfScope;
        }
        RefClass::Unknown
    }

    /// Reports a reference of class `class`. `what` names the kind of reference for the message.
    fn reference(&mut self, class: RefClass, name: &str, path: Here<'_>, what: &str, when: When, text: Option<&str>) {
        let shown = text.unwrap_or(name);
        match class {
            RefClass::Visible => {}
            RefClass::Forward => self.warn(
                &path(),
                "forward-reference",
                format!("{what} `{shown}` refers to step `{name}`, which has not run yet at this point (it is this step, a later one, or the loop that contains this step)"),
                "move the referenced step before this one, or refer to an earlier step",
            ),
            RefClass::OutOfScope => {
                let why = if when == When::Template {
                    "templates are resolved when the enclosing top-level step starts, so results of steps inside loop bodies (or later steps) are never available to them"
                } else {
                    "it is inside a loop body that does not enclose this reference, and loop sub-step results are not kept after the loop"
                };
                self.warn(
                    &path(),
                    "reference-out-of-scope",
                    format!("{what} `{shown}` refers to step `{name}`, which is not visible here: {why}"),
                    "refer to the loop step's own result instead, or move the reference inside the loop",
                );
            }
            RefClass::Unknown => {
                let hint = if what == "condition" {
                    "conditions read step results: the first path segment must be the name of an earlier step (no \
                     `steps.` prefix, no variables); quote string literals, e.g. `review.status == 'passed'`"
                        .to_string()
                } else {
                    format!("use the name of an earlier step, or add a step named `{name}` before this one")
                };
                self.warn(
                    &path(),
                    "unknown-step-reference",
                    format!("{what} `{shown}` refers to `{name}`, which is not a step of this pipeline"),
                    hint,
                );
            }
        }
    }

    // ----- prompts -----------------------------------------------------------------------------------------

    /// Checks prompt items. `loader_checked`: the loader already rejects `previous_response` names that are not
    /// top-level steps, so only references to steps that have not run yet are left to report.
    fn prompt(&mut self, pipe: &Pipe, items: &[Node], path: Here<'_>, ctx: &Ctx, loader_checked: bool) {
        for (i, item) in items.iter().enumerate() {
            let ipath = || path().index(i);
            match item.get("type").and_then(Node::as_str) {
                Some(t @ ("session_context" | "claude_continue")) => self.warn(
                    &ipath().key("type"),
                    "prompt-item-renders-empty",
                    format!("a `{t}` prompt item renders as an empty string in pipeline_ex"),
                    "use a claude_session step for conversations, and previous_response / static items for the text",
                ),
                Some("previous_response") => {
                    let Some(step) = item.get_non_null("step") else { continue };
                    let name = step.key_text();
                    let class = self.classify(pipe, name, ctx, When::Runtime);
                    if loader_checked && class != RefClass::Forward {
                        continue;
                    }
                    self.reference(class, name, &|| ipath().key("step"), "previous_response", When::Runtime, None);
                }
                _ => {}
            }
        }
    }

    fn claude_options(&mut self, opts: &Node, path: Here<'_>, ty: StepType) {
        if !opts.is_map() {
            return;
        }
        match ty.info().claude_options {
            ClaudeProvider::None => self.warn(
                &path(),
                "claude-option-ignored",
                format!("`{ty}` steps never read claude_options"),
                "remove it; only claude, parallel_claude and the claude_* step types use Claude options",
            ),
            ClaudeProvider::Basic => self.basic_provider_options(opts, path, ty.as_str()),
            ClaudeProvider::Agent => {}
        }
    }

    /// Reports keys the basic provider does not read (known keys only: unknown and ignored ones already get
    /// their own finding from the schema).
    fn basic_provider_options(&mut self, opts: &Node, path: Here<'_>, what: &str) {
        for e in opts.as_map().unwrap_or_default() {
            let key = e.key_str();
            if read_by_agent(key) && !ClaudeOptions::BASIC_PROVIDER_KEYS.contains(&key) {
                self.warn(
                    &path().key(key),
                    "claude-option-ignored",
                    format!("`{key}` is read only by the agent provider; `{what}` uses the basic Claude provider, which ignores it"),
                    format!(
                        "remove it, or use a claude_smart step; the basic provider reads only: {}",
                        ClaudeOptions::BASIC_PROVIDER_KEYS.join(", ")
                    ),
                );
            }
        }
    }

    // ----- templates ---------------------------------------------------------------------------------------

    /// Checks the templates in every string of the step, except in nested steps (checked with their own step),
    /// conditions (condition-template covers them) and loop / transform sources (their own checks cover them).
    fn templates(&mut self, pipe: &Pipe, node: &Node, path: Here<'_>, ctx: &Ctx) {
        let Some(entries) = node.as_map() else { return };
        let mut stack = Vec::new();
        for e in entries {
            let key = e.key_str();
            if matches!(
                key,
                "steps"
                    | "pipeline"
                    | "condition"
                    | "break_condition"
                    | "continue_condition"
                    | "data_source"
                    | "input_source"
            ) {
                continue;
            }
            stack.push(Part::Key(key));
            self.templates_in(pipe, &e.value, path, &mut stack, ctx);
            stack.pop();
        }
    }

    /// `stack`: the way from `base` to `node`, borrowed; a [`Path`] is built only for a finding.
    fn templates_in<'n>(&mut self, pipe: &Pipe, node: &'n Node, base: Here<'_>, stack: &mut Vec<Part<'n>>, ctx: &Ctx) {
        match &node.kind {
            NodeKind::Str(s) => {
                if !template::has_open(s) {
                    return;
                }
                let mut path = base();
                path.0.extend(stack.iter().map(|part| match part {
                    Part::Key(k) => Seg::Key((*k).to_string()),
                    Part::Index(i) => Seg::Index(*i),
                }));
                for expr in template::extract(s) {
                    self.template(pipe, expr, &path, ctx);
                }
            }
            NodeKind::Seq(items) => {
                for (i, n) in items.iter().enumerate() {
                    stack.push(Part::Index(i));
                    self.templates_in(pipe, n, base, stack, ctx);
                    stack.pop();
                }
            }
            NodeKind::Map(entries) => {
                for e in entries {
                    stack.push(Part::Key(e.key_str()));
                    self.templates_in(pipe, &e.value, base, stack, ctx);
                    stack.pop();
                }
            }
            _ => {}
        }
    }

    fn template(&mut self, pipe: &Pipe, expr: &str, path: &Path, ctx: &Ctx) {
        let shown = format!("{{{{{expr}}}}}");
        match template::classify(expr) {
            template::Template::Opaque => {}
            template::Template::Step(name) => {
                let class = self.classify(pipe, name, ctx, When::Template);
                if class == RefClass::Unknown {
                    self.warn(
                        path,
                        "unknown-step-reference",
                        format!("template `{shown}` refers to `{name}`, which is not a step of this pipeline; it stays in the text verbatim"),
                        format!("use the name of an earlier step, or add a step named `{name}` before this one"),
                    );
                } else {
                    self.reference(class, name, &|| path.clone(), "template", When::Template, Some(&shown));
                }
            }
            template::Template::Function { name, known, steps } => {
                if !known {
                    self.warn(
                        path,
                        "unknown-template-function",
                        format!("`{name}()` is not a template function, so `{shown}` renders as its literal text"),
                        "template functions are: multiply, add, subtract, divide, max, min, round, floor, ceil",
                    );
                }
                for s in steps {
                    let class = self.classify(pipe, s, ctx, When::Template);
                    self.reference(class, s, &|| path.clone(), "template", When::Template, Some(&shown));
                }
            }
            template::Template::Loop => self.warn(
                path,
                "loop-template-renders-empty",
                format!("`{shown}` renders as an empty string: pipeline_ex blanks loop templates before the loop starts and never re-renders sub-steps"),
                "loop variables are only readable by conditions (break_condition, continue_condition); to use each item in a prompt, \
                 process the list in one step (e.g. previous_response of the list) instead of a loop",
            ),
            template::Template::Variable(name) => {
                if pipe.variables.contains(name) {
                    return;
                }
                let hint = if pipe.all_names.contains(name) {
                    format!("`{name}` is a step: read its result with {{{{steps.{expr}}}}}")
                } else {
                    format!("set `{name}` with an earlier set_variable step (variables: {{{name}: …}}), or use {{{{global_vars.{name}}}}} with workflow.global_vars")
                };
                self.warn(
                    path,
                    "unknown-variable",
                    format!("`{shown}` reads variable `{name}`, which no set_variable step sets, so it renders empty"),
                    hint,
                );
            }
            template::Template::Empty(why) => self.warn(
                path,
                "template-renders-empty",
                why,
                "remove it or write the value literally; templates understand steps.X, inputs.X, global_vars.X, state.X, \
                 variable names, simple arithmetic and the functions multiply/add/subtract/divide/max/min/round/floor/ceil",
            ),
        }
    }

    // ----- per-type rules ----------------------------------------------------------------------------------

    fn set_variable(&mut self, node: &Node, path: Here<'_>) {
        let vars = node.get_non_null("variables");
        let empty = vars.is_none_or(|v| v.as_map().is_some_and(<[_]>::is_empty));
        if !empty {
            return;
        }
        if node.get("variable").is_some() {
            let vpath = path().key("variable");
            self.handled.insert(path().key("value"));
            let name = node.get("variable").map(Node::key_text).unwrap_or("name");
            self.warn(
                &vpath,
                "set-variable-without-variables",
                "set_variable reads a `variables:` mapping; `variable:` / `value:` are ignored, so this step does nothing",
                format!("write `variables: {{{name}: <value>}}` instead of `variable:` and `value:`"),
            );
        } else {
            let p = if vars.is_some() { path().key("variables") } else { path() };
            self.warn(
                &p,
                "set-variable-without-variables",
                "set_variable without variables does nothing",
                "add `variables:` with name: value pairs",
            );
        }
    }

    fn loop_step(&mut self, pipe: &Pipe<'a>, node: &'a Node, path: Here<'_>, ty: StepType, ctx: &Ctx<'a>) {
        let vars = if ty == StepType::ForLoop {
            LoopVars::For { iterator: node.get("iterator").and_then(Node::as_str) }
        } else {
            LoopVars::While
        };
        let mut inner = ctx.clone();
        inner.loops.push(vars);
        if ty == StepType::ForLoop {
            if let Some(src) = node.get_non_null("data_source") {
                self.data_source(pipe, src, &|| path().key("data_source"), ctx);
            }
            let body = body_names(node);
            for key in ["break_condition", "continue_condition"] {
                if let Some(c) = node.get_non_null(key) {
                    self.condition(pipe, c, &|| path().key(key), &inner, &body);
                }
            }
        }
        if let Some(body) = node.get("steps").and_then(Node::as_seq) {
            inner.region = Region::LoopBody;
            self.steps(pipe, body, &path().key("steps"), &inner);
        }
    }

    fn data_source(&mut self, pipe: &Pipe, src: &Node, path: Here<'_>, ctx: &Ctx) {
        let Some(s) = src.as_str() else {
            let hint = if src.is_seq() {
                "put the list in a set_variable step (variables: {items: [...]}) and write `data_source: items`"
            } else {
                "write the name of a variable or step, or `step:field.path`"
            };
            self.error(
                &path(),
                "invalid-loop-source",
                format!("`data_source` must be a string, found {}: the loop fails or crashes", src.type_name()),
                hint,
            );
            return;
        };
        if s.contains("{{") {
            self.error(
                &path(),
                "invalid-loop-source",
                "`data_source` is a template: the executor renders it to text first, which never names a list",
                "write the source without braces: `variable_name` or `step_name:field.path`",
            );
            return;
        }
        if s.starts_with("steps.") {
            self.error(
                &path(),
                "invalid-loop-source",
                format!("`{s}` is looked up as a variable or step literally named so, which does not exist"),
                format!("write `{}` (step name, colon, field path)", steps_path_to_source(s)),
            );
            return;
        }
        let head = s.split(':').next().unwrap_or(s);
        if head == "previous_response" && !pipe.all_names.contains("previous_response") {
            let rest = s.strip_prefix("previous_response:").unwrap_or("");
            self.error(
                &path(),
                "invalid-loop-source",
                format!(
                    "`{s}` looks for the result of a step named `previous_response`; there is none, so the loop fails"
                ),
                if rest.is_empty() {
                    "name the step that produces the list: `data_source: step_name` or `step_name:field.path`"
                        .to_string()
                } else {
                    format!("drop the `previous_response:` prefix: `data_source: \"{rest}\"`")
                },
            );
            return;
        }
        let enclosing_iterator =
            ctx.loops.iter().any(|l| matches!(l, LoopVars::For { iterator: Some(it) } if *it == head));
        if (!s.contains(':') && pipe.variables.contains(head)) || enclosing_iterator || head == "loop" {
            return;
        }
        let class = self.classify(pipe, head, ctx, When::Runtime);
        self.reference(class, head, path, "data_source", When::Runtime, Some(s));
    }

    fn data_transform(&mut self, pipe: &Pipe, node: &Node, path: Here<'_>, ctx: &Ctx) {
        if let Some(src) = node.get_non_null("input_source").and_then(Node::as_str) {
            let ipath = || path().key("input_source");
            if src.contains("{{") || src.starts_with("steps.") {
                self.error(
                    &ipath(),
                    "invalid-input-source",
                    format!("`{src}` does not resolve: data_transform does not read templates or `steps.` paths"),
                    format!("write `previous_response:{}`", steps_path_to_source(src.trim_matches(['{', '}', ' ']))),
                );
            } else if let Some(rest) = src.strip_prefix("previous_response") {
                let step = rest.strip_prefix(':').and_then(|r| r.split(':').next()).unwrap_or("");
                if step.is_empty() {
                    self.error(
                        &ipath(),
                        "invalid-input-source",
                        "`previous_response` needs a step name: `previous_response:STEP[:field.path]`",
                        "name the step whose result holds the data, e.g. `previous_response:fetch_items`",
                    );
                } else {
                    let class = self.classify(pipe, step, ctx, When::Runtime);
                    let dotted_head = step.split_once('.').filter(|(h, _)| pipe.all_names.contains(*h));
                    match (class, dotted_head) {
                        (RefClass::Unknown, Some((head, field))) => self.error(
                            &ipath(),
                            "invalid-input-source",
                            format!("`{src}` names a step `{step}`, which does not exist: the field path is separated by `:`, not `.`"),
                            format!("write `previous_response:{head}:{field}`"),
                        ),
                        _ => self.reference(class, step, &ipath, "input_source", When::Runtime, Some(src)),
                    }
                }
            } else if !src.starts_with("context:") {
                let head = src.split(['.', ':']).next().unwrap_or(src);
                if !pipe.variables.contains(head) {
                    let class = self.classify(pipe, head, ctx, When::Runtime);
                    self.reference(class, head, &ipath, "input_source", When::Runtime, Some(src));
                }
            }
        }
        for (i, op) in node.get("operations").and_then(Node::as_seq).unwrap_or_default().iter().enumerate() {
            if op.get("operation").and_then(Node::as_str) != Some("filter") {
                continue;
            }
            let Some(cond) = op.get("condition").and_then(Node::as_str) else { continue };
            let padded = format!(" {} ", cond.to_ascii_lowercase());
            if [" and ", " or ", "&&", "||"].iter().any(|w| padded.contains(w)) {
                self.warn(
                    &path().key("operations").index(i).key("condition"),
                    "unsupported-filter-condition",
                    format!(
                        "filter condition `{cond}` combines tests with and/or, which data_transform does not support"
                    ),
                    "use one comparison per filter operation and chain several filter operations",
                );
            }
        }
    }

    fn file_ops(&mut self, node: &Node, path: Here<'_>) {
        let Some(fmt) = node.get("format").and_then(Node::as_str) else { return };
        let parsed: Option<ConvertFormat> = serde_json::from_value(Value::from(fmt)).ok();
        if parsed.is_some_and(|f| !f.is_implemented()) {
            self.error(
                &path().key("format"),
                "unimplemented-conversion",
                format!("conversion `{fmt}` is accepted but not implemented: the step always fails with \"not yet implemented\""),
                "use csv_to_json, json_to_csv or yaml_to_json",
            );
        }
    }

    fn pipeline_step(&mut self, node: &'a Node, path: Here<'_>, ctx: &Ctx<'a>) {
        let file = node.get_non_null("pipeline_file");
        let inline = node.get_non_null("pipeline");
        let reference = node.get_non_null("pipeline_ref");
        if file.is_none() && inline.is_none() {
            match reference {
                Some(_) => self.error(
                    &path().key("pipeline_ref"),
                    "pipeline-ref-unsupported",
                    "`pipeline_ref` is not implemented (there is no pipeline registry): the step always fails",
                    "use `pipeline_file: path/to/child.yaml` or an inline `pipeline:` definition",
                ),
                None => self.error(
                    &path(),
                    "pipeline-missing-source",
                    "a pipeline step needs `pipeline_file`, `pipeline` (inline) or `pipeline_ref`; without one it fails",
                    "add `pipeline_file: path/to/child.yaml`",
                ),
            }
        }
        let mut child_names: Option<HashSet<&str>> = None;
        if file.is_none()
            && let Some(inline) = inline
        {
            let ipath = path().key("pipeline");
            let (steps, steps_path) = match inline.get("workflow").filter(|w| w.is_map()) {
                Some(wf) => (wf.get("steps"), ipath.key("workflow").key("steps")),
                None => (inline.get("steps"), ipath.key("steps")),
            };
            match steps.and_then(Node::as_seq) {
                Some(steps) => {
                    let parent_visible: Vec<&str> =
                        ctx.levels.first().map(|l| l.names.names_before(l.pos).copied().collect()).unwrap_or_default();
                    let child = Pipe::new(steps, parent_visible);
                    child_names = Some(child.all_names.clone());
                    let cctx = Ctx { region: Region::InlineChild, levels: Vec::new(), loops: Vec::new() };
                    self.steps(&child, steps, &steps_path, &cctx);
                }
                None if inline.is_map() => self.error(
                    &ipath,
                    "inline-pipeline-without-steps",
                    "an inline pipeline needs a `steps` list (bare, or under `workflow:`); without it the step fails",
                    "add `steps:` with the child's steps",
                ),
                None => {}
            }
        }
        let outputs = node.get("outputs").and_then(Node::as_seq).unwrap_or_default();
        for (i, out) in outputs.iter().enumerate() {
            let opath = path().key("outputs").index(i);
            let (text, text_path) = match &out.kind {
                NodeKind::Str(s) => (s.as_str(), opath.clone()),
                NodeKind::Map(_) => match out.get("path").and_then(Node::as_str) {
                    Some(p) => (p, opath.key("path")),
                    None => continue,
                },
                _ => continue,
            };
            if text.contains('[') {
                self.warn(
                    &text_path,
                    "invalid-output-path",
                    format!("output path `{text}` uses `[...]`, but output paths support only dot-separated keys; the step fails"),
                    "return the whole list (`step.field`) and pick the element in a later step",
                );
                continue;
            }
            let head = text.split('.').next().unwrap_or(text);
            if let Some(names) = &child_names
                && !names.contains(head)
            {
                self.warn(
                    &text_path,
                    "unknown-step-reference",
                    format!(
                        "output `{text}` refers to `{head}`, which is not a step of the inline pipeline; the step fails"
                    ),
                    "start the output path with the name of a child step",
                );
            }
        }
    }

    fn parallel_claude(&mut self, pipe: &Pipe, node: &Node, path: Here<'_>, ctx: &Ctx) {
        let tasks = node.get("parallel_tasks").and_then(Node::as_seq).unwrap_or_default();
        for (i, task) in tasks.iter().enumerate() {
            let tpath = || path().key("parallel_tasks").index(i);
            if let Some(items) = task.get("prompt").and_then(Node::as_seq) {
                self.prompt(pipe, items, &|| tpath().key("prompt"), ctx, false);
            }
            if let Some(opts) = task.get("claude_options").filter(|o| o.is_map()) {
                self.basic_provider_options(opts, &|| tpath().key("claude_options"), "parallel_claude tasks");
            }
        }
    }

    fn claude_batch(&mut self, pipe: &Pipe, node: &Node, path: Here<'_>, ctx: &Ctx) {
        let tasks = node.get("tasks").and_then(Node::as_seq).unwrap_or_default();
        for (i, task) in tasks.iter().enumerate() {
            if let Some(items) = task.get("prompt").and_then(Node::as_seq) {
                self.prompt(pipe, items, &|| path().key("tasks").index(i).key("prompt"), ctx, false);
            }
        }
        let timeout = node.get("batch_config").and_then(|c| c.get("timeout_per_task"));
        if let Some(ms) = timeout.and_then(Node::as_i64)
            && (1..1000).contains(&ms)
        {
            self.warn(
                &path().key("batch_config").key("timeout_per_task"),
                "timeout-looks-like-seconds",
                format!("timeout_per_task is in milliseconds: {ms} ms is almost certainly too short for a Claude task"),
                format!("write `timeout_per_task: {}` for {ms} seconds", ms.saturating_mul(1000)),
            );
        }
    }

    // ----- generic findings --------------------------------------------------------------------------------

    fn finish(mut self, findings: Vec<Finding>) -> Vec<Diagnostic> {
        // Only step-type findings look the step paths up: the set is built when there is one.
        let step_paths: HashSet<Path> = if findings.iter().any(|f| matches!(f.kind, Kind::NoVariant { .. })) {
            self.step_lists.iter().flat_map(|(list, indices)| indices.iter().map(|&i| list.index(i))).collect()
        } else {
            HashSet::new()
        };
        for f in findings {
            if self.is_redundant(&f, &step_paths) {
                continue;
            }
            let Some(d) = self.generic(&f) else { continue };
            self.out.push(d);
        }
        self.out.sort_by(|a, b| (a.span.start.byte, &a.path, &a.code).cmp(&(b.span.start.byte, &b.path, &b.code)));
        self.out.dedup_by(|a, b| a.code == b.code && a.path == b.path && a.message == b.message);
        self.out
    }

    /// Whether a generic finding repeats a loader error, a specific finding, or concerns a step that is not
    /// linted at all.
    fn is_redundant(&self, f: &Finding, step_paths: &HashSet<Path>) -> bool {
        if self.handled.contains(&f.path) {
            return true;
        }
        if self.skipped.iter().any(|s| f.path.segments().starts_with(s.segments())) {
            return true;
        }
        // Step types are reported by `step_type` with context-specific wording.
        if let Kind::NoVariant { .. } = f.kind
            && f.path.parent().is_some_and(|p| step_paths.contains(&p))
        {
            return true;
        }
        loader_checks(f)
    }

    fn generic(&self, f: &Finding) -> Option<Diagnostic> {
        let sev = |default: Severity| f.severity.unwrap_or(default);
        let field = f.subject();
        let about = f.description.as_deref().map(first_sentence).unwrap_or_default();
        let (severity, code, hint) = match &f.kind {
            Kind::UnknownKey { known } => {
                let key = last_key(&f.path).unwrap_or_default();
                let hint = match did_you_mean(key, known) {
                    Some(k) => format!("did you mean `{k}`? Otherwise remove it"),
                    None => format!("remove it or check the spelling; keys read here: {}", list_keys(known)),
                };
                (Severity::Warning, "unknown-key", hint)
            }
            Kind::Ignored { hint } => (sev(Severity::Warning), "ignored-field", capitalize(hint)),
            Kind::WrongType { expected, .. } => {
                (sev(Severity::Warning), "wrong-type", format!("write {expected} here. {about}").trim().to_string())
            }
            Kind::InvalidValue { value, allowed, open: false } => {
                let code =
                    if last_key(&f.path) == Some("operation") { "unknown-operation" } else { "invalid-enum-value" };
                let severity = if code == "unknown-operation" { Severity::Error } else { sev(Severity::Warning) };
                let hint = match did_you_mean(value, allowed) {
                    Some(v) => format!("did you mean `{v}`? Allowed: {}", allowed.join(", ")),
                    None => format!("use one of: {}", allowed.join(", ")),
                };
                (severity, code, hint)
            }
            Kind::InvalidValue { allowed, open: true, .. } => (
                Severity::Warning,
                "unrecognized-value",
                format!("use one of: {}. {about}", allowed.join(", ")).trim().to_string(),
            ),
            Kind::OutOfRange { bound, .. } => (
                sev(Severity::Warning),
                "value-out-of-range",
                format!("use a value {bound}. {about}").trim().to_string(),
            ),
            Kind::TooFewItems { min } => {
                (Severity::Warning, "too-few-items", format!("add at least {min} item(s) to {field}"))
            }
            Kind::MissingRequired => (
                Severity::Error,
                "missing-required-field",
                format!("add {field}; pipeline_ex needs it when the step runs"),
            ),
            Kind::NoVariant { allowed, .. } => {
                let code = if last_key(&f.path) == Some("operation") {
                    "unknown-operation"
                } else {
                    "invalid-prompt-item-type"
                };
                (Severity::Error, code, format!("use one of: {}", allowed.join(", ")))
            }
        };
        Some(Diagnostic::at(self.doc, &f.path, severity, code, f.message()).with_hint(hint))
    }
}

/// Whether the `pipeline_ex` level already reports this generic finding as an error (§5.1 B1–B19).
fn loader_checks(f: &Finding) -> bool {
    let segs = f.path.segments();
    let key = |i: usize| match segs.get(i) {
        Some(Seg::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let is_index = |i: usize| matches!(segs.get(i), Some(Seg::Index(_)));
    let missing_or_type = matches!(f.kind, Kind::MissingRequired | Kind::WrongType { .. });
    match segs.len() {
        // B1–B3: the root and `workflow` itself.
        0 => return true,
        1 => return key(0) == Some("workflow"),
        _ => {}
    }
    if key(0) != Some("workflow") {
        return false;
    }
    match key(1) {
        // B4 (null only; `name: 123` passes the loader and is linted), B5, B6.
        Some("name") if segs.len() == 2 => matches!(f.kind, Kind::MissingRequired),
        Some("steps") if segs.len() == 2 => true,
        // B7, B8: functions map, definition maps, description and parameters presence, parameters map.
        Some("gemini_functions") => match segs.len() {
            2 | 3 => missing_or_type,
            4 => matches!(f.kind, Kind::MissingRequired) || (key(3) == Some("parameters") && missing_or_type),
            _ => false,
        },
        Some("steps") if is_index(2) => {
            let rest: Vec<&str> = (3..segs.len()).map(|i| key(i).unwrap_or("#")).collect();
            match rest.as_slice() {
                // B9 (non-map step), B10 (name null), B11/B12 (type), B13 (parallel_tasks null).
                [] => true,
                ["name"] | ["parallel_tasks"] => matches!(f.kind, Kind::MissingRequired),
                ["type"] => true,
                // B15, B16, B19x: prompt presence and shape, prompt items, their types and required fields.
                ["prompt"] => missing_or_type,
                ["prompt", "#"] => true,
                ["prompt", "#", "type"] => true,
                ["prompt", "#", _] => matches!(f.kind, Kind::MissingRequired),
                // B17, B18: functions list and names.
                ["functions"] | ["functions", "#"] => missing_or_type,
                // B14a: `type: claude` with non-map claude_options (crash); any type is linted for other keys.
                ["claude_options"] => matches!(f.kind, Kind::WrongType { .. }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `key` is a Claude option the agent provider reads (a property of `ClaudeOptions` that is not
/// `x-ignored`); the set is taken from the schema once.
fn read_by_agent(key: &str) -> bool {
    static KEYS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let props = crate::schema::definition("ClaudeOptions").and_then(|d| d.get("properties"));
        let mut keys: Vec<&str> = props
            .and_then(Value::as_object)
            .map(|p| p.iter().filter(|(_, s)| s.get("x-ignored").is_none()).map(|(k, _)| k.as_str()).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    })
    .binary_search(&key)
    .is_ok()
}

fn body_names(node: &Node) -> Vec<&str> {
    node.get("steps")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.get("name").map(Node::key_text))
        .collect()
}

fn loop_types() -> String {
    StepType::ALL.iter().filter(|t| t.allowed_in_loop()).map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
}

fn executable_type_list() -> String {
    crate::model::executable_types().map(StepType::as_str).collect::<Vec<_>>().join(", ")
}

fn unsupported_hint(ty: StepType) -> &'static str {
    match ty {
        StepType::Switch => "put a `condition:` on each branch's steps instead of a switch",
        StepType::Checkpoint => "set `workflow.checkpoint_enabled: true` for automatic checkpoints instead",
        StepType::CodebaseQuery => {
            "use a claude_smart step with the analysis preset (Read/Glob/Grep tools) to search the codebase"
        }
        StepType::Break => "use the for_loop's `break_condition` instead of a break step",
        StepType::Continue => "use the for_loop's `continue_condition` instead of a continue step",
        _ => "use one of the executable step types",
    }
}

/// `steps.fetch.items` → `fetch:items`.
fn steps_path_to_source(s: &str) -> String {
    let rest = s.strip_prefix("steps.").unwrap_or(s);
    match rest.split_once('.') {
        Some((step, path)) => format!("{step}:{path}"),
        None => rest.to_string(),
    }
}

fn last_key(path: &Path) -> Option<&str> {
    match path.segments().last() {
        Some(Seg::Key(k)) => Some(k),
        _ => None,
    }
}

fn first_sentence(s: &str) -> String {
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn list_keys(known: &[String]) -> String {
    const MAX: usize = 16;
    let mut s = known.iter().take(MAX).map(String::as_str).collect::<Vec<_>>().join(", ");
    if known.len() > MAX {
        s.push_str(", …");
    }
    s
}

/// The closest candidate within a small edit distance (case-insensitive), if any.
fn did_you_mean<'k>(word: &str, candidates: &'k [String]) -> Option<&'k str> {
    let w = word.to_ascii_lowercase();
    let limit = if w.chars().count() <= 4 { 1 } else { 2 };
    candidates
        .iter()
        .map(|c| (edit_distance(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}
