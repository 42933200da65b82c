#!/usr/bin/env bash
# dvol against a real Docker engine, end to end, inside the test kernel (one boot):
#   tests/docker/docker_test.sh DVOL_BINARY          (from ctest: boots the kernel with --docker)
# The plugin serves dockerd; containers write to dvol volumes; the CLI sees, refuses for, stops
# and restarts those containers; a real PostgreSQL server in a container goes through the
# vision's walkthrough. Images are built offline from the host's busybox and PostgreSQL.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  exec "$here/../../scripts/uml-run" --docker --mem 2G --timeout 1500 -- "$0" "$dvol_bin"
fi

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
# Never pull; host network is fast here. Containers get uml-run's GLIBC_TUNABLES too: on hosts
# whose AVX-512 registers the test kernel cannot keep, programs in them must stay off AVX-512.
run() { "$docker" run --network host --pull never ${GLIBC_TUNABLES:+-e "GLIBC_TUNABLES=$GLIBC_TUNABLES"} "$@"; }
plugin_call() { curl -s --unix-socket "$socket" -X POST "http://plugin/$1" --data-binary "${2:-}"; }
engine_get() { curl -s --unix-socket /run/docker.sock "http://engine$1"; }
section() { echo "--- $1 ($SECONDS s)"; }

start_plugin() {
  "$dvol_bin" plugin >>"$plugin_log" 2>&1 &  # not the dvol function: $! must be the plugin itself
  plugin_pid=$!
  for _ in $(seq 100); do [[ -S $socket ]] && return 0; sleep 0.1; done
  echo "the plugin did not start:"; cat "$plugin_log"; exit 1
}

# ---- images, built offline ----
section images
img=$DVOL_TEST_STATE/img-busybox
mkdir -p "$img"/{bin,etc,proc,sys,dev,tmp,data}
cp /bin/busybox "$img/bin/busybox"
for applet in sh ls cat echo sleep mkdir rm touch sync test; do ln -s busybox "$img/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$img/etc/passwd"
printf 'root:x:0:\n' >"$img/etc/group"
tar -C "$img" -c . | "$docker" import - dvol-test/busybox >/dev/null
# PostgreSQL: the host's own server binaries, bind-mounted read-only (/usr) into a bare image.
pg_uid=$(id -u postgres) pg_gid=$(id -g postgres)
pgimg=$DVOL_TEST_STATE/img-pg
mkdir -p "$pgimg"/{usr,etc,proc,sys,dev,tmp,data,run}
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$pgimg/$l"; done
printf 'root:x:0:0:root:/root:/bin/sh\npostgres:x:%s:%s:postgres:/tmp:/bin/sh\n' "$pg_uid" "$pg_gid" >"$pgimg/etc/passwd"
printf 'root:x:0:\npostgres:x:%s:\n' "$pg_gid" >"$pgimg/etc/group"
chmod 1777 "$pgimg/tmp"
tar -C "$pgimg" -c . | "$docker" import - dvol-test/pg >/dev/null

start_plugin

# ---- the plugin's socket and protocol ----
section plugin
check "the socket is root's alone (0600)" equals "$(stat -c %a "$socket")" 600
check "Activate" contains "$(plugin_call Plugin.Activate)" '"Implements":["VolumeDriver"]'
reply=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$socket" -X POST http://plugin/VolumeDriver.Create --data-binary '{"Name":')
check "a malformed body gets an error reply" equals "$reply" 400
head -c $((2 << 20)) /dev/zero | tr '\0' ' ' >"$DVOL_TEST_STATE/big"
reply=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$socket" -X POST http://plugin/VolumeDriver.Create --data-binary @"$DVOL_TEST_STATE/big")
check "an oversized request gets an error reply" equals "$reply" 413
check "unknown options are refused with the reason" contains \
  "$(plugin_call VolumeDriver.Create '{"Name":"x","Opts":{"colour":"red"}}')" "unknown option 'colour'"
check "invalid names are refused" contains "$(plugin_call VolumeDriver.Create '{"Name":"-x","Opts":null}')" "not a valid volume name"
check "the plugin survived all that" kill -0 "$plugin_pid"
check "nothing was created by refused requests" equals "$(dvol --no-docker list | tail -n +2)" ""

# ---- docker run creates the volume, writes land on the checked-out branch ----
section "docker run"
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox sh -c 'echo hello > /data/greeting; echo written')
check "docker run --volume-driver dvol -v web:/data works" equals "$out" written
check "the container's write is on the checked-out branch (dvol path)" equals "$(cat "$(dvol path web)/greeting")" hello
check "docker volume ls shows the dvol volume" matches "$("$docker" volume ls)" '^dvol +web$'
inspect=$("$docker" volume inspect web)
check "docker volume inspect shows the branch" contains "$inspect" '"Branch": "master"'
check "docker volume inspect shows the mountpoint" contains "$inspect" "\"Mountpoint\": \"$(dvol path web)\""
dvol init --size 1G made-by-cli >/dev/null
check "a volume made with dvol init is visible to Docker (Get)" contains "$(engine_get /volumes/made-by-cli)" '"Driver":"dvol"'
out=$(run --rm --volume-driver dvol -v team/db:/data dvol-test/busybox sh -c 'echo two > /data/segments; cat /data/segments')
check "a two-segment name works" equals "$out" two
check "it is the dvol volume team/db" equals "$(cat "$(dvol path team/db)/segments")" two
check "docker's Create via -o: size and fs honoured" \
  "$docker" volume create --driver dvol -o size=512M -o fs=xfs sized >/dev/null
