"""``manage.py start_campaign`` (DESIGN §7): one JSON line, or a one-line error."""

import json

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Enrollment
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    from io import StringIO

    out = StringIO()
    call_command("start_campaign", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_enrolled_held_out_and_exclusions(practice):
    ContactFactory.create_batch(10, practice=practice)
    ContactFactory(practice=practice, last_outcome="not_now", do_not_contact=True)

    result = run("--practice", "harbor", "--buckets", "inquiry,not_now", "--holdout", "10")

    assert result["enrolled"] == 9 and result["held_out"] == 1
    assert result["excluded"]["do_not_contact"] == 1
    assert Enrollment.objects.count() == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--practice", "nope", "--buckets", "inquiry"], "No practice"),
        (["--practice", "harbor", "--buckets", "someday"], "Unknown bucket someday"),
        (["--practice", "harbor", "--buckets", "inquiry", "--holdout", "80"], "0 to 50"),
    ],
)
def test_bad_arguments_get_a_one_line_message(practice, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("start_campaign", *args)
