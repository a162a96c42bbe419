// Memory primitives: named and anonymous shared memory, space reservation, mappings exposed as
// SharedArrayBuffers, and open-file-description (OFD) locks used for liveness.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "addon.h"
#include "v8sab.h"

namespace ndshare {
namespace {

// shmOpen and openFd: (path, oflag, mode) -> fd, with EINTR retried.
napi_value OpenWith(napi_env env, napi_callback_info info, int (*call)(const char*, int, mode_t), const char* syscall) {
  Args args(env, info);
  std::string path;
  int64_t oflag, mode;
  if (!args.String(0, &path) || !args.Int(1, &oflag) || !args.Int(2, &mode)) return nullptr;
  int fd;
  do {
    fd = call(path.c_str(), static_cast<int>(oflag), static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ThrowErrno(env, errno, syscall, path.c_str());
  return Int32(env, fd);
}

// open is variadic: this gives it shm_open's signature.
int OpenCall(const char* path, int oflag, mode_t mode) { return open(path, oflag, mode); }

// Every mapping mmap() handed out as a SharedArrayBuffer and not yet unmapped: address -> length.
// remapZero() replaces only these, so a wrong argument can never map over memory V8 or anyone else
// owns. Finalizers run on any thread, hence the mutex.
std::mutex mappingsMutex;
std::map<uintptr_t, size_t> mappings;

void Unmap(void* data, size_t length) {
  {
    std::lock_guard<std::mutex> lock(mappingsMutex);
    mappings.erase(reinterpret_cast<uintptr_t>(data));
  }
  munmap(data, length);
}

// Unmaps a mapping once no thread can reach its SharedArrayBuffer any more. Both run on whatever
// thread drops the last reference, so they touch nothing but the mapping (and its entry above).
// Node-API passes the length as the hint; V8 (the Node 20 shim) passes it itself.
void UnmapNodeApi(void* data, void* length) { Unmap(data, reinterpret_cast<size_t>(length)); }
void UnmapV8(void* data, size_t length, void*) { Unmap(data, length); }

void Remember(void* data, size_t length) {
  std::lock_guard<std::mutex> lock(mappingsMutex);
  mappings[reinterpret_cast<uintptr_t>(data)] = length;
}

// node_api_create_external_sharedarraybuffer (Node 22.23, 24.22, 26.12 and later). It is
// experimental, so node_api.h declares it only under NAPI_EXPERIMENTAL, and a direct reference
// would stop the addon loading on Node 20 ("symbol lookup error"): look it up at run time.
using NodeApiCreateSab = napi_status (*)(napi_env, void*, size_t, void (*)(void*, void*), void*, napi_value*);
const NodeApiCreateSab kNodeApiCreateSab =
    reinterpret_cast<NodeApiCreateSab>(dlsym(RTLD_DEFAULT, "node_api_create_external_sharedarraybuffer"));
// Node 20's fallback, set by loadSabShim. Process-wide: the addon is loaded once per process and
// every thread's environment shares it.
std::atomic<decltype(&ndshare_v8sab_create)> shimCreateSab{nullptr};

// msync and madvise need a page-aligned start: widens [p, p + length) down to its page boundary.
void PageSpan(void* p, size_t length, void** start, size_t* spanLength) {
  uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  uintptr_t aligned = begin & ~(static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) - 1);
  *start = reinterpret_cast<void*>(aligned);
  *spanLength = length + (begin - aligned);
}

short LockType(int64_t t) { return t == 1 ? F_RDLCK : t == 2 ? F_WRLCK : F_UNLCK; }

// A shm segment created by a worker thread belongs to that thread: its name must go when the
// thread ends. A JavaScript 'exit' handler covers process.exit() and a natural end, but not
// Worker.terminate(), which stops JavaScript first; an environment cleanup hook runs in every case.
// The hook owns its argument; EnvState only remembers it so that the creator can cancel the hook
// once it unlinks the name itself.
void UnlinkHook(void* arg) {
  std::string* name = static_cast<std::string*>(arg);
  shm_unlink(name->c_str());  // ENOENT (already unlinked by the exit handler) is fine.
  delete name;
}

}  // namespace

napi_value ShmOpen(napi_env env, napi_callback_info info) { return OpenWith(env, info, shm_open, "shm_open"); }

// openFd(path, oflag, mode) -> fd. ndshare opens and closes the fds an NdArray keeps natively,
// not through node:fs: in a worker thread node:fs tracks the fds it opens and closes them itself at
// worker exit (and warns when closing one it did not open), which would race ndshare's own
// thread-exit hook (closeOnThreadExit) into closing a number another thread may have reused.
napi_value OpenFd(napi_env env, napi_callback_info info) { return OpenWith(env, info, OpenCall, "open"); }

// closeFd(fd). EINTR is not retried: on Linux the fd is released even when close reports it.
napi_value CloseFd(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd;
  if (!args.Int(0, &fd)) return nullptr;
  return close(static_cast<int>(fd)) < 0 && errno != EINTR ? ThrowErrno(env, errno, "close") : nullptr;
}

// shmUnlink(name)
napi_value ShmUnlink(napi_env env, napi_callback_info info) {
  Args args(env, info);
  std::string name;
  if (!args.String(0, &name)) return nullptr;
  return shm_unlink(name.c_str()) < 0 ? ThrowErrno(env, errno, "shm_unlink", name.c_str()) : nullptr;
}

// memfdCreate(name, flags) -> fd
napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  Args args(env, info);
  std::string name;
  int64_t flags;
  if (!args.String(0, &name) || !args.Int(1, &flags)) return nullptr;
  int fd = memfd_create(name.c_str(), static_cast<unsigned>(flags));
  if (fd < 0) return ThrowErrno(env, errno, "memfd_create", name.c_str());
  return Int32(env, fd);
}

// fallocate(fd, offset, length): reserves the blocks now, so that a full tmpfs fails here with
// ENOSPC instead of raising SIGBUS at the first write through a mapping. Chunks keep each call
// short (a signal can interrupt a long one) and EINTR is retried.
napi_value Fallocate(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, offset, length;
  if (!args.Int(0, &fd) || !args.Int(1, &offset) || !args.Int(2, &length)) return nullptr;
  const int64_t kChunk = int64_t{1} << 30;
  int64_t end = offset + length;
  while (offset < end) {
    int64_t n = std::min(kChunk, end - offset);
    int err = posix_fallocate(static_cast<int>(fd), offset, n);
    if (err == EINTR) continue;
    if (err != 0) return ThrowErrno(env, err, "posix_fallocate");
    offset += n;
  }
  return nullptr;
}

// mmap(fd, length, offset, flags) -> SharedArrayBuffer
// flags: kMapPrivate (copy-on-write, also used for read-only attach so that a stray write can never
// fault) and kMapPopulate (prefault, used when the creator is about to fill every page anyway).
// The buffer owns the mapping: munmap runs when every thread that could reach it has dropped it.
constexpr int64_t kMapPrivate = 1;
constexpr int64_t kMapPopulate = 2;

napi_value Mmap(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, length, offset, flags;
  if (!args.Int(0, &fd) || !args.Int(1, &length) || !args.Int(2, &offset) || !args.Int(3, &flags)) return nullptr;
  if (length <= 0 || offset < 0) return ThrowType(env, "ndshare native: mmap length must be positive");
  auto shim = shimCreateSab.load();
  if (kNodeApiCreateSab == nullptr && shim == nullptr) {
    const napi_node_version* node;
    napi_get_node_version(env, &node);
    return ThrowCode(env, "ERR_NDSHARE_NATIVE_MISSING",
                     "Expected node_api_create_external_sharedarraybuffer (Node >= 22.23) or the shim "
                     "build/Release/ndshare_v8sab.node (loaded by loadSabShim) to expose a mapping as a "
                     "SharedArrayBuffer but Node " + std::to_string(node->major) + "." + std::to_string(node->minor) +
                         " has neither; build the shim against Node 20's headers, or use the 'sab' backing");
  }
  int mflags = (flags & kMapPrivate) ? MAP_PRIVATE : MAP_SHARED;
  if (flags & kMapPopulate) mflags |= MAP_POPULATE;
  size_t bytes = static_cast<size_t>(length);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, mflags, static_cast<int>(fd), offset);
  if (p == MAP_FAILED) return ThrowErrno(env, errno, "mmap");
  // Remembered before the buffer exists: its finalizer may in principle run as soon as it does.
  Remember(p, bytes);
  if (kNodeApiCreateSab == nullptr) return shim(p, bytes, UnmapV8, nullptr);
  napi_value sab;
  napi_status status = kNodeApiCreateSab(env, p, bytes, UnmapNodeApi, reinterpret_cast<void*>(bytes), &sab);
  if (status == napi_ok) return sab;
  {
    std::lock_guard<std::mutex> lock(mappingsMutex);
    mappings.erase(reinterpret_cast<uintptr_t>(p));
  }
  // Not created, so the finalizer will never run: the mapping is ours to drop.
  munmap(p, bytes);
  if (status == napi_no_external_buffers_allowed)
    return ThrowCode(env, "ERR_NDSHARE_EXTERNAL_BUFFERS",
                     "Expected a Node that accepts external buffers for a shared-memory mapping but this one refuses "
                     "them (built with the V8 sandbox), so shared-memory backings cannot work in it; use the 'sab' "
                     "backing");
  return ThrowCode(env, "ERR_NDSHARE_UNSUPPORTED",
                   "ndshare native: node_api_create_external_sharedarraybuffer failed with status " +
                       std::to_string(status));
}

