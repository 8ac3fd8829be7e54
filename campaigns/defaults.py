"""The default sequence and its words, in the method's voice: permission, not pressure.

Short, calm, easy to answer, one question at most, no clinical details or prices. Every
practice gets a copy it can edit (``sequence_default_ensure``); these constants are never
changed at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.models import Channel
from contacts.models import Bucket

EMAIL_SUBJECT = "A quick question from {practice_name}"


@dataclass(frozen=True)
class DefaultStep:
    day: int
    position: int
    channel: Channel
    name: str
    bodies: dict[Bucket, str]
    one_question: bool = False
    is_closeout: bool = False


CALL_SCRIPTS = {
    Bucket.INQUIRY: (
        "Hi {first_name}, this is {coordinator_name} from {practice_name}. You asked us about "
        "a visit a while back and I wanted to close the loop. Is this still on your list, "
        "or shall we close your file?"
    ),
    Bucket.SCHEDULING: (
        "Hi {first_name}, this is {coordinator_name} from {practice_name}. Your visit with us "
        "didn't happen and that's completely fine. Would you like to find a time that works "
        "better, or shall we close your file?"
    ),
    Bucket.CONSULTATION: (
        "Hi {first_name}, this is {coordinator_name} from {practice_name}. After your "
        "consultation you had a plan to think over. Is it still something you're considering, "
        "or shall we close your file?"
    ),
    Bucket.NOT_NOW: (
        "Hi {first_name}, this is {coordinator_name} from {practice_name}. Last time the timing "
        "wasn't right, so I'm checking in. Is now a better time, or should I leave it for later?"
    ),
}

OPENERS = {
    Bucket.INQUIRY: (
        "Hi {first_name}, it's {coordinator_name} at {practice_name}. You asked us about a "
        "visit a while ago. Is this still on your list, or shall we close your file?"
    ),
    Bucket.SCHEDULING: (
        "Hi {first_name}, it's {coordinator_name} at {practice_name}. Your last visit didn't "
        "happen, no problem at all. Want us to find a better time?"
    ),
    Bucket.CONSULTATION: (
        "Hi {first_name}, it's {coordinator_name} at {practice_name}. Is the plan we talked "
        "about still on your mind, or shall we close your file?"
    ),
    Bucket.NOT_NOW: (
        "Hi {first_name}, it's {coordinator_name} at {practice_name}. Last time the timing "
        "wasn't right. Is now any better, or shall I check back later?"
    ),
}

NUDGES = {
    Bucket.INQUIRY: (
        "Hi {first_name}, just making sure my note reached you. A quick yes or no is plenty."
    ),
    Bucket.SCHEDULING: (
        "Hi {first_name}, happy to hold a time for you whenever suits. Just reply here."
    ),
    Bucket.CONSULTATION: (
        "Hi {first_name}, if you have questions about your plan, reply here and I'll help."
    ),
    Bucket.NOT_NOW: "Hi {first_name}, no rush at all. Reply whenever it suits you.",
}

VOICEMAILS = {
    bucket: (
        "Hi {first_name}, this is {coordinator_name} from {practice_name}. "
        + middle
        + " You can call or text us back at this number whenever it suits you. Thank you!"
    )
    for bucket, middle in {
        Bucket.INQUIRY: "I'm following up on your question about a visit with us.",
        Bucket.SCHEDULING: "I'd be glad to help you find a new time for your visit.",
        Bucket.CONSULTATION: "I'm checking in after your consultation, in case questions came up.",
        Bucket.NOT_NOW: "I'm checking in, as you asked us to, to see if the timing is better now.",
    }.items()
}

ONE_QUESTION = {
    Bucket.INQUIRY: (
        "Hi {first_name}, one quick question: would you like us to keep your file open?"
    ),
    Bucket.SCHEDULING: "Hi {first_name}, would a weekday or a Saturday suit you better?",
    Bucket.CONSULTATION: "Hi {first_name}, would a short call to go over your plan be helpful?",
    Bucket.NOT_NOW: "Hi {first_name}, should I check back with you in a few months?",
}

CLOSEOUTS = {
    bucket: (
        "Hi {first_name}, I'll close your file for now so we don't keep messaging you. "
        "If anything changes, just reply here. - {coordinator_name}, {practice_name}"
    )
    for bucket in Bucket
}

DEFAULT_STEPS = (
    DefaultStep(1, 0, Channel.CALL, "Day 1 call", CALL_SCRIPTS),
    DefaultStep(1, 1, Channel.SMS, "Day 1 text", OPENERS),
    DefaultStep(2, 0, Channel.SMS, "Day 2 short text", NUDGES),
    DefaultStep(4, 0, Channel.CALL, "Day 4 call", CALL_SCRIPTS),
    DefaultStep(4, 1, Channel.VOICEMAIL, "Day 4 voicemail", VOICEMAILS),
    DefaultStep(7, 0, Channel.SMS, "Day 7 one question", ONE_QUESTION, one_question=True),
    DefaultStep(10, 0, Channel.SMS, "Day 10 closeout", CLOSEOUTS, is_closeout=True),
)
