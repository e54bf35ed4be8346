//! Voicemails: the caller's own (User, `/accounts/me/voicemails`), those of an account of the
//! request's space (Admin, `/accounts/{id}/voicemails`), the upload that fills one (Admin,
//! `/files/{uuid}`) and, outside `/api`, the download of its file (`/f/{uuid}/{name}`).

use std::sync::atomic::Ordering;

use flexiapi_domain::model::{AccountId, VOICEMAIL_SNIFF_LENGTH, Voicemail};
use flexiapi_domain::service::voicemails::VoicemailInput;
use flexiapi_domain::validation::{Rule, ValidationErrors};
use poem::http::StatusCode;
use poem::web::Multipart;
use poem::{Body, FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Binary as BinaryType;
use poem_openapi::types::Type;
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Object, OpenApi, Tags,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::space_json::Reader;
use super::spaces::LooseJson;
use super::{ApiTags, base_url, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;
use crate::files::{Capped, LocalFiles, PartFile};
use crate::i18n::MessageId;

pub struct VoicemailsApi;

type ApiResult<T> = Result<T, ApiError>;

/// Room for the multipart framing (boundaries, part headers) around the file.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// A voicemail, as the original's (with its upload and download URLs).
#[derive(Debug, Clone, Object)]
pub struct VoicemailObject {
    /// A UUID.
    pub id: String,
    /// Who left the message, a SIP URI.
    #[oai(nullable)]
    pub sip_from: Option<String>,
    /// `audio/opus` or `audio/wav`.
    pub content_type: String,
    /// Bytes of the uploaded file.
    #[oai(nullable)]
    pub size: Option<i64>,
    #[oai(nullable)]
    pub uploaded_at: Option<String>,
    pub created_at: String,
    /// Where an admin uploads the file (`POST`, multipart `file`), once.
    pub upload_url: String,
    /// Largest file accepted, in bytes.
    pub max_upload_size: u64,
    /// Where the file is served, once uploaded.
    #[oai(nullable)]
    pub download_url: Option<String>,
}

fn object(req: &Request, v: &Voicemail) -> ApiResult<VoicemailObject> {
    let base = base_url(req)?;
    Ok(VoicemailObject {
        id: v.id.to_string(),
        sip_from: v.sip_from.as_ref().map(ToString::to_string),
        content_type: v.content_type.to_string(),
        size: v.size,
        uploaded_at: v.uploaded_at.map(timestamp),
        created_at: timestamp(v.created_at),
        upload_url: format!("{base}/api/files/{}", v.id),
        max_upload_size: state(req)?.settings.files.max_upload_size,
        download_url: v
            .name
            .as_ref()
            .map(|name| format!("{base}/f/{}/{name}", v.id)),
    })
}

/// `POST …/voicemails` body.
#[derive(Debug, Object)]
pub struct VoicemailRequest {
    /// Who left the message: a SIP URI, or null.
    #[oai(nullable)]
    pub sip_from: Option<String>,
    /// Required: `audio/opus` or `audio/wav`.
    pub content_type: String,
}

fn input(body: &Value) -> VoicemailInput {
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let sip_from = r.text("sip_from").flatten();
    let content_type = r.text("content_type").flatten();
    VoicemailInput {
        sip_from,
        content_type,
        unreadable,
    }
}

#[derive(ApiResponse)]
pub enum VoicemailCreated {
    #[oai(status = 201)]
    Created(Json<VoicemailObject>),
}

/// The multipart form of an upload, for the document.
#[derive(Debug, poem_openapi::Multipart)]
pub struct UploadForm {
    /// The audio file; its bytes must be of the voicemail's `content_type`.
    pub file: poem_openapi::types::multipart::Upload,
}

/// An upload's body, taken as it comes: the handler streams it to disk (no buffering), after
/// authentication, and reports its faults as field errors.
pub struct UploadBody(Body);

impl<'a> ApiExtractor<'a> for UploadBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <UploadForm as poem_openapi::payload::Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "multipart/form-data",
                schema: <UploadForm as poem_openapi::payload::Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        _req: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Self(body.take()?))
    }
}

