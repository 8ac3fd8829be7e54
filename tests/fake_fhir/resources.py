"""Resources shaped like the FHIR R4 specification's examples (``Appointment/example`` and
``Patient/example``), with what a test varies as arguments. Real servers send exactly this
structure: narrative, codings with systems, participants with type/required/status."""

from __future__ import annotations

import copy
import datetime as dt

MR = {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
HTEST = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "HTEST",
    "display": "test health data",
}


def instant(moment: dt.datetime) -> str:
    """A FHIR instant in UTC with milliseconds, as servers write ``meta.lastUpdated``."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def appointment(
    id: str,
    *,
    patient: str = "example",
    patient_display: str = "Peter James Chalmers",
    start: dt.datetime | None = None,
    status: str = "booked",
    last_updated: dt.datetime,
    appointment_type: str | None = "A follow up visit from a previous appointment",
    practitioner: str = "Dr Adam Careful",
    location: str = "South Wing, second floor",
) -> dict:
    """R4 ``Appointment/example`` (appointment-example.json) with these values."""
    start = start or dt.datetime(2013, 12, 10, 9, tzinfo=dt.UTC)
    resource = {
        "resourceType": "Appointment",
        "id": id,
        "meta": {"versionId": "1", "lastUpdated": instant(last_updated), "tag": [HTEST]},
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">Brian MRI results discussion</div>',
        },
        "status": status,
        "serviceCategory": [
            {
                "coding": [
                    {
                        "system": "http://example.org/service-category",
                        "code": "gp",
                        "display": "General Practice",
                    }
                ]
            }
        ],
        "serviceType": [{"coding": [{"code": "52", "display": "General Discussion"}]}],
        "specialty": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "394814009",
                        "display": "General practice",
                    }
                ]
            }
        ],
        "appointmentType": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0276",
                    "code": "FOLLOWUP",
                    "display": appointment_type,
                }
            ]
        },
        "reasonReference": [
            {"reference": "Condition/example", "display": "Severe burn of left ear"}
        ],
        "priority": 5,
        "description": "Discussion on the results of your recent MRI",
        "start": instant(start),
        "end": instant(start + dt.timedelta(hours=2)),
        "created": "2013-10-10",
        "comment": "Further expand on the results of the MRI and determine the next actions "
        "that may be appropriate.",
        "basedOn": [{"reference": "ServiceRequest/myringotomy"}],
        "participant": [
            {
                "actor": {"reference": f"Patient/{patient}", "display": patient_display},
                "required": "required",
                "status": "accepted",
            },
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "ATND",
                            }
                        ]
                    }
                ],
                "actor": {"reference": "Practitioner/example", "display": practitioner},
                "required": "required",
                "status": "accepted",
            },
            {
                "actor": {"reference": "Location/1", "display": location},
                "required": "required",
                "status": "accepted",
            },
        ],
    }
    if appointment_type is None:
        del resource["appointmentType"]
    return resource


def patient(
    id: str = "example",
    *,
    mrn: str = "12345",
    given: tuple[str, ...] = ("Peter", "James"),
    family: str = "Chalmers",
    birth_date: str = "1974-12-25",
    mobile: str = "(03) 3410 5613",
    email: str | None = None,
    last_updated: dt.datetime | None = None,
) -> dict:
    """R4 ``Patient/example`` (patient-example.json) with these values."""
    resource = {
        "resourceType": "Patient",
        "id": id,
        "meta": {"tag": [HTEST]},
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml">(narrative)</div>',
        },
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [copy.deepcopy(MR)]},
                "system": "urn:oid:1.2.36.146.595.217.0.1",
                "value": mrn,
                "period": {"start": "2001-05-06"},
                "assigner": {"display": "Acme Healthcare"},
            }
        ],
        "active": True,
        "name": [
            {"use": "official", "family": family, "given": list(given)},
            {"use": "usual", "given": [given[0]]},
            {
                "use": "maiden",
                "family": "Windsor",
                "given": list(given),
                "period": {"end": "2002"},
            },
        ],
        "telecom": [
            {"use": "home"},
            {"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1},
            {"system": "phone", "value": mobile, "use": "mobile", "rank": 2},
            {"system": "phone", "value": "(03) 5555 8834", "use": "old", "period": {"end": "2014"}},
        ],
        "gender": "male",
        "birthDate": birth_date,
        "_birthDate": {
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                    "valueDateTime": f"{birth_date}T14:35:45-05:00",
                }
            ]
        },
        "deceasedBoolean": False,
        "address": [
            {
                "use": "home",
                "type": "both",
                "text": "534 Erewhon St PeasantVille, Rainbow, Vic  3999",
                "line": ["534 Erewhon St"],
                "city": "PleasantVille",
                "district": "Rainbow",
                "state": "Vic",
                "postalCode": "3999",
                "period": {"start": "1974-12-25"},
            }
        ],
        "managingOrganization": {"reference": "Organization/1"},
    }
    if email:
        resource["telecom"].append({"system": "email", "value": email, "use": "home"})
    if last_updated:
        resource["meta"]["lastUpdated"] = instant(last_updated)
    return resource


# An Appointment a server might send broken: its start is not an instant.
def malformed_appointment(id: str, last_updated: dt.datetime) -> dict:
    broken = appointment(id, last_updated=last_updated)
    broken["start"] = "next Tuesday, probably"
    return broken
