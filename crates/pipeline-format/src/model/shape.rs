//! Schema-driven shape check: walks a spanned [`Node`] tree alongside the generated (annotated) JSON Schema
//! and reports unknown keys, ignored fields, wrong types, values outside an enum, out-of-range numbers and
//! missing required keys, each with the exact path.
//!
//! This is how the lint's generic checks and the tolerant model conversion stay driven by the typed model: the
//! list of known keys, enum values and types is whatever schemars generated from the Rust types, never a second
//! hand-written list. It understands the subset of JSON Schema schemars produces: `$ref` (to `#/$defs/…` or
//! `#`), `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`, `minItems`,
//! `minimum`, `maximum`, integer `format`s, `allOf`, `anyOf`/`oneOf` (branches chosen by a `const`
//! discriminator, by value, or by required keys) and `if`/`then` with `const` conditions.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde_json::Value;

use crate::diagnostic::Severity;
use crate::node::{Node, NodeKind};
use crate::path::{Path, Seg};

/// What the walk is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Report ignored fields and do not look inside them.
    Lint,
    /// Type-check ignored fields too (they are deserialized), and do not report them.
    Convert,
}

/// One finding of the walk.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub path: Path,
    pub kind: Kind,
    /// The `x-severity` of the schema at this node, if any.
    pub severity: Option<Severity>,
    /// The schema description of the node (for hints).
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// The key is not a property of the object's schema.
    UnknownKey {
        known: Vec<String>,
    },
    /// The schema marks the key `x-ignored`; `hint` says what to do instead.
    Ignored {
        hint: String,
    },
    WrongType {
        expected: String,
        found: &'static str,
    },
    /// Not one of the enum values. `open`: the schema also accepts any string (the runtime falls back to a
    /// default), so the value is legal but not one pipeline_ex knows.
    InvalidValue {
        value: String,
        allowed: Vec<String>,
        open: bool,
    },
    OutOfRange {
        value: String,
        bound: String,
    },
    TooFewItems {
        min: u64,
    },
    /// The key is required but absent or null; the finding's path ends with the key.
    MissingRequired,
    /// The discriminator key (`type`, `operation`) is absent or has no matching variant; the finding's path ends
    /// with the key.
    NoVariant {
        value: Option<String>,
        allowed: Vec<String>,
    },
}

impl Finding {
    /// The node to remove so that deserialization succeeds, if this finding would make it fail.
    pub fn removal_path(&self) -> Option<Path> {
        match &self.kind {
            Kind::WrongType { .. } | Kind::OutOfRange { .. } => Some(self.path.clone()),
            Kind::InvalidValue { open, .. } => (!open).then(|| self.path.clone()),
            // The discriminator decides the whole variant: drop the object that carries it.
            Kind::NoVariant { .. } => Some(self.path.parent().unwrap_or_default()),
            Kind::UnknownKey { .. } | Kind::Ignored { .. } | Kind::TooFewItems { .. } | Kind::MissingRequired => None,
        }
    }

    /// The name of the node for messages: its key, or "item N".
    pub fn subject(&self) -> String {
        match self.path.segments().last() {
            Some(Seg::Key(k)) => format!("`{k}`"),
            Some(Seg::Index(i)) => format!("item {i}"),
            None => "the document".to_string(),
        }
    }

    /// A one-line message.
    pub fn message(&self) -> String {
        let s = self.subject();
        match &self.kind {
            Kind::UnknownKey { .. } => format!("unknown key {s}: pipeline_ex does not read it"),
            Kind::Ignored { .. } => format!("{s} is accepted but ignored by pipeline_ex"),
            Kind::WrongType { expected, found } => format!("{s} should be {expected}, found {found}"),
            Kind::InvalidValue { value, allowed, open: false } => {
                format!("{s} is `{value}`, which is not one of: {}", allowed.join(", "))
            }
            Kind::InvalidValue { value, allowed, open: true } => format!(
                "{s} is `{value}`, which pipeline_ex does not know (known values: {}); it falls back to its default",
                allowed.join(", ")
            ),
            Kind::OutOfRange { value, bound } => format!("{s} is {value}, but must be {bound}"),
            Kind::TooFewItems { min } => format!("{s} needs at least {min} item(s)"),
            Kind::MissingRequired => format!("missing required key {s}"),
            Kind::NoVariant { value: Some(v), allowed } => {
                format!("{s} is `{v}`, which is not one of: {}", allowed.join(", "))
            }
            Kind::NoVariant { value: None, allowed } => {
                format!("missing {s} (one of: {})", allowed.join(", "))
            }
        }
    }
}

/// Walks `node` (found at `path`) against `schema`, a subschema of the annotated schema.
pub(crate) fn check(schema: &'static Value, node: &Node, path: &Path, mode: Mode) -> Vec<Finding> {
    let mut w = Walker { root: crate::schema::annotated(), mode, out: Vec::new(), base: path, stack: Vec::new() };
    w.node(schema, node, Ann::default());
    w.out
}

/// Deepest `$ref` / branch nesting followed; deeper schemas are treated as "anything" rather than recursing.
const MAX_SCHEMA_DEPTH: usize = 48;

/// One step below the walk's base path, borrowed from the document (a full [`Path`] is only built for findings).
#[derive(Clone, Copy)]
enum Part<'n> {
    Key(&'n str),
    Index(usize),
}

/// Annotations of an enclosing `Option` wrapper, which win over the wrapped schema's.
#[derive(Clone, Copy, Default)]
struct Ann {
    severity: Option<&'static str>,
    description: Option<&'static str>,
}

struct Walker<'n> {
    root: &'static Value,
    mode: Mode,
    out: Vec<Finding>,
    base: &'n Path,
    stack: Vec<Part<'n>>,
}

