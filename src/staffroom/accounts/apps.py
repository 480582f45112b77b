from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staffroom.accounts"
    label = "accounts"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from staffroom.accounts import actions

        def signed_in(sender: object, request: object, user: object, **kwargs: object) -> None:
            if user is not None:
                actions.record_sign_in(user)  # type: ignore[arg-type]

        def signed_out(sender: object, request: object, user: object, **kwargs: object) -> None:
            if user is not None:
                session = getattr(request, "session", None)
                actions.record_sign_out(user, session_key=session.session_key if session else None)  # type: ignore[arg-type]

        user_logged_in.connect(signed_in, dispatch_uid="staffroom.audit.sign_in", weak=False)
        user_logged_out.connect(signed_out, dispatch_uid="staffroom.audit.sign_out", weak=False)
