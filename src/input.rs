//! Files the user names on the command line or in `checks.toml` (the
//! configuration, a fault plan, a drill report, a token file): read whole,
//! but only when they are regular files and only up to a size. A FIFO, a
//! device or `/dev/zero` named by mistake is then a one-line error, not a
//! run that hangs on the open or reads until memory runs out.

use std::io::Read;
use std::path::Path;

/// Why a named file could not be read as text. Its messages say what was
/// wrong and never quote the file's contents (a token file's least of all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Missing, not permitted, or failing to read: the OS's reason.
    #[error("{0}")]
    Unreadable(std::io::ErrorKind),
    /// A directory, a FIFO, a device or a socket.
    #[error("not a regular file")]
    NotAFile,
    /// Longer than the caller's limit, in bytes.
    #[error("larger than {} KiB", .0 / 1024)]
    TooLarge(u64),
    /// Bytes that are not UTF-8.
    #[error("not UTF-8 text")]
    NotText,
}

/// Reads `path` as UTF-8 text of at most `limit` bytes. The file's kind is
/// judged before it is opened, because opening a FIFO waits for a writer.
pub fn read_text(path: &Path, limit: u64) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::Unreadable(e.kind()))?;
    if !meta.is_file() {
        return Err(InputError::NotAFile);
    }
    let file = std::fs::File::open(path).map_err(|e| InputError::Unreadable(e.kind()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| InputError::Unreadable(e.kind()))?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|_| InputError::NotText)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cp-input-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn a_small_text_file_is_read_whole() {
        let file = scratch("small").join("plan.toml");
        std::fs::write(&file, "rate_window = 2\n").expect("write");
        assert_eq!(read_text(&file, 16), Ok("rate_window = 2\n".to_owned()));
    }

    #[test]
    fn a_file_one_byte_over_the_limit_is_refused() {
        let file = scratch("large").join("big");
        std::fs::write(&file, vec![b'a'; 2049]).expect("write");
        assert_eq!(read_text(&file, 2048), Err(InputError::TooLarge(2048)));
        assert_eq!(InputError::TooLarge(2048).to_string(), "larger than 2 KiB");
        std::fs::write(&file, vec![b'a'; 2048]).expect("write");
        assert!(read_text(&file, 2048).is_ok());
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_reading() {
        // /dev/zero never ends; a FIFO with no writer would block the open.
        assert_eq!(read_text(Path::new("/dev/zero"), 1 << 20), Err(InputError::NotAFile));
        let dir = scratch("kinds");
        assert_eq!(read_text(&dir, 1 << 20), Err(InputError::NotAFile));
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
        assert!(made.success());
        assert_eq!(read_text(&fifo, 1 << 20), Err(InputError::NotAFile));
    }

    #[test]
    fn missing_and_binary_files_say_why() {
        let dir = scratch("why");
        assert_eq!(read_text(&dir.join("absent"), 16), Err(InputError::Unreadable(std::io::ErrorKind::NotFound)));
        let binary = dir.join("binary");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).expect("write");
        assert_eq!(read_text(&binary, 16), Err(InputError::NotText));
    }
}
