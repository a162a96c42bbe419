/**
 * A child process of `ndshare bench --parallel`: runs every task its parent sends over the IPC
 * channel, one at a time, and answers each; views are attached once per process (kernels.ts). When
 * the parent disconnects, nothing keeps the process alive and it exits: the kernel releases its fds
 * and mappings, and its liveness locks with them.
 */
import { runTask } from './run-task.js';
import type { ChildAnswer, ChildRequest } from './processes.js';

process.on('message', (request: ChildRequest) => {
  let answer: ChildAnswer;
  try {
    answer = { id: request.id, state: 'ok', result: runTask(request.task) };
  } catch (err) {
    answer = { id: request.id, state: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
  process.send?.(answer);
});
