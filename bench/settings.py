"""Settings of the benchmarked server: the real production settings, plus benchmark-only URLs.

Everything comes from :mod:`trustmart.settings` (so the environment configures it exactly as in
production); only the URL configuration differs, adding views that exist to be compared with.
"""

from trustmart.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
