#!/usr/bin/env bash
# The shell side of the GitHub Action (action.yml): `run.sh install` puts a
# clickup-preflight binary in place, `run.sh check` runs it and reports.
# tests/suite/action.rs runs both with fake GITHUB_OUTPUT and GITHUB_STEP_SUMMARY
# files, against the sandbox.
#
# install reads:
#   INPUT_VERSION            release tag (v1.2.3); empty: the action's own ref
#                            when it is a version tag, else the latest release
#   INPUT_BUILD_FROM_SOURCE  true: cargo build --release from the action's checkout
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_ENV, GITHUB_PATH (set by the runner)
#   ACTION_REPOSITORY, ACTION_REF (github.action_repository, github.action_ref)
#   CLICKUP_PREFLIGHT_BIN    an existing binary to use instead (nothing installed)
#   CLICKUP_PREFLIGHT_RELEASES  base URL of the release downloads
#                            [default: https://github.com/$ACTION_REPOSITORY/releases/download]
# check reads:
#   INPUT_ARGS      more arguments for `check`, split on spaces and line breaks (no quoting)
#   INPUT_FAIL_ON   fail | warn | never
#   INPUT_CONFIG    a checks.toml path
#   INPUT_TOKEN     the ClickUp token; empty keeps a CLICKUP_API_TOKEN the job sets
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
# and writes the outputs `status` (pass, warn, fail, error or skip: the
# report's overall status; error when the run could not start) and
# `exit-code` (check's), then exits with check's exit code, so the step
# fails as --fail-on says.

# The token input is in this script's environment: an xtrace the job turned
# on (SHELLOPTS=xtrace, bash -x) would print it with every line that reads it.
set +x
set -euo pipefail

action_root=$(cd "$(dirname "$0")/.." && pwd)

