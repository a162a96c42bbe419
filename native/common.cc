#include "common.h"

#include <cmath>
#include <cstring>

namespace ndshare {
namespace {

// Linux errno names, as Node spells them (ENOTSUP for 95; EAGAIN and EDEADLK, not their aliases).
// Our own table rather than strerrorname_np, which needs glibc 2.32 where Node 20 runs on 2.28.
#define NDSHARE_ERRNOS(X)                                                                        \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD)      \
  X(EAGAIN) X(ENOMEM) X(EACCES) X(EFAULT) X(ENOTBLK) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV)         \
  X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE) X(EMFILE) X(ENOTTY) X(ETXTBSY) X(EFBIG) X(ENOSPC)       \
  X(ESPIPE) X(EROFS) X(EMLINK) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOLCK)     \
  X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ENOMSG) X(EIDRM) X(ECHRNG) X(EL2NSYNC) X(EL3HLT) X(EL3RST)     \
  X(ELNRNG) X(EUNATCH) X(ENOCSI) X(EL2HLT) X(EBADE) X(EBADR) X(EXFULL) X(ENOANO) X(EBADRQC)        \
  X(EBADSLT) X(EBFONT) X(ENOSTR) X(ENODATA) X(ETIME) X(ENOSR) X(ENONET) X(ENOPKG) X(EREMOTE)       \
  X(ENOLINK) X(EADV) X(ESRMNT) X(ECOMM) X(EPROTO) X(EMULTIHOP) X(EDOTDOT) X(EBADMSG) X(EOVERFLOW)  \
  X(ENOTUNIQ) X(EBADFD) X(EREMCHG) X(ELIBACC) X(ELIBBAD) X(ELIBSCN) X(ELIBMAX) X(ELIBEXEC)         \
  X(EILSEQ) X(ERESTART) X(ESTRPIPE) X(EUSERS) X(ENOTSOCK) X(EDESTADDRREQ) X(EMSGSIZE)              \
  X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(ESOCKTNOSUPPORT) X(ENOTSUP) X(EPFNOSUPPORT)    \
  X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ENETRESET)           \
  X(ECONNABORTED) X(ECONNRESET) X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ESHUTDOWN) X(ETOOMANYREFS)     \
  X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTDOWN) X(EHOSTUNREACH) X(EALREADY) X(EINPROGRESS) X(ESTALE)   \
  X(EUCLEAN) X(ENOTNAM) X(ENAVAIL) X(EISNAM) X(EREMOTEIO) X(EDQUOT) X(ENOMEDIUM) X(EMEDIUMTYPE)    \
  X(ECANCELED) X(ENOKEY) X(EKEYEXPIRED) X(EKEYREVOKED) X(EKEYREJECTED) X(EOWNERDEAD)               \
  X(ENOTRECOVERABLE) X(ERFKILL) X(EHWPOISON)

const char* ErrnoName(int err) {
  switch (err) {
#define NDSHARE_ERRNO_CASE(name) \
  case name:                     \
    return #name;
    NDSHARE_ERRNOS(NDSHARE_ERRNO_CASE)
#undef NDSHARE_ERRNO_CASE
  }
  return "";  // what Node gives an errno it does not know
}

napi_value Str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

}  // namespace

napi_value ThrowErrno(napi_env env, int err, const char* syscall, const char* path) {
  const char* code = ErrnoName(err);
  std::string message = std::string(code) + ", " + strerror(err);
  if (path != nullptr) message += std::string(" '") + path + "'";
  napi_value error;
  napi_create_error(env, nullptr, Str(env, message.c_str()), &error);
  // Same properties, in the same order, as node::ErrnoException.
  napi_set_named_property(env, error, "errno", Int32(env, err));
  napi_set_named_property(env, error, "code", Str(env, code));
  if (path != nullptr) napi_set_named_property(env, error, "path", Str(env, path));
  napi_set_named_property(env, error, "syscall", Str(env, syscall));
  napi_throw(env, error);
  return nullptr;
}

napi_value ThrowType(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

napi_value ThrowCode(napi_env env, const char* code, const std::string& message) {
  napi_throw_error(env, code, message.c_str());
  return nullptr;
}

Args::Args(napi_env env, napi_callback_info info) : env_(env) {
  // Missing arguments come back as undefined, so every reader can look at argv_[i] (i < kMax).
  napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
}

bool Args::Int(size_t i, int64_t* out) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env_, argv_[i], &type);
  if (type != napi_number) {
    ThrowType(env_, "ndshare native: expected a number argument");
    return false;
  }
  double d;
  napi_get_value_double(env_, argv_[i], &d);
  // The range test comes first: converting NaN, an infinity or 2^63 to int64_t is undefined.
  if (!(std::fabs(d) < 9.2e18) || std::trunc(d) != d) {
    ThrowType(env_, "ndshare native: expected an integer argument");
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool Args::String(size_t i, std::string* out) {
  size_t length;
  if (napi_get_value_string_utf8(env_, argv_[i], nullptr, 0, &length) != napi_ok) {
    ThrowType(env_, "ndshare native: expected a string argument");
    return false;
  }
  out->resize(length);
  napi_get_value_string_utf8(env_, argv_[i], &(*out)[0], length + 1, &length);
  return true;
}

bool Args::IsTrue(size_t i) {
  bool value = false;
  return napi_get_value_bool(env_, argv_[i], &value) == napi_ok && value;
}

bool Args::Function(size_t i, napi_value* out) {
  napi_valuetype type = napi_undefined;
  napi_typeof(env_, argv_[i], &type);
  if (type != napi_function) {
    ThrowType(env_, "ndshare native: expected a callback");
    return false;
  }
  *out = argv_[i];
  return true;
}

bool Args::SharedView(size_t i, napi_typedarray_type type, const char* expected, void** data, size_t* length) {
  bool isView = false;
  bool isArrayBuffer = true;
  napi_typedarray_type actual = napi_int8_array;
  if (napi_is_typedarray(env_, argv_[i], &isView) == napi_ok && isView) {
    napi_value buffer;
    napi_get_typedarray_info(env_, argv_[i], &actual, length, data, &buffer, nullptr);
    // A view's buffer is an ArrayBuffer or a SharedArrayBuffer, and napi_is_arraybuffer says false
    // for the latter on Node 20 to 26 (node_api_is_sharedarraybuffer is missing before 22.23).
    // Shared only: an ArrayBuffer can be detached, freeing memory a pool thread may be using.
    napi_is_arraybuffer(env_, buffer, &isArrayBuffer);
  }
  if (!isView || actual != type || isArrayBuffer) {
    ThrowType(env_, expected);
    return false;
  }
  return true;
}

bool Args::Bytes(size_t i, const char* expected, std::string* out) {
  bool isView = false;
  if (napi_is_typedarray(env_, argv_[i], &isView) != napi_ok || !isView) {
    ThrowType(env_, expected);
    return false;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, &buffer, &offset);
  if (type != napi_uint8_array) {
    ThrowType(env_, expected);
    return false;
  }
  out->assign(static_cast<const char*>(data), length);
  return true;
}

napi_value Int32(napi_env env, int32_t value) {
  napi_value v;
  napi_create_int32(env, value, &v);
  return v;
}

napi_value Number(napi_env env, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  return v;
}

napi_value Bool(napi_env env, bool value) {
  napi_value v;
  napi_get_boolean(env, value, &v);
  return v;
}

}  // namespace ndshare
