"""A FHIR R4 server as a source of the practice's schedule.

Reads ``Appointment`` with ``_lastUpdated=ge<checkpoint>``, ``_include=Appointment:patient``
and ``_sort=_lastUpdated``, following ``Bundle.link[next]``; each Bundle is one ``Page``
whose checkpoint is the newest ``meta.lastUpdated`` on it, so a sync stopped half-way reads
on from the last page applied (``ge``: the boundary appointment is read again and changes
nothing). Resources are validated one by one with ``fhir.resources`` (pydantic models of
R4B, whose Appointment and Patient are R4's): a malformed one is reported by its id and
field, never its content, and the rest of the page is applied.

A server that answers 429 or 5xx, times out or drops the connection is retried with
backoff (``Retry-After`` honoured up to a cap); after the last try the sync fails with one
sentence, keeping what it applied. Auth: none, a bearer token, or SMART Backend Services
(``schedule.sources.fhir_auth``). Beat asks ``fhir_syncs_due`` every sweep; each due source
is synced by ``fhir_source_sync`` in a worker.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

from reactivate.models import Practice
from schedule.models import FhirAuth, RunStatus, Source, SourceKind, SyncRun
from schedule.records import AppointmentRecord, Page, PatientRef, Problem, status_of
from schedule.sources import SourceError
from schedule.sources.fhir_auth import smart_forget, smart_token
from schedule.sync import run_fail, run_start, source_sync, summary

logger = logging.getLogger(__name__)

# Waits between tries (so three tries); tests shrink them with SCHEDULE_FHIR_BACKOFF.
BACKOFF = (0.5, 1.0)
# The most a Retry-After is obeyed, in seconds: a server asking for ten minutes is asked
# again at the next sync instead of holding a worker (SCHEDULE_FHIR_RETRY_AFTER_CAP).
RETRY_AFTER_CAP = 30.0
# (connect, read) seconds (SCHEDULE_FHIR_TIMEOUT).
TIMEOUT = (5.0, 30.0)
PAGE_SIZE = 100  # SCHEDULE_FHIR_PAGE_SIZE
SYNC_EVERY = dt.timedelta(minutes=5)
MAX_PAGES = 100_000  # a server whose next links never end
RETRIED = (429, 500, 502, 503, 504)
TIMES = {1: "once", 2: "twice", 3: "three times", 4: "four times", 5: "five times"}
FHIR_JSON = "application/fhir+json"


def _setting(name: str, default):
    return getattr(settings, f"SCHEDULE_FHIR_{name}", default)


# --- the source --------------------------------------------------------------------------


def _base_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise ValueError(
            "The FHIR base URL must be an http:// or https:// address of a server, like "
            "https://ehr.example.com/fhir/R4."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            "The FHIR base URL must not carry a user name, password or query; give the "
            "token separately."
        )
    return url


def _name(practice: Practice, url: str) -> str:
    parts = urlsplit(url)
    names = [f"FHIR server ({parts.netloc})", f"FHIR server ({parts.netloc}{parts.path})"]
    taken = set(
        Source.objects.filter(practice=practice, name__startswith="FHIR server (").values_list(
            "name", flat=True
        )
    )
    for name in names:
        if name[:100] not in taken:
            return name[:100]
    n = 2
    while f"{names[0][:90]} {n}" in taken:
        n += 1
    return f"{names[0][:90]} {n}"


def fhir_source(practice: Practice, *, base_url: str, token: str = "") -> Source:
    """The practice's FHIR source for ``base_url``, made on first use; a token given
    (re)sets bearer auth. ValueError for an address that is not a server's."""
    url = _base_url(base_url)
    source = Source.objects.filter(practice=practice, kind=SourceKind.FHIR, base_url=url).first()
    if source is None:
        try:
            with transaction.atomic():
                source = Source.objects.create(
                    practice=practice,
                    kind=SourceKind.FHIR,
                    name=_name(practice, url),
                    base_url=url,
                    auth=FhirAuth.BEARER if token else FhirAuth.NONE,
                    token=token,
                )
        except IntegrityError:  # made a moment ago by another request
            source = Source.objects.get(practice=practice, kind=SourceKind.FHIR, base_url=url)
    if token and (source.token != token or source.auth != FhirAuth.BEARER):
        source.token, source.auth = token, FhirAuth.BEARER
        source.save(update_fields=["token", "auth"])
    return source


