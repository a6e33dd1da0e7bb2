//! `coffer balance [--token T] ADDRESS…`: ETH or ERC-20 balances, as a table.

use alloy::{primitives::U256, providers::Provider};
use clap::Args;
use coffer_chain::token_balances;
use coffer_core::format_units;
use serde_json::json;

use crate::{
    opts::RpcOpts,
    output::{Table, print_json},
    parse,
};

/// Arguments of `coffer balance`.
#[derive(Debug, Args)]
pub(crate) struct BalanceArgs {
    /// The accounts (Safes or any address).
    #[arg(required = true)]
    addresses: Vec<String>,
    /// An ERC-20 token: show its balances instead of ETH.
    #[arg(long)]
    token: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    rpc: RpcOpts,
}

impl BalanceArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let addresses = self
            .addresses
            .iter()
            .map(|a| parse::address("ADDRESS", a))
            .collect::<eyre::Result<Vec<_>>>()?;
        let token = self.token.as_deref().map(|t| parse::address("--token", t)).transpose()?;
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let mut rows: Vec<(alloy::primitives::Address, U256)> = Vec::new();
        let (unit, decimals) = match token {
            None => {
                for a in &addresses {
                    rows.push((*a, provider.get_balance(*a).await?));
                }
                ("ETH".to_owned(), 18)
            }
            Some(t) => {
                if provider.get_code_at(t).await?.is_empty() {
                    return Err(crate::exit::bad_input(format!(
                        "token {t} has no code on this chain"
                    )));
                }
                let mut meta = None;
                for a in &addresses {
                    let b = token_balances(&provider, *a, &[t]).await?;
                    let b = b.into_iter().next().ok_or_else(|| eyre::eyre!("no balance read"))?;
                    meta.get_or_insert((b.symbol.clone(), b.decimals));
                    rows.push((*a, b.balance));
                }
                let (symbol, decimals) = meta.unwrap_or((None, None));
                (symbol.unwrap_or_else(|| t.to_string()), decimals.unwrap_or(0))
            }
        };
        if self.json {
            return print_json(&json!({
                "token": token,
                "unit": unit,
                "decimals": decimals,
                "balances": rows.iter().map(|(a, b)| json!({"address": a, "balance": b.to_string()})).collect::<Vec<_>>(),
            }));
        }
        let mut t = Table::new(&["ADDRESS", &format!("BALANCE ({unit})")]);
        for (a, b) in &rows {
            t.row(vec![a.to_string(), format_units(*b, decimals)]);
        }
        t.print();
        Ok(())
    }
}
