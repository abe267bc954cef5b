"""The keyed hash that places data in one of 4,096 buckets (docs/scale-out.md section 2).

A person's bucket is this hash of their ID number (sscard.people.buckets); an audit event about
an object that belongs to no person goes to the bucket of `object_type:object_id`. The key is
BUCKET_KEY, else one derived from SECRET_KEY: either must stay the same once data is placed,
since a bucket is computed again from what a caller holds to find where the data is. A keyed
hash tells nothing about the text to whoever sees a bucket.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

BUCKETS = 4096


def keyed_bucket(text: str) -> int:
    """The bucket of `text`: HMAC-SHA256(key, text) modulo 4096."""
    key = getattr(settings, "BUCKET_KEY", "") or f"bucket:{settings.SECRET_KEY}"
    digest = hmac.new(str(key).encode(), text.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest, "big") % BUCKETS
