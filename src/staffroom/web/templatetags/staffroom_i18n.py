"""`{% html_lang %}`: the active language as a page's <html lang> says it (en-GB or cy)."""

from django import template

from staffroom.web.language import html_lang as active_html_lang

register = template.Library()


@register.simple_tag
def html_lang() -> str:
    return active_html_lang()
