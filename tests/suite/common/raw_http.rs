//! One HTTP/1.1 exchange written and read by hand over loopback, so a test
//! sees exactly the bytes an integration would, and can send what no HTTP
//! library would (odd paths, tokens in queries).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One answer, as received.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    /// A header's value, its name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request to `base` (`http://host:port/...`) + `path`.
pub fn send(base: &str, method: &str, path: &str, token: Option<&str>, body: &str) -> Answer {
    let authority = base.trim_start_matches("http://").split('/').next().expect("host:port");
    let mut stream = TcpStream::connect(authority).expect("connect to the sandbox");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let auth = token.map(|t| format!("authorization: {t}\r\n")).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {authority}\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read the answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}
