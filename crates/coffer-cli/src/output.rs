//! Output helpers: JSON on stdout, aligned tables and key/value blocks, a spinner on stderr, and
//! hashes written as hardware wallets show them.

use alloy::primitives::B256;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::{future::Future, path::Path, time::Duration};

/// Prints `value` as pretty JSON on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> eyre::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A hash as the Ledger and Trezor Ethereum apps show it: `0x` and 64 uppercase hex digits.
pub(crate) fn device_hex(hash: &B256) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in hash.as_slice() {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// A table with aligned columns (two spaces between columns, the last column not padded).
#[derive(Debug, Default)]
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub(crate) fn new(header: &[&str]) -> Self {
        Self { header: header.iter().map(|s| (*s).to_owned()).collect(), rows: Vec::new() }
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row (header first), each ending with a newline.
    pub(crate) fn render(&self) -> String {
        let cols = self.header.len().max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let mut widths = vec![0usize; cols];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, c) in row.iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, c) in row.iter().enumerate() {
                if i + 1 == row.len() {
                    line.push_str(c);
                } else {
                    line.push_str(&format!("{c:<w$}  ", w = widths[i]));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Prints the table on stdout.
    pub(crate) fn print(&self) {
        print!("{}", self.render());
    }
}

/// Key/value lines with the keys padded to one width.
#[derive(Debug, Default)]
pub(crate) struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    /// Adds a line; a multi-line value continues under the first value column.
    pub(crate) fn add(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.rows.push((key.to_owned(), value.to_string()));
        self
    }

    /// Adds every line of `other`, in order.
    pub(crate) fn append(&mut self, other: &Fields) -> &mut Self {
        self.rows.extend(other.rows.iter().cloned());
        self
    }

    /// The block as text.
    pub(crate) fn render(&self) -> String {
        let w = self.rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for (k, v) in &self.rows {
            let mut lines = v.lines();
            out.push_str(&format!("{k:<w$}  {}\n", lines.next().unwrap_or_default()));
            for l in lines {
                out.push_str(&format!("{:<w$}  {l}\n", ""));
            }
        }
        out
    }

    /// Prints the block on stdout.
    pub(crate) fn print(&self) {
        print!("{}", self.render());
    }
}

/// Runs `fut` with a spinner showing `message` on stderr (drawn only when stderr is a terminal).
pub(crate) async fn with_spinner<T>(message: &str, fut: impl Future<Output = T>) -> T {
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(100));
    let out = fut.await;
    bar.finish_and_clear();
    out
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// failure never leaves half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> eyre::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        eyre::eyre!("could not write {}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new(&["nonce", "hash", "status"]);
        t.row(vec!["0".into(), "0xabc".into(), "pending".into()]);
        t.row(vec!["10".into(), "0x1".into(), "CONFLICT".into()]);
        assert_eq!(
            t.render(),
            "nonce  hash   status\n0      0xabc  pending\n10     0x1    CONFLICT\n"
        );
    }

    #[test]
    fn device_hex_is_uppercase() {
        let h = B256::repeat_byte(0xab);
        assert_eq!(device_hex(&h), format!("0x{}", "AB".repeat(32)));
    }
}
