"""Typed masks and the shape of a message: what is a parameter by form, what joins one slot."""

from __future__ import annotations

import pytest

from agent.logs.masking import mask
from agent.logs.shape import WILDCARD, is_parameter, shape_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 2024-01-15T10:00:00.123Z and 10:00:01", "at <TS> and <TS>"),
        ("at Fri Jun 17 07:07:00 2005", "at <TS> <TS> <NUM>"),
        ("on Sunday, July 4 and Sept. 9", "on <TS> and <TS>"),
        ("Decoded 5 frames, Marked 3", "Decoded <NUM> frames, Marked <NUM>"),
        ("id 123e4567-e89b-12d3-a456-426614174000", "id <UUID>"),
        ("from 10.0.0.1:8080 to 192.168.1.2", "from <IP> to <IP>"),
        ("via github.com:443 and wpad:80, index:3", "via <HOST> and <HOST>, index:<NUM>"),
        ("pod payments-7d9f8b6c5d-x2k4p ready", "pod payments-<*> ready"),
        ("commit deadbeef12 addr 0x7ffe", "commit <HEX> addr <HEX>"),
        ("took 250ms then 1m30s, lifetime 00:02", "took <DUR> then <DUR>, lifetime <DUR>"),
        ("retry 3/5 used 512Mi 42%", "retry <NUM>/<NUM> used <NUM> <NUM>"),
        ("http2 ipv4 v1 stay", "http2 ipv4 v1 stay"),
    ],
)
def test_masks(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    ("word", "parameter"),
    [
        ("blk_-1608999687919862906", True),
        ("/var/log/syslog", True),
        ("/healthz", True),
        ("spark://driver", True),
        ("\\Windows\\servicing\\Packages", True),
        ("com.tencent.mm/.ui.LauncherUI", True),
        ("com.android.server.am.ActivityManagerService", True),
        ("proxy.example.edu", True),
        ("<IP>", True),
        ("NameSystem.addStoredBlock", False),  # two parts: often a method name in the text
        ("and/or", False),
        ("startup", False),
        ("false", False),
    ],
)
def test_parameter_by_form(word: str, parameter: bool) -> None:
    assert is_parameter(word) is parameter


def _key(text: str) -> tuple[str, ...]:
    return shape_of(mask(text)).key


def test_values_spanning_several_tokens_fill_one_slot() -> None:
    w = WILDCARD
    assert _key("sent 1190 bytes (1.16 KB) ok") == ("sent", w, "ok") == _key("sent 9 bytes ok")
    assert _key("lifetime <1 sec") == ("lifetime", w) == _key("lifetime 00:02")
    assert _key("replicas [1, 2, 3] up") == _key("replicas [7] up")
    assert _key("from 10.0.0.1 () at x") == _key("from 10.0.0.1 (host-1.example.net) at x")
    assert _key('tag="View Lock" name=a') == ("tag", "=", w, "name", "=", "a")
    assert _key("uid=0 euid=0") == ("uid", "=", w, "euid", "=", w)
    assert _key("ws=WorkSource{10113} ok") == ("ws", "=", w, "ok")  # a value as a constructor
    assert _key("call setLights(1)") == ("call", "setLights", w)  # a call is not a value
    assert _key(r"Loading C:\Windows\servicing\Packages done") == ("Loading", w, "done")


def test_display_keeps_the_text_and_spacing() -> None:
    text = mask("a.example.com:443 close, 1190 bytes (1.16 KB) sent")
    assert "".join(shape_of(text).display) == text
