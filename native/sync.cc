// Cross-process wait and wake. V8's Atomics.wait/notify are keyed by virtual address inside one
// process, so they cannot wake a waiter in another process; futex(2) without FUTEX_PRIVATE_FLAG
// is keyed by the physical page and does.
#include "common.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <climits>
#include <cstdint>
#include <set>

namespace ndshare {
namespace {

enum WaitResult { kWoken = 0, kNotEqual = 1, kTimedOut = 2 };

int FutexWaitRaw(int32_t* addr, int32_t expected, int64_t timeoutMs) {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeoutMs >= 0) {
    ts.tv_sec = static_cast<time_t>(timeoutMs / 1000);
    ts.tv_nsec = static_cast<long>((timeoutMs % 1000) * 1000000);
    tsp = &ts;
  }
  long rc = syscall(SYS_futex, addr, FUTEX_WAIT, expected, tsp, nullptr, 0);
  if (rc == 0) return kWoken;
  if (errno == EAGAIN) return kNotEqual;
  if (errno == ETIMEDOUT) return kTimedOut;
  // EINTR is a spurious wake-up: callers re-check the word and wait again.
  if (errno == EINTR) return kWoken;
  return -errno;
}

// futexWait(sab, byteOffset, expected, timeoutMs) -> 0 woken, 1 not-equal, 2 timed out.
// Blocks the calling thread: the TypeScript layer only calls it off the main thread.
void FutexWait(const FunctionCallbackInfo<Value>& info) {
  int32_t* addr;
  int64_t expected, timeoutMs;
  if (!ArgWord(info, 0, 1, &addr) || !ArgInt(info, 2, &expected) || !ArgInt(info, 3, &timeoutMs)) return;
  int rc = FutexWaitRaw(addr, static_cast<int32_t>(expected), timeoutMs);
  if (rc < 0) return ThrowErrno(info.GetIsolate(), -rc, "futex");
  info.GetReturnValue().Set(rc);
}

// futexWake(sab, byteOffset, count) -> number of waiters woken
void FutexWake(const FunctionCallbackInfo<Value>& info) {
  int32_t* addr;
  int64_t count;
  if (!ArgWord(info, 0, 1, &addr) || !ArgInt(info, 2, &count)) return;
  int n = count < 0 || count > INT_MAX ? INT_MAX : static_cast<int>(count);
  long rc = syscall(SYS_futex, addr, FUTEX_WAKE, n, nullptr, nullptr, 0);
  if (rc < 0) return ThrowErrno(info.GetIsolate(), errno, "futex");
  info.GetReturnValue().Set(static_cast<int32_t>(rc));
}

// futexWaitAsync(sab, byteOffset, expected, timeoutMs, callback(result)): the same wait on the
// libuv thread pool, so the event loop keeps running. Waits are bounded (callers pass short slices)
// so that a worker or process can always shut down without a pool thread stuck in the kernel.
struct AsyncWait {
  uv_work_t req;
  Isolate* isolate;
  v8::Global<v8::Function> callback;
  std::shared_ptr<v8::BackingStore> store;  // keeps the mapping alive while the pool thread waits
  int32_t* addr;
  int32_t expected;
  int64_t timeoutMs;
  int result;
};

// Async waits still in flight on this thread's event loop. A worker torn down (terminate(),
// process.exit() in the worker) closes its loop, and Node aborts the whole process if a request
// is still active then ("uv_loop_close() while having open handles"). So each thread that waits
// registers one async cleanup hook: at teardown it cancels queued waits, wakes running ones, and
// reports completion only when every wait has come back (Node keeps the loop turning until then).
struct ThreadWaits {
  std::set<AsyncWait*> pending;
  node::ACHHandle* hook = nullptr;
  bool tearingDown = false;
  void (*done)(void*) = nullptr;
  void* doneArg = nullptr;
};
thread_local ThreadWaits waits;

void FinishTeardownIfDrained() {
  if (!waits.tearingDown || !waits.pending.empty() || waits.done == nullptr) return;
  void (*done)(void*) = waits.done;
  waits.done = nullptr;
  done(waits.doneArg);
  node::DeleteACHHandle()(waits.hook);
  waits.hook = nullptr;
}

void TeardownWaits(void* /*arg*/, void (*done)(void*), void* doneArg) {
  waits.tearingDown = true;
  waits.done = done;
  waits.doneArg = doneArg;
  for (AsyncWait* w : waits.pending) {
    // Not started yet: cancelled, its completion runs with UV_ECANCELED. Already sleeping in the
    // kernel: wake it. Other sleepers on the same word wake too; they all re-check their word.
    if (uv_cancel(reinterpret_cast<uv_req_t*>(&w->req)) != 0) syscall(SYS_futex, w->addr, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
  }
  FinishTeardownIfDrained();
}

void AsyncWaitWork(uv_work_t* req) {
  AsyncWait* w = static_cast<AsyncWait*>(req->data);
  w->result = FutexWaitRaw(w->addr, w->expected, w->timeoutMs);
}

void AsyncWaitDone(uv_work_t* req, int status) {
  AsyncWait* w = static_cast<AsyncWait*>(req->data);
  waits.pending.erase(w);
  // During teardown JavaScript can no longer run: just release the wait.
  if (!waits.tearingDown) {
    Isolate* isolate = w->isolate;
    v8::HandleScope scope(isolate);
    Local<v8::Function> cb = w->callback.Get(isolate);
    Local<v8::Context> context = cb->GetCreationContextChecked();
    v8::Context::Scope context_scope(context);
    int result = status == UV_ECANCELED ? kTimedOut : w->result;
    Local<Value> argv[1] = {v8::Integer::New(isolate, result)};
    // MakeCallback runs the microtask queue and reports exceptions like any Node callback.
    node::MakeCallback(isolate, context->Global(), cb, 1, argv, node::async_context{0, 0});
  }
  delete w;
  FinishTeardownIfDrained();
}

void FutexWaitAsync(const FunctionCallbackInfo<Value>& info) {
  Isolate* isolate = info.GetIsolate();
  int32_t* addr;
  int64_t expected, timeoutMs;
  if (!ArgWord(info, 0, 1, &addr) || !ArgInt(info, 2, &expected) || !ArgInt(info, 3, &timeoutMs)) return;
  if (info.Length() < 5 || !info[4]->IsFunction()) return ThrowType(isolate, "ndshare native: expected a callback");
  if (timeoutMs < 0 || timeoutMs > 1000) return ThrowType(isolate, "ndshare native: async waits take a timeout of 0..1000 ms");
  if (waits.tearingDown) return ThrowType(isolate, "ndshare native: this thread is shutting down");
  if (waits.hook == nullptr) waits.hook = node::AddEnvironmentCleanupHook(isolate, TeardownWaits, nullptr).release();
  AsyncWait* w = new AsyncWait();
  w->req.data = w;
  w->isolate = isolate;
  w->callback.Reset(isolate, info[4].As<v8::Function>());
  w->store = info[0].As<v8::SharedArrayBuffer>()->GetBackingStore();
  w->addr = addr;
  w->expected = static_cast<int32_t>(expected);
  w->timeoutMs = timeoutMs;
  int rc = uv_queue_work(node::GetCurrentEventLoop(isolate), &w->req, AsyncWaitWork, AsyncWaitDone);
  if (rc != 0) {
    delete w;
    return ThrowErrno(isolate, -rc, "uv_queue_work");
  }
  waits.pending.insert(w);
}

// gettid() -> the calling thread's kernel id (distinct for each worker thread).
void GetTid(const FunctionCallbackInfo<Value>& info) {
  info.GetReturnValue().Set(static_cast<int32_t>(syscall(SYS_gettid)));
}

// A worker thread that ends (worker.terminate(), process.exit() inside it) does not close the fds
// it opened: they belong to the process. A mutex owner's OFD lock lives as long as its fd, so a
// terminated worker would look alive forever. An environment cleanup hook runs when the worker's
// Node environment is torn down (also on terminate), and closes the fd there, which is what lets
// other threads and processes see the owner's death. Per-thread bookkeeping keeps registration
// idempotent: Node aborts on a duplicate (callback, argument) pair.
thread_local std::set<int> tracked_fds;

void CloseFdHook(void* arg) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  if (tracked_fds.erase(fd) > 0) close(fd);
}

// closeOnThreadExit(fd): close fd when this thread's Node environment is torn down.
void CloseOnThreadExit(const FunctionCallbackInfo<Value>& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return;
  if (fd < 0 || fd > INT_MAX) return ThrowType(info.GetIsolate(), "ndshare native: expected a file descriptor");
  if (!tracked_fds.insert(static_cast<int>(fd)).second) return;
  node::AddEnvironmentCleanupHook(info.GetIsolate(), CloseFdHook, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
}

// cancelCloseOnThreadExit(fd): forget fd (the caller is about to close it itself, and the number
// may be reused by an unrelated file afterwards).
void CancelCloseOnThreadExit(const FunctionCallbackInfo<Value>& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd)) return;
  if (fd < 0 || fd > INT_MAX) return ThrowType(info.GetIsolate(), "ndshare native: expected a file descriptor");
  if (tracked_fds.erase(static_cast<int>(fd)) == 0) return;
  node::RemoveEnvironmentCleanupHook(info.GetIsolate(), CloseFdHook, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
}

}  // namespace

void RegisterSync(Local<v8::Object> exports, Local<v8::Context> context) {
  SetMethod(exports, context, "futexWait", FutexWait);
  SetMethod(exports, context, "futexWake", FutexWake);
  SetMethod(exports, context, "futexWaitAsync", FutexWaitAsync);
  SetMethod(exports, context, "gettid", GetTid);
  SetMethod(exports, context, "closeOnThreadExit", CloseOnThreadExit);
  SetMethod(exports, context, "cancelCloseOnThreadExit", CancelCloseOnThreadExit);
}

}  // namespace ndshare