fn file_error(rule: Rule) -> ApiError {
    ApiError::field("file", rule)
}

fn io_failure(e: &std::io::Error) -> ApiError {
    tracing::error!(error = %e, "cannot write a voicemail file");
    ApiError::internal()
}

/// Streams the multipart `file` of `body` to a temporary file, checking its first bytes against
/// the voicemail's type and its size against the limit; the returned part is complete.
async fn receive(
    req: &Request,
    body: Body,
    files: &LocalFiles,
    voicemail: &Voicemail,
    unique: &str,
) -> ApiResult<(PartFile, u64)> {
    let max = files.max_upload_size;
    let too_large = || file_error(Rule::MaxKilobytes(max / 1024));
    if req
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > max + MULTIPART_OVERHEAD)
    {
        return Err(too_large());
    }
    let capped = Capped::new(body.into_async_read(), max + MULTIPART_OVERHEAD);
    let over = capped.over.clone();
    let mut multipart = <Multipart as FromRequest>::from_request(
        req,
        &mut RequestBody::new(Body::from_async_read(capped)),
    )
    .await
    .map_err(|_| file_error(Rule::Required))?;
    let cut = |over: bool| {
        if over {
            too_large()
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, MessageId::UploadIncomplete)
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Err(file_error(Rule::Required)),
            Err(_) => return Err(cut(over.load(Ordering::Relaxed))),
        };
        if field.name() != Some("file") {
            continue;
        }
        files.ensure_directory().await.map_err(|e| io_failure(&e))?;
        let part = PartFile::new(files.temporary_path(voicemail.id.as_str(), unique));
        let mut out = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(part.path())
            .await
            .map_err(|e| io_failure(&e))?;
        let mut reader = field.into_async_read();
        let mut head = Vec::with_capacity(VOICEMAIL_SNIFF_LENGTH);
        let mut checked = false;
        let mut size: u64 = 0;
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut chunk).await {
                Ok(n) => n,
                Err(_) => return Err(cut(over.load(Ordering::Relaxed))),
            };
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > max {
                return Err(too_large());
            }
            if !checked {
                let wanted = VOICEMAIL_SNIFF_LENGTH - head.len();
                head.extend_from_slice(&chunk[..n.min(wanted)]);
                if head.len() == VOICEMAIL_SNIFF_LENGTH {
                    if !voicemail.content_type.matches(&head) {
                        return Err(file_error(Rule::FileType(
                            voicemail.content_type.to_string(),
                        )));
                    }
                    checked = true;
                }
            }
            out.write_all(&chunk[..n])
                .await
                .map_err(|e| io_failure(&e))?;
        }
        if !checked && !voicemail.content_type.matches(&head) {
            return Err(file_error(Rule::FileType(
                voicemail.content_type.to_string(),
            )));
        }
        out.flush().await.map_err(|e| io_failure(&e))?;
        out.sync_all().await.map_err(|e| io_failure(&e))?;
        return Ok((part, size));
    }
}

#[derive(Tags)]
enum FileTags {
    /// Voicemail files, served outside `/api`.
    Files,
}

/// A file, whole (200) or the requested range of it (206).
pub struct FileDownload(Response);

impl IntoResponse for FileDownload {
    fn into_response(self) -> Response {
        self.0
    }
}

impl ApiResponse for FileDownload {
    fn meta() -> MetaResponses {
        let binary = || {
            vec![
                MetaMediaType {
                    content_type: "audio/opus",
                    schema: BinaryType::<Vec<u8>>::schema_ref(),
                },
                MetaMediaType {
                    content_type: "audio/wav",
                    schema: BinaryType::<Vec<u8>>::schema_ref(),
                },
            ]
        };
        let response = |status, description| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: binary(),
            headers: vec![],
        };
        MetaResponses {
            responses: vec![
                response(200, "The whole file, of the voicemail's type."),
                response(206, "The requested byte range (`Range: bytes=…`)."),
                MetaResponse {
                    description: "The range is outside the file.",
                    status: Some(416),
                    status_range: None,
                    content: vec![],
                    headers: vec![],
                },
            ],
        }
    }

    fn register(_registry: &mut Registry) {}
}

