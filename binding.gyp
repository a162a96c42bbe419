{
  "targets": [
    {
      "target_name": "ndshare",
      "sources": ["native/addon.cc", "native/mem.cc", "native/sync.cc", "native/floor.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["-lrt"]
    }
  ]
}
