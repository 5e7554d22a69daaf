//! What the spec does not say and the generator has to be told: which
//! strings are ids or handles, names for merged types, and short docs.

use super::spec::Ty;

/// Operations whose repetition could be seen by a recipient or move money.
pub const VISIBLE: &[&str] = &[
    "chats.create",
    "chats.messages.send",
    "messages.create",
    "chats.send_voicememo",
    "chats.polls.create",
    "messages.add_reaction",
    "payment_requests.create",
    "payments.create",
];

/// Schemas linq-types already defines by hand.
pub fn external(name: &str) -> Option<&'static str> {
    Some(match name {
        "ErrorCode" => "crate::ErrorCode",
        "ErrorDetail" => "crate::ErrorDetail",
        "ErrorResponse" => "crate::ErrorResponse",
        _ => return None,
    })
}

/// Path parameters and the type each is validated as.
pub fn path_param(wire: &str) -> Option<Ty> {
    Some(match wire {
        "chatId" => Ty::Id("ChatId"),
        "messageId" => Ty::Id("MessageId"),
        "attachmentId" => Ty::Id("AttachmentId"),
        "reactionId" => Ty::Id("ReactionId"),
        "subscriptionId" => Ty::Id("SubscriptionId"),
        "phoneNumberId" => Ty::Id("PhoneNumberId"),
        "paymentRequestId" => Ty::Id("PaymentRequestId"),
        "paymentId" => Ty::Id("PaymentId"),
        "auditId" => Ty::Id("AuditId"),
        "provider" => Ty::Id("PaymentProviderId"),
        "experience" => Ty::Id("ExperienceId"),
        "phoneNumber" | "handle" => Ty::Handle,
        _ => return None,
    })
}

/// String fields that hold one of the project's id types.
pub fn id_for(owner: &str, wire: &str) -> Option<&'static str> {
    match wire {
        "chat_id" | "previous_chat_id" => return Some("ChatId"),
        "message_id" => return Some("MessageId"),
        "attachment_id" => return Some("AttachmentId"),
        "reaction_id" => return Some("ReactionId"),
        "payment_request_id" => return Some("PaymentRequestId"),
        "audit_id" => return Some("AuditId"),
        "id" => {}
        _ => return None,
    }
    Some(match owner {
        "Chat"
        | "ChatCreateResponseChat"
        | "MessageEventV2Chat"
        | "MessageEditedWebhookEventDataChat"
        | "ChatSendVoicememoResponseVoiceMemoChat" => "ChatId",
        o if o.ends_with("WebhookEventDataChat") => "ChatId",
        "Message" | "SentMessage" | "MessageEventV2" | "LegacyMessage" => "MessageId",
        "MediaPartResponse" | "SchemasMediaPartResponse" | "AttachmentRetrieveResponse" => {
            "AttachmentId"
        }
        "WebhookSubscription" | "WebhookSubscriptionCreateResponse" => "SubscriptionId",
        "PaymentRequest" => "PaymentRequestId",
        "Payment" => "PaymentId",
        "PhoneNumberListResponsePhoneNumber"
        | "PhonenumberListResponsePhoneNumber"
        | "PhoneNumberUpdateResponse" => "PhoneNumberId",
        _ => return None,
    })
}

/// Request fields that hold a handle (E.164 number or email address).
/// `blocked_handles` also takes short codes and sender ids, so its `handle`
/// stays a string.
pub fn is_handle(owner: &str, wire: &str) -> bool {
    if owner.starts_with("BlockedHandle") {
        return false;
    }
    matches!(
        wire,
        "handle"
            | "from"
            | "to"
            | "phone_number"
            | "payer_handle"
            | "exclude_from"
            | "phone_numbers"
            | "address"
            | "forwarding_number"
    )
}

