//! `coffer`: the command-line tool for Safe multisig treasuries.

mod batch;
mod cmd;
mod crash;
mod exit;
mod flow;
mod opts;
mod output;
mod parse;
mod service;
mod view;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: `coffer serve` allocates and frees many small buffers per request
/// from several threads, where glibc's malloc cost about a tenth of the server's CPU (measured by `perf` under
/// `script/bench-serve`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// coffer: deploy Safes, propose, sign (keys, Ledger, Trezor, offline bundles) and execute.
#[derive(Debug, Parser)]
#[command(name = "coffer", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    cmd: cmd::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli.cmd.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => exit::report(report),
    }
}
