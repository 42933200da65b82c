// The least any dvol command pays for its metadata store, for scripts/bench-diff: a process
// that opens a dvol.db with SQLite as dvol does and reads the volume row, and nothing else.
// Prints "<ms> <minor page faults>" measured inside the process.
//
//   dvol_bench_sqlite_floor --create DB   makes a dvol.db (with dvol's own store code)
//   dvol_bench_sqlite_floor DB            times opening it and reading one row
#include <sqlite3.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>

#include "src/store.h"

namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

int create(const char* path) {
  dvol::VolumeRecord v;
  v.name = "bench/floor";
  v.uid = "0badf100";
  v.fs = "ext4";
  v.size_bytes = 2ull << 30;
  v.block_sectors = 128;
  v.data_bytes = 2ull << 30;
  v.meta_bytes = 16ull << 20;
  v.checked_out = "master";
  v.created = std::time(nullptr);
  try {
    (void)dvol::MetadataStore::create(path, v);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqlite_floor: %s: %s\n", path, e.what());
    return 1;
  }
  return 0;
}

int time_open(const char* path) {
  const long faults = minor_faults();
  const auto start = std::chrono::steady_clock::now();
  sqlite3* db = nullptr;
  // The flags and pragmas of sql::Db::open, then the volume row (as Volume::open reads it).
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", nullptr, nullptr, nullptr);
  sqlite3_stmt* row = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, "SELECT * FROM volume", -1, &row, nullptr);
  if (rc == SQLITE_OK && sqlite3_step(row) != SQLITE_ROW) rc = SQLITE_ERROR;
  sqlite3_finalize(row);
  if (rc != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_floor: %s: %s\n", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return 1;
  }
  sqlite3_close(db);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f %ld\n", ms, minor_faults() - faults);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--create") == 0) return create(argv[2]);
  if (argc == 2) return time_open(argv[1]);
  std::fprintf(stderr, "usage: dvol_bench_sqlite_floor [--create] DB\n");
  return 2;
}
