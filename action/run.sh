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
#   INPUT_ARGS      more arguments for `check`, split on whitespace (no quoting)
#   INPUT_FAIL_ON   fail | warn | never
#   INPUT_CONFIG    a checks.toml path
#   INPUT_TOKEN     the ClickUp token; empty keeps a CLICKUP_API_TOKEN the job sets
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
# and writes the outputs `status` (pass, warn, fail, error or skip: the
# report's overall status; error when the run could not start) and
# `exit-code` (check's), then exits with check's exit code, so the step
# fails as --fail-on says.
set -euo pipefail

action_root=$(cd "$(dirname "$0")/.." && pwd)

die() {
  echo "::error title=clickup-preflight::$*" >&2
  exit 2
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
    case "$INPUT_VERSION" in
      v[0-9]*) echo "$INPUT_VERSION" ;;
      [0-9]*) echo "v$INPUT_VERSION" ;;
      *) die "version: expected a release tag such as v0.1.0, got '$INPUT_VERSION'" ;;
    esac
    return
  fi
  case "${ACTION_REF:-}" in
    v[0-9]*.*.*) echo "$ACTION_REF"; return ;;
  esac
  [ -n "${ACTION_REPOSITORY:-}" ] || die "version: not given, and the action's repository is unknown"
  local api="${GITHUB_API_URL:-https://api.github.com}/repos/$ACTION_REPOSITORY/releases/latest"
  local auth=()
  [ -z "${GH_TOKEN:-}" ] || auth=(-H "Authorization: Bearer $GH_TOKEN")
  local tag
  tag=$(curl -fsSL --retry 3 ${auth[@]+"${auth[@]}"} "$api" | sed -n 's/^ *"tag_name": *"\([^"]*\)".*/\1/p' | head -n 1) ||
    die "version: cannot read the latest release from $api; set version"
  [ -n "$tag" ] || die "version: no release found at $api; set version"
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
  tag=$(release_tag)
  target=$(release_target)
  names=$(bash "$action_root/.ci/package.sh" --names "$tag" "$target")
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
  local argv=(check --fail-on "${INPUT_FAIL_ON:-fail}" --no-color)
  [ -z "${INPUT_CONFIG:-}" ] || argv+=(--config "$INPUT_CONFIG")
  local extra=()
  read -r -a extra <<< "${INPUT_ARGS:-}" || true
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
