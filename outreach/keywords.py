"""STOP, START and HELP in every language we have a table for, and the answers in each
(issue 17.6). The tables are data: adding a language is adding an entry to ``LANGUAGES``.

Every table's STOP words are honored for every practice, whatever languages its templates
use: the FCC lets a patient revoke consent "by any reasonable means", and a Spanish ALTO
to a practice that writes only in English is still a reasonable means. The language of
the answer is the patient's preferred language when we have a table for it, else the
language the patient wrote in.

A keyword is the whole message (accents, case and punctuation ignored), as Twilio reads
its own; a plain request ("no me escribas más") is read by the language's patterns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    stop: frozenset[str]
    start: frozenset[str]
    help: frozenset[str]
    # Plain requests that clearly mean stop (acted on at once), and words that may (a
    # coordinator decides: the unclear-stop review). Matched on the unaccented text.
    clear_stop: re.Pattern
    unclear_stop: re.Pattern
    confirmation: str  # {practice}
    resumed: str  # {practice}: the answer to a START word Twilio does not answer itself
    help_suffix: str  # added to the practice's help text


def _words(*words: str) -> frozenset[str]:
    return frozenset(words)


# Twilio's own keywords (English): Twilio answers them itself, so we add no answer.
TWILIO_STOP = _words("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
TWILIO_START = _words("START", "UNSTOP", "YES")
TWILIO_HELP = _words("HELP", "INFO")

ENGLISH = Language(
    code="en",
    stop=TWILIO_STOP,
    # "YES" is Twilio's, but to us it is an answer to a question, never a re-subscription.
    start=_words("START", "UNSTOP"),
    help=TWILIO_HELP,
    clear_stop=re.compile(
        r"\b(stop|quit|cease)\s+(texting|messaging|contacting|calling|sending)\b"
        r"|\bremove\s+me\b|\btake\s+me\s+off\b|\bunsubscribe\s+me\b|\bopt\s*(me\s+)?out\b"
        r"|\bdo\s*n[o']?t\s+(text|message|contact|call)\s+me\b|\bno\s+more\s+(texts|messages)\b"
        r"|\bleave\s+me\s+alone\b|\blose\s+my\s+number\b",
        re.IGNORECASE,
    ),
    unclear_stop=re.compile(
        r"\b(not\s+interested|stop|spam|harass\w*|block(ed)?|annoy\w*|who\s+is\s+this)\b",
        re.IGNORECASE,
    ),
    confirmation=(
        "You're unsubscribed from {practice} texts and won't get more. Reply START to resubscribe."
    ),
    resumed="You're subscribed to {practice} texts again. Reply STOP to stop.",
    help_suffix="Reply STOP to stop texts.",
)

SPANISH = Language(
    code="es",
    # "NO MAS" is two words; "SI" is not START (it answers a question).
    stop=_words(
        "ALTO",
        "PARAR",
        "PARE",
        "PARA",
        "CANCELAR",
        "BASTA",
        "DETENER",
        "NO MAS",
        "BAJA",
        "DAR DE BAJA",
        "DESUSCRIBIR",
        "DESUSCRIBIRME",
        "ANULAR",
        "FIN",
        "SALIR",
    ),
    start=_words("COMENZAR", "INICIAR", "REANUDAR", "SUSCRIBIR", "EMPEZAR"),
    help=_words("AYUDA", "INFORMACION"),
    clear_stop=re.compile(
        r"\bno\s+(me\s+)?(escriba\w*|envie\w*|mande\w*|llame\w*|contacte\w*|molest\w*)"
        r"|\bdej\w*\s+de\s+(escribir|enviar|mandar|llamar|contactar|molestar)\w*"
        r"|\bno\s+quiero\s+(mas\s+|recibir\s+)?(mensajes|textos|llamadas|correos)\b"
        r"|\b(borr|sac|quit)(a|e|en)me\b|\bdar(me)?\s+de\s+baja\b|\bno\s+mas\s+mensajes\b",
        re.IGNORECASE,
    ),
    unclear_stop=re.compile(
        r"\b(no\s+(me\s+)?interesa\w*|quien\s+(es|eres|habla)|spam|molest\w*|acos\w*"
        r"|bloque\w*|para\s+ya)\b",
        re.IGNORECASE,
    ),
    confirmation=(
        "Ya no recibirá mensajes de texto de {practice}. Responda COMENZAR para volver a "
        "suscribirse."
    ),
    resumed="Volverá a recibir mensajes de {practice}. Responda ALTO para cancelar.",
    help_suffix="Responda ALTO para no recibir más mensajes.",
)

LANGUAGES: dict[str, Language] = {language.code: language for language in (ENGLISH, SPANISH)}
# What patients' records say for a language, beyond its code.
_LANGUAGE_NAMES = {"english": "en", "ingles": "en", "spanish": "es", "espanol": "es"}


def plain(text: str) -> str:
    """Upper case, without accents, punctuation or repeated spaces ("¡No más!" → "NO MAS")."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^A-Za-z]+", " ", letters).split()).upper()


def language_code(preferred: str) -> str:
    """A patient's preferred language as one of our tables' codes ('' if none):
    "es", "es-MX", "Spanish" and "Español" are all "es"."""
    word = plain(preferred).lower()
    if not word:
        return ""
    code = _LANGUAGE_NAMES.get(word.replace(" ", ""), word.split()[0][:2])
    return code if code in LANGUAGES else ""


@dataclass(frozen=True)
class Keyword:
    kind: str  # "stop", "start", "help", "clear_stop", ""
    language: str = "en"
    twilio_answers: bool = False  # Twilio's own keyword: it sends the answer, not us


def keyword_of(body: str) -> Keyword:
    """What a message's words ask, in whichever language they are written."""
    whole = plain(body)
    joined = whole.replace(" ", "")
    for language in LANGUAGES.values():
        # English keywords are read without spaces ("opt out" = OPTOUT), as before.
        for kind, words in (("stop", language.stop), ("start", language.start)):
            if whole in words or (language is ENGLISH and joined in words):
                return Keyword(kind, language.code, joined in TWILIO_STOP | TWILIO_START)
        if whole in language.help or (language is ENGLISH and joined in language.help):
            return Keyword("help", language.code, False)
    unaccented = plain(body).lower()
    for language in LANGUAGES.values():
        text = body if language is ENGLISH else unaccented
        if language.clear_stop.search(text):
            return Keyword("clear_stop", language.code)
    return Keyword("")


def unclear_stop_of(body: str) -> str:
    """The language whose words may mean stop (a coordinator decides), or ''."""
    unaccented = plain(body).lower()
    for language in LANGUAGES.values():
        if language.unclear_stop.search(body if language is ENGLISH else unaccented):
            return language.code
    return ""


def answer_language(preferred: str, written_in: str) -> Language:
    """The language to answer in: the patient's own, if we have it, else the one they used."""
    return LANGUAGES.get(language_code(preferred)) or LANGUAGES.get(written_in) or ENGLISH


def confirmation_text(practice_name: str, language: Language) -> str:
    return language.confirmation.format(practice=practice_name)


def help_text(practice, language: Language) -> str:
    """The practice's help text, with how to stop in the patient's language."""
    base = (practice.help_text or practice.name).strip()
    if language is ENGLISH and practice.help_text:
        return base  # as the practice wrote it (it says how to stop already)
    return f"{base.rstrip('.')}. {language.help_suffix}"
