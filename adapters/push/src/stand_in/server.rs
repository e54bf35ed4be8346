//! A minimal HTTP server for the stand-ins: HTTP/1.1, HTTP/2 with prior knowledge, or HTTP/2 over
//! TLS (ALPN `h2` only), each request's body read whole and handed to one handler.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{HeaderMap, Response, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

pub struct Request {
    pub path: String,
    pub method: String,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub type Reply = Response<Full<Bytes>>;
type Handler = Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

pub enum Protocol {
    Http1,
    /// HTTP/2 only: an HTTP/1 client fails at the connection preface.
    Http2,
    Http2Tls(TlsAcceptor),
}

/// A running server; dropping it stops it, its connections and any hanging request.
pub struct Server {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.task.abort();
    }
}

impl Server {
    pub async fn start<F, Fut>(protocol: Protocol, handler: F) -> Self
    where
        F: Fn(Request, watch::Receiver<bool>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port for the stand-in");
        let addr = listener.local_addr().expect("the stand-in's address");
        let (stop, stopped) = watch::channel(false);
        let handler: Handler = {
            let stopped = stopped.clone();
            Arc::new(move |request| Box::pin(handler(request, stopped.clone())))
        };
        let protocol = Arc::new(protocol);
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                while connections.try_join_next().is_some() {}
                let handler = handler.clone();
                let protocol = protocol.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let handler = handler.clone();
                        async move { Ok::<_, Infallible>(handler(read(request).await).await) }
                    });
                    match &*protocol {
                        Protocol::Http1 => {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Protocol::Http2 => {
                            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Protocol::Http2Tls(acceptor) => {
                            let Ok(tls) = acceptor.accept(stream).await else {
                                return;
                            };
                            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                                .serve_connection(TokioIo::new(tls), service)
                                .await;
                        }
                    }
                });
            }
        });
        Self { addr, stop, task }
    }
}

async fn read(request: hyper::Request<Incoming>) -> Request {
    let (parts, body) = request.into_parts();
    Request {
        path: parts.uri.path().to_owned(),
        method: parts.method.as_str().to_owned(),
        version: parts.version,
        headers: parts.headers,
        body: body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default(),
    }
}

pub fn reply(status: u16, body: &serde_json::Value) -> Reply {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid response")
}

/// Waits until the stand-in stops (a hanging request), then answers 503.
pub async fn hang(mut stopped: watch::Receiver<bool>) -> Reply {
    let _ = stopped.wait_for(|stop| *stop).await;
    reply(503, &serde_json::json!({}))
}

pub fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case, as Apple allows).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = header(headers, "authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}
