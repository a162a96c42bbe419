/**
 * Entry of the benchmark's receiver (receiver.ts does the work). Its only job is to turn on
 * Node's compile cache before the receiver's modules load: `module.enableCompileCache()`
 * (Node >= 22.1; absent on Node 20, where this is a no-op) keeps V8's compiled code of every
 * module loaded after it on disk, so later receivers skip compiling them. The cache lives where
 * Node puts it: $NODE_COMPILE_CACHE if set, else <os.tmpdir()>/node-compile-cache; never in
 * /dev/shm (a TMPDIR there turns the cache off instead). NODE_DISABLE_COMPILE_CACHE=1 disables it.
 */
// Node's modules are taken with process.getBuiltinModule(), not imported: an import builds their
// ESM facades, which load more than this needs (node:module's would load its source map support).
// Node 20 has no enableCompileCache: nothing happens there.
const { enableCompileCache } = process.getBuiltinModule('node:module') as { enableCompileCache?: (dir?: string) => unknown };
if (enableCompileCache && (process.env['NODE_COMPILE_CACHE'] !== undefined || !process.getBuiltinModule('node:os').tmpdir().startsWith('/dev/shm'))) {
  try {
    enableCompileCache();
  } catch {
    // A cache is an optimization: an unwritable directory only costs the compile.
  }
}
await import('./receiver.js');
