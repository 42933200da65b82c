#!/bin/sh
# What the official postgres image's entrypoint does, with the host's PostgreSQL: initdb right
# at the volume's mount point (PGDATA) when it holds no database yet, then run the server as
# postgres, at its default settings (listening on all addresses, as the image does).
set -e
bin=/usr/lib/postgresql/15/bin
export PGDATA=/var/lib/postgresql/data
mkdir -p /var/run/postgresql
chown postgres:postgres /var/run/postgresql "$PGDATA"
chmod 700 "$PGDATA"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  # The official image asks for a password or POSTGRES_HOST_AUTH_METHOD=trust; trust here.
  as_postgres "$bin/initdb" --username=postgres --auth=trust >/dev/null
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -c listen_addresses='*'
