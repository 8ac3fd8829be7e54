"""The enrollment state machine of DESIGN §4, as one table.

active → paused (a reply) → requalifying → scheduled | nurture | closed_* ; any open state
may end in opted_out, and an active enrollment whose sequence ran out is completed. A
coordinator who reaches a patient on a call may record the decision straight from active.
Closed states are final: a correction is a new outcome and, if needed, a new enrollment.
"""

from __future__ import annotations

from campaigns.models import OPEN_STATES, OutcomeKind, State

DECISIONS = (
    State.SCHEDULED,
    State.NURTURE,
    State.CLOSED_NOT_FIT,
    State.CLOSED_NOT_NOW,
    State.CLOSED_ELSEWHERE,
)

TRANSITIONS: dict[State, frozenset[State]] = {
    State.ACTIVE: frozenset(
        {State.PAUSED, State.REQUALIFYING, State.OPTED_OUT, State.COMPLETED, *DECISIONS}
    ),
    State.PAUSED: frozenset({State.REQUALIFYING, State.OPTED_OUT, *DECISIONS}),
    State.REQUALIFYING: frozenset({State.OPTED_OUT, *DECISIONS}),
}

# The outcome each move writes to the log (None: the move itself is not an outcome).
OUTCOME_OF: dict[State, OutcomeKind | None] = {
    State.PAUSED: OutcomeKind.REPLIED,
    State.REQUALIFYING: None,
    State.SCHEDULED: OutcomeKind.SCHEDULED,
    State.NURTURE: OutcomeKind.NURTURE,
    State.CLOSED_NOT_FIT: OutcomeKind.NOT_A_FIT,
    State.CLOSED_NOT_NOW: OutcomeKind.NOT_NOW,
    State.CLOSED_ELSEWHERE: OutcomeKind.WENT_ELSEWHERE,
    State.OPTED_OUT: OutcomeKind.OPTED_OUT,
    State.COMPLETED: OutcomeKind.COMPLETED,
}


class IllegalTransition(ValueError):
    """A move the state machine does not allow, in words a coordinator understands."""


def transition_check(current: str, target: str) -> None:
    current, target = State(current), State(target)
    if target not in TRANSITIONS.get(current, frozenset()):
        if current not in OPEN_STATES:
            raise IllegalTransition(
                f"This enrollment is already {current.label.lower()}; "
                "record a correction or enroll the patient again."
            )
        raise IllegalTransition(f"An enrollment cannot go from {current.label} to {target.label}.")
