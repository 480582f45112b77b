"""allauth adapter: staff accounts are provisioned by the school, never by self sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class StaffroomAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
