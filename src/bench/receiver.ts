/**
 * The receiver of one benchmark cycle, run (through child.ts) as the child process or worker
 * thread that `share()` starts. It does what the study's task() does (confirm access by the
 * shape; with --verify, sum every element) and replies with the monotonic times at which it had a view and finished reading.
 * Times are `process.hrtime` nanoseconds (CLOCK_MONOTONIC: one clock for every process on the
 * machine), sent as strings because they exceed 2^53.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { checksum as sum } from '../methods/checksum.js';
import type * as ReceiveEntry from '../share/receive.js';
import type { ChildReply } from './cell-wire.js';

// What a user's receiver imports: the package's entry (the bundle in dist/lib), by the package's own
// name, not this tree's compiled files. Its start-up is part of every handoff the benchmark times.
const kReceiveEntry = 'ndshare/receive';
const { receive } = (await import(kReceiveEntry)) as typeof ReceiveEntry;

async function main(): Promise<void> {
  const flag = (name: 'verify' | 'prefault', env: string): boolean =>
    // In a worker, share() puts the caller's workerData under 'user' (peer.workerData after receive()).
    (isMainThread ? process.env[env] === '1' : (workerData as { user?: Record<string, unknown> } | null)?.user?.[name]) === true;
  // With --prefault the pages are mapped before receive() resolves, so the prefault is part of the handoff.
  const peer = await receive({ prefault: flag('prefault', 'NDSHARE_BENCH_PREFAULT') });
  const viewAt = process.hrtime.bigint();
  const verify = flag('verify', 'NDSHARE_BENCH_VERIFY');
  let shape: readonly number[];
  // Decimal text: a 64-bit integer sum is a bigint, and JSON (queue-json, a non-Node parent) has none.
  let checksum: string | null = null;
  if (peer.form !== 'proxy') {
    shape = peer.array.shape;
    if (verify) checksum = String(sum(peer.array));
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
