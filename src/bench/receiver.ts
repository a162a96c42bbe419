/**
 * The receiver of one benchmark cycle, run (through child.ts) as the child process or worker
 * thread that `share()` starts. It does what the study's task() does (confirm access by the
 * shape; with --verify, sum every element) and replies with the monotonic times at which it had a view and finished reading.
 * Times are `process.hrtime` nanoseconds (CLOCK_MONOTONIC: one clock for every process on the
 * machine), sent as strings because they exceed 2^53.
 */
import type * as Checksum from '../methods/checksum.js';
import type * as ReceiveEntry from '../share/receive.js';
import type { ChildReply } from './cell-wire.js';

// What a user's receiver imports: the package's entry (the bundle in dist/lib), by the package's own
// name, not this tree's compiled files. Its start-up is part of every handoff the benchmark times,
// so this module loads nothing else a lean receiver would not (no node:worker_threads on a
// process's main thread, the checksum only with --verify).
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
