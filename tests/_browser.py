"""Headless Chromium through Selenium and Debian's chromium-driver, for the report's browser tests.

:func:`chromium` starts a fresh browser (new empty profile, no network services) or skips the test with the
reason when chromium or chromedriver is missing (`make browser` installs them as root; the Makefile's test
targets run it first).
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1600")


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("Chromium is not installed (Debian packages chromium and chromium-driver; `make browser` "
                    "installs them when run as root): the report's browser test is skipped")
    return browser, driver


@contextmanager
def chromium():
    """A Selenium WebDriver of a headless Chromium with an empty ``--user-data-dir``; quits on exit."""
    browser, driver_path = _binaries()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="huayu-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
