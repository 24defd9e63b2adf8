"""`manage.py create_staff USERNAME --role scheduler|nurse|manager --password PW`.

Creates the user or updates an existing one (role and password), so it is safe to rerun.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from clinic.roles import Role, assign_role


class Command(BaseCommand):
    help = "Create or update a staff user with a clinic role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(username=options["username"])
        user.set_password(options["password"])
        if options["email"]:
            user.email = options["email"]
        user.save()
        assign_role(user, options["role"])
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {options['role']} {user.get_username()}.")
