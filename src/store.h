#pragma once
// MetadataStore: one volume's metadata (the volume, its branches, commits, and the intent of a
// kernel operation in flight), in the SQLite file dvol.db in the volume's directory.
//
// The store is the source of truth for what the user sees; the pool's transaction id pairs with
// it at each commit point (docs/style.md point 10). Durability: rollback journal with
// synchronous=FULL, so a committed Transaction survives a power cut.
//
// Ownership and threads: a MetadataStore owns its connection and is used by one thread. Its
// destructor closes the connection and does nothing to the kernel.
//
// Writes are single statements; group them with begin() so that a multi-row change (a commit:
// add_commit + set_branch_head + set_transaction_id) is one atomic step. A write outside a
// Transaction commits on its own.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "src/records.h"
#include "src/sqlite.h"

namespace dvol {

// 2 added volume.data_dir; this dvol still reads and writes schema 1 (data_dir empty).
inline constexpr int kStoreSchemaVersion = 2;
inline constexpr int kOldestStoreSchemaVersion = 1;
// Thin ids are 24-bit; the store hands out ids up to kMaxThinId. The last one is kept for the
// diff's snapshot of the live data (src/diff_snapshot.h), which the store never records.
inline constexpr uint32_t kMaxThinId = 0xFFFFFE;
inline constexpr uint32_t kDiffSnapshotThinId = 0xFFFFFF;

class MetadataStore {
 public:
  // Creates the database with `volume` as its only volume row, atomically: either the complete
  // file appears at `db` or nothing does. Errors: AlreadyExists if `db` exists.
  [[nodiscard]] static MetadataStore create(const std::filesystem::path& db,
                                            const VolumeRecord& volume);
  // Opens an existing database. Errors: NotFound if missing; Corruption if the file is not a
  // dvol database; Unsupported if a newer dvol wrote it.
  [[nodiscard]] static MetadataStore open(const std::filesystem::path& db);

  // True if `db` still names the file this store opened (not removed, not replaced by another
  // file). The open connection keeps its file's inode from being reused, so the same device
  // and inode at `db` mean the same file; a file replaced just as it was opened reads as
  // replaced, never the other way round.
  [[nodiscard]] bool is_file_at(const std::filesystem::path& db) const;

  // Starts a write transaction; see sql::Transaction (rolls back unless commit() runs).
  [[nodiscard]] sql::Transaction begin();

  // ---- reads ----
  // The volume row, branches and commits are remembered between writes: a command reads them
  // dozens of times, and every read outside a transaction is a round of locking and checking
  // dvol.db. A write of this connection forgets them (the connection's change count moves),
  // reads inside a transaction are neither served nor kept (a rollback may undo them), and
  // what other processes wrote is forgotten by forget_reads(), which the volume's lock calls
  // once taken: from then on this process is the only writer.
  void forget_reads();
  [[nodiscard]] VolumeRecord volume();
  [[nodiscard]] std::vector<BranchRecord> branches();  // sorted by name, bytewise
  [[nodiscard]] std::optional<BranchRecord> branch(const std::string& name);
  [[nodiscard]] std::vector<CommitRecord> commits();  // in the order they were added
  [[nodiscard]] std::optional<CommitRecord> commit(const std::string& id);
  // The same for a branch or commit that the rest of the store names (the checked-out branch,
  // a branch's head): Corruption, with a hint to restore dvol.db, if it is missing.
  [[nodiscard]] BranchRecord existing_branch(const std::string& name);
  [[nodiscard]] CommitRecord existing_commit(const std::string& id);
  // The branch's history, newest first: its head, then parent links. NotFound for an unknown
  // branch; Corruption if the parent links loop or point nowhere.
  [[nodiscard]] std::vector<CommitRecord> history(const std::string& branch);
  // Ids of commits in no branch's history (in the order they were added): what a reset or a
  // branch deletion leaves for the caller to free.
  [[nodiscard]] std::vector<std::string> unreachable_commits();
  [[nodiscard]] std::optional<Intent> intent();

  // ---- writes ----
  // Each throws NotFound when the branch/commit it changes does not exist, and AlreadyExists
  // when it adds a duplicate; on error nothing has changed.
  void set_checked_out(const std::string& branch);
  void add_branch(const BranchRecord& branch);
  void remove_branch(const std::string& name);
  void set_branch_head(const std::string& name, const std::optional<std::string>& commit_id);
  void set_branch_thin(const std::string& name, uint32_t thin_id);
  void add_commit(const CommitRecord& commit);  // the parent, if any, must exist
  // Removes a commit from every history while keeping the others: its children and the
  // branches whose head it is are relinked to its parent.
  void remove_commit(const std::string& id);
  void set_transaction_id(uint64_t id);
  void set_data_bytes(uint64_t bytes);
  // Space the pool used at the last change (what `list` shows when the pool is not live).
  void set_used_bytes(uint64_t bytes);
  // Returns the next free thin id and reserves it. ResourceExhausted past 0xFFFFFF.
  [[nodiscard]] uint32_t allocate_thin_id();
  // There is at most one intent: put_intent replaces any previous one.
  void put_intent(const Intent& intent);
  void mark_intent_committed();  // NotFound if there is no intent
  void clear_intent();           // no intent is fine

 private:
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
  };
  MetadataStore(sql::Db db, FileId file) : db_(std::move(db)), file_(file) {}
  // Corruption unless the file is dvol's schema, kOldestStoreSchemaVersion up to
  // kStoreSchemaVersion; Unsupported if newer. Remembers the version.
  void check_schema();
  void expect_changed(const std::string& what);

  // Remembered reads (see forget_reads), valid while the change count is `at_changes`.
  struct Remembered {
    int64_t at_changes = -1;
    std::optional<VolumeRecord> volume;
    std::map<std::string, std::optional<BranchRecord>, std::less<>> branches;
    std::optional<std::vector<CommitRecord>> commits;
  };
  // True if reads may be served and kept now; drops what a write made stale.
  bool remembering();

  sql::Db db_;
  FileId file_;  // what was at the path just before it was opened
  int64_t schema_version_ = kStoreSchemaVersion;
  Remembered remembered_;
};

}  // namespace dvol
