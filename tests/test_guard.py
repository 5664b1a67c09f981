"""The guards every route shares (bot/guard/): JSON read with limits, secrets compared without
crashing on odd bytes, flood buckets, refusals logged once a minute per address."""

from __future__ import annotations

import json
import logging

import pytest

from bot.guard.address import limit_key
from bot.guard.body import MAX_DEPTH, BadBody, read_json, read_json_object
from bot.guard.flood import Rate, TokenBuckets, retry_after
from bot.guard.refusals import OTHERS, RefusalLog
from bot.guard.secret import same_secret


def nested(depth: int) -> bytes:
    """`depth` arrays inside one another."""
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"1" * 5000, "not valid JSON"),  # Python refuses integers over 4,300 digits
        (b'{"n": 1e999}', "not valid JSON"),
        (b'{"n": NaN}', "not valid JSON"),
        (b"[Infinity]", "not valid JSON"),
        (b"[" * 100_000, "nests deeper"),  # the parser's own recursion limit
        (nested(MAX_DEPTH + 1), "nests deeper"),
        (b'{"a": [{"b": ' + nested(MAX_DEPTH - 1) + b"}]}", "nests deeper"),
    ],
    ids=[
        "not-utf8",
        "syntax",
        "empty",
        "5000-digits",
        "infinite",
        "nan",
        "infinity",
        "recursion",
        "one-too-deep",
        "deep-in-an-object",
    ],
)
def test_hostile_json_is_one_kind_of_error(raw: bytes, reason: str) -> None:
    with pytest.raises(BadBody, match=reason):
        read_json(raw)


def test_json_within_the_limits_is_read() -> None:
    assert read_json(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    assert read_json(b'{"n": ' + b"9" * 4000 + b"}") == {"n": int("9" * 4000)}
    assert read_json('"chào"'.encode()) == "chào"
    assert read_json_object(b'{"a": [1, 2.5, null, true]}') == {"a": [1, 2.5, None, True]}
    for not_an_object in (b"[]", b'"x"', b"42", b"null"):
        with pytest.raises(BadBody, match="must be a JSON object"):
            read_json_object(not_an_object)


def test_a_lone_surrogate_is_read_as_a_replacement_character() -> None:
    value = read_json(b'{"a\\ud800": "x\\udfffy", "pair": "\\ud83d\\ude00"}')
    assert value["pair"] == "😀", "a pair is one character, untouched"
    (key,) = (k for k in value if k != "pair")
    assert key.startswith("a") and set(key[1:]) == {"\ufffd"}
    assert value[key][0] == "x" and value[key][-1] == "y" and set(value[key][1:-1]) == {"\ufffd"}
    for text in (*value, *value.values()):
        text.encode("utf-8")  # every string can be stored and logged


def test_secrets_are_compared_without_raising_on_undecodable_bytes() -> None:
    secret = "s" * 40
    assert same_secret(secret, secret)
    assert not same_secret(secret[:-1], secret)
    # aiohttp reads a header's non-UTF-8 bytes as surrogate escapes; str.encode() raises on them.
    assert not same_secret("\udcff\udcfe" + secret[2:], secret)
    assert not same_secret("\ud800", secret)
    assert not same_secret("", ""), "nothing matches an unset secret"


def test_a_bucket_lets_a_burst_through_then_one_per_interval() -> None:
    now = [100.0]
    buckets = TokenBuckets(Rate(per_minute=6, burst=3), clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(10.0), "one token every 10 s"
    assert buckets.take("b") == 0.0, "another key is not held up"
    now[0] += 4.0
    assert buckets.take("a") == pytest.approx(6.0)
    now[0] += 6.0
    assert buckets.take("a") == 0.0
    assert retry_after(0.2) == 1 and retry_after(6.0) == 6 and retry_after(6.01) == 7


def test_a_rate_of_zero_limits_nothing() -> None:
    buckets = TokenBuckets(Rate(per_minute=0, burst=1))
    assert all(buckets.take("a") == 0.0 for _ in range(1000))
    assert len(buckets) == 0


def test_buckets_stay_bounded_under_a_spray_of_keys() -> None:
    now = [0.0]
    buckets = TokenBuckets(Rate(per_minute=60, burst=2), clock=lambda: now[0], max_keys=100)
    for key in range(1000):
        buckets.take(f"k{key}")
    assert len(buckets) <= 100


def test_making_room_keeps_the_buckets_that_still_limit() -> None:
    now = [0.0]
    buckets = TokenBuckets(Rate(per_minute=60, burst=2), clock=lambda: now[0], max_keys=100)
    for key in range(99):
        buckets.take(f"old{key}")
    now[0] = 5.0  # the old buckets have refilled: as good as new
    assert buckets.take("flooder") == 0.0 and buckets.take("flooder") == 0.0
    for key in range(50):
        buckets.take(f"new{key}")  # room is made: the refilled buckets go
    assert len(buckets) == 51
    assert buckets.take("flooder") > 0, "its limit was not forgotten"


def test_ipv6_clients_are_limited_per_64_and_ipv4_per_address() -> None:
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::2")
    assert limit_key("2001:db8:1:2::1") != limit_key("2001:db8:1:3::1")
    assert limit_key("203.0.113.9") == "203.0.113.9"
    assert limit_key("unknown") == "unknown"


def test_refusals_are_logged_once_a_minute_per_address(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = RefusalLog(logging.getLogger("test.refusals"), "hook", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.refusals"):
        assert refusals.refused("198.51.100.7", 401, "no signature")
        assert not any(refusals.refused("198.51.100.7", 401, "no signature") for _ in range(5))
        assert refusals.refused("203.0.113.9", 403, "stale event")
        now[0] += 61
        assert refusals.refused("198.51.100.7", 401, "no signature")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "hook: request refused from 198.51.100.7 (401): no signature",
        "hook: request refused from 203.0.113.9 (403): stale event",
        "hook: request refused from 198.51.100.7 (401): no signature; "
        "5 more refused since its last line",
    ]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_a_spray_of_addresses_cannot_flood_the_log(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = RefusalLog(
        logging.getLogger("test.spray"), "hook", clock=lambda: now[0], max_addresses=10
    )
    with caplog.at_level(logging.WARNING, logger="test.spray"):
        for address in range(1000):
            refusals.refused(f"2001:db8::{address:x}", 403, "wrong secret")
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 10 + 1, "ten addresses, then the others together"
    assert OTHERS in lines[-1]
    now[0] += 61
    with caplog.at_level(logging.WARNING, logger="test.spray"):
        assert refusals.refused("2001:db8::ffff", 403, "wrong secret"), "room again"
