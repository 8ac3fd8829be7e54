from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reactivate.access import Area, practice_view


@practice_view(Area.CONTACTS)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/index.html")


@practice_view(Area.IMPORTS)
def imports(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/imports.html")
