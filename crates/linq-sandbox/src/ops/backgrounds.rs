//! Chat backgrounds: set (a color, a dynamic style or a photo) or remove.
//! Accepted with 202/204 and applied on the next step of time, emitting
//! `chat.background_updated`; on RCS and SMS chats nothing is applied and
//! nothing is emitted, as the description says.

use serde_json::{Map, Value, json};

use super::call::{Call, Handler};
use crate::reply::{Fail, Handled, Reply, bad, optional_str, required_str};
use crate::state::model::Service;
use crate::state::{Pending, State};

pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("chats.background.set", set),
    ("chats.background.remove", remove),
];

const NAMED_COLORS: [&str; 13] = [
    "mango",
    "ice",
    "plum",
    "deep_sea",
    "green_apple",
    "cherry",
    "bubblegum",
    "tangerine",
    "magenta",
    "lime",
    "silver",
    "carbon",
    "stone",
];

fn variants_of(style: &str) -> &'static [&'static str] {
    match style {
        "sky" => &["dusk", "haze", "sunset", "clear", "sunrise", "dawn"],
        "water" => &["light", "dark"],
        "aurora" => &["green", "purple", "pink"],
        _ => &[],
    }
}

fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// The background a request describes, as `chat.background_updated`
/// shows it.
fn background(body: &Map<String, Value>) -> Result<Value, Fail> {
    let kind = required_str(body, "type")?;
    let variant = optional_str(body, "variant")?;
    match kind {
        "color" => match variant {
            Some(v) if NAMED_COLORS.contains(&v) => Ok(
                json!({"type": "color", "variant": v, "shades": null, "style": null, "image_url": null}),
            ),
            None | Some("custom") => {
                let shades: Vec<&str> = body
                    .get("shades")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if shades.len() != 2 || !shades.iter().all(|s| is_hex_color(s)) {
                    return Err(bad(
                        1005,
                        "A custom color needs shades: two hex colors such as [\"#F2C4E1\", \"#F5A623\"]",
                    ));
                }
                Ok(
                    json!({"type": "color", "variant": "custom", "shades": shades, "style": null, "image_url": null}),
                )
            }
            Some(other) => Err(bad(1005, format!("Unknown color variant {other:?}"))),
        },
        "dynamic" => {
            let style = required_str(body, "style")?;
            let variant = variant.ok_or_else(|| bad(1001, "Missing required field: variant"))?;
            if !variants_of(style).contains(&variant) {
                return Err(bad(
                    1005,
                    format!("{variant:?} is not a variant of the {style} style"),
                ));
            }
            Ok(
                json!({"type": "dynamic", "style": style, "variant": variant, "shades": null, "image_url": null}),
            )
        }
        "photo" => {
            let url = required_str(body, "image_url")?;
            let path = url
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !url.starts_with("https://") {
                return Err(bad(5007, "image_url must be an absolute https URL"));
            }
            if ![".jpg", ".jpeg", ".png", ".heic", ".webp"]
                .iter()
                .any(|e| path.ends_with(e))
            {
                return Err(bad(
                    5006,
                    "image_url must point at a .jpg, .png, .heic or .webp image",
                ));
            }
            Ok(
                json!({"type": "photo", "image_url": url, "shades": null, "style": null, "variant": null}),
            )
        }
        other => Err(bad(1005, format!("Unknown background type {other:?}"))),
    }
}

fn set(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    let body = call.object()?;
    state.require_me(i)?;
    let background = background(&body)?;
    let chat = &state.chats[i];
    if chat.service == Service::IMessage {
        state.pending.push_back(Pending::Background {
            chat: chat.id.clone(),
            background: Some(background),
        });
    }
    Ok(Reply::empty(202))
}

fn remove(state: &mut State, call: &Call<'_>) -> Handled {
    let i = state.chat_index(call.param("chatId"))?;
    state.require_me(i)?;
    let chat = &state.chats[i];
    if chat.service == Service::IMessage {
        state.pending.push_back(Pending::Background {
            chat: chat.id.clone(),
            background: None,
        });
    }
    Ok(Reply::empty(204))
}