# An annotation, and the step fails. The message is a workflow command's
# data: %, CR and LF escaped, so that a value quoted in it cannot end the
# annotation and start a command of its own on the next line.
die() {
  local message="$*"
  message=${message//'%'/%25}
  message=${message//$'\r'/%0D}
  message=${message//$'\n'/%0A}
  echo "::error title=clickup-preflight::$message" >&2
  exit 2
}

# Whether $1 is a release tag: vMAJOR.MINOR.PATCH, optionally -PRERELEASE
# and +BUILD, as Cargo versions are (.ci/package.sh refuses anything else).
is_release_tag() {
  [[ $1 =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?(\+[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?$ ]]
}

# The Rust target of the release binary for this runner.
release_target() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) die "no release binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}: set build-from-source: true" ;;
  esac
}

# The release tag to install.
release_tag() {
  if [ -n "${INPUT_VERSION:-}" ]; then
    local tag="v${INPUT_VERSION#v}"
    is_release_tag "$tag" || die "version: expected a release tag such as v0.1.0, got '$INPUT_VERSION'"
    echo "$tag"
    return
  fi
  if is_release_tag "${ACTION_REF:-}"; then
    echo "$ACTION_REF"
    return
  fi
  [ -n "${ACTION_REPOSITORY:-}" ] || die "version: not given, and the action's repository is unknown"
  local api="${GITHUB_API_URL:-https://api.github.com}/repos/$ACTION_REPOSITORY/releases/latest"
  local auth=()
  [ -z "${GH_TOKEN:-}" ] || auth=(-H "Authorization: Bearer $GH_TOKEN")
  local tag
  tag=$(curl -fsSL --retry 3 ${auth[@]+"${auth[@]}"} "$api" | sed -n 's/^ *"tag_name": *"\([^"]*\)".*/\1/p' | head -n 1) ||
    die "version: cannot read the latest release from $api; set version"
  is_release_tag "$tag" || die "version: no release found at $api (latest: '$tag'); set version"
  echo "$tag"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# Downloads the release archive for this runner, verifies its SHA-256
# against the .sha256 published beside it, and unpacks the binary.
install_release() {
  local tag target names archive inner base work
  # A function's die() ends only its own $(...): bash runs command
  # substitutions without -e, so each failure is passed on by hand.
  tag=$(release_tag) || exit
  target=$(release_target) || exit
  names=$(bash "$action_root/.ci/package.sh" --names "$tag" "$target") || exit
  archive=$(echo "$names" | sed -n 1p)
  inner=$(echo "$names" | sed -n 2p)
  base=${CLICKUP_PREFLIGHT_RELEASES:-https://github.com/${ACTION_REPOSITORY:?}/releases/download}
  work="${RUNNER_TEMP:?}/clickup-preflight-install"
  rm -rf "$work"
  mkdir -p "$work"
  echo "clickup-preflight: downloading $archive ($tag)" >&2
  curl -fsSL --retry 3 -o "$work/$archive" "$base/$tag/$archive" || die "cannot download $base/$tag/$archive"
  curl -fsSL --retry 3 -o "$work/$archive.sha256" "$base/$tag/$archive.sha256" ||
    die "cannot download $base/$tag/$archive.sha256"
  local expected named actual
  read -r expected named < "$work/$archive.sha256" || true
  actual=$(sha256_of "$work/$archive")
  if [ "$named" != "$archive" ] || [ "$expected" != "$actual" ]; then
    rm -f "$work/$archive"
    die "$archive does not match its published SHA-256 (expected ${expected:-nothing}, got $actual): not installed"
  fi
  case "$archive" in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        (cd "$work" && unzip -q "$archive")
      else
        (cd "$work" && 7z x -bd -bso0 "$archive")
      fi
      ;;
    *) tar -C "$work" -xzf "$work/$archive" ;;
  esac
  [ -f "$work/$inner" ] || die "$archive holds no $inner"
  chmod +x "$work/$inner" 2>/dev/null || true
  echo "$work/$inner"
}

# Builds the binary from the action's own checkout.
build_from_source() {
  local target_dir="${RUNNER_TEMP:?}/clickup-preflight-target"
  echo "clickup-preflight: building from source (cargo build --release)" >&2
  cargo build --release --locked --manifest-path "$action_root/Cargo.toml" --target-dir "$target_dir" >&2 ||
    die "cargo build failed"
  local exe=""
  [ "${RUNNER_OS:-}" != "Windows" ] || exe=".exe"
  echo "$target_dir/release/clickup-preflight$exe"
}

cmd_install() {
  local bin
  if [ -n "${CLICKUP_PREFLIGHT_BIN:-}" ]; then
    bin=$CLICKUP_PREFLIGHT_BIN
    [ -x "$bin" ] || die "CLICKUP_PREFLIGHT_BIN=$bin is not an executable file"
  elif [ "${INPUT_BUILD_FROM_SOURCE:-false}" = "true" ]; then
    bin=$(build_from_source)
  else
    bin=$(install_release)
  fi
  "$bin" --version >&2 || die "$bin does not run on this runner"
  [ -z "${GITHUB_ENV:-}" ] || echo "CLICKUP_PREFLIGHT_BIN=$bin" >> "$GITHUB_ENV"
  [ -z "${GITHUB_PATH:-}" ] || dirname "$bin" >> "$GITHUB_PATH"
  echo "$bin"
}

# The overall status in the JSON report: its top-level "status" (the only
# key at two spaces of indentation with that name).
report_status() {
  [ -f "$1" ] || return 0
  sed -n 's/^  "status": "\([a-z]*\)",\{0,1\}$/\1/p' "$1" | head -n 1
}

output() {
  [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1=$2" >> "$GITHUB_OUTPUT"
}

cmd_check() {
  local bin=${CLICKUP_PREFLIGHT_BIN:-clickup-preflight}
  if [ -n "${INPUT_TOKEN:-}" ]; then
    export CLICKUP_API_TOKEN="$INPUT_TOKEN"
  fi
  local work="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/clickup-preflight-report"
  rm -rf "$work"
  mkdir -p "$work"
  # NAME=VALUE, so that a value starting with `-` is still the value.
  local argv=(check "--fail-on=${INPUT_FAIL_ON:-fail}" --no-color)
  [ -z "${INPUT_CONFIG:-}" ] || argv+=("--config=$INPUT_CONFIG")
  # Every line of the input (`args: |` writes one per line), split on
  # whitespace; words, never evaluated or globbed.
  local extra=()
  read -r -d '' -a extra <<< "${INPUT_ARGS:-}" || true
  argv+=(${extra[@]+"${extra[@]}"})
  argv+=(--output "json=$work/report.json" --output "markdown=$work/summary.md")

  # The summary is appended below, once, whatever format the args ask for.
  local code=0
  GITHUB_STEP_SUMMARY="" "$bin" "${argv[@]}" || code=$?

  local status
  status=$(report_status "$work/report.json")
  [ -n "$status" ] || status=error
  output status "$status"
  output exit-code "$code"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    if [ -s "$work/summary.md" ]; then
      cat "$work/summary.md" >> "$GITHUB_STEP_SUMMARY"
    else
      printf '## clickup-preflight\n\nThe run could not start (exit code %s): see the step log.\n' "$code" >> "$GITHUB_STEP_SUMMARY"
    fi
  fi
  return "$code"
}

case "${1:-}" in
  install) cmd_install ;;
  check) cmd_check ;;
  *) echo "usage: run.sh install|check" >&2; exit 2 ;;
esac
