#include "dm/block_sharing.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

#include "io/error.h"

namespace dvol::dm {

namespace {

constexpr uint32_t kNoSet = UINT32_MAX;

// The mapping trees of several devices as one graph, each node read once.
class TreeGraph {
 public:
  explicit TreeGraph(ThinMetadata& metadata) : md_(metadata) {}

  struct Node {
    uint32_t height = 0;                // 0 for a leaf
    std::vector<uint32_t> children;     // internal nodes: indexes into nodes()
    std::vector<uint64_t> data_blocks;  // leaves: the data block of each entry
    bool in_progress = false;
  };

  // Reads the tree at `root` (what is already read is not read again); returns its index.
  uint32_t add(uint64_t root) { return visit(root, 0); }
  std::vector<Node>& nodes() { return nodes_; }

 private:
  uint32_t visit(uint64_t block, size_t depth) {
    if (depth > kMaxBtreeDepth)
      throw Error(Code::Corruption, "thin metadata: a mapping tree is deeper than " + std::to_string(kMaxBtreeDepth));
    if (auto it = index_.find(block); it != index_.end()) {
      if (nodes_[it->second].in_progress)
        throw Error(Code::Corruption, "thin metadata: btree node " + std::to_string(block) + " is its own ancestor");
      return it->second;
    }
    if (nodes_.size() >= md_.nr_blocks())
      throw Error(Code::Corruption, "thin metadata: the mapping trees have more nodes than the metadata has blocks");
    auto node = md_.read_node(block, 8);
    auto at = static_cast<uint32_t>(nodes_.size());
    index_[block] = at;
    nodes_.push_back(Node{});
    nodes_[at].in_progress = true;
    if (node.leaf) {
      std::vector<uint64_t> data;
      data.reserve(node.values.size());
      for (uint64_t v : node.values) data.push_back(unpack_block_time(v).data_block);
      nodes_[at].data_blocks = std::move(data);
    } else {
      std::optional<uint32_t> height;
      for (uint64_t child : node.values) {
        uint32_t c = visit(child, depth + 1);
        uint32_t h = nodes_[c].height + 1;
        if (height && *height != h)
          throw Error(Code::Corruption, "thin metadata: btree node " + std::to_string(block) +
                                            " has children at different heights");
        height = h;
        nodes_[at].children.push_back(c);
      }
      nodes_[at].height = height.value_or(1);
    }
    nodes_[at].in_progress = false;
    return at;
  }

  ThinMetadata& md_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, uint32_t> index_;  // block -> index in nodes_
};

using Owners = std::vector<uint64_t>;

void set_bit(Owners& o, size_t i) { o[i / 64] |= uint64_t{1} << (i % 64); }
bool has_bit(const Owners& o, size_t i) { return (o[i / 64] >> (i % 64)) & 1; }

// Distinct owner sets, each stored once.
class OwnerSets {
 public:
  uint32_t intern(const Owners& o) {
    auto [it, inserted] = index_.try_emplace(o, static_cast<uint32_t>(sets_.size()));
    if (inserted) sets_.push_back(o);
    return it->second;
  }
  uint32_t united(uint32_t a, uint32_t b) {
    if (a == b) return a;
    uint64_t key = (uint64_t{std::min(a, b)} << 32) | std::max(a, b);
    if (auto it = unions_.find(key); it != unions_.end()) return it->second;
    Owners u = sets_[a];
    for (size_t w = 0; w < u.size(); ++w) u[w] |= sets_[b][w];
    uint32_t r = intern(u);
    unions_[key] = r;
    return r;
  }
  const Owners& at(uint32_t i) const { return sets_[i]; }
  size_t size() const { return sets_.size(); }

 private:
  std::vector<Owners> sets_;
  std::map<Owners, uint32_t> index_;
  std::unordered_map<uint64_t, uint32_t> unions_;
};

}  // namespace

BlockSharing BlockSharing::read(ThinMetadata& metadata, const std::vector<ThinId>& devices) {
  BlockSharing out;
  out.devices_ = devices;
  uint64_t reads_before = metadata.nodes_read();
  const size_t words = (devices.size() + 63) / 64;

  TreeGraph graph(metadata);
  std::vector<uint32_t> roots;
  for (auto id : devices) {
    auto root = metadata.device_root(id);
    if (!root) throw Error(Code::NotFound, "thin device " + std::to_string(id.value()) + " is not in the pool");
    roots.push_back(graph.add(*root));
  }
  auto& nodes = graph.nodes();

  // Top-down: the devices reaching each node.
  std::vector<Owners> reach(nodes.size(), Owners(words, 0));
  for (size_t i = 0; i < roots.size(); ++i) set_bit(reach[roots[i]], i);
  std::vector<uint32_t> order(nodes.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return nodes[a].height > nodes[b].height; });
  for (uint32_t n : order)
    for (uint32_t c : nodes[n].children)
      for (size_t w = 0; w < words; ++w) reach[c][w] |= reach[n][w];

  // Each data block's owners: the union over the leaves holding it.
  OwnerSets sets;
  std::vector<uint32_t> block_set;  // data block -> owner set, kNoSet when unmapped
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].height != 0 || nodes[n].data_blocks.empty()) continue;
    uint32_t leaf_set = sets.intern(reach[n]);
    for (uint64_t b : nodes[n].data_blocks) {
      if (b >= block_set.size()) block_set.resize(std::max<uint64_t>(b + 1, block_set.size() * 2), kNoSet);
      block_set[b] = block_set[b] == kNoSet ? leaf_set : sets.united(block_set[b], leaf_set);
    }
  }
  std::vector<uint64_t> count(sets.size(), 0);
  for (uint32_t s : block_set)
    if (s != kNoSet) ++count[s];
  for (uint32_t s = 0; s < sets.size(); ++s)
    if (count[s] > 0) out.sets_.push_back({sets.at(s), count[s]});
  out.nodes_read_ = metadata.nodes_read() - reads_before;
  return out;
}

int BlockSharing::index_of(ThinId id) const {
  for (size_t i = 0; i < devices_.size(); ++i)
    if (devices_[i] == id) return static_cast<int>(i);
  return -1;
}

bool BlockSharing::owned_only_by(const Owners& owners, const Owners& allowed) const {
  for (size_t w = 0; w < owners.size(); ++w)
    if (owners[w] & ~allowed[w]) return false;
  return true;
}

uint64_t BlockSharing::referenced(ThinId id) const {
  int i = index_of(id);
  if (i < 0) return 0;
  uint64_t n = 0;
  for (const auto& s : sets_)
    if (has_bit(s.owners, static_cast<size_t>(i))) n += s.blocks;
  return n;
}

uint64_t BlockSharing::exclusive(ThinId id) const { return freed_by_deleting({id}); }

uint64_t BlockSharing::freed_by_deleting(const std::vector<ThinId>& deleted) const {
  Owners allowed((devices_.size() + 63) / 64, 0);
  bool any = false;
  for (auto id : deleted) {
    int i = index_of(id);
    if (i < 0) continue;
    set_bit(allowed, static_cast<size_t>(i));
    any = true;
  }
  if (!any) return 0;
  uint64_t n = 0;
  for (const auto& s : sets_)
    if (owned_only_by(s.owners, allowed)) n += s.blocks;
  return n;
}

uint64_t BlockSharing::mapped() const {
  uint64_t n = 0;
  for (const auto& s : sets_) n += s.blocks;
  return n;
}

}  // namespace dvol::dm
