/**
 * An inherited shm fd is valid memory whatever happened to the segment's name: a child maps it
 * even after the creator unlinked the name (attach by name would say ENOENT).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attach, create, spawnWithArrays, type ShmHandle } from '../src/index.js';
import { deadline, kDefaultWatchdogMs } from './helpers/channel.js';
import { throwsNdshare } from './helpers/errors.js';
import { ShmSnapshot } from './helpers/shm.js';

test('a child maps an inherited shm segment whose name the creator already removed', async () => {
  const shm = new ShmSnapshot();
  const a = create({ dtype: 'float64', shape: [16], fill: 2.5 });
  const handle = a.handle as ShmHandle;
  a.unlink();
  // Control: by name, the segment is gone.
  throwsNdshare(() => attach(handle), 'ENOENT');
  try {
    const index = new URL('../src/index.js', import.meta.url).href;
    const code = `const { inheritedArrays } = await import(${JSON.stringify(index)});
      const [x] = inheritedArrays(); x.data[1] = 7; console.log(JSON.stringify({ v: x.data[0], backing: x.backing, name: x.handle.name }));`;
    const child = spawnWithArrays(process.execPath, ['--input-type=module', '-e', code], [a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const status = await deadline(exited, `the spawned child (pid ${child.pid}) to exit`, kDefaultWatchdogMs, () => child.kill('SIGKILL'));
    assert.equal(status, 0, err);
    assert.deepEqual(JSON.parse(out), { v: 2.5, backing: 'shm', name: handle.name });
    assert.equal(a.data[1], 7, 'the child wrote the same memory');
  } finally {
    a.close();
  }
  assert.deepEqual(shm.addedBy(), []);
});
