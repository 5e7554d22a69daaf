//! Hand-written attachment flows beside the generated resource: uploading
//! (reserve, then PUT the bytes to the presigned URL) and downloading
//! (retrieve, then GET the download URL).

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use linq_types::models::attachments::{AttachmentCreateResponse, SupportedContentType};
use linq_types::{AttachmentId, Effect, IntoValid, InvalidValue};

use crate::client::{Headers, Limits, Prepared, UnsafeUrl, check_scheme};
use crate::resources::Attachments;
use crate::{Client, Error};

impl Attachments<'_> {
    /// Uploads `data` as a new attachment and returns the reservation, whose
    /// `attachment_id` can then be used in a message's media part.
    ///
    /// Two requests: `attachments.create` (authenticated), then the bytes to
    /// the presigned `upload_url` with exactly the `required_headers` the API
    /// named — never the API key, since that URL belongs to a storage host.
    /// The upload is retried like any repeatable request.
    ///
    /// A storage failure is an [`Error`] whose [`operation`](Error::operation)
    /// is `attachments.upload`. An upload URL, method or header that the
    /// client cannot use is [`Error::UnusableStorageUrl`]: the attachment was
    /// reserved, nothing was uploaded.
    /// The reservation is checked before any byte is sent, and refused with
    /// [`Error::UnusableStorageUrl`] when it names a method other than the
    /// documented `PUT`; a URL that is not `https` (plain `http` only when
    /// the client itself speaks it: a loopback API, or
    /// `allow_insecure_http`); or a required header that is `Authorization`
    /// or `Proxy-Authorization` (a presigned URL carries its signature in
    /// the URL: a reply asking for credentials is wrong or hostile, and
    /// neither the API key nor a credential the reply picked is sent to a
    /// host it picked), `Host`, `Connection`, `Transfer-Encoding`, or a
    /// `Content-Length` other than the data's.
    ///
    /// ```no_run
    /// # async fn run(client: linq_client::Client) -> Result<(), linq_client::Error> {
    /// use linq_client::prelude::*;
    ///
    /// let photo = std::fs::read("photo.jpg").expect("readable");
    /// let upload = client
    ///     .attachments()
    ///     .upload(SupportedContentType::ImageJpeg, "photo.jpg", photo)
    ///     .await?;
    /// println!("attach {} in a media part", upload.attachment_id);
    /// # Ok(()) }
    /// ```
    pub async fn upload(
        &self,
        content_type: SupportedContentType,
        filename: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Result<AttachmentCreateResponse, Error> {
        let data = data.into();
        let size = i64::try_from(data.len())
            .map_err(|_| Error::invalid("data", InvalidValue::Other("file too large".into())))?;
        let client = self.client;
        let reservation = self.create(content_type, filename.into(), size).await?;

        let uri = storage_uri(client, &reservation.upload_url, Target::Upload).map_err(unusable)?;
        // The API documents one method; a reply naming another is refused.
        if reservation.http_method != "PUT" {
            return Err(
                match Method::from_bytes(reservation.http_method.as_bytes()) {
                    Ok(_) => unusable("the upload method is not PUT"),
                    Err(_) => unusable("the upload method is not an HTTP method"),
                },
            );
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &reservation.required_headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| unusable("a required header name is not valid"))?;
            if name == http::header::AUTHORIZATION || name == http::header::PROXY_AUTHORIZATION {
                return Err(unusable(
                    "the upload target asks for credentials (an Authorization header)",
                ));
            }
            if name == http::header::HOST
                || name == http::header::TRANSFER_ENCODING
                || name == http::header::CONNECTION
                || (name == http::header::CONTENT_LENGTH && value.trim() != data.len().to_string())
            {
                return Err(unusable(
                    "a required header would change the request's host or framing",
                ));
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| unusable("a required header value is not valid"))?;
            headers.insert(name, value);
        }
        let upload = Prepared {
            id: "attachments.upload",
            method: Method::PUT,
            uri,
            headers: Headers::Owned(headers),
            body: data,
            effect: Effect::Repeatable,
            has_key: false,
        };
        client.send_prepared(&upload, Limits::default()).await?;
        Ok(reservation)
    }

    /// Downloads an attachment's bytes: `attachments.retrieve` for its
    /// download URL, then a GET of that URL.
    ///
    /// The GET carries no API key (the URL belongs to a storage host), is
    /// held to the same URL rules as an upload (https; plain http only when
    /// the client itself speaks it), and reads no more than the client's
    /// body limit.
    ///
    /// ```no_run
    /// # async fn run(client: linq_client::Client, event: linq_client::types::Event) -> Result<(), linq_client::Error> {
    /// if let Some(message) = event.message() {
    ///     for file in message.attachments() {
    ///         let bytes = client.attachments().download(file.id).await?;
    ///         println!("{}: {} bytes", file.filename, bytes.len());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn download(
        &self,
        attachment_id: impl IntoValid<AttachmentId>,
    ) -> Result<Bytes, Error> {
        let client = self.client;
        let meta = self.retrieve(attachment_id).await?;
        let url = meta
            .download_url
            .as_deref()
            .ok_or(unusable_download("the attachment has no download URL yet"))?;
        let uri = storage_uri(client, url, Target::Download).map_err(unusable_download)?;
        let fetch = Prepared {
            id: "attachments.download",
            method: Method::GET,
            uri,
            headers: Headers::Owned(HeaderMap::new()),
            body: Bytes::new(),
            effect: Effect::Repeatable,
            has_key: false,
        };
        let (response, _) = client.send_prepared(&fetch, Limits::default()).await?;
        Ok(response.into_body())
    }
}

/// Which storage URL is being checked, for the words of a refusal.
#[derive(Clone, Copy)]
enum Target {
    Upload,
    Download,
}

/// A presigned storage URL the API handed back, checked before any byte goes
/// to it: it parses, names a host, and is https (plain http only when the
/// client itself speaks it: a loopback API, or `allow_insecure_http`).
fn storage_uri(client: &Client, url: &str, target: Target) -> Result<Uri, &'static str> {
    let [parse, no_host, insecure, not_https, plain] = match target {
        Target::Upload => [
            "the upload URL does not parse",
            "the upload URL has no host",
            "the upload URL is plain http to a remote host",
            "the upload URL is not https",
            "the upload URL is plain http but the client speaks https",
        ],
        Target::Download => [
            "the download URL does not parse",
            "the download URL has no host",
            "the download URL is plain http to a remote host",
            "the download URL is not https",
            "the download URL is plain http but the client speaks https",
        ],
    };
    let uri: Uri = url.parse().map_err(|_| parse)?;
    let host = uri.host().ok_or(no_host)?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(match target {
            Target::Upload => "the upload URL carries credentials (user info)",
            Target::Download => "the download URL carries credentials (user info)",
        });
    }
    check_scheme(uri.scheme_str(), host, client.allows_insecure_http()).map_err(|e| match e {
        UnsafeUrl::Insecure => insecure,
        UnsafeUrl::BadScheme => not_https,
    })?;
    // Plain http to loopback passes `check_scheme`; for storage it is only
    // fine when the client itself speaks plain http (a local API).
    if uri.scheme() == Some(&http::uri::Scheme::HTTP)
        && !client.allows_insecure_http()
        && !client.speaks_plain_http()
    {
        return Err(plain);
    }
    Ok(uri)
}

fn unusable(reason: &'static str) -> Error {
    Error::UnusableStorageUrl {
        operation: "attachments.upload",
        reason,
    }
}

fn unusable_download(reason: &'static str) -> Error {
    Error::UnusableStorageUrl {
        operation: "attachments.download",
        reason,
    }
}
