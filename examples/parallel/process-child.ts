/**
 * A child of the process recipe (docs/parallel.md): maps the two arrays it inherited once, then
 * sums every row range the parent sends until the parent disconnects.
 */
import { inheritedArrays } from 'ndshare';
import { sumRows, type RowRange } from './rows.js';

// Attach once per process: the arrays came with the fork as fds (forkWithArrays), in this order.
// Their dtypes are checked before anything is mapped, and type the two arrays.
const [input, partials] = inheritedArrays({ dtype: ['float64', 'float64'] });

process.on('message', (range: RowRange) => {
  sumRows(input, partials, range);
  process.send?.({ done: range.slot });
});

// No more work: close, and the process exits (the IPC channel was the last thing keeping it).
process.on('disconnect', () => {
  input.close();
  partials.close();
});
