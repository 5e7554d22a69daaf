//! Uploading an attachment end to end: reserve it, then PUT the bytes to the
//! presigned URL the API returns.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};
use linq_types::models::attachments::{AttachmentCreateResponse, SupportedContentType};
use linq_types::{Effect, InvalidValue};

use crate::Error;
use crate::client::{Headers, Limits, Prepared, UnsafeUrl, check_scheme};
use crate::resources::Attachments;

impl Attachments<'_> {
    /// Uploads `data` as a new attachment and returns the reservation, whose
    /// `attachment_id` can then be used in a message's media part.
    ///
    /// Two requests: `attachments.create` (authenticated), then the bytes to
    /// the presigned `upload_url` with exactly the `required_headers` the API
    /// named — never the API key, since that URL belongs to a storage host.
    /// The upload is retried like any repeatable request.
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

        let uri: Uri = reservation
            .upload_url
            .parse()
            .map_err(|_| unusable("the upload URL does not parse"))?;
        let Some(host) = uri.host() else {
            return Err(unusable("the upload URL has no host"));
        };
        check_scheme(uri.scheme_str(), host, client.allows_insecure_http()).map_err(
            |e| match e {
                UnsafeUrl::Insecure => unusable("the upload URL is plain http to a remote host"),
                UnsafeUrl::BadScheme => unusable("the upload URL is not https"),
            },
        )?;
        let method = Method::from_bytes(reservation.http_method.as_bytes())
            .map_err(|_| unusable("the upload method is not an HTTP method"))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &reservation.required_headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| unusable("a required header name is not valid"))?;
            if name == http::header::AUTHORIZATION {
                continue;
            }
            let value = HeaderValue::from_str(value)
                .map_err(|_| unusable("a required header value is not valid"))?;
            headers.insert(name, value);
        }
        let upload = Prepared {
            id: "attachments.upload",
            method,
            uri,
            headers: Headers::Owned(headers),
            body: data,
            effect: Effect::Repeatable,
            has_key: false,
        };
        client.send(&upload, Limits::default()).await?;
        Ok(reservation)
    }
}

fn unusable(reason: &'static str) -> Error {
    Error::UnusableUploadUrl { reason }
}
