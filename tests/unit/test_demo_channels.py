"""The demo's channels: a loopback webhook that answers as Discord does and writes each post
to the workspace, so the demo's updates go out by webhook for real (issue 13)."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from cockpit.demo.channels import DemoChannels
from cockpit.forge import announce


async def test_a_post_lands_in_its_channel_file_with_its_id(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEMO_RELEASE_HOOK", raising=False)
    monkeypatch.setenv("DEMO_DISCORD_HOOK", "https://discord.example/kept")
    channels = DemoChannels(tmp_path / "channels")
    try:
        served = channels.start({"release": "DEMO_RELEASE_HOOK",
                                 "discord": "DEMO_DISCORD_HOOK"})
        assert served == ["release"]  # a webhook already set is kept
        assert os.environ["DEMO_DISCORD_HOOK"] == "https://discord.example/kept"
        url = os.environ["DEMO_RELEASE_HOOK"]
        async with announce.client() as client:
            first = await announce.post_part(client, url, "T+6 hours update:\n- Downloads: 60",
                                             1, 1, lambda _: None)
            second = await announce.post_part(client, url, "again", 1, 1, lambda _: None)
            too_long = await client.post(url, json={"content": "x" * 2001})
        assert (first.message_id, second.message_id) == ("1", "2")
        assert too_long.status_code == 400
        text = (tmp_path / "channels" / "release.txt").read_text()
        assert "(message 1)\nT+6 hours update:\n- Downloads: 60\n" in text
        assert text.endswith("(message 2)\nagain\n")
    finally:
        channels.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.post(url, json={"content": "after"}, timeout=2)
