#!/usr/bin/env bash
# The layering rule of docs/style.md, checked: dm/ and io/ never include src/, cli/ or
# plugin/; cli/ and plugin/ never include dm/ or io/ (they go through src/); src/ headers
# never mention CLI11 or terminal formatting.
cd "$(dirname "$0")/.." || exit 1
bad=0
report() { echo "layering: $1"; bad=1; }
while IFS= read -r hit; do report "$hit"; done < <(grep -nE '#include "(src|cli|plugin)/' dm/* io/* 2>/dev/null)
while IFS= read -r hit; do report "$hit"; done < <(grep -rnE '#include "(dm|io)/' cli plugin 2>/dev/null)
while IFS= read -r hit; do report "$hit"; done < <(grep -nE '#include <CLI/' src/*.h src/*/*.h 2>/dev/null)
if ((bad)); then echo "1 failed"; exit 1; fi
echo "layering ok"
