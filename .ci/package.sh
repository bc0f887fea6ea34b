#!/usr/bin/env bash
# Packs one release archive, as .github/workflows/release.yml publishes it and
# as cargo binstall ([package.metadata.binstall] in Cargo.toml) and the GitHub
# Action (action/run.sh) fetch it:
#
#   clickup-preflight-TAG-TARGET.tar.gz   (.zip for Windows targets)
#     clickup-preflight-TAG-TARGET/clickup-preflight[.exe]
#     clickup-preflight-TAG-TARGET/{README.md,CHANGELOG.md,LICENSE-MIT,LICENSE-APACHE}
#   clickup-preflight-TAG-TARGET.tar.gz.sha256   ("HASH  NAME", for sha256sum -c)
#
# Usage: package.sh TAG TARGET BINARY OUTDIR   (TAG as the git tag: v0.1.0)
#        package.sh --names TAG TARGET         (prints the archive's name and the
#                                               binary's path inside it; packs nothing)
set -euo pipefail

names_only=false
if [ "${1:-}" = "--names" ]; then
  names_only=true
  shift
fi
tag=${1:?usage: package.sh TAG TARGET BINARY OUTDIR}
target=${2:?usage: package.sh TAG TARGET BINARY OUTDIR}
# A version tag only (vMAJOR.MINOR.PATCH, optionally -PRERELEASE and +BUILD,
# as Cargo versions are; action/run.sh accepts the same): the tag becomes
# file and directory names here and a URL path in the Action, so a `/`, a
# quote or a `:` that git allows in a tag must not reach them.
if ! [[ $tag =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?(\+[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?$ ]]; then
  printf 'package.sh: the tag must be a version such as v1.2.3 or v1.2.3-rc.1, got %q\n' "$tag" >&2
  exit 2
fi

dir="clickup-preflight-${tag}-${target}"
case "$target" in
  *-windows-*) archive="$dir.zip" exe=".exe" ;;
  *) archive="$dir.tar.gz" exe="" ;;
esac
if $names_only; then
  printf '%s\n%s\n' "$archive" "$dir/clickup-preflight$exe"
  exit 0
fi

binary=${3:?usage: package.sh TAG TARGET BINARY OUTDIR}
out=${4:?usage: package.sh TAG TARGET BINARY OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$binary" ] || { echo "package.sh: no binary at $binary" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$dir"
cp "$binary" "$stage/$dir/clickup-preflight$exe"
chmod 755 "$stage/$dir/clickup-preflight$exe"
for doc in README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
  cp "$root/$doc" "$stage/$dir/"
done

rm -f "$out/$archive" "$out/$archive.sha256"
case "$archive" in
  *.zip)
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bd -bso0 "$out/$archive" "$dir")
    elif command -v zip >/dev/null 2>&1; then
      (cd "$stage" && zip -qr "$out/$archive" "$dir")
    else
      echo "package.sh: a .zip needs 7z or zip" >&2
      exit 2
    fi
    ;;
  *) tar -C "$stage" -czf "$out/$archive" "$dir" ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  (cd "$out" && sha256sum "$archive" > "$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" > "$archive.sha256")
fi
echo "$out/$archive"
