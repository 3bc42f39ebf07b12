"""S3-style pre-signed URLs, for recordings and clips alike: their query string and their expiry."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

_LOGGER = logging.getLogger(__name__)

# Pre-signed storage URLs carry X-Amz-Expires=3600, and storage holds them to it.
URL_LIFETIME = 3600
# What S3 answers (403 AccessDenied) for a signature it did not issue, or one too old.
SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."
EXPIRED = "Request has expired"


def amz_query(signature: str, now: datetime) -> str:
    """Return the query string of an S3 pre-signed GET URL valid for an hour from `now`."""
    stamp = now.astimezone(UTC)
    return urlencode(
        {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"EMULATORKEY/{stamp:%Y%m%d}/us-east-1/s3/aws4_request",
            "X-Amz-Date": f"{stamp:%Y%m%dT%H%M%SZ}",
            "X-Amz-Expires": str(URL_LIFETIME),
            "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": signature,
        }
    )


def refusal(issued_at: float | None, now: float) -> str | None:
    """Return why S3 refuses a signature issued at `issued_at` (None: not for this object), or None."""
    if issued_at is None:
        return SIGNATURE_MISMATCH
    if now - issued_at > URL_LIFETIME:
        return EXPIRED
    return None
