//! Data and file steps (format reference §2.4.13 data_transform, §2.4.14 file_ops).

use schemars::{JsonSchema, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::condition::Condition;
use super::step::StepCommon;

/// `type: data_transform` — reshapes a list. Not allowed inside loop bodies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DataTransformStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// Where the data comes from: `previous_response:STEP`, `previous_response:STEP:dot.path`,
    /// `context:dot.path`, or `NAME` (a variable, else a step result). `steps.X.y` and `{{…}}` do not resolve.
    /// Required.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_source: Option<String>,
    /// Operations applied in order (none: the data passes through).
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<TransformOp>>,
    /// Key of the data in the result (default: the step name). The result is `{<output_field>: data,
    /// metadata: {…}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_field: Option<String>,
    /// `json` (encoded string), `string` or `count`; default: the data as is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<TransformOutputFormat>,
    /// With `enabled: true` (or lists over 1000 items) a simpler filter evaluator is used, which understands only
    /// `<field> == <lit>`, `<field> != <lit>` and `<field> > <num>` on the operation's own `field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lazy: Option<Lazy>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Output formats of data_transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransformOutputFormat {
    Json,
    String,
    Count,
}

/// Lazy evaluation switch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Lazy {
    /// Use the lazy (simpler) evaluator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One data_transform operation, selected by `operation`. An unknown operation fails the step; a missing one
/// crashes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "operation", rename_all = "snake_case")]
pub enum TransformOp {
    Filter(FilterOp),
    Map(MapOp),
    Aggregate(AggregateOp),
    Join(JoinOp),
    GroupBy(GroupByOp),
    Sort(SortOp),
}

/// Keeps the items for which `condition` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FilterOp {
    /// The value under test (without it: the whole item).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `<lhs> <op> <literal>` with op `==`, `!=`, `>=`, `<=`, `>`, `<` or `contains` (found by substring search
    /// in that priority order). lhs: `value` (the field value), a dotted path in the item, or an item key.
    /// `and`/`or` are not supported. No operator: truthiness of lhs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Rewrites a field through a value mapping or a case expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MapOp {
    /// The field to rewrite; without it, `mapping` is merged into each item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Old value (compared as text) → new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<Map<String, Value>>,
    /// `uppercase` or `lowercase` (object-literal expressions from the docs are not supported).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<MapExpression>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Case expressions of the map operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MapExpression {
    Uppercase,
    Lowercase,
}

/// Reduces the list to one value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AggregateOp {
    /// The field to aggregate (without it: the items themselves).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `sum` (default), `average`, `count`, `max`, `min`, `first`, `last` or `unique`; other names return the
    /// collected values unaggregated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<AggregateFunction>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Aggregate functions the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggregateFunction {
    Sum,
    Average,
    Count,
    Max,
    Min,
    First,
    Last,
    Unique,
}

