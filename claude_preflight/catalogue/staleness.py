"""How far a request date lies past the date the catalogue was last checked (rule CF003).

The catalogue states, in its settings, the date its facts were last checked against their
sources (``catalogue_verified``) and how many days past it a request date may lie before the
front ends say, once per run, that newer facts may be missing (``stale_after_days``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

DEFAULT_STALE_AFTER_DAYS = 45


def verified(catalogue: Any) -> date | None:
    """The date the catalogue's facts were last checked, or None when it does not say."""
    text = catalogue.settings.get("catalogue_verified")
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def stale_args(catalogue: Any, moment: datetime, limit: int | None = None) -> dict[str, Any] | None:
    """The CF003 message arguments when ``moment`` lies more than ``limit`` days (default: the
    catalogue's ``stale_after_days``) past the verified date; None when the catalogue is current."""
    checked = verified(catalogue)
    if checked is None:
        return None
    if limit is None:
        limit = int(catalogue.settings.get("stale_after_days", DEFAULT_STALE_AFTER_DAYS))
    days = (moment.date() - checked).days
    if days <= limit:
        return None
    return {"verified": checked.isoformat(), "days": days, "as_of": moment.date().isoformat()}
