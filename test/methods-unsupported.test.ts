/**
 * Combinations a method cannot do are refused before anything starts, with a typed error that
 * carries the registry's reason; so are unknown names and arrays in the wrong backing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, NdshareError } from '../src/index.js';
import { createFor, METHODS, share, supports, type Kind } from '../src/share/index.js';
import { kChildEntry, kPythonChild, watchdog } from './helpers/methods.js';

const unsupported = METHODS.flatMap((info) => (['process', 'thread'] as const).flatMap((kind) => (info.kinds[kind].supported ? [] : [{ info, kind }])));

test('the table names exactly these unsupported pairs', () => {
  assert.deepEqual(
    unsupported.map(({ info, kind }) => `${info.name}/${kind}`),
    ['pipe/thread', 'queue-json/thread', 'transfer/process', 'sab/process'],
  );
});

for (const { info, kind } of unsupported) {
  test(`${info.name} to a ${kind}: ERR_NDSHARE_UNSUPPORTED with the registry's reason`, async () => {
    const support = info.kinds[kind as Kind];
    assert.equal(support.supported, false);
    const why = support.supported ? '' : support.why;
    assert.ok(why.length > 20, 'the registry explains why');
    const array = create({ dtype: 'float64', shape: [4], backing: 'heap' });
    await assert.rejects(share(array, { method: info.name, kind, entry: kChildEntry }), (err: unknown) => {
      assert.ok(err instanceof NdshareError);
      assert.equal(err.code, 'ERR_NDSHARE_UNSUPPORTED');
      assert.ok(err.message.includes(why), err.message);
      return true;
    });
    assert.equal(supports(info.name, kind), false);
  });
}

test('a supported pair is not refused (negative control: the check is not "always throw")', async () => {
  const array = createFor('queue', 'thread', { dtype: 'float64', shape: [4] });
  const peer = await share(array, { method: 'queue', kind: 'thread', entry: kChildEntry });
  try {
    assert.equal(typeof (await watchdog(peer.reply(), 'report')), 'object');
    await watchdog(peer.reply(), 'write');
  } finally {
    await watchdog(peer.close(), 'close');
  }
});

test('an unknown method name is ERR_NDSHARE_INVALID_ARGUMENT naming the valid ones', async () => {
  const array = create({ dtype: 'float64', shape: [4], backing: 'heap' });
  await assert.rejects(share(array, { method: 'carrier-pigeon' as never, entry: kChildEntry }), (err: unknown) => {
    assert.ok(err instanceof NdshareError);
    assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
    assert.match(err.message, /^Expected a method name \(inherit, argument, .*\) for method but received the string "carrier-pigeon"$/);
    return true;
  });
});

test('a zero-copy method refuses an array in the wrong backing and says how to make one', async () => {
  const array = create({ dtype: 'float64', shape: [4], backing: 'heap' });
  await assert.rejects(share(array, { method: 'shm', entry: kChildEntry }), (err: unknown) => {
    assert.ok(err instanceof NdshareError);
    assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
    assert.match(err.message, /^Expected an array with backing 'shm' for method 'shm' \(process\) but received backing 'heap'; create it with createFor\('shm', 'process', \.\.\.\)$/);
    return true;
  });
});

test("'queue' cannot serve a non-Node command (the v8 serializer is Node's own)", async () => {
  const array = create({ dtype: 'float64', shape: [4], backing: 'heap' });
  await assert.rejects(share(array, { method: 'queue', command: 'python3', args: [kPythonChild] }), { code: 'ERR_NDSHARE_UNSUPPORTED' });
});

test('bad share() options are ERR_NDSHARE_INVALID_ARGUMENT before anything starts', async () => {
  const array = create({ dtype: 'float64', shape: [4], backing: 'heap' });
  const bad: Array<[string, Record<string, unknown>]> = [
    ['options.kind', { kind: 'fiber' }],
    ['options.args', { args: 'x' }],
    ['options.env', { env: 5 }],
    ['options.chunkBytes', { chunkBytes: 0 }],
    ['options.deadlineMs', { deadlineMs: 2 ** 31 }],
    ['options.maxMessageChars', { maxMessageChars: 1.5 }],
    ['options.entry', { entry: '' }],
    ['options.command', { command: 'python3', kind: 'thread' }],
  ];
  for (const [what, extra] of bad) {
    await assert.rejects(share(array, { method: 'queue', entry: kChildEntry, ...extra } as never), (err: unknown) => {
      assert.ok(err instanceof NdshareError);
      assert.equal(err.code, 'ERR_NDSHARE_INVALID_ARGUMENT');
      assert.ok(err.message.includes(what), `${what}: ${err.message}`);
      return true;
    });
  }
  await assert.rejects(share({} as never, { method: 'pipe', entry: kChildEntry }), { code: 'ERR_NDSHARE_INVALID_ARGUMENT' });
  await assert.rejects(share(array, null as never), { code: 'ERR_NDSHARE_INVALID_ARGUMENT' });
});
