"""What a finding means under a school's policy: allow, nudge, warn the DPO, block or raise a concern.

A rule is (detector, conversation kind, sender) -> outcome, where the detector is an identifier kind ("upn",
"health", ...), a concern category ("self_harm", ...) or "photo_faces" (a photo in which faces were found: see
safeguarding/photos.py; only it may also be "hold": posted, but the photo is shown only once a member of staff
who supervises the conversation, or a DSL, releases it: in class channels only, see HOLD_KINDS), and the
sender is "pupil" or "staff" (every adult: staff, governors and external guests follow the staff rules).
Without configuration every school has `default_outcome`; a school's rows (models.PolicyRule) override single
cells of that table.

Several findings in one message combine: block beats everything (nothing is written); otherwise a nudge holds
the send until the sender confirms; once it goes through, each "raise" finding joins one concern for the DSL
and each "warn_dpo" finding is noted for the DPO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from staffroom.safeguarding.concerns import CATEGORIES, CATEGORY_LABELS
from staffroom.safeguarding.detectors import IDENTIFIER_KINDS, RANK, Finding

ALLOW, NUDGE, WARN_DPO, BLOCK, RAISE, HOLD = "allow", "nudge", "warn_dpo", "block", "raise", "hold"
OUTCOMES = (ALLOW, NUDGE, WARN_DPO, BLOCK, RAISE, HOLD)
SENDERS = ("staff", "pupil")
CONVERSATION_KINDS = ("channel", "group", "direct", "announcement", "class")
PHOTO_FACES = "photo_faces"
# The text model's findings (text_model.py) follow rows of their own, whatever their kind: a score is not a
# phrase the DSL can be shown, so they may allow, nudge, warn the DPO or raise a concern, never block.
MODEL_CONCERNS, MODEL_SPECIAL = "model_concerns", "model_special"
MODEL_DETECTORS = (MODEL_CONCERNS, MODEL_SPECIAL)
# Where a photo may be held for a check: only where someone is always there to check it. A class channel is
# overseen by its school's DSLs and deputies (permission "photo.review", scope "supervised") whoever runs it.
# Anywhere else only the staff who run the conversation may check a photo, and there may be none: nobody runs
# a direct message, and the owners of a group, channel or announcement channel can leave it (or be a governor,
# who may not check photos). The DSL is not made a reviewer there instead: a DSL does not read staff
# conversations, and pupils are only ever in class channels (messaging/actions/members.py), so staff photos
# are all a hold elsewhere could catch. The policy refuses "hold" in those cells (actions/policy.py), and an
# older "hold" stored there counts as the cell's default.
HOLD_KINDS = frozenset({"class"})
# What the text scan looks for; the photo check runs on the uploads instead (safeguarding/photos.py).
TEXT_DETECTORS = (*IDENTIFIER_KINDS, *CATEGORIES, *MODEL_DETECTORS)
DETECTORS = (*TEXT_DETECTORS, PHOTO_FACES)

IDENTIFIER_LABELS = {
    "upn": _("a unique pupil number (UPN)"),
    "nhs_number": _("an NHS number"),
    "ni_number": _("a National Insurance number"),
    "date_of_birth": _("a date of birth"),
    "address": _("a home address"),
    "postcode": _("a postcode"),
    "pupil_name": _("a pupil's name next to something sensitive"),
    "health": _("health information"),
    "sen": _("special educational needs information"),
    "ethnicity": _("ethnicity"),
    "religion": _("religion"),
    "sexual_orientation": _("sexual orientation"),
    "free_school_meals": _("free school meals"),
    "child_protection": _("child protection status"),
}
# Numbers that identify one child outright, and child-protection status: never in front of pupils.
_NEVER_BEFORE_PUPILS = frozenset({"upn", "nhs_number", "ni_number", "child_protection"})
# Special category words staff use about groups every day; child protection status is not among them.
_TALKED_ABOUT_IN_GENERAL = frozenset(
    {"health", "sen", "ethnicity", "religion", "sexual_orientation", "free_school_meals"}
)


def group_of(detector: str) -> str:
    if detector == PHOTO_FACES:
        return "photo"
    if detector in MODEL_DETECTORS:
        return "model"
    return "identifier" if detector in IDENTIFIER_KINDS else "concern"


def may_hold(detector: str, conversation_kind: str | None = None) -> bool:
    """Can a finding of this detector be held for a check (in this kind of conversation)? Photos only (a text is
    there to read), and only where someone is sure to check them (HOLD_KINDS)."""
    return detector == PHOTO_FACES and (conversation_kind is None or conversation_kind in HOLD_KINDS)


def outcomes_for(detector: str, conversation_kind: str | None = None) -> tuple[str, ...]:
    """What a finding of this detector may do (in this kind of conversation: see `may_hold`); the text model's
    findings never block."""
    if detector in MODEL_DETECTORS:
        return (ALLOW, NUDGE, WARN_DPO, RAISE)
    return OUTCOMES if may_hold(detector, conversation_kind) else tuple(o for o in OUTCOMES if o != HOLD)


def detector_of(finding: Finding) -> str:
    """The policy row a finding follows: its kind's, or, for the text model's, the model's row for its group."""
    if finding.source == "model":
        return MODEL_CONCERNS if finding.group == "concern" else MODEL_SPECIAL
    return finding.kind


