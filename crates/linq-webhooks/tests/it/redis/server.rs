//! A throwaway `redis-server` on a free loopback port, stopped on drop.
//!
//! When `redis-server` is not installed the test fails under CI (`CI=true`)
//! and otherwise says on stderr that it did not run.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts a server, or returns `None` (after saying so) when
    /// `redis-server` is missing outside CI.
    pub fn start(test: &str) -> Option<Self> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "{test}: redis-server is not installed and CI=true; \
                     install it (apt-get install -y redis-server) — .ci/run does"
                );
            }
            // Straight to stderr: the test harness would swallow `eprintln!`
            // of a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "{test}: DID NOT RUN: redis-server is not installed \
                 (apt-get install -y redis-server); under CI=true this fails"
            );
            return None;
        }
        // Bind port 0 to learn a free port, then hand it to redis-server.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        Some(Self {
            child: spawn(port),
            port,
        })
    }

    /// Stops the server and starts a new one on the same port (its data is
    /// gone, as after a restart without persistence).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

/// Starts redis-server on `port` and waits until it listens.
fn spawn(port: u16) -> Child {
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start redis-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not listen on 127.0.0.1:{port} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
