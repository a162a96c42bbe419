// Memory primitives: named and anonymous shared memory, space reservation, mappings exposed as
// SharedArrayBuffers, and open-file-description (OFD) locks used for liveness.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>

namespace ndshare {
namespace {

using v8::SharedArrayBuffer;

// shmOpen(name, oflag, mode) -> fd
void ShmOpen(const FunctionCallbackInfo<Value>& info) {
  std::string name;
  int64_t oflag, mode;
  if (!ArgString(info, 0, &name) || !ArgInt(info, 1, &oflag) || !ArgInt(info, 2, &mode)) return;
  int fd;
  do {
    fd = shm_open(name.c_str(), static_cast<int>(oflag), static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ThrowErrno(info.GetIsolate(), errno, "shm_open", name.c_str());
  info.GetReturnValue().Set(fd);
}

// openFd(path, oflag, mode) -> fd. ndshare opens and closes the fds an NdArray keeps natively,
// not through node:fs: in a worker thread node:fs tracks the fds it opens and closes them itself at
// worker exit (and warns when closing one it did not open), which would race ndshare's own
// thread-exit hook (closeOnThreadExit) into closing a number another thread may have reused.
void OpenFd(const FunctionCallbackInfo<Value>& info) {
  std::string path;
  int64_t oflag, mode;
  if (!ArgString(info, 0, &path) || !ArgInt(info, 1, &oflag) || !ArgInt(info, 2, &mode)) return;
  int fd;
  do {
    fd = open(path.c_str(), static_cast<int>(oflag), static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ThrowErrno(info.GetIsolate(), errno, "open", path.c_str());
  info.GetReturnValue().Set(fd);
}

// closeFd(fd). EINTR is not retried: on Linux the fd is released even when close reports it.
void CloseFd(const FunctionCallbackInfo<Value>& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return;
  if (close(static_cast<int>(fd)) < 0 && errno != EINTR) return ThrowErrno(info.GetIsolate(), errno, "close");
}

// shmUnlink(name)
void ShmUnlink(const FunctionCallbackInfo<Value>& info) {
  std::string name;
  if (!ArgString(info, 0, &name)) return;
  if (shm_unlink(name.c_str()) < 0) return ThrowErrno(info.GetIsolate(), errno, "shm_unlink", name.c_str());
}

// memfdCreate(name, flags) -> fd
void MemfdCreate(const FunctionCallbackInfo<Value>& info) {
  std::string name;
  int64_t flags;
  if (!ArgString(info, 0, &name) || !ArgInt(info, 1, &flags)) return;
  int fd = memfd_create(name.c_str(), static_cast<unsigned>(flags));
  if (fd < 0) return ThrowErrno(info.GetIsolate(), errno, "memfd_create", name.c_str());
  info.GetReturnValue().Set(fd);
}

// fallocate(fd, offset, length): reserves the blocks now, so that a full tmpfs fails here with
// ENOSPC instead of raising SIGBUS at the first write through a mapping. Chunks keep each call
// short (a signal can interrupt a long one) and EINTR is retried.
void Fallocate(const FunctionCallbackInfo<Value>& info) {
  int64_t fd, offset, length;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &offset) || !ArgInt(info, 2, &length)) return;
  const int64_t kChunk = int64_t{1} << 30;
  int64_t end = offset + length;
  while (offset < end) {
    int64_t n = std::min(kChunk, end - offset);
    int err = posix_fallocate(static_cast<int>(fd), offset, n);
    if (err == EINTR) continue;
    if (err != 0) return ThrowErrno(info.GetIsolate(), err, "posix_fallocate");
    offset += n;
  }
}

void Unmap(void* data, size_t length, void* /*deleter_data*/) {
  if (length > 0) munmap(data, length);
}

// mmap(fd, length, offset, flags) -> SharedArrayBuffer
// flags: kMapPrivate (copy-on-write, also used for read-only attach so that a stray write can never
// fault) and kMapPopulate (prefault, used when the creator is about to fill every page anyway).
// The buffer owns the mapping: munmap runs in the backing store's deleter, after every isolate
// that could reach the memory has dropped it.
constexpr int64_t kMapPrivate = 1;
constexpr int64_t kMapPopulate = 2;

void Mmap(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  int64_t fd, length, offset, flags;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &length) || !ArgInt(info, 2, &offset) ||
      !ArgInt(info, 3, &flags))
    return;
  if (length <= 0 || offset < 0) return ThrowType(isolate, "ndshare native: mmap length must be positive");
  int mflags = (flags & kMapPrivate) ? MAP_PRIVATE : MAP_SHARED;
  if (flags & kMapPopulate) mflags |= MAP_POPULATE;
  void* p = mmap(nullptr, static_cast<size_t>(length), PROT_READ | PROT_WRITE, mflags, static_cast<int>(fd), offset);
  if (p == MAP_FAILED) return ThrowErrno(isolate, errno, "mmap");
  std::unique_ptr<v8::BackingStore> store =
      SharedArrayBuffer::NewBackingStore(p, static_cast<size_t>(length), Unmap, nullptr);
  info.GetReturnValue().Set(SharedArrayBuffer::New(isolate, std::move(store)));
}

// populate(sab): maps every page of a shared mapping into this process for writing now
// (madvise MADV_POPULATE_WRITE, Linux 5.14+), so that later writes run at memory speed without a
// page fault per 4 KiB. Used by the segment pool when it takes a segment back.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
void Populate(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsSharedArrayBuffer()) return ThrowType(isolate, "ndshare native: expected a SharedArrayBuffer");
  std::shared_ptr<v8::BackingStore> bs = info[0].As<SharedArrayBuffer>()->GetBackingStore();
  if (bs->ByteLength() == 0) return;
  int rc;
  do {
    rc = madvise(bs->Data(), bs->ByteLength(), MADV_POPULATE_WRITE);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return ThrowErrno(isolate, errno, "madvise");
}

// msync(sab, offset, length, sync)
void Msync(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsSharedArrayBuffer()) return ThrowType(isolate, "ndshare native: expected a SharedArrayBuffer");
  int64_t offset, length, sync;
  if (!ArgInt(info, 1, &offset) || !ArgInt(info, 2, &length) || !ArgInt(info, 3, &sync)) return;
  std::shared_ptr<v8::BackingStore> bs = info[0].As<SharedArrayBuffer>()->GetBackingStore();
  if (offset < 0 || length < 0 || static_cast<uint64_t>(offset + length) > bs->ByteLength())
    return ThrowType(isolate, "ndshare native: msync range out of bounds");
  if (length == 0) return;
  // msync needs a page-aligned start: widen the range down to the page boundary.
  uintptr_t start = reinterpret_cast<uintptr_t>(bs->Data()) + static_cast<uintptr_t>(offset);
  uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t aligned = start & ~(page - 1);
  if (msync(reinterpret_cast<void*>(aligned), static_cast<size_t>(length) + (start - aligned),
            sync ? MS_SYNC : MS_ASYNC) < 0)
    return ThrowErrno(isolate, errno, "msync");
}

// ofdLock(fd, type, start, length, wait) -> boolean acquired
// type: 0 unlock, 1 read (shared), 2 write (exclusive). OFD locks belong to the open file
// description, so they are released by the kernel when the last fd to it closes, including when
// the process dies: that is what ndshare's liveness is built on.
short LockType(int64_t t) { return t == 1 ? F_RDLCK : t == 2 ? F_WRLCK : F_UNLCK; }

void OfdLock(const FunctionCallbackInfo<Value>& info) {
  int64_t fd, type, start, length;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &type) || !ArgInt(info, 2, &start) || !ArgInt(info, 3, &length)) return;
  bool wait = info.Length() > 4 && info[4]->IsTrue();
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
    if (!wait && (errno == EAGAIN || errno == EACCES)) return info.GetReturnValue().Set(false);
    return ThrowErrno(info.GetIsolate(), errno, "fcntl");
  }
  info.GetReturnValue().Set(true);
}

