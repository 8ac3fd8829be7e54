"""The coordinator's work queue, the patient panel, one-tap outcomes, and the sandbox.

Views parse the request, call a service or selector, and render. The queue page swaps
its parts with htmx: no full page reloads.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from campaigns import decisions
from campaigns.messages import message_for
from campaigns.models import Channel, Enrollment, Outcome, OutcomeKind, State, Touch
from campaigns.states import IllegalTransition
from contacts.models import Contact
from contacts.segments import bucket_of
from outreach import conversation
from outreach import queue as queue_selectors
from outreach.calls import OverCap, call_start
from outreach.models import Direction, Message
from outreach.sandbox import sandbox_reply
from outreach.transports import sandboxed
from reactivate.access import Area, practice_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction, Role

TAPS = {
    # key: (label, keyboard shortcut)
    "no_answer": ("No answer", "1"),
    "left_voicemail": ("Left voicemail", "2"),
    "reached": ("Reached", "3"),
    "wrong_number": ("Wrong number", "4"),
    "not_a_fit": ("Not a fit", "5"),
    "do_not_contact": ("Do not contact", "6"),
}


def _see_all(request: HttpRequest) -> bool:
    return request.access.role == Role.OWNER


def _queue(request: HttpRequest) -> queue_selectors.Queue:
    return queue_selectors.queue_for(
        request.access.practice,
        request.user,
        timezone.now(),
        see_all=_see_all(request),
        membership=request.access.membership,
    )


@practice_view(Area.QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    context = {
        "queue": _queue(request),
        "sandboxed": sandboxed(),
        "can_change": request.access.can_change(Area.QUEUE),
    }
    if request.htmx and request.GET.get("part") == "list":
        return render(request, "outreach/_queue_list.html", context)
    return render(request, "outreach/queue.html", context)


def _enrollment(request: HttpRequest, enrollment_id: int, *, claim: bool) -> Enrollment:
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("contact", "campaign__sequence", "coordinator"),
        pk=enrollment_id,
        practice=request.access.practice,
    )
    now = timezone.now()
    if (
        claim
        and not _see_all(request)
        and not queue_selectors.enrollment_claim(enrollment.pk, request.user, now)
    ):
        raise PermissionDenied("Another coordinator is working with this patient.")
    return enrollment


# What the two re-qualify answers lead to (enrollment_requalify), said before saving:
# (soon, fit) as posted -> the state it moves to.
REQUALIFY_LEADS = {
    ("yes", "yes"): State.SCHEDULED.label,
    ("no", "yes"): State.NURTURE.label,
    ("yes", "no"): State.CLOSED_NOT_FIT.label,
    ("no", "no"): State.CLOSED_NOT_FIT.label,
}


def _decision_forms(bound: tuple[str, Form] | None) -> dict[str, Form]:
    """The panel's decision forms, each with its own ids (two have a "note"); ``bound``:
    (kind, form) of one refused as posted, shown with the answers kept."""
    forms = {kind: form_class() for kind, form_class in decisions.DECISION_FORMS.items()}
    if bound is not None:
        forms[bound[0]] = bound[1]
    for kind, form in forms.items():
        form.auto_id = f"{kind}-%s"
    return forms


def _requalify_lead(form: Form) -> str:
    """What the answers on a (re-rendered) re-qualify form lead to, once both are given."""
    if not form.is_bound:
        return ""
    return REQUALIFY_LEADS.get((form.data.get("soon"), form.data.get("fit")), "")


def _panel_context(request: HttpRequest, enrollment: Enrollment, *, bound=None, **extra) -> dict:
    contact = enrollment.contact
    practice = request.access.practice
    steps = list(enrollment.campaign.sequence.steps.all())
    call_step = next((s for s in steps if s.channel == Channel.CALL), None)
    thread = list(conversation.thread(contact))
    last_out = max((m.created_at for m in thread if m.direction == Direction.OUT), default=None)
    today = practice.today()
    forms = _decision_forms(bound)
    return {
        "enrollment": enrollment,
        "contact": contact,
        "bucket": getattr(bucket_of(contact, practice, today), "label", "")
        or enrollment.get_bucket_display(),
        "script": message_for(enrollment, call_step).body if call_step else "",
        "thread": thread,
        "days_since_contact": (timezone.now() - last_out).days if last_out else None,
        "taps": [(key, label, shortcut) for key, (label, shortcut) in TAPS.items()],
        # The patient's unanswered words, shown first: they are what the coordinator answers.
        "waiting": [m for m in thread if m.direction == Direction.IN and m.handled_at is None],
        "forms": forms,
        "open_form": bound[0] if bound else "",
        "requalify_lead": _requalify_lead(forms["requalify"]),
        "requalify_leads": REQUALIFY_LEADS,
        "can_change": request.access.can_change(Area.QUEUE) and enrollment.is_open,
        "can_call": not sandboxed() and bool(request.user.phone),
        **extra,
    }


def _panel(request: HttpRequest, enrollment: Enrollment, **extra) -> HttpResponse:
    context = _panel_context(request, enrollment, **extra)
    response = render(request, "outreach/_panel.html", context)
    response["HX-Trigger"] = "queueChanged"
    return response


@practice_view(Area.QUEUE)
def panel(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _enrollment(request, enrollment_id, claim=True)
    audit_record(request, AuditAction.VIEWED, enrollment.contact)
    context = _panel_context(request, enrollment)
    if request.htmx:
        return render(request, "outreach/_panel.html", context)
    return render(request, "outreach/panel.html", context)


def _next_patient(request: HttpRequest, following: list[Enrollment]) -> Enrollment | None:
    """The first of ``following`` this coordinator may open now (a shared-pool patient
    another coordinator has claimed since is passed over)."""
    for candidate in following:
        try:
            return _enrollment(request, candidate.pk, claim=True)
        except (PermissionDenied, Http404):
            continue
    return None


@practice_view(Area.QUEUE)
@require_POST
def outcome(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Record an outcome, then open the next patient in the queue; with ``stay`` posted
    (the queue's "stay on this patient" box), show this patient again."""
    enrollment = _enrollment(request, enrollment_id, claim=True)
    kind = request.POST.get("kind", "")
    try:
        form = decisions.decision_form(kind, request.POST)
    except decisions.UnknownDecision:
        raise Http404 from None
    bound = (kind, form) if form is not None else None
    if form is not None and not form.is_valid():
        return _panel(request, enrollment, error=decisions.FORM_ERRORS[kind], bound=bound)
    stay = request.POST.get("stay") == "yes"
    # "Next" is read from the list as the coordinator saw it, before this patient leaves it.
    following = [] if stay else _queue(request).next_after(enrollment.pk)
    try:
        recorded = decisions.enrollment_decide(
            enrollment, kind, user=request.user, data=form.cleaned_data if form else None
        )
    except (ValidationError, IllegalTransition) as error:
        return _panel(request, enrollment, error=decisions.decision_errors(error), bound=bound)
    audit_record(request, AuditAction.CHANGED, enrollment, detail={"outcome": kind})
    enrollment.refresh_from_db()
    following_patient = _next_patient(request, following)
    if following_patient is None:
        return _panel(request, enrollment, recorded=recorded)
    audit_record(request, AuditAction.VIEWED, following_patient.contact)
    return _panel(request, following_patient, recorded=recorded, recorded_for=enrollment.contact)


