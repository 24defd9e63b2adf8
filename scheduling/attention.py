"""Attention on a booked case: one sentence per source, shown together as `attention`.

A hold that can no longer be met, a room or hours that no longer fit (the case's re-plan)
and the rules refusing a case that was booked under older rules (a rule change or an
upgrade) are different facts, found by different code; each sets or clears only its own
sentence, so neither silences the other.
"""

from __future__ import annotations

from django.utils import timezone

from scheduling.models import Appointment

HOLD = "hold"
HOURS = "hours"
ROOM = "room"
RULES = "rules"
# The order the sentences are shown in: what to do first, first.
ORDER = (HOLD, HOURS, ROOM, RULES)
# The API names each source by the code booking would refuse it with (API.md's error table).
CODES = {
    HOLD: "anticoagulant_hold_too_short",
    HOURS: "outside_hours",
    ROOM: "room_unsuitable",
    RULES: "not_eligible",
}


def attention_list(appointment: Appointment) -> list[dict[str, str]]:
    """The case's flags in showing order: `[{"code", "detail"}]`, empty when none."""
    sources = dict(appointment.attention_sources or {})
    if appointment.attention and not sources:
        sources[HOLD] = appointment.attention
    return [{"code": CODES[key], "detail": sources[key]} for key in ORDER if key in sources]


def set_attention(appointment: Appointment, source: str, sentence: str) -> bool:
    """Set (or, with "", clear) one source's sentence; save only if it changed."""
    sources = dict(appointment.attention_sources or {})
    # Rows flagged before sources existed: their sentence was the hold's.
    if appointment.attention and not sources:
        sources[HOLD] = appointment.attention
    if sentence:
        sources[source] = sentence
    else:
        sources.pop(source, None)
    text = " ".join(sources[key] for key in ORDER if key in sources)
    if text == appointment.attention and sources == (appointment.attention_sources or {}):
        return False
    appointment.attention_sources = sources
    if text and not appointment.attention:
        appointment.attention_at = timezone.now()
    elif not text:
        appointment.attention_at = None
    appointment.attention = text
    appointment.save(update_fields=["attention", "attention_sources", "attention_at", "updated_at"])
    return True
