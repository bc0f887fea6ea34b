//! Release archives: for every target `.github/workflows/release.yml`
//! builds, the archive `.ci/package.sh` packs is exactly the file cargo
//! binstall's template in Cargo.toml asks for, holding the binary where
//! `bin-dir` says, with a checksum that verifies.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::scratch_dir;

const WORKFLOW: &str = include_str!("../../.github/workflows/release.yml");
const MANIFEST: &str = include_str!("../../Cargo.toml");
const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/package.sh");

/// The targets the workflow's build matrix lists, in order.
fn release_targets() -> Vec<String> {
    WORKFLOW.lines().filter_map(|l| l.trim().strip_prefix("- target:")).map(|t| t.trim().to_owned()).collect()
}

fn version() -> String {
    let manifest: toml::Table = toml::from_str(MANIFEST).expect("Cargo.toml parses");
    manifest["package"]["version"].as_str().expect("package.version").to_owned()
}

/// `[package.metadata.binstall]` for `target`: pkg-url, bin-dir and pkg-fmt,
/// with the target's overrides applied.
fn binstall(target: &str) -> [String; 3] {
    let manifest: toml::Table = toml::from_str(MANIFEST).expect("Cargo.toml parses");
    let meta = manifest["package"]["metadata"]["binstall"].as_table().expect("[package.metadata.binstall]");
    let overrides = meta.get("overrides").and_then(|o| o.get(target)).and_then(toml::Value::as_table);
    ["pkg-url", "bin-dir", "pkg-fmt"].map(|key| {
        let value = overrides.and_then(|o| o.get(key)).or_else(|| meta.get(key));
        value.and_then(toml::Value::as_str).unwrap_or_else(|| panic!("{target}: no {key}")).to_owned()
    })
}

/// A binstall template with every variable filled in, as binstall does.
fn expand(template: &str, target: &str) -> String {
    let exe = if target.contains("-windows-") { ".exe" } else { "" };
    let filled = template
        .replace("{ repo }", "https://example.invalid/owner/clickup-preflight")
        .replace("{ name }", "clickup-preflight")
        .replace("{ bin }", "clickup-preflight")
        .replace("{ version }", &version())
        .replace("{ target }", target)
        .replace("{ binary-ext }", exe);
    assert!(!filled.contains('{'), "an unknown variable in {template}");
    filled
}

fn bash(args: &[&str]) -> std::process::Output {
    Command::new("bash").arg(PACKAGE).args(args).output().expect("bash runs .ci/package.sh")
}

