// The one place where the ndshare addon's functions are registered (the bench-only floors are a
// separate addon, native/floor.cc). NAPI_MODULE_INIT runs once per Node environment that loads
// the addon, so it loads in worker threads, several at once, as well as in the main thread.
#include "addon.h"

#include <unistd.h>

namespace ndshare {

EnvState* StateOf(napi_env env) {
  void* state = nullptr;
  napi_get_instance_data(env, &state);
  return static_cast<EnvState*>(state);
}

}  // namespace ndshare

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  using namespace ndshare;
  napi_set_instance_data(
      env, new EnvState(env), [](napi_env, void* state, void*) { delete static_cast<EnvState*>(state); }, nullptr);
  const napi_property_descriptor properties[] = {
      Method("shmOpen", ShmOpen),
      Method("shmUnlink", ShmUnlink),
      Method("openFd", OpenFd),
      Method("closeFd", CloseFd),
      Method("memfdCreate", MemfdCreate),
      Method("fallocate", Fallocate),
      Method("mmap", Mmap),
      Method("msync", Msync),
      Method("populate", Populate),
      Method("prepareHeap", PrepareHeap),
      Method("fillFd", FillFd),
      Method("prefault", PrefaultRead),
      Method("remapZero", RemapZero),
      Method("addSeals", AddSeals),
      Method("getSeals", GetSeals),
      Method("ofdLock", OfdLock),
      Method("ofdTest", OfdTest),
      Method("shmUnlinkOnThreadExit", ShmUnlinkOnThreadExit),
      Method("cancelShmUnlinkOnThreadExit", CancelShmUnlinkOnThreadExit),
      Method("loadSabShim", LoadSabShim),
      Method("sabSupport", SabSupport),
      Method("futexWait", FutexWait),
      Method("futexWake", FutexWake),
      Method("futexWaitAsync", FutexWaitAsync),
      Method("gettid", GetTid),
      Method("closeOnThreadExit", CloseOnThreadExit),
      Method("cancelCloseOnThreadExit", CancelCloseOnThreadExit),
      {"pageSize", nullptr, nullptr, nullptr, nullptr, Number(env, static_cast<double>(sysconf(_SC_PAGESIZE))),
       napi_default_jsproperty, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
