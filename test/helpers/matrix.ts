/**
 * CI runs the whole suite on the machine's Node, then again on Node 22, 24 and 26
 * (scripts/node-matrix.sh, which sets NDSHARE_MATRIX to the major it runs). A few tests exercise
 * another runtime's side (NumPy's reference code, zarr-python, Dask, headless Chromium), or are
 * long runs of benchmark logic (the --handoff interrupt), through code paths that other tests
 * already run on every Node; they run once per CI run, on the main Node, and report a visible skip
 * in the matrix, so the whole CI stays within its time budget.
 */

/** `skip` option for such a test: false, or the reason shown in the matrix. */
export function onceOnMainNode(what: string): string | false {
  const major = process.env['NDSHARE_MATRIX'];
  return major ? `${what}: runs once per CI run, on the main Node, not again in the Node ${major} matrix run` : false;
}
