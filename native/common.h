// Helpers shared by both addons (ndshare and the bench-only ndshare_floor). Node-API only, no V8
// headers: one binary then loads on every Node from 20 on. C++ here never decides policy: it makes
// one POSIX call and, on failure, throws an Error shaped like Node's own errno exceptions.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <string>

namespace ndshare {

// The Throw functions return nullptr (undefined) so that a callback can `return Throw...(...)`.
// ThrowErrno throws what node::ErrnoException throws (the errors of the V8 version of this addon,
// kept as they were): message "ENOENT, No such file or directory '/x'", properties errno
// (positive), code, path (when known) and syscall.
napi_value ThrowErrno(napi_env env, int err, const char* syscall, const char* path = nullptr);
// A TypeError: misuse of the private binding (TypeScript validates before calling in).
napi_value ThrowType(napi_env env, const char* message);
// An Error whose `code` is one of ndshare's own (ERR_NDSHARE_...).
napi_value ThrowCode(napi_env env, const char* code, const std::string& message);

// The arguments of one call. A reader that fails has thrown a TypeError: the caller returns
// nullptr (undefined) at once, so that a wrong call throws instead of crashing.
class Args {
 public:
  Args(napi_env env, napi_callback_info info);
  bool Int(size_t i, int64_t* out);
  bool String(size_t i, std::string* out);
  bool IsTrue(size_t i);
  bool Function(size_t i, napi_value* out);
  // A typed array of `type` over a SharedArrayBuffer: its data pointer and element count. Views,
  // not the buffer itself, because Node 20's Node-API cannot read a SharedArrayBuffer's data
  // pointer (napi_get_arraybuffer_info refuses it) but reads a view's on every version.
  bool SharedView(size_t i, napi_typedarray_type type, const char* expected, void** data, size_t* length);
  // The bytes of any typed array (shared or not), copied: a small value such as a fill pattern.
  bool Bytes(size_t i, const char* expected, std::string* out);
  napi_value operator[](size_t i) const { return argv_[i]; }

 private:
  static constexpr size_t kMax = 5;
  napi_env env_;
  size_t argc_ = kMax;
  napi_value argv_[kMax];
};

napi_value Int32(napi_env env, int32_t value);
napi_value Number(napi_env env, double value);
napi_value Bool(napi_env env, bool value);

// A registration-table entry with the attributes a plain assignment gives (enumerable, writable).
inline napi_property_descriptor Method(const char* name, napi_callback fn) {
  return {name, nullptr, fn, nullptr, nullptr, nullptr, napi_default_jsproperty, nullptr};
}

}  // namespace ndshare