// populate(view: Uint8Array over the mapping's SharedArrayBuffer): maps every page under the view
// into this process for writing now (madvise MADV_POPULATE_WRITE, Linux 5.14+), so that later
// writes run at memory speed without a page fault per 4 KiB. Used by the segment pool when it
// takes a segment back.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
napi_value Populate(napi_env env, napi_callback_info info) {
  Args args(env, info);
  void* data;
  size_t length;
  if (!args.SharedView(0, napi_uint8_array, "ndshare native: expected a Uint8Array over a SharedArrayBuffer", &data,
                       &length))
    return nullptr;
  if (length == 0) return nullptr;
  void* start;
  size_t span;
  PageSpan(data, length, &start, &span);
  int rc;
  do {
    rc = madvise(start, span, MADV_POPULATE_WRITE);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? ThrowErrno(env, errno, "madvise") : nullptr;
}

// prepareHeap(view: Uint8Array over an ArrayBuffer its owner is about to fill, populate = true):
// advises transparent huge pages (MADV_HUGEPAGE, as NumPy does for large arrays) and, unless
// populate is false, maps every whole page under the view now (MADV_POPULATE_WRITE), so the fill
// runs without a page fault per 4 KiB. Without populate it returns at once, and a fill that follows
// in slices faults one huge page per 2 MiB instead (the manager server, which keeps answering
// between slices). Advice only, on the pages wholly inside the view: errors are not thrown (an old
// kernel, THP off); returns whether the pages were populated.
napi_value PrepareHeap(napi_env env, napi_callback_info info) {
  Args args(env, info);
  bool isView = false;
  bool isArrayBuffer = false;
  napi_typedarray_type type = napi_int8_array;
  void* data = nullptr;
  size_t length = 0;
  if (napi_is_typedarray(env, args[0], &isView) == napi_ok && isView) {
    napi_value buffer;
    napi_get_typedarray_info(env, args[0], &type, &length, &data, &buffer, nullptr);
    napi_is_arraybuffer(env, buffer, &isArrayBuffer);
  }
  if (!isView || type != napi_uint8_array || !isArrayBuffer) return ThrowType(env, "ndshare native: expected a Uint8Array over an ArrayBuffer");
  uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data) + length) & ~(page - 1);
  if (end <= begin) return Bool(env, false);
  void* start = reinterpret_cast<void*>(begin);
  size_t span = end - begin;
