/**
 * `ndshare bench --json` output matches its JSON Schema (src/bench/schema.ts, also shipped as
 * src/bench/report.schema.json, checked by ajv in strict mode), including NumPy rows, floors and a
 * two-size sweep; and the validator rejects reports that break the schema (negative controls),
 * each problem reported once, at its JSON pointer, so a report broken in six places has six problems.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { reportSchema, validate } from '../src/bench/schema.js';
import { BenchSandbox, failures } from './helpers/bench.js';
import { onceOnMainNode } from './helpers/matrix.js';

test('bench --json: a real run with --python --floor and two sizes matches the schema', { skip: onceOnMainNode('the NumPy reference and the floors in a real run') }, async () => {
  const box = new BenchSandbox();
  const { code, report } = await box.bench(['--methods', 'shm,pipe,sab', '--size', '1e3,1e4', '--repeats', '2', '--python', '--floor', '--kinds', 'process,thread']);
  const left = box.leftovers();
  assert.deepEqual(failures(report), []);
  assert.equal(code, 0);
  assert.deepEqual(validate(report), []);
  // The parts the schema allows to be empty are really there in this run.
  assert.equal(report.floors.length, 2);
  assert.ok(report.env.numpy !== null && report.env.python !== null && report.env.node === process.version);
  const numpy = report.rows.filter((r) => r.impl === 'numpy');
  assert.deepEqual([...new Set(numpy.map((r) => r.method))].sort(), ['pipe', 'shm'], 'NumPy rows only for the study methods, processes only');
  for (const r of numpy) assert.equal(r.runs.length, 2);
  const shm = report.rows.find((r) => r.impl === 'ndshare' && r.method === 'shm' && r.kind === 'process' && r.temperature === 'cold' && r.n === 1e4);
  assert.ok(shm && shm.ratioNumpy !== null && shm.ratioFloor !== null && shm.phases !== null);
  assert.ok(report.rows.some((r) => r.method === 'sab' && r.kind === 'process' && r.outcome.state === 'unsupported'));
  assert.deepEqual(left, { segments: [], files: [], processes: [] });

  // Negative controls: each breaks one rule; each must be reported at its path, as exactly one problem.
  const broken: Array<[string, (r: Record<string, any>) => void, RegExp]> = [
    ['missing env.node', (r) => delete r['env'].node, /^\/env: missing property 'node'$/],
    ['unknown run state', (r) => (r['rows'][0].runs[0] = { state: 'slow', total: 1 }), /^\/rows\/0\/runs\/0\/state: must be one of "ok", "failed", "timeout" but received "slow"$/],
    ['extra top-level key', (r) => (r['extra'] = 1), /^\(root\): unexpected property 'extra'$/],
    ['ratio as a string', (r) => (r['rows'][0].median = '1.0'), /^\/rows\/0\/median: must be number or null but received "1.0"$/],
    ['negative time', (r) => (r['floors'][0].pipe = -1), /^\/floors\/0\/pipe: must be >= 0 but received -1$/],
    ['wrong schema tag', (r) => (r['schema'] = 'ndshare-bench/2'), /^\/schema: must be "ndshare-bench\/1" but received "ndshare-bench\/2"$/],
  ];
  const all = JSON.parse(JSON.stringify(report)) as Record<string, any>;
  for (const [what, breakIt, expected] of broken) {
    const copy = JSON.parse(JSON.stringify(report)) as Record<string, any>;
    breakIt(copy);
    breakIt(all);
    const problems = validate(copy);
    assert.equal(problems.length, 1, `${what}: ${problems.join(' | ')}`);
    assert.match(problems[0] ?? '', expected, what);
  }
  // All six at once: six problems, so a printed count and the printed list agree.
  assert.equal(validate(all).length, broken.length, validate(all).join(' | '));
});

test('bench schema: a row whose run misses its tag, or whose outcome misses a field of its branch, names that field', () => {
  // A minimal document: only the parts under test are filled; the rest is reported as missing.
  const problems = validate({ rows: [{ runs: [{ total: 1 }], outcome: { state: 'failed' } }] });
  assert.ok(problems.includes("/rows/0/runs/0: missing property 'state'"), problems.join(' | '));
  assert.ok(problems.includes("/rows/0/outcome: missing property 'error'"), problems.join(' | '));
  assert.ok(problems.includes("(root): missing property 'env'"), problems.join(' | '));
  assert.deepEqual(validate(null), ['(root): must be object but received null']);
});

test('bench schema: the shipped report.schema.json is the schema the validator uses', () => {
  const file = JSON.parse(readFileSync(new URL('../../src/bench/report.schema.json', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(file, JSON.parse(JSON.stringify(reportSchema)));
});
