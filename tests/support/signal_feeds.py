"""Recorded-shape fixtures for the early-signal pollers, written by hand from the sources' docs.

CISA Known Exploited Vulnerabilities: the catalogue at
https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json, whose
shape is defined by https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json
(title, catalogVersion, dateReleased, count, vulnerabilities[] with cveID, vendorProject,
product, vulnerabilityName, dateAdded, shortDescription, requiredAction, dueDate,
knownRansomwareCampaignUse "Known"/"Unknown", notes, cwes). The entries below are copied in
shape (and for the Citrix one in content) from the published catalogue.

BODACC: the ``annonces-commerciales`` dataset of https://bodacc-datadila.opendatasoft.com
(dataset page .../explore/dataset/annonces-commerciales/information/), read through the
opendatasoft Explore API v2.1 ``/api/explore/v2.1/catalog/datasets/{id}/records``
(https://help.opendatasoft.com/apis/ods-explore-v2/): an object with ``total_count`` and
``results``, one flat object per notice. ``jugement`` and ``listepersonnes`` are JSON
serialised as text; ``registre`` lists the RCS number spaced and compact. Companies and
SIRENs below are invented (with valid Luhn check digits).

SEC EDGAR: ``https://data.sec.gov/submissions/CIK##########.json`` as described in "EDGAR
Application Programming Interfaces" (https://www.sec.gov/search-filings/edgar-application-programming-interfaces):
cik, name, tickers, filings.recent as parallel arrays (accessionNumber, filingDate,
reportDate, acceptanceDateTime, form, items "2.02,9.01", primaryDocument, ...), newest
first, and filings.files for older pages. Items as in the Form 8-K General Instructions.

GLEIF: ``https://api.gleif.org/api/v1/lei-records?filter[lei]=...`` as in the GLEIF API
documentation (https://documenter.getpostman.com/view/7679680/SVYrrxuU, "LEI Records"):
JSON:API ``data`` of ``lei-records`` whose attributes follow the LEI-CDF 3.1 format
(entity.legalName.name, entity.status ACTIVE/INACTIVE, entity.expiration.reason,
registration.status ISSUED/LAPSED/MERGED/RETIRED/...). The LEI is a published one
(Bloomberg Finance L.P.); the names and statuses are changed for the tests.
The ultimate parent: ``/api/v1/lei-records/{lei}/ultimate-parent-relationship`` (same
documentation, "Relationship Records"; the RR-CDF 2.1 format): a single JSON:API
``relationship-records`` resource whose ``attributes.relationship`` has ``startNode`` and
``endNode`` (``{"id": <LEI>, "type": "LEI"}``), ``type`` IS_ULTIMATELY_CONSOLIDATED_BY,
``status`` ACTIVE/INACTIVE and ``periods``; the API answers 404 when no parent is reported.
The shape was checked against the models and recorded answers of the gleif-rs client
(github.com/NotAProfDev/gleif-rs, src/model/relationship_record.rs). Parent LEIs are
invented (valid ISO 17442 check digits are not needed by the poller).
"""

from __future__ import annotations

import json
from typing import Any

CITRIX_BLEED = {
    "cveID": "CVE-2023-4966",
    "vendorProject": "Citrix",
    "product": "NetScaler ADC and NetScaler Gateway",
    "vulnerabilityName": "Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability",
    "dateAdded": "2023-10-18",
    "shortDescription": "Citrix NetScaler ADC and NetScaler Gateway contain a buffer overflow "
    "vulnerability that allows for sensitive information disclosure when configured as a "
    "Gateway (VPN virtual server, ICA Proxy, CVPN, RDP Proxy) or AAA virtual server.",
    "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the "
    "product if mitigations are unavailable.",
    "dueDate": "2023-11-08",
    "knownRansomwareCampaignUse": "Known",
    "notes": "https://support.citrix.com/article/CTX579459; "
    "https://nvd.nist.gov/vuln/detail/CVE-2023-4966",
    "cwes": ["CWE-119"],
}


