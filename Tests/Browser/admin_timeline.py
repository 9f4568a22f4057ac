#!/usr/bin/env python3
"""Drives headless Chromium through the AdWatch admin page like a person would, without page JavaScript.

Speaks the DevTools protocol over --remote-debugging-pipe (file descriptors 3 and 4, NUL-separated
JSON), standard library only. It opens /admin/login, types the token into the real form and presses
Enter (the browser posts the form with its CSRF field and keeps the HttpOnly session cookie), then
opens the timeline, dumps the DOM and saves a full-page screenshot.

Usage: admin_timeline.py BASE_URL TIMELINE_PATH SCREENSHOT_PNG [CHROMIUM]
The admin token is read from the ADWATCH_ADMIN_TOKEN environment variable (never from argv).
Prints one JSON object: after_sign_in (URL), cookies, timeline_url, timeline_html, screenshot.
"""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time


class DevTools:
    def __init__(self, write_fd, read_fd):
        self.write_fd, self.read_fd = write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed the DevTools pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method, session, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[: index + 1]
                    return event
            self.events.append(self._read_message(deadline))


def main():
    base, timeline_path, screenshot = sys.argv[1:4]
    chromium = sys.argv[4] if len(sys.argv) > 4 else (shutil.which("chromium") or shutil.which("chromium-browser"))
    token = os.environ["ADWATCH_ADMIN_TOKEN"]
    profile = tempfile.mkdtemp(prefix="adwatch-chromium-")
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()
    # Park the child's ends above 10 so moving them onto 3 and 4 cannot clobber each other.
    child_read = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
    child_write = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)

    def place_fds():
        os.dup2(child_read, 3)
        os.dup2(child_write, 4)

    process = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", f"--user-data-dir={profile}",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--window-size=1280,2000", "about:blank"],
        pass_fds=(3, 4), preexec_fn=place_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for fd in (to_browser_read, from_browser_write, child_read, child_write):
        os.close(fd)
    try:
        tools = DevTools(to_browser_write, from_browser_read)
        target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = tools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tools.call("Page.enable", session=session)
        tools.call("Network.enable", session=session)
        tools.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 2000, "deviceScaleFactor": 1, "mobile": False}, session=session)

        def navigate(url):
            tools.events.clear()
            tools.call("Page.navigate", {"url": url}, session=session)
            tools.wait_for("Page.loadEventFired", session)

        def node(selector):
            root = tools.call("DOM.getDocument", {"depth": 0}, session=session)["root"]["nodeId"]
            found = tools.call("DOM.querySelector", {"nodeId": root, "selector": selector}, session=session)["nodeId"]
            if not found:
                raise RuntimeError(f"no element matches {selector}")
            return found, root

        def current_url():
            history = tools.call("Page.getNavigationHistory", session=session)
            return history["entries"][history["currentIndex"]]["url"]

        # Sign in through the form: type the token, press Enter (implicit submission, no script).
        navigate(base + "/admin/login")
        field, _ = node("input[name=token]")
        tools.call("DOM.focus", {"nodeId": field}, session=session)
        tools.call("Input.insertText", {"text": token}, session=session)
        tools.events.clear()
        for kind in ("keyDown", "keyUp"):
            tools.call("Input.dispatchKeyEvent", {"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13,
                                                  **({"text": "\r"} if kind == "keyDown" else {})}, session=session)
        tools.wait_for("Page.loadEventFired", session)
        after_sign_in = current_url()
        cookies = tools.call("Network.getCookies", {"urls": [base + "/admin"]}, session=session)["cookies"]

        navigate(base + timeline_path)
        _, root = node("body")
        html = tools.call("DOM.getOuterHTML", {"nodeId": root}, session=session)["outerHTML"]
        shot = tools.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)["data"]
        os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
        with open(screenshot, "wb") as file:
            file.write(base64.b64decode(shot))
        print(json.dumps({"after_sign_in": after_sign_in, "cookies": cookies, "timeline_url": current_url(),
                          "timeline_html": html, "screenshot": os.path.abspath(screenshot)}))
        try:
            tools.call("Browser.close", timeout=5)
        except Exception:
            pass
    finally:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
