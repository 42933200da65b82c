// The typed text interface of dm-thin: every table, status and message renders as the kernel
// expects and parses back; malformed kernel output is refused, not misread.
#include <gtest/gtest.h>

#include "dm/table.h"
#include "tests/unit/expect_error.h"

namespace dvol::dm {
namespace {

using testing::thrown_error;

TEST(ThinPoolTable, RendersTheKernelsFormatAndParsesBack) {
  // Given a pool table with features, when rendered and parsed, then the line has the
  // documented field order and parses into an equal table.
  ThinPoolTable t;
  t.length = Sectors{41943040};
  t.metadata_dev = "7:0";
  t.data_dev = "7:1";
  t.block_size = Sectors{128};
  t.low_water_mark = 16;
  t.skip_block_zeroing = true;
  t.error_if_no_space = true;
  auto line = t.line();
  EXPECT_EQ(line.target, "thin-pool");
  EXPECT_EQ(line.start.value, 0u);
  EXPECT_EQ(line.length.value, 41943040u);
  EXPECT_EQ(line.params, "7:0 7:1 128 16 2 skip_block_zeroing error_if_no_space");
  EXPECT_EQ(ThinPoolTable::parse(line), t);
}

TEST(ThinPoolTable, EveryFeatureRoundTrips) {
  ThinPoolTable t{Sectors{1024}, "1:2", "3:4", Sectors{256}, 0, true, true, true, true, true};
  EXPECT_EQ(ThinPoolTable::parse(t.line()), t);
  ThinPoolTable none{Sectors{1024}, "1:2", "3:4", Sectors{256}, 0};
  EXPECT_EQ(none.line().params, "1:2 3:4 256 0 0");
  EXPECT_EQ(ThinPoolTable::parse(none.line()), none);
}

TEST(ThinPoolTable, MalformedLinesAreCorruption) {
  for (std::string params : {"", "7:0 7:1 128", "7:0 7:1 x 0 0", "7:0 7:1 128 0 1", "7:0 7:1 128 0 1 bogus",
                             "7:0 7:1 128 0 0 extra"}) {
    auto e = thrown_error([&] { (void)ThinPoolTable::parse({Sectors{0}, Sectors{8}, "thin-pool", params}); });
    EXPECT_EQ(e.code(), Code::Corruption) << params;
  }
  auto e = thrown_error([] { (void)ThinPoolTable::parse({Sectors{0}, Sectors{8}, "linear", "7:0 7:1 128 0 0"}); });
  EXPECT_EQ(e.code(), Code::Corruption);
}

TEST(ThinTable, RendersAndParsesBack) {
  ThinTable t{Sectors{2048}, "254:0", ThinId(7)};
  EXPECT_EQ(t.line().params, "254:0 7");
  EXPECT_EQ(t.line().target, "thin");
  EXPECT_EQ(ThinTable::parse(t.line()), t);
}

TEST(ThinId, RefusesIdsBeyondTwentyFourBits) {
  EXPECT_EQ(ThinId(0xFFFFFF).value(), 0xFFFFFFu);
  EXPECT_EQ(thrown_error([] { (void)ThinId(0x1000000); }).code(), Code::InvalidArgument);
}

TEST(DmName, AcceptsSafeNamesAndRefusesOthers) {
  EXPECT_EQ(DmName("dvol-1a2b3c4d-pool").str(), "dvol-1a2b3c4d-pool");
  for (std::string bad : std::vector<std::string>{"", ".", "..", "a/b", "a b", std::string(128, 'a'), "x\n"})
    EXPECT_EQ(thrown_error([&] { (void)DmName(bad); }).code(), Code::InvalidArgument) << bad;
  EXPECT_NO_THROW((void)DmName(std::string(127, 'a')));
}

TEST(ThinPoolStatus, ParsesALiveStatusLine) {
  // Given the status line of a live pool holding a metadata snapshot, then every field parses.
  auto s = ThinPoolStatus::parse("5 280/4161600 1024/327680 3177 rw discard_passdown error_if_no_space - 1024");
  EXPECT_FALSE(s.failed);
  EXPECT_EQ(s.transaction_id, 5u);
  EXPECT_EQ(s.used_metadata_blocks, 280u);
  EXPECT_EQ(s.total_metadata_blocks, 4161600u);
  EXPECT_EQ(s.used_data_blocks.value, 1024u);
  EXPECT_EQ(s.total_data_blocks.value, 327680u);
  ASSERT_TRUE(s.held_metadata_root.has_value());
  EXPECT_EQ(*s.held_metadata_root, 3177u);
  EXPECT_EQ(s.mode, PoolMode::ReadWrite);
  EXPECT_FALSE(s.needs_check);
}

TEST(ThinPoolStatus, ParsesModesNeedsCheckAndFailure) {
  auto full = ThinPoolStatus::parse("0 10/100 100/100 - out_of_data_space discard_passdown error_if_no_space - 8");
  EXPECT_EQ(full.mode, PoolMode::OutOfDataSpace);
  EXPECT_FALSE(full.held_metadata_root.has_value());
  auto ro = ThinPoolStatus::parse("0 10/100 1/100 - ro discard_passdown queue_if_no_space needs_check 8");
  EXPECT_EQ(ro.mode, PoolMode::ReadOnly);
  EXPECT_TRUE(ro.needs_check);
  EXPECT_TRUE(ThinPoolStatus::parse("Fail").failed);
  EXPECT_TRUE(ThinPoolStatus::parse("Error").failed);
  for (std::string bad : {"", "1 2/3", "x 1/2 3/4 - rw", "1 12 3/4 - rw", "1 1/2 3/4 - sideways"})
    EXPECT_EQ(thrown_error([&] { (void)ThinPoolStatus::parse(bad); }).code(), Code::Corruption) << bad;
}

TEST(ThinStatus, ParsesMappedAndHighestSectors) {
  auto s = ThinStatus::parse("2048 4095");
  EXPECT_EQ(s.mapped.value, 2048u);
  ASSERT_TRUE(s.highest_mapped.has_value());
  EXPECT_EQ(s.highest_mapped->value, 4095u);
  auto empty = ThinStatus::parse("0 -");
  EXPECT_FALSE(empty.highest_mapped.has_value());
  EXPECT_TRUE(ThinStatus::parse("Fail").failed);
  EXPECT_EQ(thrown_error([] { (void)ThinStatus::parse("1 2 3"); }).code(), Code::Corruption);
}

TEST(PoolMessage, RendersEveryMessage) {
  EXPECT_EQ(render(CreateThin{ThinId(0)}), "create_thin 0");
  EXPECT_EQ(render(CreateSnap{ThinId(12), ThinId(3)}), "create_snap 12 3");
  EXPECT_EQ(render(DeleteThin{ThinId(9)}), "delete 9");
  EXPECT_EQ(render(SetTransactionId{4, 5}), "set_transaction_id 4 5");
  EXPECT_EQ(render(ReserveMetadataSnap{}), "reserve_metadata_snap");
  EXPECT_EQ(render(ReleaseMetadataSnap{}), "release_metadata_snap");
}

}  // namespace
}  // namespace dvol::dm
