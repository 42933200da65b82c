// Remote URLs and names, and the AWS CLI's way of finding credentials, region and endpoint.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "src/remote/aws_settings.h"
#include "src/remote/remote_url.h"
#include "tests/unit/expect_error.h"
#include "tests/unit/temp_dir.h"

namespace dvol::remote {
namespace {

using testing::TempDir;
using testing::thrown_error;

TEST(RemoteUrl, S3AndFileUrlsAreParsedAndMadeCanonical) {
  auto s3 = parse_remote_url("s3://hub/shop/db/");
  EXPECT_EQ(s3.kind, RemoteUrl::Kind::S3);
  EXPECT_EQ(s3.bucket, "hub");
  EXPECT_EQ(s3.prefix, "shop/db");
  EXPECT_EQ(s3.text, "s3://hub/shop/db");
  EXPECT_EQ(parse_remote_url("s3://my.bucket-1").prefix, "");
  auto file = parse_remote_url("file:///mnt/hub/");
  EXPECT_EQ(file.kind, RemoteUrl::Kind::File);
  EXPECT_EQ(file.dir, "/mnt/hub");
  EXPECT_EQ(file.text, "file:///mnt/hub");
}

TEST(RemoteUrl, AnythingElseIsRefusedWithTheFormsAccepted) {
  for (const char* bad : {"http://x/y", "s3://", "s3://UPPER", "s3://ab", "s3://a_b/c", "s3://hub/a//b", "s3://hub/../x",
                          "file://relative", "file://host/dir", "file:///a/../b", "s3://hub/a\nb", ""}) {
    auto e = thrown_error([&] { (void)parse_remote_url(bad); });
    EXPECT_EQ(e.code(), Code::InvalidArgument) << bad;
    EXPECT_NE(e.hint().find("s3://BUCKET"), std::string::npos) << bad;
  }
}

TEST(RemoteUrl, RemoteNamesFollowTheRule) {
  for (const char* good : {"origin", "hub-2", "a.b_c"}) EXPECT_NO_THROW(validate_remote_name(good)) << good;
  for (const char* bad : {"", "-x", ".x", "a/b", "a b", "\xff"})
    EXPECT_EQ(thrown_error([&] { validate_remote_name(bad); }).code(), Code::InvalidArgument) << bad;
}

class AwsSettingsTest : public ::testing::Test {
 protected:
  Environment env() {
    return [this](const std::string& k) -> std::optional<std::string> {
      auto it = vars.find(k);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(home.path() / ".aws");
    std::ofstream(home.path() / ".aws" / name) << text;
  }
  std::map<std::string, std::string> vars;
  TempDir home;
};

TEST_F(AwsSettingsTest, EnvironmentKeysWinAndRegionAndEndpointFollowTheCli) {
  write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  write("config", "[default]\nregion = eu-west-1\nendpoint_url = http://from-config:7480\n");
  vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"}, {"AWS_SESSION_TOKEN", "TOKEN"}};
  auto s = resolve_aws_settings(env(), home.path(), "");
  EXPECT_EQ(s.access_key_id, "ENVKEY");
  EXPECT_EQ(s.secret_access_key, "ENVSECRET");
  EXPECT_EQ(s.session_token, "TOKEN");
  EXPECT_EQ(s.region, "eu-west-1");
  EXPECT_EQ(s.endpoint_url, "http://from-config:7480");
  vars["AWS_ENDPOINT_URL"] = "http://from-env:1";
  vars["AWS_REGION"] = "us-west-2";
  s = resolve_aws_settings(env(), home.path(), "");
  EXPECT_EQ(s.endpoint_url, "http://from-env:1");
  EXPECT_EQ(s.region, "us-west-2");
  // The endpoint stored with the remote (--endpoint-url) wins over everything.
  EXPECT_EQ(resolve_aws_settings(env(), home.path(), "http://stored:2").endpoint_url, "http://stored:2");
}

TEST_F(AwsSettingsTest, AProfileIsReadFromTheCredentialsAndConfigFiles) {
  write("credentials", "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n[team]\naws_access_key_id = T\naws_secret_access_key = TS\n");
  write("config", "[profile team]\nregion = ap-south-1\ns3 =\n  addressing_style = path\n");
  vars = {{"AWS_PROFILE", "team"}};
  auto s = resolve_aws_settings(env(), home.path(), "");
  EXPECT_EQ(s.access_key_id, "T");
  EXPECT_EQ(s.region, "ap-south-1");
  EXPECT_EQ(s.endpoint_url, "");
  EXPECT_EQ(resolve_aws_settings([](const std::string&) { return std::nullopt; }, home.path(), "").access_key_id, "D");
  vars = {{"AWS_PROFILE", "nobody"}};
  EXPECT_EQ(thrown_error([&] { (void)resolve_aws_settings(env(), home.path(), ""); }).code(), Code::InvalidArgument);
}

TEST_F(AwsSettingsTest, NoKeysAnywhereSaysWhereItLookedAndNeverPrintsSecrets) {
  write("config", "[default]\nregion = eu-west-1\n");
  vars = {{"AWS_SECRET_ACCESS_KEY", "TOPSECRET"}};  // a secret without its key id
  auto e = thrown_error([&] { (void)resolve_aws_settings(env(), home.path(), ""); });
  EXPECT_EQ(e.code(), Code::FailedPrecondition);
  EXPECT_EQ(e.message(), "no S3 credentials found");
  EXPECT_NE(e.hint().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ((e.message() + e.hint() + e.detail()).find("TOPSECRET"), std::string::npos);
}

}  // namespace
}  // namespace dvol::remote
