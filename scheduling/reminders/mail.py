"""An email backend that writes each message to a file named by its idempotency key.

For development and `make run`: a person reads what was sent in EMAIL_FILE_PATH. Because
the name is the key, the channel can say whether a key was already delivered, and a
second delivery of one key is kept beside the first as `<key>.duplicate-*.eml` instead of
vanishing, so a duplicate would show.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

KEY_HEADER = "X-Idempotency-Key"


def mail_dir() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


def delivered_path(key: str) -> Path:
    return mail_dir() / f"{key}.eml"


class KeyedFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        folder = mail_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            self._write(folder, message)
        return len(email_messages)

    def _write(self, folder: Path, message: EmailMessage) -> None:
        key = message.extra_headers.get(KEY_HEADER) or str(uuid.uuid4())
        data = message.message().as_bytes()
        # Write under a temporary name, then link it into place: readers never see half a file,
        # and link() fails if the key exists, which makes a second delivery visible.
        temporary = folder / f".{key}.{uuid.uuid4().hex}.tmp"
        temporary.write_bytes(data)
        try:
            os.link(temporary, folder / f"{key}.eml")
        except FileExistsError:
            os.link(temporary, folder / f"{key}.duplicate-{uuid.uuid4().hex}.eml")
        finally:
            temporary.unlink()
