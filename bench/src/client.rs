//! The client side: one HTTP/1.1 keep-alive connection (hyper), and the three authentication
//! mechanisms spoken as real clients speak them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use md5::Md5;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

/// One connection to the server, reused for every request of a worker.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

/// A response, body read.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    #[allow(dead_code)]
    pub body: Bytes,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Connection> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Connection { sender })
    }

    pub async fn send(&mut self, request: Request<Full<Bytes>>) -> anyhow::Result<Answer> {
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// A request with the headers every client of the API sends.
pub fn request(method: &str, host: &str, path: &str) -> hyper::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("accept", "application/json")
}

/// Throwaway RSA and EC key pairs for the JWT scenarios, and their public keys as files for the
/// server process.
pub struct JwtKeys {
    rsa: EncodingKey,
    ec: EncodingKey,
    _dir: tempfile::TempDir,
    rsa_public: PathBuf,
    ec_public: PathBuf,
}

impl JwtKeys {
    pub fn generate() -> anyhow::Result<JwtKeys> {
        let mut rng = rand_core06::OsRng;
        let rsa = rsa::RsaPrivateKey::new(&mut rng, 2048)?;
        let ec = p256::SecretKey::random(&mut rng);
        let dir = tempfile::tempdir()?;
        let rsa_public = dir.path().join("rsa.pem");
        let ec_public = dir.path().join("ec.pem");
        std::fs::write(
            &rsa_public,
            rsa.to_public_key().to_public_key_pem(LineEnding::LF)?,
        )?;
        std::fs::write(
            &ec_public,
            ec.public_key().to_public_key_pem(LineEnding::LF)?,
        )?;
        Ok(JwtKeys {
            rsa: EncodingKey::from_rsa_pem(rsa.to_pkcs8_pem(LineEnding::LF)?.as_bytes())?,
            ec: EncodingKey::from_ec_pem(ec.to_pkcs8_pem(LineEnding::LF)?.as_bytes())?,
            _dir: dir,
            rsa_public,
            ec_public,
        })
    }

    pub fn rsa_public_path(&self) -> &Path {
        &self.rsa_public
    }

    pub fn ec_public_path(&self) -> &Path {
        &self.ec_public
    }

    /// A token for `sip`, valid an hour; `nonce` makes each connection's token its own.
    pub fn token(&self, algorithm: Algorithm, sip: &str, nonce: usize) -> anyhow::Result<String> {
        let key = match algorithm {
            Algorithm::ES256 => &self.ec,
            _ => &self.rsa,
        };
        let exp = chrono::Utc::now().timestamp() + 3600;
        let claims = serde_json::json!({"sip_identity": sip, "exp": exp, "jti": nonce});
        Ok(jsonwebtoken::encode(&Header::new(algorithm), &claims, key)?)
    }
}

/// One `WWW-Authenticate: Digest` challenge.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub realm: String,
    pub algorithm: String,
    pub nonce: String,
    pub opaque: String,
    pub stale: bool,
}

fn param(challenge: &str, name: &str) -> String {
    challenge
        .split(',')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .unwrap_or_default()
}

/// The first Digest challenge we can answer (the server lists SHA-256 first), as curl picks.
pub fn first_challenge(headers: &HeaderMap) -> Option<Challenge> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.strip_prefix("Digest "))
        .map(|v| Challenge {
            realm: param(v, "realm"),
            algorithm: param(v, "algorithm"),
            nonce: param(v, "nonce"),
            opaque: param(v, "opaque"),
            stale: param(v, "stale") == "true",
        })
        .find(|c| c.algorithm == "SHA-256" || c.algorithm == "MD5")
}

fn hex_digest(algorithm: &str, data: &str) -> String {
    if algorithm == "MD5" {
        hex::encode(Md5::digest(data.as_bytes()))
    } else {
        hex::encode(Sha256::digest(data.as_bytes()))
    }
}

/// A Digest client that keeps its nonce and counts `nc` up, like python-requests' session.
pub struct DigestClient {
    username: String,
    password: String,
    pub from: HeaderValue,
    challenge: Option<Challenge>,
    /// H(username:realm:password) for the current challenge.
    ha1: String,
    nc: u32,
    cnonce: String,
}

impl DigestClient {
    pub fn new(username: &str, domain: &str, password: &str, cnonce: String) -> DigestClient {
        DigestClient {
            username: username.into(),
            password: password.into(),
            from: HeaderValue::from_str(&format!("sip:{username}@{domain}"))
                .unwrap_or(HeaderValue::from_static("")),
            challenge: None,
            ha1: String::new(),
            nc: 0,
            cnonce,
        }
    }

    /// Whether the challenge last learnt said `stale=true`.
    pub fn is_stale(&self) -> bool {
        self.challenge.as_ref().is_some_and(|c| c.stale)
    }

    pub fn has_challenge(&self) -> bool {
        self.challenge.is_some()
    }

    /// Takes the challenge of a 401; returns false when there is none.
    pub fn learn(&mut self, headers: &HeaderMap) -> bool {
        let Some(challenge) = first_challenge(headers) else {
            return false;
        };
        self.ha1 = hex_digest(
            &challenge.algorithm,
            &format!("{}:{}:{}", self.username, challenge.realm, self.password),
        );
        self.challenge = Some(challenge);
        self.nc = 0;
        true
    }

    /// The `Authorization` value for the next request, with `nc` one higher.
    pub fn authorization(&mut self, method: &str, uri: &str) -> Option<String> {
        let c = self.challenge.as_ref()?;
        self.nc += 1;
        let nc = format!("{:08x}", self.nc);
        let ha2 = hex_digest(&c.algorithm, &format!("{method}:{uri}"));
        let response = hex_digest(
            &c.algorithm,
            &format!("{}:{}:{nc}:{}:auth:{ha2}", self.ha1, c.nonce, self.cnonce),
        );
        Some(format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, qop=auth, nc={nc}, cnonce=\"{}\", response=\"{response}\", opaque=\"{}\"",
            self.username, c.realm, c.nonce, c.algorithm, self.cnonce, c.opaque
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_answer_matches_rfc_7616() {
        // RFC 7616 section 3.9.1, SHA-256.
        let mut client = DigestClient::new(
            "Mufasa",
            "example.org",
            "Circle of Life",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ".into(),
        );
        let mut headers = HeaderMap::new();
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Digest realm=\"http-auth@example.org\", qop=\"auth\", algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
            ),
        );
        assert!(client.learn(&headers));
        let value = client.authorization("GET", "/dir/index.html").unwrap();
        assert!(
            value.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{value}"
        );
        assert!(value.contains("nc=00000001"));
        let next = client.authorization("GET", "/dir/index.html").unwrap();
        assert!(
            next.contains("nc=00000002"),
            "the nonce is reused, nc grows"
        );
    }
}
