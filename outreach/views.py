"""The coordinator's pages and the sandbox. Views parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from contacts.models import Contact
from outreach.models import Direction, Message
from outreach.sandbox import sandbox_reply
from outreach.transports import sandboxed
from reactivate.access import Area, practice_view


@practice_view(Area.QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/queue.html")


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
