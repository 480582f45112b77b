"""What SCIM forgets of an erased person: the directory's record of them (`ScimUser`: the userName, externalId and
names it sent). Afterwards the directory finds no such user; the Person row it pointed at is anonymised."""

from __future__ import annotations

from typing import Any

from staffroom.accounts.forgetting import person_forgotten
from staffroom.accounts.models import Person
from staffroom.scim.models import ScimUser


def _forget(sender: Any, person: Person, **kwargs: Any) -> dict[str, int]:
    deleted, _ = ScimUser.objects.filter(person=person).delete()
    return {"scim_records": deleted}


def connect() -> None:
    person_forgotten.connect(_forget, dispatch_uid="staffroom.scim.forget")
