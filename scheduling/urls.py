"""The pages' URLs (shared/PAGES.md): each area's module declares its own."""

from django.urls import URLPattern, URLResolver

from scheduling.pages import (
    account,
    appointments,
    booking,
    calendar,
    dashboard,
    dashboard_stuck,
    desk,
    patient_edit,
    patient_history,
    patients,
    station,
    waitlist,
)

urlpatterns: list[URLPattern | URLResolver] = [
    *account.urlpatterns,
    *desk.urlpatterns,
    *patients.urlpatterns,
    *patient_edit.urlpatterns,
    *patient_history.urlpatterns,
    *booking.urlpatterns,
    *appointments.urlpatterns,
    *calendar.urlpatterns,
    *station.urlpatterns,
    *waitlist.urlpatterns,
    *dashboard.urlpatterns,
    *dashboard_stuck.urlpatterns,
]
