"""The settings with the API sent through the pages' whole middleware stack, as it was before
the API had its own (sscard.api.stack): bench/http_status.py --stack full|both measures the two
in one run. Not for serving."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if m != "sscard.api.stack.ApiStackMiddleware"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("sscard.common.middleware.UnavailableMiddleware") + 1,
    "sscard.api.middleware.ApiProblemsMiddleware",
)
