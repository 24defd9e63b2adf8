"""Ticking the case's checklist, one item at a time: `/appointments/<id>/checklist/<item>/`.

A POST ticks or unticks the item, with its value where its template takes one, and carries
the item's version as the page read it. The service decides everything: a value over its
limit, a prior authorization that no approval covers, a change someone else made since the
page was read. Its refusal comes back at the item, in its words, and nothing is saved.

Without JavaScript a save redirects to the case page at the item (POST-redirect-GET) and a
refusal is the whole case page. With htmx the answer is the item's row and the parts of the
page its change moves; a GET of the same address answers that row as it is now (the
"Reload" of a conflict), or, without htmx, sends the browser to the case page at the item.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from clinic.errors import DomainError
from clinic.permissions import NURSING
from scheduling import selectors, services
from scheduling.errors import EditConflict
from scheduling.models import Appointment, ChecklistItem
from scheduling.pages.case_forms import TickForm
from scheduling.pages.case_page import render_case, render_item_swap, render_not_found
from scheduling.pages.case_sections import ItemFeedback, item_takes_value
from scheduling.pages.common import acting_user, role_required

GONE = "This checklist item no longer applies to the case; the checklist below is as it is now."
INCOMPLETE = "The save did not come from this page as it stands; reload the page and save again."


def item_url(case: Appointment, item_id: int) -> str:
    return f"{reverse('appointment', args=[case.pk])}#item-{item_id}"


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _leave(request: HttpRequest, case: Appointment, item_id: int, text: str) -> HttpResponse:
    """A refusal the item's row cannot hold (the checklist closed, the item gone): a message
    on the case page. htmx is sent to the page without the item's anchor, for an address
    that differs only by its anchor would scroll the page rather than load it."""
    messages.error(request, text)
    if _is_htmx(request):
        return HttpResponseClientRedirect(reverse("appointment", args=[case.pk]))
    return redirect(item_url(case, item_id))


def _answer(
    request: HttpRequest, case: Appointment, item_id: int, feedback: ItemFeedback
) -> HttpResponse:
    """A refusal at the item: its row for htmx, the whole case page otherwise (200: the page
    is the answer, as a form shown again with its errors)."""
    if _is_htmx(request):
        return render_item_swap(request, case, item_id, feedback)
    return render_case(request, case, feedback=feedback)


def _saved_words(item: ChecklistItem) -> str:
    if not item.done:
        return f"{item.label}: unticked."
    return f"{item.label}: ticked" + (f" ({item.value})." if item.value else ".")


def _refusal(error: ValidationError, item: ChecklistItem, typed: str | None) -> ItemFeedback:
    by_field = getattr(error, "error_dict", None)
    if by_field is None:
        return ItemFeedback(item.pk, errors=tuple(error.messages), typed_value=typed)
    return ItemFeedback(
        item.pk,
        errors=tuple(message for field in by_field for message in error.message_dict[field]),
        value_refused="value" in by_field,
        typed_value=typed,
    )


@role_required(NURSING)
def case_checklist_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    case = selectors.appointment_case(pk)
    if case is None:
        return render_not_found(request, pk)
    item = next((i for i in case.checklist_items.all() if i.pk == item_id), None)
    if item is None:
        # Dropped since the page was read: the case's facts changed its checklist.
        return _leave(request, case, item_id, GONE)
    if request.method != "POST":
        if _is_htmx(request):
            return render_item_swap(request, case, item.pk, None)
        return redirect(item_url(case, item.pk))

    form = TickForm(request.POST)
    if not form.is_valid():
        return _answer(request, case, item.pk, ItemFeedback(item.pk, errors=(INCOMPLETE,)))
    done: bool = form.cleaned_data["done"]
    typed: str | None = form.cleaned_data["value"] if item_takes_value(item) else None
    user = acting_user(request)
    try:
        saved = services.checklist_tick(
            appointment=case,
            item=item,
            done=done,
            # Unticking leaves the value as it was; the authorization number is the service's.
            value=typed if done else None,
            acting_user=user,
            expected_version=form.cleaned_data["version"],
        )
    except EditConflict as conflict:
        # Show the item as it is now, with who changed it: the newer change stands.
        fresh = selectors.appointment_case(case.pk) or case
        return _answer(request, fresh, item.pk, ItemFeedback(item.pk, conflict=conflict.detail))
    except ValidationError as refusal:
        return _answer(request, case, item.pk, _refusal(refusal, item, typed))
    except DomainError as refusal:  # the case's checklist closed since the page was read
        return _leave(request, case, item.pk, refusal.detail)

    words = _saved_words(saved)
    if _is_htmx(request):
        fresh = selectors.appointment_case(case.pk) or case
        return render_item_swap(request, fresh, item.pk, ItemFeedback(item.pk, saved=words))
    messages.success(request, words)
    return redirect(item_url(case, item.pk))
