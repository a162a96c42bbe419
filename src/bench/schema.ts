/**
 * The JSON Schema (draft 2020-12) of `ndshare bench --json`, kept as data, and its validation with
 * ajv. The schema is a TypeScript constant so that its method enum derives from the methods table;
 * `src/bench/report.schema.json` is the same document as a file for other tools (shipped in the
 * package as `ndshare/report.schema.json`), and a test keeps the two identical.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { METHOD_NAMES } from '../methods/table.js';
import { KERNELS } from './parallel/kernels.js';

/** A JSON Schema node, restricted to the keywords the report schema uses. */
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
  /** ajv's keyword (from OpenAPI): picks the one `oneOf` branch by a tag, so errors name that branch only. */
  readonly discriminator?: { readonly propertyName: string };
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
  description: 'Output of `ndshare bench --json FILE`: the machine, the options, the physical floors and one row per implementation x method x kind x size x temperature; with --parallel, the parallel sections instead of rows.',
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
      required: ['methods', 'kinds', 'sizes', 'dtype', 'repeats', 'verify', 'prefault', 'python', 'floor', 'warm', 'timeoutMs', 'dir'],
      properties: {
        methods: { type: 'array', items: methodName },
        kinds: { type: 'array', items: kind },
        sizes: { type: 'array', items: { type: 'integer', minimum: 1 } },
        dtype: str,
        repeats: { type: 'integer', minimum: 1 },
        verify: { type: 'boolean' },
        prefault: { type: 'boolean' },
        python: { type: 'boolean' },
        floor: { type: 'boolean' },
        warm: { type: 'boolean' },
        memory: { type: 'boolean' },
        timeoutMs: num,
        dir: str,
        parallel: {
          type: 'object',
          additionalProperties: false,
          required: ['workers', 'kinds', 'sharingTasks'],
          properties: { workers: { type: 'array', items: { type: 'integer', minimum: 1 } }, kinds: { type: 'array', items: kind }, sharingTasks: { type: 'integer', minimum: 1 } },
        },
        handoff: { type: 'boolean' },
        iterations: { type: 'integer', minimum: 1 },
      },
    },
    handoff: {
      type: 'object',
      description: '`--handoff`: handles of one array sent to already running receivers; times in seconds, one-way (send until the receiver holds a view).',
      additionalProperties: false,
      required: ['warmup', 'rows'],
      properties: { warmup: { type: 'integer', minimum: 0 }, rows: { type: 'array', items: { $ref: '#/$defs/handoffRow' } } },
    },
    floors: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['bytes', 'memset', 'freshShared', 'freshSharedWay', 'pipe', 'spawn', 'worker'],
        properties: { bytes: num, memset: num, refill: num, refillWay: str, freshShared: num, freshSharedWay: str, pipe: num, spawn: num, spawnJoined: num, worker: num },
      },
    },
    rows: { type: 'array', items: { $ref: '#/$defs/row' } },
    parallel: { type: 'array', items: { $ref: '#/$defs/parallelSection' } },
  },
  $defs: {
    parallelSection: {
      type: 'object',
      description: '`--parallel` at one size: the kernels over one shared array with 1..N workers, the memory bandwidth and the sharing cost per task.',
      additionalProperties: false,
      required: ['n', 'rows', 'cols', 'bytes', 'cores', 'bandwidth', 'bandwidthError', 'results', 'sharing', 'loadavg'],
      properties: {
        n: { type: 'integer', minimum: 1 },
        rows: { type: 'integer', minimum: 1 },
        cols: { type: 'integer', minimum: 1 },
        bytes: num,
        cores: { type: 'integer', minimum: 1 },
        bandwidth: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, required: ['threads', 'read', 'write'], properties: { threads: { type: 'integer', minimum: 1 }, read: num, write: num } },
        },
        bandwidthError: { type: ['string', 'null'] },
        results: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['impl', 'kind', 'kernel', 'workers', 'runs', 'outcome', 'median', 'speedup', 'efficiency', 'cpu', 'cpuEfficiency', 'throughput', 'ratioNumpy'],
            properties: {
              impl: { enum: ['ndshare', 'numpy'] },
              kind,
              kernel: { enum: KERNELS },
              workers: { type: 'integer', minimum: 1 },
              runs: { type: 'array', items: num },
              outcome: { $ref: '#/$defs/outcome' },
              median: numOrNull,
              speedup: numOrNull,
              efficiency: numOrNull,
              cpu: numOrNull,
              cpuEfficiency: numOrNull,
              throughput: numOrNull,
              ratioNumpy: numOrNull,
            },
          },
        },
        sharing: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['impl', 'kind', 'workers', 'outcome', 'empty', 'noop', 'perTask', 'firstAttach'],
            properties: {
              impl: { enum: ['ndshare', 'numpy'] },
              kind,
              workers: { type: 'integer', minimum: 1 },
              outcome: { $ref: '#/$defs/outcome' },
              empty: numOrNull,
              noop: numOrNull,
              // A difference of two medians: noise can make it slightly negative.
              perTask: { type: ['number', 'null'] },
              firstAttach: numOrNull,
            },
          },
        },
        loadavg: { type: 'array', items: num },
      },
    },
    run: {
      type: 'object',
      discriminator: { propertyName: 'state' },
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['state', 'total'],
          properties: { state: { const: 'ok' }, ...phaseProps, peakParentKiB: num, peakChildKiB: num, peakOnceKiB: num },
        },
        { type: 'object', additionalProperties: false, required: ['state', 'error'], properties: { state: { const: 'failed' }, error: str } },
        { type: 'object', additionalProperties: false, required: ['state', 'afterSeconds'], properties: { state: { const: 'timeout' }, afterSeconds: num } },
      ],
    },
    outcome: {
      type: 'object',
      discriminator: { propertyName: 'state' },
      oneOf: [
        { type: 'object', additionalProperties: false, required: ['state'], properties: { state: { const: 'ok' } } },
        { type: 'object', additionalProperties: false, required: ['state', 'error'], properties: { state: { const: 'failed' }, error: str } },
        { type: 'object', additionalProperties: false, required: ['state', 'afterSeconds'], properties: { state: { const: 'timeout' }, afterSeconds: num } },
        { type: 'object', additionalProperties: false, required: ['state', 'why'], properties: { state: { const: 'unsupported' }, why: str } },
      ],
    },
    handoffRow: {
      type: 'object',
      additionalProperties: false,
      required: [
        'impl', 'backing', 'kind', 'channel', 'n', 'bytes', 'outcome', 'create', 'iterations',
        'median', 'p99', 'min', 'max', 'roundTripMedian', 'bareMedian', 'attachMedian', 'ratioPython', 'ratioSmallest',
      ],
      properties: {
        impl: { enum: ['ndshare', 'python'] },
        backing: { enum: ['shm', 'memfd', 'file', 'sab'] },
        kind,
        channel: { enum: ['ipc', 'MessagePort', 'multiprocessing.Pipe'] },
        n: { type: 'integer', minimum: 1 },
        bytes: num,
        outcome: { $ref: '#/$defs/outcome' },
        create: numOrNull,
        iterations: { type: 'integer', minimum: 0 },
        median: numOrNull,
        p99: numOrNull,
        min: numOrNull,
        max: numOrNull,
        roundTripMedian: numOrNull,
        bareMedian: numOrNull,
        attachMedian: numOrNull,
        ratioPython: numOrNull,
        ratioSmallest: numOrNull,
      },
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
        phases: { type: ['object', 'null'], additionalProperties: false, required: ['create', 'handoff', 'read', 'total'], properties: phaseProps },
        throughput: numOrNull,
        peakKiB: numOrNull,
        peakOnceKiB: numOrNull,
        memoryRatio: numOrNull,
        floor: numOrNull,
        ratioFloor: numOrNull,
        ratioNumpy: numOrNull,
      },
    },
  },
};

