"""Every admin page a manager can open renders: the list, and the add form where allowed."""

from __future__ import annotations

import pytest
from django.contrib import admin

MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"clinic", "procedures", "scheduling"}
)


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model"), MODELS)
def test_a_manager_opens_the_list_and_the_add_form(client, make_staff, app, model):
    client.force_login(make_staff("manager"))
    assert client.get(f"/admin/{app}/{model}/").status_code == 200
    add = client.get(f"/admin/{app}/{model}/add/")
    assert add.status_code in (200, 403)  # 403: rows only the services write
