#!/usr/bin/env bash
# The seed's walkthrough (README, "Docker"), played as a user plays it, inside the test kernel
# (one boot): the real docker-compose with the seed's compose file format, and real database
# servers initialising their data directory at the volume's root at their default settings,
# as the official images do: (a) MariaDB, (b) PostgreSQL.
#   tests/docker/walkthrough_test.sh DVOL_BINARY     (from ctest: boots the kernel with --docker)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dvol_bin=$(realpath "$1")

if [[ ${DVOL_IN_TEST_KERNEL:-} != 1 ]]; then
  exec "$here/../../scripts/uml-run" --docker --mem 2G --timeout 1700 -- "$0" "$dvol_bin"
fi
. "$here/common.sh"

section images
dir=$(host_rootfs mariadb "$here/images/mariadb-entrypoint.sh" 'mysql:x:999:999::/nonexistent:/bin/false')
mkdir -p "$dir/etc/mysql" && cp "$here/images/mariadb.cnf" "$dir/etc/mysql/my.cnf"
import_image "$dir" dvol-test/mariadb
dir=$(host_rootfs postgres "$here/images/postgres-entrypoint.sh" 'postgres:x:999:999::/var/lib/postgresql:/bin/sh')
import_image "$dir" dvol-test/postgres
start_plugin

# compose_file SERVICE IMAGE VOLUME MOUNTPOINT: the seed's format (version 1: services at the
# top, volume_driver). `net: host`: the test kernel's dockerd runs without a bridge network.
# GLIBC_TUNABLES crosses over from uml-run (hosts whose AVX-512 registers the test kernel
# cannot keep). /usr: the host's servers (see host_rootfs).
compose_file() {
  cat <<YML
$1:
  image: $2
  volume_driver: dvol
  volumes:
    - $3:$4
    - /usr:/usr:ro
  net: host
  environment:
    - GLIBC_TUNABLES
YML
}
compose() { (cd "$project" && docker-compose "$@" 2>&1); }

# wait_sql: until the database answers (its first start initialises it), at most 3 minutes.
wait_sql() {
  local deadline=$((SECONDS + 180))
  while ((SECONDS < deadline)); do sql 'select 1' >/dev/null 2>&1 && return 0; sleep 1; done
  echo "  the database did not come up; its log:"; "$docker" logs --tail 20 "$container" 2>&1 | sed 's/^/  /'; return 1
}

# wait_for_own_writes: a running database writes after a commit taken under it (its
# checkpoints and background flushes), as the seed's `dvol diff` shows; wait for them.
wait_for_own_writes() {
  local deadline=$((SECONDS + 120)) out
  while ((SECONDS < deadline)); do
    out=$(dvol diff "$volume" | head -n 1)
    [[ $out == "0 bytes have changed"* ]] || { echo "$out"; return 0; }
    sleep 2
  done
  echo "$out"
}

log_entry() {  # log_entry ID MESSAGE: one entry of dvol log, Date line aside
  printf 'commit %s\nAuthor: %s\n\n    %s\n\n' "$1" "$author" "$2"
}
log_without_dates() { dvol log "$volume" | grep -v '^Date:   '; }