/// Names for merged types whose spec names all carry one event's name.
pub fn class_name(member: &str) -> Option<&'static str> {
    Some(match member {
        "APITokenActivatedWebhookEventData" => "AccountEventData",
        "APITokenActivatedWebhookEventDataAPIToken" => "AccountEventApiToken",
        "APITokenActivatedWebhookEventDataActor" => "AccountEventActor",
        "APITokenActivatedWebhookEventDataChange" => "AccountEventChange",
        "APITokenActivatedWebhookEventDataChangeFirstName" => "AccountEventFieldChange",
        "APITokenActivatedWebhookEventDataContactCard" => "AccountEventContactCard",
        "APITokenActivatedWebhookEventDataEnvironment" => "AccountEventEnvironment",
        "APITokenActivatedWebhookEventDataTeamMember" => "AccountEventTeamMember",
        "APITokenActivatedWebhookEventDataWebhookSubscription" => "AccountEventWebhookSubscription",
        "APITokenActivatedWebhookEventDataOrigin" => "AccountEventOrigin",
        "APITokenActivatedWebhookEventDataMethod" => "SignInMethod",
        "APITokenActivatedWebhookEventDataActorType" => "ActorKind",
        "APITokenActivatedWebhookEventDataTeamMemberRole" => "TeamMemberRole",
        "ConnectionCreatedWebhookEventData" => "PaymentEventData",
        "ConnectionCreatedWebhookEventDataDiscount" => "PaymentEventDiscount",
        "ConnectionCreatedWebhookEventDataNatural" => "PaymentEventNatural",
        "ConnectionCreatedWebhookEventDataStripe" => "PaymentEventStripe",
        "ConnectionCreatedWebhookEventDataStatus" => "PaymentEventStatus",
        "ConnectionCreatedWebhookEventDataInterval" => "BillingInterval",
        "ConnectionCreatedWebhookEventDataMode" => "PaymentMode",
        "ConnectionCreatedWebhookEventDataRail" => "PaymentRail",
        "ChatBackgroundUpdatedWebhookEventDataChat" => "EventChat",
        "ChatBackgroundUpdateFailedWebhookEventData" => "ChatUpdateFailedEventData",
        "ChatGroupIconUpdatedWebhookEventData" => "ChatGroupUpdatedEventData",
        "ChatTypingIndicatorStartedWebhookEventData" => "TypingIndicatorEventData",
        "PhoneNumberAssignedWebhookEventData" => "PhoneNumberEventData",
        "PollVoteAddedWebhookEventData" => "PollVoteEventData",
        "PollSentWebhookEventData" => "PollEventData",
        "ParticipantAddParams" => "HandleParams",
        "ParticipantAddResponse" => "AcceptedResponse",
        "MessageCreateParamsContinuationMessage" => "TextParam",
        "MessagePartIMessageAppPartResponseApp" => "IMessageApp",
        "MessageContentParamPartIMessageAppPartApp" => "IMessageAppParam",
        "MessageContentParamPartIMessageAppPartLayout" => "IMessageAppLayoutParam",
        "MessagePartIMessageAppPartResponseLayout" => "IMessageAppLayout",
        "MessagePartIMessageAppPartResponse" => "IMessageAppPartResponse",
        "MessagePartAppClipPartResponse" => "AppClipPartResponse",
        "CapabilityCheckIMessageParams" => "CapabilityCheckParams",
        "SetContactCard" => "ContactCard",
        "ExperienceRetrieveResponse" => "Experience",
        "ExperienceRetrieveResponseAction" => "ExperienceAction",
        "ExperienceRetrieveResponseActionFields" => "ExperienceActionField",
        "LocationRequestResponse" => "SuccessResponse",
        "MessageAddReactionParamsPlacement" => "StickerPlacementParam",
        "MessageContentParamExperience" => "ExperienceParam",
        "ChatHandleStatus" => "ParticipantStatus",
        "ChatHandleLineType" => "LineType",
        _ => return None,
    })
}

