"""Error reporting that cannot leak patient data."""

from django.views.debug import SafeExceptionReporterFilter


class PatientSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide every GET and POST value and every local variable from error reports.

    Any request parameter may be a patient's name, phone or note, so none is shown.
    """

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        meta["QUERY_STRING"] = self.cleansed_substitute
        return meta
