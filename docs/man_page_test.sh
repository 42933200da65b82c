#!/usr/bin/env bash
# man_page_test.sh CLI_MD MAN_PAGE: the page is a section-1 man page holding every command of the
# reference (each "### `dvol ...`" heading of docs/cli.md).
set -uo pipefail
cli_md=$1 page=$2
grep -q '^\.TH DVOL 1' "$page" || { echo "$page has no .TH DVOL 1"; exit 1; }
bad=0 n=0
while IFS= read -r command; do
  n=$((n + 1))
  # go-md2man escapes '-' as '\-' in the page.
  grep -qF -- "${command//-/\\-}" "$page" || { echo "the man page lacks: $command"; bad=1; }
done < <(sed -n 's/^### `\(dvol [a-z]*\).*/\1/p' "$cli_md" | sort -u)
((n > 10)) || { echo "only $n commands found in $cli_md"; exit 1; }
((bad)) && exit 1
echo "man page: $n commands"
