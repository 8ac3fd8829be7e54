import pytest

from schedule.models import Source


@pytest.fixture
def source(practice):
    return Source.objects.create(practice=practice, kind="file", name="Open Dental export")
