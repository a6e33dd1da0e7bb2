//! `coffer serve` killed with SIGKILL under a confirmation load (64 concurrent clients, SQLite): after a restart
//! on the same database, every confirmation it answered 201 for is there, none is stored twice, and the rest
//! can be sent again (each answered 201, stored once). And SIGTERM drains: a request in flight when the signal
//! arrives is answered and stored, while new connections are refused.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::{collections::HashSet, sync::Arc, time::Duration};

use coffer_chain::test_utils::{Implementation, TestChain};
use coffer_e2e::{load, serve::Serve};

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_under_load_loses_no_acknowledged_confirmation() {
    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let rpc = chain.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("kill.sqlite3").display());
    let mut server = Serve::start(&rpc, &db, &[]);
    let per_safe = 201;
    let work = load::prepare(&chain, &suite, &server.api(), 4, per_safe, 500).await;
    let jobs = Arc::new(work.jobs.clone());
    let api = server.api();
    let running = {
        let (api, jobs) = (api.clone(), jobs.clone());
        tokio::spawn(async move { load::run(&api, jobs, 64).await })
    };

    // Kill once the load is well under way (a tenth of the first Safe's confirmations stored).
    let first = work.txs[0].1;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while load::listed_owners(&api, first).await.len() < per_safe / 10 {
        assert!(std::time::Instant::now() < deadline, "the load made no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.signal("-KILL");
    let report = running.await.unwrap();
    assert!(!report.created.is_empty(), "some confirmations were answered before the kill");
    assert!(report.created.len() < jobs.len(), "the kill landed before the load ended");

    let server = Serve::start(&rpc, &db, &[]);
    let api = server.api();
    let mut stored: HashSet<(alloy::primitives::B256, alloy::primitives::Address)> = HashSet::new();
    for (_, hash) in &work.txs {
        let owners = load::listed_owners(&api, *hash).await;
        let unique: HashSet<_> = owners.iter().collect();
        assert_eq!(unique.len(), owners.len(), "a confirmation of {hash} is stored twice");
        stored.extend(owners.into_iter().map(|o| (*hash, o)));
    }
    for i in &report.created {
        let job = &jobs[*i];
        assert!(
            stored.contains(&(job.safe_tx_hash, job.owner)),
            "confirmation {i} by {} was answered 201 but is lost",
            job.owner
        );
    }

    // Everything sent again (acknowledged or not): every answer is 201 and each owner is stored once.
    let again = load::run(&api, jobs.clone(), 16).await;
    assert_eq!(
        again.created.len(),
        jobs.len(),
        "failures on resend: {:?}",
        &again.failed[..again.failed.len().min(5)]
    );
    for (_, hash) in &work.txs {
        let owners = load::listed_owners(&api, *hash).await;
        // The proposer's confirmation plus every other owner's, once each.
        assert_eq!(owners.len(), per_safe);
        assert_eq!(owners.iter().collect::<HashSet<_>>().len(), per_safe);
    }
}

/// SIGTERM while a confirmation is half sent: the server stops accepting connections but waits for that request,
/// answers it 201, stores it, and exits 0.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_an_in_flight_request_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let chain = TestChain::spawn().await.unwrap();
    let suite = chain.deploy_suite(Implementation::Coffer).await.unwrap();
    let rpc = chain.endpoint();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("drain.sqlite3").display());
    let mut server = Serve::start(&rpc, &db, &[]);
    let work = load::prepare(&chain, &suite, &server.api(), 1, 3, 900).await;
    let job = work.jobs[0].clone();
    let port: u16 = server.url().rsplit(':').next().unwrap().parse().unwrap();

    // Headers and half of the body: the request is in flight.
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/multisig-transactions/{}/confirmations/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        job.safe_tx_hash,
        job.body.len()
    );
    let (first, rest) = job.body.as_bytes().split_at(job.body.len() / 2);
    conn.write_all(head.as_bytes()).await.unwrap();
    conn.write_all(first).await.unwrap();
    conn.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.send_signal("-TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.try_exit().is_none(), "coffer serve exited with a request in flight");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "a new connection was accepted after SIGTERM"
    );

    conn.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), conn.read_to_end(&mut answer))
        .await
        .expect("the in-flight request was answered")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "in-flight request answered: {answer}");

    let status = server.wait();
    assert!(status.success(), "coffer serve exited {status} on SIGTERM:\n{}", server.log());
    let server = Serve::start(&rpc, &db, &[]);
    let owners = load::listed_owners(&server.api(), job.safe_tx_hash).await;
    assert!(owners.contains(&job.owner), "the drained confirmation is stored");
}
