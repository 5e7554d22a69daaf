//! Attachments: reserve an upload, read and delete it; the upload and
//! download URLs the sandbox itself answers.

use std::time::Duration;

use serde_json::json;

use super::call::{Call, Handler};
use crate::reply::{Fail, Handled, Reply, bad, required, required_str};
use crate::state::State;
use crate::state::model::{Attachment, MAX_ATTACHMENT_BYTES};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("attachments.create", create),
    ("attachments.retrieve", retrieve),
    ("attachments.delete", delete),
];

fn retrieve(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.attachment_index(call.param("attachmentId"))?;
    Ok(Reply::json(200, state.attachments[i].json()))
}

fn delete(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.attachment_index(call.param("attachmentId"))?;
    state.attachments.remove(i);
    Ok(Reply::empty(204))
}

pub(crate) fn create(state: &mut State, call: &Call<'_>) -> Handled {
    let body = call.object()?;
    let content_type = required_str(&body, "content_type")?.to_owned();
    let filename = required_str(&body, "filename")?.to_owned();
    let size = required(&body, "size_bytes")?
        .as_i64()
        .ok_or_else(|| bad(1005, "size_bytes must be a whole number"))?;
    if !(1..=MAX_ATTACHMENT_BYTES).contains(&size) {
        return Err(bad(
            5005,
            format!("size_bytes must be from 1 to {MAX_ATTACHMENT_BYTES}"),
        ));
    }
    let id = state.ids.uuid();
    let now = state.time.rfc3339();
    let expires = crate::clock::rfc3339(state.time.now() + Duration::from_secs(900));
    let url = format!("{}/__files/{id}", call.origin);
    state.attachments.push(Attachment {
        id: id.clone(),
        content_type: content_type.clone(),
        filename,
        size_bytes: size,
        created_at: now,
        download_url: url.clone(),
        data: None,
    });
    Ok(Reply::json(
        200,
        json!({
            "attachment_id": id,
            "upload_url": url,
            "download_url": url,
            "expires_at": expires,
            "http_method": "PUT",
            "required_headers": {"content-type": content_type},
        }),
    ))
}

/// `PUT` to an upload URL: the bytes must match the reservation.
pub(crate) fn upload(
    state: &mut State,
    id: &str,
    content_type: Option<&str>,
    data: &[u8],
) -> Result<(), Fail> {
    let i = state.attachment_index(id)?;
    let a = &mut state.attachments[i];
    if content_type.is_some_and(|t| !t.eq_ignore_ascii_case(&a.content_type)) {
        return Err(bad(
            5006,
            format!("content-type must be {}, as reserved", a.content_type),
        ));
    }
    if data.len() as i64 != a.size_bytes {
        return Err(bad(
            1005,
            format!(
                "expected {} bytes, as reserved, got {}",
                a.size_bytes,
                data.len()
            ),
        ));
    }
    a.data = Some(bytes::Bytes::copy_from_slice(data));
    Ok(())
}

/// `GET` on a download URL: content type and bytes, once uploaded.
pub(crate) fn download(state: &State, id: &str) -> Result<(String, bytes::Bytes), Fail> {
    let a = &state.attachments[state.attachment_index(id)?];
    let data = a
        .data
        .clone()
        .ok_or_else(|| bad(2007, "The attachment's bytes have not been uploaded yet"))?;
    Ok((a.content_type.clone(), data))
}
