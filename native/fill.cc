// Filling large shared arrays through their fd, and prefaulting them, optionally with several
// threads: each call splits its range over `threads` pthreads (the caller's thread takes one part).
// TypeScript chooses the thread count (src/core/fill.ts; a fill uses 1, see there why);
// threads = 1 runs everything on the caller's thread. Every call is synchronous: the JavaScript
// values it reads cannot change or go away while it runs.
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "addon.h"

namespace ndshare {
namespace {

// The repeated pattern one write or copy takes: small enough to stay in a core's L2 cache, so a
// fill reads it from cache and only writes go to memory. A multiple of every item size (1..8).
constexpr size_t kPatternBytes = 64 * 1024;
// iovecs per pwritev: 64 MiB per system call (IOV_MAX is 1024 on Linux).
constexpr int kIovecs = 1024;
// More threads than this never pays on a memory-bound fill.
constexpr int64_t kMaxThreads = 64;

// One thread's part of a fill: [begin, end) bytes from the start of the range, and its errno.
struct Part {
  size_t begin = 0;
  size_t end = 0;
  int err = 0;
  const char* syscall = nullptr;
  void (*run)(Part*) = nullptr;
  const void* job = nullptr;
};

void* RunPart(void* arg) {
  Part* part = static_cast<Part*>(arg);
  part->run(part);
  return nullptr;
}

// Splits [0, length) into `threads` parts whose boundaries are multiples of `align`, runs part 0
// on this thread and the others on new pthreads, and returns the first part's error, if any. A
// thread that cannot be started has its part run here instead: fewer threads, same bytes.
bool RunParts(size_t length, int64_t threads, size_t align, void (*run)(Part*), const void* job, Part* failed) {
  size_t n = static_cast<size_t>(std::max<int64_t>(1, std::min(threads, kMaxThreads)));
  size_t per = (length / n + align - 1) / align * align;
  std::vector<Part> parts(n);
  for (size_t i = 0; i < n; i++) {
    parts[i].begin = std::min(length, i * per);
    parts[i].end = i + 1 == n ? length : std::min(length, (i + 1) * per);
    parts[i].run = run;
    parts[i].job = job;
  }
  std::vector<pthread_t> ids(n);
  std::vector<bool> started(n, false);
  for (size_t i = 1; i < n; i++) started[i] = pthread_create(&ids[i], nullptr, RunPart, &parts[i]) == 0;
  run(&parts[0]);
  for (size_t i = 1; i < n; i++) {
    if (started[i])
      pthread_join(ids[i], nullptr);
    else
      run(&parts[i]);
  }
  for (const Part& p : parts) {
    if (p.err != 0) {
      *failed = p;
      return false;
    }
  }
  return true;
}

// kPatternBytes of `item` repeated.
std::string RepeatPattern(const std::string& item) {
  std::string pattern(kPatternBytes, '\0');
  for (size_t i = 0; i < kPatternBytes; i += item.size()) std::memcpy(&pattern[i], item.data(), item.size());
  return pattern;
}

bool ReadItem(napi_env env, Args& args, size_t i, std::string* item) {
  if (!args.Bytes(i, "ndshare native: expected the fill value's bytes as a Uint8Array", item)) return false;
  if (item->empty() || item->size() > 8 || kPatternBytes % item->size() != 0) {
    ThrowType(env, "ndshare native: a fill value has 1, 2, 4 or 8 bytes");
    return false;
  }
  return true;
}

struct FdFill {
  int fd;
  int64_t position;
  const char* pattern;
};

// Writes the part through the fd with pwritev, every iovec pointing into the same cached pattern.
// Part boundaries are multiples of kPatternBytes, so offset % kPatternBytes is the pattern phase.
void WritePart(Part* part) {
  const FdFill* job = static_cast<const FdFill*>(part->job);
  iovec iov[kIovecs];
  size_t at = part->begin;
  while (at < part->end) {
    size_t left = part->end - at;
    int count = 0;
    size_t queued = 0;
    size_t phase = at % kPatternBytes;
    while (count < kIovecs && queued < left) {
      size_t len = std::min(kPatternBytes - phase, left - queued);
      iov[count].iov_base = const_cast<char*>(job->pattern + phase);
      iov[count].iov_len = len;
      count++;
      queued += len;
      phase = 0;
    }
    ssize_t w = pwritev(job->fd, iov, count, job->position + static_cast<off_t>(at));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      part->err = w < 0 ? errno : EIO;
      part->syscall = "pwritev";
      return;
    }
    at += static_cast<size_t>(w);
  }
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

struct Prefault {
  char* start;  // page-aligned
  size_t page;
};

// Maps the part's pages for reading: MADV_POPULATE_READ (Linux 5.14+), or, where the kernel does
// not know it (EINVAL), a read of one byte per page, which faults the same pages in.
void PrefaultPart(Part* part) {
  const Prefault* job = static_cast<const Prefault*>(part->job);
  char* p = job->start + part->begin;
  size_t len = part->end - part->begin;
  if (len == 0) return;
  int rc;
  do rc = madvise(p, len, MADV_POPULATE_READ);
  while (rc < 0 && errno == EINTR);
  if (rc == 0) return;
  if (errno != EINVAL) {
    part->err = errno;
    part->syscall = "madvise";
    return;
  }
  volatile char sink = 0;
  for (size_t at = 0; at < len; at += job->page) sink = sink + static_cast<volatile char*>(p)[at];
}

}  // namespace

// fillFd(fd, position, length, item: Uint8Array, threads): writes `item` (a fill value's 1 to 8
// bytes) repeated over [position, position + length) of the file through pwritev. On tmpfs a
// written page is allocated without being zeroed and without a page fault, and a full file system
// fails with ENOSPC here rather than with SIGBUS later. `length` must be a multiple of the item.
napi_value FillFd(napi_env env, napi_callback_info info) {
  Args args(env, info);
  int64_t fd, position, length, threads;
  std::string item;
  if (!args.Int(0, &fd) || !args.Int(1, &position) || !args.Int(2, &length) || !ReadItem(env, args, 3, &item) ||
      !args.Int(4, &threads))
    return nullptr;
  if (position < 0 || length < 0 || length % static_cast<int64_t>(item.size()) != 0)
    return ThrowType(env, "ndshare native: fillFd range out of bounds");
  std::string pattern = RepeatPattern(item);
  FdFill job{static_cast<int>(fd), position, pattern.data()};
  Part failed;
  if (!RunParts(static_cast<size_t>(length), threads, kPatternBytes, WritePart, &job, &failed))
    return ThrowErrno(env, failed.err, failed.syscall);
  return nullptr;
}

// prefault(view: Uint8Array over a SharedArrayBuffer, threads): maps every page under the view
// into this process for reading now, so that a reader that visits every element pays no page
// fault per 4 KiB later (and the faults run on `threads` cores instead of one).
napi_value PrefaultRead(napi_env env, napi_callback_info info) {
  Args args(env, info);
  void* data;
  size_t length;
  int64_t threads;
  if (!args.SharedView(0, napi_uint8_array, "ndshare native: expected a Uint8Array over a SharedArrayBuffer", &data,
                       &length) ||
      !args.Int(1, &threads))
    return nullptr;
  if (length == 0) return nullptr;
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(data) & ~(static_cast<uintptr_t>(page) - 1);
  uintptr_t end = (reinterpret_cast<uintptr_t>(data) + length + page - 1) & ~(static_cast<uintptr_t>(page) - 1);
  Prefault job{reinterpret_cast<char*>(begin), page};
  Part failed;
  if (!RunParts(end - begin, threads, page, PrefaultPart, &job, &failed))
    return ThrowErrno(env, failed.err, failed.syscall);
  return nullptr;
}

}  // namespace ndshare
