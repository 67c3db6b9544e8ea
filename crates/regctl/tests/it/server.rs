//! A small HTTP/1.1 file server on 127.0.0.1 for federation tests: serves a directory with
//! `ETag`s, answers `If-None-Match` with 304, records every request, and can be told to hang,
//! corrupt a file, redirect, or stop.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request the server saw.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) path: String,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) status: u16,
}

#[derive(Default)]
struct Behaviour {
    hang: bool,
    corrupt: Option<String>,
    /// Path prefix → absolute URL to redirect to (the rest of the path appended).
    redirect: Option<(String, String)>,
}

/// A running server, until [`Server::stop`].
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    behaviour: Arc<Mutex<Behaviour>>,
    stopped: Arc<AtomicBool>,
}

impl Server {
    /// Serves `root` on a free port.
    pub(crate) fn serve(root: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Mutex::new(Behaviour::default()));
        let stopped = Arc::new(AtomicBool::new(false));
        let (seen_clone, behaviour_clone, stopped_clone) =
            (seen.clone(), behaviour.clone(), stopped.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped_clone.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (root, seen, behaviour) =
                    (root.clone(), seen_clone.clone(), behaviour_clone.clone());
                thread::spawn(move || handle(stream, &root, &seen, &behaviour));
            }
        });
        Server {
            url: format!("http://127.0.0.1:{port}/"),
            port,
            seen,
            behaviour,
            stopped,
        }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    pub(crate) fn forget(&self) {
        self.seen.lock().expect("lock").clear();
    }

    /// Accepts connections but never answers.
    pub(crate) fn hang(&self) {
        self.behaviour.lock().expect("lock").hang = true;
    }

    /// Serves `path` with one byte changed.
    pub(crate) fn corrupt(&self, path: &str) {
        self.behaviour.lock().expect("lock").corrupt = Some(path.to_owned());
    }

    /// Redirects requests below `prefix` to `target` + the rest of the path.
    pub(crate) fn redirect(&self, prefix: &str, target: &str) {
        self.behaviour.lock().expect("lock").redirect =
            Some((prefix.to_owned(), target.to_owned()));
    }

    /// Stops accepting connections (the port is closed).
    pub(crate) fn stop(self) {
        self.stopped.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        thread::sleep(Duration::from_millis(50));
    }
}

fn handle(
    mut stream: TcpStream,
    root: &std::path::Path,
    seen: &Mutex<Vec<Seen>>,
    behaviour: &Mutex<Behaviour>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .trim_start_matches('/')
            .to_owned();
        let mut headers = BTreeMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let (hang, corrupt, redirect) = {
            let b = behaviour.lock().expect("lock");
            (b.hang, b.corrupt.clone(), b.redirect.clone())
        };
        if hang {
            thread::sleep(Duration::from_secs(30));
            return;
        }
        let record = |status: u16| {
            seen.lock().expect("lock").push(Seen {
                path: path.clone(),
                headers: headers.clone(),
                status,
            });
        };
        if let Some((prefix, target)) = redirect
            && path.starts_with(&prefix)
        {
            record(302);
            let location = format!("{target}{}", &path[prefix.len()..]);
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            );
            continue;
        }
        let Ok(mut bytes) = std::fs::read(root.join(&path)) else {
            record(404);
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            );
            continue;
        };
        let etag = format!("\"{}\"", regctl_compose::build::sha256_hex(&bytes));
        if headers.get("if-none-match") == Some(&etag) {
            record(304);
            let _ = write!(
                stream,
                "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n"
            );
            continue;
        }
        if corrupt.as_deref() == Some(path.as_str())
            && let Some(first) = bytes.first_mut()
        {
            *first ^= 0x20;
        }
        record(200);
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            bytes.len()
        );
        let _ = stream.write_all(&bytes);
        let _ = stream.flush();
        // Drain nothing else: keep-alive loops to the next request.
        let _ = reader.get_mut().read(&mut []);
    }
}
