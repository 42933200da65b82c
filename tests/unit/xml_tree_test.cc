#include "io/xml_tree.h"

#include <gtest/gtest.h>

namespace dvol::io {
namespace {

TEST(XmlTree, ReadsAnS3ListingWithItsRepeatedElementsInOrder) {
  auto root = parse_xml(R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><IsTruncated>true</IsTruncated>
  <Contents><Key>p/a &amp; b</Key><Size>12</Size></Contents>
  <Contents><Key>p/c</Key><Size>0</Size></Contents>
  <NextContinuationToken>t1</NextContinuationToken>
</ListBucketResult>)");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->name, "ListBucketResult");
  EXPECT_EQ(root->child_text("IsTruncated"), "true");
  EXPECT_EQ(root->child_text("NextContinuationToken"), "t1");
  std::vector<std::pair<std::string, std::string>> contents;
  for (const auto& e : root->children)
    if (e.name == "Contents") contents.emplace_back(e.child_text("Key"), e.child_text("Size"));
  EXPECT_EQ(contents, (std::vector<std::pair<std::string, std::string>>{{"p/a & b", "12"}, {"p/c", "0"}}));
}

TEST(XmlTree, AMissingChildHasNoElementAndEmptyText) {
  auto root = parse_xml("<Error><Code>NoSuchBucket</Code><Message/></Error>");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->child_text("Code"), "NoSuchBucket");
  EXPECT_EQ(root->child_text("Message"), "");
  EXPECT_NE(root->child("Message"), nullptr);
  EXPECT_EQ(root->child("RequestId"), nullptr);
  EXPECT_EQ(root->child_text("RequestId"), "");
}

TEST(XmlTree, WhatIsNotWellFormedXmlIsRefused) {
  EXPECT_FALSE(parse_xml(""));
  EXPECT_FALSE(parse_xml("<html><body>502 Bad Gateway</html>"));
  EXPECT_FALSE(parse_xml("<a></a><b></b>"));
  EXPECT_FALSE(parse_xml("not xml at all"));
}

}  // namespace
}  // namespace dvol::io
