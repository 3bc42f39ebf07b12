"""Request bodies: JSON read once, whatever is wrong with it a BadRequest (never a 500)."""

from __future__ import annotations

import json
from typing import Any

from flask import Request

from ringConnector.errors import BadRequest


class JsonRequest(Request):
    """Flask's request, its JSON read our way: an empty body is None, and a body that is not JSON,
    or nested too deeply, is a BadRequest (a body declared as anything but JSON was refused
    before, by web/browsers.py).

    flask-openapi3 reads bodies with get_json(silent=True), which would make a broken body None
    (then "Input should be a valid list", not "the body is not JSON") and lets a RecursionError
    through as a 500; the app's request_class is where Flask lets that be changed.
    """

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        raw = self.get_data(cache=True)
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except RecursionError as ex:  # [[[[...]]]] nested deeper than the parser's stack
            raise BadRequest("the body is JSON nested too deeply to be one of this API's bodies") from ex
        except (ValueError, UnicodeDecodeError) as ex:
            raise BadRequest(f"the body is not JSON: {str(ex)[:100]}") from ex
