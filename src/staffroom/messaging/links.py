"""Does a message hold a link? As pupils type them, obfuscated or not, for the supervised-channel links policy.

A pure function of the text. A school that does not let pupils post links (`PupilPostingPolicy`) means web
addresses and ways of reaching someone elsewhere, however they are typed:

- a scheme or "www" ("https://...", "h t t p s : / /", "hxxp://", "www . site . co . uk");
- a domain with a common ending, plain ("example.com/x") or with the dot spelled out or spaced
  ("example dot com", "example(dot)com", "example [.] co . uk", "example .com");
- a link shortener, even without its dot ("bit ly/abc", "tinyurl com/x", "discord gg/abc");
- a handle given for a social platform ("insta: someone", "my snap is jake_2011", "@someone on tiktok",
  "name#1234" on Discord), and a plain one-word handle given as someone's account ("my snap is jakey",
  "her insta username is miab").

Ordinary sentences stay clear: a full stop followed by a space is the end of a sentence, not a spaced dot
("I'll come. Com..."), "dot" after a common word is a word ("dot the i's", "the dot com boom"), and numbers
with a decimal point are numbers (3.5).
"""

from __future__ import annotations

import re
import unicodedata

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# Endings typed as a link. Endings that are also English words ("it", "me", "co", "live", "shop") are left
# out, or need a path after them: "done.Me and him" is a missing space, not a domain.
_ENDING = (
    r"(?:(?:co|org|sch|ac|gov|nhs|ltd|me)\s*(?:\.|\(\s*dot\s*\)|\[\s*(?:dot|\.)\s*\]|\s+dot\s+)\s*uk|"
    r"com|org|net|uk|io|ly|gg|tv|app|info|biz|xyz|dev|ai|fm|ee|gl)"
)
_PLATFORM = (
    r"(?:insta|instagram|ig|snap|snapchat|tiktok|twitter|discord|telegram|whatsapp|kik|yubo|twitch|youtube|"
    r"facebook|fb|threads|wizz|bereal|onlyfans|reddit)"
)
_HANDLE = r"@?[a-z0-9._]{2,30}"
# A handle without an @ looks like one when it has a digit, an underscore or a dot ("jake_2011", "mia.b"):
# "my snap is broken" is not a handle.
# (A full stop at its end is the sentence's: "my insta is private." is not a handle.)
_HANDLE_LIKE = r"(?:@[a-z0-9._]{2,30}|(?=[a-z0-9._]*(?:[0-9_]|\.[a-z0-9]))[a-z0-9._]{3,30}(?<!\.))"
# A plain word after "my snap is" is a handle only when it ends what is said (the end, punctuation, an emoji,
# or "add me", "x"...), and is not one of the words people say about an account or an app ("my snap is
# broken", "my insta is private", "my tiktok is down") nor a word in -ed or -ing ("blocked", "glitching").
# "her snap is so funny" and "snap is a card game" go on after the word, so they are sentences.
_ABOUT_AN_ACCOUNT = (
    "down|up|broken|dead|gone|private|public|open|closed|locked|new|old|fine|ok|okay|back|off|on|empty|full|done|"
    "over|lost|fixed|frozen|slow|fast|laggy|glitchy|buggy|dry|quiet|active|inactive|mine|yours|his|hers|theirs|"
    "ours|same|different|better|worse|best|worst|good|bad|great|amazing|awesome|cool|nice|rubbish|trash|"
    "terrible|awful|funny|boring|weird|annoying|cringe|cringey|mid|fire|lit|wild|crazy|mad|insane|cute|pretty|"
    "ugly|sad|random|busy|silent|alive|fun|free|safe|unsafe|there|here|everything|nothing|life|spam|blank|"
    "secret|hidden|real|fake|not|too|very|really|literally|actually|still|always|never|just|kinda|lowkey|"
    "honestly|the|it|this|that|what|why|how|where|all|also|about|like|only|now|gonna|wrong|right|normal|"
    "basic|clean|famous|popular|big|small|tiny|huge|offline|online|none|nobody|someone|something|gross|"
    "useless|pointless|perfect|finished|blocked|banned|deleted|hacked|muted|frozen|down|broke|gone"
)
_PLAIN_HANDLE = (
    rf"(?!(?:{_ABOUT_AN_ACCOUNT})\b)(?![a-z]{{2,}}ing\b)(?![a-z]{{3,}}ed\b)[a-z][a-z0-9._]{{2,29}}(?<!\.)"
    r"(?=\s*(?:$|[^\sa-z0-9])|\s+(?:add|follow|dm|msg|message|hmu|text|lol|x+)\b)"
)
# Words that come before "dot" in a sentence ("the dot com boom", "a dot on the map").
_NOT_A_LABEL = (
    "the|a|an|this|that|of|and|or|to|in|on|at|is|was|my|your|his|her|our|their|big|small|little|each|every|"
    "one|polka|red|blue|black|green|full|decimal|bullet|dot"
)

