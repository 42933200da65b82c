#!/usr/bin/env bash
# Runs COMMAND... with a real S3 server for it: a one-node Ceph and its RADOS Gateway on
# 127.0.0.1 (scripts/rgw), a bucket made for the run, and the environment pointing at them:
# DVOL_TEST_S3_ENDPOINT, DVOL_TEST_S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
# Everything is stopped and removed afterwards, whatever the outcome.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rgw=$here/../../scripts/rgw
scratch=$(mktemp -d /tmp/dvol-rgw-XXXXXX)
cleanup() {
  "$rgw" stop "$scratch/ceph" || true
  # Nothing of the server may outlive the run: a daemon left behind fails it.
  if pgrep -f "$scratch/" >/dev/null; then
    echo "with_rgw.sh: Ceph daemons were left running; killed:" >&2
    pgrep -af "$scratch/" >&2
    pkill -9 -f "$scratch/" || true
    rm -rf "$scratch"
    exit 1
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
# A free port: the kernel's choice for a socket bound to port 0.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
settings=$("$rgw" start "$scratch/ceph" "127.0.0.1:$port")  # fails the script if Ceph does not come up
while read -r line; do export "$line"; done <<<"$settings"
export DVOL_TEST_S3_ENDPOINT=$AWS_ENDPOINT_URL DVOL_TEST_S3_BUCKET=dvol-test
curl -sf -X PUT --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" --aws-sigv4 "aws:amz:us-east-1:s3" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$DVOL_TEST_S3_ENDPOINT/$DVOL_TEST_S3_BUCKET" >/dev/null
"$@"
