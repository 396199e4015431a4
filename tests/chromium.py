"""Headless Chromium with networking off, for the tests that look at pages and pictures.

`requires_chromium` skips a test, with the reason, where no Chromium is installed; .ci/run
installs Debian's `chromium`, so CI runs them. Each run starts Chromium with a fresh profile
and every request to the network refused (a dead proxy and a resolver that finds no host),
so a page that needs a CDN draws nothing here.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = ["CHROMIUM", "requires_chromium", "screenshot", "dump_dom", "pixels_near",
           "ink_box"]

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
