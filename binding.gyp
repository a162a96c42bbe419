{
  "target_defaults": {
    # The C++ standard comes from Node's common.gypi (gnu++17 for Node 20, gnu++20 from 24 on):
    # Node-API code builds with either.
    "cflags_cc": ["-O2", "-Wall", "-Wextra"],
    # Node-API 8: napi_add_async_cleanup_hook (8) and napi_set_instance_data (6); Node 20 has 9.
    "defines": ["NAPI_VERSION=8"]
  },
  "targets": [
    {
      # The library's addon: Node-API only, so one build loads on Node 20, 22, 24 and 26.
      "target_name": "ndshare",
      "sources": ["native/addon.cc", "native/common.cc", "native/fill.cc", "native/mem.cc", "native/sync.cc"],
      "libraries": ["-lrt", "-ldl", "-lpthread"],
      # Node dlclose()s an addon when the environment that loaded it ends, but a SharedArrayBuffer
      # from a worker can outlive that worker, and its deleter (our munmap) runs later, even in the
      # worker's own isolate teardown. nodelete keeps the code mapped for the process's lifetime.
      "ldflags": ["-Wl,-z,nodelete"]
    },
    {
      # Benchmark floors only (ndshare bench --floor).
      "target_name": "ndshare_floor",
      "sources": ["native/common.cc", "native/floor.cc"]
    }
  ],
  "conditions": [
    # The Node 20 SharedArrayBuffer shim speaks raw V8, so it is built only against Node 20's
    # headers (NODE_MODULE_VERSION 115). Newer Nodes do the same through Node-API.
    ["node_module_version==115", {
      "targets": [
        {
          "target_name": "ndshare_v8sab",
          "sources": ["native/v8sab.cc"],
          # node_version.h defines NAPI_VERSION (the runtime's, 9) itself.
          "defines!": ["NAPI_VERSION=8"]
        }
      ]
    }]
  ]
}
