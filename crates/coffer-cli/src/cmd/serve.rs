//! `coffer serve`: a self-hosted Safe Transaction Service (the server lives in `coffer-server`).

use clap::Args;
use std::time::Duration;

use crate::{exit::bad_input, opts::RpcOpts, opts::StoreOpts};

/// Arguments of `coffer serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on. Api-kit users pass `txServiceUrl: "http://ADDR/api"`.
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "ADDR")]
    listen: String,
    /// The database: `sqlite:PATH`, or `postgres://USER@HOST:PORT/DB` to share one database between several
    /// servers. Default: `sqlite:` a file `tx-service.sqlite3` in the data directory.
    #[arg(long, env = "COFFER_SERVE_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// Require `Authorization: Bearer TOKEN` on every request (401 without it).
    #[arg(long, env = "COFFER_SERVE_API_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    api_token: Option<String>,
    /// How long a Safe's owners, threshold, nonce and version read from the chain are reused, in
    /// milliseconds (0: read on every request).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    chain_cache_ms: u64,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    store: StoreOpts,
}

impl ServeArgs {
    pub(crate) async fn run(self) -> eyre::Result<()> {
        let database = match self.database {
            Some(url) => url,
            None => {
                let dir = match &self.store.data_dir {
                    Some(d) => d.clone(),
                    None => coffer_store::default_data_dir()?,
                };
                std::fs::create_dir_all(&dir).map_err(|e| {
                    bad_input(format!("cannot create the data directory {}: {e}", dir.display()))
                })?;
                format!("sqlite:{}", dir.join("tx-service.sqlite3").display())
            }
        };
        if !(database.starts_with("sqlite:")
            || database.starts_with("postgres://")
            || database.starts_with("postgresql://"))
        {
            return Err(bad_input(format!(
                "--database {database:?} is not supported: use sqlite:PATH or postgres://USER@HOST:PORT/DB"
            )));
        }
        if self.api_token.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err(bad_input("--api-token is empty"));
        }
        let provider = self.rpc.provider()?;
        self.rpc.chain_id(&provider).await?;
        let config = coffer_server::ServeConfig {
            listen: self.listen,
            database,
            api_token: self.api_token,
            chain_cache: Duration::from_millis(self.chain_cache_ms),
        };
        let server = coffer_server::Server::bind(&config, provider).await.map_err(|e| match e {
            coffer_server::Error::DatabaseUrl { .. } | coffer_server::Error::Bind { .. } => {
                bad_input(e.to_string())
            }
            e => eyre::Report::new(e),
        })?;
        let addr = server.local_addr()?;
        eprintln!(
            "coffer serve: chain {} on http://{addr}/api (api-kit txServiceUrl), database {}",
            server.chain_id(),
            redact(&config.database)
        );
        server.run(coffer_server::shutdown_signal()).await?;
        eprintln!("coffer serve: stopped");
        Ok(())
    }
}

/// The database URL without a password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