def kev_entry(cve: str, vendor: str, product: str, **fields: Any) -> dict[str, Any]:
    """A catalogue entry in the published shape, ransomware use unknown unless given."""
    return {
        "cveID": cve,
        "vendorProject": vendor,
        "product": product,
        "vulnerabilityName": f"{vendor} {product} Improper Authentication Vulnerability",
        "dateAdded": "2026-02-01",
        "shortDescription": f"{vendor} {product} contains an improper authentication flaw.",
        "requiredAction": "Apply mitigations per vendor instructions.",
        "dueDate": "2026-02-22",
        "knownRansomwareCampaignUse": "Unknown",
        "notes": "",
        "cwes": ["CWE-287"],
        **fields,
    }


def kev_catalogue(*entries: dict[str, Any]) -> bytes:
    """The catalogue document around ``entries``."""
    return json.dumps(
        {
            "title": "CISA Catalog of Known Exploited Vulnerabilities",
            "catalogVersion": "2026.02.01",
            "dateReleased": "2026-02-01T17:00:32.1234Z",
            "count": len(entries),
            "vulnerabilities": list(entries),
        }
    ).encode()


def bodacc_notice(
    notice_id: str, published: str, siren: str, company: str, nature: str, **fields: Any
) -> dict[str, Any]:
    """One ``annonces-commerciales`` record of the collective-procedure family."""
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    return {
        "id": notice_id,
        "publicationavis": "A",
        "publicationavis_facette": "Bodacc A",
        "parution": published.replace("-", "")[:4] + "0023",
        "dateparution": published,
        "numeroannonce": int(notice_id[-4:]),
        "typeavis": "annonce",
        "typeavis_lib": "Avis initial",
        "familleavis": "collective",
        "familleavis_lib": "Procédures collectives",
        "numerodepartement": "92",
        "departement_nom_officiel": "Hauts-de-Seine",
        "region_code": 11,
        "region_nom_officiel": "Île-de-France",
        "tribunal": "TRIBUNAL DE COMMERCE DE NANTERRE",
        "commercant": company,
        "ville": "Courbevoie",
        "registre": [spaced, siren],
        "cp": "92400",
        "listepersonnes": json.dumps(
            {
                "personne": {
                    "typePersonne": "pm",
                    "denomination": company,
                    "numeroImmatriculation": {
                        "numeroIdentification": spaced,
                        "codeRCS": "RCS",
                        "nomGreffeImmat": "Nanterre",
                    },
                }
            }
        ),
        "jugement": json.dumps(
            {
                "type": "initial",
                "famille": "Jugement d'ouverture",
                "nature": nature,
                "date": "2026-01-28",
                "complementJugement": f"{nature}, date de cessation des paiements le "
                "15 décembre 2025, désignant mandataire judiciaire Maître Dupont.",
            }
        ),
        **fields,
    }


def bodacc_page(*records: dict[str, Any]) -> bytes:
    """A records page of the Explore API v2.1."""
    return json.dumps({"total_count": len(records), "results": list(records)}).encode()


def edgar_submissions(cik: str, name: str, *filings: tuple[str, str, str, str]) -> bytes:
    """A submissions document; ``filings`` are (accession, date, form, items), newest first."""
    columns: dict[str, list[Any]] = {
        key: []
        for key in (
            "accessionNumber",
            "filingDate",
            "reportDate",
            "acceptanceDateTime",
            "act",
            "form",
            "fileNumber",
            "filmNumber",
            "items",
            "size",
            "isXBRL",
            "isInlineXBRL",
            "primaryDocument",
            "primaryDocDescription",
        )
    }
    for accession, filed, form, items in filings:
        for key, value in (
            ("accessionNumber", accession),
            ("filingDate", filed),
            ("reportDate", filed),
            ("acceptanceDateTime", f"{filed}T16:05:12.000Z"),
            ("act", "34"),
            ("form", form),
            ("fileNumber", "001-36743"),
            ("filmNumber", "24912345"),
            ("items", items),
            ("size", 345678),
            ("isXBRL", 1),
            ("isInlineXBRL", 1),
            ("primaryDocument", f"{form.lower().replace('-', '')}-{filed}.htm"),
            ("primaryDocDescription", form),
        ):
            columns[key].append(value)
    return json.dumps(
        {
            "cik": str(int(cik)),
            "entityType": "operating",
            "sic": "7372",
            "sicDescription": "Services-Prepackaged Software",
            "name": name,
            "tickers": ["ACME"],
            "exchanges": ["Nasdaq"],
            "fiscalYearEnd": "1231",
            "filings": {"recent": columns, "files": []},
        }
    ).encode()


