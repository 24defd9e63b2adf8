"""The pages people work in (shared/PAGES.md), one module per area.

Each module holds forms and views only and exposes its own `urlpatterns`; the views call
the same selectors and services as the API, so a page adds no rule of its own and shows
the service's own sentence when it refuses.
"""
