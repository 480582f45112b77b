"""Forms parse what a browser sent; the actions decide whether it is allowed and valid.

These forms check only shape (is it a number, is it a file). Every rule about content lives in the actions,
whose domain errors `show_error` puts beside the field they are about.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any

from allauth.account.forms import LoginForm
from allauth.core.internal.ratelimit import parse_rates
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.dates import WEEKDAYS as DJANGO_WEEKDAYS
from django.utils.translation import gettext_lazy as _

from staffroom.accounts.models import Language, Notify, SecondFactorRule
from staffroom.errors import NotFound, PermissionDenied, StaffroomError


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type="file" multiple>`."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UUIDListField(forms.Field):
    """Repeated hidden inputs, each a UUID (files uploaded by an earlier attempt to send)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [str(uuid.UUID(str(v))) for v in values]
        except ValueError:
            raise forms.ValidationError(_("An attached file could not be found. Attach it again.")) from None


class ComposerForm(forms.Form):
    body = forms.CharField(required=False, strip=False, label=_("Message"), widget=forms.Textarea)
    client_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    attachment_ids = UUIDListField(required=False)
    file = MultipleFileField(required=False, label=_("Attach files"))
    urgent = forms.BooleanField(required=False, label=_("Urgent: notify members even outside their working hours"))
    # "Send anyway" after a nudge: the sender has looked at what the safeguarding policy found, or the school holds
    # consent for a photo with faces.
    confirmed = forms.BooleanField(required=False)


class EditMessageForm(forms.Form):
    body = forms.CharField(required=False, strip=False, label=_("Edit message"), widget=forms.Textarea)


class ReactionForm(forms.Form):
    emoji = forms.CharField(max_length=32)
    remove = forms.BooleanField(required=False)


class NewConversationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(required=False, label=_("Title"), max_length=200)
    member_ids = forms.TypedMultipleChoiceField(required=False, coerce=int, label=_("Members"))
    school_class_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Class"))
    trust_wide = forms.BooleanField(required=False, label=_("For the whole trust, not only my school"))

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        kinds: list[tuple[str, str]],
        people: list[tuple[int, str]],
        classes: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["member_ids"].choices = people  # type: ignore[attr-defined]
        self.fields["school_class_id"].choices = [("", "-"), *classes]  # type: ignore[attr-defined]


class OpenChoiceField(forms.TypedChoiceField):
    """A value picked from a list; whether it may be used is the action's (or query's) to say, not the form's,
    so the page and the API give the same answer for the same value."""

    def valid_value(self, value: Any) -> bool:
        return True


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    """Several values ticked from a list; as `OpenChoiceField`, the action says which may be used."""

    def valid_value(self, value: Any) -> bool:
        return True


class PersonIdField(OpenChoiceField):
    """A person picked from suggestions; whether they may be added is the action's to say."""


class AddMemberForm(forms.Form):
    person_id = PersonIdField(coerce=int, label=_("Person to add"))

    def __init__(self, data: Mapping[str, Any] | None = None, *, people: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["person_id"].choices = [("", _("Choose a person")), *people]  # type: ignore[attr-defined]


class SearchForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search messages"), strip=True)


class RegisterFilterForm(forms.Form):
    """The group register's filters, sent with GET so that a filtered list can be bookmarked and shared."""

    q = forms.CharField(required=False, max_length=200, label=_("Title contains"))
    kind = forms.ChoiceField(required=False, label=_("Kind"))
    school_id = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("School"))
    externals = forms.ChoiceField(
        required=False,
        label=_("Externals"),
        choices=[("", _("With or without externals")), ("yes", _("With externals")), ("no", _("Without externals"))],
    )
    review = forms.ChoiceField(
        required=False,
        label=_("Membership review"),
        choices=[("", _("Reviewed or not")), ("due", _("Not yet reviewed this term"))],
    )

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, kinds: list[tuple[str, str]], schools: list[tuple[int, str]]
    ) -> None:
        super().__init__(data)
        self.fields["kind"].choices = [("", _("Any kind")), *kinds]  # type: ignore[attr-defined]
        self.fields["school_id"].choices = [("", _("Any school")), *schools]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    """Why an admin changes who is in a conversation they are not in: kept in the audit log."""

    reason = forms.CharField(
        max_length=500,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why; the reason is kept in the audit log.")},
    )


class RegisterAddMemberForm(AddMemberForm, ReasonForm):
    """Adding someone from the group register: whom, and why."""

    field_order = ["person_id", "reason"]


class RosterUploadForm(forms.Form):
    """A roster to check: its ZIP, and the domain for people it gives no email."""

    file = forms.FileField(
        label=_("Roster ZIP file"),
        error_messages={"required": _("Choose the ZIP file of the roster's CSV files.")},
    )
    email_domain = forms.CharField(required=False, max_length=253, label=_("Email domain (optional)"))


