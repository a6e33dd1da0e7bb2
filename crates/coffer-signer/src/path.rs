//! BIP-32 derivation paths and the account layouts wallets use.

use core::{fmt, str::FromStr};

use crate::{Error, Result};

/// The bit that marks a hardened BIP-32 level.
const HARDENED: u32 = 0x8000_0000;

/// The most levels the Ledger Ethereum app accepts in a path.
pub(crate) const MAX_DEPTH: usize = 10;

/// A BIP-32 derivation path such as `m/44'/60'/0'/0/0`.
///
/// Parsed from `m/…` with `'`, `h` or `H` marking a hardened level; displayed with `'`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DerivationPath(Vec<u32>);

fn hardened(index: u32) -> Result<u32> {
    if index >= HARDENED {
        return Err(Error::IndexTooLarge { index });
    }
    Ok(index | HARDENED)
}

fn plain(index: u32) -> Result<u32> {
    if index >= HARDENED {
        return Err(Error::IndexTooLarge { index });
    }
    Ok(index)
}

impl DerivationPath {
    /// The BIP-44 Ethereum account `m/44'/60'/0'/0/{index}` used by mnemonic wallets (MetaMask, foundry) and
    /// Trezor Suite.
    pub fn bip44(index: u32) -> Result<Self> {
        Ok(Self(vec![hardened(44)?, hardened(60)?, hardened(0)?, 0, plain(index)?]))
    }

    /// The Ledger Live account `m/44'/60'/{index}'/0/0`.
    pub fn ledger_live(index: u32) -> Result<Self> {
        Ok(Self(vec![hardened(44)?, hardened(60)?, hardened(index)?, 0, 0]))
    }

    /// The legacy Ledger (MEW / MyCrypto) account `m/44'/60'/0'/{index}`.
    pub fn ledger_legacy(index: u32) -> Result<Self> {
        Ok(Self(vec![hardened(44)?, hardened(60)?, hardened(0)?, plain(index)?]))
    }

    /// The levels, hardened ones with bit 31 set.
    pub fn components(&self) -> &[u32] {
        &self.0
    }
}

impl FromStr for DerivationPath {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = |reason: &str| Error::InvalidDerivationPath {
            path: s.to_owned(),
            reason: reason.to_owned(),
        };
        let t = s.trim();
        let rest = t
            .strip_prefix("m/")
            .or_else(|| t.strip_prefix("M/"))
            .ok_or_else(|| bad("it must start with m/"))?;
        let mut out = Vec::new();
        for level in rest.split('/') {
            let (digits, is_hardened) = match level.strip_suffix(['\'', 'h', 'H']) {
                Some(d) => (d, true),
                None => (level, false),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("level {level:?} is not a number")));
            }
            let index: u32 = digits
                .parse()
                .map_err(|_| bad(&format!("level {level:?} does not fit in 31 bits")))?;
            if index >= HARDENED {
                return Err(bad(&format!("level {level:?} does not fit in 31 bits")));
            }
            out.push(if is_hardened { index | HARDENED } else { index });
        }
        if out.len() > MAX_DEPTH {
            return Err(bad(&format!("it has {} levels", out.len())));
        }
        Ok(Self(out))
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for c in &self.0 {
            if c & HARDENED != 0 {
                write!(f, "/{}'", c & !HARDENED)?;
            } else {
                write!(f, "/{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(DerivationPath::bip44(3).unwrap().to_string(), "m/44'/60'/0'/0/3");
        assert_eq!(DerivationPath::ledger_live(2).unwrap().to_string(), "m/44'/60'/2'/0/0");
        assert_eq!(DerivationPath::ledger_legacy(5).unwrap().to_string(), "m/44'/60'/0'/5");
        assert!(matches!(
            DerivationPath::ledger_live(1 << 31),
            Err(Error::IndexTooLarge { index: 0x8000_0000 })
        ));
    }

    #[test]
    fn parse_round_trip() {
        let p: DerivationPath = "m/44h/60H/1'/0/7".parse().unwrap();
        assert_eq!(p.components(), &[44 | HARDENED, 60 | HARDENED, 1 | HARDENED, 0, 7]);
        assert_eq!(p.to_string(), "m/44'/60'/1'/0/7");
        assert_eq!(p.to_string().parse::<DerivationPath>().unwrap(), p);
    }

    #[test]
    fn parse_errors_name_the_problem() {
        for (input, needle) in [
            ("44'/60'", "start with m/"),
            ("m/44'/x", "\"x\" is not a number"),
            ("m/44'//0", "\"\" is not a number"),
            ("m/2147483648", "31 bits"),
            ("m/0/0/0/0/0/0/0/0/0/0/0", "11 levels"),
        ] {
            let e = input.parse::<DerivationPath>().unwrap_err().to_string();
            assert!(e.contains(needle), "{input}: {e}");
        }
    }
}
