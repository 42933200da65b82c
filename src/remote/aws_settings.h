#pragma once
// Credentials, region and endpoint of an S3 remote, found the way the AWS CLI finds them, so
// that what works for `aws s3` works for dvol:
//   keys:     AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile
//             (AWS_PROFILE, default "default") in AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials),
//             else in AWS_CONFIG_FILE (~/.aws/config, section [profile NAME] or [default])
//   region:   AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1
//   endpoint: the remote's own --endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
//             profile's endpoint_url, else AWS's
// Pure logic over the environment and files it is given; secrets are never printed.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace dvol::remote {

struct AwsSettings {
  std::string access_key_id, secret_access_key, session_token;
  std::string region;
  std::string endpoint_url;  // empty: AWS's own for the region
  std::string credentials_from;  // where the keys came from, for messages ("AWS_ACCESS_KEY_ID", a file)
};

using Environment = std::function<std::optional<std::string>(const std::string&)>;

// FailedPrecondition, saying where it looked, when no keys are found; InvalidArgument for a
// profile named but not defined.
AwsSettings resolve_aws_settings(const Environment& env, const std::filesystem::path& home,
                                 const std::string& stored_endpoint);

// The process environment.
Environment process_environment();

}  // namespace dvol::remote