def label(detector: str) -> str:
    """The detector in plain English, for the sender and the policy page."""
    if detector == PHOTO_FACES:
        return str(_("a photo with people's faces"))
    if detector == MODEL_CONCERNS:
        return str(_("a concern only the text model found"))
    if detector == MODEL_SPECIAL:
        return str(_("special category data only the text model found"))
    if detector in IDENTIFIER_LABELS:
        return str(IDENTIFIER_LABELS[detector])
    return str(CATEGORY_LABELS.get(detector, detector.replace("_", " ").capitalize()))


def default_outcome(detector: str, conversation_kind: str, sender: str) -> str:
    """The table every school starts with (docs/safeguarding.md "Policies and the send path")."""
    if detector == PHOTO_FACES:
        if sender == "pupil":
            # Photos of children need consent (DOMAIN.md), and a pupil cannot know whether the school holds it:
            # the photo waits, unseen by the other pupils, until a member of staff who supervises the
            # conversation or a DSL checks it. Nothing is lost meanwhile. Pupils are only in class channels;
            # anywhere else nobody is sure to check a held photo (HOLD_KINDS), so it is not sent.
            return HOLD if conversation_kind in HOLD_KINDS else BLOCK
        if conversation_kind == "class":
            # Staff know the school's consent list; pupils see the photo at once and the DSL is told.
            return RAISE
        # Among staff: the sender confirms the school holds consent for everyone in it (DESIGN.md).
        return NUDGE
    if detector == MODEL_CONCERNS:
        # A pupil's message, or an adult's in a class channel, reaches the DSL (as a concern that says it came
        # from the model). Among staff, nothing: the model cannot show them a phrase, and a reminder that fires
        # on ordinary talk teaches people to click through it (the rules still remind them).
        return RAISE if sender == "pupil" or conversation_kind == "class" else ALLOW
    if detector == MODEL_SPECIAL:
        # As the rules' special categories talked about in general: think first where pupils are, else allow.
        return NUDGE if sender == "pupil" or conversation_kind == "class" else ALLOW
    if group_of(detector) == "identifier":
        if sender == "pupil":
            # A pupil sharing their own address or health with classmates: think first, then it is theirs to say.
            return NUDGE
        if conversation_kind == "class":
            # Pupils read a class channel: identifying numbers and CP status stay out of it.
            return BLOCK if detector in _NEVER_BEFORE_PUPILS else NUDGE
        if detector in _TALKED_ABOUT_IN_GENERAL:
            # "The SEN pupils' families", "the FSM list": everyday staff talk identifies nobody. Named next to
            # a pupil, the pupil_name finding nudges instead.
            return ALLOW
        # A pupil identifier in a staff conversation: the sender confirms it needs to be there (DESIGN.md).
        return NUDGE
    if sender == "pupil":
        # A concern in a pupil's message reaches the DSL, and the message is posted (DESIGN.md).
        return RAISE
    if conversation_kind == "class":
        # An adult writing like this to pupils is what the DSL oversees class channels for.
        return RAISE
    # Staff discussing a worry among staff: remind them that the DSL should hear it through the school's
    # procedure; they confirm and it is posted.
    return NUDGE