impl<'n> Walker<'n> {
    fn here(&self) -> Path {
        let mut segs = self.base.0.clone();
        segs.extend(self.stack.iter().map(|p| match p {
            Part::Key(k) => Seg::Key((*k).to_string()),
            Part::Index(i) => Seg::Index(*i),
        }));
        Path(segs)
    }

    fn child(&self, key: &str) -> Path {
        let mut p = self.here();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    fn push(&mut self, path: Path, kind: Kind, view: &View<'_>, ann: Ann) {
        self.out.push(Finding {
            path,
            kind,
            severity: ann.severity.or(view.severity).and_then(parse_severity),
            description: ann.description.or(view.description).map(str::to_string),
        });
    }

    fn node(&mut self, schema: &'static Value, node: &'n Node, ann: Ann) {
        let base = static_view(schema);
        self.node_with(schema, &base, node, ann);
    }

    /// [`Walker::node`] with the static view of `schema` already looked up.
    fn node_with(&mut self, schema: &'static Value, base: &View<'static>, node: &'n Node, ann: Ann) {
        // `Option<T>` fields are `anyOf: [T, {type: null}]`: null needs no check, anything else is checked
        // against T directly (keeping the field's annotations) instead of resolving the branches every time.
        if let Some(inner) = base.nullable {
            if node.is_null() {
                return;
            }
            let ann =
                Ann { severity: ann.severity.or(base.severity), description: ann.description.or(base.description) };
            return self.node(inner, node, ann);
        }
        let resolved: View<'static>;
        let view: &View<'static> = if base.alternatives.is_empty() {
            base
        } else if let Some(merged) = tagged_merged(schema, base, node).or_else(|| scalar_merged(schema, base, node)) {
            merged
        } else {
            let mut view = base.clone();
            match view.resolve(self.root, node, 0) {
                Ok(()) => {}
                Err(Mismatch::Type) => {
                    let expected = describe_types(&types_of(self.root, schema, 0));
                    self.push(self.here(), Kind::WrongType { expected, found: node.type_name() }, &view, ann);
                    return;
                }
                Err(Mismatch::NoVariant { key, value, allowed }) => {
                    self.push(self.child(&key), Kind::NoVariant { value, allowed }, &view, ann);
                    return;
                }
            }
            resolved = view;
            &resolved
        };
        if let Some(types) = &view.types
            && !view.accepts_type(node)
        {
            let expected = describe_types(types);
            self.push(self.here(), Kind::WrongType { expected, found: node.type_name() }, view, ann);
            return;
        }
        if let Some(allowed) = view.enum_values
            && !allowed.iter().any(|v| scalar_eq(node, v))
        {
            let kind = Kind::InvalidValue {
                value: node.display_scalar(),
                allowed: allowed.iter().map(value_text).collect(),
                open: false,
            };
            self.push(self.here(), kind, view, ann);
            return;
        }
        if let Some(c) = view.const_value
            && !scalar_eq(node, c)
        {
            let kind = Kind::InvalidValue { value: node.display_scalar(), allowed: vec![value_text(c)], open: false };
            self.push(self.here(), kind, view, ann);
            return;
        }
        if let Some(known) = view.open_enum {
            let kind = Kind::InvalidValue {
                value: node.display_scalar(),
                allowed: known.iter().map(value_text).collect(),
                open: true,
            };
            self.push(self.here(), kind, view, ann);
        }
        match &node.kind {
            NodeKind::Int(i) => self.range(*i as f64, node, view, ann),
            NodeKind::Float(f) => self.range(*f, node, view, ann),
            NodeKind::Map(entries) => self.map(view, node, entries),
            NodeKind::Seq(items) => {
                if let Some(min) = view.min_items
                    && (items.len() as u64) < min
                {
                    self.push(self.here(), Kind::TooFewItems { min }, view, ann);
                }
                if let Some(item_schema) = view.items {
                    for (i, item) in items.iter().enumerate() {
                        self.stack.push(Part::Index(i));
                        self.node(item_schema, item, Ann::default());
                        self.stack.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn range(&mut self, x: f64, node: &Node, view: &View<'_>, ann: Ann) {
        let (fmt_min, fmt_max) = view.format.map_or((None, None), format_range);
        let min = max_opt(view.minimum, fmt_min);
        let max = min_opt(view.maximum, fmt_max);
        let bound = match (min, max) {
            (Some(lo), _) if x < lo => Some(format!("at least {lo}")),
            (_, Some(hi)) if x > hi => Some(format!("at most {hi}")),
            _ => None,
        };
        if let Some(bound) = bound {
            self.push(self.here(), Kind::OutOfRange { value: node.display_scalar(), bound }, view, ann);
        }
    }

    fn map(&mut self, view: &View<'static>, node: &'n Node, entries: &'n [crate::node::Entry]) {
        // The required keys, each once, in order (own, then those of the `if`/`then` conditions that hold).
        let mut extra: Vec<&str> = Vec::new();
        for (cond, then) in &view.conditionals {
            if condition_holds(cond, node) {
                extra.extend(static_view(then).required.iter().copied());
            }
        }
        let owned: Vec<&str>;
        let seen_required: &[&str] = if extra.is_empty() && !has_duplicates(&view.required) {
            &view.required
        } else {
            let mut unique = Vec::with_capacity(view.required.len() + extra.len());
            for r in view.required.iter().chain(&extra) {
                if !unique.contains(r) {
                    unique.push(*r);
                }
            }
            owned = unique;
            &owned
        };
        for &r in seen_required {
            if node.get_non_null(r).is_none() {
                self.push(self.child(r), Kind::MissingRequired, &View::default(), Ann::default());
            }
        }
        for e in entries {
            let key = e.key_str();
            match view.property(key) {
                Some(prop) => {
                    let pv = static_view(prop);
                    if let Some(hint) = pv.ignored
                        && self.mode == Mode::Lint
                    {
                        self.push(self.child(key), Kind::Ignored { hint: hint.to_string() }, &pv, Ann::default());
                        continue;
                    }
                    // A null value of a required key was reported as missing above.
                    if e.value.is_null() && seen_required.contains(&key) {
                        continue;
                    }
                    self.stack.push(Part::Key(key));
                    self.node_with(prop, &pv, &e.value, Ann::default());
                    self.stack.pop();
                }
                None => {
                    if !view.properties.is_empty() {
                        // Ignored keys are known, but suggesting them would only lead to another warning.
                        let known = view
                            .properties
                            .iter()
                            .filter(|(_, s)| static_view(s).ignored.is_none())
                            .map(|(k, _)| k.to_string())
                            .collect();
                        self.push(self.child(key), Kind::UnknownKey { known }, &View::default(), Ann::default());
                    }
                    if let Some(add) = view.additional
                        && add.is_object()
                    {
                        self.stack.push(Part::Key(key));
                        self.node(add, &e.value, Ann::default());
                        self.stack.pop();
                    }
                }
            }
        }
    }
}

/// For `[T, {type: null}]` (either order), T.
fn nullable_inner(alts: &'static [Value]) -> Option<&'static Value> {
    let is_null = |v: &Value| {
        v.as_object().is_some_and(|o| o.len() == 1 && o.get("type").and_then(Value::as_str) == Some("null"))
    };
    match alts {
        [a, b] if is_null(b) => Some(a),
        [a, b] if is_null(a) => Some(b),
        _ => None,
    }
}

/// Why a node matches none of an `anyOf` / `oneOf`.
enum Mismatch {
    Type,
    NoVariant { key: String, value: Option<String>, allowed: Vec<String> },
}

/// The merged constraints of a schema and everything it refers to, for one node.
#[derive(Default, Clone)]
struct View<'s> {
    types: Option<Vec<&'s str>>,
    enum_values: Option<&'s [Value]>,
    const_value: Option<&'s Value>,
    properties: Vec<(&'s str, &'s Value)>,
    required: Vec<&'s str>,
    additional: Option<&'s Value>,
    items: Option<&'s Value>,
    min_items: Option<u64>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    format: Option<&'s str>,
    severity: Option<&'s str>,
    description: Option<&'s str>,
    /// The `x-ignored` hint of this very schema object.
    ignored: Option<&'s str>,
    conditionals: Vec<(&'s Value, &'s Value)>,
    alternatives: Vec<&'s [Value]>,
    /// Set when the node matched a plain-string branch next to an enum branch it did not match.
    open_enum: Option<&'s [Value]>,
    /// `properties` by key, for the cached views that have many (see [`View::indexed`]); `None` otherwise.
    property_index: Option<KeyMap<'s, usize>>,
    /// `types` as a set of [`type_bit`]s, on the cached views (see [`View::indexed`]); `None` otherwise.
    type_mask: Option<u8>,
    /// For an `Option<T>` wrapper (`anyOf: [T, {type: null}]` and no own `properties` or `type`): T. Set on the
    /// cached views only.
    nullable: Option<&'s Value>,
}

/// Views with at least this many properties get a [`View::property_index`]; below it a scan is as fast.
const INDEX_MIN_PROPERTIES: usize = 8;

impl<'s> View<'s> {
    /// Merges `schema` (and what it refers to) into this view; `anyOf`/`oneOf` are queued for [`View::resolve`].
    fn collect(&mut self, root: &'s Value, schema: &'s Value, depth: usize) {
        let Value::Object(o) = schema else { return };
        if depth > MAX_SCHEMA_DEPTH {
            return;
        }
        self.property_index = None;
        self.type_mask = None;
        // One pass over the (few) keys of the object: probing each keyword with a hash lookup costs far more.
        let mut reference = None;
        let mut all_of = None;
        let mut cond = None;
        let mut then = None;
        let existing_props = self.properties.len();
        for (k, v) in o {
            match k.as_str() {
                // Own keywords win over the referenced definition's (collected after this loop).
                "description" if self.description.is_none() => self.description = v.as_str(),
                "x-severity" if self.severity.is_none() => self.severity = v.as_str(),
                "x-ignored" if depth == 0 => self.ignored = v.as_str(),
                "type" if self.types.is_none() => {
                    self.types = match v {
                        Value::String(t) => Some(vec![t.as_str()]),
                        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
                        _ => None,
                    }
                }
                "enum" => {
                    if let Value::Array(e) = v {
                        self.enum_values.get_or_insert(e.as_slice());
                    }
                }
                "const" => {
                    self.const_value.get_or_insert(v);
                }
                "properties" => {
                    if let Value::Object(props) = v {
                        for (pk, pv) in props {
                            // Only properties merged from earlier schemas can repeat a key.
                            let seen = self.properties.get(..existing_props).unwrap_or_default();
                            if !seen.iter().any(|(k, _)| *k == pk.as_str()) {
                                self.properties.push((pk.as_str(), pv));
                            }
                        }
                    }
                }
                "required" => {
                    if let Value::Array(req) = v {
                        self.required.extend(req.iter().filter_map(Value::as_str));
                    }
                }
                "additionalProperties" if self.additional.is_none() => self.additional = Some(v),
                "items" if self.items.is_none() => self.items = Some(v),
                "minItems" => self.min_items = self.min_items.or(v.as_u64()),
                "minimum" => self.minimum = self.minimum.or(v.as_f64()),
                "maximum" => self.maximum = self.maximum.or(v.as_f64()),
                "format" => self.format = self.format.or(v.as_str()),
                "if" => cond = Some(v),
                "then" => then = Some(v),
                "$ref" => reference = v.as_str(),
                "allOf" => all_of = v.as_array(),
                "anyOf" | "oneOf" => {
                    if let Value::Array(alts) = v {
                        self.alternatives.push(alts.as_slice());
                    }
                }
                _ => {}
            }
        }
        if let (Some(c), Some(t)) = (cond, then) {
            self.conditionals.push((c, t));
        }
        if let Some(target) = reference.and_then(|r| resolve_ref(root, r)) {
            self.collect(root, target, depth + 1);
        }
        for s in all_of.into_iter().flatten() {
            self.collect(root, s, depth + 1);
        }
    }

    /// Chooses, for every queued `anyOf`/`oneOf`, the branch `node` belongs to, and merges it.
    fn merge(&mut self, other: &View<'s>) {
        self.property_index = None;
        self.type_mask = None;
        if self.types.is_none() {
            self.types.clone_from(&other.types);
        }
        if self.enum_values.is_none() {
            self.enum_values = other.enum_values;
        }
        if self.const_value.is_none() {
            self.const_value = other.const_value;
        }
        if self.properties.is_empty() {
            self.properties.extend_from_slice(&other.properties);
        } else {
            for &(k, v) in &other.properties {
                if !self.properties.iter().any(|(pk, _)| *pk == k) {
                    self.properties.push((k, v));
                }
            }
        }
        self.required.extend(other.required.iter().copied());
        self.additional = self.additional.or(other.additional);
        self.items = self.items.or(other.items);
        self.min_items = self.min_items.or(other.min_items);
        self.minimum = self.minimum.or(other.minimum);
        self.maximum = self.maximum.or(other.maximum);
        self.format = self.format.or(other.format);
        self.severity = self.severity.or(other.severity);
        self.description = self.description.or(other.description);
        self.conditionals.extend(other.conditionals.iter().copied());
        self.open_enum = self.open_enum.or(other.open_enum);
    }

    /// The schema of property `key`.
    fn property(&self, key: &str) -> Option<&'s Value> {
        match &self.property_index {
            Some(index) => index.get(key).and_then(|&i| self.properties.get(i)).map(|&(_, v)| v),
            None => self.properties.iter().find(|(k, _)| *k == key).map(|&(_, v)| v),
        }
    }

    /// This view with its lookup aids: a [`View::property_index`] when it has many properties (the first of a
    /// repeated key wins, as in the scan) and the [`View::type_mask`]. `collect` and `merge` drop them.
    fn indexed(mut self) -> Self {
        self.type_mask = self.types.as_ref().map(|ts| ts.iter().fold(0, |mask, t| mask | type_bit(t)));
        if self.properties.len() >= INDEX_MIN_PROPERTIES {
            let mut index = KeyMap::with_capacity_and_hasher(self.properties.len(), Default::default());
            for (i, (k, _)) in self.properties.iter().enumerate() {
                index.entry(*k).or_insert(i);
            }
            self.property_index = Some(index);
        }
        self
    }

    fn accepts_type(&self, node: &Node) -> bool {
        match (self.type_mask, &self.types) {
            (Some(mask), Some(_)) => mask & node_type_bit(node) != 0,
            (_, types) => types.as_ref().is_none_or(|ts| ts.iter().any(|t| type_accepts(t, node))),
        }
    }

    /// Whether the node's value satisfies this view's `enum` / `const` (true when it has neither).
    fn value_fits(&self, node: &Node) -> bool {
        self.enum_values.is_none_or(|e| e.iter().any(|v| scalar_eq(node, v)))
            && self.const_value.is_none_or(|c| scalar_eq(node, c))
    }

    fn has_value_constraint(&self) -> bool {
        self.enum_values.is_some() || self.const_value.is_some()
    }
}

impl View<'static> {
    /// Chooses, for every queued `anyOf`/`oneOf`, the branch `node` belongs to, and merges it.
    fn resolve(&mut self, root: &'static Value, node: &Node, depth: usize) -> Result<(), Mismatch> {
        while let Some(alts) = self.alternatives.pop() {
            let chosen = choose(root, alts, node, depth)?;
            self.merge(&chosen);
        }
        Ok(())
    }
}

/// A view of a subschema of the annotated schema, resolved once per schema object (`anyOf`/`oneOf` are
/// queued, not chosen: that depends on the node). Walking a document then allocates only for the schemas whose
/// branches depend on the node.
fn static_view(schema: &'static Value) -> Cow<'static, View<'static>> {
    match view_cache().get(&(schema as *const Value as usize)) {
        Some(v) => Cow::Borrowed(v),
        None => {
            let mut v = View::default();
            v.collect(crate::schema::annotated(), schema, 0);
            Cow::Owned(v)
        }
    }
}

type AddressMap<T> = HashMap<usize, T, BuildHasherDefault<AddressHasher>>;

/// Views of every schema object, and the discriminator of every tagged `anyOf`/`oneOf`, keyed by address.
#[derive(Default)]
struct Cache {
    views: AddressMap<View<'static>>,
    tags: AddressMap<Tagged>,
    /// For a schema object whose only `anyOf`/`oneOf` is tagged: its view already merged with each branch (in
    /// [`Tagged::branches`] order), as [`View::resolve`] would merge it; `None` for a branch that has
    /// alternatives of its own (resolved per node).
    merged: AddressMap<Vec<Option<View<'static>>>>,
    /// For a schema object whose only `anyOf`/`oneOf` has branches without alternatives of their own: how a
    /// scalar picks its branch (see [`scalar_merged`]).
    scalar_plans: AddressMap<ScalarPlan>,
    /// Every `if` schema of an `if`/`then`, compiled (see [`condition_holds`]).
    conditions: AddressMap<Condition>,
}

/// How [`choose`] picks the branch of a scalar among branches that have no alternatives of their own: it
/// depends only on the node's type (which branches accept it) and on which `enum`/`const` the value fits.
struct ScalarPlan {
    /// The branches' own views, to test `enum`/`const`.
    branches: Vec<View<'static>>,
    /// The schema's view merged with each branch, as [`View::resolve`] merges it.
    merged: Vec<View<'static>>,
    /// Per [`kind_class`].
    classes: [ClassPlan; KIND_CLASSES],
}

#[derive(Default)]
struct ClassPlan {
    /// The branches that accept this type and have an `enum`/`const`, in branch order: the first whose value
    /// fits is chosen.
    valued: Vec<usize>,
    /// The merged view when none fits: the first branch without `enum`/`const` (an "open enum" when an
    /// `enum` branch was passed over), else the first accepting branch; `None` when no branch accepts the
    /// type (the general path reports it).
    fallback: Option<View<'static>>,
}

/// Scalar kinds that `type` tells apart: null, boolean, integer, finite number, other number, string.
const KIND_CLASSES: usize = 6;

fn kind_class(node: &Node) -> Option<usize> {
    Some(match node.kind {
        NodeKind::Null => 0,
        NodeKind::Bool(_) => 1,
        NodeKind::Int(_) => 2,
        NodeKind::Float(f) if f.is_finite() => 3,
        NodeKind::Float(_) => 4,
        NodeKind::Str(_) => 5,
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    })
}

/// An `if` schema of `properties` with `const` and `required`.
struct Condition {
    /// (key, const) of the properties that have a `const`.
    consts: Vec<(&'static str, &'static Value)>,
    required: Vec<&'static str>,
}

impl Condition {
    fn compile(cond: &'static Value) -> Condition {
        let consts = cond
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| props.iter().filter_map(|(k, s)| Some((k.as_str(), s.get("const")?))).collect())
            .unwrap_or_default();
        let required = cond
            .get("required")
            .and_then(Value::as_array)
            .map(|req| req.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Condition { consts, required }
    }

    fn holds(&self, node: &Node) -> bool {
        // Absent properties satisfy `properties`; `required` decides presence.
        self.consts.iter().all(|(k, c)| node.get(k).is_none_or(|n| scalar_eq(n, c)))
            && self.required.iter().all(|k| node.get(k).is_some())
    }
}

/// A `oneOf` whose branches each carry `properties.<key>.const` (a serde internally tagged enum).
struct Tagged {
    key: &'static str,
    /// (tag value, branch schema), in branch order.
    branches: Vec<(&'static Value, &'static Value)>,
}

fn view_cache() -> &'static AddressMap<View<'static>> {
    &cache().views
}

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        let root = crate::schema::annotated();
        let mut cache = Cache::default();
        fill_cache(root, root, &mut cache);
        cache
    })
}

