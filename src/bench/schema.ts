/**
 * The JSON Schema (draft 2020-12 subset) of `ndshare bench --json`, and a small validator for the
 * subset it uses. The schema is data so that it ships in the package; `src/bench/report.schema.json`
 * is the same document as a file for other tools, and a test keeps the two identical.
 */
import { METHOD_NAMES } from '../methods/table.js';

/** A JSON Schema node, restricted to the keywords `validate()` understands. */
export interface Schema {
  readonly $schema?: string;
  readonly $id?: string;
  readonly title?: string;
  readonly description?: string;
  readonly $defs?: Readonly<Record<string, Schema>>;
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly oneOf?: readonly Schema[];
}

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

const num: Schema = { type: 'number', minimum: 0 };
const numOrNull: Schema = { type: ['number', 'null'], minimum: 0 };
const str: Schema = { type: 'string' };
const methodName: Schema = { enum: METHOD_NAMES };
const kind: Schema = { enum: ['process', 'thread'] };
const phaseProps = { create: num, handoff: num, read: num, total: num };

/** The report schema. */
export const reportSchema: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/ndshare/ndshare/blob/main/src/bench/report.schema.json',
  title: 'ndshare bench report',
  description: 'Output of `ndshare bench --json FILE`: the machine, the options, the physical floors and one row per implementation x method x kind x size x temperature.',
  type: 'object',
  required: ['schema', 'env', 'options', 'floors', 'rows', 'seconds'],
  additionalProperties: false,
  properties: {
    schema: { const: 'ndshare-bench/1' },
    seconds: num,
    partial: { type: 'boolean' },
    env: {
      type: 'object',
      additionalProperties: false,
      required: ['node', 'v8', 'cpu', 'cores', 'memoryBytes', 'kernel', 'platform', 'date', 'python', 'numpy', 'command'],
      properties: {
        node: str,
        v8: str,
        cpu: str,
        cores: { type: 'integer', minimum: 1 },
        memoryBytes: num,
        kernel: str,
        platform: str,
        date: str,
        python: { type: ['string', 'null'] },
        numpy: { type: ['string', 'null'] },
        command: str,
        loadavg: { type: 'array', items: num },
      },
    },
    options: {
      type: 'object',
      additionalProperties: false,
      required: ['methods', 'kinds', 'sizes', 'dtype', 'repeats', 'verify', 'python', 'floor', 'warm', 'timeoutMs', 'dir'],
      properties: {
        methods: { type: 'array', items: methodName },
        kinds: { type: 'array', items: kind },
        sizes: { type: 'array', items: { type: 'integer', minimum: 1 } },
        dtype: str,
        repeats: { type: 'integer', minimum: 1 },
        verify: { type: 'boolean' },
        python: { type: 'boolean' },
        floor: { type: 'boolean' },
        warm: { type: 'boolean' },
        timeoutMs: num,
        dir: str,
      },
    },
    floors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['bytes', 'memset', 'freshShared', 'pipe', 'spawn', 'worker'],
        properties: { bytes: num, memset: num, freshShared: num, pipe: num, spawn: num, worker: num },
      },
    },
    rows: { type: 'array', items: { $ref: '#/$defs/row' } },
  },
  $defs: {
    phases: { type: 'object', additionalProperties: false, required: ['create', 'handoff', 'read', 'total'], properties: phaseProps },
    run: {
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['state', 'total'],
          properties: { state: { const: 'ok' }, ...phaseProps, peakParentKiB: num, peakChildKiB: num },
        },
        { type: 'object', additionalProperties: false, required: ['state', 'error'], properties: { state: { const: 'failed' }, error: str } },
        { type: 'object', additionalProperties: false, required: ['state', 'afterSeconds'], properties: { state: { const: 'timeout' }, afterSeconds: num } },
      ],
    },
    outcome: {
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['state'], properties: { state: { const: 'ok' } } },
        { type: 'object', additionalProperties: false, required: ['state', 'error'], properties: { state: { const: 'failed' }, error: str } },
        { type: 'object', additionalProperties: false, required: ['state', 'afterSeconds'], properties: { state: { const: 'timeout' }, afterSeconds: num } },
        { type: 'object', additionalProperties: false, required: ['state', 'why'], properties: { state: { const: 'unsupported' }, why: str } },
      ],
    },
    row: {
      type: 'object',
      additionalProperties: false,
      required: [
        'impl', 'method', 'title', 'kind', 'temperature', 'n', 'dtype', 'bytes', 'copies', 'runs', 'outcome',
        'min', 'median', 'max', 'phases', 'throughput', 'peakKiB', 'floor', 'ratioFloor', 'ratioNumpy',
      ],
      properties: {
        impl: { enum: ['ndshare', 'numpy'] },
        method: methodName,
        title: str,
        kind,
        temperature: { enum: ['cold', 'warm'] },
        n: { type: 'integer', minimum: 1 },
        dtype: str,
        bytes: num,
        copies: { type: ['boolean', 'null'] },
        runs: { type: 'array', items: { $ref: '#/$defs/run' } },
        outcome: { $ref: '#/$defs/outcome' },
        min: numOrNull,
        median: numOrNull,
        max: numOrNull,
        phases: { oneOf: [{ type: 'null' }, { $ref: '#/$defs/phases' }] },
        throughput: numOrNull,
        peakKiB: numOrNull,
        floor: numOrNull,
        ratioFloor: numOrNull,
        ratioNumpy: numOrNull,
      },
    },
  },
};

/**
 * Checks `value` against `schema` and returns every violation as "path: problem" (empty when
 * valid). Understands exactly the keywords of `Schema`; `$ref` resolves `#/$defs/<name>` in `root`.
 */
export function validate(value: unknown, schema: Schema = reportSchema, root: Schema = schema, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const name = /^#\/\$defs\/(.+)$/.exec(schema.$ref)?.[1];
    const target = name === undefined ? undefined : root.$defs?.[name];
    if (!target) return [`${path}: unresolvable $ref ${schema.$ref}`];
    return validate(value, target, root, path);
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
    if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join(' or ')} but received ${typeName(value)}`];
  }
  if ('const' in schema && !Object.is(value, schema.const)) errors.push(`${path}: expected ${JSON.stringify(schema.const)} but received ${JSON.stringify(value)}`);
  if (schema.enum !== undefined && !schema.enum.includes(value)) errors.push(`${path}: expected one of ${JSON.stringify(schema.enum)} but received ${JSON.stringify(value)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: expected >= ${schema.minimum} but received ${value}`);
  if (schema.oneOf !== undefined) {
    const matches = schema.oneOf.map((s) => validate(value, s, root, path));
    const passing = matches.filter((m) => m.length === 0).length;
    if (passing !== 1) errors.push(`${path}: expected exactly one alternative to match but ${passing} did (${matches.map((m) => m[0] ?? 'ok').join(' | ')})`);
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${path}: missing property '${key}'`);
    for (const [key, v] of Object.entries(value)) {
      const sub = schema.properties?.[key];
      if (sub) errors.push(...validate(v, sub, root, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property '${key}'`);
    }
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((v, i) => errors.push(...validate(v, items, root, `${path}[${i}]`)));
  }
  return errors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