#ifdef MADV_HUGEPAGE
  madvise(start, span, MADV_HUGEPAGE);
#endif
  bool populate = true;  // an argument that is not a boolean (undefined: left out) keeps the default
  napi_valuetype kind = napi_undefined;
  if (napi_typeof(env, args[1], &kind) == napi_ok && kind == napi_boolean) napi_get_value_bool(env, args[1], &populate);
  if (!populate) return Bool(env, false);
  int rc;
  do {
    rc = madvise(start, span, MADV_POPULATE_WRITE);
  } while (rc < 0 && errno == EINTR);
  return Bool(env, rc == 0);
}

// remapZero(view: Uint8Array over the whole SharedArrayBuffer of a mapping made by mmap above):
// replaces the mapping, in place, with private anonymous zero pages (MAP_FIXED, so the addresses
// never stop being mapped: no view can fault). Afterwards the views read zeros and their writes go
// to this process's private memory; the shared object loses this mapping's reference, so the
// kernel frees it once nothing else holds it. Unlike a punched hole (fallocate PUNCH_HOLE), the
// pages under a stale view are not the object's any more: reading them cannot re-allocate tmpfs
// pages (and SIGBUS on a full tmpfs), and it needs no write access to the object (a memfd sealed
// with F_SEAL_FUTURE_WRITE refuses punching). MAP_NORESERVE: no commit charge for memory nobody
// is expected to write. The buffer's finalizer unmaps the replacement as it would the original.
napi_value RemapZero(napi_env env, napi_callback_info info) {
  Args args(env, info);
  void* data;
  size_t length;
  if (!args.SharedView(0, napi_uint8_array, "ndshare native: expected a Uint8Array over a mapping's SharedArrayBuffer",
                       &data, &length))
    return nullptr;
  std::lock_guard<std::mutex> lock(mappingsMutex);
  auto it = mappings.find(reinterpret_cast<uintptr_t>(data));
  if (it == mappings.end() || it->second != length)
    return ThrowType(env, "ndshare native: remapZero needs a view over the whole of a mapping made by mmap");
  void* p = mmap(data, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? ThrowErrno(env, errno, "mmap") : nullptr;
}

// addSeals(fd, seals): fcntl(F_ADD_SEALS) on a memfd created with MFD_ALLOW_SEALING.
napi_value AddSeals(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, seals;
  if (!args.Int(0, &fd) || !args.Int(1, &seals)) return nullptr;
  return fcntl(static_cast<int>(fd), F_ADD_SEALS, static_cast<int>(seals)) < 0 ? ThrowErrno(env, errno, "fcntl")
                                                                                : nullptr;
}

// getSeals(fd) -> the seals of a memfd (0 for one created without MFD_ALLOW_SEALING but F_SEAL_SEAL).
napi_value GetSeals(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd;
  if (!args.Int(0, &fd)) return nullptr;
  int seals = fcntl(static_cast<int>(fd), F_GET_SEALS);
  return seals < 0 ? ThrowErrno(env, errno, "fcntl") : Int32(env, seals);
}

// msync(view: Uint8Array over the mapping's SharedArrayBuffer, offset, length, sync): offset and
// length are bytes within the view.
napi_value Msync(napi_env env, napi_callback_info info) {
  Args args(env, info);
  void* data;
  size_t size;
  int64_t offset, length, sync;
  if (!args.SharedView(0, napi_uint8_array, "ndshare native: expected a Uint8Array over a SharedArrayBuffer", &data,
                       &size) ||
      !args.Int(1, &offset) || !args.Int(2, &length) || !args.Int(3, &sync))
    return nullptr;
  if (offset < 0 || length < 0 || static_cast<uint64_t>(offset + length) > size)
    return ThrowType(env, "ndshare native: msync range out of bounds");
  if (length == 0) return nullptr;
  void* start;
  size_t span;
  PageSpan(static_cast<char*>(data) + offset, static_cast<size_t>(length), &start, &span);
  return msync(start, span, sync ? MS_SYNC : MS_ASYNC) < 0 ? ThrowErrno(env, errno, "msync") : nullptr;
}

// ofdLock(fd, type, start, length, wait) -> boolean acquired
// type: 0 unlock, 1 read (shared), 2 write (exclusive). OFD locks belong to the open file
// description, so they are released by the kernel when the last fd to it closes, including when
// the process dies: that is what ndshare's liveness is built on.
napi_value OfdLock(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, type, start, length;
  if (!args.Int(0, &fd) || !args.Int(1, &type) || !args.Int(2, &start) || !args.Int(3, &length)) return nullptr;
  bool wait = args.IsTrue(4);
  struct flock fl = {};
  fl.l_type = LockType(type);
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = length;
  int rc;
  do {
    rc = fcntl(static_cast<int>(fd), wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (!wait && (errno == EAGAIN || errno == EACCES)) return Bool(env, false);
    return ThrowErrno(env, errno, "fcntl");
  }
  return Bool(env, true);
}

// ofdTest(fd, type, start, length) -> 0 if a lock of `type` could be placed now, otherwise the type
// of a conflicting lock held through another open file description (1 read, 2 write).
napi_value OfdTest(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, type, start, length;
  if (!args.Int(0, &fd) || !args.Int(1, &type) || !args.Int(2, &start) || !args.Int(3, &length)) return nullptr;
  struct flock fl = {};
  fl.l_type = LockType(type);
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = length;
  if (fcntl(static_cast<int>(fd), F_OFD_GETLK, &fl) < 0) return ThrowErrno(env, errno, "fcntl");
  return Int32(env, fl.l_type == F_UNLCK ? 0 : fl.l_type == F_RDLCK ? 1 : 2);
}

// shmUnlinkOnThreadExit(name)
napi_value ShmUnlinkOnThreadExit(napi_env env, napi_callback_info info) {
  Args args(env, info);
  std::string name;
  if (!args.String(0, &name)) return nullptr;
  EnvState* state = StateOf(env);
  if (state->unlinkOnExit.count(name) > 0) return nullptr;
  std::string* arg = new std::string(name);
  state->unlinkOnExit[name] = arg;
  napi_add_env_cleanup_hook(env, UnlinkHook, arg);
  return nullptr;
}

// cancelShmUnlinkOnThreadExit(name)
napi_value CancelShmUnlinkOnThreadExit(napi_env env, napi_callback_info info) {
  Args args(env, info);
  std::string name;
  if (!args.String(0, &name)) return nullptr;
  EnvState* state = StateOf(env);
  auto it = state->unlinkOnExit.find(name);
  if (it == state->unlinkOnExit.end()) return nullptr;
  napi_remove_env_cleanup_hook(env, UnlinkHook, it->second);
  delete it->second;
  state->unlinkOnExit.erase(it);
  return nullptr;
}

// loadSabShim(path): loads the Node 20 shim (native/v8sab.cc) that mmap falls back to where
// Node-API cannot create an external SharedArrayBuffer. The shim speaks raw V8, so it must have
// been built for this very Node major: a mismatch is refused here rather than crashing later.
napi_value LoadSabShim(napi_env env, napi_callback_info info) {
  Args args(env, info);
  std::string path;
  if (!args.String(0, &path)) return nullptr;
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr)
    return ThrowCode(env, "ERR_NDSHARE_NATIVE_MISSING",
                     "Expected the ndshare_v8sab shim at " + path + " but could not load it: " + dlerror());
  auto create = reinterpret_cast<decltype(&ndshare_v8sab_create)>(dlsym(lib, "ndshare_v8sab_create"));
  auto major = static_cast<const int*>(dlsym(lib, "ndshare_v8sab_node_major"));
  const napi_node_version* node;
  napi_get_node_version(env, &node);
  if (create == nullptr || major == nullptr || static_cast<uint32_t>(*major) != node->major) {
    std::string built = major == nullptr ? "an unknown Node" : "Node " + std::to_string(*major);
    dlclose(lib);
    return ThrowCode(env, "ERR_NDSHARE_NATIVE_MISSING",
                     "Expected the ndshare_v8sab shim at " + path + " to be built for Node " +
                         std::to_string(node->major) + " but it was built for " + built);
  }
  shimCreateSab.store(create);
  return nullptr;
}

// sabSupport() -> how mmap will expose a mapping: 'node-api', 'shim' (Node 20 after loadSabShim)
// or 'none' (mmap throws ERR_NDSHARE_NATIVE_MISSING).
napi_value SabSupport(napi_env env, napi_callback_info) {
  const char* how = kNodeApiCreateSab != nullptr ? "node-api" : shimCreateSab.load() != nullptr ? "shim" : "none";
  napi_value v;
  napi_create_string_utf8(env, how, NAPI_AUTO_LENGTH, &v);
  return v;
}

}  // namespace ndshare
