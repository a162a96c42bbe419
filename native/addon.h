// The ndshare addon: its per-environment state and the functions mem.cc and sync.cc define.
// addon.cc registers every one of them, in one table.
#pragma once

#include "common.h"

#include <map>
#include <set>
#include <string>

namespace ndshare {

struct AsyncWait;

// What one Node environment (the main thread, or one worker) has asked to happen when it ends.
// Node-API instance data, not thread_local: each environment that loads the addon gets its own.
struct EnvState {
  explicit EnvState(napi_env e) : env(e) {}
  napi_env env;
  std::set<int> closeOnExit;                         // fds with a cleanup hook (Node aborts on a duplicate)
  std::map<std::string, std::string*> unlinkOnExit;  // names with a cleanup hook -> that hook's argument
  std::set<AsyncWait*> waits;                        // futexWaitAsync calls not completed yet
  napi_async_cleanup_hook_handle waitsHook = nullptr;
  bool tearingDown = false;
};
EnvState* StateOf(napi_env env);

// mem.cc
napi_value ShmOpen(napi_env env, napi_callback_info info);
napi_value ShmUnlink(napi_env env, napi_callback_info info);
napi_value OpenFd(napi_env env, napi_callback_info info);
napi_value CloseFd(napi_env env, napi_callback_info info);
napi_value MemfdCreate(napi_env env, napi_callback_info info);
napi_value Fallocate(napi_env env, napi_callback_info info);
napi_value Mmap(napi_env env, napi_callback_info info);
napi_value Msync(napi_env env, napi_callback_info info);
napi_value Populate(napi_env env, napi_callback_info info);
napi_value PrepareHeap(napi_env env, napi_callback_info info);
napi_value RemapZero(napi_env env, napi_callback_info info);
napi_value AddSeals(napi_env env, napi_callback_info info);
napi_value GetSeals(napi_env env, napi_callback_info info);
napi_value OfdLock(napi_env env, napi_callback_info info);
napi_value OfdTest(napi_env env, napi_callback_info info);
napi_value ShmUnlinkOnThreadExit(napi_env env, napi_callback_info info);
napi_value CancelShmUnlinkOnThreadExit(napi_env env, napi_callback_info info);
napi_value LoadSabShim(napi_env env, napi_callback_info info);
napi_value SabSupport(napi_env env, napi_callback_info info);

// fill.cc
napi_value FillFd(napi_env env, napi_callback_info info);
napi_value PrefaultRead(napi_env env, napi_callback_info info);

// sync.cc
napi_value FutexWait(napi_env env, napi_callback_info info);
napi_value FutexWake(napi_env env, napi_callback_info info);
napi_value FutexWaitAsync(napi_env env, napi_callback_info info);
napi_value GetTid(napi_env env, napi_callback_info info);
napi_value CloseOnThreadExit(napi_env env, napi_callback_info info);
napi_value CancelCloseOnThreadExit(napi_env env, napi_callback_info info);

}  // namespace ndshare