// ofdTest(fd, type, start, length) -> 0 if a lock of `type` could be placed now, otherwise the type
// of a conflicting lock held through another open file description (1 read, 2 write).
void OfdTest(const FunctionCallbackInfo<Value>& info) {
  int64_t fd, type, start, length;
  if (!ArgInt(info, 0, &fd) || !ArgInt(info, 1, &type) || !ArgInt(info, 2, &start) || !ArgInt(info, 3, &length)) return;
  struct flock fl = {};
  fl.l_type = LockType(type);
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = length;
  if (fcntl(static_cast<int>(fd), F_OFD_GETLK, &fl) < 0) return ThrowErrno(info.GetIsolate(), errno, "fcntl");
  int held = fl.l_type == F_UNLCK ? 0 : fl.l_type == F_RDLCK ? 1 : 2;
  info.GetReturnValue().Set(held);
}

// A shm segment created by a worker thread belongs to that thread: its name must go when the
// thread ends. A JavaScript 'exit' handler covers process.exit() and a natural end, but not
// Worker.terminate(), which stops JavaScript first; an environment cleanup hook runs in every
// case. Per-thread bookkeeping lets the creator cancel the hook once it unlinks the name itself.
thread_local std::map<std::string, std::string*> unlink_hooks;

void UnlinkHook(void* arg) {
  std::string* name = static_cast<std::string*>(arg);
  unlink_hooks.erase(*name);
  shm_unlink(name->c_str());  // ENOENT (already unlinked by the exit handler) is fine.
  delete name;
}