# --- reading a Bundle ---------------------------------------------------------------------


def _safe_id(value) -> str:
    """A resource id fit for a report (FHIR ids are [A-Za-z0-9-.]{1,64})."""
    text = str(value or "")
    if text and len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-.") for c in text):
        return text
    return "(no valid id)"


def _instant(value) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _field(error: ValidationError) -> str:
    """Where a resource failed validation ("start", "participant.0.actor"): the path,
    never the value (it may be patient data)."""
    first = error.errors()[0] if error.errors() else {}
    return ".".join(str(part) for part in first.get("loc", ())) or "resource"


def _concept(concept) -> str:
    if concept is None:
        return ""
    if concept.text:
        return concept.text
    for coding in concept.coding or []:
        if coding.display or coding.code:
            return coding.display or coding.code
    return ""


def _reference(reference: str) -> tuple[str, str]:
    """("Patient", "123") from "Patient/123" or an absolute ".../Patient/123[/_history/2]"."""
    parts = [p for p in (reference or "").split("?")[0].split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return (parts[-2], parts[-1]) if len(parts) >= 2 else ("", "")


def _patient_of(patient: FhirPatient) -> PatientRef:
    identifiers = [i for i in patient.identifier or [] if i.value]
    mr = [i for i in identifiers if i.type and any(c.code == "MR" for c in i.type.coding or [])]
    chosen = (mr or identifiers or [None])[0]
    names = patient.name or []
    by_use = {n.use: n for n in reversed(names)}
    name = by_use.get("official") or by_use.get("usual") or (names[0] if names else None)
    telecom = [t for t in patient.telecom or [] if t.value and t.use != "old"]
    phones = [t for t in telecom if t.system in ("phone", "sms")]
    phones.sort(key=lambda t: (t.use != "mobile", t.rank or 99))
    emails = [t for t in telecom if t.system == "email"]
    return PatientRef(
        external_id=chosen.value if chosen else (patient.id or ""),
        first_name=(name.given[0] if name and name.given else "") or "",
        last_name=(name.family if name else "") or "",
        date_of_birth=patient.birthDate if isinstance(patient.birthDate, dt.date) else None,
        phone=phones[0].value if phones else "",
        email=emails[0].value if emails else "",
    )


def _patient_named(patient_id: str, display: str) -> PatientRef:
    words = display.split()
    return PatientRef(
        external_id=patient_id,
        first_name=words[0] if len(words) > 1 else "",
        last_name=words[-1] if len(words) > 1 else "",
    )


def _record(appointment: FhirAppointment, patients: dict, where: str) -> AppointmentRecord:
    patient, provider, location = None, "", ""
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        kind, ref_id = _reference(actor.reference or "")
        if kind == "Patient" and patient is None:
            included = patients.get(ref_id)
            display = actor.display or ""
            patient = _patient_of(included) if included else _patient_named(ref_id, display)
        elif kind in ("Practitioner", "PractitionerRole") and not provider:
            provider = actor.display or ""
        elif kind == "Location" and not location:
            location = actor.display or ""
    kind = _concept(appointment.appointmentType)
    if not kind:
        kind = next(filter(None, (_concept(c) for c in appointment.serviceType or [])), "")
    start = appointment.start.astimezone(dt.UTC) if appointment.start else None
    meta = appointment.meta
    return AppointmentRecord(
        key=appointment.id,
        patient=patient or PatientRef(),
        start=start,
        status=status_of(appointment.status or ""),
        status_word=appointment.status or "",
        appointment_type=kind,
        provider=provider,
        location=location,
        source_updated_at=(
            meta.lastUpdated.astimezone(dt.UTC) if meta and meta.lastUpdated else None
        ),
        where=where,
    )


def bundle_page(bundle: dict) -> Page:
    """One searchset Bundle as a Page: its appointments, what could not be read, and the
    newest ``meta.lastUpdated`` among its appointments as the checkpoint."""
    patients: dict[str, FhirPatient] = {}
    raw_appointments: list[dict] = []
    problems: list[Problem] = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        if kind == "Appointment":
            raw_appointments.append(resource)
        elif kind == "Patient":
            where = f"Patient/{_safe_id(resource.get('id'))}"
            try:
                patients[str(resource.get("id"))] = FhirPatient.model_validate(resource)
            except ValidationError as error:
                problems.append(
                    Problem(where, f"{where}: not a valid FHIR Patient (field {_field(error)})")
                )
    records: list[AppointmentRecord] = []
    newest: tuple[dt.datetime, str] | None = None
    for raw in raw_appointments:
        where = f"Appointment/{_safe_id(raw.get('id'))}"
        meta = raw.get("meta") if isinstance(raw.get("meta"), dict) else {}
        stamp = meta.get("lastUpdated")
        moment = _instant(stamp)
        if moment is not None and (newest is None or moment > newest[0]):
            newest = (moment, stamp)
        try:
            appointment = FhirAppointment.model_validate(raw)
        except ValidationError as error:
            problems.append(
                Problem(where, f"{where}: not a valid FHIR Appointment (field {_field(error)})")
            )
            continue
        if not appointment.id:
            problems.append(Problem(where, f"{where}: a FHIR Appointment without an id"))
            continue
        records.append(_record(appointment, patients, where))
    return Page(records=records, problems=problems, checkpoint=newest[1] if newest else "")


# --- the reader --------------------------------------------------------------------------


def _retry_after(response: requests.Response) -> float:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return 0.0
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, (when - timezone.now()).total_seconds()) if when.tzinfo else 0.0


