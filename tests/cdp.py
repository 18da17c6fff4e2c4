"""Headless Chromium driven over the DevTools protocol (one websocket, no driver package):
where an element sits on the page, which fonts drew its text, a screenshot of a region."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from contextlib import ExitStack
from itertools import count
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from harness.reporting import pdf

FLAGS = [*(f for f in pdf.FLAGS if f != "--no-pdf-header-footer"), "--remote-debugging-port=0"]
TIMEOUT_S = 60


class Page:
    """One page of a Chromium started for it; close() ends that Chromium."""

    def __init__(self, chromium: str, profile: Path, url: str, width: int, height: int) -> None:
        self.proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # Chromium names its endpoint on stderr once it listens
            if line.startswith("DevTools listening on "):
                endpoint = line.split(" on ", 1)[1].strip()
                break
        else:
            raise RuntimeError("Chromium exited before it listened for DevTools")
        # keep reading its log, so a chatty Chromium never blocks on a full pipe
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(connect(endpoint, max_size=None, open_timeout=TIMEOUT_S))
        self.ids = count(1)
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=False, session=True)  # fmt: skip
        self.call("Page.enable", session=True)
        self.call("Page.navigate", url=url, session=True)
        self.wait("Page.loadEventFired")

    def _recv(self) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=TIMEOUT_S))

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        msg: dict[str, Any] = {"id": n, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            got = self._recv()
            if got.get("id") == n:
                if "error" in got:
                    raise RuntimeError(f"{method}: {got['error']}")
                return got["result"]
            self.events.append(got)

    def wait(self, event: str) -> dict[str, Any]:
        while True:
            for e in self.events:
                if e.get("method") == event:
                    self.events.remove(e)
                    return e
            self.events.append(self._recv())

    def js(self, expression: str) -> Any:
        got = self.call("Runtime.evaluate", expression=expression, returnByValue=True, session=True)
        return got["result"].get("value")

    def fonts(self, selector: str) -> list[dict[str, Any]]:
        """The platform fonts that drew the text of the first element matching `selector`."""
        self.call("DOM.enable", session=True)
        self.call("CSS.enable", session=True)
        root = self.call("DOM.getDocument", session=True)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector=selector, session=True)
        got = self.call("CSS.getPlatformFontsForNode", nodeId=node["nodeId"], session=True)
        return got["fonts"]

    def screenshot(self, path: Path, x: float, y: float, width: float, height: float) -> Path:
        clip = {"x": x, "y": y, "width": width, "height": height, "scale": 1}
        got = self.call("Page.captureScreenshot", format="png", clip=clip,
                        captureBeyondViewport=True, session=True)  # fmt: skip
        path.write_bytes(base64.b64decode(got["data"]))
        return path

    def close(self) -> None:
        self.stack.close()
        self.proc.terminate()
        self.proc.wait(TIMEOUT_S)


__all__ = ["Page"]
