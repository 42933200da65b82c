#include "io/s3_parallel_puts.h"

#include <algorithm>
#include <chrono>

#include "io/curl_library.h"
#include "io/error.h"
#include "io/s3_exchange.h"

namespace dvol::io {

namespace {

using Clock = std::chrono::steady_clock;

CURL* easy(void* p) { return static_cast<CURL*>(p); }
CURLM* multi(void* p) { return static_cast<CURLM*>(p); }

}  // namespace

struct S3ParallelPuts::Job {
  std::string key, data;
  int attempt = 1;
  Clock::time_point not_before{};
  CURL* handle = nullptr;
  std::unique_ptr<S3Exchange> exchange;
};

S3ParallelPuts::S3ParallelPuts(const S3Location& where, const S3Credentials& credentials)
    : where_(where), credentials_(credentials), multi_(curl_library().multi_init()) {
  if (!multi_) throw Error(Code::Internal, "cannot initialise libcurl's transfers");
  thread_ = std::thread([this] { run(); });
}

S3ParallelPuts::~S3ParallelPuts() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  const CurlLibrary& curl = curl_library();
  curl.multi_wakeup(multi(multi_));
  thread_.join();
  for (auto& job : running_) {
    curl.multi_remove_handle(multi(multi_), job->handle);
    curl.easy_cleanup(job->handle);
  }
  for (void* h : idle_handles_) curl.easy_cleanup(easy(h));
  curl.multi_cleanup(multi(multi_));
}

void S3ParallelPuts::put(std::string key, std::string data) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || bytes_ < kMaxBytesInFlight; });
  throw_failure();
  auto job = std::make_unique<Job>();
  job->key = std::move(key);
  job->data = std::move(data);
  bytes_ += job->data.size();
  ++unfinished_;
  queued_.push_back(std::move(job));
  lock.unlock();
  curl_library().multi_wakeup(multi(multi_));
}

std::vector<std::string> S3ParallelPuts::arrived() {
  std::lock_guard lock(mutex_);
  throw_failure();
  return std::exchange(arrived_, {});
}

void S3ParallelPuts::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || unfinished_ == 0; });
  throw_failure();
}

void S3ParallelPuts::throw_failure() {
  if (failure_) std::rethrow_exception(failure_);
}

void S3ParallelPuts::run() {
  const CurlLibrary& curl = curl_library();
  for (;;) {
    std::vector<std::unique_ptr<Job>> starting;
    auto next_retry = Clock::time_point::max();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      const auto now = Clock::now();
      if (!failure_) {
        for (auto it = queued_.begin(); it != queued_.end() && running_.size() + starting.size() < kMaxTransfers;) {
          if ((*it)->not_before <= now) {
            starting.push_back(std::move(*it));
            it = queued_.erase(it);
          } else {
            next_retry = std::min(next_retry, (*it)->not_before);
            ++it;
          }
        }
      }
    }
    for (auto& job : starting) start(std::move(job));
    int still_running = 0;
    curl.multi_perform(multi(multi_), &still_running);
    int left = 0;
    while (CURLMsg* m = curl.multi_info_read(multi(multi_), &left))
      if (m->msg == CURLMSG_DONE) finished(m->easy_handle, m->data.result);
    int timeout_ms = 1000;
    if (next_retry != Clock::time_point::max())
      timeout_ms = static_cast<int>(std::clamp<int64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next_retry - Clock::now()).count(), 0, 1000));
    curl.multi_poll(multi(multi_), nullptr, 0, timeout_ms, nullptr);
  }
}

void S3ParallelPuts::start(std::unique_ptr<Job> job) {
  const CurlLibrary& curl = curl_library();
  if (!idle_handles_.empty()) {
    job->handle = easy(idle_handles_.back());
    idle_handles_.pop_back();
  } else {
    job->handle = curl.easy_init();
  }
  try {
    if (!job->handle) throw Error(Code::Internal, "cannot initialise libcurl");
    S3Request request;
    request.method = "PUT";
    request.key = job->key;
    request.body = &job->data;
    job->exchange = std::make_unique<S3Exchange>(where_, credentials_, std::move(request));
    job->exchange->prepare(job->handle);
    if (curl.multi_add_handle(multi(multi_), job->handle) != CURLM_OK)
      throw Error(Code::Internal, "cannot start sending " + job->key);
  } catch (...) {
    if (job->handle) idle_handles_.push_back(job->handle);
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = std::current_exception();
    changed_.notify_all();
    return;
  }
  running_.push_back(std::move(job));
}

void S3ParallelPuts::finished(void* handle, int result) {
  const CurlLibrary& curl = curl_library();
  auto it = std::find_if(running_.begin(), running_.end(), [&](const auto& j) { return j->handle == handle; });
  if (it == running_.end()) return;
  std::unique_ptr<Job> job = std::move(*it);
  running_.erase(it);
  curl.multi_remove_handle(multi(multi_), job->handle);

  std::exception_ptr failure;
  bool again = false;
  try {
    auto r = job->exchange->conclude(job->handle, static_cast<CURLcode>(result));
    if (r.status != 200) {
      again = transient(r.status);
      if (!again || job->attempt == kS3Attempts) throw s3_answer_error(s3_location_name(where_), "write", job->key, r);
    }
  } catch (const Error& e) {
    again = e.code() == Code::Unavailable && job->attempt < kS3Attempts;
    if (!again) failure = std::current_exception();
  }
  idle_handles_.push_back(job->handle);
  job->handle = nullptr;
  job->exchange.reset();

  std::lock_guard lock(mutex_);
  if (failure) {
    if (!failure_) failure_ = failure;
  } else if (again) {
    job->not_before = Clock::now() + s3_retry_delay(job->attempt);
    ++job->attempt;
    queued_.push_back(std::move(job));
    return;
  } else {
    arrived_.push_back(job->key);
    bytes_ -= job->data.size();
    --unfinished_;
  }
  changed_.notify_all();
}

}  // namespace dvol::io
