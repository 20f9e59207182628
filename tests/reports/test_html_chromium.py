"""The HTML check report of the corpus opened in headless Chromium: no console errors, a failing
(program, kernel) cell links to its finding, a hostile program name stays text, and a screenshot.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages
separated by NUL on fds 3/4), standard library only. Skips when no Chromium is installed (Debian's
`chromium`; BPFSTAB_CHROMIUM may name another binary). BPFSTAB_UPDATE_DOCS=1 also writes the
screenshot to docs/check-report.png for the README."""
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import time

import pytest

from analyzer.kernel.snapshot import bundled_kernels
from tests.support import paths

ROOT = paths.ROOT
UNGUARDED = "corpus/programs/tracing/tp_state_unguarded.bpf.o"
HOSTILE_PROG = "<script>console.error('xss-prog')</script>"
HOSTILE_FILE = "<img src=x onerror=console.error(1)>.bpf.o"
DOCS_PNG = os.path.join(ROOT, "docs", "check-report.png")


def chromium_binary():
    for name in (os.environ.get("BPFSTAB_CHROMIUM"), "chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


pytestmark = [
    pytest.mark.skipif(chromium_binary() is None, reason="no Chromium installed (Debian package 'chromium')"),
    pytest.mark.skipif(len(bundled_kernels()) < 4, reason="needs the 4 bundled kernel snapshots"),
]


class DevTools:
    """A headless Chromium and one page, spoken to over the DevTools pipe."""

    def __init__(self, binary, profile):
        to_chrome_r, self._w = os.pipe()
        self._r, from_chrome_w = os.pipe()

        def child_fds():                      # the browser reads commands on fd 3, answers on fd 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=child_fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf, self._next, self.events, self.session = b"", 0, [], None

    def close(self):
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)

    def _read(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed the DevTools pipe: "
                               + self.proc.stderr.read().decode(errors="replace")[-500:])
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, *, browser=False, timeout=30):
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if self.session and not browser:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self._next:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m["method"] == method:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def open_page(self, width=1400, height=900):
        target = self.call("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 browser=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def navigate(self, path):
        self.events.clear()
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)})
        self.wait_event("Page.loadEventFired")
        self.drain(0.5)

    def console_errors(self):
        """Console error/assert calls, uncaught exceptions and browser log errors (e.g. a blocked or
        missing resource) seen since the last navigation."""
        out = []
        for m in self.events:
            p = m.get("params", {})
            if m["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"]))
            elif m["method"] == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
            elif m["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append("log: " + p["entry"]["text"])
        return out

    def js(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        import base64
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"})["data"])
        with open(path, "wb") as f:
            f.write(data)
        return data


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    d = DevTools(chromium_binary(), tmp_path_factory.mktemp("chromium-profile"))
    try:
        d.call("Browser.getVersion", browser=True, timeout=60)
    except (EOFError, TimeoutError, OSError) as e:
        d.close()
        pytest.skip(f"Chromium does not start here: {e}")
    d.open_page()
    yield d
    d.close()


def rename_program(src, dst, old, new):
    """Copy a BPF object with symbol `old` renamed to `new`: the new name goes into a copy of .strtab
    appended at the end of the file, whose section header is repointed (ELF64 little-endian)."""
    data = bytearray(open(src, "rb").read())
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)

    def section(i):
        name, stype, _, _, off, size, link, _, _, entsize = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        return name, stype, off, size, link, entsize

    (symtab,) = [i for i in range(shnum) if section(i)[1] == 2]          # SHT_SYMTAB
    _, _, sym_off, sym_size, strndx, sym_ent = section(symtab)
    _, _, str_off, str_size, _, _ = section(strndx)
    strtab = bytes(data[str_off:str_off + str_size])
    renamed = 0
    new_off = len(strtab)
    for s in range(sym_off, sym_off + sym_size, sym_ent):
        st_name, = struct.unpack_from("<I", data, s)
        if strtab[st_name:strtab.index(b"\0", st_name)] == old.encode():
            struct.pack_into("<I", data, s, new_off)
            renamed += 1
    assert renamed == 1
    strtab += new.encode() + b"\0"
    while len(data) % 8:
        data.append(0)
    hdr = shoff + strndx * shentsize
    struct.pack_into("<QQ", data, hdr + 0x18, len(data), len(strtab))  # sh_offset, sh_size
    data += strtab
    with open(dst, "wb") as f:
        f.write(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The HTML check report of the whole corpus plus one object whose program (and file) name is hostile."""
    d = tmp_path_factory.mktemp("report")
    evil = d / HOSTILE_FILE
    rename_program(os.path.join(ROOT, UNGUARDED), evil, "on_switch", HOSTILE_PROG)
    out = d / "report.html"
    p = subprocess.run([sys.executable, "-m", "analyzer", "check", "corpus/programs", str(evil),
                        "--prog-type", "tun_rss_steering=socket_filter", "-k", "all", "-q",
                        "--format", "html", "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1, p.stderr                  # the corpus fails on purpose somewhere
    return out, str(evil)


def test_console_errors_are_detected(browser, tmp_path):
    """The detector itself: a page that logs an error and throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nosuchfunction();</script>")
    browser.navigate(bad)
    errors = browser.console_errors()
    assert any("boom" in e for e in errors) and any("nosuchfunction" in e for e in errors)


def test_check_report_in_chromium(browser, report, tmp_path):
    out, evil = report
    browser.navigate(out)
    assert browser.console_errors() == []
    assert browser.js("document.querySelectorAll('script, img, iframe, object, link').length") == 0
    assert browser.js("document.readyState") == "complete"

    # the 5.10 cell of the unguarded program links to a findings block that exists and holds the reason
    cell = browser.js("""(() => {
        const heads = [...document.querySelectorAll('#matrix thead th')].map(th => th.textContent.trim());
        const col = heads.findIndex(h => h.startsWith('5.10'));
        const row = [...document.querySelectorAll('#matrix tbody tr')]
            .find(tr => tr.querySelector('th').textContent === %s);
        const td = row.children[col];
        const a = td.querySelector('a');
        return {cls: td.className, href: a && a.getAttribute('href')};
    })()""" % json.dumps(f"{UNGUARDED}:on_switch"))
    assert cell["cls"] == "cell fail" and cell["href"].startswith("#f-")
    block = browser.js(f"(() => {{ const el = document.getElementById({json.dumps(cell['href'][1:])});"
                       f" return el && el.textContent; }})()")
    assert block and "CORE_RELO_POISONED" in block and "tp_state_unguarded.bpf.c:13" in block
    # following the link makes that block the :target
    browser.js(f"document.querySelector('#matrix a[href=\"{cell['href']}\"]').click()")
    assert browser.js("location.hash") == cell["href"]
    assert browser.js("document.querySelector(':target').id") == cell["href"][1:]
    assert browser.js("window.scrollY") > 0

    # the hostile program and file names are text: one matrix row header reads exactly that
    names = browser.js("[...document.querySelectorAll('#matrix tbody th')].map(th => th.textContent)")
    assert f"{evil}:{HOSTILE_PROG}" in names
    assert browser.js("document.body.innerHTML.includes('<script>')") is False
    browser.drain(0.3)
    assert browser.console_errors() == []

    # a screenshot of the top of the page
    browser.js("window.scrollTo(0, 0); history.replaceState(null, '', location.pathname)")
    png = browser.screenshot(tmp_path / "check-report.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1400, 900) and len(png) > 20000
    if os.environ.get("BPFSTAB_UPDATE_DOCS") == "1":
        os.makedirs(os.path.dirname(DOCS_PNG), exist_ok=True)
        with open(DOCS_PNG, "wb") as f:
            f.write(png)
