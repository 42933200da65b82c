#!/usr/bin/env bash
# completion_test.sh DVOL_DIR: the bash completion (cli/dvol.bash-completion) offers every
# command `dvol --help` lists, its alias, and each command's own options.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export PATH=$1:$PATH
. "$top/cli/dvol.bash-completion"
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _dvol; echo "${COMPREPLY[*]}"; }
bad=0
offered=" $(complete_words dvol '') "
commands=$(dvol --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { sub(/,/, "", $1); print $1 }')
for c in $commands ls; do [[ $offered == *" $c "* ]] || { echo "dvol <TAB> lacks $c: $offered"; bad=1; }; done
[[ $(complete_words dvol commit --dr) == "--dry-run" ]] || { echo "dvol commit --dr<TAB> is not --dry-run"; bad=1; }
[[ $(complete_words dvol --root /x checkout -) == *"--force"* ]] || { echo "dvol --root /x checkout -<TAB> lacks --force"; bad=1; }
((bad)) && exit 1
echo "completion: $(wc -w <<<"$commands") commands and their options"
