#pragma once
// Many PUTs to one S3 endpoint at once: libcurl's multi interface, on a thread of its own, so
// that a push goes on reading and compressing while its packs are on their way, and the
// bandwidth of several connections adds up (one connection through a slow network path carries
// a fraction of what the link does).
//
// Memory stays bounded: put() waits while kMaxBytesInFlight or more are queued or on their way
// (so at most that and one more object are held).
// Failures: a server error or dropped connection is retried (as S3ObjectStore does); what still
// fails is thrown by the next put(), arrived() or wait(), and nothing new is started after it.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/s3_object_store.h"

namespace dvol::io {

class S3ParallelPuts {
 public:
  static constexpr uint64_t kMaxBytesInFlight = 32 << 20;
  static constexpr int kMaxTransfers = 8;

  S3ParallelPuts(const S3Location& where, const S3Credentials& credentials);
  // Abandons what is still on its way (it may or may not arrive, as after a crash).
  ~S3ParallelPuts();
  S3ParallelPuts(const S3ParallelPuts&) = delete;
  S3ParallelPuts& operator=(const S3ParallelPuts&) = delete;

  void put(std::string key, std::string data);
  // The keys that arrived since the last call.
  [[nodiscard]] std::vector<std::string> arrived();
  // Waits until every put arrived.
  void wait();

 private:
  struct Job;
  void run();
  void start(std::unique_ptr<Job> job);
  void finished(void* handle, int result);
  void throw_failure();  // with mutex_ held

  const S3Location& where_;
  const S3Credentials& credentials_;
  void* multi_;  // CURLM*

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Job>> queued_;  // not started, or waiting to be tried again
  uint64_t bytes_ = 0;                       // of the puts not yet arrived
  size_t unfinished_ = 0;
  std::vector<std::string> arrived_;
  std::exception_ptr failure_;
  bool stopping_ = false;

  // The transfer thread's own: never touched by the caller's.
  std::vector<std::unique_ptr<Job>> running_;
  std::vector<void*> idle_handles_;  // CURL*, kept for their connections

  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace dvol::io