@practice_view(Area.QUEUE)
@require_POST
def undo(request: HttpRequest, outcome_id: int) -> HttpResponse:
    recorded = get_object_or_404(
        Outcome.objects.select_related("enrollment"),
        pk=outcome_id,
        practice=request.access.practice,
    )
    try:
        decisions.decision_undo(recorded, user=request.user)
    except ValidationError as error:
        return _panel(request, recorded.enrollment, error=" ".join(error.messages))
    audit_record(request, AuditAction.CHANGED, recorded.enrollment, detail={"undo": recorded.kind})
    recorded.enrollment.refresh_from_db()
    return _panel(request, recorded.enrollment, undone=OutcomeKind(recorded.kind).label)


@practice_view(Area.QUEUE)
@require_POST
def reply(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _enrollment(request, enrollment_id, claim=True)
    body = request.POST.get("body", "")
    try:
        message, warnings = conversation.reply_send(enrollment.contact, body, user=request.user)
    except ValidationError as error:
        # Nothing typed is lost: the words stay in the box with the reason.
        return _panel(request, enrollment, error=" ".join(error.messages), reply_body=body)
    if message.status == conversation.PLANNED:  # outside the hours texts may go: kept
        notice = " ".join(
            [conversation.planned_reply_notice(message), *(f"Note: {w.message}" for w in warnings)]
        )
        return _panel(request, enrollment, notice=notice)
    return _panel(request, enrollment, warnings=warnings)


@practice_view(Area.QUEUE)
@require_POST
def reply_planned(request: HttpRequest, enrollment_id: int, message_id: int) -> HttpResponse:
    """Edit ("save") or cancel a reply saved for the sending window, before it goes."""
    enrollment = _enrollment(request, enrollment_id, claim=True)
    body = request.POST.get("body", "")
    try:
        if request.POST.get("action") == "cancel":
            words = conversation.planned_reply_cancel(enrollment.contact, message_id)
            # Its words go back into the reply box: canceling is not deleting them.
            notice = "Canceled: it will not be sent. Its words are back in the reply box."
            return _panel(request, enrollment, notice=notice, reply_body=words)
        warnings = conversation.planned_reply_edit(
            enrollment.contact, message_id, body, user=request.user
        )
    except ValidationError as error:
        return _panel(
            request, enrollment, error=" ".join(error.messages), edit_id=message_id, edit_body=body
        )
    notice = " ".join(["Changes saved.", *(f"Note: {w.message}" for w in warnings)])
    return _panel(request, enrollment, notice=notice)


@practice_view(Area.QUEUE)
@require_POST
def call(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = _enrollment(request, enrollment_id, claim=True)
    confirmed = request.POST.get("confirm") == "over-cap"
    try:
        message = call_start(contact=enrollment.contact, user=request.user, confirmed=confirmed)
    except OverCap as over:
        # No call yet: the coordinator reads why, and may call anyway.
        return _panel(request, enrollment, call_over_cap=over.messages[0])
    except ValidationError as error:
        return _panel(request, enrollment, error=" ".join(error.messages))
    if message.receipt and message.receipt.get("a") == "override":
        used, limit = message.receipt["c"]
        # Counts only: which patient is the object; no number or state in the detail.
        audit_record(
            request,
            AuditAction.CREATED,
            message,
            detail={"override": "contact cap", "cap_used": used, "cap_limit": limit},
        )
    return _panel(request, enrollment, notice="Your phone is ringing: press 1 to connect.")


@practice_view(Area.QUEUE)
@require_POST
def voicemail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    """Drop the bucket's voicemail now (sent by the dispatcher's next pass)."""
    enrollment = _enrollment(request, enrollment_id, claim=True)
    step = enrollment.campaign.sequence.steps.filter(channel=Channel.VOICEMAIL).first()
    if step is None:
        return _panel(request, enrollment, error="This sequence has no voicemail script.")
    Touch.objects.create(
        practice=enrollment.practice,
        enrollment=enrollment,
        step=step,
        channel=Channel.VOICEMAIL,
        due_at=timezone.now(),
    )
    return _panel(request, enrollment, notice="Voicemail queued: it goes out within a minute.")


@practice_view(Area.QUEUE)
def sandbox(request: HttpRequest) -> HttpResponse:
    """What would have been sent, and a box to reply as the patient."""
    practice = request.access.practice
    if request.method == "POST":
        contact = get_object_or_404(Contact, pk=request.POST.get("contact", 0), practice=practice)
        body = request.POST.get("body", "").strip()
        if not body:
            messages.error(request, "Type what the patient replies.")
        elif sandbox_reply(contact, body) == 200:
            messages.success(request, "Reply delivered to the inbound webhook.")
        else:
            messages.error(request, "The inbound webhook refused the reply; see the log.")
        return redirect("outreach:sandbox", practice_slug=practice.slug)
    sent = (
        Message.objects.filter(practice=practice)
        .select_related("contact")
        .order_by("-created_at")[:50]
    )
    recipients = {m.contact for m in sent if m.contact and m.direction == Direction.OUT}
    return render(
        request,
        "outreach/sandbox.html",
        {
            "messages_sent": sent,
            "recipients": sorted(recipients, key=lambda c: c.full_name),
            "sandboxed": sandboxed(),
        },
    )
