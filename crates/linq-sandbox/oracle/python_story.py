#!/usr/bin/env python3
"""Runs a short story against a Linq API with the official Python SDK.

Shows that the sandbox (`cargo run -p linq-sandbox`) answers the way the
official SDK expects. Needs LINQ_API_V3_BASE_URL and LINQ_API_V3_API_KEY:

    cargo run -q -p linq-sandbox > /tmp/sandbox.env &   # prints the two variables
    sleep 1; set -a; . /tmp/sandbox.env; set +a
    python3 crates/linq-sandbox/oracle/python_story.py

The story: create a group chat with three people, add a fourth, send a
message, list the chat's messages page by page, create a webhook
subscription pointing at a receiver on 127.0.0.1, send once more and check
that the signed `message.sent` delivery verifies with the SDK's own
`client.webhooks.unwrap`. It also checks that an unknown chat is a 404.

Each step prints one line; any failure prints why and exits with status 1.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import linq
from linq import LinqAPIV3

PEOPLE = ["+12025550142", "+12025550144", "+12025550146"]
NEWCOMER = "+12025550148"


class StoryFailed(Exception):
    pass


def check(condition: bool, why: str) -> None:
    if not condition:
        raise StoryFailed(why)


def step(n: int, text: str) -> None:
    print(f"[{n}] {text}", flush=True)


def start_receiver() -> tuple[ThreadingHTTPServer, "queue.Queue[tuple[dict, str]]"]:
    """A webhook receiver on an ephemeral loopback port."""
    got: "queue.Queue[tuple[dict, str]]" = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            got.put(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def wait_for(predicate, timeout: float = 10.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def story(client: LinqAPIV3) -> None:
    numbers = client.phone_numbers.list().phone_numbers
    check(len(numbers) >= 1, "the account has no phone numbers")
    line = numbers[0].phone_number
    step(0, f"account lines: {', '.join(n.phone_number for n in numbers)}; sending from {line}")

    created = client.chats.create(
        from_=line,
        to=PEOPLE,
        message={"parts": [{"type": "text", "value": "Hello, group"}]},
    )
    chat = created.chat
    check(chat.is_group, f"a chat with {len(PEOPLE)} people should be a group")
    check(len(chat.handles) == len(PEOPLE) + 1, f"expected {len(PEOPLE) + 1} handles, got {len(chat.handles)}")
    step(1, f"created group chat {chat.id} on {chat.service} with {len(chat.handles)} handles; first message {chat.message.id} is {chat.message.delivery_status}")

    added = client.chats.participants.add(chat.id, handle=NEWCOMER)
    check(added.status == "accepted", f"participant add status {added.status!r}")
    joined = wait_for(
        lambda: any(h.handle == NEWCOMER for h in client.chats.retrieve(chat.id).handles)
    )
    check(bool(joined), f"{NEWCOMER} never joined the chat")
    step(2, f"added {NEWCOMER}: {added.status} ({added.message}, trace {added.trace_id}); now a member")

    sent = client.chats.messages.send(
        chat.id, message={"parts": [{"type": "text", "value": "Welcome!"}]}
    )
    check(sent.chat_id == chat.id, "the send reply names another chat")
    step(3, f"sent message {sent.message.id} ({sent.message.delivery_status})")

    pages = 0
    ids: list[str] = []
    for page in client.chats.messages.list(chat.id, limit=1).iter_pages():
        pages += 1
        ids.extend(m.id for m in page.messages)
    check(len(ids) == len(set(ids)), f"a message was listed twice: {ids}")
    check({chat.message.id, sent.message.id} <= set(ids), f"listed {ids}, missing a sent message")
    status = {m.id: m.delivery_status for m in client.chats.messages.list(chat.id)}
    step(4, f"listed {len(ids)} messages over {pages} pages of 1 (statuses: {', '.join(status.values())})")

    server, received = start_receiver()
    target = f"http://127.0.0.1:{server.server_address[1]}/linq"
    subscription = client.webhook_subscriptions.create(
        target_url=target, subscribed_events=["message.sent", "message.delivered"]
    )
    check(subscription.signing_secret.startswith("whsec_"), "the signing secret is not whsec_…")
    listed = client.webhook_subscriptions.list().subscriptions
    check(any(s.id == subscription.id for s in listed), "the new subscription is not listed")
    step(5, f"created webhook subscription {subscription.id} -> {target}")

    again = client.chats.messages.send(
        chat.id, message={"parts": [{"type": "text", "value": "Are webhooks signed?"}]}
    )
    verified = None
    deadline = time.monotonic() + 10
    while verified is None and time.monotonic() < deadline:
        try:
            headers, body = received.get(timeout=0.5)
        except queue.Empty:
            continue
        event = client.webhooks.unwrap(body, headers=headers, key=subscription.signing_secret)
        if event.event_type == "message.sent" and event.data.id == again.message.id:
            verified = event
    server.shutdown()
    check(verified is not None, "no verified message.sent delivery arrived within 10 s")
    step(6, f"received message.sent for {again.message.id}, signature verified by client.webhooks.unwrap (webhook_version {verified.webhook_version})")

    try:
        client.chats.participants.add("550e8400-e29b-41d4-a716-446655440000", handle=NEWCOMER)
    except linq.NotFoundError as e:
        step(7, f"unknown chat: {e.status_code} as expected")
    else:
        raise StoryFailed("adding to an unknown chat succeeded")


def main() -> int:
    base_url = os.environ.get("LINQ_API_V3_BASE_URL")
    api_key = os.environ.get("LINQ_API_V3_API_KEY")
    if not base_url or not api_key:
        print("set LINQ_API_V3_BASE_URL and LINQ_API_V3_API_KEY (cargo run -p linq-sandbox prints both)", file=sys.stderr)
        return 2
    print(f"linq-python {linq.__version__} against {base_url}", flush=True)
    client = LinqAPIV3(api_key=api_key, base_url=base_url, max_retries=0)
    try:
        story(client)
    except StoryFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # an SDK error is a failure of the story too
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print("story passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
