"""The provider's calendar feed, for calendar apps that subscribe to a link.

Calendar apps cannot sign in, so the link's token is the only key: a wrong, missing or
revoked token, and a provider that does not exist, all get the same 404. The feed shows no
patient data beyond initials and the procedure, so a fetch writes no `read` audit event
(the patient pages' rule); the fetch is logged, by provider and without the token.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from scheduling.ical.events import provider_feed
from scheduling.ical.feeds import feed_cases, live_feed

logger = logging.getLogger(__name__)


# Private: the link is one provider's secret, so no shared cache may keep the answer.
# Short: a calendar that asks again after a change must not get the old feed back.
@cache_control(private=True, max_age=300)
@require_safe
def calendar_feed(request: HttpRequest, provider: int) -> HttpResponse:
    feed = live_feed(provider, request.GET.get("token", ""))
    if feed is None:
        logger.info("Calendar feed refused", extra={"provider_id": provider})
        raise Http404("No such calendar.")
    cases = feed_cases(feed.provider_id, timezone.now())
    logger.info("Calendar feed served", extra={"provider_id": provider, "events": len(cases)})
    return HttpResponse(
        provider_feed(feed.provider, cases), content_type="text/calendar; charset=utf-8"
    )
