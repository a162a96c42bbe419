/**
 * Item 12 of "Reliability round 2": memfds are sealed. Their size is fixed once sized
 * (F_SEAL_SHRINK | F_SEAL_GROW), so another process that opens /proc/<pid>/fd/<n> cannot
 * truncate one under its creator (which then died of SIGBUS on its next access). And
 * `create({ backing: 'memfd', publish: 'read-only' })` publishes an array read-only
 * (F_SEAL_FUTURE_WRITE): the creator keeps writing through its own mapping, consumers attach
 * with mode 'r' and see those writes, and a writable attach is refused with
 * ERR_NDSHARE_READ_ONLY (the kernel itself refuses a writable shared mapping, write() and
 * truncation to everyone else).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { attach, create, SegmentPool, type MemfdHandle } from '../src/index.js';
import { Agent } from './helpers/agent.js';
import { throwsNdshare } from './helpers/errors.js';
import { runPython } from './helpers/python.js';

// Opens the memfd the way any process of the same user can, and tries what the seals forbid.
const kTamper = `
import errno, mmap, os
path = '/proc/%d/fd/%d' % (INPUT['pid'], INPUT['fd'])
fd = os.open(path, os.O_RDWR)
def attempt(f):
    try:
        f()
        return 'ok'
    except OSError as e:
        return errno.errorcode[e.errno]
size = os.fstat(fd).st_size
res = {}
res['write'] = attempt(lambda: os.pwrite(fd, b'x', 4096))
res['mmapShared'] = attempt(lambda: mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE).close())
res['grow'] = attempt(lambda: os.ftruncate(fd, size + 4096))
res['shrink'] = attempt(lambda: os.ftruncate(fd, 0))
os.close(fd)
out(res)
`;

test("a child cannot shrink or grow a memfd: ftruncate fails with EPERM and the creator keeps working", async () => {
  const creator = await Agent.child();
  try {
    const made = await creator.ok({ op: 'create', options: { dtype: 'float64', shape: [1 << 17], backing: 'memfd', fill: 4 } });
    const h = made.handle as MemfdHandle;
    const id = made.ids?.[0] ?? assert.fail('no id');
    const tried = await runPython<Record<string, string>>(kTamper, { pid: h.pid, fd: h.fd });
    let last: string;
    try {
      last = await creator.get(id, (1 << 17) - 1);
    } catch (err) {
      assert.fail(`Expected the creator to survive a child's ftruncate (child saw ${JSON.stringify(tried)}) but it failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    assert.equal(tried['shrink'], 'EPERM', JSON.stringify(tried));
    assert.equal(tried['grow'], 'EPERM', JSON.stringify(tried));
    assert.equal(tried['write'], 'ok', 'an ordinary memfd stays writable by others of the same user');
    assert.equal(last, '4');
    await creator.put(id, 0, '5');
    assert.equal(await creator.get(id, 0), '5');
  } finally {
    await creator.close();
  }
});

test("publish: 'read-only': consumers attach with mode 'r' and see the creator's writes; a writable attach is refused", async () => {
  const a = create({ dtype: 'float64', shape: [1 << 16], backing: 'memfd', fill: 1, publish: 'read-only' });
  const consumer = await Agent.child();
  try {
    const refused = await consumer.send({ op: 'attach', handle: a.handle });
    assert.equal(refused.state, 'failed', "Expected a writable ('r+') attach of a read-only published memfd to be refused but it succeeded");
    assert.equal(refused.code, 'ERR_NDSHARE_READ_ONLY');
    assert.match(refused.message, /^Expected mode 'r' .* but received 'r\+'/);

    const id = await consumer.attach(a.handle, 'r');
    assert.equal(await consumer.get(id, 7), '1');
    a.data[7] = 42;
    assert.equal(await consumer.get(id, 7), '42', "the consumer sees the creator's writes");

    const tried = await runPython<Record<string, string>>(kTamper, { pid: process.pid, fd: (a.handle as MemfdHandle).fd });
    assert.deepEqual(tried, { write: 'EPERM', mmapShared: 'EPERM', grow: 'EPERM', shrink: 'EPERM' }, 'the kernel refuses every write path to others');
    a.data[8] = 43;
    assert.equal(await consumer.get(id, 8), '43', 'the creator still writes after all that');
    // The same check for an attach in this process.
    throwsNdshare(() => attach(a.handle), 'ERR_NDSHARE_READ_ONLY');
  } finally {
    await consumer.close();
    a.close();
  }
  // Once nobody else holds it, the creator's close frees it, seal or not (a punch would be refused).
  assert.equal(readFileSync('/proc/self/maps', 'utf8').includes('/memfd:ndshare'), false, 'no ndshare memfd is still mapped');
});

test("publish is checked: only for 'memfd', only 'read-only' or 'read-write', and never through a pool", () => {
  throwsNdshare(() => create({ dtype: 'uint8', shape: [8], backing: 'shm', publish: 'read-only' }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  throwsNdshare(() => create({ dtype: 'uint8', shape: [8], backing: 'memfd', publish: 'ro' as never }), 'ERR_NDSHARE_INVALID_ARGUMENT');
  throwsNdshare(() => new SegmentPool({ backing: 'memfd' }).create({ dtype: 'uint8', shape: [8], publish: 'read-only' } as never), 'ERR_NDSHARE_INVALID_ARGUMENT');
  const b = create({ dtype: 'uint8', shape: [8], backing: 'memfd', publish: 'read-write' });
  b.close();
});