/// A single `bytes=` range of a file of `len` bytes: `Ok(None)` for none (or one we do not
/// serve: several ranges, another unit), `Err` when it cannot be satisfied.
fn byte_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let Ok(suffix) = end.parse::<u64>() else {
            return Ok(None);
        };
        if suffix == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(suffix), len - 1)
    } else {
        let Ok(start) = start.parse::<u64>() else {
            return Ok(None);
        };
        let end = if end.is_empty() {
            len.saturating_sub(1)
        } else {
            match end.parse::<u64>() {
                Ok(end) => end.min(len.saturating_sub(1)),
                Err(_) => return Ok(None),
            }
        };
        if start >= len || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// The voicemail download, outside `/api` (merged into the document beside provisioning).
pub struct FilesApi;

#[OpenApi]
impl FilesApi {
    /// A voicemail's file
    ///
    /// Access: User. The voicemail's own account, or an admin of its space; 404 for anyone
    /// else, for an unknown voicemail or name, and before the upload. Answers the file with the
    /// voicemail's type, and one byte range (`Range: bytes=…`, 206; 416 outside the file).
    #[oai(
        path = "/f/:uuid/:name",
        method = "get",
        tag = "FileTags::Files",
        operation_id = "downloadVoicemailFile"
    )]
    async fn download(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
        name: Path<String>,
    ) -> ApiResult<FileDownload> {
        let state = state(req)?;
        let voicemail = state
            .services
            .voicemail_in_space(request_space(req)?, &uuid.0)
            .await?;
        let me = &caller.0.auth.account;
        let not_found = || {
            ApiError::from(flexiapi_domain::service::ServiceError::NotFound(
                flexiapi_domain::service::Entity::Voicemail,
            ))
        };
        if voicemail.name.as_deref() != Some(name.0.as_str())
            || (me.id != voicemail.account_id && !me.admin)
        {
            return Err(not_found());
        }
        let path = state.settings.files.path(&name.0);
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
            Err(e) => return Err(io_failure(&e)),
        };
        let len = file.metadata().await.map_err(|e| io_failure(&e))?.len();
        let builder = Response::builder()
            .content_type(voicemail.content_type.as_str())
            .header("accept-ranges", "bytes");
        let answer = match byte_range(req.header("range"), len) {
            Err(()) => builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header("content-range", format!("bytes */{len}"))
                .body(Body::empty()),
            Ok(None) => builder
                .header("content-length", len)
                .body(Body::from_async_read(file)),
            Ok(Some((start, end))) => {
                file.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(|e| io_failure(&e))?;
                let count = end - start + 1;
                builder
                    .status(StatusCode::PARTIAL_CONTENT)
                    .header("content-range", format!("bytes {start}-{end}/{len}"))
                    .header("content-length", count)
                    .body(Body::from_async_read(file.take(count)))
            }
        };
        Ok(FileDownload(answer))
    }
}

