#include "dm/thin_delta.h"

#include <algorithm>
#include <string>

#include "io/error.h"

namespace dvol::dm {
namespace {

uint64_t root_of(ThinMetadata& md, ThinId id) {
  auto root = md.device_root(id);
  if (!root) throw Error(Code::NotFound, "thin device " + std::to_string(id.value()) + " is not in the pool");
  return *root;
}

void add_block(std::vector<DeltaRange>& out, uint64_t block, DeltaKind kind) {
  if (!out.empty() && out.back().kind == kind && out.back().begin + out.back().length == block)
    ++out.back().length;
  else
    out.push_back(DeltaRange{block, 1, kind});
}

// Sorts ranges (which never overlap) and merges touching ones of the same kind. The walk emits
// blocks almost in order, so this is nearly always a no-op pass.
std::vector<DeltaRange> normalise(std::vector<DeltaRange> in) {
  std::sort(in.begin(), in.end(), [](const DeltaRange& x, const DeltaRange& y) { return x.begin < y.begin; });
  std::vector<DeltaRange> out;
  for (const auto& r : in) {
    if (!out.empty() && out.back().kind == r.kind && out.back().begin + out.back().length == r.begin)
      out.back().length += r.length;
    else
      out.push_back(r);
  }
  return out;
}

bool wider(const BtreeCursor::Item& x, const BtreeCursor::Item& y) {
  if (!x.hi) return y.hi.has_value();
  return y.hi && *x.hi > *y.hi;
}

}  // namespace

std::vector<DeltaRange> thin_delta(ThinMetadata& md, ThinId left, ThinId right, DeltaStats* stats) {
  uint64_t left_root = root_of(md, left), right_root = root_of(md, right);
  DeltaStats st;
  uint64_t reads_before = md.nodes_read();
  std::vector<DeltaRange> out;
  BtreeCursor a(md, left_root), b(md, right_root);
  // Each side yields, in key order, leaf entries and unexpanded subtrees (with the key range
  // their parent gives them). Invariant: every key on either side below both current items'
  // lower bounds has been accounted for. So an entry below the other side's lower bound is
  // one-sided; one subtree block on both sides means identical contents there, skipped unread;
  // otherwise the side whose item starts first (or, at a tie, spans further) is expanded.
  while (!a.done() && !b.done()) {
    const auto x = a.item(), y = b.item();
    if (x.subtree && y.subtree && x.value == y.value) {
      ++st.subtrees_skipped;
      a.next();
      b.next();
    } else if (!x.subtree && !y.subtree) {
      ++st.entries_compared;
      if (x.key == y.key) {
        // Compare data blocks only: the time half of the value records when the block was
        // mapped, which says nothing about the contents.
        if (unpack_block_time(x.value).data_block != unpack_block_time(y.value).data_block)
          add_block(out, x.key, DeltaKind::Different);
        a.next();
        b.next();
      } else if (x.key < y.key) {
        add_block(out, x.key, DeltaKind::LeftOnly);
        a.next();
      } else {
        add_block(out, y.key, DeltaKind::RightOnly);
        b.next();
      }
    } else if (!x.subtree) {
      if (x.key < y.key) {
        ++st.entries_compared;
        add_block(out, x.key, DeltaKind::LeftOnly);
        a.next();
      } else {
        b.expand();
      }
    } else if (!y.subtree) {
      if (y.key < x.key) {
        ++st.entries_compared;
        add_block(out, y.key, DeltaKind::RightOnly);
        b.next();
      } else {
        a.expand();
      }
    } else if (x.key < y.key || (x.key == y.key && !wider(y, x))) {
      a.expand();
    } else {
      b.expand();
    }
  }
  // Whatever one side has left, the other lacks.
  for (; a.to_entry(); a.next(), ++st.entries_compared) add_block(out, a.item().key, DeltaKind::LeftOnly);
  for (; b.to_entry(); b.next(), ++st.entries_compared) add_block(out, b.item().key, DeltaKind::RightOnly);
  st.nodes_read = md.nodes_read() - reads_before;
  if (stats) *stats = st;
  return normalise(std::move(out));
}

std::vector<BlockRange> mapped_ranges(ThinMetadata& md, ThinId thin) {
  std::vector<BlockRange> out;
  BtreeCursor c(md, root_of(md, thin));
  for (; c.to_entry(); c.next()) {
    uint64_t k = c.item().key;
    if (!out.empty() && out.back().begin + out.back().length == k)
      ++out.back().length;
    else
      out.push_back(BlockRange{k, 1});
  }
  return out;
}

}  // namespace dvol::dm
