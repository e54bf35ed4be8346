//! `GET /api/ping`.

use poem_openapi::OpenApi;
use poem_openapi::payload::PlainText;

use super::ApiTags;

pub struct PingApi;

#[OpenApi(tag = "ApiTags::Ping")]
impl PingApi {
    /// Ping
    ///
    /// Access: Public. Answers `pong`.
    #[oai(path = "/ping", method = "get", operation_id = "ping")]
    async fn ping(&self) -> PlainText<&'static str> {
        PlainText("pong")
    }
}
