from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reactivate.access import Area, practice_view


@practice_view(Area.CAMPAIGNS)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/index.html")
