/**
 * `ndshare report` on a file that breaks the schema: exit 1, and it lists every problem it counts
 * (it once said "6 problem(s)" and listed 5).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBin } from './helpers/cli.js';

test('report: an invalid file lists as many problems as it counts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ndshare-report-test-'));
  try {
    const file = join(dir, 'bad.json');
    // An env with none of its required fields: more problems than any short list would show.
    writeFileSync(file, JSON.stringify({ schema: 'ndshare-bench/1', env: {}, options: {}, floors: [], rows: [], seconds: 1 }));
    const r = runBin(['report', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const count = Number(/has (\d+) problem\(s\):\n/.exec(r.stderr)?.[1]);
    const listed = r.stderr.split('\n').filter((l) => l.startsWith('  '));
    assert.ok(count > 5, `more than 5 problems (${count}): ${r.stderr}`);
    assert.equal(listed.length, count, r.stderr);
    assert.ok(listed.some((l) => /node/.test(l)) && listed.some((l) => /timeoutMs/.test(l)), 'problems of env and of options are both listed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
