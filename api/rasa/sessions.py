"""Rasa's sessions made to last as long as Kestrel keeps a conversation.

domain.yml's `session_expiration_time` (for plain `rasa run` and `rasa shell`) ends a session after so many
minutes without a user message: the next message then starts a new session and, with
`carry_over_slots_to_new_session: false`, the situation, the age and the plan step are gone. The service
keeps a conversation for RETENTION_MINUTES after its last turn instead, so if the two differed, someone
coming back inside retention but after the domain's expiry would find the assistant had forgotten them.
Retention alone decides: the session lasts a little longer than the conversation can be kept (retention
plus the longest a turn may take, since the retention clock starts when a turn ends and Rasa's starts at
its user message), so a stored conversation always continues its session, and an erased one starts anew.
"""
from __future__ import annotations

from typing import Any

from api.settings import Settings


def session_expiration_minutes(settings: Settings) -> float:
    return (settings.retention_seconds + settings.turn_budget_seconds) / 60


def align_sessions_with_retention(domain: Any, settings: Settings) -> None:
    """Set the loaded domain's session expiry from the settings (the processor reads it on every turn)."""
    from rasa.shared.core.domain import SessionConfig

    domain.session_config = SessionConfig(
        session_expiration_time=session_expiration_minutes(settings),
        carry_over_slots=domain.session_config.carry_over_slots,
    )
