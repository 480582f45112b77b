"""Who acts: a person, or a service of the school's own system that acts on its behalf.

Scheduled work (the worker), retention, SCIM provisioning and roster sync change state without a person at the
keyboard. They act as a `ServiceActor`: it has its own column in the permission table (so what each may do is
written down and tested like any role) and its own name in audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from staffroom.accounts.models import Person


class Service(StrEnum):
    WORKER = "worker"
    RETENTION = "retention"
    SCIM = "scim"
    ROSTER_SYNC = "roster_sync"
    BACKUP = "backup"

    @property
    def label(self) -> str:
        return {
            Service.WORKER: "Scheduled work",
            Service.RETENTION: "Retention schedule",
            Service.SCIM: "SCIM provisioning",
            Service.ROSTER_SYNC: "Roster sync",
            Service.BACKUP: "Backup and restore",
        }[self]


@dataclass(frozen=True)
class ServiceActor:
    """A service acting within one organisation."""

    service: Service
    organisation_id: int

    pk = None
    is_active = True

    @property
    def name(self) -> str:
        return self.service.label

    def access_has_ended(self) -> bool:
        return False


type Actor = Person | ServiceActor