/// One line per operation, for the op type and the client method.
pub fn op_doc(id: &str) -> &'static str {
    match id {
        "chats.create" => "Starts a chat with one or more handles and sends its first message.",
        "chats.retrieve" => "Fetches one chat.",
        "chats.update" => "Renames a group chat or changes its icon.",
        "chats.leave_chat" => "Takes your line out of a group chat.",
        "chats.list_chats" => {
            "Lists chats, a page at a time, optionally filtered by line or participant."
        }
        "chats.mark_as_read" => "Marks every message in a chat as read.",
        "chats.send_voicememo" => "Sends an audio file as an iMessage voice memo.",
        "chats.share_contact_card" => {
            "Shares your line's contact card (name and photo) with a chat."
        }
        "chats.participants.add" => "Adds a member to a group chat. Queued by the server (202).",
        "chats.participants.remove" => {
            "Removes a member from a group chat. Queued by the server (202)."
        }
        "chats.typing.start" => "Shows the typing indicator in a chat.",
        "chats.typing.stop" => "Clears the typing indicator in a chat.",
        "chats.messages.list" => "Lists a chat's messages, a page at a time.",
        "chats.messages.send" => "Sends a message into an existing chat.",
        "chats.location.retrieve" => {
            "Fetches the locations people in a chat share with you (GeoJSON)."
        }
        "chats.location.request" => "Asks a chat's members to share their location.",
        "chats.location.stop" => "Ends one contact's location share with you.",
        "chats.polls.create" => "Creates an iMessage poll in a chat and sends it.",
        "chats.background.remove" => "Resets a chat's transcript background.",
        "chats.background.set" => "Sets a chat's transcript background.",
        "messages.create" => {
            "Sends a message to handles without naming a line; Linq picks the line and chat."
        }
        "messages.retrieve" => "Fetches one message.",
        "messages.update" => "Edits the text of one part of a message you sent.",
        "messages.delete" => "Deletes a message from Linq's records (recipients still see it).",
        "messages.add_reaction" => "Adds or removes a reaction on a message.",
        "messages.list_messages_thread" => {
            "Lists the messages of the reply thread a message belongs to."
        }
        "messages.update_app_card" => "Replaces a sent iMessage app card in place.",
        "messages.update_sticker_placement" => {
            "Moves, scales or rotates a sticker already placed on a message."
        }
        "messages.poll.retrieve" => "Fetches a poll's options and votes.",
        "messages.poll.add_options" => "Appends options to a poll.",
        "messages.poll.vote" => "Toggles your line's vote on one poll option.",
        "attachments.create" => "Reserves an upload URL for a file to attach later.",
        "attachments.retrieve" => "Fetches an attachment's metadata and download URL.",
        "attachments.delete" => "Deletes an attachment.",
        "phonenumbers.list" => "Lists your lines (deprecated; use `phone_numbers().list()`).",
        "phone_numbers.update" => "Sets or clears a line's call forwarding number.",
        "phone_numbers.list" => "Lists your lines.",
        "phone_numbers.get_reputation_audit" => {
            "Fetches a reputation audit and, once done, its report."
        }
        "phone_numbers.start_reputation_audit" => "Starts a reputation audit of a line.",
        "available_number.retrieve" => {
            "Picks the best line to send from, optionally for given recipients."
        }
        "payment_requests.create" => "Creates a payment request with a checkout link.",
        "payment_requests.retrieve" => "Fetches a payment request.",
        "payment_requests.list" => "Lists payment requests, newest first.",
        "payment_requests.cancel" => "Cancels an unpaid payment request.",
        "payment_providers.retrieve" => "Fetches your onboarding state with a payment provider.",
        "payment_providers.connect" => "Starts connecting your organization to a payment provider.",
        "payment_handles.connect" => "Starts connecting a customer's handle for agent payments.",
        "payment_handles.connection" => "Fetches a handle's payment connection state.",
        "payment_handles.revoke" => "Revokes your payment grant for a handle.",
        "payment_handles.verify" => {
            "Completes a handle connection with the code the customer received."
        }
        "payments.create" => "Advances a payment for a connected handle.",
        "payments.retrieve" => "Fetches a payment.",
        "payments.cancel" => "Cancels a payment and closes its card.",
        "payments.credentials" => "Fetches a short-lived handoff for a ready payment's card.",
        "blocked_handles.list" => "Lists the handles you blocked.",
        "blocked_handles.block" => "Blocks a handle, short code or sender id.",
        "blocked_handles.unblock" => "Unblocks a handle.",
        "experiences.retrieve" => "Fetches one experience and its actions.",
        "experiences.list" => "Lists the experiences enabled for your account.",
        "webhook_events.list" => "Lists every webhook event type.",
        "webhook_subscriptions.create" => {
            "Creates a webhook subscription; the reply holds its signing secret."
        }
        "webhook_subscriptions.retrieve" => "Fetches a webhook subscription.",
        "webhook_subscriptions.update" => "Changes a webhook subscription.",
        "webhook_subscriptions.list" => "Lists your webhook subscriptions.",
        "webhook_subscriptions.delete" => "Deletes a webhook subscription.",
        "capability.check_i_message" => "Checks whether an address can be reached over iMessage.",
        "capability.check_RCS" => "Checks whether a phone number can be reached over RCS.",
        "contact_card.create" => "Sets up the contact card for a line.",
        "contact_card.retrieve" => "Fetches the contact card of a line, or all of them.",
        "contact_card.update" => "Changes some fields of a line's contact card.",
        other => panic!("no doc for operation {other}"),
    }
}

