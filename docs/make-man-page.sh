#!/usr/bin/env bash
# Makes the man page dvol(1) from docs/cli.md with go-md2man:
#   docs/make-man-page.sh CLI_MD VERSION OUT
set -euo pipefail
cli_md=$1 version=$2 out=$3
{
  printf '%% DVOL 1 "" "dvol %s" "User Commands"\n\n' "$version"
  printf '# NAME\n\ndvol - git for the data volumes of development databases\n\n'
  printf '# SYNOPSIS\n\n**dvol** [*global options*] *COMMAND* [*options*] [*arguments*]\n\n'
  printf '# DESCRIPTION\n\n'
  printf 'dvol commits, branches, diffs and resets the data volume of a database running in Docker,\n'
  printf 'instantly whatever its size: each volume is a device-mapper thin pool, each branch a thin\n'
  printf 'device with a filesystem mounted at a stable path, each commit a thin snapshot.\n\n'
  # The page itself, without its title and the paragraph that points at the other pages.
  awk 'NR == 1 && /^# / { skip = 1; next } skip && /^## / { skip = 0 } !skip' "$cli_md"
  printf '\n# SEE ALSO\n\n**docker**(1), **dmsetup**(8), **thin_ls**(8)\n'
} | go-md2man > "$out"