/// What package.sh names the archive and the binary inside it.
fn package_names(tag: &str, target: &str) -> (String, String) {
    let out = bash(&["--names", tag, target]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines().map(str::to_owned);
    (lines.next().expect("archive name"), lines.next().expect("binary path"))
}

#[test]
fn binstall_asks_for_the_archive_the_release_workflow_packs_for_every_target() {
    let targets = release_targets();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    // The workflow packs under the tag, and refuses a tag that is not the version.
    assert!(WORKFLOW.contains(r#".ci/package.sh "$GITHUB_REF_NAME" ${{ matrix.target }} "$BIN" dist"#));
    assert!(WORKFLOW.contains(r#"if [ "v$version" != "$GITHUB_REF_NAME" ]; then"#));
    let tag = format!("v{}", version());
    for target in &targets {
        let (archive, binary) = package_names(&tag, target);
        let [url, bin_dir, format] = binstall(target);
        let url = expand(&url, target);
        assert_eq!(url, format!("https://example.invalid/owner/clickup-preflight/releases/download/{tag}/{archive}"));
        assert_eq!(expand(&bin_dir, target), binary, "{target}: where binstall looks inside the archive");
        let expected_format = if archive.ends_with(".zip") { "zip" } else { "tgz" };
        assert!(archive.ends_with(".zip") || archive.ends_with(".tar.gz"), "{archive}");
        assert_eq!(format, expected_format, "{target}: {archive}");
    }
}

#[test]
fn package_refuses_a_tag_that_is_not_a_version() {
    // Each a name git accepts for a tag that `v*` would trigger on: a path, a
    // shell's quotes and substitutions, what Windows refuses in a file name.
    let odd = [
        "0.1.0",
        "v1.2.3/../../x",
        "v1.2.3/x",
        "v1'$(touch pwned)`touch pwned2`",
        "v1.2",
        "v1.2.3.4",
        "v1.2.3-",
        "v1#2.3.4",
        "v1.2.3:x",
        "v1.2.3*",
        "v1.2.3-rc.1;x",
    ];
    let dir = scratch_dir("package-odd-tags");
    std::fs::write(dir.join("bin"), "x").expect("write");
    for tag in odd {
        for args in
            [vec!["--names", tag, "x86_64-unknown-linux-musl"], vec![tag, "x86_64-unknown-linux-musl", "bin", "out"]]
        {
            let out = Command::new("bash").arg(PACKAGE).args(&args).current_dir(&dir).output().expect("bash");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{tag}: {stderr}");
            assert!(stderr.contains("v1.2.3") && stderr.lines().count() == 1, "{tag}: one line: {stderr}");
            assert!(out.stdout.is_empty(), "{tag}: no name printed");
        }
    }
    assert!(!dir.join("out").exists() && !dir.join("pwned").exists() && !dir.join("pwned2").exists());
    for tag in ["v0.1.0", "v1.20.300-rc.1", "v1.0.0-beta.2+build.7"] {
        let out = bash(&["--names", tag, "x86_64-unknown-linux-musl"]);
        assert!(out.status.success(), "{tag}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let newline = bash(&["--names", "v1.2.3\n::error::x", "x86_64-unknown-linux-musl"]);
    assert_eq!(newline.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&newline.stderr).lines().count(), 1, "the tag is quoted on one line");
}

/// Packs a small stand-in binary for `target` into a fresh directory and
/// returns that directory, the archive's name, the binary's path inside it,
/// and the stand-in's bytes.
fn pack_stand_in(target: &str) -> (PathBuf, String, String, Vec<u8>) {
    let dir = scratch_dir(&format!("package-{target}"));
    let stand_in = dir.join("stand-in");
    let bytes = format!("#!/bin/sh\necho stand-in for {target}\n").into_bytes();
    std::fs::write(&stand_in, &bytes).expect("write stand-in");
    let tag = format!("v{}", version());
    let out = bash(&[&tag, target, stand_in.to_str().expect("utf-8"), dir.join("dist").to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (archive, binary) = package_names(&tag, target);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), dir.join("dist").join(&archive).display().to_string());
    (dir, archive, binary, bytes)
}

/// The `.sha256` beside `archive` names it and holds its SHA-256.
fn assert_checksum_verifies(dist: &Path, archive: &str) {
    let bytes = std::fs::read(dist.join(archive)).expect("archive");
    let digest = ring::digest::digest(&ring::digest::SHA256, &bytes);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let line = std::fs::read_to_string(dist.join(format!("{archive}.sha256"))).expect(".sha256 beside the archive");
    assert_eq!(line, format!("{hex}  {archive}\n"), "sha256sum -c reads this line");
}

fn run_tool(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_tar_archive_holds_the_executable_where_binstall_looks_and_its_checksum_verifies() {
    for target in ["x86_64-unknown-linux-musl", "aarch64-apple-darwin"] {
        let (dir, archive, binary, bytes) = pack_stand_in(target);
        let dist = dir.join("dist");
        assert_checksum_verifies(&dist, &archive);
        let listing = run_tool("tar", &["-tzvf", &archive], &dist);
        let top = binary.split('/').next().expect("a directory");
        for file in ["README.md", "CHANGELOG.md", "LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(listing.contains(&format!("{top}/{file}")), "{target}: {file} missing:\n{listing}");
        }
        let line = listing.lines().find(|l| l.ends_with(&binary)).unwrap_or_else(|| panic!("{binary}:\n{listing}"));
        assert!(line.starts_with("-rwxr-xr-x"), "{target}: the binary is executable: {line}");
        run_tool("tar", &["-xzf", &archive], &dist);
        assert_eq!(std::fs::read(dist.join(&binary)).expect("extracted"), bytes, "{target}: the binary given");
    }
}

#[test]
#[ignore = "needs zip and unzip: run by .ci/run"]
fn the_windows_zip_holds_the_exe_where_binstall_looks_and_its_checksum_verifies() {
    let (dir, archive, binary, bytes) = pack_stand_in("x86_64-pc-windows-msvc");
    let dist = dir.join("dist");
    assert!(binary.ends_with("/clickup-preflight.exe"), "{binary}");
    assert_checksum_verifies(&dist, &archive);
    let listing = run_tool("unzip", &["-l", &archive], &dist);
    assert!(listing.contains(&binary) && listing.contains("LICENSE-APACHE"), "{listing}");
    run_tool("unzip", &["-q", &archive], &dist);
    assert_eq!(std::fs::read(dist.join(&binary)).expect("extracted"), bytes);
}
