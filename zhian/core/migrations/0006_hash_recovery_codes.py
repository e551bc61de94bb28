"""Recovery codes were kept in clear in django-otp's StaticToken table; from now on only
their digest is (``zhian.core.services.mfa.recovery_digest``). This replaces every stored
code by its digest, so codes already handed out keep working once each. (Those older codes
have 40 bits; users may regenerate theirs to get 80-bit codes.)"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.db import migrations


def _digest(code: str) -> str:
    # Frozen copy of recovery_digest(): a migration must not change with the code.
    clean = "".join(code.split()).lower()
    raw = hashlib.sha256(b"zhian-recovery-code:" + clean.encode()).digest()
    return base64.urlsafe_b64encode(raw)[:16].decode("ascii")


def hash_codes(apps: Any, schema_editor: Any) -> None:
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.all().iterator():
        token.token = _digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_security_roles"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