check "  ...the volume is xfs of 512M" contains "$(dvol status sized)" "(xfs, 512.00M)"
out=$("$docker" volume create --driver dvol -o nope=1 bad 2>&1); rc=$?
check "docker volume create refuses unknown options" test "$rc" -ne 0
check "  ...with dvol's reason" contains "$out" "unknown option 'nope'"

# ---- several containers on one volume; the CLI sees them ----
section containers
run -d --name c1 --volume-driver dvol -v web:/data dvol-test/busybox sleep 100000 >/dev/null
run -d --name c2 --volume-driver dvol -v web:/data dvol-test/busybox sleep 100000 >/dev/null
check "list shows the running containers of each volume" matches "$(dvol list)" '^[* ] +web .* c1,c2$'
check "list --no-docker shows none" matches "$(dvol --no-docker list)" '^[* ] +web .* master$'
check "status shows them" contains "$(dvol status web)" "Containers:  c1, c2"
check "Get counts the two mounts" contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Mounts":2'
dvol commit -m "greeting" web >/dev/null
err=$(dvol checkout -b feature web 2>&1 >/dev/null); rc=$?
check "checkout refuses while containers run" equals "$rc" 1
check "  ...naming the container" contains "$err" "dvol: container c1 is using web, please stop it before switching branches."
err=$(dvol reset --hard HEAD web 2>&1 >/dev/null)
check "reset refuses while containers run" contains "$err" "dvol: container c1 is using web, please stop it before resetting."
err=$(dvol rm -f web 2>&1 >/dev/null)
check "rm refuses while containers run" contains "$err" "container c1 is using web"
check "  ...and the volume is still there" test -f "$(dvol path web)/greeting"
out=$(dvol checkout -b feature --restart-containers web)
check "checkout --restart-containers switches" contains "$out" "Switched to branch feature based from web master@HEAD."
check "  ...and restarts both" contains "$out" $'Restarted container c1.\nRestarted container c2.'
echo feature-only >"$(dvol path web)/branch-marker"
check "  ...the restarted container writes to the new branch" equals "$("$docker" exec c1 cat /data/branch-marker)" feature-only
dvol commit -m marker web >/dev/null
out=$(dvol checkout master --restart-containers web)
check "checkout master --restart-containers" contains "$out" "Restarted container c2."
check "  ...the container is back on master" bash -c "! $docker exec c2 test -e /data/branch-marker"
check "  ...both are running" equals "$(engine_get '/containers/json' | grep -o '"Names":\["/c[12]"\]' | sort | tr -d '\n')" \
  '"Names":["/c1"]"Names":["/c2"]'

# ---- the plugin restarts while containers hold the volume: counts rebuilt ----
section "plugin restart"
kill -TERM "$plugin_pid"; wait "$plugin_pid"; rc=$?
check "SIGTERM stops the plugin cleanly" equals "$rc" 0
check "  ...and removes its socket" test ! -e "$socket"
start_plugin
check "mount counts are rebuilt from what containers really hold" \
  contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Mounts":2'
dvol plugin >/dev/null 2>"$DVOL_TEST_STATE/second.err"; rc=$?
check "a second plugin on the same socket is refused" contains "$(cat "$DVOL_TEST_STATE/second.err")" "already serving"
"$docker" rm -f c1 c2 >/dev/null

# ---- Mount brings the branch back when it is not mounted (as after a reboot) ----
section "mount after unmount"
umount "$(dvol path web)"
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox cat /data/greeting)
check "Mount mounts the checked-out branch first when it is not mounted" equals "$out" hello

# ---- systemd socket activation: the plugin serves the socket it is given ----
section "socket activation"
kill -TERM "$plugin_pid"; wait "$plugin_pid"
# systemd-socket-activate passes no environment: the root goes as an option.
systemd-socket-activate -l "$socket" "$dvol_bin" --root "$DVOL_ROOT" plugin >>"$plugin_log" 2>&1 &
plugin_pid=$!
for _ in $(seq 50); do [[ -S $socket ]] && break; sleep 0.1; done
check "a socket-activated plugin answers" contains "$(plugin_call VolumeDriver.Get '{"Name":"web"}')" '"Branch":"master"'
kill -TERM "$plugin_pid"; wait "$plugin_pid"
start_plugin

