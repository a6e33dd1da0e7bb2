//! The CSV Airdrop format of the Safe app, for erc20 and native rows.
//!
//! Header `token_type,token_address,receiver,amount,id` (columns in any order), or the legacy
//! `token_address,receiver,amount`. Amounts are decimal token units (`1.5`), not base units. Every bad row is
//! reported at once, each with its line number and column name.

use alloy_primitives::{Address, U256};

use crate::{
    Error, MultiSendEntry, Result, RowError,
    amount::{check_decimal, parse_units},
    payout::erc20_transfer_calldata,
};

/// One valid payout row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PayoutRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// The ERC-20 token, or `None` for the native coin.
    pub token: Option<Address>,
    /// Who receives it.
    pub receiver: Address,
    /// The amount in decimal token units, as written (checked to be a plain positive decimal number).
    pub amount: String,
}

const COLUMNS: [&str; 5] = ["token_type", "token_address", "receiver", "amount", "id"];

fn row_err(line: usize, column: &str, message: impl Into<String>) -> RowError {
    RowError { line, column: column.to_owned(), message: message.into() }
}

fn parse_address(s: &str) -> core::result::Result<Address, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty; write a 0x address".to_owned());
    }
    if !t.starts_with("0x") && t.contains('.') {
        return Err(format!(
            "{t:?} looks like an ENS name; coffer does not resolve names, write the 0x address"
        ));
    }
    let a: Address = t.parse().map_err(|e| format!("{t:?} is not an address ({e})"))?;
    let hex = &t[2..];
    let mixed =
        hex.chars().any(|c| c.is_ascii_uppercase()) && hex.chars().any(|c| c.is_ascii_lowercase());
    if mixed && Address::parse_checksummed(t, None).is_err() {
        return Err(format!(
            "{t:?} has a wrong EIP-55 checksum (a typo?); the checksummed form is {}",
            a.to_checksum(None)
        ));
    }
    Ok(a)
}

/// Byte offset → 1-based line number (the csv crate's own line count skips blank lines), by a
/// binary search over the newline positions, so a large file is indexed once rather than rescanned
/// for every record.
struct LineIndex<'a> {
    bytes: &'a [u8],
    newlines: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let newlines =
            bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
        Self { bytes, newlines }
    }

    /// The line of `byte`. The reader may report a record as starting at the blank lines before
    /// it, so those are skipped first.
    fn line_of(&self, byte: u64) -> usize {
        let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(self.bytes.len());
        while end < self.bytes.len() && matches!(self.bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        self.newlines.partition_point(|&n| n < end) + 1
    }
}

