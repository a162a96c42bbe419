/**
 * Benchmark (b): attach costs O(1) in the array size. Creates a small (8 KB) and a large (8 GB by
 * default) float64 shm array, then attaches each by handle many times, interleaved, in this
 * process (attach = shm_open, fstat, header read, liveness lock, mmap without populate; close).
 * Reports the median attach time of each and the ratio large / small.
 *
 *   node dist/src/bench/micro/attach-cost.js [--large-elements 1e9] [--repeats 50]
 *
 * The large array is backed by real memory (posix_fallocate reserves it), so it needs that much
 * free space in /dev/shm; pass a smaller --large-elements on a small machine.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { attach } from '../../core/attach.js';
import { create } from '../../core/create.js';
import { machine, median, numberArgs } from './common.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { 'large-elements': largeElements, repeats } = numberArgs({ 'large-elements': 1e9, repeats: 50 });
const small = create({ dtype: 'float64', shape: [1024], backing: 'shm' });
const started = new Date().toISOString();
const load = machine();
const t0 = performance.now();
const large = create({ dtype: 'float64', shape: [largeElements], backing: 'shm' });
const createLarge = performance.now() - t0;
const times: Record<'small' | 'large', number[]> = { small: [], large: [] };
try {
  for (let r = 0; r < repeats; r++) {
    for (const which of r % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
      const h = (which === 'small' ? small : large).handle;
      const t = performance.now();
      const a = attach(h);
      const first = a.data[0];
      times[which].push(performance.now() - t);
      if (first !== 0) throw new Error('unexpected data');
      a.close();
    }
    // Mappings are released when their buffers are collected; do not let 50 x 8 GB pile up.
    if (r % 10 === 9) gc();
  }
} finally {
  large.close();
  small.close();
}
const ms = (x: number): string => `${(x * 1000).toFixed(0)} us`;
const medSmall = median(times.small);
const medLarge = median(times.large);
console.log(`Benchmark (b): attach by handle + read element 0, 8 KB vs ${(largeElements * 8) / 1e9} GB float64 shm array`);
console.log(`started ${started}; ${load}; ${repeats} attaches of each, interleaved; create of the large one took ${createLarge.toFixed(0)} ms (not part of attach)`);
console.log('');
console.log('| array | median attach | min | max |');
console.log('|---|---|---|---|');
console.log(`| 8 KB (1024 float64) | ${ms(medSmall)} | ${ms(Math.min(...times.small))} | ${ms(Math.max(...times.small))} |`);
console.log(`| ${(largeElements * 8) / 1e9} GB (${largeElements} float64) | ${ms(medLarge)} | ${ms(Math.min(...times.large))} | ${ms(Math.max(...times.large))} |`);
console.log('');
console.log(`ratio large / small (medians): ${(medLarge / medSmall).toFixed(2)}`);
