/**
 * The receiver of one benchmark cycle: the child process or worker thread that `share()` starts
 * (cell.ts). It does what the study's task() does (confirm access by the shape; with --verify, sum
 * every element) and replies with the monotonic times at which it had a view and finished reading.
 * Times are `process.hrtime` nanoseconds (CLOCK_MONOTONIC: one clock for every process on the
 * machine), sent as strings because they exceed 2^53.
 *
 * It is one module, as a user's receiver would be: every module a receiver loads costs its start,
 * and its start is part of every handoff the benchmark times.
 */
import type * as Checksum from '../methods/checksum.js';
import type * as ReceiveEntry from '../share/receive.js';
import type { ChildReply } from './cell-wire.js';

// First Node's compile cache, before the receiver's modules load: `module.enableCompileCache()`
// (Node >= 22.1; absent on Node 20, where nothing happens) keeps V8's compiled code of every module
// loaded after it on disk, so later receivers skip compiling them. The cache lives where Node puts
// it: $NODE_COMPILE_CACHE if set, else <os.tmpdir()>/node-compile-cache; never in /dev/shm (a
// TMPDIR there turns the cache off instead). NODE_DISABLE_COMPILE_CACHE=1 disables it. Node's
// modules are taken with process.getBuiltinModule(), not imported: an import builds their ESM
// facades, which load more than this needs.
const { enableCompileCache } = process.getBuiltinModule('node:module') as { enableCompileCache?: (dir?: string) => unknown };
if (enableCompileCache && (process.env['NODE_COMPILE_CACHE'] !== undefined || !process.getBuiltinModule('node:os').tmpdir().startsWith('/dev/shm'))) {
  try {
    enableCompileCache();
  } catch {
    // A cache is an optimization: an unwritable directory only costs the compile.
  }
}

// What a user's receiver imports: the package's entry (the bundle in dist/lib), by the package's own
// name, not this tree's compiled files. This module loads nothing else a lean receiver would not (no
// node:worker_threads on a process's main thread, the checksum only with --verify).
const kReceiveEntry = 'ndshare/receive';
const { receive } = (await import(kReceiveEntry)) as typeof ReceiveEntry;

/**
 * A flag of the run: a child process has it in its environment (it alone has process.send: a
 * worker never does); in a worker, share() put the caller's workerData under 'user'.
 */
function flag(name: 'verify' | 'prefault', env: string): boolean {
  if (process.send !== undefined) return process.env[env] === '1';
  const { workerData } = process.getBuiltinModule('node:worker_threads');
  return (workerData as { user?: Record<string, unknown> } | null)?.user?.[name] === true;
}

async function main(): Promise<void> {
  const verify = flag('verify', 'NDSHARE_BENCH_VERIFY');
  // Loaded before the handoff ends, so the read time is the sum's alone.
  const sum = verify ? ((await import('../methods/checksum.js')) as typeof Checksum).checksum : null;
  // With --prefault the pages are mapped before receive() resolves, so the prefault is part of the handoff.
  const peer = await receive({ prefault: flag('prefault', 'NDSHARE_BENCH_PREFAULT') });
  const viewAt = process.hrtime.bigint();
  let shape: readonly number[];
  // Decimal text: a 64-bit integer sum is a bigint, and JSON (queue-json, a non-Node parent) has none.
  let checksum: string | null = null;
  if (peer.form !== 'proxy') {
    shape = peer.array.shape;
    if (sum) checksum = String(sum(peer.array));
  } else {
    // As the study's Manager task does: one call to the server (sum), which also proves access.
    shape = peer.proxy.shape;
    const total = await peer.proxy.sum();
    if (verify) checksum = String(total);
    // An open proxy keeps the socket, and so this receiver, alive: the join would wait for it.
    peer.proxy.close();
  }
  const readAt = process.hrtime.bigint();
  const reply: ChildReply = { viewAt: String(viewAt), readAt: String(readAt), shape: [...shape], checksum };
  await peer.reply(reply);
  if (peer.form !== 'proxy') peer.array.close();
}

main().catch((err: unknown) => {
  // receive() already told the parent; make the exit status say it too.
  process.exitCode = 1;
  if (process.env['NDSHARE_BENCH_DEBUG']) console.error(err);
});
