/**
 * share() does not hand the parent's Node options to the child (fork would: `-e` in them makes a
 * child run the parent's code again, `--inspect` fights over a port); `execArgv` passes them on
 * purpose.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const kParent = fileURLToPath(new URL('./fixtures/methods-execargv-parent.js', import.meta.url));

test("the child starts without the parent's Node options unless execArgv says so", async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--no-warnings', '--max-old-space-size=300', kParent], { timeout: 60_000, killSignal: 'SIGKILL' }, (err, out) => {
      if (err?.killed) reject(new Error(`Expected the fixture methods-execargv-parent to print its children's options within 60000 ms; killed it`));
      else if (err) reject(err);
      else resolve(out);
    });
  });
  const [parent, byDefault, explicit] = JSON.parse(stdout.trim()) as string[][];
  // Control: the parent really had options to leak.
  assert.deepEqual(parent, ['--no-warnings', '--max-old-space-size=300']);
  assert.deepEqual(byDefault, []);
  assert.deepEqual(explicit, ['--no-deprecation']);
});
