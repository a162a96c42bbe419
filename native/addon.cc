// The one place where the addon's functions are registered. The module is context-aware
// (NODE_MODULE_INIT) so it can be loaded in worker threads as well as the main thread.
#include "common.h"

#include <unistd.h>

namespace ndshare {

bool ArgInt(const FunctionCallbackInfo<Value>& info, int i, int64_t* out) {
  if (i >= info.Length() || !info[i]->IsNumber()) {
    ThrowType(info.GetIsolate(), "ndshare native: expected a number argument");
    return false;
  }
  double d = info[i].As<v8::Number>()->Value();
  *out = static_cast<int64_t>(d);
  if (static_cast<double>(*out) != d) {
    ThrowType(info.GetIsolate(), "ndshare native: expected an integer argument");
    return false;
  }
  return true;
}

bool ArgString(const FunctionCallbackInfo<Value>& info, int i, std::string* out) {
  if (i >= info.Length() || !info[i]->IsString()) {
    ThrowType(info.GetIsolate(), "ndshare native: expected a string argument");
    return false;
  }
  v8::String::Utf8Value s(info.GetIsolate(), info[i]);
  out->assign(*s, s.length());
  return true;
}

bool ArgWord(const FunctionCallbackInfo<Value>& info, int sabIndex, int offsetIndex, int32_t** out) {
  if (sabIndex >= info.Length() || !info[sabIndex]->IsSharedArrayBuffer()) {
    ThrowType(info.GetIsolate(), "ndshare native: expected a SharedArrayBuffer");
    return false;
  }
  int64_t offset;
  if (!ArgInt(info, offsetIndex, &offset)) return false;
  std::shared_ptr<v8::BackingStore> bs = info[sabIndex].As<v8::SharedArrayBuffer>()->GetBackingStore();
  if (offset < 0 || offset % 4 != 0 || static_cast<uint64_t>(offset) + 4 > bs->ByteLength()) {
    ThrowType(info.GetIsolate(), "ndshare native: word offset out of range or unaligned");
    return false;
  }
  *out = reinterpret_cast<int32_t*>(static_cast<char*>(bs->Data()) + offset);
  return true;
}

}  // namespace ndshare

NODE_MODULE_INIT(/* exports, module, context */) {
  ndshare::RegisterMem(exports, context);
  ndshare::RegisterSync(exports, context);
  ndshare::RegisterFloor(exports, context);
  v8::Isolate* isolate = context->GetIsolate();
  exports
      ->Set(context, v8::String::NewFromUtf8Literal(isolate, "pageSize"),
            v8::Number::New(isolate, static_cast<double>(sysconf(_SC_PAGESIZE))))
      .Check();
}
