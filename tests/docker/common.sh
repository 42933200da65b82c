# Shared by the Docker tests inside the test kernel (sourced): checks, the plugin, images.
# Needs dvol_bin and DVOL_TEST_STATE.
docker=/usr/bin/docker  # Debian's CLI, even if another docker is earlier in PATH
export DVOL_ROOT=$DVOL_TEST_STATE/root
plugin_log=$DVOL_TEST_STATE/plugin.log
socket=/run/docker/plugins/dvol.sock
failures=0 passed=0
check() {  # check NAME COMMAND...: passes when COMMAND succeeds
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failures=$((failures + 1)); echo "FAIL $name"; fi
}
matches() { grep -qE "$2" <<<"$1" || { echo "  expected a line matching: $2"; echo "  in: $1"; return 1; }; }
contains() { [[ $1 == *"$2"* ]] || { echo "  expected to find: $2"; echo "  in: $1"; return 1; }; }
equals() { [[ $1 == "$2" ]] || { echo "  expected: $2"; echo "  got:      $1"; return 1; }; }
dvol() { "$dvol_bin" "$@"; }
section() { echo "--- $1 ($SECONDS s)"; }

start_plugin() {
  "$dvol_bin" plugin >>"$plugin_log" 2>&1 &  # not the dvol function: $! must be the plugin itself
  plugin_pid=$!
  for _ in $(seq 100); do [[ -S $socket ]] && return 0; sleep 0.1; done
  echo "the plugin did not start:"; cat "$plugin_log"; exit 1
}

# host_rootfs NAME ENTRYPOINT [PASSWD_LINE...]: the directory of an image without a registry that
# runs the host's own programs. Debian 12 is merged-/usr: a rootfs of bin/lib/lib64/sbin links
# into usr, run with `-v /usr:/usr:ro`, has every program the host has. PASSWD_LINEs add users.
# Prints the directory; add files to it, then import_image.
host_rootfs() {
  local name=$1 entrypoint=$2; shift 2
  local dir=$DVOL_TEST_STATE/img-$name
  mkdir -p "$dir"/{usr,etc,proc,sys,dev,tmp,run,var/lib}
  for l in bin lib lib64 sbin; do ln -s "usr/$l" "$dir/$l"; done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\n' >"$dir/etc/group"
  local line user gid
  for line in "$@"; do
    printf '%s\n' "$line" >>"$dir/etc/passwd"
    IFS=: read -r user _ _ gid _ <<<"$line"
    printf '%s:x:%s:\n' "$user" "$gid" >>"$dir/etc/group"
  done
  chmod 1777 "$dir/tmp"
  install -m 755 "$entrypoint" "$dir/entrypoint"
  echo "$dir"
}
# import_image DIR TAG
import_image() { tar -C "$1" -c . | "$docker" import --change 'ENTRYPOINT ["/entrypoint"]' - "$2" >/dev/null; }
