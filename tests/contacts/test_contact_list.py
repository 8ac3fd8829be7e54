"""The contacts list as a coordinator meets it: filters that a bookmark keeps, words for
codes, phones as people write them, and a CSV export Excel reads with its accents."""

import pytest
from django.urls import reverse

from contacts.models import LastOutcome
from contacts.templatetags.contact_tags import bucket_label, phone_display
from reactivate.models import Role
from tests.factories import ContactFactory


def index_url(practice):
    return reverse("contacts:index", kwargs={"practice_slug": practice.slug})


@pytest.fixture
def coordinator(member):
    return member(Role.COORDINATOR)


def test_filters_in_the_url_reopen_the_filtered_list(client_for, coordinator, practice):
    ContactFactory(practice=practice, first_name="Text", last_outcome=LastOutcome.NOT_NOW)
    ContactFactory(practice=practice, first_name="Other", last_outcome=LastOutcome.INQUIRY)
    response = client_for(coordinator).get(index_url(practice) + "?bucket=not_now")
    assert [c.first_name for c in response.context["page"]] == ["Text"]
    assert '<option value="not_now" selected>' in response.content.decode()


def test_the_filter_form_is_a_get_form_that_pushes_the_url(client_for, coordinator, practice):
    ContactFactory(practice=practice)
    page = client_for(coordinator).get(index_url(practice)).content.decode()
    assert 'id="filters" method="get"' in page and 'hx-push-url="true"' in page


def test_a_search_in_the_url_is_ignored(client_for, coordinator, practice):
    ContactFactory(practice=practice, first_name="Rosa")
    ContactFactory(practice=practice, first_name="Ada")
    response = client_for(coordinator).get(index_url(practice) + "?search=Rosa")
    assert len(response.context["page"].object_list) == 2


def test_the_back_button_gets_the_whole_page(client_for, coordinator, practice):
    ContactFactory(practice=practice)
    response = client_for(coordinator).get(
        index_url(practice) + "?bucket=inquiry",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert response.templates[0].name == "contacts/index.html"


def test_page_links_keep_the_filters(client_for, coordinator, practice):
    ContactFactory.create_batch(55, practice=practice, last_outcome=LastOutcome.NOT_NOW)
    page = client_for(coordinator).get(index_url(practice) + "?bucket=not_now").content.decode()
    assert 'href="?bucket=not_now&amp;page=2"' in page


def test_the_list_shows_the_story_in_words(client_for, coordinator, practice):
    ContactFactory(practice=practice, last_outcome=LastOutcome.NOT_NOW)
    page = client_for(coordinator).get(index_url(practice)).content.decode()
    assert "<td>Timing wasn&#x27;t right</td>" in page and "<td>not_now</td>" not in page


def test_the_list_shows_phones_in_national_format(client_for, coordinator, practice):
    ContactFactory(practice=practice, phone="+16175550134")
    page = client_for(coordinator).get(index_url(practice)).content.decode()
    assert "(617) 555-0134" in page and "+16175550134" not in page


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+16175550134", "(617) 555-0134"),
        ("+442079460958", "+44 20 7946 0958"),
        ("555-01", "555-01"),
        ("", ""),
    ],
)
def test_phone_display_writes_numbers_as_people_do(value, shown):
    assert phone_display(value) == shown


def test_bucket_label_is_the_words_of_the_code():
    assert bucket_label("scheduling") == "Stalled after scheduling"


def test_the_csv_export_declares_utf8_so_excel_keeps_accents(client_for, member, practice):
    ContactFactory(practice=practice, first_name="José", last_name="Muñoz-Peña")
    response = client_for(member(Role.ADMIN)).get(
        reverse("contacts:export", kwargs={"practice_slug": practice.slug})
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfid,external_id,")
    assert "José,Muñoz-Peña" in body.decode("utf-8-sig")


def test_a_coordinator_is_not_offered_duplicate_review(client_for, coordinator, practice):
    ContactFactory(practice=practice)
    page = client_for(coordinator).get(index_url(practice)).content.decode()
    assert "Review duplicates" not in page


def test_an_admin_is_offered_duplicate_review(client_for, member, practice):
    ContactFactory(practice=practice)
    page = client_for(member(Role.ADMIN)).get(index_url(practice)).content.decode()
    assert "Review duplicates" in page