#[OpenApi]
impl VoicemailsApi {
    /// My voicemails
    ///
    /// Access: User. Oldest first.
    #[oai(
        path = "/accounts/me/voicemails",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyVoicemails"
    )]
    async fn mine(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> ApiResult<Json<Vec<VoicemailObject>>> {
        let voicemails = state(req)?
            .services
            .voicemails_of(&caller.0.auth.account)
            .await?;
        Ok(Json(
            voicemails
                .iter()
                .map(|v| object(req, v))
                .collect::<ApiResult<_>>()?,
        ))
    }

    /// Add one of my voicemails
    ///
    /// Access: User. An empty slot, filled by an admin's upload to its `upload_url`. Needs an
    /// e-mail address on the account (422 otherwise); `sip_from` is an optional SIP URI,
    /// `content_type` is `audio/opus` or `audio/wav`. 422 with every broken rule.
    #[oai(
        path = "/accounts/me/voicemails",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createMyVoicemail"
    )]
    async fn create_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        body: LooseJson<VoicemailRequest>,
    ) -> ApiResult<VoicemailCreated> {
        let created = state(req)?
            .services
            .create_voicemail(&caller.0.auth.account, input(&body.0))
            .await?;
        Ok(VoicemailCreated::Created(Json(object(req, &created)?)))
    }

    /// One of my voicemails
    ///
    /// Access: User. 404 for one that is not mine.
    #[oai(
        path = "/accounts/me/voicemails/:uuid",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMyVoicemail"
    )]
    async fn one_of_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<Json<VoicemailObject>> {
        let voicemail = state(req)?
            .services
            .voicemail(&caller.0.auth.account, &uuid.0)
            .await?;
        Ok(Json(object(req, &voicemail)?))
    }

    /// Delete one of my voicemails
    ///
    /// Access: User. Its file too. Answers `1`; 404 for one that is not mine.
    #[oai(
        path = "/accounts/me/voicemails/:uuid",
        method = "delete",
        tag = "ApiTags::Me",
        operation_id = "deleteMyVoicemail"
    )]
    async fn delete_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_voicemail(&caller.0.auth.account, &uuid.0)
            .await?;
        Ok(PlainText("1"))
    }

    /// Add a voicemail to an account
    ///
    /// Access: Admin. The rules of `POST /accounts/me/voicemails`; 404 for an account of
    /// another space.
    #[oai(
        path = "/accounts/:id/voicemails",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createVoicemail"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: LooseJson<VoicemailRequest>,
    ) -> ApiResult<VoicemailCreated> {
        let created = state(req)?
            .services
            .create_account_voicemail(request_space(req)?, AccountId(id.0), input(&body.0))
            .await?;
        Ok(VoicemailCreated::Created(Json(object(req, &created)?)))
    }

    /// Delete a voicemail of an account
    ///
    /// Access: Admin. Its file too. Answers `1`; 404 for an account of another space or a
    /// voicemail of another account.
    #[oai(
        path = "/accounts/:id/voicemails/:uuid",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteVoicemail"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_account_voicemail(request_space(req)?, AccountId(id.0), &uuid.0)
            .await?;
        Ok(PlainText("1"))
    }

    /// Upload a voicemail's file
    ///
    /// Access: Admin. Multipart `file`, once per voicemail of the space (404 after, and for an
    /// unknown one). Its bytes must be of the voicemail's `content_type` (422), its size at
    /// most `max_upload_size` (422). Streamed to the `[files] directory` under a temporary name
    /// and renamed when complete: a cut upload leaves nothing. Answers the voicemail, now with
    /// its `download_url`.
    #[oai(
        path = "/files/:uuid",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "uploadVoicemailFile"
    )]
    async fn upload(
        &self,
        req: &Request,
        _caller: AdminCaller,
        uuid: Path<String>,
        body: UploadBody,
    ) -> ApiResult<Json<VoicemailObject>> {
        let state = state(req)?;
        let voicemail = state
            .services
            .voicemail_in_space(request_space(req)?, &uuid.0)
            .await?;
        if voicemail.uploaded_at.is_some() {
            return Err(ApiError::from(
                flexiapi_domain::service::ServiceError::NotFound(
                    flexiapi_domain::service::Entity::Voicemail,
                ),
            ));
        }
        let files = &state.settings.files;
        let unique = state.services.tokens.hex(8);
        let (part, size) = receive(req, body.0, files, &voicemail, &unique).await?;
        let name = voicemail.file_name();
        // Claimed first, renamed after: of concurrent uploads only the winner's file lands.
        let filled = state
            .services
            .fill_voicemail(&voicemail, &name, size)
            .await?;
        tokio::fs::rename(part.path(), files.path(&name))
            .await
            .map_err(|e| io_failure(&e))?;
        part.keep();
        // Mailed to the account off the request path; the server's maintenance retries.
        let services = state.services.clone();
        let language = state.settings.languages.fallback().to_string();
        tokio::spawn(async move {
            if let Err(e) = services.mail_voicemails(&language).await {
                tracing::warn!(error = %e, "could not mail voicemails");
            }
        });
        Ok(Json(object(req, &filled)?))
    }
}
