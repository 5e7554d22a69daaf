#!/usr/bin/env python3
"""Record what the official Python SDK (linq-python) sends for every operation.

    python3 xtask/oracle/record_conformance.py [--out FILE]
    (or: cargo xtask record-conformance)

For each operation in spec/linq-api-v3.json this builds call arguments from
the spec (path parameters, query parameters and the JSON body) with
realistic values: E.164 numbers and emails for handles, UUIDs where the spec
says uuid, every variant of a union, arrays, maps, enums, nulls. Each
operation is called once with every optional field set (case `full`), once
with only the required ones where that differs (case `required`, a required
nullable field as null), plus the hand-picked EXTRA_CASES (reserved
characters in a path segment and a query value, an empty query list, nulls
that clear fields). Each call goes to the SDK method named by the
operation's `x-sdk-method`, against a recording HTTP server on 127.0.0.1
(loopback only), and what arrived is written to
tests/fixtures/conformance/python.json: method, raw path, raw query string,
the Content-Type / Accept / Idempotency-Key headers and the raw body.

The Rust test `tests/it/conformance.rs` replays the same arguments through
linq-client and compares, so `cargo test` needs no Python. The output is
deterministic: rerunning with the same SDK version writes the same bytes.

Requires: pip install linq-python
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import linq

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec/linq-api-v3.json"
DEFAULT_OUT = ROOT / "tests/fixtures/conformance/python.json"
BASE_PATH = "/api/partner"
RECORDED_HEADERS = ("Content-Type", "Accept", "Idempotency-Key")
SDK_OPTIONS = {"extra_headers", "extra_query", "extra_body", "timeout"}

# --------------------------------------------------------------------------
# Sample values
# --------------------------------------------------------------------------

PHONE_A = "+12052499136"
PHONE_B = "+14155550123"
LINE = "+12025550147"  # one of "our" lines, used as `from`
LINE_2 = "+12025550148"
EMAIL = "ana.garcia@example.com"

UUIDS = {
    "chat_id": "550e8400-e29b-41d4-a716-446655440000",
    "message_id": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "attachment_id": "9b2f1c3e-4d5a-4b6c-8d7e-0f1a2b3c4d5e",
    "reaction_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    "subscription_id": "1c8e4a52-7b3d-4f0e-9a61-2d5c8b7e9f10",
    "idempotency_key": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
}

# Path parameters by their spec name.
PATH_VALUES = {
    "chatId": UUIDS["chat_id"],
    "messageId": UUIDS["message_id"],
    "attachmentId": UUIDS["attachment_id"],
    "reactionId": UUIDS["reaction_id"],
    "subscriptionId": UUIDS["subscription_id"],
    "phoneNumberId": "pn_01HZX3KQ7VJ8T2M4N6P8R0S2T4",
    "phoneNumber": LINE,
    "auditId": "aud_7Yq2Lm9Xk4",
    "paymentRequestId": "pr_1PqR2sT3uV4wX5yZ",
    "paymentId": "pay_9fK2mQ7xL3",
    "provider": "stripe",
    "experience": "order_status",
    "handle": PHONE_A,
}

# Per-operation overrides of path parameters, so a path segment with `@`
# (an email handle) is exercised too.
PATH_OVERRIDES = {
    ("payment_handles.connection", "handle"): EMAIL,
    ("payment_handles.revoke", "handle"): EMAIL,
}

STRINGS = {
    "display_name": "Weekend plans",
    "value": "Hola, ¿qué tal? 👋 Reply \"yes\" & see you at 5/6",
    "text": "Updated: see you at 6 instead",
    "mention": PHONE_A,
    "name": "Ana's Coffee",
    "action": "track_order",
    "bundle_id": "com.example.orders.MessagesExtension",
    "team_id": "ABCDE12345",
    "caption": "Order #1042",
    "subcaption": "Out for delivery",
    "image_title": "Latte x2",
    "image_subtitle": "Arrives 10:30",
    "trailing_caption": "$9.80",
    "trailing_subcaption": "Paid",
    "fallback_text": "Your order is out for delivery",
    "cursor": "eyJpZCI6IjEyMyIsInRzIjoxNzAwMDAwMDAwfQ==",
    "filename": "receipt 2026-02.pdf",
    "custom_emoji": "coffee_cup",
    "emoji": "🔥",
    "option_id": "opt_2",
    "currency": "usd",
    "customer_id": "cus_Q8m2XkLp3R",
    "description": "Two lattes & a croissant",
    "price_id": "price_1PqR2sT3uV4wX5yZ",
    "coupon": "SPRING10",
    "label": "Spring discount",
    "promotion_code": "WELCOME",
    "return_url": "https://partner.example.com/payments/done?state=abc",
    "code": "482913",
    "connect_id": "con_5tY7uI9oP1",
    "reason": "Reported as spam",
    "routing_id_header": "X-Route-Id",
    "routing_key_header": "X-Route-Key",
    "first_name": "Ana",
    "last_name": "García",
    "variant": "light",
    "attachment_id": UUIDS["attachment_id"],
    "idempotency_key": UUIDS["idempotency_key"],
}

URLS = {
    "group_chat_icon": "https://cdn.example.com/icons/weekend.png",
    "voice_memo_url": "https://cdn.example.com/audio/memo.m4a",
    "image_url": "https://cdn.example.com/images/latte.jpg",
    "url": "https://example.com/orders/1042",
    "target_url": "https://partner.example.com/webhooks/linq",
}

INTEGERS = {
    "limit": 25,
    "offset": 50,
    "part_index": 1,
    "size_bytes": 2_048_576,
    "amount": 980,
    "amount_cents": 1299,
    "quantity": 2,
    "trial_period_days": 14,
    "app_store_id": 1_234_567_890,
}

NUMBERS = {"x": 0.5, "y": 0.25, "scale": 1.5, "rotation": 45.0}

BOOLEANS = {"override_optout": False, "is_active": False}

# Handle fields: (name) -> value, or (operation, name) for a specific call.
HANDLES: dict[Any, Any] = {
    "from": LINE,
    "to": [PHONE_A, EMAIL],
    "handle": PHONE_A,
    "payer_handle": PHONE_A,
    "exclude_from": [LINE, LINE_2],
    "phone_numbers": [LINE, LINE_2],
    "phone_number": LINE,
    "forwarding_number": PHONE_B,
    "address": EMAIL,
    ("chats.list_chats", "to"): PHONE_A,
    ("chats.location.stop", "handle"): EMAIL,
    ("capability.check_RCS", "address"): PHONE_A,
    ("blocked_handles.block", "handle"): PHONE_B,
    ("blocked_handles.unblock", "handle"): PHONE_B,
}

# Nullable fields sent as null (the rest of the nullable ones get a value).
NULLS = {("webhook_subscriptions.update", "routing_key_header")}

# Enum picks where the first value would exercise less.
ENUMS = {
    "content_type": "image/svg+xml",
    "animation": "shake",
    "status": "succeeded",
    "order": "desc",
    "mode": "subscription",
    "rail": "stripe",
}

# Free-form objects and maps.
OBJECTS = {
    "params": {"order_id": "1042", "show_map": True, "eta_minutes": 12},
    "metadata": {"order_id": "1042", "channel": "imessage", "aisle": "B 7"},
}


class Samples:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.schemas = spec["components"]["schemas"]
        # Only required fields (a required nullable one as null).
        self.required_only = False

    def resolve(self, v: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in v:
            v = self.schemas[v["$ref"].rsplit("/", 1)[1]]
        return v

    def value(self, op: str, name: str, v: dict[str, Any]) -> Any:
        """A sample for field `name` with schema `v`."""
        if "anyOf" in v:
            rest = [a for a in v["anyOf"] if a.get("type") != "null"]
            if (op, name) in NULLS or self.required_only:
                return None
            return self.value(op, name, rest[0])
        v = self.resolve(v)
        types = v.get("type")
        if isinstance(types, list):
            if (op, name) in NULLS or self.required_only:
                return None
            types = next(t for t in types if t != "null")
        if "const" in v:
            return v["const"]
        if (op, name) in HANDLES:
            return HANDLES[(op, name)]
        if "enum" in v:
            pick = ENUMS.get(name)
            if name == "type" and "screen" in v["enum"]:
                pick = "screen"
            return pick if pick in v["enum"] else v["enum"][0]
        if "oneOf" in v:
            return self.union(op, v)[0]
        if types == "array":
            items = v["items"]
            if name in HANDLES:
                return HANDLES[name]
            inner = self.resolve(items)
            if "oneOf" in inner:
                # one element of every variant
                return self.union(op, inner)
            if inner.get("type") == "integer":
                return [0, 5] if name == "range" else [6, 4]
            if name == "shades":
                return ["#FF5733", "#33C1FF"]
            if name == "subscribed_events":
                return ["message.received", "message.delivered", "reaction.added"]
            if name == "options" and set(inner.get("properties", {})) == {"text"}:
                return [{"text": "Tacos"}, {"text": "Sushi"}]
            return [self.value(op, name, items)]
        if types == "object" or "properties" in v:
            if "properties" not in v:
                return OBJECTS.get(name, {"key": "value"})
            out = {k: self.value(op, k, pv) for k, pv in self.fields(v)}
            if set(out) == {"name", "type"}:  # a message effect
                out["name"] = "confetti"
            if {"action", "name"} <= set(out):  # an experience
                out["name"] = "order_status"
            return out
        if types == "string":
            if name in HANDLES:
                return HANDLES[name]
            if v.get("format") == "uuid" or name in UUIDS:
                return UUIDS.get(name, UUIDS["chat_id"])
            if v.get("format") == "date-time":
                return "2026-03-01T09:30:00Z"
            if name in URLS or v.get("format") == "uri":
                return URLS.get(name, "https://example.com/x")
            if name in STRINGS:
                return STRINGS[name]
            return f"sample {name}"
        if types == "integer":
            return INTEGERS.get(name, 3)
        if types == "number":
            return NUMBERS.get(name, 2.5)
        if types == "boolean":
            return BOOLEANS.get(name, True)
        raise SystemExit(f"{op}.{name}: no sample for schema {v}")

    def fields(self, v: dict[str, Any]):
        required = set(v.get("required", []))
        for k, pv in v.get("properties", {}).items():
            if not self.required_only or k in required:
                yield k, pv

    def union(self, op: str, v: dict[str, Any]) -> list[Any]:
        out = []
        for ref in v["oneOf"]:
            out.append(self.value(op, "part", ref))
        return out


def body_sample(samples: Samples, op: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {k: samples.value(op, k, pv) for k, pv in samples.fields(samples.resolve(schema))}


# --------------------------------------------------------------------------
# Recording server
# --------------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]] = []

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        Recorder.seen.append(
            {
                "method": self.command,
                "path": path,
                "query": query,
                "headers": {h: self.headers.get(h) for h in RECORDED_HEADERS},
                "body": body.decode("utf-8") if body else None,
            }
        )
        out = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _record

    def log_message(self, *args: Any) -> None:  # quiet
        pass


# --------------------------------------------------------------------------
# Calls
# --------------------------------------------------------------------------


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def kwarg_for(params: dict[str, inspect.Parameter], wire: str, where: str, op: str) -> str:
    for cand in (wire, wire + "_", snake(wire)):
        if cand in params and cand not in SDK_OPTIONS:
            return cand
    raise SystemExit(
        f"{op}: the SDK method has no keyword argument for {where} parameter {wire!r} "
        f"(has {sorted(params)})"
    )


def operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for http, o in item.items():
            yield path, http.upper(), o


# Hand-picked calls beyond the two made for every operation: characters the
# path and query encoders must escape, an empty query list, nulls that clear
# fields. (operation, case) -> args ({"path", "query", "body"}); parts left
# out are the operation's "full" ones.
EXTRA_CASES: dict[tuple[str, str], dict[str, Any]] = {
    ("chats.list_chats", "reserved_characters"): {
        "query": {"cursor": "a b~!*'()/?:@&=+$,;#[]é"},
    },
    ("payment_providers.retrieve", "reserved_characters"): {
        "path": {"provider": "x y~!*'()$&+,;=:@/é?#%"},
    },
    ("payment_handles.connection", "plus_address"): {
        "path": {"handle": "ana+orders@example.com"},
    },
    ("available_number.retrieve", "empty_list"): {
        "query": {"to": []},
    },
    ("webhook_subscriptions.update", "clear"): {
        "body": {"phone_numbers": None, "routing_id_header": None, "routing_key_header": None},
    },
}


def default_args(samples: Samples, o: dict[str, Any], required_only: bool) -> dict[str, Any]:
    op = o["operationId"]
    samples.required_only = required_only
    path_args: dict[str, Any] = {}
    for p in o.get("parameters", []):
        if p["in"] == "path":
            path_args[p["name"]] = PATH_OVERRIDES.get((op, p["name"]), PATH_VALUES[p["name"]])
    query_args: dict[str, Any] = {}
    if "x-query-schema" in o:
        query_args = body_sample(samples, op, o["x-query-schema"])
    body_schema = (
        o.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    )
    body_args = body_sample(samples, op, body_schema) if body_schema else None
    samples.required_only = False
    return {"path": path_args, "query": query_args, "body": body_args}


def record(client: Any, o: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
    """Calls the SDK method with `args`; returns the one request it sent."""
    op = o["operationId"]
    sdk = o["x-sdk-method"]
    target: Any = client
    for r in sdk["resource"].split("."):
        target = getattr(target, r)
    method = getattr(target, sdk["method"])
    sig = inspect.signature(method).parameters

    kwargs: dict[str, Any] = {}
    for where in ("path", "query", "body"):
        for wire, value in (args[where] or {}).items():
            kw = kwarg_for(sig, wire, where, op)
            if kw in kwargs:
                raise SystemExit(f"{op}: {kw!r} is both a query and a body argument")
            kwargs[kw] = value
    missing = [
        n
        for n, p in sig.items()
        if p.default is inspect.Parameter.empty
        and p.kind is inspect.Parameter.KEYWORD_ONLY
        and n not in kwargs
    ]
    if missing:
        raise SystemExit(f"{op}: no value for required SDK arguments {missing}")

    before = len(Recorder.seen)
    try:
        with warnings.catch_warnings():
            # `phonenumbers.list` is deprecated; calling it is the point.
            warnings.simplefilter("ignore", DeprecationWarning)
            method(**kwargs)
    except Exception as e:  # noqa: BLE001
        # Only a failure after the request was recorded is acceptable (e.g.
        # decoding the `{}` reply); anything else is a bug here.
        if len(Recorder.seen) == before:
            raise SystemExit(f"{op}: the SDK raised before sending: {e!r}") from e
    if len(Recorder.seen) != before + 1:
        raise SystemExit(f"{op}: expected 1 request, saw {len(Recorder.seen) - before}")
    return Recorder.seen[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    cli = parser.parse_args()

    spec = json.loads(SPEC.read_text())
    samples = Samples(spec)
    by_id = {o["operationId"]: o for _p, _h, o in operations(spec)}
    if len(by_id) != sum(1 for _ in operations(spec)):
        raise SystemExit("duplicate operation ids in the spec")
    for op, _case in EXTRA_CASES:
        if op not in by_id:
            raise SystemExit(f"EXTRA_CASES names {op}, which the spec does not have")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = linq.LinqAPIV3(
        api_key="sk_test_conformance",
        base_url=f"http://127.0.0.1:{port}{BASE_PATH}",
        max_retries=0,
    )

    recordings = []
    try:
        for op, o in by_id.items():
            full = default_args(samples, o, required_only=False)
            cases = [("full", full)]
            required = default_args(samples, o, required_only=True)
            if required != full:
                cases.append(("required", required))
            for (extra_op, case), given in EXTRA_CASES.items():
                if extra_op == op:
                    cases.append((case, {**full, **given}))
            for case, args in cases:
                recordings.append(
                    {
                        "operation": op,
                        "case": case,
                        "sdk_method": o["x-sdk-method"]["python"],
                        "args": args,
                        "request": record(client, o, args),
                    }
                )
    finally:
        server.shutdown()
        server.server_close()

    order = {"full": 0, "required": 1}
    recordings.sort(key=lambda r: (r["operation"], order.get(r["case"], 2), r["case"]))
    fixture = {
        "about": (
            "What the official Python SDK sends, recorded by `cargo xtask "
            "record-conformance` (xtask/oracle/record_conformance.py) and replayed "
            "against linq-client by tests/it/conformance.rs. Per operation: case "
            "`full` (every optional field set), `required` (only the required "
            "ones, where that differs) and a few hand-picked edge cases."
        ),
        "linq_python_version": linq.__version__,
        "base_path": BASE_PATH,
        "recordings": recordings,
    }
    cli.out.parent.mkdir(parents=True, exist_ok=True)
    cli.out.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        shown = cli.out.resolve().relative_to(ROOT)
    except ValueError:
        shown = cli.out
    print(
        f"recorded {len(recordings)} calls of {len(by_id)} operations with "
        f"linq-python {linq.__version__} -> {shown}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
