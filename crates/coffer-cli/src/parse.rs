//! Parsing command-line values, with bad-input errors that say what to write instead.

use alloy::{
    dyn_abi::{DynSolType, DynSolValue, JsonAbiExt, Specifier},
    json_abi::Function,
    primitives::{Address, Bytes, U256},
};
use coffer_core::parse_units;

use crate::exit::bad_input;

/// An address: `0x` and 40 hex digits. Mixed case must carry a valid EIP-55 checksum (a typo
/// otherwise); names are not resolved.
pub(crate) fn address(what: &str, s: &str) -> eyre::Result<Address> {
    let t = s.trim();
    if t.is_empty() {
        return Err(bad_input(format!("{what}: empty; write a 0x address")));
    }
    if !t.starts_with("0x") && t.contains('.') {
        return Err(bad_input(format!(
            "{what}: {t:?} looks like an ENS name; coffer does not resolve names, write the 0x address"
        )));
    }
    let a: Address = t.parse().map_err(|e| {
        bad_input(format!("{what}: {t:?} is not an address ({e}); write 0x and 40 hex digits"))
    })?;
    let hex = t.trim_start_matches("0x");
    let mixed =
        hex.chars().any(|c| c.is_ascii_uppercase()) && hex.chars().any(|c| c.is_ascii_lowercase());
    if mixed && Address::parse_checksummed(t, None).is_err() {
        return Err(bad_input(format!(
            "{what}: {t:?} has a wrong EIP-55 checksum (a typo?); the checksummed form is {}",
            a.to_checksum(None)
        )));
    }
    Ok(a)
}

/// A non-negative integer (decimal or 0x hex).
pub(crate) fn uint(what: &str, s: &str) -> eyre::Result<U256> {
    let t = s.trim();
    let r = match t.strip_prefix("0x") {
        Some(h) if !h.is_empty() => U256::from_str_radix(h, 16),
        _ => U256::from_str_radix(t, 10),
    };
    match r {
        Ok(v) if !t.is_empty() => Ok(v),
        _ => Err(bad_input(format!("{what}: {t:?} is not a non-negative integer"))),
    }
}

/// A small count (threshold, index).
pub(crate) fn count(what: &str, s: &str) -> eyre::Result<u64> {
    let v = uint(what, s)?;
    u64::try_from(v).map_err(|_| bad_input(format!("{what}: {s} is too large")))
}

/// An amount of ETH with an explicit unit: `1.5ether`, `1.5eth`, `20gwei`, `1000wei` (a space
/// before the unit is allowed). A bare number is refused: it is ambiguous.
pub(crate) fn eth_value(what: &str, s: &str) -> eyre::Result<U256> {
    let t = s.trim().to_ascii_lowercase();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let decimals = match unit.trim() {
        "ether" | "eth" => 18,
        "gwei" => 9,
        "wei" => 0,
        "" => {
            return Err(bad_input(format!(
                "{what}: {s:?} has no unit; write e.g. 1.5ether, 20gwei or 1000wei"
            )));
        }
        other => {
            return Err(bad_input(format!(
                "{what}: unknown unit {other:?} in {s:?}; use ether, gwei or wei"
            )));
        }
    };
    parse_units(num.trim(), decimals).map_err(|e| bad_input(format!("{what}: {e}")))
}

/// Hex calldata (`0x` optional; `0x` alone is empty).
pub(crate) fn hex_data(what: &str, s: &str) -> eyre::Result<Bytes> {
    let t = s.trim();
    let h = t.strip_prefix("0x").unwrap_or(t);
    if !h.len().is_multiple_of(2) {
        return Err(bad_input(format!(
            "{what}: odd number of hex digits ({}); calldata is whole bytes",
            h.len()
        )));
    }
    alloy::primitives::hex::decode(h)
        .map(Bytes::from)
        .map_err(|e| bad_input(format!("{what}: not hex ({e})")))
}

/// Encodes a call from a human signature (`transfer(address,uint256)`, with or without names and
/// a `function` keyword) and its arguments as strings.
pub(crate) fn encode_call(sig: &str, args: &[String]) -> eyre::Result<Bytes> {
    let func = Function::parse(sig).map_err(|e| {
        bad_input(format!(
            "--sig {sig:?} is not a function signature ({e}); write e.g. \"transfer(address,uint256)\""
        ))
    })?;
    if func.inputs.len() != args.len() {
        return Err(bad_input(format!(
            "{} takes {} argument(s) but {} were given",
            func.signature(),
            func.inputs.len(),
            args.len()
        )));
    }
    let mut values: Vec<DynSolValue> = Vec::with_capacity(args.len());
    for (i, (param, arg)) in func.inputs.iter().zip(args).enumerate() {
        let ty: DynSolType = param.resolve().map_err(|e| {
            bad_input(format!("argument {} of {}: unsupported type ({e})", i + 1, func.signature()))
        })?;
        if ty == DynSolType::Address {
            values.push(DynSolValue::Address(address(&format!("argument {}", i + 1), arg)?));
            continue;
        }
        let v = ty.coerce_str(arg).map_err(|e| {
            bad_input(format!("argument {} ({}) {arg:?}: {e}", i + 1, ty.sol_type_name()))
        })?;
        values.push(v);
    }
    let data = func
        .abi_encode_input(&values)
        .map_err(|e| bad_input(format!("cannot encode {}: {e}", func.signature())))?;
    Ok(data.into())
}

/// Parses a duration: a number with s, m, h, d or w (no unit = seconds); `0` allowed.
pub(crate) fn duration(what: &str, s: &str) -> eyre::Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => 0,
    };
    let n: Option<u64> = num.parse().ok();
    match (n, mult) {
        (Some(n), m) if m > 0 => {
            n.checked_mul(m).ok_or_else(|| bad_input(format!("{what} {s:?} is too large")))
        }
        _ => Err(bad_input(format!(
            "{what} {s:?} is not a duration: write a number with s, m, h, d or w (e.g. 2d, 90m, 0)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn eth_values_need_a_unit() {
        assert_eq!(eth_value("v", "1.5ether").unwrap(), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(eth_value("v", "20 gwei").unwrap(), U256::from(20_000_000_000u64));
        assert_eq!(eth_value("v", "7wei").unwrap(), U256::from(7));
        assert!(eth_value("v", "1.5").is_err());
        assert!(eth_value("v", "1.5eht").is_err());
        assert!(eth_value("v", "1.5wei").is_err());
        assert!(eth_value("v", "-1ether").is_err());
    }

    #[test]
    fn addresses_check_the_checksum() {
        let ok = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
        assert!(address("a", ok).is_ok());
        assert!(address("a", &ok.to_lowercase()).is_ok());
        assert!(address("a", "0x5FbDB2315678afecb367f032d93F642f64180aA3").is_err());
        assert!(address("a", "vitalik.eth").is_err());
        assert!(address("a", "0x1234").is_err());
    }

    #[test]
    fn calls_encode_like_solidity() {
        let data = encode_call(
            "transfer(address,uint256)",
            &["0x5FbDB2315678afecb367f032d93F642f64180aa3".into(), "5".into()],
        )
        .unwrap();
        assert_eq!(&data[..4], &[0xa9, 0x05, 0x9c, 0xbb]);
        assert_eq!(data.len(), 68);
        assert!(encode_call("transfer(address,uint256)", &["0x01".into()]).is_err());
        assert!(encode_call("transfer(address", &[]).is_err());
    }
}