def gleif_record(
    lei: str, name: str, entity: str, registration: str, **expiry: Any
) -> dict[str, Any]:
    """One ``lei-records`` resource."""
    return {
        "type": "lei-records",
        "id": lei,
        "attributes": {
            "lei": lei,
            "entity": {
                "legalName": {"name": name, "language": "en"},
                "otherNames": [],
                "jurisdiction": "US-DE",
                "category": "GENERAL",
                "legalForm": {"id": "T91T", "other": None},
                "status": entity,
                "expiration": {"date": None, "reason": None, **expiry},
                "successorEntity": {"lei": None, "name": None},
            },
            "registration": {
                "initialRegistrationDate": "2012-06-06T15:53:00Z",
                "lastUpdateDate": "2026-11-01T09:00:00Z",
                "status": registration,
                "nextRenewalDate": "2027-06-06T00:00:00Z",
                "managingLou": "EVK05KS7XY1DEII3R011",
                "corroborationLevel": "FULLY_CORROBORATED",
            },
            "bic": None,
        },
        "relationships": {},
        "links": {"self": f"https://api.gleif.org/api/v1/lei-records/{lei}"},
    }


def gleif_page(*records: dict[str, Any]) -> bytes:
    """A JSON:API answer of the lei-records endpoint."""
    return json.dumps(
        {
            "meta": {"goldenCopy": {"publishDate": "2026-11-23T08:00:00Z"}},
            "links": {},
            "data": list(records),
        }
    ).encode()


def gleif_parent(lei: str, parent: str, status: str = "ACTIVE") -> bytes:
    """The ultimate-parent-relationship answer for ``lei``: consolidated by ``parent``."""
    return json.dumps(
        {
            "meta": {"goldenCopy": {"publishDate": "2026-11-23T08:00:00Z"}},
            "data": {
                "type": "relationship-records",
                "id": f"{lei}_{parent}_IS_ULTIMATELY_CONSOLIDATED_BY",
                "attributes": {
                    "validFrom": "2026-01-01T00:00:00Z",
                    "validTo": None,
                    "relationship": {
                        "startNode": {"id": lei, "type": "LEI"},
                        "endNode": {"id": parent, "type": "LEI"},
                        "type": "IS_ULTIMATELY_CONSOLIDATED_BY",
                        "status": status,
                        "periods": [
                            {
                                "startDate": "2025-01-01T00:00:00Z",
                                "endDate": None,
                                "type": "RELATIONSHIP_PERIOD",
                            }
                        ],
                    },
                    "registration": {
                        "initialRegistrationDate": "2026-01-01T00:00:00Z",
                        "lastUpdateDate": "2026-11-01T09:00:00Z",
                        "status": "PUBLISHED",
                        "nextRenewalDate": "2027-01-01T00:00:00Z",
                        "managingLou": "EVK05KS7XY1DEII3R011",
                        "corroborationLevel": "FULLY_CORROBORATED",
                        "corroborationDocuments": "ACCOUNTS_FILING",
                        "corroborationReference": None,
                    },
                    "extension": {"deletedAt": None},
                },
                "relationships": {
                    "start-node": {
                        "links": {"related": f"https://api.gleif.org/api/v1/lei-records/{lei}"}
                    },
                    "end-node": {
                        "links": {"related": f"https://api.gleif.org/api/v1/lei-records/{parent}"}
                    },
                },
            },
        }
    ).encode()
