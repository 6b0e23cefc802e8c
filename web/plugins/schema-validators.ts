// Vite plugin: the JSON Schema's validators compiled ahead of time with ajv's standalone code generation, as
// the virtual module `virtual:schema-validators`. The app's Content-Security-Policy forbids eval, so ajv
// cannot compile at run time; this gives the offline checks the same schema the server generates
// (src/gen/pipeline.schema.json), with no generated file to keep in step.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import type { Plugin } from 'vite';

const ID = 'virtual:schema-validators';
const RESOLVED = `\0${ID}`;

export function schemaValidators(): Plugin {
  const schemaPath = resolve(__dirname, '../src/gen/pipeline.schema.json');
  return {
    name: 'schema-validators',
    resolveId: (id) => (id === ID ? RESOLVED : undefined),
    load(id) {
      if (id !== RESOLVED) return undefined;
      this.addWatchFile(schemaPath);
      const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
      const ajv = new Ajv2020({ code: { source: true, esm: true }, allErrors: true, strict: false });
      ajv.addSchema(schema);
      const base: string = schema.$id;
      // One validator per step type (the Step oneOf's branches), plus the workflow without its steps.
      const exports: Record<string, string> = { workflow: `${base}#/$defs/Workflow` };
      for (const name of Object.keys(schema.$defs ?? {})) {
        if (name.endsWith('Step') && name !== 'Step') exports[name] = `${base}#/$defs/${name}`;
      }
      return standaloneCode(ajv, exports);
    },
  };
}
