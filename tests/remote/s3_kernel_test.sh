#!/usr/bin/env bash
# kernel.remote_s3: the remote tests against a real S3 server from inside the test kernel.
# A network namespace of this script's own holds a tap device, a one-node Ceph with its RADOS
# Gateway on 10.201.0.1 (scripts/rgw) and the test kernel, whose eth0 is that tap (10.201.0.2):
# no traffic leaves the namespace, and nothing of the host's network is touched. Everything is
# stopped and removed afterwards, whatever the outcome.
#
#   tests/remote/s3_kernel_test.sh UML_RUN TEST_BINARY [GTEST ARGS...]
set -euo pipefail
(($# >= 2)) || { echo "usage: s3_kernel_test.sh UML_RUN TEST_BINARY [ARGS...]" >&2; exit 2; }
uml_run=$1 binary=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
rgw=$here/../../scripts/rgw
ns=dvol-s3-$$
scratch=$(mktemp -d /tmp/dvol-s3-XXXXXX)
cleanup() {
  "$rgw" stop "$scratch/ceph" || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }
ip netns add "$ns"
in_ns ip link set lo up
in_ns ip tuntap add dev tap0 mode tap
in_ns ip addr add 10.201.0.1/24 dev tap0
in_ns ip link set tap0 up
endpoint=10.201.0.1:7480
while read -r line; do export "$line"; done < <(in_ns "$rgw" start "$scratch/ceph" "$endpoint")
in_ns curl -sf -X PUT --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --aws-sigv4 "aws:amz:us-east-1:s3" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "http://$endpoint/dvol-test" >/dev/null
# Only DVOL_* variables cross into the test kernel; the tests give dvol the AWS_* ones.
export DVOL_TEST_S3_ENDPOINT=http://$endpoint DVOL_TEST_S3_KEY=$AWS_ACCESS_KEY_ID DVOL_TEST_S3_SECRET=$AWS_SECRET_ACCESS_KEY
unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
in_ns "$uml_run" --net tap0 10.201.0.2/24 --timeout 1500 -- "$binary" "$@"