_PATTERNS = [
    # A scheme or "www", as typed or spaced out.
    r"(?:https?|hxxps?|h\s*[t7x]\s*[t7x]\s*p\s*s?)\s*(?::|colon|;)?\s*/\s*/\s*\S",
    r"\bhxxps?\b",
    r"\bw\s*w\s*w\s*(?:\.|\(\s*dot\s*\)|\[\s*(?:dot|\.)\s*\]|\s+dot\s+|\s+)\s*[a-z0-9]",
    # A domain, as typed: "example.com", "mail.example.co.uk/path". Letters before the ending, never digits
    # alone, so 3.5 is a number.
    rf"\b{_LABEL}(?:\.{_LABEL})*\.{_ENDING}\b",
    rf"\b{_LABEL}(?:\.{_LABEL})*\.(?:me|co|to|be|it|in|is|live|site|online|shop|store|blog|link)\s*/\s*\w",
    # A spaced dot: a space before it ("example .com", "site . co . uk"), or after it when a path follows.
    rf"\b{_LABEL}\s+\.\s*{_ENDING}\b",
    rf"\b{_LABEL}\.\s+{_ENDING}\s*/\s*\w",
    # The dot spelled out or bracketed: "example dot com", "example(dot)com", "example [.] com", "d0t".
    rf"\b(?!(?:{_NOT_A_LABEL})\b){_LABEL}\s*(?:\(\s*(?:dot|d0t|\.)\s*\)|\[\s*(?:dot|d0t|\.)\s*\]|"
    rf"\{{\s*(?:dot|d0t|\.)\s*\}}|<\s*(?:dot|d0t|\.)\s*>|\s(?:dot|d0t|dawt)\s)\s*{_ENDING}\b",
    # A link shortener or invite with its dot left out or spaced, and a path: "bit ly/abc", "discord gg/x".
    r"\b(?:bit\s*[.\s]?\s*ly|tinyurl\s*[.\s]?\s*com|tinyurl|t\s*[.\s]\s*co|goo\s*[.\s]?\s*gl|linktr\s*[.\s]?\s*ee|"
    r"is\s*[.\s]\s*gd|cutt\s*[.\s]?\s*ly|rb\s*[.\s]\s*gy|ow\s*[.\s]\s*ly|discord\s*[.\s]?\s*gg|youtu\s*[.\s]?\s*be|"
    r"wa\s*[.\s]\s*me|t\s*[.\s]\s*me|shorturl\s*[.\s]?\s*at)\s*/\s*\w",
    # A domain with its dot left out before a path: "example com/page".
    r"\b[a-z0-9-]{2,}\s+(?:com|co\s+uk|org|net|io|ly|gg|tv|app|ee|gl)\s*/\s*\w",
    # A handle on a platform: "insta: someone", "ig - someone", "ig=@x" (or an en dash).
    rf"\b{_PLATFORM}\s*(?:[:=]|\s-|\u2013)\s*{_HANDLE}",
    rf"\b{_PLATFORM}\s*@[a-z0-9._]{{2,30}}",
    rf"\b(?:my|his|her|their|add me on|add him on|add her on|follow me on|follow him on|follow her on|dm me on|"
    rf"message me on|msg me on|hmu on|add me|follow me|find me on|im on)\s+{_PLATFORM}\s*"
    rf"(?:(?:is|name is|username is|handle is|name|username|handle|acc|account|account is|@)\s*)?{_HANDLE_LIKE}",
    rf"\b(?:my|his|her|their|our|your)\s+{_PLATFORM}\s+(?:(?:user\s*name|name|handle|account|acc|tag|id)\s+)?"
    rf"(?:is|:|=)\s*{_PLAIN_HANDLE}",
    rf"\b{_PLATFORM}\s+(?:user\s*name|handle|tag)\s*(?:is|:|=)?\s*{_PLAIN_HANDLE}",
    rf"@[a-z0-9._]{{2,30}}\s+on\s+{_PLATFORM}\b",
    # A Discord tag: "name#1234".
    r"\b[a-z0-9._]{2,32}#\d{4}\b",
]
_LINK = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\u2024": "."})  # ideographic and one-dot-leader full stops


def contains_link(text: str) -> bool:
    """Whether the text holds a web address or a handle to reach someone elsewhere (see the module)."""
    folded = unicodedata.normalize("NFKC", text).translate(_DOTS).lower()
    return _LINK.search(folded) is not None
