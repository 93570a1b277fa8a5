"""Parsing of the moments used by the catalogue and by ``as_of``."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from claude_preflight.redact import redact

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_moment(value: object, *, what: str = "as_of") -> datetime:
    """Return an aware UTC datetime for a date, datetime or ISO-8601 string.

    A bare date means the start of that day in UTC; a naive datetime is taken
    as UTC. Anything else raises ``TypeError``/``ValueError`` naming ``what``.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if _DATE.match(text):
                moment = datetime.fromisoformat(text)
            else:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError as exc:
            raise ValueError(redact(f"{what}: {value!r} is not an ISO-8601 date or date-time ({exc})")) from None
    else:
        raise TypeError(f"{what} must be a date, datetime or ISO-8601 string, not {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def day(moment: datetime) -> str:
    """``YYYY-MM-DD`` of a moment, in UTC."""
    return moment.astimezone(timezone.utc).date().isoformat()
