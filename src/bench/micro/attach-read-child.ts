/** Child of create-attach-cell: attaches the handle from argv, reads element 0, reports it, exits. */
import { attach } from '../../core/attach.js';

const a = attach(JSON.parse(process.argv[2] ?? 'null'), { dtype: 'float64' });
process.send?.(a.data[0], () => {
  a.close();
  process.disconnect?.();
});