/// Joins each item with items of another source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JoinOp {
    /// Key field on this side (default: `join_key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_field: Option<String>,
    /// The other list, in `input_source` syntax (without the three-part form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right_source: Option<String>,
    /// Key field on the other side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_key: Option<String>,
    /// Ignored: the join kind is fixed.
    #[schemars(extend("x-ignored" = "remove it; data_transform has a single join kind"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_type: Option<Value>,
    /// Ignored: the joined data is not renamed.
    #[schemars(extend("x-ignored" = "remove it; use output_field on the step to name the result"))]
    #[serde(rename = "as", skip_serializing_if = "Option::is_none")]
    pub as_name: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Groups items by a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupByOp {
    /// The field to group by; the result maps each value (as text) to its items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Ignored: the runtime reads `field`.
    #[schemars(extend("x-ignored" = "rename the key to field"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Value>,
    /// Ignored: groups are not aggregated (add an aggregate operation).
    #[schemars(extend("x-ignored" = "remove it; add a separate aggregate operation"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Sorts the items by a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SortOp {
    /// The field to sort by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    /// Ignored: the runtime reads `field`.
    #[schemars(extend("x-ignored" = "rename the key to field"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// `type: file_ops` — one file operation. Not allowed inside loop bodies. Relative paths resolve against
/// `workflow.workspace_dir` (except paths starting with `test/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(transform = file_ops_requirements)]
pub struct FileOpsStep {
    #[serde(flatten)]
    pub common: StepCommon,
    /// Gate evaluated before the step runs; when false the step is recorded as skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The operation. Required; any other value fails the step.
    #[schemars(required, extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<FileOperation>,
    /// Source file (copy, move, stream_copy, convert, stream_process); a single path, not a list or pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Destination file (copy, move, stream_copy, convert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// File to delete, or directory to list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// list: a regular expression on entry names (not a glob; not recursive). stream_process with `replace`: the
    /// text to replace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// validate: the checks, one per file; any failing check fails the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileCheck>>,
    /// convert: the conversion. Required for convert.
    #[schemars(extend("x-severity" = "error"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<ConvertFormat>,
    /// stream_process: `identity` (default), `uppercase`, `lowercase`, `trim` or `replace`; unknown values
    /// behave like `identity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processor: Option<StreamProcessor>,
    /// stream_process with `replace`: the replacement text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// Ignored: file_ops reads no options.
    #[schemars(extend("x-ignored" = "remove it; file_ops has no options"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
    /// Ignored: file_ops is not recursive.
    #[schemars(extend("x-ignored" = "remove it; list is never recursive"))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recursive: Option<Value>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// File operations the runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileOperation {
    Copy,
    Move,
    Delete,
    Validate,
    List,
    Convert,
    StreamCopy,
    StreamProcess,
}

impl FileOperation {
    pub const ALL: [FileOperation; 8] = [
        FileOperation::Copy,
        FileOperation::Move,
        FileOperation::Delete,
        FileOperation::Validate,
        FileOperation::List,
        FileOperation::Convert,
        FileOperation::StreamCopy,
        FileOperation::StreamProcess,
    ];

    /// The `operation:` value.
    pub fn as_str(self) -> &'static str {
        match self {
            FileOperation::Copy => "copy",
            FileOperation::Move => "move",
            FileOperation::Delete => "delete",
            FileOperation::Validate => "validate",
            FileOperation::List => "list",
            FileOperation::Convert => "convert",
            FileOperation::StreamCopy => "stream_copy",
            FileOperation::StreamProcess => "stream_process",
        }
    }

    /// The keys the operation needs at run time (the step fails without them).
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            FileOperation::Copy | FileOperation::Move | FileOperation::StreamCopy => &["source", "destination"],
            FileOperation::Delete | FileOperation::List => &["path"],
            FileOperation::Validate => &["files"],
            FileOperation::Convert => &["source", "destination", "format"],
            FileOperation::StreamProcess => &["source"],
        }
    }
}

/// Adds, per operation, `if operation == X then required [...]` so that schema-driven editors and the lint
/// know each operation's required keys from [`FileOperation::required_fields`].
fn file_ops_requirements(schema: &mut Schema) {
    let rules: Vec<Value> = FileOperation::ALL
        .iter()
        .map(|op| {
            json!({
                "if": {
                    "properties": {
                        "operation": { "const": op.as_str(), "description": format!("Applies to `operation: {}`.", op.as_str()) }
                    },
                    "required": ["operation"]
                },
                "then": { "required": op.required_fields() }
            })
        })
        .collect();
    schema.insert("allOf".into(), Value::Array(rules));
}

/// Conversions of `file_ops` `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConvertFormat {
    CsvToJson,
    JsonToCsv,
    YamlToJson,
    JsonToYaml,
    XmlToJson,
    JsonToXml,
}

impl ConvertFormat {
    /// Whether the conversion works; the others are accepted but always fail with "not yet implemented".
    pub fn is_implemented(self) -> bool {
        matches!(self, ConvertFormat::CsvToJson | ConvertFormat::JsonToCsv | ConvertFormat::YamlToJson)
    }
}

/// Line processors of `file_ops` `stream_process`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamProcessor {
    Identity,
    Uppercase,
    Lowercase,
    Trim,
    Replace,
}

/// One check of `file_ops` `validate`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
pub struct FileCheck {
    /// The file or directory to check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// It must exist (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_exist: Option<bool>,
    /// It must be a regular file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_be_file: Option<bool>,
    /// It must be a directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_be_dir: Option<bool>,
    /// Minimum size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_size: Option<u64>,
    /// Maximum size in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// It must be readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_be_readable: Option<bool>,
    /// It must be writable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub must_be_writable: Option<bool>,
    /// Keys pipeline_ex does not read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
