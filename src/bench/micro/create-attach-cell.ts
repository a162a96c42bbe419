/**
 * One Node cell of the create+attach benchmark, in a fresh process: create an n-element float64
 * shm array filled with ones, start a child process that attaches it by handle and reads element
 * 0, wait for the child's answer. Prints one JSON line of timings (ms).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { create } from '../../core/create.js';

const n = Number(process.argv[2]);
const t0 = performance.now();
const a = create({ dtype: 'float64', shape: [n], backing: 'shm', fill: 1 });
const t1 = performance.now();
const child = fork(fileURLToPath(new URL('./attach-read-child.js', import.meta.url)), [JSON.stringify(a.handle)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const value = await new Promise<number>((resolve, reject) => {
  child.once('message', (m) => resolve(Number(m)));
  child.once('exit', (code) => reject(new Error(`child exited with ${code} before answering`)));
});
const t2 = performance.now();
child.removeAllListeners('exit');
a.close();
if (value !== 1) throw new Error(`child read ${value}, expected 1`);
console.log(JSON.stringify({ impl: 'ndshare', create_ms: t1 - t0, child_ms: t2 - t1, total_ms: t2 - t0 }));