class RosterApplyForm(forms.Form):
    """Confirming a checked roster: the check itself, carried in the page (rosters/sealed.py)."""

    sealed = forms.CharField(widget=forms.HiddenInput)
    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)


# --- the admin console's people ------------------------------------------------------------------------------

Choices = list[tuple[Any, Any]]  # (value, label): a label may be lazily translated
REAL_DATE = _("Enter a real date.")


class PeopleFilterForm(forms.Form):
    """The people list's search and filters (a GET form). Unknown roles and statuses are the query's to refuse."""

    q = forms.CharField(required=False, max_length=200, label=_("Name, email or mention name"))
    school_id = OpenChoiceField(required=False, coerce=int, empty_value=None, label=_("School"))
    role = OpenChoiceField(required=False, label=_("Role"))
    status = OpenChoiceField(required=False, label=_("Status"))

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, schools: Choices, roles: Choices, statuses: Choices
    ) -> None:
        super().__init__(data)
        self.fields["school_id"].choices = [("", _("All schools")), *schools]  # type: ignore[attr-defined]
        self.fields["role"].choices = [("", _("All roles")), *roles]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Everyone")), *statuses]  # type: ignore[attr-defined]


class PersonDetailsForm(forms.Form):
    """Name, school, roles and leave date: what adding and changing a person share. Only the shape is checked
    here; accounts.actions.people says what is allowed."""

    name = forms.CharField(required=False, max_length=500, label=_("Name"))
    school_id = OpenChoiceField(required=False, coerce=int, empty_value=None, label=_("School"))
    roles = OpenMultipleChoiceField(required=False, label=_("Roles"))
    leaves_on = forms.DateField(
        required=False, input_formats=["%Y-%m-%d"], label=_("Leave date"), error_messages={"invalid": REAL_DATE}
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        schools: Choices,
        roles: Choices,
        initial: dict[str, Any] | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, initial=initial, prefix=prefix)
        self.fields["school_id"].choices = schools  # type: ignore[attr-defined]
        self.fields["roles"].choices = roles  # type: ignore[attr-defined]


class NewPersonForm(PersonDetailsForm):
    email = forms.CharField(required=False, max_length=254, label=_("School email address"))
    send_link = forms.BooleanField(required=False, label=_("Email them a sign-in link now"))

    field_order = ["email", "name", "school_id", "roles", "leaves_on", "send_link"]


class ChangePersonForm(PersonDetailsForm):
    reason = forms.CharField(required=False, max_length=1000, label=_("Reason (optional)"))


class PersonReasonForm(forms.Form):
    """Signing someone out everywhere and restoring their access: a reason, which the action says whether it
    needs (signing out does)."""

    reason = forms.CharField(required=False, max_length=1000, label=_("Reason"))

    def __init__(self, data: Mapping[str, Any] | None = None, *, prefix: str | None = None) -> None:
        super().__init__(data, prefix=prefix)


class DeactivateForm(forms.Form):
    reason = forms.CharField(required=False, max_length=1000, label=_("Reason"))
    hand_over_to = PersonIdField(required=False, coerce=int, empty_value=None, label=_("Who takes over their groups"))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Mapping[str, Any] | None = None, *, people: Choices, prefix: str | None = None) -> None:
        super().__init__(data, prefix=prefix)
        self.fields["hand_over_to"].choices = [("", _("Nobody chosen")), *people]  # type: ignore[attr-defined]


# Domain field names that belong to a differently named form field.
FIELD_ALIASES = {
    "quiet_hours.start": "start",
    "quiet_hours.end": "end",
    "quiet_hours.days": "days",
    "attachment_ids": "file",
    "school_id": "trust_wide",
    "person": "person_id",
    "emoji": None,
    "client_id": None,
    "conversation": None,
    "message": None,
}


