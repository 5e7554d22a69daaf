#!/usr/bin/env python3
"""Cross-check linq-webhooks against the official `standardwebhooks` library.

Two directions:

  python3 xtask/oracle/webhook_vectors.py [--out FILE]
      Signs a set of deliveries with `standardwebhooks.Webhook(secret).sign`,
      runs the library's own `verify` on each (at the vector's clock) to
      record whether it must be accepted, and writes them to
      crates/linq-webhooks/tests/fixtures/standardwebhooks_vectors.json.
      Legacy `X-Webhook-Signature` vectors are added, computed the way Linq's
      reference documentation describes (hex HMAC-SHA256 keyed with the
      secret text, over `{timestamp}.{body}`).

  python3 xtask/oracle/webhook_vectors.py --verify FILE
      Verifies every vector in FILE (written by the Rust tests, e.g.
      crates/linq-webhooks/tests/fixtures/rust_signed_vectors.json) with
      `standardwebhooks.Webhook(secret).verify`, and checks that a copy with
      one body byte changed is refused. Exits 1 on any failure.

The library reads the clock through `datetime.now`; to verify a vector at its
own time, that one name in the library's module is swapped for a frozen
clock. Nothing else of the library is touched.

Requires: pip install standardwebhooks
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import sys
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import standardwebhooks
import standardwebhooks.webhooks as sw_module

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "crates/linq-webhooks/tests/fixtures/standardwebhooks_vectors.json"

T = 1_770_321_138  # 2026-02-05T19:52:18Z


@contextlib.contextmanager
def frozen_clock(unix_seconds: int):
    real = sw_module.datetime

    class Frozen(real):  # type: ignore[misc, valid-type]
        @classmethod
        def now(cls, tz=None):  # noqa: ARG003
            return real.fromtimestamp(unix_seconds, tz=timezone.utc)

    sw_module.datetime = Frozen
    try:
        yield
    finally:
        sw_module.datetime = real


def key_of(vector: dict) -> str | bytes:
    if "secret_bytes_hex" in vector:
        return bytes.fromhex(vector["secret_bytes_hex"])
    return vector["secret"]


def dt(unix_seconds: int) -> datetime:
    return datetime.fromtimestamp(unix_seconds, tz=timezone.utc)


def python_verdict(key: str | bytes, payload: str, headers: list[list[str]], now: int) -> tuple[bool, str | None]:
    with frozen_clock(now):
        try:
            standardwebhooks.Webhook(key).verify(payload, dict(headers), json_parse=False)
            return True, None
        except standardwebhooks.WebhookVerificationError as e:
            return False, str(e)


def compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def handle(number: str, handle_id: str, is_me: bool) -> dict:
    return {
        "handle": number,
        "id": handle_id,
        "is_me": is_me,
        "joined_at": "2026-01-21T21:59:45.191571Z",
        "left_at": None,
        "service": "iMessage",
        "status": "active",
    }


ENVELOPE = {
    "api_version": "v3",
    "event_type": "message.sent",
    "event_id": "7c0e2f4a-3b1d-4e8a-9f6c-5d2a1b0c9e87",
    "created_at": "2026-02-05T19:52:18.101373886Z",
    "trace_id": "5f1c0a9e2b7d4c3a8e6f1b2d3c4a5e6f",
    "partner_id": "partner-oracle",
}
PARTS = [
    {"type": "text", "value": "Lunch at noon?"},
    {
        "filename": "menu.jpg",
        "id": "b3c1e7d2-8a4f-4c6b-9e2d-1f0a7b6c5d4e",
        "mime_type": "image/jpeg",
        "size_bytes": 184233,
        "type": "media",
        "url": "https://cdn.linqapp.com/attachments/b3c1e7d2/menu.jpg",
    },
]
ME = handle("+12025550147", "0a6b2c4d-1e3f-4a5b-8c7d-9e0f1a2b3c4d", True)

MESSAGE_SENT_2026 = compact({
    **ENVELOPE,
    "webhook_version": "2026-02-03",
    "data": {
        "chat": {"id": "4d2c8e1a-6b3f-4a9d-8c7e-2f1b0a9d8c7e", "is_group": False, "owner_handle": ME},
        "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "idempotency_key": None,
        "direction": "outbound",
        "sender_handle": ME,
        "parts": PARTS,
        "effect": None,
        "sent_at": "2026-02-05T19:52:17.219Z",
        "delivered_at": None,
        "read_at": None,
        "service": "iMessage",
        "preferred_service": None,
    },
})

MESSAGE_SENT_2025 = compact({
    **ENVELOPE,
    "event_id": "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b",
    "webhook_version": "2025-01-01",
    "data": {
        "chat_id": "4d2c8e1a-6b3f-4a9d-8c7e-2f1b0a9d8c7e",
        "from": "+12025550147",
        "from_handle": ME,
        "idempotency_key": None,
        "is_from_me": True,
        "is_group": False,
        "message": {
            "created_at": "2026-02-05T19:52:17.041183Z",
            "delivered_at": None,
            "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "is_delivered": False,
            "is_read": False,
            "parts": PARTS,
            "read_at": None,
            "sent_at": "2026-02-05T19:52:17.219Z",
            "updated_at": "2026-02-05T19:52:18.084038Z",
        },
        "preferred_service": None,
        "received_at": None,
        "recipient_handle": None,
        "recipient_phone": None,
        "service": "iMessage",
    },
})

# Pretty-printed, with a trailing newline: the raw bytes are what is signed.
NON_ASCII = json.dumps(
    {
        **ENVELOPE,
        "event_type": "message.received",
        "event_id": "c0ffee00-1234-4abc-9def-0123456789ab",
        "webhook_version": "2026-02-03",
        "data": {"parts": [{"type": "text", "value": "Grüße aus Köln — 日本語のテキスト 👋🏽 «ok»"}]},
    },
    ensure_ascii=False,
    indent=2,
) + "\n"

SECRET_A = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_B = "whsec_" + base64.b64encode(bytes(range(7, 39))).decode()
SECRET_OLD = "whsec_" + base64.b64encode(b"the key before rotation, 32 byte").decode()
SECRET_NEW = "whsec_" + base64.b64encode(b"the key after rotation, 32 bytes").decode()
RAW = b"secret\n"


def sign(key: str | bytes, msg_id: str, ts: int, payload: str) -> str:
    return standardwebhooks.Webhook(key).sign(msg_id, dt(ts), payload)


def std_headers(msg_id: str, ts: int, signature: str, style: str = "lower") -> list[list[str]]:
    names = {
        "lower": ("webhook-id", "webhook-timestamp", "webhook-signature"),
        "title": ("Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"),
        "upper": ("WEBHOOK-ID", "WEBHOOK-TIMESTAMP", "WEBHOOK-SIGNATURE"),
    }[style]
    return [[names[0], msg_id], [names[1], str(ts)], [names[2], signature]]


def secret_fields(key: str | bytes) -> dict:
    return {"secret_bytes_hex": key.hex()} if isinstance(key, bytes) else {"secret": key}


def standard_vectors() -> list[dict]:
    out = []

    def add(name, key, msg_id, ts, payload, headers, now=None, expect_valid=None):
        now = ts if now is None else now
        valid, error = python_verdict(key, payload, headers, now)
        if expect_valid is not None and valid != expect_valid:
            sys.exit(f"vector {name}: standardwebhooks said valid={valid} ({error}), expected {expect_valid}")
        vector = {"name": name, **secret_fields(key), "msg_id": msg_id, "timestamp": ts, "now": now,
                  "payload": payload, "headers": headers, "valid": valid}
        if error is not None:
            vector["python_error"] = error
        out.append(vector)

    def simple(name, key, msg_id, payload, *, ts=T, now=None, style="lower", expect_valid=True):
        add(name, key, msg_id, ts, payload, std_headers(msg_id, ts, sign(key, msg_id, ts, payload), style),
            now=now, expect_valid=expect_valid)

    simple("message.sent 2026-02-03, whsec secret", SECRET_A, "msg_2tqUxUe0lcsBPh3OJjVVtAFzW4U", MESSAGE_SENT_2026)
    simple("message.sent 2025-01-01, unpadded secret, title-case headers", SECRET_B.rstrip("="),
           "msg_2tqUxWbnR1kFxwRKhO5cSxLXQJp", MESSAGE_SENT_2025, style="title")
    simple("non-ASCII pretty body, raw byte key, upper-case headers", RAW, "msg_nonascii", NON_ASCII, style="upper")
    simple("secret without whsec_ prefix", SECRET_A.removeprefix("whsec_"), "msg_noprefix", MESSAGE_SENT_2026)
    simple("empty body", SECRET_A, "msg_empty", "")
    simple("body that is not JSON", SECRET_A, "msg_text", "hello, world")
    simple("id with unicode", SECRET_A, "msg_ü_🆔", "{}")
    simple("old timestamp within tolerance", SECRET_A, "msg_edge_old", "{}", now=T + 300)
    simple("future timestamp within tolerance", SECRET_A, "msg_edge_new", "{}", now=T - 300)
    simple("timestamp too old", SECRET_A, "msg_stale", "{}", now=T + 301, expect_valid=False)
    simple("timestamp too new", SECRET_A, "msg_future", "{}", now=T - 301, expect_valid=False)
    simple("timestamp 0", SECRET_A, "msg_zero", "{}", ts=0, now=T, expect_valid=False)

    # Key rotation: the sender signs with both keys; either key verifies.
    rid = "msg_rotation"
    both = f"{sign(SECRET_OLD, rid, T, MESSAGE_SENT_2026)} {sign(SECRET_NEW, rid, T, MESSAGE_SENT_2026)}"
    add("rotation: two signatures, receiver has the old key", SECRET_OLD, rid, T, MESSAGE_SENT_2026,
        std_headers(rid, T, both), expect_valid=True)
    add("rotation: two signatures, receiver has the new key", SECRET_NEW, rid, T, MESSAGE_SENT_2026,
        std_headers(rid, T, both), expect_valid=True)
    add("rotation: two signatures, receiver has neither key", SECRET_A, rid, T, MESSAGE_SENT_2026,
        std_headers(rid, T, both), expect_valid=False)
    unknown_version = "v1a," + sign(SECRET_A, rid, T, "{}").split(",", 1)[1]
    add("entries of other versions are skipped", SECRET_A, rid, T, "{}",
        std_headers(rid, T, f"v2,AAAA {unknown_version} {sign(SECRET_A, rid, T, '{}')}"), expect_valid=True)
    add("only a non-v1 entry", SECRET_A, rid, T, "{}", std_headers(rid, T, unknown_version), expect_valid=False)

    # Tampering.
    tid = "msg_tamper"
    sig = sign(SECRET_A, tid, T, MESSAGE_SENT_2026)
    add("wrong key", SECRET_B, tid, T, MESSAGE_SENT_2026, std_headers(tid, T, sig), expect_valid=False)
    add("body changed", SECRET_A, tid, T, MESSAGE_SENT_2026.replace("noon", "nine"), std_headers(tid, T, sig),
        expect_valid=False)
    add("id changed", SECRET_A, tid, T, MESSAGE_SENT_2026, std_headers("msg_tampeR", T, sig), expect_valid=False)
    add("timestamp changed", SECRET_A, tid, T + 1, MESSAGE_SENT_2026, std_headers(tid, T + 1, sig),
        expect_valid=False)
    add("signature of other data", SECRET_A, tid, T, MESSAGE_SENT_2026,
        std_headers(tid, T, sign(SECRET_A, tid, T, "xxx")), expect_valid=False)
    return out


def legacy_signature(secret_text: str, ts: int, payload: str) -> str:
    # As in Linq's reference documentation: the secret text is the key.
    message = f"{ts}.{payload}".encode("utf-8")
    return hmac.new(secret_text.encode("utf-8"), message, hashlib.sha256).hexdigest()


def legacy_vectors() -> list[dict]:
    out = []

    def add(name, secret, ts, payload, signature, now=None, valid=True):
        out.append({"name": name, "secret": secret, "timestamp": ts, "now": T if now is None else now,
                    "payload": payload, "headers": [["X-Webhook-Timestamp", str(ts)],
                                                    ["X-Webhook-Signature", signature],
                                                    ["X-Webhook-Event", "message.sent"]],
                    "valid": valid})

    add("legacy message.sent 2025-01-01", SECRET_A, T, MESSAGE_SENT_2025, legacy_signature(SECRET_A, T, MESSAGE_SENT_2025))
    add("legacy non-ASCII body, upper-case hex", SECRET_B, T, NON_ASCII,
        legacy_signature(SECRET_B, T, NON_ASCII).upper())
    add("legacy body changed", SECRET_A, T, MESSAGE_SENT_2025.replace("noon", "nine"),
        legacy_signature(SECRET_A, T, MESSAGE_SENT_2025), valid=False)
    add("legacy keyed with decoded bytes is not accepted", SECRET_A, T, MESSAGE_SENT_2025,
        hmac.new(base64.b64decode(SECRET_A.removeprefix("whsec_")), f"{T}.{MESSAGE_SENT_2025}".encode(),
                 hashlib.sha256).hexdigest(), valid=False)
    add("legacy timestamp too old", SECRET_A, T, "{}", legacy_signature(SECRET_A, T, "{}"), now=T + 301, valid=False)
    return out


def generate(out: Path) -> None:
    standard = standard_vectors()
    legacy = legacy_vectors()
    doc = {
        "generator": "xtask/oracle/webhook_vectors.py",
        "standardwebhooks_version": version("standardwebhooks"),
        "standard": standard,
        "legacy": legacy,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    valid = sum(v["valid"] for v in standard)
    print(f"wrote {len(standard)} standard vectors ({valid} valid, {len(standard) - valid} invalid) "
          f"and {len(legacy)} legacy vectors to {out.relative_to(ROOT)}")


def verify(path: Path) -> int:
    doc = json.loads(path.read_text(encoding="utf-8"))
    failures = 0
    for v in doc["vectors"]:
        key = key_of(v)
        headers = [["webhook-id", v["msg_id"]], ["webhook-timestamp", str(v["timestamp"])],
                   ["webhook-signature", v["signature"]]]
        ok, error = python_verdict(key, v["payload"], headers, v["timestamp"])
        # A sanity check that the oracle can say no: one byte of the body changed.
        changed = v["payload"][:-1] + ("!" if not v["payload"].endswith("!") else "?") if v["payload"] else "x"
        refused = not python_verdict(key, changed, headers, v["timestamp"])[0]
        if ok and refused:
            print(f"ok    {v['name']}")
        else:
            failures += 1
            print(f"FAIL  {v['name']}: verify={ok} ({error}), tampered refused={refused}")
    total = len(doc["vectors"])
    print(f"standardwebhooks {version('standardwebhooks')}: {total - failures} passed, {failures} failed")
    return 1 if failures or not total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the generated vectors")
    parser.add_argument("--verify", type=Path, metavar="FILE", help="verify vectors signed by linq-webhooks")
    args = parser.parse_args()
    if args.verify:
        return verify(args.verify)
    generate(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
