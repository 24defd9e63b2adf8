"""Waitlist refusals, with stable codes like the rest of scheduling's."""

from clinic.errors import Conflict, Unprocessable


class InvalidWindow(Unprocessable):
    code = "invalid_window"


class NobodyToOffer(Conflict):
    code = "nobody_to_offer"