class FhirReader:
    """The Appointment search of one FHIR source, page by page (``schedule.sources.Reader``)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.session = requests.Session()
        self.backoff = tuple(_setting("BACKOFF", BACKOFF))
        self.cap = float(_setting("RETRY_AFTER_CAP", RETRY_AFTER_CAP))
        self.timeout = _setting("TIMEOUT", TIMEOUT)
        self.page_size = int(_setting("PAGE_SIZE", PAGE_SIZE))

    def first_url(self, checkpoint: str) -> str:
        params = [
            ("_include", "Appointment:patient"),
            ("_sort", "_lastUpdated"),
            ("_count", str(self.page_size)),
        ]
        if checkpoint:
            params.insert(0, ("_lastUpdated", f"ge{checkpoint}"))
        return f"{self.source.base_url}/Appointment?{urlencode(params)}"

    def pages(self):
        checkpoint = (
            Source.objects.filter(pk=self.source.pk).values_list("checkpoint", flat=True).first()
        ) or ""
        url, seen = self.first_url(checkpoint), set()
        origin = urlsplit(self.source.base_url)[:2]
        try:
            while url and len(seen) < MAX_PAGES:
                seen.add(url)
                bundle = self._bundle(url)
                yield bundle_page(bundle)
                url = self._next(bundle, origin, seen)
        finally:
            self.session.close()

    def _next(self, bundle: dict, origin: tuple, seen: set) -> str:
        links = bundle.get("link") or []
        found = [
            link.get("url")
            for link in links
            if isinstance(link, dict) and link.get("relation") == "next"
        ]
        if not found or not isinstance(found[0], str):
            return ""
        url = urljoin(self.source.base_url + "/", found[0])
        # The token goes only to the server it was given for.
        if urlsplit(url)[:2] != origin:
            raise SourceError(
                "The FHIR server's next page is on another server; the sync stopped there "
                "(the pages before it are applied)."
            )
        return "" if url in seen else url

    def _bundle(self, url: str) -> dict:
        response = self._authorized_get(url)
        if response.status_code >= 400:
            raise SourceError(
                f"The FHIR server answered {response.status_code} to the appointment search; "
                f"check the base URL ({urlsplit(self.source.base_url).netloc})."
            )
        try:
            bundle = response.json()
        except ValueError:
            bundle = None
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise SourceError(
                "The FHIR server's answer to the appointment search is not a FHIR Bundle; "
                "check the base URL."
            )
        return bundle

    def _authorized_get(self, url: str) -> requests.Response:
        auth = self.source.auth
        for fresh in (False, True):
            headers = {"Accept": FHIR_JSON}
            if auth == FhirAuth.BEARER and self.source.token:
                headers["Authorization"] = f"Bearer {self.source.token}"
            elif auth == FhirAuth.SMART:
                if fresh:
                    smart_forget(self.source)
                headers["Authorization"] = f"Bearer {smart_token(self.source, self._post)}"
            response = self._send("GET", url, headers=headers)
            if response.status_code not in (401, 403):
                return response
            if auth != FhirAuth.SMART:
                break  # a kept token may have expired: SMART asks for a new one once
        raise SourceError(
            f"The FHIR server refused the access token ({response.status_code}); check the "
            "token or the SMART settings of the source."
        )

    def _post(self, url: str, form: dict) -> requests.Response:
        return self._send("POST", url, data=form, headers={"Accept": "application/json"})

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        attempts = len(self.backoff) + 1
        failure = "could not be reached"
        for attempt in range(attempts):
            wait = 0.0
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.Timeout:
                failure = "did not answer in time"
            except requests.ConnectionError:
                failure = "could not be reached"
            except requests.RequestException:
                failure = "could not be read"
            else:
                if response.status_code not in RETRIED:
                    return response
                failure = f"answered {response.status_code}"
                wait = min(_retry_after(response), self.cap)
            if attempt + 1 < attempts:
                time.sleep(max(self.backoff[attempt], wait))
        raise SourceError(
            f"The FHIR server {failure} {TIMES.get(attempts, f'{attempts} times')}; the next "
            "sync will resume from the last page applied."
        )


# --- syncs ------------------------------------------------------------------------------


def fhir_sync(source: Source, *, trigger: str) -> SyncRun:
    """One sync of a FHIR source (the command, beat and "sync now")."""
    run = run_start(source, trigger=trigger)
    try:
        return source_sync(source, FhirReader(source), run)
    except Exception:
        # A fault of ours, not the server's: the run says so instead of staying "running"
        # until reaped; what was applied stays.
        logger.exception("schedule source %s: sync %s stopped on an error", source.pk, run.pk)
        return run_fail(
            run,
            "The sync stopped on an unexpected error (logged for the developers); the next "
            "sync resumes from the last page applied.",
        )


def fhir_syncs_due(now: dt.datetime | None = None) -> int:
    """Queue a sync of each enabled FHIR source last tried over five minutes ago and not
    being synced now; returns how many were queued. Claiming a source stamps its last
    attempt, so a busy worker never gets the same source twice from two sweeps."""
    now = now or timezone.now()
    running = SyncRun.objects.filter(status=RunStatus.RUNNING).values("source_id")
    due = (
        Source.objects.filter(kind=SourceKind.FHIR, enabled=True)
        .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=now - SYNC_EVERY))
        .exclude(pk__in=running)
    )
    queued = 0
    for source_id in due.values_list("pk", flat=True):
        claimed = (
            Source.objects.filter(pk=source_id)
            .filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=now - SYNC_EVERY))
            .update(last_attempt_at=now)
        )
        if claimed:
            transaction.on_commit(lambda pk=source_id: fhir_source_sync.delay(pk))
            queued += 1
    return queued


@shared_task
def fhir_source_sync(source_id: int, trigger: str = "beat") -> dict:
    """Sync one FHIR source (queued by ``fhir_syncs_due`` or "sync now")."""
    source = Source.objects.filter(pk=source_id, kind=SourceKind.FHIR, enabled=True).first()
    if source is None:
        return {}
    if SyncRun.objects.filter(source=source, status=RunStatus.RUNNING).exists():
        return {}  # another sync of it is under way
    return summary(fhir_sync(source, trigger=trigger))