# ---- dvol rm, then docker run recreates the volume ----
section "rm and recreate"
dvol rm -f web >/dev/null
out=$(run --rm --volume-driver dvol -v web:/data dvol-test/busybox sh -c 'ls /data')
check "docker run after dvol rm recreates an empty volume" equals "$out" "lost+found"
"$docker" volume rm web >/dev/null
check "docker volume rm leaves dvol's data (volumes outlive Docker's references)" contains "$(dvol list)" " web "

# ---- the vision's walkthrough with a real PostgreSQL server in a container ----
section postgres
dvol init --size 2G pg >/dev/null
pgdata=$(dvol path pg)/pgdata
mkdir "$pgdata" && chown "$pg_uid:$pg_gid" "$pgdata" && chmod 700 "$pgdata"
pg_run() { run --user "$pg_uid:$pg_gid" -v /usr:/usr:ro --volume-driver dvol -v pg:/data "$@"; }
pg_run --rm dvol-test/pg /usr/lib/postgresql/15/bin/initdb -D /data/pgdata -U postgres -A trust --locale=C -E UTF8 >/dev/null
# No background writes between our statements: an idle database changes nothing on disk. At
# the default wal_level (replica), the background writer also logs the running transactions to
# the WAL within 15 s of any WAL write, a checkpoint's included: on a slow machine that lands
# between a commit and the next checkout, which is then rightly refused (uncommitted changes).
pg_options=(-c listen_addresses=127.0.0.1 -p 55432 -c unix_socket_directories=/tmp -c autovacuum=off
  -c checkpoint_timeout=1h -c bgwriter_lru_maxpages=0 -c wal_level=minimal -c max_wal_senders=0 -c fsync=on)
pg_run -d --name db dvol-test/pg /usr/lib/postgresql/15/bin/postgres -D /data/pgdata "${pg_options[@]}" >/dev/null
psql() { command psql -h 127.0.0.1 -p 55432 -U postgres -d postgres -X -q -t -A "$@"; }
wait_db() {
  local deadline=$((SECONDS + 40))
  while ((SECONDS < deadline)); do psql -c 'select 1' >/dev/null 2>&1 && return 0; sleep 0.3; done
  echo "  the database did not come up; its log:"; "$docker" logs --tail 15 db 2>&1 | sed 's/^/  /'; return 1
}
check "PostgreSQL runs in a container on the dvol volume" wait_db
psql -c "create table users (id int primary key, name text); insert into users select g, 'user ' || g from generate_series(1, 20000) g;"
psql -c "checkpoint"
dvol commit -m "base schema and users" pg >/dev/null
err=$(dvol checkout -b add-index pg 2>&1 >/dev/null)
check "walkthrough: checkout -b refused while the database runs" contains "$err" "container db is using pg"
check "walkthrough: checkout -b --restart-containers" dvol checkout -b add-index --restart-containers pg
check "  ...the database is back" wait_db
psql -c "create index users_name on users (name); delete from users where id > 15000;"
check "  ...the index exists on add-index" equals "$(psql -c "select count(*) from pg_indexes where indexname = 'users_name'")" 1
# Even a read can write (page pruning goes to the WAL): checkpoint, then commit, then switch.
psql -c "checkpoint"
dvol commit -m "index on name, fewer users" pg >/dev/null
check "walkthrough: checkout master --restart-containers" dvol checkout master --restart-containers pg
check "  ...the database is back" wait_db
check "  ...the running database no longer has the index" \
  equals "$(psql -c "select count(*) from pg_indexes where indexname = 'users_name'")" 0
check "  ...and has all its rows again" equals "$(psql -c 'select count(*) from users')" 20000
psql -c "drop table users; checkpoint;"
check "  ...a dropped table" bash -c "! psql -h 127.0.0.1 -p 55432 -U postgres -X -q -t -A -c 'select 1 from users' >/dev/null 2>&1"
check "walkthrough: reset --hard HEAD --restart-containers" dvol reset --hard HEAD --restart-containers pg
check "  ...the database is back" wait_db
check "  ...the table is back" equals "$(psql -c 'select count(*) from users')" 20000
# PostgreSQL's crash recovery at start wrote to master since its commit: --force keeps that on master.
check "walkthrough: checkout add-index, reset --hard HEAD^" dvol checkout add-index --force --restart-containers pg
check "  ...reset back to the base commit" dvol reset --hard HEAD^ --restart-containers pg
check "  ...the database is back" wait_db
check "  ...without the index" equals "$(psql -c "select count(*) from pg_indexes where indexname = 'users_name'")" 0
check "list shows the database container" matches "$(dvol list)" ' pg .* db$'
"$docker" rm -f db >/dev/null

section done
kill -TERM "$plugin_pid" 2>/dev/null; wait "$plugin_pid" 2>/dev/null
echo "$passed passed, $failures failed ($SECONDS s)"
if ((failures)); then echo "--- plugin log"; tail -n 60 "$plugin_log"; exit 1; fi
