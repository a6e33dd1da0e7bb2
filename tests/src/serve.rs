//! `coffer serve` processes and a throwaway PostgreSQL server for the Transaction Service tests.

use std::{
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use tempfile::TempDir;

use crate::{coffer_bin, fail};

/// A free loopback TCP port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| fail(&format!("no free port: {e}")))
}

fn wait_for_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            fail(&format!("{what} exited ({status}) before listening on {port}:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    fail(&format!("{what} did not listen on port {port} within 60 s"));
}

/// A running `coffer serve` (killed when dropped).
#[derive(Debug)]
pub struct Serve {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: TempDir,
}

impl Serve {
    /// Starts `coffer serve --listen 127.0.0.1:<free port> --rpc-url RPC --database DATABASE EXTRA…` and waits
    /// until it accepts connections.
    pub fn start(rpc: &str, database: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
        let port = free_port();
        let log = dir.path().join("serve.log");
        let log_file = std::fs::File::create(&log).unwrap_or_else(|e| fail(&format!("log: {e}")));
        let mut child = Command::new(coffer_bin())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--rpc-url", rpc])
            .args(["--database", database])
            .args(extra)
            .env_remove("COFFER_HOME")
            .env("COFFER_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .unwrap_or_else(|e| fail(&format!("cannot start coffer serve: {e}")));
        wait_for_port(port, &mut child, "coffer serve", &log);
        Self { child, port, log, _dir: dir }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What api-kit takes as `txServiceUrl`: `http://127.0.0.1:PORT/api`.
    pub fn api(&self) -> String {
        format!("{}/api", self.url())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` (e.g. `-TERM`) and returns at once.
    pub fn send_signal(&self, signal: &str) {
        let _ = Command::new("kill").args([signal, &self.child.id().to_string()]).status();
    }

    /// The exit status if the process has exited, without waiting.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().unwrap_or_else(|e| fail(&format!("wait: {e}")))
    }

    /// Sends `signal` (e.g. `-KILL`, `-TERM`) and waits for the exit.
    pub fn signal(&mut self, signal: &str) -> ExitStatus {
        let _ = Command::new("kill").args([signal, &self.child.id().to_string()]).status();
        self.child.wait().unwrap_or_else(|e| fail(&format!("wait: {e}")))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL server of its own: `initdb` into a temp dir, a free loopback port, trust authentication,
/// stopped (`pg_ctl stop -m fast`) and deleted when dropped. Uses Debian's `postgresql` package
/// (`/usr/lib/postgresql/<version>/bin`, or `COFFER_PG_BIN`); as root, the server runs as the `postgres` user.
#[derive(Debug)]
pub struct Postgres {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    as_postgres: bool,
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("COFFER_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| {
                    let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("initdb").is_file().then_some((v, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|(_, b)| b).unwrap_or_else(|| {
        fail("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run script/bootstrap as root, \
              or apt-get install postgresql, or set COFFER_PG_BIN")
    })
}

impl Postgres {
    /// Initialises and starts the server, and creates database `coffer`.
    pub fn start() -> Self {
        let bin = pg_bin_dir();
        let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if as_postgres {
            let ok =
                Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status();
            assert!(
                ok.is_ok_and(|s| s.success()),
                "chown postgres {} failed",
                dir.path().display()
            );
        }
        let pg = Self { bin, dir, port: free_port(), as_postgres };
        let data = pg.data_dir();
        pg.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"],
        );
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            pg.port, data
        );
        let log = format!("{data}/server.log");
        pg.run("pg_ctl", &["-D", &data, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"]);
        pg.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &pg.port.to_string(), "-U", "postgres", "coffer"],
        );
        pg
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| fail(&format!("cannot run {tool}: {e}")));
        if !out.status.success() {
            fail(&format!(
                "{tool} {} failed ({}):\n{}{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }

    /// `postgres://postgres@127.0.0.1:PORT/coffer`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/coffer", self.port)
    }

    /// Runs one SQL statement with `psql` and returns its unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        let out = self
            .command("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "coffer",
            ])
            .args(["-At", "-c", sql])
            .output()
            .unwrap_or_else(|e| fail(&format!("cannot run psql: {e}")));
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "fast", "-w", "stop"]).output();
    }
}
