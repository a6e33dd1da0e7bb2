//! Starting and stopping `coffer serve`.

use crate::{
    Db, Error, Result,
    chain::ChainView,
    http::{AppState, normalize_path, router},
};
use alloy::providers::{DynProvider, Provider};
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

/// What `coffer serve` needs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Address to listen on, e.g. `127.0.0.1:8000`.
    pub listen: String,
    /// Database URL: `sqlite:PATH` or `postgres://…`.
    pub database: String,
    /// With a token, every request must carry `Authorization: Bearer <token>`.
    pub api_token: Option<String>,
    /// How long a Safe's owners, threshold, nonce and version read from the chain are reused.
    pub chain_cache: Duration,
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.local_addr().ok()).finish()
    }
}

impl Server {
    /// Reads the chain id, opens (and migrates) the database and binds the listen address.
    pub async fn bind(config: &ServeConfig, provider: DynProvider) -> Result<Self> {
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| Error::Chain(coffer_chain::Error::Rpc(e.to_string())))?;
        let db = Db::connect(&config.database).await?;
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .map_err(|source| Error::Bind { addr: config.listen.clone(), source })?;
        let state = Arc::new(AppState {
            db,
            chain: ChainView::new(provider, chain_id, config.chain_cache),
            api_token: config.api_token.clone(),
            synced: Default::default(),
            pending: Default::default(),
        });
        Ok(Self { listener, state })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The chain id read at start.
    pub fn chain_id(&self) -> u64 {
        self.state.chain.chain_id
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets in-flight requests finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let app =
            tower::ServiceBuilder::new().map_request(normalize_path).service(router(self.state));
        // TCP_NODELAY on every accepted connection: an answer is written at once, never held back by Nagle's
        // algorithm waiting for the client's delayed ACK (up to 40 ms on Linux) when it goes out in pieces.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, axum::ServiceExt::<axum::extract::Request>::into_make_service(app))
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
