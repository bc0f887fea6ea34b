//! Where report files go. A regular file is replaced atomically, so that a
//! scraper or CI step never reads half a file; anything else a path can
//! name (a symlink, a FIFO, a device, stdout) is treated as what it is, so
//! that `--output` never clobbers what it was pointed at. Every path is
//! judged before the run sends a request.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many symlinks are followed before a path is called a loop (Linux's
/// own limit).
const MAX_SYMLINKS: usize = 40;

/// Where one report goes, decided before any request is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Destination {
    /// The process's own stdout: `-`, `/dev/stdout`.
    Stdout,
    /// A regular file, existing or new, at its real path (symlinks
    /// followed): written to a temporary file beside it, then renamed.
    Replace(PathBuf),
    /// A FIFO, a character device or another open descriptor: opened for
    /// appending and written in place, never renamed over or truncated.
    Stream(PathBuf),
}

/// Decides where `path` writes, refusing what cannot be written (a missing
/// directory, a directory, a socket, a directory nobody may create a file
/// in). The error is the reason, for a message that names the path.
pub(super) fn destination(path: &Path) -> Result<Destination, String> {
    if is_stdout(path) {
        return Ok(Destination::Stdout);
    }
    if is_descriptor(path) {
        return Ok(Destination::Stream(path.to_owned()));
    }
    match std::fs::metadata(path) {
        Ok(meta) => existing(path, &meta),
        // Not there yet (or behind a dangling link): the file to create.
        Err(_) => {
            let target = final_link_target(path)?;
            probe_directory(&target)?;
            Ok(Destination::Replace(target))
        }
    }
}

impl Destination {
    /// The file a [`Destination::Replace`] writes, spelled one way however
    /// the path was given (`o`, `./o`, a symlink to it), so that two
    /// outputs bound for one file can be told apart before either replaces
    /// the other; `None` for stdout and streams, which are written in place.
    pub(super) fn replaced_file(&self) -> Option<PathBuf> {
        let Destination::Replace(path) = self else { return None };
        let dir = directory_of(path);
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        Some(path.file_name().map_or_else(|| dir.clone(), |name| dir.join(name)))
    }

    /// Whether this and `other` replace one and the same file.
    pub(super) fn same_file_as(&self, other: &Destination) -> bool {
        self.replaced_file().is_some_and(|file| other.replaced_file() == Some(file))
    }
}

/// Writes `bytes` to `destination`; stdout is the caller's, not written here.
/// A stream that does not take the bytes within `wait` (the run's deadline:
/// opening a FIFO blocks until a reader comes, and a probe must not hang on
/// a reader that never does) is an error; its writer thread is left behind,
/// blocked, and ends with the process.
pub(super) fn write(destination: &Destination, bytes: &[u8], wait: Duration) -> std::io::Result<()> {
    match destination {
        Destination::Stdout => Ok(()),
        Destination::Replace(path) => write_atomic(path, bytes),
        Destination::Stream(path) => {
            let (done, finished) = std::sync::mpsc::channel();
            let (path, bytes) = (path.clone(), bytes.to_vec());
            std::thread::spawn(move || {
                let written = std::fs::OpenOptions::new().append(true).open(&path).and_then(|mut stream| {
                    stream.write_all(&bytes)?;
                    stream.flush()
                });
                // The receiver is gone only when the wait is over: nothing to tell.
                let _ = done.send(written);
            });
            finished.recv_timeout(wait).unwrap_or_else(|_| {
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("nothing read it within {}s (a FIFO with no reader?)", wait.as_secs()),
                ))
            })
        }
    }
}

/// `-` and the names of this process's stdout.
fn is_stdout(path: &Path) -> bool {
    ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].iter().any(|p| path == Path::new(p))
}

/// Paths that name an open descriptor (`/dev/stderr`, `/dev/fd/N`): the
/// file behind them is someone else's open file, never replaced.
fn is_descriptor(path: &Path) -> bool {
    path == Path::new("/dev/stderr") || path.starts_with("/dev/fd") || path.starts_with("/proc/self/fd")
}

/// What an existing path is, symlinks followed.
fn existing(path: &Path, meta: &std::fs::Metadata) -> Result<Destination, String> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_dir() {
        Err("it is a directory".to_owned())
    } else if kind.is_file() {
        let real = path.canonicalize().map_err(|e| format!("cannot resolve it ({})", e.kind()))?;
        probe_directory(&real)?;
        Ok(Destination::Replace(real))
    } else if kind.is_fifo() {
        // Opening a FIFO for writing waits for a reader: checked at write time.
        Ok(Destination::Stream(path.to_owned()))
    } else if kind.is_char_device() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| format!("cannot open the device for writing ({})", e.kind()))?;
        Ok(Destination::Stream(path.to_owned()))
    } else {
        Err("it is not a regular file, a FIFO or a character device".to_owned())
    }
}

