/** Child of create-attach-cell: attaches the handle from argv, reads element 0, reports it, exits. */
import { attach } from '../../core/attach.js';

const a = attach<'float64'>(JSON.parse(process.argv[2] ?? 'null'));
process.send?.(a.data[0], () => {
  a.close();
  process.disconnect?.();
});
