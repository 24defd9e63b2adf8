from django.urls import URLPattern, path

from scheduling.ical.views import calendar_feed

# Outside scheduling.urls: these links are opened by calendar apps, without a session.
urlpatterns: list[URLPattern] = [
    path("calendar/<int:provider>.ics", calendar_feed, name="calendar-feed"),
]
