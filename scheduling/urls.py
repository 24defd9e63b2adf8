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
    patients,
    station,
)

urlpatterns: list[URLPattern | URLResolver] = [
    *account.urlpatterns,
    *desk.urlpatterns,
    *patients.urlpatterns,
    *booking.urlpatterns,
    *appointments.urlpatterns,
    *calendar.urlpatterns,
    *station.urlpatterns,
    *dashboard.urlpatterns,
    *dashboard_stuck.urlpatterns,
]
