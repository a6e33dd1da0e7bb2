//! The client's retry, backoff and error rules over real HTTP on loopback.
//!
//! A double is used here on purpose: the hosted service's rate limit (429 from its gateway) and
//! a failing upstream (5xx) cannot be produced on demand by `coffer serve` or any real service.
//! The responder answers with the exact status lines, headers and JSON bodies the official
//! service documents (TX-SERVICE-API.md §2, §3), over a real TCP socket and reqwest; the flows
//! against a real server are in the e2e tests (`tests/tests/tx_service.rs`).
#![allow(clippy::unwrap_used, clippy::panic)]

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use coffer_txs_api::{Client, ClientError, Retry};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const ABOUT: &str = r#"{"name":"coffer","version":"0.1.0","api_version":"v1","secure":false,"host":"127.0.0.1","headers":[],"settings":{}}"#;

/// Serves `answers` in order (the last one repeats); records each request's head.
async fn responder(answers: Vec<String>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let mut i = 0usize;
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 8192];
            let mut n = 0;
            while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf[n..]).await {
                    Ok(0) | Err(_) => break,
                    Ok(k) => n += k,
                }
            }
            log.lock().unwrap().push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let answer = answers[i.min(answers.len() - 1)].clone();
            i += 1;
            let _ = sock.write_all(answer.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    (url, seen)
}

fn http(status: &str, extra: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    )
}

fn quick() -> Retry {
    Retry { attempts: 4, first_delay: Duration::from_millis(20), max_delay: Duration::from_secs(2) }
}

#[tokio::test]
async fn retries_429_and_5xx_with_backoff_and_sends_the_key() {
    let (url, seen) = responder(vec![
        http(
            "429 Too Many Requests",
            "Retry-After: 1\r\n",
            r#"{"detail":"Request was throttled."}"#,
        ),
        http("503 Service Unavailable", "", ""),
        http("200 OK", "", ABOUT),
    ])
    .await;
    let client = Client::new(Some(&url), Some("secret-key"), 31337).unwrap().with_retry(quick());
    let started = Instant::now();
    let about = client.about().await.unwrap();
    assert_eq!(about.api_version, "v1");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    // Retry-After: 1 was honoured before the second attempt.
    assert!(started.elapsed() >= Duration::from_secs(1));
    for head in &seen {
        assert!(head.starts_with("GET /api/v1/about/ HTTP/1.1"), "{head}");
        assert!(head.to_ascii_lowercase().contains("authorization: bearer secret-key"), "{head}");
        assert!(head.to_ascii_lowercase().contains("accept: application/json"), "{head}");
    }
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_shows_the_services_message() {
    let (url, seen) = responder(vec![http(
        "422 Unprocessable Entity",
        "",
        r#"{"nonFieldErrors":["Signature does not match sender=0x0000000000000000000000000000000000000001. Calculated owners=[]"]}"#,
    )])
    .await;
    let client = Client::new(Some(&url), None, 31337).unwrap().with_retry(quick());
    let err = client.about().await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("Signature does not match sender="), "{err}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].to_ascii_lowercase().contains("authorization"), "no key, no header");
}

#[tokio::test]
async fn gives_up_after_the_last_attempt() {
    let (url, seen) = responder(vec![http("502 Bad Gateway", "", "")]).await;
    let client = Client::new(Some(&url), None, 31337).unwrap().with_retry(quick());
    let err = client.about().await.unwrap_err();
    assert!(matches!(err, ClientError::Status { status: 502, .. }), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 4);
    // Nothing listens here: a transport error after the retries, naming the URL.
    let client =
        Client::new(Some("http://127.0.0.1:9/api"), None, 31337).unwrap().with_retry(quick());
    let err = client.about().await.unwrap_err();
    assert!(matches!(err, ClientError::Transport { attempts: 4, .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}
