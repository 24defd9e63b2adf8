"""Admin lists whose date drill-down survives the ends of the calendar.

Django's changelist turns `?start__year=9999` into "from 9999-01-01 to 10000-01-01" and a
24-digit year into a datetime, outside the ValueError it catches: a 500 for a typed URL.
Here either is an incorrect lookup, which the admin answers by reloading the list with its
"?e=1" notice, as it already does for `?start__year=0`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class BoundedChangeList(ChangeList):
    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDatesAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedChangeList
