/**
 * One `ndshare bench --handoff` cell, run as a fresh process: `node --expose-gc handoff-cell.js
 * '<HandoffSpec JSON>'`. It starts its receivers first (a child process over IPC, a worker thread
 * over its MessagePort), waits until they are running, then creates and fills ONE array of the
 * spec's backing and size, and hands its handle to each receiver `warmup + iterations` times, one
 * at a time: the time from just before the send until the receiver holds a view is one sample.
 * Both sides read CLOCK_MONOTONIC (`process.hrtime`), one clock for every process on the machine,
 * so the one-way time is measured directly. Answers with a HandoffCellResult as JSON on fd 3.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { create } from '../core/create.js';
import type { NdArray } from '../core/ndarray.js';
import type { Handle } from '../core/handle.js';
import type { Kind } from '../methods/types.js';
import type { HandoffReply, HandoffRequest } from './handoff-wire.js';
import type { HandoffCellResult, HandoffChannel, HandoffSamples, HandoffSpec } from './types.js';

const receiverEntry = fileURLToPath(new URL('./handoff-receiver.js', import.meta.url));
const kResultFd = 3;
/** A receiver that does not answer within this long is a failure, not a wait. */
const kReplyDeadlineMs = 30_000;

/** One running receiver, whatever its kind. */
interface Receiver {
  readonly kind: Kind;
  readonly channel: HandoffChannel;
  send(m: HandoffRequest): void;
  /** The next message from the receiver (rejects at the deadline or when it dies). */
  next(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Messages in order, with a deadline per read and an end when the peer goes away. */
function inbox(): { push(m: unknown): void; end(e: Error): void; next(): Promise<unknown> } {
  const queue: unknown[] = [];
  let waiter: { resolve: (m: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  let ended: Error | null = null;
  return {
    push(m) {
      if (waiter) {
        clearTimeout(waiter.timer);
        const w = waiter;
        waiter = null;
        w.resolve(m);
      } else queue.push(m);
    },
    end(e) {
      ended ??= e;
      if (waiter) {
        clearTimeout(waiter.timer);
        const w = waiter;
        waiter = null;
        w.reject(e);
      }
    },
    next() {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = null;
          reject(new Error(`the receiver did not answer within ${kReplyDeadlineMs / 1000} s`));
        }, kReplyDeadlineMs);
        waiter = { resolve, reject, timer };
      });
    },
  };
}

function startProcess(): Receiver {
  const box = inbox();
  const child: ChildProcess = fork(receiverEntry, [], { execArgv: ['--expose-gc'], serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (m) => box.push(m));
  child.on('exit', (code, signal) => box.end(new Error(`the receiver process exited (${signal ?? `code ${code}`})`)));
  child.on('error', (e) => box.end(e));
  return {
    kind: 'process',
    channel: 'ipc',
    send: (m) => void child.send(m),
    next: () => box.next(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

function startWorker(): Receiver {
  const box = inbox();
  const worker = new Worker(receiverEntry);
  worker.on('message', (m) => box.push(m));
  worker.on('error', (e) => box.end(e));
  worker.on('exit', (code) => box.end(new Error(`the receiver worker exited (code ${code})`)));
  return {
    kind: 'thread',
    channel: 'MessagePort',
    send: (m) => worker.postMessage(m),
    next: () => box.next(),
    stop: async () => void (await worker.terminate()),
  };
}

/** The array of the spec's backing, filled with ones. */
function createArray(spec: HandoffSpec): NdArray {
  const common = { dtype: 'float64', shape: [spec.n], fill: 1 } as const;
  if (spec.backing === 'file') return create({ ...common, backing: 'file', path: join(spec.dir, `ndshare-${process.pid}-handoff.npy`) });
  return create({ ...common, backing: spec.backing });
}

/** The handle a receiver of `kind` is sent: a process gets the JSON one, a thread the same, or the buffer for 'sab'. */
function handleFor(a: NdArray, kind: Kind): Handle {
  return kind === 'thread' && a.backing === 'sab' ? a.threadHandle : a.handle;
}

/**
 * A pause before every message, so that it finds the receiver idle (asleep in epoll or read), as
 * an application's worker is when work arrives: back-to-back messages would find it still awake
 * from the previous one and measure a hot wake-up that real handoffs do not get.
 */
const kGapMs = 2;
const idle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, kGapMs));

async function measure(r: Receiver, a: NdArray, spec: HandoffSpec): Promise<HandoffSamples> {
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  const bare: number[] = [];
  const attaches: number[] = [];
  // A bare ping before every handle, over the same channel in the same state of the machine:
  // what the channel alone costs, so that the attach's own part can be told apart.
  const once = async (m: HandoffRequest): Promise<{ oneWay: number; roundTrip: number }> => {
    await idle();
    const t0 = process.hrtime.bigint();
    r.send(m);
    const reply = (await r.next()) as HandoffReply;
    const t2 = process.hrtime.bigint();
    if ('error' in reply) throw new Error(`the receiver could not attach: ${reply.error}`);
    return { oneWay: Number(BigInt(reply.viewAt) - t0) / 1e9, roundTrip: Number(t2 - t0) / 1e9 };
  };
  for (let i = 0; i < spec.warmup + spec.iterations; i++) {
    const ping = await once({ ping: true });
    await idle();
    // The handle is taken inside the timed window: getting it is part of handing it off.
    const t0 = process.hrtime.bigint();
    r.send({ handle: handleFor(a, r.kind), n: spec.n });
    const reply = (await r.next()) as HandoffReply;
    const t2 = process.hrtime.bigint();
    if ('error' in reply) throw new Error(`the receiver could not attach: ${reply.error}`);
    if (i < spec.warmup) continue;
    latencies.push(Number(BigInt(reply.viewAt) - t0) / 1e9);
    roundTrips.push(Number(t2 - t0) / 1e9);
    bare.push(ping.oneWay);
    attaches.push(Number(BigInt(reply.viewAt) - BigInt(reply.arrivedAt)) / 1e9);
  }
  return { kind: r.kind, channel: r.channel, latencies, roundTrips, bare, attaches };
}

async function run(spec: HandoffSpec): Promise<HandoffCellResult> {
  const receivers: Receiver[] = [];
  let array: NdArray | undefined;
  try {
    for (const kind of spec.kinds) receivers.push(kind === 'process' ? startProcess() : startWorker());
    // Running, listening, and with attach() loaded, before the array exists.
    for (const r of receivers) await r.next();
    const t0 = process.hrtime.bigint();
    array = createArray(spec);
    const created = Number(process.hrtime.bigint() - t0) / 1e9;
    const out: HandoffSamples[] = [];
    for (const r of receivers) out.push(await measure(r, array, spec));
    return { state: 'ok', create: created, receivers: out };
  } catch (err) {
    return { state: 'failed', error: String((err as Error)?.message ?? err).replace(/\s+/g, ' ').slice(0, 500) };
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    if (array) {
      if (array.backing === 'file') array.unlink();
      array.close();
    }
  }
}

function parseSpec(text: string | undefined): HandoffSpec {
  const s = JSON.parse(text ?? '') as HandoffSpec;
  if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.n) || s.n < 1 || !Array.isArray(s.kinds)) throw new Error(`Expected a handoff spec as JSON but received ${String(text).slice(0, 100)}`);
  return s;
}

async function main(): Promise<void> {
  let result: HandoffCellResult;
  try {
    result = await run(parseSpec(process.argv[2]));
  } catch (err) {
    result = { state: 'failed', error: String((err as Error)?.message ?? err) };
  }
  writeSync(kResultFd, JSON.stringify(result));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