let compiled: ValidateFunction | undefined;

/** The report schema compiled once, by ajv in strict mode with every error collected. */
function reportValidator(): ValidateFunction {
  if (compiled === undefined) {
    // strict: an unknown keyword or a keyword on the wrong type is a schema bug, not ignored;
    // allowUnionTypes: the schema says `type: ['number', 'null']`; verbose: messages quote the value.
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true, discriminator: true, verbose: true });
    compiled = ajv.compile(reportSchema);
  }
  return compiled;
}

/**
 * Checks `value` (a parsed `ndshare bench --json` file) against the report schema and returns
 * every problem, one string each, as `<JSON pointer>: <what is wrong>` (`(root)` for the whole
 * document; empty when valid). Strict mode makes a schema bug throw here rather than pass data.
 */
export function validate(value: unknown): string[] {
  const check = reportValidator();
  // allErrors reports each failed keyword once; the Set only guards the promise that the count of
  // problems is the count of distinct lines a person reads.
  return check(value) ? [] : [...new Set((check.errors ?? []).map(describe))];
}

/** One ajv error as a line a person can act on: where, what was expected, what was there. */
function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const got = `received ${preview(error.data)}`;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unexpected property '${String(error.params['additionalProperty'])}'`;
    case 'required':
      return `${where}: missing property '${String(error.params['missingProperty'])}'`;
    case 'discriminator': {
      const tag = String(error.params['tag']);
      const tags = (error.parentSchema?.['oneOf'] as Schema[] | undefined)?.map((s) => s.properties?.[tag]?.const) ?? [];
      const at = `${error.instancePath}/${tag}`;
      if (error.params['tagValue'] === undefined) return `${where}: missing property '${tag}'`;
      return `${at}: must be one of ${tags.map((t) => JSON.stringify(t)).join(', ')} but received ${preview(error.params['tagValue'])}`;
    }
    case 'const':
      return `${where}: must be ${JSON.stringify(error.params['allowedValue'])} but ${got}`;
    case 'enum':
      return `${where}: must be one of ${(error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')} but ${got}`;
    case 'type':
      return `${where}: must be ${String(error.params['type']).split(',').join(' or ')} but ${got}`;
    default:
      return `${where}: ${error.message ?? error.keyword} but ${got}`;
  }
}

/** A value shortened for a message. */
function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
