// The step catalogue and the JSON Schema, generated from the Rust definitions (web/src/gen, checked by
// crates/pipeline-server/tests/generated.rs).
import catalogJson from '../gen/catalog.json';
import schemaJson from '../gen/pipeline.schema.json';

export type Family = 'ai_providers' | 'control_flow' | 'data_and_files' | 'state';

export interface StepTypeInfo {
  type: string;
  label: string;
  family: Family;
  support: 'executable' | 'test_only' | 'unsupported';
  allowed_in_loop: boolean;
  prompt: 'required' | 'prompt_or_tasks' | 'exempt';
  claude_options: string;
  description: string;
  example: string;
}

export const CATALOG = catalogJson as StepTypeInfo[];
export const SCHEMA = schemaJson as unknown as JsonSchema;

export const FAMILIES: { id: Family; label: string; colour: string; icon: string }[] = [
  { id: 'ai_providers', label: 'AI providers', colour: 'var(--fam-ai)', icon: '✦' },
  { id: 'control_flow', label: 'Control flow', colour: 'var(--fam-control)', icon: '⟳' },
  { id: 'data_and_files', label: 'Data and files', colour: 'var(--fam-data)', icon: '⛁' },
  { id: 'state', label: 'State', colour: 'var(--fam-state)', icon: '◆' },
];

// Looked up for every step on every canvas build: maps, not searches.
const BY_TYPE = new Map(CATALOG.map((c) => [c.type, c]));
const FAMILY_BY_ID = new Map(FAMILIES.map((f) => [f.id, f]));

export const infoOf = (type: unknown): StepTypeInfo | undefined => (typeof type === 'string' ? BY_TYPE.get(type) : undefined);

export const familyOf = (type: unknown) => {
  const fam = infoOf(type)?.family;
  return fam ? FAMILY_BY_ID.get(fam) : undefined;
};

export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  title?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | JsonSchema;
}

/** Follows `$ref`s into `$defs`. */
export function resolve(s: JsonSchema | undefined): JsonSchema | undefined {
  let cur = s;
  for (let i = 0; cur?.$ref && i < 16; i++) {
    const name = cur.$ref.replace('#/$defs/', '');
    const { $ref: _ref, ...rest } = cur;
    cur = { ...SCHEMA.$defs?.[name], ...rest };
  }
  return cur;
}

/** The schema of one step type (`$defs.GeminiStep` etc.), from the Step oneOf. */
export function stepSchema(type: unknown): JsonSchema | undefined {
  const step = SCHEMA.$defs?.Step;
  const branch = step?.oneOf?.find((b) => b.properties?.type?.const === type);
  return branch ? resolve({ $ref: branch.$ref }) : undefined;
}
