// The contract between the ndshare addon and the Node 20 shim (native/v8sab.cc, target
// ndshare_v8sab). The addon never links against these symbols: loadSabShim() finds them with
// dlsym, and uses only the types declared here.
#pragma once

#include <node_api.h>

#include <cstddef>

extern "C" {

// Creates a SharedArrayBuffer over [data, data + length) in the calling thread's isolate, in the
// caller's handle scope. `deleter(data, length, deleter_data)` runs once the last thread that
// holds the buffer drops it, on any thread.
__attribute__((visibility("default"))) napi_value ndshare_v8sab_create(
    void* data, size_t length, void (*deleter)(void* data, size_t length, void* deleter_data), void* deleter_data);

// The Node major version the shim was compiled for: raw V8 API only works in that V8.
__attribute__((visibility("default"))) extern const int ndshare_v8sab_node_major;
}
