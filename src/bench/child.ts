/**
 * Entry of the benchmark's receiver (receiver.ts does the work). Its only job is to turn on
 * Node's compile cache before the receiver's modules load: `module.enableCompileCache()`
 * (Node >= 22.1; absent on Node 20, where this is a no-op) keeps V8's compiled code of every
 * module loaded after it on disk, so later receivers skip compiling them. The cache lives where
 * Node puts it: $NODE_COMPILE_CACHE if set, else <os.tmpdir()>/node-compile-cache; never in
 * /dev/shm (a TMPDIR there turns the cache off instead). NODE_DISABLE_COMPILE_CACHE=1 disables it.
 */
// Node 20 and 21 have no compile cache: they do not load node:module and node:os for nothing
// (a user's receiver would not either).
if (Number(process.versions.node.split('.')[0]) >= 22) {
  const [{ default: module }, { tmpdir }] = await Promise.all([import('node:module'), import('node:os')]);
  const enable = (module as { enableCompileCache?: (dir?: string) => unknown }).enableCompileCache;
  if (enable && (process.env['NODE_COMPILE_CACHE'] !== undefined || !tmpdir().startsWith('/dev/shm'))) {
    try {
      enable();
    } catch {
      // A cache is an optimization: an unwritable directory only costs the compile.
    }
  }
}
await import('./receiver.js');