// shmUnlinkOnThreadExit(name)
void ShmUnlinkOnThreadExit(const FunctionCallbackInfo<Value>& info) {
  std::string name;
  if (!ArgString(info, 0, &name)) return;
  if (unlink_hooks.count(name) > 0) return;
  std::string* arg = new std::string(name);
  unlink_hooks[name] = arg;
  node::AddEnvironmentCleanupHook(info.GetIsolate(), UnlinkHook, arg);
}

// cancelShmUnlinkOnThreadExit(name)
void CancelShmUnlinkOnThreadExit(const FunctionCallbackInfo<Value>& info) {
  std::string name;
  if (!ArgString(info, 0, &name)) return;
  auto it = unlink_hooks.find(name);
  if (it == unlink_hooks.end()) return;
  std::string* arg = it->second;
  unlink_hooks.erase(it);
  node::RemoveEnvironmentCleanupHook(info.GetIsolate(), UnlinkHook, arg);
  delete arg;
}

}  // namespace

void RegisterMem(Local<v8::Object> exports, Local<v8::Context> context) {
  SetMethod(exports, context, "shmOpen", ShmOpen);
  SetMethod(exports, context, "shmUnlink", ShmUnlink);
  SetMethod(exports, context, "openFd", OpenFd);
  SetMethod(exports, context, "closeFd", CloseFd);
  SetMethod(exports, context, "memfdCreate", MemfdCreate);
  SetMethod(exports, context, "fallocate", Fallocate);
  SetMethod(exports, context, "mmap", Mmap);
  SetMethod(exports, context, "msync", Msync);
  SetMethod(exports, context, "populate", Populate);
  SetMethod(exports, context, "ofdLock", OfdLock);
  SetMethod(exports, context, "ofdTest", OfdTest);
  SetMethod(exports, context, "shmUnlinkOnThreadExit", ShmUnlinkOnThreadExit);
  SetMethod(exports, context, "cancelShmUnlinkOnThreadExit", CancelShmUnlinkOnThreadExit);
}

}  // namespace ndshare
