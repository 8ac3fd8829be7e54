"""Fill ``Enrollment.reply_waiting_since`` (campaigns 0007) from the messages: every
enrollment of a contact with an unhandled inbound message gets the oldest one's time."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery


def fill(apps, schema_editor):
    Enrollment = apps.get_model("campaigns", "Enrollment")
    Message = apps.get_model("outreach", "Message")
    waiting = Message.objects.filter(
        contact=OuterRef("contact"), direction="in", handled_at__isnull=True
    )
    oldest = waiting.order_by("created_at").values("created_at")[:1]
    # Only the enrollments of contacts with a reply waiting: a few, not every row.
    Enrollment.objects.filter(Exists(waiting)).update(reply_waiting_since=Subquery(oldest))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_enrollment_reply_waiting_since"),
        ("outreach", "0002_message_waiting_by_contact"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
