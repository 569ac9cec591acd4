"""A conversation's stored history, kept short: every turn reads and writes the whole of it.

Rasa's tracker stores read, deserialise, compare and write back every event of a conversation on every
turn, and the policies and the custom action receive all of them, so without a bound a turn costs more the
longer the conversation: 400 turns made the last turns 12-14 times dearer than the first, and one patient
client could hog the model thread. Nothing in Kestrel reads old events: the action decides from the slots
and the latest message (actions/turn.py), and the policies look three states back (config.yml). So when a
conversation holds more than `max_events`, the oldest whole turns are dropped and replaced by what they
left behind: the session start, the slot values at that point (the age, the situation, the plan step...),
an active form and a pause, if any. Replaying the shortened history gives the same state as replaying the
whole one. Dropping old turns also keeps less of what the person wrote.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

def _turn_start(events: Sequence[Event], keep: int) -> Optional[int]:
    """The earliest index at which a turn starts (an `action_listen` with something after it) leaving at
    most `keep` events from there on; if even the latest turn is longer, that turn's start. None if there
    is nowhere to cut."""
    starts = [
        index for index in range(1, len(events) - 1)
        if isinstance(events[index], ActionExecuted) and events[index].action_name == ACTION_LISTEN_NAME
    ]
    fitting = [index for index in starts if len(events) - index <= keep]
    if fitting:
        return fitting[0]
    return starts[-1] if starts else None


def _summary(dropped: Sequence[Event], timestamp: float) -> List[Event]:
    """Events that put a fresh tracker in the state `dropped` left it in, as far as anything reads it."""
    slots: Dict[str, Any] = {}
    session_started = False
    active_loop: Optional[str] = None
    paused = False
    for event in dropped:
        if isinstance(event, (SessionStarted, Restarted)):
            # Both reset the tracker (Rasa's `_reset`): what came before them no longer counts.
            session_started = isinstance(event, SessionStarted)
            slots.clear()
            active_loop, paused = None, False
        elif isinstance(event, AllSlotsReset):
            slots.clear()
        elif isinstance(event, SlotSet):
            slots[event.key] = event.value
        elif isinstance(event, ActiveLoop):
            active_loop = event.name
        elif isinstance(event, ConversationPaused):
            paused = True
        elif isinstance(event, ConversationResumed):
            paused = False
    summary: List[Event] = []
    if session_started:
        summary += [ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp), SessionStarted(timestamp=timestamp)]
    summary += [SlotSet(key, value, timestamp=timestamp) for key, value in slots.items()]
    if active_loop:
        summary.append(ActiveLoop(active_loop, timestamp=timestamp))
    if paused:
        summary.append(ConversationPaused(timestamp=timestamp))
    return summary


def shorten(tracker: DialogueStateTracker, max_events: int) -> bool:
    """If `tracker` holds more than `max_events` events, keep only the newest whole turns (about half of
    `max_events`, so this happens once every several turns, not on each) after a summary of the rest.

    Done in place, on the tracker the turn used, so that a later save of the same tracker finds the store
    holding exactly what it holds (Rasa's stores diff and merge by position). Returns whether it shortened.
    """
    events = list(tracker.events)
    if len(events) <= max_events:
        return False
    cut = _turn_start(events, keep=max_events // 2)
    if not cut:
        return False
    # The summary is stamped with the first kept event's time, so timestamps still never go backwards
    # (Rasa's merge of earlier sessions replays events up to a timestamp).
    kept = _summary(events[:cut], timestamp=events[cut].timestamp) + events[cut:]
    tracker.events.clear()
    tracker.recreate_from_dialogue(Dialogue(tracker.sender_id, kept))
    return True
