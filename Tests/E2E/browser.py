"""Headless Chromium (Debian's chromium and chromium-driver) driven by selenium, for the dashboard tests."""
import os
import pathlib

import pytest

from conftest import ROOT

SHOTS = ROOT / ".build" / "screenshots"
CHROMIUM = os.environ.get("FAULTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FAULTLINE_CHROMEDRIVER", "/usr/bin/chromedriver")


def make_driver(width=1280, height=900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver named explicitly: selenium's own manager would try to download one (no network here).
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    return driver


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(driver, name, full_height=True):
    """Saves the page at the window's width, as tall as its content, under .build/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    if full_height:
        height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, 600)")
        driver.set_window_size(width, min(int(height) + 120, 6000))
    path = SHOTS / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.fixture
def browser():
    if not pathlib.Path(CHROMIUM).exists() or not pathlib.Path(CHROMEDRIVER).exists():
        pytest.fail("chromium and chromium-driver are needed (make deps installs them)")
    driver = make_driver()
    yield driver
    driver.quit()
