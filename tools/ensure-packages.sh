#!/bin/sh
# ensure-packages.sh PKG...: install the Debian packages that are missing.
# As root it runs apt-get (updating the package lists first); otherwise it prints the exact
# command to run and fails, so `make` stops with a clear message instead of a compiler error.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "harmonium: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || { echo "apt-get update failed" >&2; exit 1; }
  apt-get install -y -q --no-install-recommends $missing || exit 1
else
  echo "harmonium: missing Debian packages:$missing" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
