"""Headless Chromium with networking off, for the tests that look at pages and pictures.

`requires_chromium` skips a test, with the reason, where no Chromium is installed; .ci/run
installs Debian's `chromium`, so CI runs them. Each run starts Chromium with a fresh profile
and every request to the network refused (a dead proxy and a resolver that finds no host),
so a page that needs a CDN draws nothing here.
"""

import json
import os
import select
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = ["CHROMIUM", "requires_chromium", "screenshot", "dump_dom", "pixels_near",
           "ink_box", "DevTools"]

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
     if (path := shutil.which(name))),
    None,
)
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian: apt-get install chromium;"
           " .ci/run installs it)",
)

# As root Chromium needs --no-sandbox; the rest stop it from reaching the network by itself.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]
NETWORK_OFF = [
    "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
# Let scripts run (vega-embed draws after the load event) before the page is captured.
SETTLE = "--virtual-time-budget=5000"


def _run(args, page):
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [CHROMIUM, *FLAGS, *NETWORK_OFF, f"--user-data-dir={profile}", *args,
             Path(page).resolve().as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    if result.returncode != 0:
        pytest.fail(f"chromium exited {result.returncode} on {page}\n{result.stderr[-3000:]}")
    return result


def screenshot(page, png, width, height):
    """Open `page` (a file) in a width x height window and save what it shows to `png`."""
    _run([SETTLE, f"--window-size={width},{height}", f"--screenshot={png}"], page)
    if not Path(png).is_file():
        pytest.fail(f"chromium wrote no screenshot of {page}")
    return Path(png)


def dump_dom(page):
    """The document of `page` as Chromium has it once its scripts have run, serialized."""
    return _run([SETTLE, "--dump-dom"], page).stdout


def pixels_near(image, rgb, tolerance=40):
    """How many pixels of a Pillow RGB image lie within `tolerance` of colour `rgb`."""
    r0, g0, b0 = rgb
    colours = image.convert("RGB").getcolors(maxcolors=image.width * image.height)
    return sum(
        count for count, (r, g, b) in colours
        if abs(r - r0) <= tolerance and abs(g - g0) <= tolerance and abs(b - b0) <= tolerance
    )


def ink_box(image, threshold=200):
    """(count, bbox) of the pixels whose grey level is below `threshold`: lines and text."""
    ink = image.convert("L").point(lambda v: 255 if v < threshold else 0)
    return ink.histogram()[255], ink.getbbox()


class DevTools:
    """Headless Chromium driven over its DevTools protocol, for tests that act on a page.

    The protocol runs on a pipe (--remote-debugging-pipe): JSON messages, each ended by a NUL
    byte, that Chromium reads on its file descriptor 3 and writes on 4, so no port is opened
    and only the standard library is needed. Networking is off as in `_run`, and on top of that
    every request is caught (the Fetch domain) and failed unless it is for one of the
    `allowed` URLs; `requests` lists every URL the page asked for, allowed or not, and
    `errors` every console error, uncaught exception and failed load the page logged.

        with DevTools(1400, 900) as browser:
            browser.open(path)           # waits for the load event
            browser.press("ArrowRight")
            browser.evaluate("document.title")
    """

    def __init__(self, width=1400, height=900):
        self.width, self.height = width, height
        self.requests, self.errors, self.allowed = [], [], set()
        self._id, self._buffer, self._events = 0, b"", []

    def __enter__(self):
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-profile-")
        to_chromium, self._out = os.pipe()
        self._in, from_chromium = os.pipe()

        def onto_3_and_4():  # in the child, before exec: the pipe ends as fds 3 and 4
            reader, writer = os.dup(to_chromium), os.dup(from_chromium)
            os.dup2(reader, 3)
            os.dup2(writer, 4)

        self._process = subprocess.Popen(
            [CHROMIUM, *FLAGS, *NETWORK_OFF, f"--user-data-dir={self._profile.name}",
             "--remote-debugging-pipe", f"--window-size={self.width},{self.height}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(3, 4),
            preexec_fn=onto_3_and_4,
        )
        os.close(to_chromium)
        os.close(from_chromium)
        try:
            target = next(t for t in self.send("Target.getTargets")["targetInfos"]
                          if t["type"] == "page")
            self._session = self.send("Target.attachToTarget", {
                "targetId": target["targetId"], "flatten": True})["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                self.send(f"{domain}.enable", page=True)
            self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, page=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self._write({"id": 0, "method": "Browser.close"})
            self._process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        os.close(self._in)
        os.close(self._out)
        self._profile.cleanup()

    def send(self, method, params=None, page=False):
        """The result of one command (to the page, when `page`); fails the test on an error."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self._session
        self._write(message)
        while True:
            reply = self._next()
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    pytest.fail(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def open(self, path, fragment=""):
        """Load the file `path` (with `#fragment`, if given) and wait for its load event."""
        url = Path(path).resolve().as_uri()
        self.allowed.add(url)
        self._events.clear()
        self.send("Page.navigate", {"url": url + (f"#{fragment}" if fragment else "")},
                  page=True)
        while not any(e["method"] == "Page.loadEventFired" for e in self._events):
            self._next()

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-serializable); a promise
        is waited for."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, page=True)
        if "exceptionDetails" in result:
            pytest.fail(f"{expression!r} raised in the page: {result['exceptionDetails']}")
        return result["result"].get("value")

    def press(self, key, code=None, key_code=None):
        """One key press (keyDown, keyUp), as a user's: "ArrowRight", "End", ..."""
        codes = {"ArrowLeft": 37, "ArrowRight": 39, "Home": 36, "End": 35}
        event = {"key": key, "code": code or key,
                 "windowsVirtualKeyCode": key_code or codes.get(key, 0)}
        for kind in ("keyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, **event}, page=True)

    def _write(self, message):
        os.write(self._out, json.dumps(message).encode() + b"\0")

    def _next(self, timeout=60):
        """The next message from Chromium; events are recorded (and requests answered)."""
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._in], [], [], timeout)
            chunk = os.read(self._in, 1 << 20) if ready else b""
            if not chunk:
                pytest.fail("Chromium stopped answering on its DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message = json.loads(raw)
        method, params = message.get("method"), message.get("params", {})
        if method:
            self._events.append(message)
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Fetch.requestPaused":
            url = params["request"]["url"]
            self.requests.append(url)
            allowed = url.split("#")[0] in self.allowed
            self._write({"id": 0, "sessionId": message.get("sessionId"),
                         "method": "Fetch.continueRequest" if allowed else "Fetch.failRequest",
                         "params": {"requestId": params["requestId"],
                                    **({} if allowed else {"errorReason": "BlockedByClient"})}})
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description")))
                                        for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("exception", {}).get(
                "description", params["exceptionDetails"]["text"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])
        return message
