"""E-mail addresses: one check (email-validator's syntax) for every person created."""

from __future__ import annotations

import pytest

from scheduler.core.errors import ValidationFailed
from scheduler.identity.accounts import normalise_email


@pytest.mark.parametrize(
    "address",
    [
        "x<script>@ex.gov.uk",
        "Nia Jones <nia@ex.gov.uk>",
        "a b@ex.gov.uk",
        "nia@localhost",
        '"quoted"@ex.gov.uk',
        "nia@[127.0.0.1]",
        "nia@ex..gov.uk",
        "not-an-address",
    ],
)
def test_what_is_not_an_address_is_refused_saying_how_to_write_one(address: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalise_email(address)
    assert refused.value.field == "email"
    assert refused.value.message.startswith(f"{address!r} is not an e-mail address: ")
    assert refused.value.message.endswith("write it like name@example.gov.uk")


@pytest.mark.parametrize(
    ("address", "stored"),
    [
        (" Nia.Jones@Example.GOV.uk ", "nia.jones@example.gov.uk"),
        ("stats+release@ons.gov.uk", "stats+release@ons.gov.uk"),
        ("stats@demo.gatepost.test", "stats@demo.gatepost.test"),
    ],
)
def test_addresses_are_trimmed_and_lower_cased(address: str, stored: str) -> None:
    assert normalise_email(address) == stored
