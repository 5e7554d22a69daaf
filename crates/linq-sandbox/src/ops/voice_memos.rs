//! Voice memos: an audio file sent into an iMessage chat as a voice memo
//! bubble. It is a message of yours with one audio media part, so it moves
//! from queued to read like any other and emits the `message.*` events.

use serde_json::{Map, Value, json};

use super::call::{Call, Handler};
use super::compose::push_message;
use crate::reply::{Fail, Handled, Reply, bad, fail, optional_str};
use crate::state::State;
use crate::state::model::Service;

pub(crate) const HANDLERS: &[(&str, Handler)] = &[("chats.send_voicememo", send)];

/// The audio formats a voice memo may be, by file extension.
const AUDIO: [(&str, &str); 10] = [
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/x-m4a"),
    ("mp4", "audio/mp4"),
    ("aac", "audio/aac"),
    ("caf", "audio/x-caf"),
    ("wav", "audio/wav"),
    ("aif", "audio/aiff"),
    ("aiff", "audio/aiff"),
    ("amr", "audio/amr"),
    ("3gp", "audio/amr"),
];

fn is_audio(content_type: &str) -> bool {
    content_type.starts_with("audio/") && content_type != "audio/midi"
}

/// The voice memo's media part: from an uploaded attachment or a URL.
fn audio_part(state: &mut State, body: &Map<String, Value>) -> Result<Value, Fail> {
    let attachment = optional_str(body, "attachment_id")?;
    let url = optional_str(body, "voice_memo_url")?;
    match (attachment, url) {
        (Some(id), None) => {
            let a = &state.attachments[state.attachment_index(id)?];
            if a.data.is_none() {
                return Err(bad(
                    2007,
                    "The attachment's bytes have not been uploaded yet",
                ));
            }
            if !is_audio(&a.content_type) {
                return Err(bad(
                    5006,
                    format!("A voice memo must be audio, not {}", a.content_type),
                ));
            }
            Ok(a.part_json())
        }
        (None, Some(url)) => {
            if !url.starts_with("https://") {
                return Err(bad(1005, "voice_memo_url must be a public https URL"));
            }
            let filename = url
                .split(['?', '#'])
                .next()
                .and_then(|u| u.rsplit('/').next())
                .filter(|f| !f.is_empty())
                .unwrap_or("voice-memo");
            let extension = filename
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase());
            let Some((_, mime)) = AUDIO.iter().find(|(e, _)| extension.as_deref() == Some(*e))
            else {
                return Err(bad(
                    5006,
                    "voice_memo_url must name an MP3, M4A, AAC, CAF, WAV, AIFF or AMR file",
                ));
            };
            Ok(json!({
                "type": "media",
                "id": state.ids.uuid(),
                "filename": filename,
                "mime_type": mime,
                "size_bytes": 0,
                "url": url,
            }))
        }
        _ => Err(bad(
            1005,
            "Give exactly one of voice_memo_url and attachment_id",
        )),
    }
}

fn send(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    state.require_me(i)?;
    if state.chats[i].service != Service::IMessage {
        return Err(fail(400, 1005, "Voice memos are iMessage-only"));
    }
    let recipients = state.chats[i].recipients();
    state.refuse_opted_out(&recipients, &body)?;
    let part = audio_part(state, &body)?;
    let m = push_message(state, i, &Map::new(), vec![part.clone()], None)?;
    let (message, chat) = (&state.messages[m], &state.chats[i]);
    let memo = json!({
        "id": part["id"],
        "filename": part["filename"],
        "mime_type": part["mime_type"],
        "size_bytes": part["size_bytes"],
        "url": part["url"],
        "duration_ms": null,
    });
    Ok(Reply::json(
        202,
        json!({"voice_memo": {
            "id": message.id,
            "chat": {
                "id": chat.id,
                "handles": chat.handles_json(),
                "is_active": chat.me_active(),
                "is_group": chat.is_group,
                "service": chat.service.as_str(),
            },
            "created_at": message.created_at,
            "from": chat.line,
            "status": message.status.as_str(),
            "to": chat.recipients(),
            "voice_memo": memo,
            "service": chat.service.as_str(),
        }}),
    ))
}
