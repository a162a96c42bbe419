/**
 * The running receiver of `ndshare bench --handoff`: a child process (IPC) or a worker thread
 * (its parent port) that was started before any array existed, as an application's workers are.
 * For every handle it is sent it does what such a worker does, `attach(handle)`, and notes the
 * CLOCK_MONOTONIC time at which it holds the view; then, outside the timed window, it checks the
 * view (shape, first element), lets it go (close, and a collection when `gc` is exposed, so that
 * hundreds of 8 GB mappings do not pile up until V8 frees them) and only then replies, so the
 * sender's next handle never waits behind that clean-up.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { attach } from '../core/attach.js';
import type { HandoffReply, HandoffRequest } from './handoff-wire.js';

/** NDSHARE_HANDOFF_GC=1: a full collection after each view (a probe of V8's part, not the default). */
const gc = process.env['NDSHARE_HANDOFF_GC'] === '1' ? (globalThis as { gc?: () => void }).gc : undefined;

function handle(m: HandoffRequest): HandoffReply {
  const arrivedAt = process.hrtime.bigint();
  if ('ping' in m) return { arrivedAt: String(arrivedAt), viewAt: String(arrivedAt) };
  try {
    const a = attach(m.handle);
    const viewAt = process.hrtime.bigint();
    const ok = a.shape.length === 1 && a.shape[0] === m.n && a.data[0] === 1;
    a.close();
    gc?.();
    return ok ? { arrivedAt: String(arrivedAt), viewAt: String(viewAt) } : { error: `Expected a view of ${m.n} ones but received shape [${a.shape.join(', ')}]` };
  } catch (err) {
    return { error: err instanceof Error ? `${(err as { code?: string }).code ?? 'Error'}: ${err.message}` : String(err) };
  }
}

if (isMainThread) {
  if (!process.send) throw new Error('Expected to be started with an IPC channel (child_process.fork)');
  process.on('message', (m) => process.send?.(handle(m as HandoffRequest)));
  // Ready once listening and with attach() loaded: a running application has both.
  process.send({ ready: true });
} else if (parentPort) {
  const port = parentPort;
  port.on('message', (m) => port.postMessage(handle(m as HandoffRequest)));
  port.postMessage({ ready: true });
}