@dataclass(frozen=True)
class Policy:
    """A school's policy: the defaults with the school's own rules laid over them."""

    overrides: Mapping[tuple[str, str, str], str] = field(default_factory=dict)

    def outcome(self, detector: str, conversation_kind: str, sender: str) -> str:
        key = (detector, conversation_kind, sender)
        chosen = self.overrides.get(key)
        if chosen == HOLD and not may_hold(detector, conversation_kind):
            chosen = None  # stored before "hold" was refused here: nobody would be sure to check the photo
        return chosen or default_outcome(*key)

    def may_block(self, conversation_kind: str, sender: str) -> bool:
        """Could any finding be blocked here? (Decides what a failed scan does: see `decide_on_failure`.)"""
        return any(self.outcome(d, conversation_kind, sender) == BLOCK for d in TEXT_DETECTORS)

    def table(self) -> list[dict[str, object]]:
        return [
            {
                "detector": d,
                "group": group_of(d),
                "label": label(d),
                "conversation_kind": kind,
                "sender": sender,
                "outcome": self.outcome(d, kind, sender),
                "default": (d, kind, sender) not in self.overrides
                or self.overrides[(d, kind, sender)] == default_outcome(d, kind, sender),
            }
            for d in DETECTORS
            for kind in CONVERSATION_KINDS
            for sender in SENDERS
        ]


@dataclass(frozen=True)
class Decision:
    """What the send path does with one message's findings."""

    blocked: tuple[Finding, ...] = ()
    nudged: tuple[Finding, ...] = ()
    raised: tuple[Finding, ...] = ()
    warned: tuple[Finding, ...] = ()

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.nudged)


def decide(findings: Iterable[Finding], policy: Policy, *, conversation_kind: str, sender: str) -> Decision:
    by: dict[str, list[Finding]] = {o: [] for o in OUTCOMES}
    for finding in findings:
        by[policy.outcome(detector_of(finding), conversation_kind, sender)].append(finding)
    return Decision(
        blocked=tuple(by[BLOCK]), nudged=tuple(by[NUDGE]), raised=tuple(by[RAISE]), warned=tuple(by[WARN_DPO])
    )


def most_serious(findings: Iterable[Finding]) -> Finding:
    return max(findings, key=lambda f: (RANK[f.severity], f.group == "concern"))


def concern_category(findings: Iterable[Finding]) -> str:
    """The category of a concern raised for these findings: the most serious concern, else pupil data."""
    found = list(findings)
    concerns = [f for f in found if f.group == "concern"]
    return most_serious(concerns).kind if concerns else "pupil_data"


def public_finding(finding: Finding) -> dict[str, object]:
    """A finding as the sender sees it: what, where in their own text, how serious. Never the text itself."""
    return {
        "kind": finding.kind,
        "label": label(finding.kind),
        "start": finding.start,
        "end": finding.end,
        "severity": finding.severity,
    }


def explain(stored: Mapping[str, object]) -> str:
    """A stored finding in the reader's language for the DSL: what was found, and whether it was the text
    model's reading rather than a phrase (then the DSL knows to read the message for the reason)."""
    kind = str(stored.get("kind") or "")
    what = label(kind) if kind else str(_("something the checks could not name"))
    what = what[:1].upper() + what[1:]
    if stored.get("source") == "model":
        return str(_("%(what)s: the text model's reading, no phrase matched") % {"what": what})
    return what


def stored_finding(finding: Finding) -> dict[str, object]:
    """A finding as a concern keeps it: kind, group, span, severity and why. Never the text."""
    return finding.as_dict()
