"""Domain errors. Actions and queries raise these; the API maps them once to HTTP, the web layer to form errors."""

from django.utils.translation import gettext_lazy as _


class StaffroomError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        # Seconds after which the same request may succeed; sent as the Retry-After header.
        self.retry_after = retry_after


class Invalid(StaffroomError):
    """The input cannot be accepted as it stands; the message says what to change."""

    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class NotFound(StaffroomError):
    """Unknown, or not visible to the caller: the two are deliberately indistinguishable."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or str(_("Not found, or you do not have access to it.")))


class PermissionDenied(StaffroomError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or str(_("You do not have permission to do that.")))


class TooLarge(StaffroomError):
    status = 413
    code = "too_large"


class QuotaExceeded(TooLarge):
    """The person already holds as much as they may (e.g. files uploaded but not yet sent)."""

    code = "quota_exceeded"


class UnsupportedMedia(StaffroomError):
    status = 415
    code = "unsupported_media_type"


class ConfirmRequired(StaffroomError):
    """The send needs the sender to confirm first (a nudge): sent again with `confirmed: true`, it goes through.
    `findings` say what asked (for photos: `{"kind": "photo_faces", ...}`), never the matched content."""

    status = 409
    code = "confirm_required"

    def __init__(self, message: str, *, findings: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.findings = findings


class RateLimited(StaffroomError):
    """Too many of one thing too fast; `retry_after` is how many seconds until it is allowed again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str = "", *, field: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(
            message or str(_("Too many requests. Please wait a few seconds and try again.")),
            field=field,
            retry_after=retry_after,
        )


class Busy(StaffroomError):
    """The server is doing as much of this as it safely can at once; the same request later will work."""

    status = 503
    code = "busy"


class PostingRefused(Invalid):
    """A pupil may not post this here now: outside the class channel's posting hours (`outside_posting_hours`),
    in teacher-only mode (`staff_only`), or a link or file the school's policy keeps from pupils
    (`links_blocked`, `files_blocked`)."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(field, message)
        self.code = code


class Blocked(StaffroomError):
    """The school's safeguarding policy does not allow this here; nothing was written."""

    status = 422
    code = "blocked"

    def __init__(self, message: str, *, findings: list[dict[str, object]]) -> None:
        super().__init__(message, field="body")
        self.findings = findings


class ChecksUnavailable(Busy):
    """The safeguarding checks failed where the policy could block: nothing was sent, the same send later may
    go through."""

    code = "checks_unavailable"