fn fill_cache(root: &'static Value, v: &'static Value, cache: &mut Cache) {
    match v {
        Value::Object(o) => {
            let mut view = View::default();
            view.collect(root, v, 0);
            if let [alts] = view.alternatives.as_slice() {
                if view.properties.is_empty() && view.types.is_none() {
                    view.nullable = nullable_inner(alts);
                }
                if let Some(t) = tagged(alts) {
                    let merged = t
                        .branches
                        .iter()
                        .map(|(_, alt)| {
                            let mut branch = View::default();
                            branch.collect(root, alt, 0);
                            branch.alternatives.is_empty().then(|| {
                                let mut m = view.clone();
                                m.alternatives.clear();
                                m.nullable = None;
                                m.merge(&branch);
                                m.indexed()
                            })
                        })
                        .collect();
                    cache.merged.insert(v as *const Value as usize, merged);
                }
                if view.nullable.is_none()
                    && let Some(plan) = scalar_plan(root, &view, alts)
                {
                    cache.scalar_plans.insert(v as *const Value as usize, plan);
                }
            }
            for &(cond, _) in &view.conditionals {
                cache.conditions.entry(cond as *const Value as usize).or_insert_with(|| Condition::compile(cond));
            }
            cache.views.insert(v as *const Value as usize, view.indexed());
            o.values().for_each(|c| fill_cache(root, c, cache));
        }
        Value::Array(items) => {
            if let Some(t) = tagged(items) {
                cache.tags.insert(items.as_ptr() as usize, t);
            }
            items.iter().for_each(|c| fill_cache(root, c, cache));
        }
        _ => {}
    }
}

