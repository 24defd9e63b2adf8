"""Search results as a FHIR `searchset` Bundle, a page at a time.

Pages are numbered (`_page=2`, from 1) with `_count` results each (default 20, at most 100).
The links repeat the parameters the search used and nothing else, so following `next` to
the end reads every match once; `total` counts all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntrySearch, BundleLink
from fhir.resources.R4B.resource import Resource
from rest_framework.request import Request

from scheduling.fhir.search import COUNT, PAGE, Search


def fhir_base(request: Request) -> str:
    """The absolute base URL of the FHIR endpoint, ending in a slash."""
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")


def full_url(request: Request, resource: Resource) -> str:
    return f"{fhir_base(request)}{resource.get_resource_type()}/{resource.id}"


def _page_url(request: Request, search: Search, page: int) -> str:
    query = [*search.used, (COUNT, str(search.count)), (PAGE, str(page))]
    return f"{request.build_absolute_uri(request.path)}?{urlencode(query)}"


def searchset(
    request: Request, search: Search, resources: Sequence[Resource], total: int
) -> Bundle:
    """One page of `total` matches; `resources` are this page's, in order."""
    last = max(1, -(-total // search.count)) if search.count else 1
    links = [("self", search.page), ("first", 1)]
    if search.page > 1:
        links.append(("previous", min(search.page - 1, last)))
    if search.count and search.offset + search.count < total:
        links.append(("next", search.page + 1))
    links.append(("last", last))
    return Bundle(
        type="searchset",
        total=total,
        link=[
            BundleLink(relation=relation, url=_page_url(request, search, page))
            for relation, page in links
        ],
        entry=[
            BundleEntry(
                fullUrl=full_url(request, resource),
                resource=resource,
                search=BundleEntrySearch(mode="match"),
            )
            for resource in resources
        ]
        or None,
    )
