#!/bin/sh
# rock-check.sh: prove the rockspec installs offline. Copies the source tree (without build
# output) to a temporary folder, runs `luarocks --lua-version=5.4 make` into a temporary rocks
# tree, then requires harmonium from a plain lua5.4 and multiplies two tensors.
set -eu
command -v luarocks >/dev/null 2>&1 || sh tools/ensure-packages.sh luarocks
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
# tracked files plus files not yet committed (when run from a work tree), no build output
git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -cf - -T - 2>/dev/null | (cd "$tmp/src" && tar xf -)
cd "$tmp/src"
luarocks --lua-version=5.4 --tree "$tmp/tree" make harmonium-scm-1.rockspec >"$tmp/luarocks.log" 2>&1 || {
  cat "$tmp/luarocks.log"; echo "rock-check: luarocks make failed" >&2; exit 1; }
cd "$tmp"
eval "$(luarocks --lua-version=5.4 --tree "$tmp/tree" path)"
lua5.4 -e '
local hm = require "harmonium"
local a = hm.Tensor({{1, 2}, {3, 4}})
local c = hm.mm(a, a)
assert(c[1][1] == 7 and c[1][2] == 10 and c[2][1] == 15 and c[2][2] == 22, "wrong product")
print("rock-check: installed harmonium multiplies tensors:", c[2][2])
'
"$tmp/tree/bin/harmonium" -e 'assert(hm.Tensor(2, 2):fill(1):sum() == 4); print("rock-check: installed bin/harmonium runs")'
