"""One input contract for API schemas and forms: the field types every app's schemas use.

- ``TextN``: at most ``n`` characters (the same number as the form field and the model
  column), no NUL, no lone UTF-16 surrogate (PostgreSQL and UTF-8 cannot hold them).
- ``NameN``: ``TextN`` and, for identifiers and names, no control, format (zero-width,
  bidi override) or private-use characters, which make two names look alike.
- ``Id``: a database id, 1 … 2^63-1 (a bigger number would overflow the column).
- ``Priority``, ``Days``, ``Lon``, ``Lat``: bounded numbers; booleans are not numbers
  (``true`` is not a longitude).
- ``Instant``: a date-time that carries a zone and lies in the bureau's window
  (``ZHIAN_EARLIEST_DATE`` … now + ``ZHIAN_FUTURE_MINUTES``).
- ``Day``: a calendar day written ``YYYY-MM-DD`` (a number, which pydantic would read as
  a Unix time, is refused), from ``ZHIAN_EARLIEST_DATE`` to ``ZHIAN_LATEST_DAY_YEARS``
  years ahead (deadlines and appointments lie in the future; no day lies in 2099).

Every refusal is a pydantic error on the field, which the API root turns into a 422
problem+json whose ``errors[].loc`` names the field."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.utils import timezone
from pydantic import AfterValidator, BeforeValidator, Field

MAX_DB_INT = 2**63 - 1
_NAME_FORBIDDEN = ("Cc", "Cf", "Co", "Cs")


def check_text(value: str) -> str:
    """Refuse NUL and lone surrogates (the two things no database column can store)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL (0x00)")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("text must not contain a lone UTF-16 surrogate")
    return value


def check_name(value: str) -> str:
    """``check_text`` and no control, zero-width, bidi or private-use characters."""
    check_text(value)
    bad = [c for c in value if unicodedata.category(c) in _NAME_FORBIDDEN]
    if bad:
        raise ValueError(
            f"names must not contain invisible or control characters (U+{ord(bad[0]):04X})"
        )
    return value


def not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number is required, not a boolean")
    return value


def _text(max_length: int, min_length: int = 0) -> Any:
    return (Field(min_length=min_length, max_length=max_length), AfterValidator(check_text))


def _name(max_length: int) -> Any:
    return (Field(min_length=1, max_length=max_length), AfterValidator(check_name))


# Concrete aliases (type checkers need names, not calls): TextN is free text of at most N
# characters, NameN a name or identifier of 1 … N characters.
Text32 = Annotated[str, *_text(32)]
Text64 = Annotated[str, *_text(64)]
Text100 = Annotated[str, *_text(100)]
Text200 = Annotated[str, *_text(200)]
Text500 = Annotated[str, *_text(500)]
Text2000 = Annotated[str, *_text(2000)]
Text4000 = Annotated[str, *_text(4000)]
Name16 = Annotated[str, *_name(16)]
Name32 = Annotated[str, *_name(32)]
Name64 = Annotated[str, *_name(64)]
Name100 = Annotated[str, *_name(100)]
Priority = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=4)]
Days = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=3650)]
Id = Annotated[int, BeforeValidator(not_bool), Field(ge=1, le=MAX_DB_INT)]
Lon = Annotated[float, BeforeValidator(not_bool), Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, BeforeValidator(not_bool), Field(ge=-90, le=90, allow_inf_nan=False)]


def check_instant(value: datetime) -> datetime:
    """A zone is required; the instant lies between the bureau's earliest date and a few
    minutes from now (a clock a little ahead is tolerated, a typo in the year is not)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time zone is required (e.g. 2025-01-01T08:00:00+08:00)")
    earliest = date.fromisoformat(settings.ZHIAN_EARLIEST_DATE)
    start = timezone.make_aware(datetime.combine(earliest, datetime.min.time()))
    if value < start:
        raise ValueError(f"must not be before {earliest.isoformat()}")
    if value > timezone.now() + timedelta(minutes=settings.ZHIAN_FUTURE_MINUTES):
        raise ValueError("must not be in the future")
    return value


Instant = Annotated[datetime, AfterValidator(check_instant)]


def validate_name(value: str) -> None:
    """The ``NameN`` rule as a Django validator, so a page's form refuses what the API does."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    try:
        check_name(value)
    except ValueError as exc:
        raise ValidationError(_("名称不能包含不可见字符或控制字符"), code="invisible") from exc


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_day_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD (e.g. 2025-01-31)")
    return value


def day_bounds() -> tuple[date, date]:
    """The first and last day any day field accepts: ``ZHIAN_EARLIEST_DATE`` to the end
    of the year ``ZHIAN_LATEST_DAY_YEARS`` ahead (API fields here, forms in
    ``core.forms.DayField``)."""
    earliest = date.fromisoformat(settings.ZHIAN_EARLIEST_DATE)
    latest = timezone.localdate().replace(month=1, day=1)
    latest = latest.replace(year=latest.year + settings.ZHIAN_LATEST_DAY_YEARS, month=12, day=31)
    return earliest, latest


def check_day(value: date) -> date:
    earliest, latest = day_bounds()
    if not earliest <= value <= latest:
        raise ValueError(f"must lie between {earliest.isoformat()} and {latest.isoformat()}")
    return value


Day = Annotated[date, BeforeValidator(check_day_text), AfterValidator(check_day)]
