//! Safe reading of input files: the size is checked before anything is read, reads are bounded even when
//! the size is not known in advance (pipes, devices), and the bytes must be UTF-8 text without NUL bytes.
//! Every failure names a reason a person can act on; nothing here panics on any input.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Largest input accepted, in bytes (the parser's own limit, 16 MiB).
pub const MAX_BYTES: u64 = pipeline_format::parse::MAX_INPUT_BYTES as u64;

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("no such file")]
    NotFound,
    #[error("permission denied")]
    PermissionDenied,
    #[error("is a folder, not a file")]
    IsDirectory,
    #[error("the file is {size} bytes; files over {} bytes (16 MiB) are refused", MAX_BYTES)]
    TooLarge { size: u64 },
    #[error("not a text file: it contains a NUL byte{}", utf16_hint(*.utf16))]
    Binary { at: Location, utf16: bool },
    #[error("not UTF-8 text: invalid byte 0x{byte:02X} (pipeline files must be UTF-8)")]
    NotUtf8 { at: Location, byte: u8 },
    #[error("{0}")]
    Io(io::Error),
}

/// A 1-based line and column (columns count characters) inside a file that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub col: usize,
}

fn utf16_hint(utf16: bool) -> &'static str {
    if utf16 { " (it looks like UTF-16: save it as UTF-8)" } else { "" }
}

impl InputError {
    /// A stable code for reports (`io-error`, `too-large`, `binary-file`, `not-utf8`).
    pub fn code(&self) -> &'static str {
        match self {
            InputError::TooLarge { .. } => "too-large",
            InputError::Binary { .. } => "binary-file",
            InputError::NotUtf8 { .. } => "not-utf8",
            _ => "io-error",
        }
    }

    /// Where in the file the problem is, when that is known.
    pub fn location(&self) -> Option<Location> {
        match self {
            InputError::Binary { at, .. } | InputError::NotUtf8 { at, .. } => Some(*at),
            _ => None,
        }
    }

    fn from_io(e: io::Error) -> InputError {
        match e.kind() {
            io::ErrorKind::NotFound => InputError::NotFound,
            io::ErrorKind::PermissionDenied => InputError::PermissionDenied,
            io::ErrorKind::IsADirectory => InputError::IsDirectory,
            _ => InputError::Io(e),
        }
    }
}

/// Reads `path` as UTF-8 text of at most [`MAX_BYTES`] bytes.
pub fn read_text(path: &Path) -> Result<String, InputError> {
    let meta = std::fs::metadata(path).map_err(InputError::from_io)?;
    if meta.is_dir() {
        return Err(InputError::IsDirectory);
    }
    if meta.len() > MAX_BYTES {
        return Err(InputError::TooLarge { size: meta.len() });
    }
    let file = File::open(path).map_err(InputError::from_io)?;
    read_bounded(file)
}

/// Reads standard input as UTF-8 text of at most [`MAX_BYTES`] bytes.
pub fn read_stdin() -> Result<String, InputError> {
    read_bounded(io::stdin().lock())
}

/// Reads at most one byte more than the limit, so that a source whose size was unknown (or that grew since
/// it was measured) is still refused without reading it all.
fn read_bounded(reader: impl Read) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    reader.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(InputError::from_io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputError::TooLarge { size: bytes.len() as u64 });
    }
    decode(bytes)
}

/// Accepts UTF-8 text without NUL bytes.
pub fn decode(bytes: Vec<u8>) -> Result<String, InputError> {
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        return Err(InputError::Binary { at: locate(&bytes, i), utf16 });
    }
    String::from_utf8(bytes).map_err(|e| {
        let i = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        InputError::NotUtf8 { at: locate(bytes, i), byte: bytes.get(i).copied().unwrap_or(0) }
    })
}

/// Line and column of byte `i` in bytes that may not be valid UTF-8 (invalid sequences count as one
/// character each, as a lossy decoder shows them).
fn locate(bytes: &[u8], i: usize) -> Location {
    let i = i.min(bytes.len());
    let before = &bytes[..i];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    Location { line, col }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_byte_is_located() {
        let e = decode(b"a: 1\nbb\0".to_vec()).expect_err("must fail");
        assert_eq!(e.location(), Some(Location { line: 2, col: 3 }));
        assert_eq!(e.code(), "binary-file");
    }

    #[test]
    fn invalid_utf8_is_located_in_characters() {
        let e = decode("x: é".bytes().chain([0xE9]).collect()).expect_err("must fail");
        assert_eq!(e.location(), Some(Location { line: 1, col: 5 }));
        assert!(e.to_string().contains("0xE9"), "{e}");
    }

    #[test]
    fn utf16_gets_a_hint() {
        let e = decode(vec![0xFF, 0xFE, b'a', 0]).expect_err("must fail");
        assert!(e.to_string().contains("UTF-16"), "{e}");
    }

    #[test]
    fn text_passes() {
        assert_eq!(decode("workflow: {}\n".into()).ok().as_deref(), Some("workflow: {}\n"));
    }
}