class ExternalRequestForm(forms.Form):
    name = forms.CharField(label=_("Their name"), max_length=500)
    email = forms.CharField(label=_("Their work email address"), max_length=254)
    organisation_name = forms.CharField(label=_("Who they work for"), max_length=500)
    reason = forms.CharField(label=_("Why they need access"), max_length=5000, widget=forms.Textarea)
    conversation_ids = forms.TypedMultipleChoiceField(coerce=int, label=_("Conversations they join"))
    access_ends_on = forms.DateField(required=False, label=_("Last day of access"))

    def __init__(self, data: Mapping[str, Any] | None = None, *, conversations: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["conversation_ids"].choices = conversations  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    reason = forms.CharField(required=False, label=_("Reason"), max_length=2000, widget=forms.Textarea)


class ReviewForm(forms.Form):
    remove_ids = forms.TypedMultipleChoiceField(required=False, coerce=int, label=_("Take out"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note for the record"))

    def __init__(self, data: Mapping[str, Any] | None = None, *, members: list[int]) -> None:
        super().__init__(data)
        self.fields["remove_ids"].choices = [(m, str(m)) for m in members]  # type: ignore[attr-defined]


def show_error(form: forms.Form, error: StaffroomError, *, default_field: str | None = None) -> None:
    """Put a domain error beside the field it is about, or at the top of the form when it has none here.

    NotFound and PermissionDenied are not mistakes the person can correct in the form: they are raised again
    for `guards.signed_in` to answer with the 404 or 403 page."""
    if isinstance(error, NotFound | PermissionDenied):
        raise error
    field = error.field if error.field is not None else default_field
    if field in FIELD_ALIASES and field not in form.fields:
        field = FIELD_ALIASES[field]
    if field is not None and field not in form.fields:
        field = None
    form.add_error(field, error.message)


class ScimTokenForm(forms.Form):
    """A new SCIM token for the school's identity provider (admin console, /admin/scim/)."""

    label = forms.CharField(max_length=100, required=False, label=_("What it is for"))
    domain = forms.CharField(max_length=200, required=False, label=_("Domain of the school's addresses"))
    default_school_id = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label=_("School for people the directory gives none")
    )

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_school_id"].choices = [("", _("None: the directory says")), *schools]  # type: ignore[attr-defined]


class SignInForm(LoginForm):
    """allauth's sign-in form (ACCOUNT_FORMS), with what the page shows beside it: the single sign-on buttons of
    the organisations that offer them, and how long a lockout lasts."""

    @property
    def locked_out(self) -> bool:
        return any(error.code == "too_many_login_attempts" for error in self.non_field_errors().as_data())

    @property
    def lockout_minutes(self) -> int:
        """The longest window in which failures are counted (ACCOUNT_RATE_LIMITS "login_failed"): how long, at
        most, until signing in from here works again."""
        rates = parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])
        return max(1, math.ceil(max(rate.duration for rate in rates) / 60))

    @property
    def single_sign_on(self) -> list[tuple[str, str]]:
        """(button label, URL to post to) for each provider offered, named with its organisation only when several
        organisations share this server."""
        from allauth.socialaccount.adapter import get_adapter

        apps = get_adapter().list_apps(self.request)
        organisations = {app.staffroom_provider.organisation_id for app in apps}
        buttons = []
        for app in apps:
            label = _("Sign in with %(provider)s") % {"provider": app.name}
            if len(organisations) > 1:
                label = f"{label} ({app.staffroom_provider.organisation.name})"
            buttons.append((str(label), reverse("openid_connect_login", kwargs={"provider_id": app.provider_id})))
        return buttons


class SecondFactorRuleForm(forms.Form):
    second_factor = forms.ChoiceField(
        label=_("Who must use a second sign-in step"), choices=SecondFactorRule.choices, widget=forms.RadioSelect
    )


class SignInProviderForm(forms.Form):
    """One single sign-on provider. The secret is never sent back to the browser: left empty, the stored one stays."""

    client_id = forms.CharField(label=_("Client id"), max_length=191, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"), max_length=191, required=False, widget=forms.PasswordInput(render_value=False)
    )
    tenant = forms.CharField(label=_("Directory (tenant) id or primary domain"), max_length=100, required=False)
    allowed_domain = forms.CharField(label=_("Allowed email domain"), max_length=253, required=False)
    enabled = forms.BooleanField(label=_("Offer this on the sign-in page"), required=False)


class ResetSecondFactorForm(forms.Form):
    email = forms.EmailField(label=_("Their sign-in address"))
    reason = forms.CharField(label=_("How you checked it is really them"), max_length=500, widget=forms.Textarea)


# Django's own weekday names (lazy), so the checkboxes read in the page's language.
WEEKDAYS = [(str(i), name) for i, name in sorted(DJANGO_WEEKDAYS.items())]


class PreferencesForm(forms.Form):
    """A person's language, notifications and working hours (the profile page)."""

    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    notify = forms.ChoiceField(label=_("Notify me of"), choices=Notify.choices, widget=forms.RadioSelect)
    own_hours = forms.BooleanField(required=False, label=_("Use my own working hours, not the school's"))
    start = forms.CharField(required=False, max_length=5, label=_("Start (HH:MM)"))
    end = forms.CharField(required=False, max_length=5, label=_("End (HH:MM)"))
    days = forms.MultipleChoiceField(
        required=False, label=_("Working days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    sound = forms.BooleanField(required=False, label=_("Play a sound when a message arrives"))


class PostingRulesForm(forms.Form):
    """A class channel's posting hours for pupils (school days) and teacher-only mode."""

    pupil_hours_start = forms.TimeField(label=_("Pupils may post from"), required=False)
    pupil_hours_end = forms.TimeField(label=_("until"), required=False)
    staff_only = forms.BooleanField(label=_("Only staff can post (teacher-only mode)"), required=False)
