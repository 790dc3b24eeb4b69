"""The HTML reports as a person sees them: opened in headless Chromium.

Checks that each page renders without console or resource errors, that every
SVG has a non-zero size on screen, and that a screenshot is produced. Needs
Debian's ``chromium`` (.ci/run installs it when missing); skipped, saying why,
only when no Chromium can be found.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from flowsim.cli import main

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH: apt-get install chromium (.ci/run does)")

# Injected before the page's own content: records errors, then measures every SVG once loaded.
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href)))), true);
const _err = console.error; console.error = (...a) => { window.__errors.push(a.join(' ')); _err(...a); };
window.addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'))
    .map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; });
  const res = performance.getEntriesByType('resource').map(r => r.name);
  const sm = document.getElementById('summary'), first = document.querySelector('h1 ~ *');
  const summary = sm && [sm.getBoundingClientRect().width, sm.getBoundingClientRect().height, sm === first, sm.textContent];
  const out = document.createElement('pre'); out.id = 'probe';
  out.textContent = JSON.stringify({errors: window.__errors, svgs: svgs, resources: res, summary: summary});
  document.body.appendChild(out);
});
</script>"""
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", "--virtual-time-budget=3000"]


def _chromium(args, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp_path)}  # a profile of its own, nothing written elsewhere
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=60, env=env)


def _check_page(html, tmp_path) -> dict:
    probe = tmp_path / (html.stem + ".probe.html")
    probe.write_text(html.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    dom = _chromium(["--dump-dom", probe.as_uri()], tmp_path)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page did not finish loading in Chromium: {dom.stderr[-500:]}"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    shot = tmp_path / (html.stem + ".png")
    _chromium([f"--screenshot={shot}", "--window-size=1280,2000", html.as_uri()], tmp_path)
    assert shot.is_file() and shot.stat().st_size > 10_000, "no screenshot"
    return result


def _assert_renders(result: dict, at_least_svgs: int) -> None:
    assert result["errors"] == [], result["errors"]
    assert result["resources"] == [], "the report loaded external resources"
    assert len(result["svgs"]) >= at_least_svgs
    assert all(w > 0 and h > 0 for w, h in result["svgs"]), result["svgs"]


def test_run_report_renders(tmp_path, tiny_path):
    out = tmp_path / "run.html"
    assert main(["run", str(tiny_path), "--replications", "1", "--html", str(out), "--format", "json"]) == 0
    _assert_renders(_check_page(out, tmp_path), at_least_svgs=3)  # pathway, occupancy, time in ED


def test_experiment_report_renders(tmp_path, tiny_path):
    exp = tmp_path / "e.yaml"
    exp.write_text(f"name: t\nmodel: {tiny_path}\nscenarios: [baseline, small_ward]\nreplications: 2\nseed: 4\n")
    out = tmp_path / "exp.html"
    assert main(["experiment", str(exp), "--workers", "1", "--out", str(tmp_path / "store"),
                 "--html", str(out), "--format", "json"]) == 0
    result = _check_page(out, tmp_path)
    _assert_renders(result, at_least_svgs=2)  # pathway, forest plots
    # the board summary is on screen, right under the title, and reads as a sentence about the run
    width, height, first, text = result["summary"]
    assert width > 0 and height > 0 and first
    assert text.startswith("This experiment compared 1 scenario (small_ward) with the baseline") and "each run 2 times" in text


def test_capacity_report_renders(tmp_path, tiny_path):
    exp = tmp_path / "c.yaml"
    exp.write_text(f"name: c\nmodel: {tiny_path}\nreplications: 2\nseed: 4\nhorizon: 12 days\nwarm_up: 2 days\n"
                   "search: {key: services.ed.servers, range: [14, 20], "
                   "target: {metric: four_hour_performance, at_least: 0.5}}\n")
    out = tmp_path / "cap.html"
    assert main(["experiment", str(exp), "--workers", "1", "--html", str(out), "--format", "json"]) == 0
    _assert_renders(_check_page(out, tmp_path), at_least_svgs=2)  # the curve, the pathway
