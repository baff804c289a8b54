#!/bin/sh
# Installs HPM's standalone binary for this machine from a GitHub release,
# after checking it against the release's SHA256SUMS; no sudo.
#
#   curl -fsSL https://github.com/hpm-cli/hpm/releases/latest/download/install.sh | sh
#
# HPM_VERSION       the release to install (0.1.0 or v0.1.0); default: the latest
# HPM_INSTALL_DIR   where `hpm` goes; default: ~/.local/bin
# HPM_RELEASES_URL  where releases are; default: https://github.com/hpm-cli/hpm/releases
#
# A binary whose checksum differs from SHA256SUMS, or that SHA256SUMS does not
# list, is refused and nothing is installed. Python users can have HPM without
# this: `uv tool install hpm-cli`.
set -eu

releases=${HPM_RELEASES_URL:-https://github.com/hpm-cli/hpm/releases}
dir=${HPM_INSTALL_DIR:-${HOME:?HOME is not set}/.local/bin}

fail() {
  printf 'error: %s\n' "$1" >&2
  [ -z "${2:-}" ] || printf 'hint: %s\n' "$2" >&2
  exit 1
}

case $(uname -s) in
  Linux) os=unknown-linux-gnu ;;
  Darwin) os=apple-darwin ;;
  *) fail "no HPM binary for $(uname -s)" "on Windows, \`uv tool install hpm-cli\`, or download hpm-x86_64-pc-windows-msvc.exe from the release" ;;
esac
case $(uname -m) in
  x86_64 | amd64) arch=x86_64 ;;
  arm64 | aarch64) arch=aarch64 ;;
  *) fail "no HPM binary for $(uname -m)" "\`uv tool install hpm-cli\` works wherever PyPI's deno does" ;;
esac
asset=hpm-$arch-$os

case ${HPM_VERSION:-} in
  '') base=$releases/latest/download ;;
  v*) base=$releases/download/$HPM_VERSION ;;
  *) base=$releases/download/v$HPM_VERSION ;;
esac

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  fail "neither curl nor wget is installed" "install one of them"
fi
if command -v sha256sum >/dev/null 2>&1; then
  digest() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  digest() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  fail "neither sha256sum nor shasum is installed" "install coreutils"
fi

tmp=$(mktemp -d)
staged=$dir/.hpm.$$
trap 'rm -rf "$tmp" "$staged"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

hint="check that release ${HPM_VERSION:-latest} exists at $releases (HPM_VERSION picks one)"
fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $base/SHA256SUMS" "$hint"
fetch "$base/$asset" "$tmp/$asset" || fail "could not download $base/$asset" "$hint"

# `sha256sum` writes "<hash>  <file>" (a `*` before the name in binary mode).
expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS lists no $asset: refusing an unchecked binary" \
  "check the release at $base"
actual=$(digest "$tmp/$asset")
[ "$actual" = "$expected" ] || fail "$asset does not match SHA256SUMS (got $actual, want $expected): refusing it" \
  "download again; if it persists, report it: the file may have been tampered with"

# Beside its place first (a temporary folder may forbid running programs), to
# see that it runs here; then into place in one rename, so a running `hpm`
# never sees half a file.
mkdir -p "$dir"
cp "$tmp/$asset" "$staged"
chmod 755 "$staged"
version=$("$staged" --version) || fail "$asset does not run on this machine" \
  "\`uv tool install hpm-cli\` works wherever PyPI's deno does"
mv -f "$staged" "$dir/hpm"
printf 'installed hpm %s to %s\n' "$version" "$dir/hpm"
case :${PATH:-}: in
  *:"$dir":*) ;;
  *) printf 'hint: %s is not on PATH; add it: export PATH="%s:%s"\n' "$dir" "$dir" "\$PATH" ;;
esac
