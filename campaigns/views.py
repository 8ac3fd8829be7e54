"""Campaigns, sequence and template editing, and an enrollment's decisions.

Views parse the request, call a service or selector, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from campaigns import decisions, lifecycle, pacing, selectors, sequences, tone
from campaigns.forms import (
    CampaignForm,
    ElsewhereForm,
    LanguageForm,
    NotNowForm,
    RequalifyForm,
    StepForm,
    TemplateForm,
)
from campaigns.models import Campaign, CampaignStatus, Enrollment, State, Step, Template
from campaigns.states import IllegalTransition
from reactivate.access import Area, practice_view
from reactivate.audit import audit_record
from reactivate.models import AuditAction
from reactivate.selectors import practice_coordinators


def _today(request: HttpRequest):
    return request.access.practice.today()


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_object_or_404(
        Campaign.objects.select_related("sequence"),
        pk=campaign_id,
        practice=request.access.practice,
    )


def _form(request: HttpRequest, data=None) -> CampaignForm:
    return CampaignForm(
        data,
        coordinators=practice_coordinators(request.access.practice),
        initial={"start_date": _today(request)},
    )


@practice_view(Area.CAMPAIGNS)
def index(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaigns_with_counts(request.access.practice)
    return render(
        request,
        "campaigns/index.html",
        {"campaigns": campaigns, "can_change": request.access.can_change(Area.CAMPAIGNS)},
    )


def _audience(request: HttpRequest, form: CampaignForm) -> dict:
    """The audience preview's context for the campaign form, filled in or not (a partial
    form previews what it can: the buckets are ticked before a name is typed)."""
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
        buckets, filters = data.get("buckets") or [], form.filters()
        holdout = data.get("holdout_percent") or 0
    else:
        buckets, filters, holdout = list(form.fields["buckets"].initial), {}, 0
    result = selectors.audience_preview(request.access.practice, buckets, filters, _today(request))
    enrolled, held_out = result.split(holdout)
    return {"preview": result, "held_out": held_out, "enrolled": enrolled}


@practice_view(Area.CAMPAIGNS)
def new(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = lifecycle.campaign_create(
                practice=request.access.practice,
                name=data["name"],
                buckets=data["buckets"],
                start_date=data["start_date"],
                user=request.user,
                filters=form.filters(),
                holdout_percent=data["holdout_percent"],
                coordinators=data["coordinators"],
                assignment=data["assignment"],
                variants=form.variants(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            audit_record(request, AuditAction.CREATED, campaign)
            return redirect(
                "campaigns:detail",
                practice_slug=request.access.practice.slug,
                campaign_id=campaign.pk,
            )
    return render(request, "campaigns/new.html", {"form": form, **_audience(request, form)})


@practice_view(Area.CAMPAIGNS)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The live count under the campaign form: enrolled, and left out by reason."""
    form = _form(request, request.POST)
    return render(request, "campaigns/_preview.html", _audience(request, form))


