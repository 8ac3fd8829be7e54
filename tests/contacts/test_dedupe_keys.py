"""The stored blocking keys: written wherever the fields they come from are, and the
migration that filled them for existing contacts computed them as the app does."""

import datetime as dt
import importlib

import pytest

from contacts.dedupe import contact_merge
from contacts.dedupe_keys import matching_keys
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

frozen = importlib.import_module("contacts.migrations.0007_more_blocking_keys")
NAMES = [("José", "Muñoz"), ("Łukasz", "Ødegaard"), ("", "Smith"), ("Ann", ""), ("Wei", "Li")]
ADDRESSES = [("62701", "12 Oak St."), ("62702", "Calle Real"), ("", "9 Elm"), ("62703", "")]


@pytest.mark.parametrize(("first", "last"), NAMES)
@pytest.mark.parametrize(("postal_code", "address"), ADDRESSES)
@pytest.mark.parametrize("born", [dt.date(1980, 4, 12), None])
def test_the_migrations_frozen_keys_agree_with_the_apps(first, last, postal_code, address, born):
    keys = matching_keys(first, last, born, postal_code, address)
    sound, last_sound, first_sound = frozen.name_keys(first, last, born, postal_code)
    assert (keys["sound_key"], keys["last_sound_key"], keys["first_sound_key"]) == (
        sound,
        last_sound,
        first_sound,
    )
    assert keys["house_key"] == frozen._house_key(postal_code, address)
    assert keys["street_key"] == frozen._street_key(address)


def test_day_and_month_swapped_share_a_birth_key():
    one = matching_keys("Ann", "Lee", dt.date(1985, 4, 7), "", "")
    other = matching_keys("Anne", "Leigh", dt.date(1985, 7, 4), "", "")
    assert one["birth_key"] == other["birth_key"] != ""


def test_a_merge_writes_the_survivors_new_keys(practice):
    survivor = ContactFactory(practice=practice, first_name="Ann", last_name="Lee", phone="")
    merged = ContactFactory(
        practice=practice,
        first_name="Ann",
        last_name="Lee",
        phone="",
        date_of_birth=dt.date(1985, 4, 7),
        postal_code="62701",
        address="12 Oak St",
    )
    contact_merge(survivor=survivor, merged=merged)
    survivor.refresh_from_db()
    assert (survivor.birth_key, survivor.house_key) == ("1985-04-07", "62701|12")
