"""Seeded, realistically dirty EMR export rows: mixed phone formats, case noise, messy
status words, duplicates with variations, family members sharing phones, and bad rows.

Used by the import benchmark and to make the demo file (``make_demo_file.py``).

``linkage_rows`` (and ``linkage_records``, with each row's corruptions) makes another kind
of file: people with record-linkage corruptions and no phone or e-mail for most, each row
with the number of the person it is, so that duplicate finding can be measured against
the truth (``linkage_quality.py``).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

HEADER = [
    "Chart #",
    "Pt First Name",
    "Pt Last Name",
    "Cell",
    "E-mail",
    "DOB",
    "Address",
    "City",
    "State",
    "Zip",
    "Last Appt Status",
    "Last Visit",
    "Next Appt",
    "Treatment",
    "Quoted Amount",
    "DNC",
]
FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Maria",
    "Wei",
    "Aisha",
    "Priya",
    "Dmitri",
    "Fatima",
    "Kenji",
    "Olga",
    "Luis",
    "Grace",
    "Omar",
    "Chloe",
    "Noah",
    "Emma",
    "Liam",
    "Ava",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Nguyen",
    "Chen",
    "Patel",
    "O'Neil",
    "McKay",
    "Kowalski",
    "Okafor",
    "Haddad",
    "Rossi",
    "Schmidt",
]
STATUSES = [
    "NS",
    "No Show",
    "no-show",
    "cancelled",
    "CXL",
    "Canceled",
    "Tx plan presented",
    "TP",
    "consult - no book",
    "not interested right now",
    "maybe later",
    "inquiry",
    "web lead",
    "Lead",
    "scheduled",
    "",
    "called - no appt",
    "Pending",
]
TREATMENTS = [
    "Invisalign",
    "Implants",
    "Whitening",
    "Veneers",
    "Botox",
    "Crown",
    "Cleaning",
    "Filler",
    "Laser hair removal",
    "",
]
STREETS = ["Oak St", "Maple Ave", "Main Street", "Elm St.", "Cedar Rd", "Park Ave", "Pine St"]
CITIES = [
    ("Springfield", "IL", "62701"),
    ("Austin", "TX", "78701"),
    ("Boston", "MA", "02108"),
    ("Miami", "FL", "33101"),
    ("Denver", "CO", "80202"),
]
AREA_CODES = ["212", "312", "415", "512", "617", "303", "305"]


def _phone_digits(rng: random.Random, fictional: bool) -> str:
    area = rng.choice(AREA_CODES)
    if fictional:  # the reserved 555-0100..0199 range: never a real person's number
        return f"{area}555{rng.randint(100, 199):04d}"
    return f"{area}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"


def _messy_phone(rng: random.Random, d: str) -> str:
    style = rng.randrange(9)
    return [
        f"({d[:3]}) {d[3:6]}-{d[6:]}",
        f"{d[:3]}-{d[3:6]}-{d[6:]}",
        f"{d[:3]}.{d[3:6]}.{d[6:]}",
        f"+1 {d[:3]} {d[3:6]} {d[6:]}",
        f"1{d}",
        d,
        f"{d}.0",
        f"{d[:3]}-{d[3:6]}-{d[6:]} x{rng.randint(10, 999)}",
        f" {d[:3]} {d[3:6]} {d[6:]} (cell)",
    ][style]


def _messy_case(rng: random.Random, name: str) -> str:
    return rng.choice([name, name, name.upper(), name.lower(), f" {name} "])


def _messy_date(rng: random.Random, year: int, month: int, day: int) -> str:
    return rng.choice(
        [
            f"{month:02d}/{day:02d}/{year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{month}/{day}/{year}",
            f"{year}{month:02d}{day:02d}",
        ]
    )


def _person(rng: random.Random, n: int, fictional: bool) -> dict:
    city, state, zipcode = rng.choice(CITIES)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "chart": f"{n:07d}" if rng.random() < 0.8 else "",
        "first": first,
        "last": last,
        "phone": _phone_digits(rng, fictional) if rng.random() < 0.92 else "",
        "email": f"{first}.{last}{n}@example.com".lower().replace("'", "")
        if rng.random() < 0.6
        else "",
        "dob": (rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.7
        else None,
        "address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
        "city": city,
        "state": state,
        "zip": zipcode,
    }


def _row(rng: random.Random, p: dict) -> list[str]:
    year_ago = rng.randint(1, 4)
    return [
        p["chart"],
        _messy_case(rng, p["first"]),
        _messy_case(rng, p["last"]),
        _messy_phone(rng, p["phone"]) if p["phone"] else "",
        rng.choice([p["email"], p["email"].upper(), f" {p['email']} "]) if p["email"] else "",
        _messy_date(rng, *p["dob"]) if p["dob"] else "",
        p["address"],
        p["city"],
        p["state"],
        p["zip"],
        rng.choice(STATUSES),
        _messy_date(rng, 2026 - year_ago, rng.randint(1, 12), rng.randint(1, 28)),
        "",
        rng.choice(TREATMENTS),
        rng.choice(["", "", "$1,200", "4500", "$3,950.00", "850"]),
        "Y" if rng.random() < 0.03 else "",
    ]


def dirty_rows(count: int, *, seed: int = 7, fictional: bool = False) -> Iterator[list[str]]:
    """``count`` rows: about 10% repeat an earlier person with variations, about 3% share a
    phone with a family member, about 1% are broken (no name or contact point)."""
    rng = random.Random(seed)
    recent: list[dict] = []
    for n in range(1, count + 1):
        roll = rng.random()
        if recent and roll < 0.10:
            twin = dict(rng.choice(recent))
            if rng.random() < 0.3:  # a typo'd first name
                twin["first"] = twin["first"][:-1] + rng.choice("aeiouy")
            yield _row(rng, twin)
            continue
        person = _person(rng, n, fictional)
        if recent and roll < 0.13:  # a family member on the same phone
            person["phone"] = rng.choice(recent)["phone"]
            person["last"] = rng.choice(recent)["last"]
        if roll > 0.99:
            yield ["", "", "", "", "", "", "", "", "", "", "NS", "", "", "", "", ""]
            continue
        recent.append(person)
        if len(recent) > 2000:
            recent.pop(0)
        yield _row(rng, person)


# --- Record-linkage rows with known truth (issue 19.2) -----------------------------------
#
# What record-linkage generators (FEBRL's, for one) do to a list of people: originals plus
# duplicates, each duplicate with a few corruptions, at most one per field. Kept apart from
# ``dirty_rows`` (its own random stream and lists), whose output the demo file and the
# import benchmark's figures depend on.

LINKAGE_FIRST = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Margaret", "Thomas",
    "Sarah", "Christopher", "Karen", "Daniel", "Nancy", "Matthew", "Katherine", "Anthony",
    "Rebecca", "Nicholas", "Deborah", "Samuel", "Alexander", "Benjamin", "Edward", "Andrew",
    "Stephanie", "Jonathan", "Victoria", "Grace", "Noah", "Emma", "Olivia", "Ethan",
    "Hannah", "Tyler", "Megan", "Brandon", "Ashley", "Kevin", "Laura", "José", "María",
    "Jesús", "Sofía", "Lucía", "Martín", "Andrés", "Inés", "Ramón", "Joaquín", "Begoña",
    "Iñaki", "João", "Conceição", "Gonçalo", "François", "Hélène", "Zoë", "Chloé",
    "Raphaël", "Noël", "Renée", "Søren", "Åsa", "Björn", "Jürgen", "Małgorzata", "Łukasz",
    "Dvořák", "Siobhán", "Seán", "Niamh", "Aoife", "Wei", "Xiu", "Jian", "Mei", "Hiroshi",
    "Yuki", "Kenji", "Haruto", "Min-jun", "Seo-yeon", "Ji-woo", "Priya", "Arjun", "Ananya",
    "Rohan", "Lakshmi", "Aisha", "Omar", "Fatima", "Yusuf", "Khadija", "Mohammed", "Layla",
    "Chinedu", "Ngozi", "Oluwaseun", "Thandiwe", "Kwame", "Dmitri", "Olga", "Svetlana",
    "Nikolai", "Anastasia", "Thi Hoa", "Duc", "Linh",
]  # fmt: skip
LINKAGE_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
    "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart",
    "Morris", "Murphy", "Cook", "Rogers", "O'Neil", "McKay", "O'Brien", "MacDonald",
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
    "Sánchez", "Ramírez", "Núñez", "Peña", "Muñoz", "Jiménez", "Gonçalves", "Araújo",
    "Ferreira", "Müller", "Schröder", "Groß", "Bergström", "Åberg", "Ødegaard",
    "Kowalczyk", "Wiśniewski", "Dvořáková", "Novák", "Yılmaz", "Şahin", "Özdemir",  # noqa: RUF001 (Turkish dotless i)
    "Lefèvre", "Dupré", "Bélanger", "Nguyễn", "Trần", "Lê", "Phạm", "Chen", "Wang",
    "Li", "Zhang", "Liu", "Huang", "Kim", "Park", "Choi", "Tanaka", "Nakamura",
    "Yamamoto", "Patel", "Sharma", "Gupta", "Iyer", "Reddy", "Khan", "Haddad", "Khoury",
    "Abdullah", "Okafor", "Adeyemi", "Okonkwo", "Mensah", "Ivanov", "Petrova", "Kuznetsov",
    "Rossi", "Esposito", "Bianchi", "Papadopoulos", "Cohen", "Levi",
]  # fmt: skip
# A town has many of these: different people with one common name (hard negatives).
COMMON_NAMES = [
    ("John", "Smith"),
    ("Maria", "Garcia"),
    ("Michael", "Johnson"),
    ("Wei", "Chen"),
    ("Mohammed", "Khan"),
    ("James", "Brown"),
    ("Jennifer", "Lee"),
    ("David", "Nguyen"),
    ("José", "Hernández"),
    ("Linda", "Williams"),
]
NICKNAMES = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "William": ["Bill", "Will", "Billy"],
    "Richard": ["Rick", "Dick", "Rich"],
    "Elizabeth": ["Liz", "Beth", "Betty"],
    "Margaret": ["Maggie", "Peggy", "Meg"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "John": ["Jack", "Johnny"],
    "Michael": ["Mike", "Mick"],
    "Joseph": ["Joe", "Joey"],
    "Thomas": ["Tom", "Tommy"],
    "Jennifer": ["Jen", "Jenny"],
    "Patricia": ["Pat", "Patty", "Trish"],
    "Katherine": ["Kate", "Kathy", "Katie"],
    "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Anthony": ["Tony"],
    "Alexander": ["Alex", "Sasha"],
    "Nicholas": ["Nick"],
    "Susan": ["Sue", "Susie"],
    "Deborah": ["Debbie", "Deb"],
    "Rebecca": ["Becky"],
    "Samuel": ["Sam"],
    "Benjamin": ["Ben"],
    "Edward": ["Ed", "Ted", "Eddie"],
    "Andrew": ["Andy", "Drew"],
    "Jonathan": ["Jon"],
    "Victoria": ["Vicky", "Tori"],
    "Stephanie": ["Steph"],
    "Barbara": ["Barb"],
    "Nancy": ["Nan"],
    "Mary": ["Molly", "Polly"],
    "David": ["Dave"],
    "José": ["Pepe"],
    "Jesús": ["Chuy"],
    "Francisco": ["Paco"],
    "Anastasia": ["Nastya"],
    "Dmitri": ["Dima"],
    "Svetlana": ["Sveta"],
    "Mohammed": ["Mo"],
    "Olivia": ["Liv"],
}
# Street names with their suffix written out; a duplicate may abbreviate it (or the
# original be written abbreviated and a duplicate in full).
LINKAGE_STREETS = [
    "Oak Street", "Maple Avenue", "Main Street", "Elm Street", "Cedar Road",
    "Park Avenue", "Pine Street", "Washington Boulevard", "Lakeview Drive",
    "Highland Avenue", "Church Lane", "Mill Road", "Sunset Boulevard", "Willow Court",
    "River Road", "Chestnut Street", "Hillcrest Drive", "Jefferson Avenue",
    "Meadow Lane", "Forest Drive", "Spring Street", "Franklin Place", "Lincoln Avenue",
    "Bayview Terrace", "Orchard Way", "Harbor Drive", "Magnolia Street", "Poplar Court",
    "Greenwood Avenue", "Kingsley Road", "Rue Saint-Jacques", "Calle Real",
]  # fmt: skip
ABBREVIATIONS = {
    "Street": "St",
    "Avenue": "Ave",
    "Road": "Rd",
    "Drive": "Dr",
    "Boulevard": "Blvd",
    "Lane": "Ln",
    "Court": "Ct",
    "Place": "Pl",
    "Terrace": "Ter",
    "Saint": "St",
}
# A practice's patients live in a few towns and their postal codes.
LINKAGE_TOWNS = [
    ("Springfield", "IL", ["62701", "62702", "62703", "62704"]),
    ("Chatham", "IL", ["62629"]),
    ("Rochester", "IL", ["62563"]),
    ("Sherman", "IL", ["62684"]),
    ("Riverton", "IL", ["62561"]),
]
KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij",
    "i": "uok", "o": "ipl", "p": "ol", "a": "qsz", "s": "awdz", "d": "sefx", "f": "drgc",
    "g": "fthv", "h": "gyjb", "j": "hukn", "k": "jilm", "l": "kop", "z": "asx", "x": "zsdc",
    "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
    "1": "2q", "2": "13w", "3": "24e", "4": "35r", "5": "46t", "6": "57y", "7": "68u",
    "8": "79i", "9": "80o", "0": "9p",
}  # fmt: skip
# The corruptions a duplicate can carry, each on one field (at most one per field), with
# their weights. A duplicate carries one to three.
CORRUPTIONS = {
    "first_typo": ("first", 4),
    "first_nickname": ("first", 2),
    "first_accents": ("first", 1),
    "last_typo": ("last", 4),
    "last_accents": ("last", 1),
    "names_swapped": ("names", 1),
    "dob_day_month": ("dob", 2),
    "dob_year_digit": ("dob", 2),
    "dob_digit": ("dob", 2),
    "dob_missing": ("dob", 2),
    "address_typo": ("address", 3),
    "address_abbreviated": ("address", 3),
    "address_missing": ("address", 2),
    "zip_digit": ("zip", 1),
}
LINKAGE_WINDOW = 4000  # rows shuffled together: a person's records are spread, not adjacent


class LinkageRecord(NamedTuple):
    """One row of a linkage file and its truth."""

    row: list[str]  # in HEADER order
    person: int  # rows with the same person number are one person
    household: int  # the person number of the household's first member
    kinds: tuple[str, ...]  # the corruptions of a duplicate (none on an original)
    common_name: str  # "First Last" of COMMON_NAMES (many people share it), or ""


# Letters NFKD does not split into a base letter and an accent.
UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i"})  # noqa: RUF001


def _strip_accents(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return plain.translate(UNDECOMPOSED)


def _typo(rng: random.Random, text: str) -> str:
    """One typo: a character inserted, deleted, substituted (a keyboard neighbour when it
    has one) or two neighbours transposed."""
    if len(text) < 2:
        return text + rng.choice("aeiou")
    at = rng.randrange(len(text))
    kind = rng.choice(("insert", "delete", "substitute", "substitute", "transpose"))
    char = text[at]
    near = KEYBOARD.get(char.lower(), "aeiou")
    other = rng.choice(near)
    other = other.upper() if char.isupper() else other
    if kind == "insert":
        return text[:at] + other + text[at:]
    if kind == "delete" and len(text) > 3:
        return text[:at] + text[at + 1 :]
    if kind == "transpose" and at < len(text) - 1 and text[at] != text[at + 1]:
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text[:at] + (other if other != char else "x") + text[at + 1 :]


def _abbreviated(street: str) -> str:
    """Street ↔ St, Avenue ↔ Ave, ...: the other way of writing the suffix."""
    words = street.split()
    for i, word in enumerate(words):
        if word in ABBREVIATIONS:
            words[i] = ABBREVIATIONS[word]
            return " ".join(words)
    full = {short: long for long, short in ABBREVIATIONS.items() if long != "Saint"}
    for i, word in enumerate(words):
        if word.rstrip(".") in full:
            words[i] = full[word.rstrip(".")]
            return " ".join(words)
    return street


def _other_digit(rng: random.Random, digit: str) -> str:
    return rng.choice([d for d in "0123456789" if d != digit])


def _dob_corrupt(rng: random.Random, kind: str, dob: tuple[int, int, int]) -> tuple | None:
    year, month, day = dob
    if kind == "dob_day_month":
        return (year, day, month) if day <= 12 and day != month else None
    if kind == "dob_year_digit":
        digits = list(str(year))
        at = rng.choice((2, 3))  # 1978 → 1968 or 1975: a plausible year still
        digits[at] = _other_digit(rng, digits[at])
        return (int("".join(digits)), month, day)
    if kind == "dob_digit":
        if rng.random() < 0.5:
            tens, units = divmod(day, 10)
            new = tens * 10 + int(_other_digit(rng, str(units)))
            return (year, month, new) if 1 <= new <= 28 else None
        new = month + rng.choice((-1, 1))
        return (year, new, day) if 1 <= new <= 12 else None
    return None  # dob_missing


def _linkage_person(rng: random.Random, number: int, households: list[dict]) -> dict:
    """A person: on their own, of a household seen earlier (same surname and address,
    often the same phone; a different first name and birth date), or with a common name."""
    roll = rng.random()
    town, state, zips = rng.choice(LINKAGE_TOWNS)
    person = {
        "number": number,
        "household": number,
        "first": rng.choice(LINKAGE_FIRST),
        "last": rng.choice(LINKAGE_LAST),
        "dob": (rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.92
        else None,
        "address": f"{rng.randint(1, 9999)} {rng.choice(LINKAGE_STREETS)}",
        "city": town,
        "state": state,
        "zip": rng.choice(zips),
        "phone": _phone_digits(rng, fictional=False) if rng.random() < 0.2 else "",
        "email": "",
        "common_name": "",
        # What the household's members are called and born on (one dict, shared).
        "family": {"firsts": set(), "dobs": set()},
    }
    if rng.random() < 0.3:  # some lists write the suffix short
        person["address"] = _abbreviated(person["address"])
    if households and roll < 0.10:
        head = rng.choice(households)
        person.update(
            household=head["household"],
            family=head["family"],
            last=head["last"],
            address=head["address"],
            city=head["city"],
            state=head["state"],
            zip=head["zip"],
        )
        if head["phone"] and rng.random() < 0.7:
            person["phone"] = head["phone"]
        while person["first"] in person["family"]["firsts"]:
            person["first"] = rng.choice(LINKAGE_FIRST)
        if head["dob"]:
            year = head["dob"][0] + rng.choice((-1, 1)) * rng.randint(2, 35)
            person["dob"] = (min(max(year, 1925), 2020), rng.randint(1, 12), rng.randint(1, 28))
        while person["dob"] and person["dob"] in person["family"]["dobs"]:
            person["dob"] = (person["dob"][0] + 1, *person["dob"][1:])
    elif roll < 0.16:
        person["first"], person["last"] = rng.choice(COMMON_NAMES)
        person["common_name"] = f"{person['first']} {person['last']}"
    if rng.random() < 0.15:
        ascii_name = _strip_accents(f"{person['first']}.{person['last']}{number}")
        person["email"] = ascii_name.lower().replace("'", "").replace(" ", "") + "@example.com"
    first = person["first"]
    person["family"]["firsts"].update({first, _strip_accents(first), *NICKNAMES.get(first, ())})
    person["family"]["dobs"].add(person["dob"])
    households.append(person)
    if len(households) > 5000:
        households.pop(0)
    return person


def _duplicate(rng: random.Random, person: dict) -> tuple[dict, tuple[str, ...]]:
    """A copy of ``person`` with one to three corruptions, at most one per field."""
    twin = dict(person)
    wanted = rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
    names = list(CORRUPTIONS)
    weights = [CORRUPTIONS[n][1] for n in names]
    kinds: list[str] = []
    fields: set[str] = set()
    for _ in range(30):
        if len(kinds) >= wanted:
            break
        kind = rng.choices(names, weights=weights)[0]
        field = CORRUPTIONS[kind][0]
        if field in fields or (field == "names" and fields & {"first", "last"}):
            continue
        if field in ("first", "last") and "names" in fields:
            continue
        if not _corrupt(rng, twin, kind):
            continue
        kinds.append(kind)
        fields.add(field)
    # Phone and e-mail: a record often lacks the ones the person has.
    if twin["phone"] and rng.random() < 0.25:
        twin["phone"] = ""
    if twin["email"] and rng.random() < 0.25:
        twin["email"] = ""
    return twin, tuple(kinds)


def _corrupt(rng: random.Random, twin: dict, kind: str) -> bool:
    """Apply one corruption to ``twin``; False when it does not apply to this person."""
    if kind == "first_typo":
        twin["first"] = _typo(rng, twin["first"])
    elif kind == "last_typo":
        twin["last"] = _typo(rng, twin["last"])
    elif kind == "first_nickname":
        if twin["first"] not in NICKNAMES:
            return False
        twin["first"] = rng.choice(NICKNAMES[twin["first"]])
    elif kind in ("first_accents", "last_accents"):
        field = kind.split("_")[0]
        plain = _strip_accents(twin[field])
        if plain == twin[field]:
            return False
        twin[field] = plain
    elif kind == "names_swapped":
        twin["first"], twin["last"] = twin["last"], twin["first"]
    elif kind.startswith("dob_"):
        if not twin["dob"]:
            return False
        changed = _dob_corrupt(rng, kind, twin["dob"])
        if changed is None and kind != "dob_missing":
            return False
        twin["dob"] = changed
    elif kind == "address_typo":
        number, _, street = twin["address"].partition(" ")
        twin["address"] = f"{number} {_typo(rng, street)}"
    elif kind == "address_abbreviated":
        shorter = _abbreviated(twin["address"])
        if shorter == twin["address"]:
            return False
        twin["address"] = shorter
    elif kind == "address_missing":
        twin["address"] = ""
    elif kind == "zip_digit":
        digits = list(twin["zip"])
        at = rng.randrange(2, len(digits))
        digits[at] = _other_digit(rng, digits[at])
        twin["zip"] = "".join(digits)
    return True


def _linkage_row(rng: random.Random, p: dict, chart: str) -> list[str]:
    return [
        chart,
        _messy_case(rng, p["first"]),
        _messy_case(rng, p["last"]),
        _messy_phone(rng, p["phone"]) if p["phone"] else "",
        rng.choice([p["email"], p["email"].upper()]) if p["email"] else "",
        _messy_date(rng, *p["dob"]) if p["dob"] else "",
        p["address"],
        p["city"],
        p["state"],
        p["zip"],
        rng.choice(STATUSES),
        _messy_date(rng, 2026 - rng.randint(1, 4), rng.randint(1, 12), rng.randint(1, 28)),
        "",
        rng.choice(TREATMENTS),
        rng.choice(["", "", "$1,200", "4500", "850"]),
        "",
    ]


def linkage_records(count: int, *, seed: int = 11) -> Iterator[LinkageRecord]:
    """``count`` rows of people with known truth, record-linkage style.

    About 35% of people have one to three duplicates besides their original record; a
    duplicate carries one to three corruptions (``CORRUPTIONS``: a typo, nickname, dropped
    accents or swapped names; a birth date with day and month swapped, a year digit or
    another digit off, or missing; an address with a typo, its suffix written the other
    way, or missing; a postal code digit off), at most one per field, besides case noise
    and the date formats of ``dirty_rows``. Every record has its own chart number (one
    person, two charts). About a fifth of people have a phone and 15% an e-mail, and a
    duplicate drops each a quarter of the time: about 70% of rows have neither.

    Hard negatives: about 10% of people join an earlier person's household (same
    surname, address and often phone; another first name, never a nickname of theirs, and
    another birth date), and about 6% have one of a few common names (``COMMON_NAMES``)
    with their own birth date and address. Names include accented and non-English ones.

    Records are shuffled within windows of ``LINKAGE_WINDOW`` rows, so a person's records
    are apart in the file but the file streams. The same seed gives the same rows."""
    rng = random.Random(seed)
    households: list[dict] = []
    produced = number = 0
    while produced < count:
        window: list[tuple[dict, tuple[str, ...]]] = []
        wanted = min(LINKAGE_WINDOW, count - produced)
        while len(window) < wanted:
            number += 1
            person = _linkage_person(rng, number, households)
            window.append((person, ()))
            if rng.random() < 0.35:
                copies = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
                window.extend(_duplicate(rng, person) for _ in range(copies))
        rng.shuffle(window)
        for p, kinds in window[:wanted]:
            produced += 1
            yield LinkageRecord(
                row=_linkage_row(rng, p, f"L{produced:07d}"),
                person=p["number"],
                household=p["household"],
                kinds=kinds,
                common_name=p["common_name"],
            )


def linkage_rows(count: int, *, seed: int = 11) -> Iterator[tuple[list[str], int]]:
    """``count`` rows (in HEADER order) with the number of the person each is: rows with
    the same number are one person (true duplicates); see ``linkage_records``."""
    for record in linkage_records(count, seed=seed):
        yield record.row, record.person
