//! Writing report files: atomically, so that a scraper or CI step never
//! reads half a file.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a temporary file in `path`'s directory, syncs it, and
/// renames it over `path`. On failure the temporary file is removed and
/// `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Appends `text` to the file at `path` (GitHub's job summary).
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("cp-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let target = dir.join("metrics.prom");
        std::fs::write(&target, "old").expect("seed");
        write_atomic(&target, b"new contents").expect("write");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new contents");
        let leftovers: Vec<_> =
            std::fs::read_dir(&dir).expect("list").flatten().filter(|e| e.file_name() != "metrics.prom").collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let missing = dir.join("no-such-dir").join("x.prom");
        assert!(write_atomic(&missing, b"x").is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
