//! Turning the spec's names into Rust ones.

/// Splits a name into words: at `_ . - / + ` and spaces, at a lower-to-upper
/// step (`chatId`), and at the end of an acronym (`APIToken` is `API`,
/// `Token`). Digits stay with the word before them (`V2`).
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `UpperCamelCase`, acronyms as words: `APIToken` → `ApiToken`,
/// `check_RCS` → `CheckRcs`, `iMessage` → `IMessage`.
pub fn pascal(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        if w.eq_ignore_ascii_case("imessage") {
            s.push_str("IMessage");
            continue;
        }
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            s.push(f.to_ascii_uppercase());
            s.extend(cs.map(|c| c.to_ascii_lowercase()));
        }
    }
    s
}

/// `snake_case`: `chatId` → `chat_id`, `check_RCS` → `check_rcs`.
pub fn snake(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
    "true", "try", "type", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do",
    "final", "macro", "override", "typeof", "unsized", "virtual",
];

/// A field or method name for a wire name: snake case, and `type` becomes
/// `kind` (other keywords get `r#`).
pub fn field_ident(wire: &str) -> String {
    let s = snake(wire);
    if s == "type" {
        "kind".to_owned()
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// A variant name for an enum value: `message.sent` → `MessageSent`,
/// `AT_RISK` → `AtRisk`, `image/svg+xml` → `ImageSvgXml`.
pub fn variant_ident(value: &str) -> String {
    let p = pascal(value);
    if p.is_empty() {
        "Empty".to_owned()
    } else if p == "Unknown" {
        // `Unknown` is the open enums' catch-all.
        "UnknownValue".to_owned()
    } else if p.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{p}")
    } else {
        p
    }
}

/// Words of a name, lower case, for prose: `display_name` → `display name`.
pub fn prose(name: &str) -> String {
    words(name)
        .iter()
        .map(|w| {
            if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) {
                w.clone()
            } else {
                w.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `prose` with the first letter upper case.
pub fn sentence(name: &str) -> String {
    let p = prose(name);
    let mut cs = p.chars();
    match cs.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            pascal("APITokenActivatedWebhookEventDataAPIToken"),
            "ApiTokenActivatedWebhookEventDataApiToken"
        );
        assert_eq!(pascal("check_RCS"), "CheckRcs");
        assert_eq!(pascal("iMessage"), "IMessage");
        assert_eq!(
            pascal("CapabilityCheckIMessageParams"),
            "CapabilityCheckIMessageParams"
        );
        assert_eq!(pascal("ChangeImageURL"), "ChangeImageUrl");
        assert_eq!(pascal("MessageEventV2Part"), "MessageEventV2Part");
        assert_eq!(pascal("AT_RISK"), "AtRisk");
        assert_eq!(snake("phoneNumberId"), "phone_number_id");
        assert_eq!(snake("check_i_message"), "check_i_message");
        assert_eq!(snake("check_RCS"), "check_rcs");
        assert_eq!(variant_ident("image/svg+xml"), "ImageSvgXml");
        assert_eq!(variant_ident("message.sent"), "MessageSent");
    }
}
