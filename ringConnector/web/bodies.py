"""Request bodies: JSON read once, whatever is wrong with it a BadRequest (never a 500)."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from ringConnector.errors import BadRequest


def json_body() -> Any:
    """The request's JSON body, or None when it is empty."""
    raw = request.get_data(cache=False)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except RecursionError as ex:  # [[[[...]]]] nested deeper than the parser's stack
        raise BadRequest("the body is JSON nested too deeply to be one of this API's bodies") from ex
    except (ValueError, UnicodeDecodeError) as ex:
        raise BadRequest(f"the body is not JSON: {str(ex)[:100]}") from ex