/// The [`ScalarPlan`] of a view whose only alternatives are `alts`, when no branch has alternatives itself.
fn scalar_plan(root: &'static Value, base: &View<'static>, alts: &'static [Value]) -> Option<ScalarPlan> {
    let branches: Vec<View<'static>> = alts
        .iter()
        .map(|a| {
            let mut v = View::default();
            v.collect(root, a, 0);
            v
        })
        .collect();
    if branches.iter().any(|b| !b.alternatives.is_empty()) {
        return None;
    }
    let merge = |branch: &View<'static>| {
        let mut m = base.clone();
        m.alternatives.clear();
        m.nullable = None;
        m.merge(branch);
        m.indexed()
    };
    let merged: Vec<View<'static>> = branches.iter().map(merge).collect();
    let samples = [
        NodeKind::Null,
        NodeKind::Bool(false),
        NodeKind::Int(0),
        NodeKind::Float(0.5),
        NodeKind::Float(f64::INFINITY),
        NodeKind::Str(String::new()),
    ];
    // One sample node per `kind_class`, in its order.
    let mut classes: [ClassPlan; KIND_CLASSES] = Default::default();
    for (class, kind) in classes.iter_mut().zip(samples) {
        let sample = Node { kind, span: Default::default(), style: crate::node::Style::Plain, raw: String::new() };
        let candidates: Vec<usize> = (0..branches.len()).filter(|&i| branches[i].accepts_type(&sample)).collect();
        class.valued = candidates.iter().copied().filter(|&i| branches[i].has_value_constraint()).collect();
        class.fallback = match candidates.iter().find(|&&i| !branches[i].has_value_constraint()) {
            Some(&i) => {
                let enum_branch = class.valued.first().and_then(|&j| branches[j].enum_values);
                let mut branch = branches[i].clone();
                if branch.open_enum.is_none() && enum_branch.is_some() {
                    branch.open_enum = enum_branch;
                }
                Some(merge(&branch))
            }
            None => candidates.first().map(|&i| merged[i].clone()),
        };
    }
    Some(ScalarPlan { branches, merged, classes })
}

