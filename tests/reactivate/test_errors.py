"""Error reports never carry request values, which may be patient data."""

from django.test import RequestFactory

from reactivate.errors import PatientSafeExceptionReporterFilter


def test_error_report_hides_posted_and_query_values():
    request = RequestFactory().post("/p/x/contacts/?q=Jane+Doe", {"note": "Jane Doe, 555-0100"})
    reporter = PatientSafeExceptionReporterFilter()
    posted = reporter.get_post_parameters(request)
    assert "Jane" not in str(posted)
    assert "Jane" not in str(reporter.get_safe_request_meta(request))
