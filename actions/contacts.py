"""One line per service ("• Childline (under 19): call 0800 1111"), built from the resource file."""
from __future__ import annotations

import datetime as dt
from typing import List, Optional

from actions.facts import Service, facts
from actions.render import text_of



def contact_text(service: Service) -> str:
    parts: List[str] = []
    if service.phone:
        parts.append(text_of("utter_contact_phone", phone=service.phone))
    if service.text_number:
        parts.append(
            text_of("utter_contact_text", word=service.text_word or "", number=service.text_number)
        )
    if service.url and not parts:
        parts.append(service.url)
    return text_of("utter_contact_or").join(parts)


def audience_text(service: Service) -> str:
    """" (under 19)": who a service is for, in the resource file's own words."""
    return text_of("utter_audience_label", label=service.label) if service.label else ""


def service_lines(keys: List[str], now: Optional[dt.datetime] = None) -> List[str]:
    """Lines for these services; with `now`, each line also says whether it is open."""
    lines = []
    for key in keys:
        service = facts().services[key]
        status = ""
        if now is not None:
            is_open = service.is_open(now)
            if is_open is None:
                status = text_of("utter_human_hours_unknown")
            elif is_open:
                status = text_of("utter_human_open")
            else:
                status = text_of("utter_human_closed", hours=service.hours_text())
        lines.append(
            text_of(
                "utter_human_line", service_name=service.name, audience=audience_text(service),
                contact=contact_text(service), status=status,
            ).rstrip()
        )
    return lines
