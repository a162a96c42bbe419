// Cross-process wait and wake. V8's Atomics.wait/notify are keyed by virtual address inside one
// process, so they cannot wake a waiter in another process; futex(2) without FUTEX_PRIVATE_FLAG
// is keyed by the physical page and does.
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <climits>

#include "addon.h"

namespace ndshare {

struct AsyncWait {
  uv_work_t req;
  EnvState* state;
  napi_ref view;  // keeps the mapping alive while a pool thread sleeps on it
  napi_ref callback;
  int32_t* addr;
  int32_t expected;
  int64_t timeoutMs;
  int result;
};

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

long FutexWakeRaw(int32_t* addr, int count) { return syscall(SYS_futex, addr, FUTEX_WAKE, count, nullptr, nullptr, 0); }

// (words: Int32Array over a SharedArrayBuffer, index) -> the address of words[index].
bool Word(napi_env env, Args& args, int32_t** out) {
  void* data;
  size_t length;
  int64_t index;
  if (!args.SharedView(0, napi_int32_array, "ndshare native: expected an Int32Array over a SharedArrayBuffer", &data,
                       &length) ||
      !args.Int(1, &index))
    return false;
  if (index < 0 || static_cast<uint64_t>(index) >= length) {
    ThrowType(env, "ndshare native: word index out of range");
    return false;
  }
  *out = static_cast<int32_t*>(data) + index;
  return true;
}

// Async waits in flight on one environment's event loop. A worker torn down (terminate(),
// process.exit() in the worker) closes its loop, and Node aborts the whole process if a request is
// still active then ("uv_loop_close() while having open handles"). So each environment that waits
// registers one async cleanup hook: at teardown it cancels queued waits, wakes running ones, and
// reports done only when every wait has come back (Node keeps the loop turning, and the napi_env
// alive, until then). The waits are raw libuv requests, not napi_async_work: Node drains pending
// napi_async_work before it runs any cleanup hook, so every running wait would first sit out its
// whole slice, and queued ones theirs after it.
void FinishTeardownIfDrained(EnvState* state) {
  if (!state->tearingDown || !state->waits.empty() || state->waitsHook == nullptr) return;
  napi_remove_async_cleanup_hook(state->waitsHook);
  state->waitsHook = nullptr;
}

void TeardownWaits(napi_async_cleanup_hook_handle, void* arg) {
  EnvState* state = static_cast<EnvState*>(arg);
  state->tearingDown = true;
  for (AsyncWait* w : state->waits) {
    // Not started yet: cancelled, its completion runs with UV_ECANCELED. Already sleeping in the
    // kernel: wake it. Other sleepers on the same word wake too; they all re-check their word.
    if (uv_cancel(reinterpret_cast<uv_req_t*>(&w->req)) != 0) FutexWakeRaw(w->addr, INT_MAX);
  }
  FinishTeardownIfDrained(state);
}

void AsyncWaitWork(uv_work_t* req) {
  AsyncWait* w = static_cast<AsyncWait*>(req->data);
  w->result = FutexWaitRaw(w->addr, w->expected, w->timeoutMs);
}

void AsyncWaitDone(uv_work_t* req, int status) {
  AsyncWait* w = static_cast<AsyncWait*>(req->data);
  EnvState* state = w->state;
  napi_env env = state->env;
  state->waits.erase(w);
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback = nullptr;
  // During teardown JavaScript can no longer run: just release the wait.
  if (!state->tearingDown) napi_get_reference_value(env, w->callback, &callback);
  napi_value argv[1] = {Int32(env, status == UV_ECANCELED ? kTimedOut : w->result)};
  napi_delete_reference(env, w->view);
  napi_delete_reference(env, w->callback);
  delete w;
  if (callback != nullptr) {
    napi_value global;
    napi_get_global(env, &global);
    // napi_make_callback runs the microtask queue after the callback, like any Node callback. No
    // async context (as before): the callback only settles a promise, whose reactions carry theirs.
    if (napi_make_callback(env, nullptr, global, callback, 1, argv, nullptr) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);  // reported like any uncaught exception
    }
  }
  napi_close_handle_scope(env, scope);
  FinishTeardownIfDrained(state);
}