/// The view of `schema` (whose static view is `base`) with the branch a scalar `node` belongs to merged in,
/// from its [`ScalarPlan`]; `None` sends the node down the general [`View::resolve`].
fn scalar_merged(schema: &'static Value, base: &View<'static>, node: &Node) -> Option<&'static View<'static>> {
    if base.alternatives.len() != 1 {
        return None;
    }
    let class = kind_class(node)?;
    let plan = cache().scalar_plans.get(&(schema as *const Value as usize))?;
    let class = plan.classes.get(class)?;
    for &i in &class.valued {
        if plan.branches.get(i).is_some_and(|b| b.value_fits(node)) {
            return plan.merged.get(i);
        }
    }
    class.fallback.as_ref()
}

fn tagged(alts: &'static [Value]) -> Option<Tagged> {
    let key = shallow_discriminator(alts)?;
    let branches = alts.iter().filter_map(|a| Some((a.get("properties")?.get(key)?.get("const")?, a))).collect();
    Some(Tagged { key, branches })
}

/// The view of `schema` (whose static view is `base`) merged with the branch of its tagged `oneOf` that `node`'s
/// tag selects, when that was computed in advance; `None` sends the node down the general [`View::resolve`].
fn tagged_merged(schema: &'static Value, base: &View<'static>, node: &Node) -> Option<&'static View<'static>> {
    let [alts] = base.alternatives.as_slice() else { return None };
    if !node.is_map() {
        return None;
    }
    let cache = cache();
    let t = cache.tags.get(&(alts.as_ptr() as usize))?;
    let merged = cache.merged.get(&(schema as *const Value as usize))?;
    let value = node.get(t.key)?;
    let i = t.branches.iter().position(|(c, _)| scalar_eq(value, c))?;
    merged.get(i)?.as_ref()
}

