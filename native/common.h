// Shared helpers for the ndshare addon. C++ here never decides policy: it makes one POSIX call,
// and on failure throws an Error shaped like Node's own (`code` = errno name, `syscall`, `errno`).
#pragma once

#include <node.h>
#include <v8.h>

#include <cstdint>
#include <string>

namespace ndshare {

using v8::FunctionCallbackInfo;
using v8::Isolate;
using v8::Local;
using v8::Value;

// Throws a Node-style errno exception; returns false so callers can `return ThrowErrno(...)`.
inline void ThrowErrno(Isolate* isolate, int err, const char* syscall, const char* path = nullptr) {
  isolate->ThrowException(node::ErrnoException(isolate, err, syscall, nullptr, path));
}

inline void ThrowType(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

// Argument readers. TypeScript validates everything before calling in; these only guard against
// misuse of the private binding so that a wrong call throws instead of crashing.
bool ArgInt(const FunctionCallbackInfo<Value>& info, int i, int64_t* out);
bool ArgString(const FunctionCallbackInfo<Value>& info, int i, std::string* out);
// A SharedArrayBuffer argument and a byte offset inside it, aligned to 4 (futex words).
bool ArgWord(const FunctionCallbackInfo<Value>& info, int sabIndex, int offsetIndex, int32_t** out);

// Registration lists: each source file adds its functions to the module object.
void RegisterMem(Local<v8::Object> exports, Local<v8::Context> context);
void RegisterSync(Local<v8::Object> exports, Local<v8::Context> context);
void RegisterFloor(Local<v8::Object> exports, Local<v8::Context> context);

inline void SetMethod(Local<v8::Object> exports, Local<v8::Context> context, const char* name,
                      v8::FunctionCallback fn) {
  Isolate* isolate = context->GetIsolate();
  Local<v8::Function> f = v8::FunctionTemplate::New(isolate, fn)->GetFunction(context).ToLocalChecked();
  Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  f->SetName(key);
  exports->Set(context, key, f).Check();
}

}  // namespace ndshare