/// Checks amount syntax without knowing the token's decimals.
fn check_amount(s: &str) -> core::result::Result<(), String> {
    match check_decimal(s) {
        Ok(true) => Err("amount is zero; remove the row or give a positive amount".to_owned()),
        Ok(false) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Parses a CSV Airdrop file (erc20 and native rows). Empty lines are skipped. All problems are collected and
/// returned together as [`Error::Csv`].
pub fn parse_csv(text: &str) -> Result<Vec<PayoutRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let lines = LineIndex::new(text);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(Error::Csv {
                errors: vec![row_err(1, "header", format!("unreadable: {e}"))],
            });
        }
        None => {
            return Err(Error::Csv {
                errors: vec![row_err(
                    1,
                    "header",
                    "the file is empty; the first line must be token_type,token_address,receiver,amount,id",
                )],
            });
        }
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let mut errors = Vec::new();
    let mut col = [None; 5];
    for (i, n) in names.iter().enumerate() {
        match COLUMNS.iter().position(|c| c == n) {
            Some(k) if col[k].is_none() => col[k] = Some(i),
            Some(_) => errors.push(row_err(1, n, "column appears twice")),
            None => errors.push(row_err(
                1,
                if n.is_empty() { "(empty)" } else { n },
                "unknown column; expected token_type,token_address,receiver,amount,id \
                 (or the legacy token_address,receiver,amount)",
            )),
        }
    }
    for (k, req) in COLUMNS.iter().enumerate() {
        let required = matches!(*req, "token_address" | "receiver" | "amount");
        if required && col[k].is_none() {
            errors.push(row_err(1, req, "missing column"));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Csv { errors });
    }
    let [c_type, c_token, c_recv, c_amount, c_id] = col;
    let mut rows = Vec::new();
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
                errors.push(row_err(line, "(row)", format!("unreadable CSV: {e}")));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| lines.line_of(p.byte()));
        if rec.iter().all(str::is_empty) {
            continue;
        }
        if rec.len() != names.len() {
            errors.push(row_err(
                line,
                "(row)",
                format!("has {} fields, the header has {}", rec.len(), names.len()),
            ));
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("");
        let token_addr = get(c_token);
        let kind = match c_type {
            Some(_) => get(c_type).to_ascii_lowercase(),
            None if token_addr.is_empty() => "native".to_owned(),
            None => "erc20".to_owned(),
        };
        let before = errors.len();
        let token = match kind.as_str() {
            "erc20" => match parse_address(token_addr) {
                Ok(a) => Some(a),
                Err(m) => {
                    errors.push(row_err(line, "token_address", m));
                    None
                }
            },
            "native" | "" if token_addr.is_empty() => None,
            "native" | "" => {
                errors.push(row_err(
                    line,
                    "token_address",
                    "must be empty for a native row (or set token_type to erc20)",
                ));
                None
            }
            "erc721" | "erc1155" => {
                errors.push(row_err(
                    line,
                    "token_type",
                    format!(
                        "{kind} rows (NFTs) are not supported by coffer yet; use erc20 or native"
                    ),
                ));
                None
            }
            other => {
                errors.push(row_err(
                    line,
                    "token_type",
                    format!("unknown token type {other:?}; use erc20 or native"),
                ));
                None
            }
        };
        let receiver = match parse_address(get(c_recv)) {
            Ok(a) => Some(a),
            Err(m) => {
                errors.push(row_err(line, "receiver", m));
                None
            }
        };
        let amount = get(c_amount);
        if let Err(m) = check_amount(amount) {
            errors.push(row_err(line, "amount", m));
        }
        if !get(c_id).is_empty() {
            errors.push(row_err(
                line,
                "id",
                "must be empty for erc20 and native rows (it is for NFTs)",
            ));
        }
        if errors.len() == before
            && let Some(receiver) = receiver
        {
            rows.push(PayoutRow { line, token, receiver, amount: amount.to_owned() });
        }
    }
    if errors.is_empty() { Ok(rows) } else { Err(Error::Csv { errors }) }
}

impl PayoutRow {
    /// The amount in base units for a token with `decimals` decimals (exact; more decimal places than the
    /// token has is an error).
    pub fn amount_units(&self, decimals: u8) -> core::result::Result<U256, RowError> {
        parse_units(&self.amount, decimals).map_err(|e| row_err(self.line, "amount", e.to_string()))
    }

    /// The MultiSend call entry for this row: an ERC-20 `transfer`, or a plain native transfer.
    pub fn to_entry(&self, decimals: u8) -> core::result::Result<MultiSendEntry, RowError> {
        let amount = self.amount_units(decimals)?;
        Ok(match self.token {
            Some(token) => MultiSendEntry::call(
                token,
                U256::ZERO,
                erc20_transfer_calldata(self.receiver, amount),
            ),
            None => MultiSendEntry::call(self.receiver, amount, alloy_primitives::Bytes::new()),
        })
    }
}

/// Turns rows into MultiSend call entries. `decimals` gives each token's decimals (`None` for the native coin,
/// which the caller usually maps to 18). A token without known decimals or an amount with too many decimal
/// places is reported for every affected row at once.
pub fn rows_to_entries(
    rows: &[PayoutRow],
    decimals: impl Fn(Option<Address>) -> Option<u8>,
) -> Result<Vec<MultiSendEntry>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for row in rows {
        let Some(d) = decimals(row.token) else {
            errors.push(row_err(
                row.line,
                "token_address",
                format!(
                    "decimals of {} are unknown; read them from the token first",
                    row.token.map_or_else(|| "the native coin".to_owned(), |t| t.to_checksum(None))
                ),
            ));
            continue;
        };
        match row.to_entry(d) {
            Ok(e) => out.push(e),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(Error::Csv { errors }) }
}