fn has_duplicates(keys: &[&str]) -> bool {
    keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k))
}

type KeyMap<'s, T> = HashMap<&'s str, T, BuildHasherDefault<KeyHasher>>;

/// A multiply-rotate hash over the key's bytes, eight at a time, for the schema's property tables (fixed keys,
/// looked up only: document keys can miss, not collide into them).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        let word = u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 59);
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Hashes the addresses used as cache keys (a multiply is plenty for distinct pointers; SipHash is not needed).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

/// Picks the branch of `alts` that `node` belongs to.
fn choose(
    root: &'static Value,
    alts: &'static [Value],
    node: &Node,
    depth: usize,
) -> Result<Cow<'static, View<'static>>, Mismatch> {
    // Serde internally tagged enums (steps, prompt items, operations): the tag picks the branch without
    // looking at the other branches.
    if node.is_map()
        && let Some(t) = cache().tags.get(&(alts.as_ptr() as usize))
    {
        let value = node.get(t.key);
        for (c, alt) in &t.branches {
            if value.is_some_and(|v| scalar_eq(v, c)) {
                let v = static_view(alt);
                if v.alternatives.is_empty() || depth >= MAX_SCHEMA_DEPTH {
                    return Ok(v);
                }
                let mut v = v.into_owned();
                v.resolve(root, node, depth + 1)?;
                return Ok(Cow::Owned(v));
            }
        }
        return Err(Mismatch::NoVariant {
            key: t.key.to_string(),
            value: value.filter(|v| !v.is_null()).map(Node::display_scalar),
            allowed: t.branches.iter().map(|(c, _)| value_text(c)).collect(),
        });
    }
    let mut candidates: Vec<Cow<'static, View<'static>>> = Vec::new();
    let mut discriminated = Vec::new();
    for alt in alts {
        let mut v = static_view(alt);
        if !v.alternatives.is_empty() && depth < MAX_SCHEMA_DEPTH {
            let mut owned = v.into_owned();
            if owned.resolve(root, node, depth + 1).is_err() {
                continue;
            }
            v = Cow::Owned(owned);
        }
        if v.accepts_type(node) {
            candidates.push(v);
        }
    }
    if candidates.is_empty() {
        return Err(Mismatch::Type);
    }
    // Objects discriminated by a `const` property (`type`, `operation`): the discriminator alone decides.
    if node.is_map()
        && let Some(key) = discriminator(&candidates)
    {
        let value = node.get(key);
        let allowed: Vec<String> = candidates
            .iter()
            .filter_map(|c| c.properties.iter().find(|(k, _)| *k == key))
            .filter_map(|(_, s)| s.get("const"))
            .map(value_text)
            .collect();
        for c in candidates.drain(..) {
            let matches = c
                .properties
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, s)| s.get("const"))
                .zip(value)
                .is_some_and(|(want, have)| scalar_eq(have, want));
            if matches {
                discriminated.push(c);
            }
        }
        return discriminated.into_iter().next().ok_or_else(|| Mismatch::NoVariant {
            key: key.to_string(),
            value: value.filter(|v| !v.is_null()).map(Node::display_scalar),
            allowed,
        });
    }
    // Values: prefer a branch whose enum/const matches; a plain branch next to an unmatched enum makes the value
    // an "open enum" miss.
    if node.is_scalar() {
        if let Some(i) = candidates.iter().position(|c| c.has_value_constraint() && c.value_fits(node)) {
            return Ok(candidates.swap_remove(i));
        }
        let enum_branch = candidates.iter().find(|c| c.has_value_constraint()).and_then(|c| c.enum_values);
        if let Some(i) = candidates.iter().position(|c| !c.has_value_constraint()) {
            let mut v = candidates.swap_remove(i);
            if v.open_enum.is_none() && enum_branch.is_some() {
                v.to_mut().open_enum = enum_branch;
            }
            return Ok(v);
        }
        // Only enum branches, none matching: keep the first so that the enum check reports it.
        return Ok(candidates.swap_remove(0));
    }
    // Objects without a discriminator (`{and: …}` / `{or: …}` / `{not: …}`): the branch whose required keys
    // are present.
    if node.is_map() && candidates.len() > 1 {
        let fits = |c: &Cow<'static, View<'static>>| c.required.iter().all(|r| node.get(r).is_some());
        return match candidates.iter().position(fits) {
            Some(i) => Ok(candidates.swap_remove(i)),
            None => Err(Mismatch::Type),
        };
    }
    Ok(candidates.swap_remove(0))
}

