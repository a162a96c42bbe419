// Node 20 only. Node-API before Node 22.23 cannot create a SharedArrayBuffer over external memory
// (node_api_create_external_sharedarraybuffer), so this shim does it with V8's own API. Raw V8
// ties a binary to one V8, so binding.gyp builds this file only against Node 20's headers, and the
// main addon loads it with dlopen (loadSabShim), never through require(): it registers no module.
// node_version.h first: it defines NAPI_VERSION unconditionally, node_api.h only if undefined.
#include <node_version.h>
#include <v8.h>

#include "v8sab.h"

extern "C" {

const int ndshare_v8sab_node_major = NODE_MAJOR_VERSION;

napi_value ndshare_v8sab_create(void* data, size_t length, void (*deleter)(void*, size_t, void*), void* deleter_data) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Value> sab =
      v8::SharedArrayBuffer::New(isolate, v8::SharedArrayBuffer::NewBackingStore(data, length, deleter, deleter_data));
  // Node's Node-API represents a napi_value as the address of a v8::Local's handle slot
  // (JsValueFromV8LocalValue in src/js_native_api_v8.h). No HandleScope here: the Local lives in
  // the scope of the Node-API callback that called us, like any napi_value that callback creates.
  return reinterpret_cast<napi_value>(*sab);
}

}  // extern "C"
