#!/bin/sh
# What the official mariadb image's entrypoint does, with the host's MariaDB: initialise the
# data directory right at the volume's mount point when it holds no database yet, then run
# the server as mysql, at its default settings.
set -e
datadir=/var/lib/mysql
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"
if [ ! -d "$datadir/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$datadir" >/dev/null
fi
exec mariadbd --user=mysql --datadir="$datadir"
