// Physical floors for `ndshare bench --floor`: what the hardware and kernel allow for the steps a
// sharing method is made of, measured in C++ so that no JavaScript cost hides in them. Each
// function blocks for as long as it measures (at most a second or two at 1e8 doubles); it is
// called only by the benchmark. Times are seconds from CLOCK_MONOTONIC, like process.hrtime.
// A separate addon (ndshare_floor) so that the library's binary carries none of it.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

namespace ndshare {
namespace {

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool ArgBytes(napi_env env, Args& args, size_t i, size_t* out) {
  int64_t n;
  if (!args.Int(i, &n)) return false;
  if (n <= 0 || n > (int64_t{1} << 40)) {
    ThrowType(env, "ndshare native: byte count out of range");
    return false;
  }
  *out = static_cast<size_t>(n);
  return true;
}

// Anonymous private memory, already faulted in, so later passes measure memory bandwidth only.
void* FaultedAnon(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  std::memset(p, 0, bytes);
  return p;
}

// Runs f(begin, end) over [0, bytes) split in `threads` page-aligned parts, one std::thread each
// (the caller's thread takes the first part).
template <typename F>
void Parallel(size_t bytes, int64_t threads, F f) {
  size_t n = static_cast<size_t>(std::max<int64_t>(1, std::min<int64_t>(threads, 64)));
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t per = (bytes / n + page - 1) / page * page;
  std::vector<std::thread> others;
  for (size_t i = 1; i < n; i++) {
    size_t b = std::min(bytes, i * per), e = i + 1 == n ? bytes : std::min(bytes, (i + 1) * per);
    others.emplace_back([=] { f(b, e); });
  }
  f(0, std::min(bytes, per));
  for (auto& t : others) t.join();
}

// pwritev of a 64 KiB pattern (cache-resident) over [b, e) of fd; false on a failed write.
bool WritePattern(int fd, const char* pattern, size_t patternBytes, size_t b, size_t e) {
  iovec iov[1024];
  while (b < e) {
    int count = 0;
    size_t queued = 0;
    while (count < 1024 && queued < e - b) {
      size_t len = std::min(patternBytes, e - b - queued);
      iov[count].iov_base = const_cast<char*>(pattern);
      iov[count].iov_len = len;
      count++;
      queued += len;
    }
    ssize_t w = pwritev(fd, iov, count, static_cast<off_t>(b));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    b += static_cast<size_t>(w);
  }
  return true;
}

// A 64 KiB pattern of ones, cache-resident: what the fd writes of the floors write.
const std::vector<char>& OnesPattern() {
  static const std::vector<char> pattern(64 * 1024, 1);
  return pattern;
}

// A new memfd of `bytes` with every page allocated and mapped shared (MAP_POPULATE): the shared
// memory the memset, bandwidth and refill floors run over. The pages are reserved by
// posix_fallocate, or with `written` written once through the fd, as ndshare's create leaves them
// (tmpfs writes a reserved, never-written page more slowly: it clears the page's flag first).
// Returns the mapping and its fd in *fd (the caller unmaps and closes both), or nullptr after
// throwing the failed call.
void* MapAllocatedMemfd(napi_env env, size_t bytes, int* fd, bool written = false) {
  *fd = memfd_create("ndshare-floor", MFD_CLOEXEC);
  if (*fd < 0) {
    ThrowErrno(env, errno, "memfd_create");
    return nullptr;
  }
  const char* call = "ftruncate";
  int err = ftruncate(*fd, static_cast<off_t>(bytes)) < 0 ? errno : 0;
  if (err == 0 && written) {
    call = "pwritev";
    if (!WritePattern(*fd, OnesPattern().data(), OnesPattern().size(), 0, bytes)) err = errno != 0 ? errno : EIO;
  } else if (err == 0) {
    call = "posix_fallocate";
    do err = posix_fallocate(*fd, 0, static_cast<off_t>(bytes));
    while (err == EINTR);
  }
  void* p = MAP_FAILED;
  if (err == 0) {
    call = "mmap";
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, *fd, 0);
    if (p == MAP_FAILED) err = errno;
  }
  if (p == MAP_FAILED) {
    close(*fd);
    ThrowErrno(env, err, call);
    return nullptr;
  }
  return p;
}

// floorMemset(bytes, passes, threads) -> seconds of the fastest pass writing every byte of a
// shared memory object (memfd) whose pages are already allocated and mapped, split over `threads`
// threads, through a mapping this process has written before: the least any write of the array
// costs (a pooled segment, never written through its mapping, refills at floorRefill). Measured on
// shared memory, not anonymous memory, because here a pass over faulted shmem pages is markedly
// slower (~140 vs ~85 ms for 800 MB).
napi_value FloorMemset(napi_env env, napi_callback_info info) {
  Args args(env, info);
  size_t bytes;
  int64_t passes, threads;
  if (!ArgBytes(env, args, 0, &bytes) || !args.Int(1, &passes) || !args.Int(2, &threads)) return nullptr;
  int fd;
  void* p = MapAllocatedMemfd(env, bytes, &fd);
  if (p == nullptr) return nullptr;
  char* c = static_cast<char*>(p);
  // Untimed: the first touch of each page of this mapping. On the VM of docs/benchmark.md that costs
  // about 12 us per 4 KiB page even though MAP_POPULATE mapped it (2.3 s for 800 MB, against 25 ms
  // for the next pass), so the floor is of memory this process has touched before.
  std::memset(p, 0, bytes);
  double best = 1e300;
  for (int64_t i = 0; i < std::max<int64_t>(passes, 1); i++) {
    double t0 = Now();
    Parallel(bytes, threads, [&](size_t b, size_t e) { std::memset(c + b, static_cast<int>(i + 1), e - b); });
    best = std::min(best, Now() - t0);
  }
  munmap(p, bytes);
  close(fd);
  return Number(env, best);
}

// The (bytes, how, threads) arguments of a floor with several ways, `how` in 0..maxHow; false
// after throwing (`message` names the function and the range).
bool WayArgs(napi_env env, Args& args, int64_t maxHow, const char* message, size_t* bytes, int64_t* how, int64_t* threads) {
  if (!ArgBytes(env, args, 0, bytes) || !args.Int(1, how) || !args.Int(2, threads)) return false;
  if (*how < 0 || *how > maxHow) {
    ThrowType(env, message);
    return false;
  }
  return true;
}

// floorRefill(bytes, how, threads) -> seconds to write every byte of a shared memory object whose
// pages were written once through its fd and are mapped (MAP_POPULATE), but never written through
// that mapping from user space: a pooled segment after a create that filled it through its fd (the
// fastest cold way), which is what a warm create refills. The ways, `how`:
//   0 memset through the mapping (each page's first user write; MADV_POPULATE_WRITE first);
//   1 pwritev of a cached pattern through the fd (the kernel writes; no user page is touched).
// Split over `threads` threads. One pass: way 0 can only be timed once per mapping.
napi_value FloorRefill(napi_env env, napi_callback_info info) {
  Args args(env, info);
  size_t bytes;
  int64_t how, threads;
  if (!WayArgs(env, args, 1, "ndshare native: floorRefill how is 0..1", &bytes, &how, &threads)) return nullptr;
  // Untimed: the segment as a cold create leaves it, written once through the fd, and mapped.
  int fd;
  void* p = MapAllocatedMemfd(env, bytes, &fd, true);
  if (p == nullptr) return nullptr;
  char* c = static_cast<char*>(p);
  const std::vector<char>& pattern = OnesPattern();
  std::atomic<bool> ok{true};
  double t0 = Now();
  Parallel(bytes, threads, [&](size_t b, size_t e) {
    if (how == 0) {
      madvise(c + b, e - b, 23 /* MADV_POPULATE_WRITE; on failure the memset faults */);
      std::memset(c + b, 1, e - b);
    } else if (!WritePattern(fd, pattern.data(), pattern.size(), b, e)) {
      ok = false;
    }
  });
  double seconds = Now() - t0;
  int err = errno;
  munmap(p, bytes);
  close(fd);
  return ok ? Number(env, seconds) : ThrowErrno(env, err, "pwritev");
}

// floorFreshShared(bytes, how, threads) -> seconds to make a new shared memory object (memfd) of
// `bytes` whose every page holds data: what any method that creates a new shared segment pays at
// least. The ways the kernel offers, `how`:
//   0 faults: ftruncate + mmap + memset, each page allocated, zeroed and mapped at its first write;
//   1 reserve: posix_fallocate + mmap(MAP_POPULATE) + memset (pages allocated and mapped up front);
//   2 write: pwritev of a cached pattern through the fd (tmpfs allocates a written page without
//     zeroing it and without a fault; the pages are not mapped, as after ndshare's create);
//   3 reserve + threads: posix_fallocate + mmap, then each thread prefaults (MADV_POPULATE_WRITE)
//     and fills its own part.
// The writes of 0, 2 and 3 are split over `threads` threads (1 has no parallel part). The caller
// takes the fastest way as the floor.
napi_value FloorFreshShared(napi_env env, napi_callback_info info) {
  Args args(env, info);
  size_t bytes;
  int64_t how, threads;
  if (!WayArgs(env, args, 3, "ndshare native: floorFreshShared how is 0..3", &bytes, &how, &threads)) return nullptr;
  const std::vector<char>& pattern = OnesPattern();
  double t0 = Now();
  int fd = memfd_create("ndshare-floor", MFD_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, errno, "memfd_create");
  int err = 0;
  const char* call = nullptr;
  if (ftruncate(fd, static_cast<off_t>(bytes)) < 0) {
    err = errno;
    call = "ftruncate";
  } else if (how == 1 || how == 3) {
    do err = posix_fallocate(fd, 0, static_cast<off_t>(bytes));
    while (err == EINTR);
    if (err != 0) call = "posix_fallocate";
  }
  if (call != nullptr) {
    close(fd);
    return ThrowErrno(env, err, call);
  }
  if (how == 2) {
    std::atomic<bool> ok{true};
    Parallel(bytes, threads, [&](size_t b, size_t e) {
      if (!WritePattern(fd, pattern.data(), pattern.size(), b, e)) ok = false;
    });
    double seconds = Now() - t0;
    err = errno;
    close(fd);
    return ok ? Number(env, seconds) : ThrowErrno(env, err, "pwritev");
  }
  int flags = MAP_SHARED | (how == 1 ? MAP_POPULATE : 0);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (p == MAP_FAILED) {
    err = errno;
    close(fd);
    return ThrowErrno(env, err, "mmap");
  }
  char* c = static_cast<char*>(p);
  if (how == 1) {
    std::memset(p, 1, bytes);
  } else {
    Parallel(bytes, threads, [&](size_t b, size_t e) {
      if (how == 3) madvise(c + b, e - b, 23 /* MADV_POPULATE_WRITE; on failure the memset faults */);
      std::memset(c + b, 1, e - b);
    });
  }
  double seconds = Now() - t0;
  munmap(p, bytes);
  close(fd);
  return Number(env, seconds);
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// floorPipe(bytes) -> seconds to move `bytes` through an AF_UNIX stream socketpair (what Node's
// 'pipe' stdio entries are) from a faulted source to a faulted destination. The writer is a
// thread, not a process: the kernel path per byte is the same and no fork of Node is needed.
napi_value FloorPipe(napi_env env, napi_callback_info info) {
  Args args(env, info);
  size_t bytes;
  if (!ArgBytes(env, args, 0, &bytes)) return nullptr;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return ThrowErrno(env, errno, "socketpair");
  char* src = static_cast<char*>(FaultedAnon(bytes));
  char* dst = static_cast<char*>(FaultedAnon(bytes));
  if (src == nullptr || dst == nullptr) {
    int err = errno;
    if (src) munmap(src, bytes);
    if (dst) munmap(dst, bytes);
    close(sv[0]);
    close(sv[1]);
    return ThrowErrno(env, err, "mmap");
  }
  double t0 = Now();
  std::thread writer([&] {
    WriteAll(sv[1], src, bytes);
    shutdown(sv[1], SHUT_WR);
  });
  size_t got = 0;
  int err = 0;
  while (got < bytes) {
    ssize_t r = read(sv[0], dst + got, bytes - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      err = r < 0 ? errno : EPIPE;
      break;
    }
    got += static_cast<size_t>(r);
  }
  double seconds = Now() - t0;
  close(sv[0]);  // unblocks the writer if the read side failed
  writer.join();
  close(sv[1]);
  munmap(src, bytes);
  munmap(dst, bytes);
  if (err != 0) return ThrowErrno(env, err, "read");
  return Number(env, seconds);
}

// floorBandwidth(bytes, threads, write, passes) -> seconds of the fastest pass in which `threads`
// threads each stream over their own contiguous slice of a shared memory object (memfd) of `bytes`
// whose pages are already allocated and mapped: write = 0 reads every 8-byte word (XOR into four
// accumulators, so no add latency chain bounds it), write = 1 memsets the slice. This is the
// machine's memory bandwidth over shared pages, one core and all cores (ndshare bench --parallel),
// against which a bandwidth-bound kernel such as a sum is judged.
napi_value FloorBandwidth(napi_env env, napi_callback_info info) {
  Args args(env, info);
  size_t bytes;
  int64_t threads, write, passes;
  if (!ArgBytes(env, args, 0, &bytes) || !args.Int(1, &threads) || !args.Int(2, &write) || !args.Int(3, &passes)) return nullptr;
  if (threads < 1 || threads > 1024) {
    ThrowType(env, "ndshare native: thread count out of range");
    return nullptr;
  }
  bytes &= ~size_t{63};
  if (bytes == 0) bytes = 64;
  int fd;
  void* p = MapAllocatedMemfd(env, bytes, &fd);
  if (p == nullptr) return nullptr;
  std::memset(p, 1, bytes);
  const size_t words = bytes / 8;
  const size_t n = static_cast<size_t>(threads);
  uint64_t* base = static_cast<uint64_t*>(p);
  volatile uint64_t sink = 0;
  double best = 1e300;
  for (int64_t pass = 0; pass < std::max<int64_t>(passes, 1); pass++) {
    std::vector<std::thread> team;
    std::vector<uint64_t> out(n, 0);
    double t0 = Now();
    for (size_t t = 0; t < n; t++) {
      // Slices of whole 64-byte lines, sizes differing by at most one line.
      const size_t lines = words / 8;
      const size_t a = (t * lines / n) * 8, b = ((t + 1) * lines / n) * 8;
      team.emplace_back([=, &out] {
        if (write != 0) {
          std::memset(base + a, static_cast<int>(pass + 2), (b - a) * 8);
          return;
        }
        uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0;
        for (size_t i = a; i < b; i += 4) {
          x0 ^= base[i];
          x1 ^= base[i + 1];
          x2 ^= base[i + 2];
          x3 ^= base[i + 3];
        }
        out[t] = x0 ^ x1 ^ x2 ^ x3;
      });
    }
    for (auto& th : team) th.join();
    best = std::min(best, Now() - t0);
    for (uint64_t v : out) sink = sink ^ v;
  }
  munmap(p, bytes);
  close(fd);
  return Number(env, best);
}

// threadCpuSeconds() -> CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in seconds: what a
// kernel of `ndshare bench --parallel` used, apart from the time its thread waited for a core.
// Node 20 has no per-thread CPU clock, and /proc/thread-self/schedstat lags by up to a tick.
napi_value ThreadCpuSeconds(napi_env env, napi_callback_info) {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0) return ThrowErrno(env, errno, "clock_gettime");
  return Number(env, static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9);
}

// rusageChildren() -> peak resident set (KiB) of the largest waited-for child of this process:
// the child half of a cell's "peak memory" (Node does not expose RUSAGE_CHILDREN).
napi_value RusageChildren(napi_env env, napi_callback_info) {
  rusage ru;
  if (getrusage(RUSAGE_CHILDREN, &ru) < 0) return ThrowErrno(env, errno, "getrusage");
  return Number(env, static_cast<double>(ru.ru_maxrss));
}

}  // namespace

}  // namespace ndshare

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  using namespace ndshare;
  const napi_property_descriptor properties[] = {
      Method("floorMemset", FloorMemset),
      Method("floorFreshShared", FloorFreshShared),
      Method("floorRefill", FloorRefill),
      Method("floorPipe", FloorPipe),
      Method("floorBandwidth", FloorBandwidth),
      Method("threadCpuSeconds", ThreadCpuSeconds),
      Method("rusageChildren", RusageChildren),
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}
