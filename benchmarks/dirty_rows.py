"""Seeded, realistically dirty EMR export rows: mixed phone formats, case noise, messy
status words, duplicates with variations, family members sharing phones, and bad rows.

Used by the import benchmark and to make the demo file (``make_demo_file.py``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

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