/// Docs for the types people meet first; the rest get one made from where
/// they are used.
pub fn type_doc(rust: &str) -> Option<&'static str> {
    Some(match rust {
        "Chat" => "A conversation with one or more handles.",
        "ChatHandle" => "A participant of a chat as the server reports it.",
        "Message" => "A message in a chat, with its parts and delivery state.",
        "SentMessage" => "A message as the server reports it right after sending.",
        "MessageEventV2" => "The `data` of a message event in the `2026-02-03` payload format.",
        "LegacyMessageEvent" => "The `data` of a message event in the `2025-01-01` payload format.",
        "LegacyMessage" => "The `message` object of a `2025-01-01` message event.",
        "MessageContentParam" => {
            "What to send: parts, and optionally an effect, a reply target and a service."
        }
        "ServiceType" => "The network a message travels on.",
        "ReactionType" => "Kind of tapback reaction.",
        "SupportedContentType" => "A MIME type the API accepts for attachments.",
        "WebhookEventType" => "The kind of a webhook event, as sent in `event_type`.",
        "HandleParams" => "A body naming one handle.",
        "AcceptedResponse" => {
            "Reply to a request the server queued: a note, a state and a trace id."
        }
        "AccountEventData" => {
            "The `data` of an account event (tokens, environments, subscriptions, team, contact cards)."
        }
        "PaymentEventData" => "The `data` of a payment or connection event.",
        "EventChat" => "The chat an event happened in.",
        "Poll" => "A poll: its options and who voted for what.",
        "ContactCard" => "A line's contact card: name and photo.",
        "WebhookSubscription" => "A webhook subscription: where events go and which ones.",
        _ => return None,
    })
}

/// Docs for fields that appear everywhere.
pub fn field_doc(wire: &str) -> Option<&'static str> {
    Some(match wire {
        "id" => "Identifier.",
        "trace_id" => "The server's trace id for this request.",
        "created_at" => "When it was created (RFC 3339).",
        "updated_at" => "When it last changed (RFC 3339).",
        "chat_id" => "The chat.",
        "message_id" => "The message.",
        "handle" => "The address: an E.164 phone number or an email address.",
        "service" => "The network used.",
        "preferred_service" => "The network asked for when sending.",
        "idempotency_key" => "Key that makes retries of this send safe.",
        "next_cursor" => "Cursor for the next page; absent on the last page.",
        "cursor" => "Cursor from the previous page's `next_cursor`.",
        "limit" => "Most items to return.",
        "parts" => "The message content, in order.",
        "doc_url" => "Link to documentation about this value.",
        "success" => "Whether the server reports success.",
        "is_me" => "Whether this handle is your own line.",
        "is_group" => "Whether the chat is a group chat.",
        "sender_handle" => "Who sent it.",
        "from" => "The sending line or handle.",
        "to" => "The recipients.",
        _ => return None,
    })
}

/// Response fields the spec marks required that payloads in the wild (the
/// older spec's examples) leave out; decoded as optional.
pub fn lenient(owner: &str, wire: &str) -> bool {
    matches!((owner, wire), ("MessageEventV2Chat", "health_status"))
}