/// Follows a chain of symlinks to the path that does not exist yet (a
/// dangling link names the file to create).
fn final_link_target(path: &Path) -> Result<PathBuf, String> {
    let mut current = path.to_owned();
    for _ in 0..MAX_SYMLINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|e| format!("cannot read the link ({})", e.kind()))?;
                current = directory_of(&current).join(link);
            }
            _ => return Ok(current),
        }
    }
    Err(format!("more than {MAX_SYMLINKS} symlinks: a loop?"))
}

/// The directory a file at `path` lives in.
fn directory_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Checks that a file can be created beside `path` (where the temporary
/// file goes) by creating and removing one: permission bits do not say so
/// for root, nor on a read-only file system.
fn probe_directory(path: &Path) -> Result<(), String> {
    let dir = directory_of(path);
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(format!("{} is not a directory", dir.display())),
        Err(_) => return Err(format!("the directory {} does not exist", dir.display())),
    }
    let probe = temporary_beside(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot create a file in {} ({})", dir.display(), e.kind()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The temporary file's name: hidden, beside the target, per process.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "output".into());
    directory_of(path).join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to a temporary file in `path`'s directory, syncs it, and
/// renames it over `path`, keeping an existing file's permissions. On
/// failure the temporary file is removed and `path` is left as it was.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, false)
}

/// As [`write_atomic`], for a secret: the file is created readable and
/// writable by its owner only (0600), from its first byte, whatever
/// permissions a file it replaces had.
pub(super) fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace(path, bytes, true)
}

/// Why [`write_new`] wrote nothing: the file could not be created (it
/// exists, or its directory refuses), or its bytes could not be written.
#[derive(Debug)]
pub(super) enum NewFileError {
    /// Creating it failed; `AlreadyExists` when anything is there.
    Create(std::io::Error),
    /// Writing or syncing failed; the half-written file was removed.
    Write(std::io::Error),
}

impl NewFileError {
    /// The OS's error, whichever step failed.
    pub(super) fn io(&self) -> &std::io::Error {
        match self {
            NewFileError::Create(e) | NewFileError::Write(e) => e,
        }
    }
}

/// Creates `path`, failing if anything is there (a dangling symlink
/// included), and writes `bytes`; a file left half-written is removed. For
/// files that must never replace one a person already has.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), NewFileError> {
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(NewFileError::Create)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(path);
        NewFileError::Write(e)
    })
}

fn replace(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = temporary_beside(path);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        if private {
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        match std::fs::metadata(path) {
            Ok(meta) if !private => file.set_permissions(meta.permissions())?,
            _ => {}
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Appends `text` to the file at `path` (GitHub's job summary).
pub(super) fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cp-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = scratch("atomic");
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

    #[test]
    fn a_private_file_is_0600_even_when_it_replaces_a_readable_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch("private");
        let target = dir.join("token");
        std::fs::write(&target, "old").expect("seed");
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_private_atomic(&target, b"secret").expect("write");
        let mode = std::fs::metadata(&target).expect("meta").permissions().mode() & 0o777;
        assert_eq!((std::fs::read_to_string(&target).expect("read"), mode), ("secret".to_owned(), 0o600));
        write_atomic(&target, b"public").expect("write");
        assert_eq!(std::fs::metadata(&target).expect("meta").permissions().mode() & 0o777, 0o600, "kept");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn destinations_follow_what_the_path_is() {
        let dir = scratch("kinds");
        assert_eq!(destination(Path::new("-")), Ok(Destination::Stdout));
        assert_eq!(destination(Path::new("/dev/stdout")), Ok(Destination::Stdout));
        assert_eq!(destination(Path::new("/dev/null")), Ok(Destination::Stream("/dev/null".into())));
        assert_eq!(destination(Path::new("/dev/stderr")), Ok(Destination::Stream("/dev/stderr".into())));
        let real = dir.canonicalize().expect("real dir");
        std::os::unix::fs::symlink(real.join("a"), dir.join("b")).expect("link");
        std::os::unix::fs::symlink(dir.join("b"), dir.join("c")).expect("link");
        assert_eq!(destination(&dir.join("c")), Ok(Destination::Replace(real.join("a"))), "a dangling chain");
        std::fs::write(real.join("a"), "x").expect("write");
        assert_eq!(destination(&dir.join("c")), Ok(Destination::Replace(real.join("a"))), "an existing target");
        std::os::unix::fs::symlink("loop", dir.join("loop")).expect("link");
        assert!(destination(&dir.join("loop")).is_err_and(|e| e.contains("loop")));
        assert!(destination(&dir).is_err_and(|e| e.contains("directory")));
        let _ = std::fs::remove_dir_all(dir);
    }
}