// A worker thread that ends (worker.terminate(), process.exit() inside it) does not close the fds
// it opened: they belong to the process. A mutex owner's OFD lock lives as long as its fd, so a
// terminated worker would look alive forever. An environment cleanup hook runs when the worker's
// Node environment is torn down (also on terminate), and closes the fd there, which is what lets
// other threads and processes see the owner's death.
void CloseFdHook(void* arg) { close(static_cast<int>(reinterpret_cast<intptr_t>(arg))); }

bool FdArg(napi_env env, Args& args, int* fd) {
  int64_t n;
  if (!args.Int(0, &n)) return false;
  if (n < 0 || n > INT_MAX) {
    ThrowType(env, "ndshare native: expected a file descriptor");
    return false;
  }
  *fd = static_cast<int>(n);
  return true;
}

}  // namespace

// futexWait(words, index, expected, timeoutMs) -> 0 woken, 1 not-equal, 2 timed out.
// Blocks the calling thread: the TypeScript layer only calls it off the main thread.
napi_value FutexWait(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int32_t* addr;
  int64_t expected, timeoutMs;
  if (!Word(env, args, &addr) || !args.Int(2, &expected) || !args.Int(3, &timeoutMs)) return nullptr;
  int rc = FutexWaitRaw(addr, static_cast<int32_t>(expected), timeoutMs);
  return rc < 0 ? ThrowErrno(env, -rc, "futex") : Int32(env, rc);
}

// futexWake(words, index, count) -> number of waiters woken
napi_value FutexWake(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int32_t* addr;
  int64_t count;
  if (!Word(env, args, &addr) || !args.Int(2, &count)) return nullptr;
  long rc = FutexWakeRaw(addr, count < 0 || count > INT_MAX ? INT_MAX : static_cast<int>(count));
  return rc < 0 ? ThrowErrno(env, errno, "futex") : Int32(env, static_cast<int32_t>(rc));
}

// futexWaitAsync(words, index, expected, timeoutMs, callback(result)): the same wait on the libuv
// thread pool, so the event loop keeps running. Waits are bounded (callers pass short slices) so
// that a pool thread is never stuck in the kernel for long.
napi_value FutexWaitAsync(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int32_t* addr;
  int64_t expected, timeoutMs;
  napi_value callback;
  if (!Word(env, args, &addr) || !args.Int(2, &expected) || !args.Int(3, &timeoutMs) || !args.Function(4, &callback))
    return nullptr;
  if (timeoutMs < 0 || timeoutMs > 1000)
    return ThrowType(env, "ndshare native: async waits take a timeout of 0..1000 ms");
  EnvState* state = StateOf(env);
  if (state->tearingDown) return ThrowType(env, "ndshare native: this thread is shutting down");
  if (state->waitsHook == nullptr) napi_add_async_cleanup_hook(env, TeardownWaits, state, &state->waitsHook);
  uv_loop_t* loop;
  napi_get_uv_event_loop(env, &loop);
  AsyncWait* w = new AsyncWait{{}, state, nullptr, nullptr, addr, static_cast<int32_t>(expected), timeoutMs, 0};
  w->req.data = w;
  int rc = uv_queue_work(loop, &w->req, AsyncWaitWork, AsyncWaitDone);
  if (rc != 0) {
    delete w;
    return ThrowErrno(env, -rc, "uv_queue_work");
  }
  // The completion runs on this thread, after this call returns: these can follow the queueing.
  napi_create_reference(env, args[0], 1, &w->view);
  napi_create_reference(env, callback, 1, &w->callback);
  state->waits.insert(w);
  return nullptr;
}

// gettid() -> the calling thread's kernel id (distinct for each worker thread).
napi_value GetTid(napi_env env, napi_callback_info) { return Int32(env, static_cast<int32_t>(syscall(SYS_gettid))); }

// closeOnThreadExit(fd): close fd when this thread's Node environment is torn down.
napi_value CloseOnThreadExit(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int fd;
  if (!FdArg(env, args, &fd)) return nullptr;
  if (StateOf(env)->closeOnExit.insert(fd).second)
    napi_add_env_cleanup_hook(env, CloseFdHook, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  return nullptr;
}

// cancelCloseOnThreadExit(fd): forget fd (the caller is about to close it itself, and the number
// may be reused by an unrelated file afterwards).
napi_value CancelCloseOnThreadExit(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int fd;
  if (!FdArg(env, args, &fd)) return nullptr;
  if (StateOf(env)->closeOnExit.erase(fd) > 0)
    napi_remove_env_cleanup_hook(env, CloseFdHook, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  return nullptr;
}

}  // namespace ndshare
