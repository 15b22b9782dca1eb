import os

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
