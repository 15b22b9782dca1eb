import os
import shutil

import numpy as np
import pytest

try:
    from hypothesis import settings as _hyp_settings
except ImportError:   # hypothesis is a dev extra; its tests skip without it
    _hyp_settings = None
else:
    # A run of the suite must not pass or fail by chance: property tests draw the same
    # examples every run (derandomize) and keep no example database between runs.
    # HYPOTHESIS_PROFILE=explore draws fresh examples when hunting for new failures.
    _hyp_settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
    _hyp_settings.register_profile("explore", deadline=None)
    _hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


@pytest.fixture
def rng():
    return np.random.default_rng(231)


def pytest_collection_modifyitems(config, items):
    """Under CI (which installs every extra: torch, hypothesis, chromium, TeX) a skipped test
    is a hole in the checks, not a pass: importorskip and skip marks turn into failures."""
    config._graphgrad_no_skips = os.environ.get("CI") == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.skipped and getattr(item.config, "_graphgrad_no_skips", False) and not hasattr(rep, "wasxfail"):
        rep.outcome = "failed"
        rep.longrepr = f"skipped under CI=true (every dependency is installed there): {rep.longrepr}"


CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-sandbox"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium through playwright (never `playwright install`); missing
    chromium skips the browser tests, except under CI, where it is a failure."""
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI (apt-get install -y chromium)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
