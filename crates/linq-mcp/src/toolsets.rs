//! Tool groups (`--toolsets`) and which group each tool is in.

/// A group of tools, chosen with `--toolsets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Toolset {
    /// Send, read, react, mark read, typing.
    Messages,
    /// Start and list chats.
    Chats,
    /// Lines, capability checks, attachments.
    Account,
    /// Webhook subscriptions.
    Webhooks,
    /// `wait_for_reply`, `recent_events`.
    Events,
    /// `list_operations`, `describe_operation`, `call_operation`: all 70
    /// operations.
    Operations,
    /// `simulate_reply`, offered only with `--sandbox`.
    Sandbox,
}

impl Toolset {
    /// Every group, in the order `--help` lists them.
    pub const ALL: [Toolset; 7] = [
        Toolset::Messages,
        Toolset::Chats,
        Toolset::Account,
        Toolset::Webhooks,
        Toolset::Events,
        Toolset::Operations,
        Toolset::Sandbox,
    ];

    /// The group a tool belongs to.
    pub fn of(tool: &str) -> Option<Toolset> {
        Some(match tool {
            "send_message" | "list_messages" | "get_message" | "react" | "mark_read"
            | "set_typing" => Toolset::Messages,
            "start_chat" | "list_chats" => Toolset::Chats,
            "list_lines" | "check_capability" | "upload_attachment" => Toolset::Account,
            "list_webhook_subscriptions"
            | "create_webhook_subscription"
            | "delete_webhook_subscription" => Toolset::Webhooks,
            "wait_for_reply" | "recent_events" => Toolset::Events,
            "list_operations" | "describe_operation" | "call_operation" => Toolset::Operations,
            "simulate_reply" => Toolset::Sandbox,
            _ => return None,
        })
    }
}
