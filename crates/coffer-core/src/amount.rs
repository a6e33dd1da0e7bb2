//! Decimal token amounts to integer base units, with exact integer math.

use alloy_primitives::U256;

use crate::{Error, Result};

/// Converts a decimal amount in token units (`"1.5"`) to base units (`1500000` for 6 decimals), exactly.
///
/// Accepted: digits, optionally one `.` followed by digits (`"10"`, `"0.25"`, `".5"`, `"3."`), with surrounding
/// whitespace. Refused: an empty string, signs, exponents, thousands separators, more fractional digits than
/// `decimals` (coffer never rounds), and values that do not fit in uint256. Trailing fractional zeros beyond
/// `decimals` are still refused, so a file's intent is never guessed.
pub fn parse_units(amount: &str, decimals: u8) -> Result<U256> {
    let (int, frac) = split_decimal(amount)?;
    if frac.len() > usize::from(decimals) {
        return Err(Error::TooManyDecimals {
            value: amount.to_owned(),
            found: frac.len(),
            decimals,
        });
    }
    let overflow = || Error::AmountOverflow { value: amount.to_owned(), decimals };
    let ten = U256::from(10u8);
    let scale = ten.checked_pow(U256::from(decimals)).ok_or_else(overflow)?;
    let int_v = if int.is_empty() {
        U256::ZERO
    } else {
        U256::from_str_radix(int, 10).map_err(|_| overflow())?
    };
    let frac_v = if frac.is_empty() {
        U256::ZERO
    } else {
        // frac.len() <= decimals <= 255, and 10^(decimals - len) <= scale, which fits.
        let pad = usize::from(decimals) - frac.len();
        let f = U256::from_str_radix(frac, 10).map_err(|_| overflow())?;
        f.checked_mul(ten.pow(U256::from(pad))).ok_or_else(overflow)?
    };
    int_v.checked_mul(scale).and_then(|v| v.checked_add(frac_v)).ok_or_else(overflow)
}

/// Checks the syntax of a decimal amount and splits it into its integer and fractional digits.
fn split_decimal(amount: &str) -> Result<(&str, &str)> {
    let invalid =
        |reason: &str| Error::InvalidAmount { value: amount.to_owned(), reason: reason.to_owned() };
    let t = amount.trim();
    if t.is_empty() {
        return Err(invalid("empty; write a decimal number such as 12.5"));
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty() {
        return Err(invalid("no digits; write a decimal number such as 12.5"));
    }
    if let Some(c) = int.chars().chain(frac.chars()).find(|c| !c.is_ascii_digit()) {
        let reason = match c {
            '-' => "negative amounts are not allowed".to_owned(),
            '+' => "remove the `+` sign".to_owned(),
            ',' | '_' | ' ' => {
                format!("remove the separator {c:?}; use `.` only as the decimal point")
            }
            'e' | 'E' => "exponent notation is not allowed; write all digits".to_owned(),
            '.' => "more than one decimal point".to_owned(),
            'x' | 'X' => "hex is not allowed; write the amount in decimal token units".to_owned(),
            c => format!("unexpected character {c:?}; only digits and one `.` are allowed"),
        };
        return Err(invalid(&reason));
    }
    Ok((int, frac))
}

/// Checks that `amount` is a well-formed decimal amount and returns whether it is zero, without knowing the
/// token's decimals.
pub(crate) fn check_decimal(amount: &str) -> Result<bool> {
    let (int, frac) = split_decimal(amount)?;
    Ok(int.chars().chain(frac.chars()).all(|c| c == '0'))
}

/// Formats base units as a decimal amount with `decimals` places, without trailing zeros (`1500000`, 6 →
/// `"1.5"`). The inverse of [`parse_units`].
pub fn format_units(value: U256, decimals: u8) -> String {
    let s = value.to_string();
    let d = usize::from(decimals);
    if d == 0 {
        return s;
    }
    let padded = if s.len() <= d { format!("{}{s}", "0".repeat(d + 1 - s.len())) } else { s };
    let (int, frac) = padded.split_at(padded.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() { int.to_owned() } else { format!("{int}.{frac}") }
}