# walkthrough NAME: plays every step of the seed's transcript with sql(), the schema and the
# index statement of the database at hand.
walkthrough() {
  section "$1: init, up, list"
  check "$1: dvol init" equals "$(dvol init "$volume")" "Created empty volume $volume."
  check "$1: the new volume's directory is empty" equals "$(ls -A "$(dvol path "$volume")")" ""
  mkdir -p "$project"
  compose_file "$service" "$image" "$volume" "$mountpoint" >"$project/docker-compose.yml"
  check "$1: docker-compose up -d" compose up -d
  check "$1: the database initialised its data directory at the volume root and runs" wait_sql
  check "$1: dvol list shows the volume, its branch and container" \
    matches "$(dvol list)" "^\* $volume +[0-9.]+[KMG] +1 +master +$container\$"

  section "$1: import a schema, commit, log, diff"
  check "$1: import base schema" sql "$schema"
  local base
  base=$(dvol commit -m "import base schema" "$volume")
  check "$1: dvol commit prints the id" matches "$base" '^[0-9a-f]{40}$'
  check "$1: dvol log" equals "$(log_without_dates)" "$(log_entry "$base" "import base schema")"
  local first
  first=$(wait_for_own_writes)
  check "$1: dvol diff shows what the running database wrote since" \
    matches "$first" '^[0-9.]+[KMG] has changed between "import base schema" and latest uncommitted changes\.$'
  check "$1: dvol diff -v names the database's own files" matches "$(dvol diff -v "$volume")" "^  [MAm] +[0-9.]+[KMGB]+  $own_file"
  local err
  err=$(dvol checkout -b schema-tweaks "$volume" 2>&1)
  check "$1: checkout -b refused: uncommitted changes" equals "$(head -n 1 <<<"$err")" \
    "dvol: volume $volume has uncommitted changes. Please commit these before switching branches."
  err=$(dvol reset --hard HEAD "$volume" 2>&1)
  check "$1: reset refused while the database runs" equals "$(head -n 1 <<<"$err")" \
    "dvol: container $container is using $volume, please stop it before resetting."

  section "$1: rm, reset, checkout -b, up, add an index, commit"
  # `rm -sf`: docker-compose 1.29's `rm -f` removes stopped containers only; -s stops first.
  check "$1: docker-compose rm -sf" compose rm -sf
  check "$1: reset --hard HEAD" equals "$(dvol reset --hard HEAD "$volume")" "Resetting $volume to latest commit... done."
  check "$1: nothing has changed after the reset" \
    equals "$(dvol diff "$volume" | head -n 1)" '0 bytes have changed between "import base schema" and latest uncommitted changes.'
  check "$1: checkout -b schema-tweaks" equals "$(dvol checkout -b schema-tweaks "$volume")" \
    "Switched to branch schema-tweaks based from $volume master@HEAD."
  check "$1: docker-compose up -d on schema-tweaks" compose up -d
  check "$1: the database recovers from the commit and runs" wait_sql
  check "$1: add an index" sql "$add_index"
  check "$1: the index is there" equals "$(sql "$count_index")" 1
  local tweak
  tweak=$(dvol commit -m "experiment with adding indexes to users table" "$volume")
  check "$1: dvol log shows both commits, newest first" equals "$(log_without_dates)" \
    "$(log_entry "$tweak" "experiment with adding indexes to users table")"$'\n\n'"$(log_entry "$base" "import base schema")"

  section "$1: rm, checkout master, log, up"
  check "$1: docker-compose rm -sf" compose rm -sf
  # The database wrote on shutdown, after the last commit: the changes stay on schema-tweaks.
  check "$1: checkout master switches" equals "$(dvol checkout master "$volume")" \
    "Switched to branch master."$'\n'"Branch schema-tweaks keeps its uncommitted changes."
  check "$1: dvol log on master" equals "$(log_without_dates)" "$(log_entry "$base" "import base schema")"
  check "$1: docker-compose up -d on master" compose up -d
  check "$1: the database runs on master" wait_sql
  check "$1: the index is gone" equals "$(sql "$count_index")" 0
  check "$1: the rows are there" equals "$(sql "$count_rows")" 20000
  check "$1: docker-compose rm -sf" compose rm -sf
  check "$1: checkout schema-tweaks again" \
    equals "$(dvol checkout schema-tweaks "$volume" | head -n 1)" "Switched to branch schema-tweaks."
  check "$1: docker-compose up -d on schema-tweaks" compose up -d
  check "$1: the database runs on schema-tweaks, from its own shutdown state" wait_sql
  check "$1: ...with the index" equals "$(sql "$count_index")" 1
  compose rm -sf >/dev/null
}

# ---- (a) MariaDB: the seed's HybridCP/mysql ----
# By a user with no git identity and no `dvol config`: commits get git's own fallback. (HOME is
# an empty directory so that the identity of whoever runs the tests does not leak in.)
mkdir -p "$DVOL_TEST_STATE/home"
export HOME=$DVOL_TEST_STATE/home
author="root <root@$(hostname)>"
project=$DVOL_TEST_STATE/HybridCP service=mysql image=dvol-test/mariadb
volume=HybridCP/mysql mountpoint=/var/lib/mysql container=hybridcp_mysql_1 own_file='ib_logfile0|ibdata1|aria_log'
sql() { "$docker" exec -i "$container" mariadb --batch --skip-column-names -e "$1"; }
schema="create database if not exists app; use app;
  create table users (id int primary key, name varchar(64));
  insert into users select seq, concat('user ', seq) from seq_1_to_20000;"
add_index="alter table app.users add index blah (name)"
count_index="select count(*) from information_schema.statistics where table_schema = 'app' and index_name = 'blah'"
count_rows="select count(*) from app.users"
walkthrough mariadb

# ---- (b) PostgreSQL: initdb directly on the mount point ----
# By the seed's author, configured as the seed's transcript shows him.
dvol config user.name "Luke Marsden" && dvol config user.email luke@clusterhq.com
author="Luke Marsden <luke@clusterhq.com>"
project=$DVOL_TEST_STATE/Shop service=postgres image=dvol-test/postgres
volume=Shop/postgres mountpoint=/var/lib/postgresql/data container=shop_postgres_1 own_file='pg_wal/|base/|global/'
sql() { "$docker" exec -i -u postgres "$container" /usr/lib/postgresql/15/bin/psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
schema="create table users (id int primary key, name text);
  insert into users select g, 'user ' || g from generate_series(1, 20000) g;"
add_index="create index blah on users (name)"
count_index="select count(*) from pg_indexes where indexname = 'blah'"
count_rows="select count(*) from users"
walkthrough postgres

section done
kill -TERM "$plugin_pid" 2>/dev/null; wait "$plugin_pid" 2>/dev/null
echo "$passed passed, $failures failed ($SECONDS s)"
if ((failures)); then echo "--- plugin log"; tail -n 60 "$plugin_log"; exit 1; fi