/// A property key that every branch declares itself with a `const` value.
fn shallow_discriminator(alts: &[Value]) -> Option<&str> {
    let first = alts.first()?.get("properties")?.as_object()?;
    first.iter().filter(|(_, s)| s.get("const").is_some()).map(|(k, _)| k.as_str()).find(|k| {
        alts.iter().all(|a| a.get("properties").and_then(|p| p.get(*k)).and_then(|s| s.get("const")).is_some())
    })
}

/// A property key that carries a `const` in every candidate (the tag of a serde internally tagged enum).
fn discriminator(candidates: &[Cow<'static, View<'static>>]) -> Option<&'static str> {
    let first = candidates.first()?;
    first
        .properties
        .iter()
        .filter(|(_, s)| s.get("const").is_some())
        .map(|(k, _)| *k)
        .find(|k| candidates.iter().all(|c| c.properties.iter().any(|(ck, s)| ck == k && s.get("const").is_some())))
}

/// Whether an `if` schema (only `properties` with `const`, and `required`) holds for `node`.
fn condition_holds(cond: &'static Value, node: &Node) -> bool {
    if let Some(c) = cache().conditions.get(&(cond as *const Value as usize)) {
        return c.holds(node);
    }
    let props_hold = cond.get("properties").and_then(Value::as_object).is_none_or(|props| {
        props.iter().all(|(k, s)| match (s.get("const"), node.get(k)) {
            (Some(c), Some(n)) => scalar_eq(n, c),
            (Some(_), None) => true, // absent properties satisfy `properties`; `required` decides presence
            (None, _) => true,
        })
    });
    let required_hold = cond
        .get("required")
        .and_then(Value::as_array)
        .is_none_or(|req| req.iter().filter_map(Value::as_str).all(|k| node.get(k).is_some()));
    props_hold && required_hold
}

fn resolve_ref<'s>(root: &'s Value, r: &str) -> Option<&'s Value> {
    if r == "#" {
        return Some(root);
    }
    let pointer = r.strip_prefix('#')?;
    root.pointer(pointer)
}

/// The JSON types a schema admits (following references and branches), for messages.
fn types_of<'s>(root: &'s Value, schema: &'s Value, depth: usize) -> Vec<&'s str> {
    let mut out = Vec::new();
    let Value::Object(o) = schema else { return out };
    if depth > MAX_SCHEMA_DEPTH {
        return out;
    }
    match o.get("type") {
        Some(Value::String(t)) => out.push(t.as_str()),
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str)),
        _ => {}
    }
    if out.is_empty() {
        if let Some(target) = o.get("$ref").and_then(Value::as_str).and_then(|r| resolve_ref(root, r)) {
            out.extend(types_of(root, target, depth + 1));
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(alts)) = o.get(key) {
                for a in alts {
                    for t in types_of(root, a, depth + 1) {
                        if !out.contains(&t) {
                            out.push(t);
                        }
                    }
                }
            }
        }
    }
    out
}

