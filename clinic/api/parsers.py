"""The API reads JSON only, of a bounded size and depth.

DRF hands the request's stream to the parser without Django's DATA_UPLOAD_MAX_MEMORY_SIZE
check, and Python's json module recurses once per level of nesting: without these bounds a
10 MB body is read whole and `[[[[...]]]]` a few thousand deep is a RecursionError (a 500).
No body this API accepts is deeper than a few levels or larger than a few kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

# Nesting deeper than this is refused. The deepest body the API takes is an object of lists.
MAX_DEPTH = 16


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request body is larger than this API accepts."


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                break
            stack.extend((child, level + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        if depth(data) > MAX_DEPTH:
            raise exceptions.ParseError("JSON parse error - nested too deeply.")
        return data