def _counted(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign with the counts the list shows (``selectors.CAMPAIGN_COUNTS``)."""
    return get_object_or_404(
        selectors.campaigns_with_counts(request.access.practice), pk=campaign_id
    )


def _draft_preview(request: HttpRequest, campaign: Campaign) -> dict:
    preview = selectors.audience_preview(
        campaign.practice, campaign.buckets, campaign.filters, _today(request)
    )
    enrolled, held_out = preview.split(campaign.holdout_percent)
    return {"preview": preview, "enrolled": enrolled, "held_out": held_out}


@practice_view(Area.CAMPAIGNS)
def detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _counted(request, campaign_id)
    context = {
        "campaign": campaign,
        "can_change": request.access.can_change(Area.CAMPAIGNS),
        "states": [
            (State(state).label, count) for state, count in selectors.state_counts(campaign).items()
        ],
        "variants": campaign.variants.all(),
    }
    if campaign.status == CampaignStatus.DRAFT:
        context.update(_draft_preview(request, campaign))
    return render(request, "campaigns/detail.html", context)


# Starting and stopping cannot be taken back: each is asked again, saying what it does,
# and done only when the confirmation page's button posts ``confirmed``.
CONFIRMED_ACTIONS = ("start", "stop")


def _confirm(request: HttpRequest, campaign: Campaign, action: str) -> HttpResponse:
    context = {"campaign": campaign, "action": action}
    if action == "start":
        context.update(_draft_preview(request, campaign))
        context["capacity"] = pacing.capacity(campaign, context["enrolled"])
    else:
        context["active"] = selectors.state_counts(campaign)[State.ACTIVE]
    return render(request, "campaigns/confirm.html", context)


def _started(request: HttpRequest, campaign: Campaign, excluded: dict[str, int]) -> str:
    counted = _counted(request, campaign.pk)
    return (
        f"Started: {counted.enrolled} enrolled, {counted.held_out} held out, "
        f"{sum(excluded.values())} left out."
    )


def _paced(request: HttpRequest, campaign: Campaign) -> int | None:
    """New patients a day when the start page's "spread" was chosen: worked out again here
    from the coordinators' capacity, never taken from the form."""
    if request.POST.get("pace") != "spread":
        return None
    enrolled = _draft_preview(request, campaign)["enrolled"]
    found = pacing.capacity(campaign, enrolled)
    return found.per_day if found.exceeded else None


@practice_view(Area.CAMPAIGNS)
@require_POST
def control(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Start, pause, resume or stop (start and stop once confirmed)."""
    campaign = _campaign(request, campaign_id)
    action = request.POST.get("action", "")
    if action in CONFIRMED_ACTIONS and request.POST.get("confirmed") != "yes":
        return _confirm(request, campaign, action)
    try:
        if action == "start":
            result = lifecycle.campaign_start(
                campaign, today=_today(request), per_day=_paced(request, campaign)
            )
            messages.success(request, _started(request, campaign, result["excluded"]))
        elif action in ("pause", "resume", "stop"):
            target = {
                "pause": CampaignStatus.PAUSED,
                "resume": CampaignStatus.RUNNING,
                "stop": CampaignStatus.STOPPED,
            }[action]
            lifecycle.campaign_set_status(campaign, target)
            messages.success(request, f"Campaign {target.label.lower()}.")
        else:
            raise ValidationError("Unknown action.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        audit_record(request, AuditAction.CHANGED, campaign, detail={"action": action})
    return redirect(
        "campaigns:detail", practice_slug=request.access.practice.slug, campaign_id=campaign.pk
    )


# --- Sequence and templates ------------------------------------------------------------


@practice_view(Area.CAMPAIGNS)
def sequence(request: HttpRequest) -> HttpResponse:
    seq = sequences.sequence_default_ensure(request.access.practice)
    steps = seq.steps.prefetch_related("templates")
    return render(
        request,
        "campaigns/sequence.html",
        {
            "sequence": seq,
            "steps": steps,
            "can_change": request.access.can_change(Area.CAMPAIGNS),
            "step_form": StepForm(),
            "language_form": LanguageForm(),
        },
    )


def _step(request: HttpRequest, step_id: int) -> Step:
    return get_object_or_404(
        Step.objects.select_related("sequence"),
        pk=step_id,
        sequence__practice=request.access.practice,
    )


@practice_view(Area.CAMPAIGNS)
@require_POST
def step_save(request: HttpRequest, step_id: int | None = None) -> HttpResponse:
    """Add a step (no id), change one, remove one, or add a language to one."""
    form = StepForm(request.POST)
    action = request.POST.get("action", "save")
    step = _step(request, step_id) if step_id is not None else None
    try:
        if action in ("remove", "language") and step:
            if action == "remove":
                sequences.step_remove(step)
            else:
                sequences.template_language_add(step, request.POST.get("language", ""))
        elif not form.is_valid():
            raise ValidationError("Give the step a day from 1 to 60, a channel and a name.")
        elif step:
            sequences.step_update(step, **form.cleaned_data)
        else:
            data = form.cleaned_data
            sequences.step_add(
                sequence=sequences.sequence_default_ensure(request.access.practice),
                day=data["day"],
                channel=data["channel"],
                name=data["name"],
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        audit_record(
            request,
            AuditAction.CHANGED,
            object_type="campaigns.step",
            object_id=step_id or "",
            detail={"action": action if step_id else "add"},
        )
        messages.success(request, "Sequence saved.")
    return redirect("campaigns:sequence", practice_slug=request.access.practice.slug)


def _template(request: HttpRequest, template_id: int) -> Template:
    return get_object_or_404(
        Template.objects.select_related("step__sequence"),
        pk=template_id,
        step__sequence__practice=request.access.practice,
    )


@practice_view(Area.CAMPAIGNS)
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    form = TemplateForm(
        request.POST or None,
        initial={"body": template.body, "subject": template.subject, "purpose": template.purpose},
    )
    findings = _findings(template, template.body)
    if request.method == "POST" and form.is_valid():
        try:
            findings = sequences.template_save(
                template=template,
                body=form.cleaned_data["body"],
                subject=form.cleaned_data["subject"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as error:
            body = form.cleaned_data["body"]
            form.add_error("body", error)
            findings = _findings(template, body)
        else:
            audit_record(request, AuditAction.CHANGED, template)
            messages.success(request, "Template saved.")
            return redirect("campaigns:sequence", practice_slug=request.access.practice.slug)
    return render(
        request,
        "campaigns/template_edit.html",
        {"template": template, "form": form, "findings": findings},
    )


def _findings(template: Template, body: str) -> list[tone.Finding]:
    return tone.tone_check(
        body, channel=template.step.channel, one_question=template.step.one_question
    )


@practice_view(Area.CAMPAIGNS)
@require_POST
def tone_check(request: HttpRequest, template_id: int) -> HttpResponse:
    """Live tone check for the template editor (htmx, as the admin types)."""
    template = _template(request, template_id)
    body = request.POST.get("body", "")
    # Over the cap nothing else is worth saying, and it keeps each keystroke's check small.
    findings = [tone.too_long(body)] if tone.too_long(body) else _findings(template, body)
    return render(request, "campaigns/_findings.html", {"findings": findings})


# --- An enrollment's decisions (a coordinator's work) -----------------------------------


def _enrollment(request: HttpRequest, enrollment_id: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.select_related("contact", "campaign", "coordinator"),
        pk=enrollment_id,
        practice=request.access.practice,
    )


@practice_view(Area.QUEUE)
def enrollment(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    item = _enrollment(request, enrollment_id)
    forms = {
        "requalify": RequalifyForm(),
        "not_now": NotNowForm(),
        "elsewhere": ElsewhereForm(),
    }
    if request.method == "POST":
        kind = request.POST.get("decision", "")
        if kind not in decisions.DECISION_FORMS:
            raise Http404
        form = decisions.decision_form(kind, request.POST)
        forms[kind] = form
        if form.is_valid() and _decide(request, item, kind, form):
            return redirect(
                "campaigns:enrollment",
                practice_slug=request.access.practice.slug,
                enrollment_id=item.pk,
            )
    audit_record(request, AuditAction.VIEWED, item.contact)
    return render(
        request,
        "campaigns/enrollment.html",
        {
            "enrollment": item,
            "forms": forms,
            "outcomes": item.outcomes.select_related("user"),
            "touches": item.touches.select_related("step"),
            "can_change": request.access.can_change(Area.QUEUE) and item.is_open,
        },
    )


def _decide(request: HttpRequest, item: Enrollment, kind: str, form) -> bool:
    try:
        decisions.enrollment_decide(item, kind, user=request.user, data=form.cleaned_data)
    except (ValidationError, IllegalTransition) as error:
        messages.error(request, decisions.decision_errors(error))
        return False
    audit_record(request, AuditAction.CHANGED, item, detail={"decision": kind})
    messages.success(request, f"Recorded: {State(item.state).label}.")
    return True