/// "a string, a list or a mapping" (null is left out: it stands for "absent").
fn describe_types(types: &[&str]) -> String {
    let names: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "a boolean (true/false)",
            "object" => "a mapping",
            "array" => "a list",
            _ => "a value",
        })
        .collect();
    match names.as_slice() {
        [] => "present".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The [`type_accepts`] test as bits: a node's bit is in the mask of the types that accept it.
const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const INTEGER: u8 = 4;
const FINITE: u8 = 8;
const STRING: u8 = 16;
const OBJECT: u8 = 32;
const ARRAY: u8 = 64;
/// A non-finite float, which no type accepts.
const NON_FINITE: u8 = 128;

fn type_bit(t: &str) -> u8 {
    match t {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "integer" => INTEGER,
        "number" => INTEGER | FINITE,
        "string" => STRING,
        "object" => OBJECT,
        "array" => ARRAY,
        _ => 0,
    }
}

fn node_type_bit(node: &Node) -> u8 {
    match node.kind {
        NodeKind::Null => NULL,
        NodeKind::Bool(_) => BOOLEAN,
        NodeKind::Int(_) => INTEGER,
        NodeKind::Float(f) if f.is_finite() => FINITE,
        NodeKind::Float(_) => NON_FINITE,
        NodeKind::Str(_) => STRING,
        NodeKind::Map(_) => OBJECT,
        NodeKind::Seq(_) => ARRAY,
    }
}

fn type_accepts(t: &str, node: &Node) -> bool {
    match (t, &node.kind) {
        ("null", NodeKind::Null)
        | ("boolean", NodeKind::Bool(_))
        | ("integer", NodeKind::Int(_))
        | ("number", NodeKind::Int(_))
        | ("string", NodeKind::Str(_))
        | ("object", NodeKind::Map(_))
        | ("array", NodeKind::Seq(_)) => true,
        ("number", NodeKind::Float(f)) => f.is_finite(),
        _ => false,
    }
}

/// Whether a scalar node equals a JSON value (strings, integers, booleans, null).
fn scalar_eq(node: &Node, v: &Value) -> bool {
    match (&node.kind, v) {
        (NodeKind::Str(s), Value::String(t)) => s == t,
        (NodeKind::Int(i), Value::Number(n)) => n.as_i64() == Some(*i),
        (NodeKind::Bool(b), Value::Bool(c)) => b == c,
        (NodeKind::Null, Value::Null) => true,
        _ => false,
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "error" => Some(Severity::Error),
        "warning" => Some(Severity::Warning),
        "info" => Some(Severity::Info),
        _ => None,
    }
}

/// The range implied by schemars' integer `format`s (so that a value serde would refuse is reported).
fn format_range(f: &str) -> (Option<f64>, Option<f64>) {
    match f {
        "uint8" => (Some(0.0), Some(f64::from(u8::MAX))),
        "uint16" => (Some(0.0), Some(f64::from(u16::MAX))),
        "uint32" => (Some(0.0), Some(f64::from(u32::MAX))),
        "uint64" | "uint" => (Some(0.0), None),
        "int8" => (Some(f64::from(i8::MIN)), Some(f64::from(i8::MAX))),
        "int16" => (Some(f64::from(i16::MIN)), Some(f64::from(i16::MAX))),
        "int32" => (Some(f64::from(i32::MIN)), Some(f64::from(i32::MAX))),
        _ => (None, None),
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::Style;

    fn node(kind: NodeKind) -> Node {
        Node { kind, span: Default::default(), style: Style::Plain, raw: String::new() }
    }

    fn samples() -> Vec<Node> {
        [
            NodeKind::Null,
            NodeKind::Bool(true),
            NodeKind::Int(-3),
            NodeKind::Float(1.5),
            NodeKind::Float(f64::NAN),
            NodeKind::Float(f64::NEG_INFINITY),
            NodeKind::Str("x".into()),
            NodeKind::Seq(Vec::new()),
            NodeKind::Map(Vec::new()),
        ]
        .into_iter()
        .map(node)
        .collect()
    }

    #[test]
    fn type_bits_agree_with_type_names() {
        for t in ["null", "boolean", "integer", "number", "string", "object", "array", "any", ""] {
            for n in samples() {
                assert_eq!(type_bit(t) & node_type_bit(&n) != 0, type_accepts(t, &n), "{t} {:?}", n.kind);
            }
        }
    }

    #[test]
    fn kind_classes_are_told_apart_by_types() {
        // Nodes of one class are accepted by the same types, so a plan per class is a plan per node.
        for n in samples() {
            let Some(class) = kind_class(&n) else { continue };
            for m in samples() {
                if kind_class(&m) == Some(class) {
                    assert_eq!(node_type_bit(&n), node_type_bit(&m));
                }
            }
        }
    }

    /// Every precomputed view is what the general resolution gives for the same node.
    #[test]
    fn precomputed_choices_match_the_general_resolution() {
        let root = crate::schema::annotated();
        let mut checked = 0;
        fn walk(v: &'static Value, out: &mut Vec<&'static Value>) {
            match v {
                Value::Object(o) => {
                    out.push(v);
                    o.values().for_each(|c| walk(c, out));
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
                _ => {}
            }
        }
        let mut schemas = Vec::new();
        walk(root, &mut schemas);
        let mut tags: Vec<String> = crate::model::StepType::ALL.iter().map(|t| t.as_str().to_string()).collect();
        tags.extend(["static", "file", "previous_response", "filter", "map", "bogus"].map(String::from));
        let mut scalars: Vec<Node> = samples().into_iter().filter(|n| n.is_scalar()).collect();
        for v in ["claude", "development", "json", "text", "fixed", "exponential", "warning", "csv_to_json"] {
            scalars.push(node(NodeKind::Str(v.into())));
        }
        for schema in schemas {
            let base = static_view(schema);
            if base.alternatives.is_empty() || base.nullable.is_some() {
                continue;
            }
            let mut nodes = scalars.clone();
            for t in &tags {
                for key in ["type", "operation", "action"] {
                    let k = node(NodeKind::Str(key.into()));
                    nodes.push(node(NodeKind::Map(vec![crate::node::Entry {
                        key: k,
                        value: node(NodeKind::Str(t.clone())),
                    }])));
                }
            }
            for n in &nodes {
                let fast = tagged_merged(schema, &base, n).or_else(|| scalar_merged(schema, &base, n));
                let Some(fast) = fast else { continue };
                let mut slow = base.clone().into_owned();
                assert!(slow.resolve(root, n, 0).is_ok(), "{schema} {:?}", n.kind);
                assert_eq!(Summary::of(fast), Summary::of(&slow), "{schema} {:?}", n.kind);
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} precomputed choices checked");
    }

    /// The parts of a view the walk reads (schema values by address).
    #[derive(Debug, PartialEq)]
    struct Summary<'s> {
        types: Option<Vec<&'s str>>,
        enum_values: Option<*const Value>,
        const_value: Option<*const Value>,
        properties: Vec<(&'s str, *const Value)>,
        required: Vec<&'s str>,
        additional: Option<*const Value>,
        items: Option<*const Value>,
        min_items: Option<u64>,
        minimum: Option<f64>,
        maximum: Option<f64>,
        format: Option<&'s str>,
        severity: Option<&'s str>,
        description: Option<&'s str>,
        ignored: Option<&'s str>,
        conditionals: Vec<(*const Value, *const Value)>,
        alternatives: usize,
        open_enum: Option<*const Value>,
    }

    impl<'s> Summary<'s> {
        fn of(v: &View<'s>) -> Summary<'s> {
            let addr = |v: &Value| v as *const Value;
            Summary {
                types: v.types.clone(),
                enum_values: v.enum_values.map(<[Value]>::as_ptr),
                const_value: v.const_value.map(addr),
                properties: v.properties.iter().map(|(k, s)| (*k, addr(s))).collect(),
                required: v.required.clone(),
                additional: v.additional.map(addr),
                items: v.items.map(addr),
                min_items: v.min_items,
                minimum: v.minimum,
                maximum: v.maximum,
                format: v.format,
                severity: v.severity,
                description: v.description,
                ignored: v.ignored,
                conditionals: v.conditionals.iter().map(|(c, t)| (addr(c), addr(t))).collect(),
                alternatives: v.alternatives.len(),
                open_enum: v.open_enum.map(<[Value]>::as_ptr),
            }
        }
    }
}
