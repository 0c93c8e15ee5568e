"""The whole page flow in a real headless Chromium, against real processes on 127.0.0.1.

``mmarc ui`` runs as its own process over a fresh workspace and SQLite file; a user logs
in, provisions a 2-site project, downloads both client kits as password-protected zips,
unpacks them with the password the page showed once and starts ``mmarc client`` from
them (``mmarc server`` from the server kit), sees a broken MMAR's diagnostics, uploads a
tiny ``examples/digits_fl``, sets the rounds, deploys, and starts the run; the live panel
shows rounds advancing and, once the run is over, one story without a reload: heading,
top bar, Runs and Results pages say finished, the sites their own end, and the status
line's metric is the chart's last point; the results page shows the cross-site matrix
and serves the global model. A second admin whose role has no train right presses Start
and is refused by the server (its audit log says so), not by a hidden button. Every
step's screenshot goes to ``docs/ui/``. Without ``/usr/bin/chromium`` this test fails;
it never skips.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO, free_port, tiny_fl_mmar, zip_folder
from mmarc.runtime.provision.zipkit import unzip_kit
from mmarc.runtime.security.audit import read_audit
from playwright.sync_api import Browser, Page, expect, sync_playwright
from ui_helpers import MMARC, PASSWORD, SUPER, process_env, start_mmarc, stop_all, wait_for_text

from mmarc.ui.auth import add_user
from mmarc.ui.db import database_of
from mmarc.ui.workspace import Workspace

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = REPO / "docs" / "ui"
VIEWER = "it@example.org"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    expect(page.locator("#who")).to_have_text(email)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright; a missing browser fails the test."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run .ci/install-chromium"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.slow
def test_the_whole_flow_in_a_browser(tmp_path: Path, browser: Browser) -> None:
    env = process_env(tmp_path)
    ws = tmp_path / "ws"
    made = subprocess.run(
        [*MMARC, "ui", "adduser", SUPER, "-w", str(ws), "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    database = database_of(Workspace(ws))  # the second user, as the command adds it
    add_user(database, VIEWER, PASSWORD)
    database.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs = [start_mmarc(["ui", str(ws), "--port", str(port)], tmp_path / "ui.log", env)]
    try:
        wait_for_text("mmarc ui: http://", tmp_path / "ui.log")
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(30_000)
        for _ in range(100):  # the server answers a moment after it prints its address
            try:
                page.goto(f"{base}/login")
                break
            except Exception:
                time.sleep(0.2)
        _shot(page, "01-login")
        _log_in(page, base, SUPER)

        # 1. provision a 2-site project on free ports of 127.0.0.1
        page.goto(f"{base}/provision")
        page.fill("input[name=name]", "ui_project")
        page.fill("input[name=fed_learn_port]", str(free_port()))
        page.fill("input[name=admin_port]", "80x")
        page.fill("textarea[name=sites]", "client1 org1\nclient2 org2")
        page.fill("textarea[name=admins]", f"{SUPER} org1 super\n{VIEWER} org1 lead_it")
        page.click("#provision")  # the compiler's diagnostic, at the field it concerns
        expect(page.locator("label:has(input[name=admin_port]) .field-error")).to_contain_text(
            "project.yml:"
        )
        _shot(page, "02-provision-1-diagnostics")
        page.fill("input[name=admin_port]", str(free_port()))
        page.click("#provision")
        expect(page.locator("#provisioned")).to_be_visible()
        expect(page.locator("#project-state")).to_contain_text("client1, client2")
        _shot(page, "02-provision-2-done")

        # 2. each client kit as a zip, password shown once; the sites start from them
        kits = tmp_path / "sites"
        for name in ("client1", "client2"):
            page.goto(f"{base}/download")
            page.click(f"button[data-kit='{name}']")
            password = page.locator("#password").inner_text()
            with page.expect_download() as download:
                page.click("#zip-link")
            archive = tmp_path / f"{name}.zip"
            download.value.save_as(archive)
            unzip_kit(archive, kits, password)
        _shot(page, "03-download")
        procs.append(
            start_mmarc(["server", str(ws / "kits" / "127.0.0.1")], tmp_path / "server.log", env)
        )
        wait_for_text("listening on", tmp_path / "server.log")
        for name in ("client1", "client2"):
            procs.append(start_mmarc(["client", str(kits / name)], tmp_path / f"{name}.log", env))

        # 3. a broken MMAR is refused with its diagnostics on the page; the tiny one is kept
        mmar = tiny_fl_mmar(tmp_path / "mmar", n_train=16, n_val=8)
        broken = tmp_path / "broken" / "digits_fl"
        broken.parent.mkdir()
        (broken / "config").mkdir(parents=True)
        for f in (mmar / "config").iterdir():
            (broken / "config" / f.name).write_text(f.read_text())
        train = broken / "config" / "config_train.json"
        train.write_text(train.read_text().replace('"epochs"', '"epoch"'))
        page.goto(f"{base}/upload")
        page.set_input_files("input[name=mmar]", str(zip_folder(broken, tmp_path / "b.zip")))
        page.click("#upload")
        expect(page.locator("#frames")).to_contain_text('unknown key "epoch"')
        expect(page.locator("#frames")).to_contain_text("config/config_train.json:")
        _shot(page, "04-upload-diagnostics")
        page.set_input_files("input[name=mmar]", str(zip_folder(mmar, tmp_path / "m.zip")))
        page.click("#upload")
        expect(page.locator("#kept")).to_contain_text("digits_fl")
        _shot(page, "05-upload")

        # 4. server settings from the schema: a bad value is shown at its field
        page.goto(f"{base}/settings/server")
        page.fill("input[name=num_rounds]", "-1")
        page.click("#save")
        expect(page.locator("label:has(input[name=num_rounds]) .field-error")).to_contain_text(
            "num_rounds"
        )
        page.fill("input[name=num_rounds]", "2")
        page.click("#save")
        expect(page.locator("#saved")).to_be_visible()
        _shot(page, "06-server-settings")
        for name in ("client1", "client2"):
            wait_for_text("connected to", tmp_path / f"{name}.log")
        # 5. client settings, then apply = validate + compile + deploy (as this admin)
        page.goto(f"{base}/settings/client")
        page.fill("input[name='env:client1:DATA_ROOT']", "data")
        page.click("#apply")
        expect(page.locator("#deployed")).to_be_visible(timeout=120_000)
        _shot(page, "07-client-settings-deployed")

        # a user without the train right presses Start: the server refuses
        other = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        _log_in(other, base, VIEWER)
        other.goto(f"{base}/training")
        other.click("#start")
        expect(other.locator("#error")).to_contain_text("may not start or abort training")
        expect(other.locator(".answers")).to_contain_text("refused by the server")
        _shot(other, "08-start-refused")
        audit = read_audit(ws / "kits" / "127.0.0.1" / "audit.log")
        assert any(
            r["user"] == VIEWER and r["command"] == "start" and r["decision"] == "refused"
            for r in audit
        ), audit[-5:]

        # 6. start; the live panel shows rounds advancing until the run finishes
        page.goto(f"{base}/training")
        page.click("#start")
        expect(page.locator(".answers")).not_to_contain_text("refused")
        seen: list[str] = []  # the round numbers the page showed, in order
        states: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            state = page.locator("#server-state").inner_text()
            round_text = page.locator("#round").inner_text()
            if not states or states[-1] != state:
                states.append(state)
            if round_text not in seen:
                seen.append(round_text)
                if round_text == "1":
                    _shot(page, "09-training-live")
            if state == "finished":
                break
            time.sleep(0.3)
        assert state == "finished", (seen, (tmp_path / "server.log").read_text())
        # the page was pushed the run as it went: a live state before the end, then the
        # last round (round 0 can finish between two looks on a fast machine)
        assert len(states) >= 2 and "1" in seen, (states, seen)
        assert [r for r in seen if r.isdigit()] in (["0", "1"], ["1"]), seen
        expect(page.locator("#metric")).not_to_have_text("–")
        # one story once it is over, pushed without a reload: the run's record (heading,
        # top bar) says what the server said, and each site reports its own end
        expect(page.locator("#run-status")).to_have_text("finished")
        expect(page.locator("#last-run")).to_contain_text("finished")
        expect(page.locator("#sites")).not_to_contain_text("training", timeout=30_000)
        # the status line and the chart read one series: the last global model's metric
        expect(page.locator("#metric-label")).to_contain_text("after round 1 (final validation)")
        metric = page.locator("#metric").inner_text()
        chart = page.locator("#chart")
        assert chart.get_attribute("data-last") == metric, (
            metric,
            chart.get_attribute("data-last"),
        )
        ticks = (chart.get_attribute("data-ticks") or "").split()
        assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks  # a real y axis
        _shot(page, "10-training-finished")

        # 7. results: cross-site matrix, files, the global model served
        page.goto(f"{base}/results")
        expect(page.locator("#crossval")).to_contain_text("client1")
        model = page.locator("a", has_text="FL_global_model.pt").first
        with page.expect_download() as download:
            model.click(modifiers=["Alt"])
        saved = tmp_path / "global.pt"
        download.value.save_as(saved)
        assert saved.stat().st_size > 1000
        expect(page.locator("#result-status")).to_have_text("finished")
        _shot(page, "11-results")
        page.goto(f"{base}/runs")
        expect(page.locator("#runs .run-status[data-run='1']")).to_have_text("finished")
        expect(page.locator("#runs")).to_contain_text(metric)  # its last metric, the same
        _shot(page, "12-runs")
        page.goto(f"{base}/training")
        page.click("#shutdown")
        for proc in procs[1:]:
            assert proc.wait(60) == 0
    finally:
        stop_all(procs)
        for log in sorted(tmp_path.glob("*.log")):
            sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}\n")
