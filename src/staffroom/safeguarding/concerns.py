"""The concern categories: phrases that suggest a child may be at risk, read on the normalised words.

A phrase is a regular expression over `folding.words` (lower-case words one space apart, l33t as letters,
repeated letters as one, no apostrophes), written in ordinary spelling: `compile_phrases` spells its letters
the way `words` does ("kill" becomes "kil"), turns `(` into non-capturing groups and `~` into "up to three
other words" (`~1`: up to one). A rule is *strong* (one is enough) or *weak* (two different weak rules of
the category are needed, or a strong one): "don't tell anyone" alone is a surprise party; with "send me
pics" it is grooming. *Ordinary* phrases ("killing it in PE", "shoot me an email", "drugs education") cancel
any rule they overlap, so the rules can stay short.

Single words are rarely enough: most alarming words are ordinary school talk somewhere ("murder" in
Macbeth, "drugs" in PSHE, "Holocaust" in history), so the rules look for who does what to whom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext_lazy as _

from staffroom.safeguarding.phrases import PhraseIndex

Severity = Literal["low", "medium", "high"]

CATEGORIES = (
    "bullying",
    "grooming",
    "extremism",
    "self_harm",
    "violence",
    "drugs",
    "sexual_content",
    "discrimination",
)

# What each category is called where people read it (the DSL queue, the nudge, the docs).
CATEGORY_LABELS = {
    "bullying": _("Bullying"),
    "grooming": _("Grooming and sexual exploitation"),
    "extremism": _("Radicalisation and extremism"),
    "self_harm": _("Self-harm and suicide"),
    "violence": _("Violence and weapons"),
    "drugs": _("Drugs"),
    "sexual_content": _("Sexual content"),
    "discrimination": _("Discrimination"),
}


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: str
    severity: Severity
    reason: str
    strong: bool = True


def weak(pattern: str, severity: Severity, reason: str) -> Rule:
    return Rule(pattern, severity, reason, strong=False)


# Words the rules share. Written in ordinary spelling; `compile_phrases` squashes them.
YOU = "(you|u|ya|yu|him|her|them|everyone|every one|everybody|you all|yall)"
THEY = "(he|she|they|someone|somebody|a boy|a girl|a man|this man|this guy|a guy|an older boy|my step ?dad)"
WILL = (
    "(im|i am|ill|i will|i wil|im gonna|im going to|im gona|im finna|imma|ima|gonna|gona|going to|about to|"
    "i swear ill|i swear im|we will|well|were gonna|were going to|hes gonna|hes going to|shes gonna|"
    "theyre gonna|theyre going to|they will|i want to|i wanna|i wana|i could)"
)
SELF = "(my ?self|meself|mysef)"
OTHER_SELF = "(her ?self|him ?self|them ?selves|them ?self)"
WEAPON = (
    "(knife|knives|blade|shank|machete|zombie knife|gun|strap|weapon|knuckle duster|knuckle dusters|"
    "flick knife|kitchen knife|crowbar|acid|axe)"
)
PIC = "(pic|pics|picture|pictures|photo|photos|selfie|selfies|vid|vids|video|videos|snap|snaps|nudes|nude)"
GROUPS = (
    "(muslims|jews|jewish people|blacks|black people|asians|gays|gay people|immigrants|migrants|refugees|"
    "foreigners|pakis|poles|polish people|romanians|gypsies|travellers|trans people|lesbians|indians|"
    "africans|chinese people|arabs|christians|hindus|sikhs|women|girls|the jews|the muslims|the blacks|"
    "the gays|the immigrants|the poles|the gypsies|trannies|gypos|gyppos|pikeys|disabled people|the disabled|"
    "autistic people|asylum seekers|eastern europeans|pakistanis|bangladeshis|somalis|nigerians|"
    "jamaicans|mexicans|catholics|atheists|bisexuals|transgender people|gay men|homosexuals|females)"
)
SLURS = (
    "(nigger|niggers|nigga|niggas|nigah|paki|pakis|faggot|faggots|fag|fags|tranny|trannies|retard|retards|"
    "retarded|spastic|spaz|spacker|mong|mongoloid|chink|chinks|kike|kikes|gyppo|gippo|pikey|pikeys|wog|wogs|"
    "coon|coons|dyke|batty boy|battyboy|batty man|poof|poofter|towelhead|towel head|raghead|curry muncher|"
    "camel jockey|golliwog|sambo|yid|yids|shemale|bum boy|bumboy|monkey boy|lesbo|lesbos|lezza|lezzas|lezzer|"
    "lezzers|gaylord|gaylords|cripple|cripples|spakka|spacka|downie|downies|window licker|ching chong|"
    "ching chang chong|chingchong|slanty eyes|slitty eyes|slanty eyed|slitty eyed|chinky|chinky eyes|"
    "nignog|nig nog|jungle bunny|fenian|taig|shiksa|ni99a|ni99er|fa99ot)"
)
# The groups that are peoples, faiths, sexualities or disabilities (not "girls", whom a team beats or sends home).
PEOPLES = GROUPS.replace("|women|girls|", "|").replace("|females)", ")")
# Groups named one at a time, for "dirty immigrant" and its like.
MEMBER = (
    "(muslim|jew|black|asian|immigrant|migrant|refugee|foreigner|paki|pole|polack|romanian|gypsy|gyppo|"
    "traveller|pikey|arab|indian|african|chinese|foreign|polish|lesbian|gay|trans|tranny|homo|queer|"
    "terrorist|gypsies|gyppos|pikeys|pakis|jews|blacks|lesbians|gays|homos|queers|trannies|arabs|poles)"
)

RULES: dict[str, list[Rule]] = {
    "self_harm": [
        Rule(
            f"(kill|cut|cutting|burn|burning|starve|starving|strangle|hang|hanging|drown|poison|unalive|od) {SELF}",
            "high",
            "talks of harming themselves",
        ),
        Rule(
            f"(want|wanna|wana|going|gonna|gona|might|will|feel like|thinking of|thinking about|urge to|tempted to|"
            f"keep|cant stop|been|started|start) (to )?(hurt|hurting|harm|harming|cut|cutting|kill|killing) {SELF}",
            "high",
            "talks of harming themselves",
        ),
        Rule(
            f"(kill|killing|killed|hurt|hurting|harm|harming|cut|cutting|burn|burning|starve|starving|hang|hanged|"
            f"hanging|strangle|poison|overdose|unalive|unalived) {OTHER_SELF}",
            "high",
            "says someone is harming themselves",
        ),
        Rule(
            "(kms|kmsl|unalive|unaliving|sewerslide|suicide|suicidal|sucide|suicde|suicidle|suiside|kill me self)",
            "high",
            "mentions suicide",
        ),
        Rule(
            "(want|wants|wanted|wanna|wana|going|gonna|gona|ready|plan|planning|about|trying|tried) "
            "(to )?(die|end it all|"
            "end it|end my life|end everything|not be here|disappear forever|not wake up|never wake up|be dead)",
            "high",
            "says they want to die",
        ),
        Rule(
            "(end|ending|take|taking|ended|took) (my|my own|her own|his own|her|his) life",
            "high",
            "talks of ending a life",
        ),
        Rule(
            "(wish|wished) (i|id) (was|were|had|could) (dead|never born|not born|not here|gone|die|disappear|"
            "never been born|died)",
            "high",
            "wishes they were dead",
        ),
        Rule(
            "(better off|better of) (dead|without me|if i was gone|if i wasnt here|if i died|if i wasnt alive)",
            "high",
            "thinks others are better off without them",
        ),
        Rule(
            "(dont|do not|no longer|dont even|really dont) (want|wanna|wana) (to )?(be alive|live|be here "
            "anymore|exist|wake up|be here|carry on|go on)",
            "high",
            "does not want to live",
        ),
        Rule(
            "(no|nothing|no reason|no point) (left )?(to live for|in living|living)", "high", "sees no reason to live"
        ),
        Rule(
            "(nobody|no one|noone) (would|will|is gonna|is going to|gonna) (miss|care if|notice if) (me|i)",
            "high",
            "thinks no one would miss them",
        ),
        Rule("self (harm|harming|harmed|harms|harmer|injury|injuring)", "high", "mentions self-harm"),
        Rule("selfharm(ing|ed)?", "high", "mentions self-harm"),
        Rule(
            "(scars|cuts|marks|cut marks|burns|fresh cuts) (on|all over|up) (my|her|his|their) (arm|arms|wrist|wrists|"
            "legs|leg|thighs|thigh|stomach|body)",
            "high",
            "describes injuries of self-harm",
        ),
        Rule(
            f"{THEY} (has|have|is|was|s)? ?(been )?(cutting|self harming|burning) (again|herself|himself|themselves|"
            f"her arms|his arms|her wrists|his wrists)",
            "high",
            "says someone is self-harming",
        ),
        Rule("(overdose|overdosed|overdosing|took an overdose|od on|od ed)", "high", "mentions an overdose"),
        Rule(
            "(took|taken|take|swallowed|swallow|taking) (a load of|loads of|all of|all|a bunch of|too many|"
            "a handful of|"
            "a whole packet of|a packet of|the whole box of|lots of) (my |her |his |mums |the )?(pills|tablets|"
            "paracetamol|painkillers|meds|medication)",
            "high",
            "says pills were taken in quantity",
        ),
        Rule(
            "(jump|jumping|throw myself|throwing myself) (off|of|in front of) (a |the |this )?(bridge|roof|building|"
            "cliff|train|car|bus|car park)",
            "high",
            "talks of jumping",
        ),
        Rule("slit (my|her|his) (wrists|wrist|throat)", "high", "talks of cutting their wrists"),
        Rule("(noose|tie a rope)", "high", "mentions a noose"),
        Rule(
            "(making|make|made) (my ?self|her ?self|him ?self) (sick|throw up|puke|vomit) (after|every|when)",
            "medium",
            "describes making themselves sick",
        ),
        Rule(
            "(not eaten|havent eaten|hasnt eaten|stopped eating|not eating) (in|for) (days|a week|two days|three days|"
            "ages)",
            "medium",
            "describes not eating",
        ),
        weak("(i hate|hate|hating) (myself|my life|being alive|being me|my body)", "medium", "hates themselves"),
        weak(
            "(feel|feeling|im|i am|i feel so|im so|i feel) (so )?(worthless|hopeless|empty|numb|like a burden|"
            "a burden|useless|done with everything|done with life)",
            "medium",
            "says they feel worthless",
        ),
        weak(
            "(cant|can not|cannot) (go on|do this anymore|take it anymore|cope anymore|cope|keep going|take this)",
            "medium",
            "says they cannot go on",
        ),
        weak(
            "(whats the point|what is the point|there is no point|theres no point) (anymore|of living|in anything|"
            "of anything|in trying|of me|in me)?",
            "medium",
            "asks what the point is",
        ),
        weak("(goodbye|bye) (everyone|forever|world|guys forever|all)", "medium", "says goodbye"),
        weak("(this is|its) (my last|goodbye|the end)", "medium", "sounds like a last message"),
        weak(
            "(pills|tablets|paracetamol|rope|blade|razor|razors|sharpener blade|knife|bridge)",
            "medium",
            "mentions a means of harm",
        ),
    ],
    "bullying": [
        Rule(
            "(kys|kill yourself|kill urself|kill your self|kill ur self|go die|go and die|neck yourself|neck urself|"
            "unalive yourself|unalive urself|drink bleach|hang yourself|hang urself|jump off a bridge)",
            "high",
            "tells someone to harm themselves",
        ),
        Rule(
            "(nobody|no one|noone|everyone|every one|everybody|the whole class|the whole year|we all) "
            "(likes|like|hates|"
            "hate|wants|cares about|care about|wants you|can stand) (you|u|her|him)",
            "medium",
            "tells someone they are disliked",
        ),
        Rule(
            "(nobody|no one|noone) (would|will|is gonna|is going to|gonna) (miss|care about|notice|care if) "
            "(you|u|her|him)",
            "medium",
            "tells someone no one would miss them",
        ),
        Rule(
            "(youre|ur|you are|u r|your|u are|shes|hes|she is|he is|such a|what a) (so |such a |a |an |an absolute |"
            "a fat |a stupid |a dirty |a smelly |literally )?(ugly|fat|fat pig|pig|worthless|pathetic|loser|freak|"
            "disgusting|waste of space|waste of oxygen|waste of air|nobody|weirdo|mistake|fatso|ugly cow|"
            "slag|slut|skank|sket|tramp|minger|loner|smelly|stinks|stink|scum|vile|gross|ugly bitch|bitch|"
            "dog|donkey|reject|failure|embarrassment|retard)",
            "medium",
            "insults someone",
        ),
        Rule(
            "(bully|bullying|bullied|bullies|bulling|cyberbully|cyberbullying|cyberbullied|cyber bullying|"
            "cyber bullied) (me|her|him|them|my|us|again|every day|online|all the time|at lunch|at break|on snap|"
            "in the group chat)",
            "medium",
            "says someone is being bullied",
        ),
        Rule(
            "(being|been|getting|get|got|gets|is being|was being|im being|hes being|shes being) (bullied|picked on|"
            "cyberbullied|cyber bullied|targeted|harassed)",
            "medium",
            "says someone is being bullied",
        ),
        Rule("(picking|picks|picked|pick) on (me|her|him|my|them|us)", "medium", "says someone is picked on"),
        Rule(
            "(calling|calls|called|call) (me|her|him|my|them|us|[a-z]+) "
            "(names|horrible names|nasty names|fat|ugly|a freak|"
            "a loser|a slag|a slut|a pig|a weirdo|gay|a lesbian|a retard|smelly|a tramp|a nerd)",
            "medium",
            "says someone is called names",
        ),
        Rule(
            "(spreading|spread|spreads|spreaded) (rumours|rumors|lies|stuff|things|pictures|pics|photos) (about|of) "
            "(me|her|him|my|them|us|people)",
            "medium",
            "says rumours are spread",
        ),
        Rule(
            "(made|make|making|started|set up|created|create) (a |an )?(group ?chat|gc|page|account|instagram|"
            "insta|tiktok|fake account|fake page|snap group|hate page) (about|to make fun of|to laugh at|"
            "mocking|against|to rate|rating)",
            "medium",
            "says a page or group targets someone",
        ),
        Rule("(making|make|made|makes) fun of (me|her|him|my|them|us)", "medium", "says someone is mocked"),
        Rule(
            "(nobody|no one|noone) (sits|will sit|wants to sit|plays|wants to play|talks|will talk|speaks) (with|to) "
            "(me|her|him)",
            "medium",
            "says someone is left out",
        ),
        Rule(
            "(they|he|she|people|everyone|everybody|the girls|the boys|my friends) (keep|keeps|kept|always|wont "
            "stop|all|are always|were) (laughing at|ignoring|excluding|pushing|tripping|hitting|kicking|"
            "following|messaging|mocking|copying|threatening|teasing|leaving out|shoving) (me|her|him)",
            "medium",
            "describes repeated unkindness",
        ),
        weak(
            "(kicked|kicking|removed|left|leaving|chucked|blocked) (me|her|him) (out of|from) (the|our|their) "
            "(group|gc|chat|group chat|friendship group)",
            "low",
            "says someone was excluded from a group",
        ),
        weak(
            "(dont|do not) (come|bother coming) (in|to school|back) (tomorrow|monday|again)",
            "medium",
            "tells someone not to come in",
        ),
        weak(
            "(or else|you will regret it|youll regret it|ull regret it|watch yourself|better watch out)",
            "medium",
            "sounds like a threat",
        ),
        Rule(
            "(took|takes|taking|stole|steals|stealing|nicked|nicks) (my|her|his) (lunch money|money|phone|bag|lunch|"
            "pencil case|shoes|coat|stuff) (again|every day|every time|all the time)",
            "medium",
            "says things are taken repeatedly",
        ),
        weak(
            "(posted|posting|put|shared|sharing|sent) (a |an |that |the )?(video|vid|photo|pic|picture|screenshot|"
            "screenshots) (of|about) (me|her|him) (on|to|in|without)",
            "medium",
            "says a picture of someone was shared",
        ),
        weak(
            "(crying|cried|cries) (in the toilets|every day|because of them|because of her|because of him|at lunch|"
            "at break)",
            "low",
            "describes someone crying",
        ),
        weak("(hate|hates|hated) (you|u|her|him)", "low", "says someone is hated"),
    ],
    "grooming": [
        Rule(
            "(county lines|cuckooing|cuckooed|(running|run|runs|carry|carrying|carries|sell|selling|sells|deal|"
            "dealing|holding|hold|stash|stashing|drop|dropping) (drugs|packages|parcels|food|bags|stuff|bits|"
            "pills|weed|gear|a phone|phones|money|cash) for (some |a few |the |these )?(older|olders|him|them|a "
            "gang|the gang|gang|people|lads|men|guys|man|someone))",
            "high",
            "describes criminal exploitation",
        ),
        Rule("(being|been|was|is|getting|got|get|were) groomed", "high", "mentions grooming"),
        Rule(
            f"(asked|asking|asks|wants|wanted|keeps asking|kept asking|begging|begged) (me|her|him|them|us) for "
            f"(some |more |a |a few |another )?{PIC}",
            "high",
            "says someone is asking for pictures",
        ),
        Rule(f"{PIC} of (myself|herself|himself|themselves|yourself)", "high", "asks for pictures of a child"),
        Rule(
            "(send|sending|snd|sent) (me |him |her |us )?(your |ur |some |more |a )?(nudes|nude|naked pics|"
            "naked pic|naked photos)",
            "high",
            "asks for nude images",
        ),
        Rule(
            "(your|ur|my) (parents|mum|dad|mom|family|carers) (wouldnt|wont|would not|will not|dont|do not|"
            "shouldnt) (understand|get it|need to know|have to know|find out|like it|approve)",
            "high",
            "sets a child against their parents",
        ),
        weak(
            "(disappear anyway|will disappear|theyll disappear|itll disappear|they disappear|it disappears)",
            "medium",
            "says pictures will disappear",
        ),
        Rule(
            f"(asked|asking|asks|ask|wants|wanted|want|told|tells|keeps asking|kept asking|said|says|making|made|"
            f"pressuring|pressured|forcing|forced|begging|begged|keeps telling) (me|her|him|them|us)? ?(to )?send "
            f"(him|her|them|me|us)? ?(some |more |a |another |a few |his |her )?{PIC}",
            "high",
            "says someone is pressing for pictures",
        ),
        Rule(
            f"{PIC} (of|off) (you|u|yourself|urself|your self|ur self|your body|ur body|you in|u in)",
            "high",
            "asks for pictures of someone",
        ),
        Rule(
            f"{PIC} (in|without|with no|wearing) (your|ur|her|his|just your|only your|no) (underwear|bra|top|clothes|"
            f"shirt|pyjamas|pjs|bikini|swimsuit|knickers|pants|bath|shower|bed)",
            "high",
            "asks for intimate pictures",
        ),
        Rule(
            "(dont|do not|never|dnt|don|not to|not) (tell|say to|show) (your|ur|yr|my|her|his) (mum|mom|dad|parents|"
            "mam|step ?mum|"
            "step ?dad|teacher|teachers|carer|carers|family|nan|foster carer|social worker)",
            "high",
            "asks a child to keep something from the adults",
        ),
        Rule(
            "(our|its our|its our little|this is our|our little|be our) (little )?secret",
            "high",
            "asks to keep a secret",
        ),
        Rule("(mature|grown up) for (your|ur|her|his) age", "high", "flatters a child as mature for their age"),
        Rule("age (is|its) (just|only) a number", "high", "says age does not matter"),
        Rule(
            "(groomed|grooming|groom) (me|her|him|them|us|children|kids|girls|boys|a child|pupils)",
            "high",
            "mentions grooming",
        ),
        Rule(
            f"{THEY} (touched|touches|touching|tried to touch|keeps touching|kissed|tried to kiss|put his hand|"
            f"put her hand) (me|her|him|my)",
            "high",
            "describes unwanted touching",
        ),
        Rule(
            "(touched|touching|touch) (me|her|him|my) (inappropriately|where|in a way|down there|between|under)",
            "high",
            "describes unwanted touching",
        ),
        Rule(
            "(rape|raped|raping|rapist|sexual assault|sexually assaulted|sexually abused|sexual abuse|molested|"
            "molesting|abused me|abusing me|abusing her|abusing him)",
            "high",
            "describes sexual abuse",
        ),
        Rule(
            f"(share|post|send|leak|show|put|spread|sending|sharing|posting) (your|ur|her|his|my) {PIC} (to|with|"
            f"online|everywhere|on|round|around)",
            "high",
            "threatens to share intimate images",
        ),
        Rule("(sextortion|sextorted|sextorting)", "high", "mentions sextortion"),
        Rule(
            "(older|grown|grown up|adult|28 year old|30 year old|much older) (boyfriend|man|guy|bloke|men|friend) "
            "(who|that|keeps|wants|is|has|picks|gives|buys|bought|messages|texted|said|gave|sends|sent|pays)",
            "high",
            "describes a much older partner or friend",
        ),
        Rule(
            "(carry|carrying|hold|holding|drop|dropping|deliver|delivering|run|running|take|taking) (a |some |this |"
            "these |the )?(package|packages|parcel|parcels|bag|bags|stuff|food|bits|ting) (for|to) (him|them|"
            "me|some older|the olders|my cousin)",
            "high",
            "describes being used to carry things",
        ),
        Rule(
            f"(send|sent|sending) (me|him|her|them|us) (some |more |a |another |a few |your |ur )?{PIC} (and "
            f"dont|and not|dont|then delete|and delete|no one|nobody|its private|privately|only|just for me)",
            "high",
            "asks for pictures with secrecy",
        ),
        Rule(
            f"(snapchat|snap|telegram|kik|wickr|signal|whatsapp|discord|insta)? ?{PIC} (just for me|for my eyes only|"
            f"no one will see|nobody will see|will disappear|disappear anyway|then delete)",
            "high",
            "asks for pictures that will disappear",
        ),
        weak(
            f"(send|sent|sending) (me|him|her|them|us) (some |more |a |another |a few |your |ur )?{PIC}"
            f"(?! (of|from|for|off|to|about) (the|this|that|our|today|yesterday|last|all|your work|ur work|your "
            f"homework|ur homework|the trip|trip|display|sports|work|homework|year))",
            "medium",
            "asks for pictures",
        ),
        weak(
            "(dont|do not|never|dnt) (tell|say to|show) (anyone|anybody|no one|noone|nobody|a soul|your friends|ur "
            "friends)",
            "medium",
            "asks for secrecy",
        ),
        weak(
            "(keep|keeping) (this|it|us|our chats|our messages|these|what we) (between us|between you and me|"
            "secret|to yourself|quiet|hidden|private)",
            "medium",
            "asks for secrecy",
        ),
        weak(
            "(delete|deleted|clear|wipe) (this|the|our|these|ur|your|all the|all our) (chat|chats|messages|msgs|"
            "convo|conversation|texts|dms|snaps)",
            "medium",
            "asks for messages to be deleted",
        ),
        weak(
            "(no one|nobody|noone) (needs to|has to|will|would|gonna|is going to|can) (know|find out|see)",
            "medium",
            "says no one will know",
        ),
        weak(
            "(add|message|text|dm|msg) me on (snap|snapchat|insta|instagram|whatsapp|telegram|discord|kik|wickr|"
            "signal|tiktok)",
            "medium",
            "moves the conversation elsewhere",
        ),
        weak(
            "(move|switch|talk|chat|go) (to|on|over to|onto) (snap|snapchat|whatsapp|telegram|kik|discord|signal|"
            "wickr|a private app|somewhere private)",
            "medium",
            "moves the conversation elsewhere",
        ),
        weak(
            "(whats|what is|give me|send me|can i have|can i get) (your|ur) (snap|number|address|insta|"
            "home address|location)",
            "medium",
            "asks for private contact details",
        ),
        weak(
            "(meet|meet up|meeting|come and meet|come meet) (me|up|with me)? ?(after school|at the park|tonight|"
            "alone|secretly|in town|behind|at mine|at my house|at my flat|in my car|this weekend|on your own)",
            "medium",
            "asks to meet",
        ),
        weak(
            "(come|get in|coming) (to|round|over to|into) (my|mine) (house|car|flat|place|room|van)",
            "medium",
            "invites a child round",
        ),
        weak(
            "(ill|i will|i can|i could) (pick you up|buy you|get you|give you|pay you|send you) ?(a |some )?"
            "(new phone|trainers|money|cash|vape|vapes|gift|present|credit|phone credit|gift card|anything|"
            "designer|clothes|weed|alcohol|drink)?",
            "medium",
            "offers gifts or lifts",
        ),
        weak(
            "(are you|r u|are u|you) (alone|home alone|by yourself|on your own|in bed|in your room)",
            "medium",
            "asks whether a child is alone",
        ),
        weak(
            "(are|r) (your|ur) (parents|mum|dad|mom|carers) (home|in|out|around|asleep|there|watching)",
            "medium",
            "asks whether the parents are around",
        ),
        weak(
            "(how old are you|how old r u|hw old r u|whats your age|what age are you|asl)",
            "medium",
            "asks a child's age",
        ),
        weak(
            "(you can trust me|u can trust me|i wont tell|trust me|i understand you better|nobody understands you "
            "like)",
            "medium",
            "builds trust",
        ),
        weak(
            "(special|secret) (friend|friendship|relationship|girl|boy|games|game)",
            "medium",
            "speaks of a special relationship",
        ),
        weak("(turn|put|switch) (on )?(your|ur) (camera|cam|webcam|video)( on)?", "medium", "asks for the camera"),
        weak("(what are you|what r u|wat r u|what you) (wearing|wearin)", "medium", "asks what a child is wearing"),
        weak(
            f"{THEY} (gave|gives|bought|buys|keeps giving|got) (me|her|him) (money|cash|weed|vapes|a vape|a phone|"
            f"alcohol|drink|drinks|trainers|a new phone|presents|gifts|free)",
            "medium",
            "describes gifts from someone",
        ),
        weak("(i love you|i luv you|love you babe|luv u babe|i love u)", "low", "declares love"),
        weak(
            "(you|u) (look|looked|are|r) (so )?(hot|sexy|fit|pretty|beautiful|gorgeous|stunning)",
            "medium",
            "compliments looks",
        ),
    ],
    "extremism": [
        Rule(
            "(jihad|jihadi|jihadis|jihadist|jihadists|caliphate|kuffar|kufar|kafir|kafirs|mujahideen|mujahedeen)",
            "high",
            "uses jihadist language",
        ),
        Rule(
            "(join|joining|joined|support|supporting|supports|fight for|fighting for|die for|dying for|pledge to|"
            "loyal to|recruit for|recruiting for) (isis|isil|daesh|the caliphate|the jihad|al qaeda|the taliban|"
            "hamas|national action|the klan|the ku klux klan|patriotic alternative|the brotherhood|"
            "britain first|atomwaffen|"
            "the base|the cause|the movement|the ummah|the white race)",
            "high",
            "speaks of joining an extremist group",
        ),
        Rule(
            "(white power|white pride|white genocide|white supremacy|white supremacist|white lives matter|"
            "white race|race war|racewar|great replacement|remigration|blood and soil|ethnostate|zog|"
            "accelerationism|accelerationist|day of the rope|rahowa|kill all|1488|14 88|14 words|"
            "it is ok to be white|its ok to be white)",
            "high",
            "uses far-right extremist language",
        ),
        Rule(
            "(heil hitler|sieg heil|seig heil|hail hitler|heil|gas the|gas them|gas all|zyklon)",
            "high",
            "uses Nazi slogans",
        ),
        Rule(
            "hitler (was|did|is) (right|nothing wrong|a hero|a legend|a genius|good|my hero|the goat|based)",
            "high",
            "praises Hitler",
        ),
        Rule(
            f"(kill|killing|exterminate|exterminating|deport|deporting|gas|gassing|wipe out|get rid of|purge|"
            f"cleanse|burn|bomb|shoot|gun|gun down|nuke|blow up|lynch|hang|stab|slaughter|murder) (all )?(the |all "
            f"the |every |these |those |of the |them )?{GROUPS}",
            "high",
            "calls for violence against a group",
        ),
        Rule(
            f"{GROUPS} (are|r) (invading|taking over|replacing|out breeding|outbreeding|colonising|a disease|"
            f"vermin|parasites|cockroaches|rats|animals|subhuman|the enemy|destroying our)",
            "high",
            "dehumanises a group",
        ),
        Rule(
            "(blow|blowing|blew|bomb|bombing|burn|burning|torch|attack|attacking) (up |down )?(the|a|our|this|that|"
            "every) (school|mosque|mosques|church|churches|synagogue|synagogues|temple|gurdwara|parliament|"
            "concert|festival|mall|shopping centre|station)",
            "high",
            "talks of attacking a place",
        ),
        Rule(
            "(make|making|build|building|made|built|how to make) (a |an )?(bomb|pipe bomb|nail bomb|explosive|"
            "explosives|ied|molotov)",
            "high",
            "talks of making a bomb",
        ),
        Rule("(martyr|martyrdom|shaheed|shahid|die a martyr|become a martyr)", "high", "speaks of martyrdom"),
        Rule(
            "(tarrant|breivik|christchurch shooter|buffalo shooter|mcveigh|dylann roof|anders breivik) (was|is|did) "
            "(right|a hero|a saint|a legend|based|the goat)",
            "high",
            "praises a terrorist",
        ),
        Rule("saint (tarrant|breivik|roof)", "high", "praises a terrorist"),
        Rule(
            "(radicalised|radicalized|being radicalised|being radicalized|radicalising|radicalizing|groomed online "
            "by|extremist (views|videos|content|material|propaganda|group|groups|ideas|sites|chats|stickers|flags)|"
            "terrorist (videos|propaganda|material|content|attack videos)|beheading videos|beheading video)",
            "high",
            "mentions radicalisation or extremist material",
        ),
        weak(
            "(isis|isil|daesh|al qaeda|taliban|national action|ku klux klan|nazis|nazi|neo nazi|swastika|swastikas|"
            "infidels|infidel|crusade|holy war|the west is|kafir)",
            "medium",
            "mentions an extremist group or symbol",
        ),
        Rule(
            "(they|these people|them|muslims|jews|immigrants|migrants|refugees|foreigners) (should|must|need to|"
            "have to|deserve to) (die|be killed|be shot|be gassed|go back|be sent back|be deported|burn|pay)",
            "high",
            "says a group deserves harm",
        ),
        weak(
            "(our country|our people|our race|our women|our land|this country) (is|are) (being )?(invaded|taken over|"
            "replaced|stolen|destroyed|dying)",
            "medium",
            "uses replacement language",
        ),
        Rule(
            "(watch|watched|watching|check out|share|shared) (this|these|his|the) (videos|video|vids|channel|"
            "speeches|speech|telegram|chat|livestream) (from|by|of) (the )?(brotherhood|national action|patriotic "
            "alternative|britain first|isis|the caliphate|the movement|the cause)",
            "high",
            "shares extremist material",
        ),
    ],
    "violence": [
        Rule(
            f"{WILL} (kill|stab|shank|shoot|merk|batter|beat|beat up|smash|smack|slap|punch|hurt|jump|bang|knock out|"
            f"end|glass|wet|rush|ching|cut|strangle|choke|burn|murder|knife|gun|headbutt|drown|break|slice|"
            f"destroy|hit|kick|deck|lamp|bottle|acid|slash) {YOU}(?! (at|in|on) (fifa|fortnite|chess|football|the "
            f"match|the quiz|uno|cards|netball|ping pong|table tennis|the race|rocket league|minecraft|cod|call of "
            f"duty|the game|pe|sports day|a race|monopoly|scrabble|maths|quiz|tennis|badminton|mario kart|"
            f"rounders|cricket|basketball|the test|the exam|a game|the tournament|kahoot|dodgeball|golf|the "
            f"sprint|darts|pool|snooker)| with kindness| if they| to it| to the| for the| up a| up to)",
            "high",
            "threatens to hurt someone",
        ),
        Rule(
            f"(bring|bringing|brought|brings|carry|carrying|carries|carried|pulled|pull|pulling|pulled out|flashed|"
            f"flashing|showed|showing|waving|waved|hiding|hid|hides|keep|keeps|keeping) (a|his|her|my|their|the|"
            f"them|a big|out a|out his|out her|out the|round a)? ?{WEAPON}",
            "high",
            "mentions carrying a weapon",
        ),
        Rule(
            f"{WEAPON} (in|into|to|at) (school|his bag|her bag|my bag|his blazer|her blazer|his pocket|her pocket|"
            f"my pocket|his locker|her locker|my locker|the toilets|his waistband|the bus|the field|the gates|"
            f"class|lesson|the park)",
            "high",
            "places a weapon at school or on a person",
        ),
        Rule(
            f"(got|has|have|had|owns|bought|buying|buy|ordered) (a|his|her|my|an|their)? ?{WEAPON} (on him|on her|on "
            f"me|for protection|to protect|in case|to use|for school|to bring|for after school|for tomorrow|"
            f"to sort|to deal with)",
            "high",
            "mentions having a weapon",
        ),
        Rule(
            "(got|get|getting|gets|been|was|were|is being|getting|gonna get|going to get) (jumped|stabbed|shanked|"
            "shot|beaten up|battered|merked|rushed|glassed|slashed|chinged|knifed|mugged|strangled|punched|kicked "
            "in|kicked|beaten|attacked|assaulted|bottled|acid attacked|set on)",
            "high",
            "says someone was attacked",
        ),
        Rule(
            f"{THEY} (punched|kicked|hit|hits|slapped|headbutted|strangled|choked|stamped on|beat|beats|hurt|hurts|"
            f"hurting|burned|burnt|threw|attacked|pushed|shoved|bit|bites|smacked|whacked|battered|strangles|"
            f"chokes) (me|her|him|my|them|us)(?! (up|with a question|back with|in the face with a ball))",
            "high",
            "says someone was hurt",
        ),
        Rule(
            "(fight|fighting|scrap|scrapping|beef|mass fight|brawl|rumble) (after school|at the gates|at lunch|"
            "behind the|on the field|at the park|tomorrow|at break|at the bus stop|outside the shop|by the shops|"
            "at 3|at three|on road|at home time|after the bell|near the chippy|in the car park|arranged|is on)",
            "medium",
            "talks of an arranged fight",
        ),
        Rule(
            "(watch your back|watch ur back|your dead|youre dead|ur dead|you are dead|u r dead|ur finished|youre "
            "finished|you are finished|youre getting it|ur getting it|you getting it|hes dead|shes dead|"
            "he is dead|she is dead|theyre dead)(?! (tired|funny|good|right|easy|serious|boring|late|excited|nice))",
            "medium",
            "threatens someone",
        ),
        Rule(
            "(wait till|wait til|wait until|wait until|when) i (see|catch|get|find) (you|u|him|her|them|ya)",
            "medium",
            "threatens someone",
        ),
        Rule(
            "(catch|see|meet) (you|u|ya|him|her) (outside|after school|on road|round the back|at the gates|behind "
            "the)(?! (for a chat|for a coffee|to talk|and we can|for|to go))",
            "medium",
            "threatens someone",
        ),
        Rule(
            "(shoot|shooting|shot) up (the|this|that|our|a) (school|class|place|mosque|church)",
            "high",
            "talks of a shooting",
        ),
        Rule(
            "(school|mass) (shooting|shooter|stabbing|massacre)(?! (drill|in the news|news|documentary|in america|"
            "in the us))",
            "high",
            "mentions a school attack",
        ),
        Rule(
            "(domestic violence|domestic abuse|dv at home|hits my mum|hits mum|beats my mum|beats mum|hits us|"
            "beats us|hurts my mum|hurts mum|throws things at)",
            "high",
            "describes violence at home",
        ),
        Rule(
            f"(threatened|threatening|threatens|threaten) (to )?(stab|shoot|kill|beat|hurt|batter|jump|knife|slash|"
            f"burn|acid) ?{YOU}?",
            "high",
            "reports a threat",
        ),
        Rule(
            f"(threatened|threatening|threatens) (me|her|him|them|us|my) with (a )?{WEAPON}",
            "high",
            "reports a threat with a weapon",
        ),
        weak(
            "(knife|knives|gun|guns|machete|blade|shank|zombie knife|strap|knuckle duster)",
            "medium",
            "mentions a weapon",
        ),
        weak(
            "(blood|bleeding|bled|stab|stabbed|stabbing|stab wound|shoot|shot|gang|gangs|postcode war|opps|opp|"
            "drill|smoke|ride out|ride on|slide|sliding|link up)",
            "low",
            "uses words of violence",
        ),
    ],
    "drugs": [
        Rule(
            "(smoke|smoking|smoked|smokes|want|wants|need|needs|sell|selling|sells|sold|buy|buying|bought|"
            "got|get|some|a bag of|bag of|"
            "the|blaze|blazing|roll|rolling|smell|smells|smelled|smelt|stinks of|stink of|high on|stoned on|on|"
            "pass the|skunk|his|her|my|any|of|grow|growing|with|has|have) (weed|bud|green|skunk|cannabis|crack|"
            "spliff|zoot|zoots|spliffs|joint|joints|blunt|blunts|dope|hash|grass|kush|haze|thc)(?! (is|was|lesson|"
            "leaf|education|awareness|and alcohol|policy|bill|on the field|in the|by the|near the|cutting|cuttings|"
            "seed|seeds|verge|pitch|area|snake|bank|roots|planning|rota|meeting|list|effort|venture|account))",
            "medium",
            "talks of cannabis",
        ),
        Rule(
            "(cocaine|ketamine|mdma|ecstasy|heroin|meth|methamphetamine|crystal meth|xanax|xans|xannies|benzos|"
            "valium|diazepam|lsd|acid tabs|shrooms|magic mushrooms|monkey dust|mcat|meow meow|"
            "nitrous|laughing gas|whippets|poppers|codeine|purple drank|percocet|percs|fentanyl|"
            "edibles|thc|cannabis|skunk|spliff|spliffs|zoot|zoots|ket|kush)"
            "(?! (education|awareness|lesson|lessons|unit|policy|talk|topic|workshop|assembly|programme|session|"
            "sessions|leaflet|video|worksheet|machine|zero|can|cans|float|and mentos|bottle|bottles|cola|"
            "or pepsi|rack|girls|cake|latte|pumpkin|chicken|chicken nuggets|tin|of the day|on the field|in the "
            "canteen|cutting|verge|is brown|is green|snake|seed|seeds|bank|cuttings|needs cutting))",
            "medium",
            "names a drug",
        ),
        Rule(
            "(selling|sell|sells|sold|dealing|deals|deal|dealer|dealers|shotting|shots|shotter|plug|run|running|want|need|"
            "anyone want|anyone got|got any|buy|buying|bought|"
            "pushing|pusher|taking|doing|do|on|tried|try|trying|smoking|bring|brought|bringing|carrying|got|"
            "hiding) (some |any |more )?(drugs|pills|gear|coke|charlie|lean|bud|dope|crack|pingers|beans|grams|ounces|"
            "mandy|molly|spice|nos|oxy|"
            "baggies)(?! (education|awareness|"
            "lesson|talk|policy|unit|topic|workshop|assembly|programme|session|leaflet|dog|dogs|for my headache|"
            "for his headache|for her headache|for hay fever|from the doctor|from the gp|from the pharmacy|"
            "for the trip|in the medical room|trial|trials))",
            "medium",
            "talks of taking or selling drugs",
        ),
        Rule(
            "(drug dealer|drug dealers|drug dealing|drug deal|drug deals|county lines|trap house|trapping|"
            "my plug|the plug|his plug|her plug|a plug|drug run|drug runs|drug money|drugs money)"
            "(?! (socket|in|is loose|for the|for my|extension|adapter|adaptor|point|board))",
            "high",
            "talks of drug dealing",
        ),
        Rule(
            "(get|getting|got|gets|was|were|is|be|being|im|hes|shes|theyre|so|proper|well|absolutely|mad|always|"
            "came in|come in|comes in|totally|completely) (so |proper |well |completely |totally )?(high|"
            "stoned|baked|blazed|zooted|mashed|wrecked|wasted|off his face|off her face|off my face|off their faces|"
            "fried|lit|tripping|buzzing off|mongged|monged|gouching)(?! (marks|mark|grades|grade|score|scores|"
            "results|on the|up|enough|standards|expectations|five|fives|school|a cake|cake|bread|biscuits|"
            "potatoes|cookies|in class|my|our|their|quality|praise|hopes|achievers|ability|level|levels|"
            "attaining|attainers|priority|sugar|energy|on sugar|by|in the sky|at the moment|at the top|that|for|"
            "to|from|because|when|"
            "it|this|the|as|bean|beans|with))",
            "medium",
            "says someone is intoxicated",
        ),
        Rule(
            "(line|lines|bump|key|gram|grams|g|eighth|q|quarter|ounce|zed|nine bar|henny|half|bag|baggie|tab|tabs|"
            "pill|cap|caps) of (coke|charlie|ket|mandy|md|mdma|snow|bud|weed|green|skunk|white|crack|acid|"
            "pingers|molly)",
            "medium",
            "talks of a drug quantity",
        ),
        Rule(
            "(popping|popped|pop|poppin|dropping|dropped|drop|snorting|snorted|snort|sniffing|sniffed|injecting|"
            "injected|necking|necked) (pills|a pill|xans|percs|molly|mandy|md|ket|coke|a line|lines|pingers|"
            "beans|tabs|acid|nos|balloons|gas)",
            "medium",
            "talks of taking drugs",
        ),
        Rule(
            "(vape|vapes|vaping|pen|carts|cart|gummies|gummy|sweets|brownies|brownie) (with|of|full of|got|has|"
            "had|contains|laced with|spiked with)? ?(thc|weed|cannabis|spice|wax|ket|dabs)|(thc|weed|spice|wax|"
            "cannabis) (vape|vapes|pen|pens|cart|carts|gummies|gummy|sweets|brownie|brownies|oil)",
            "medium",
            "talks of a drug vape or edible",
        ),
        Rule(
            "(spiked|spike|spiking) (my|her|his|their|your|ur|someones) (drink|drinks)",
            "high",
            "describes drink spiking",
        ),
        Rule(
            "(drunk|hammered|smashed|pissed|tipsy|wasted) (at school|in school|in lesson|in class|in registration|"
            "on the bus|this morning|again at|before school)",
            "medium",
            "describes a pupil intoxicated in school",
        ),
        Rule("(nitrous|nos|laughing gas) (canisters|cans|balloons|bottles)", "medium", "mentions nitrous oxide"),
        weak(
            "(drugs|drug)(?! (education|awareness|lesson|lessons|unit|policy|talk|topic|workshop|assembly|programme|"
            "session|sessions|leaflet|dog|dogs|trial|trials|company|companies|testing|test|tests|misuse act|"
            "and alcohol))",
            "medium",
            "mentions drugs",
        ),
        weak(
            "(vape|vapes|vaping|vaped|weed|wed|bud|green|dealer|score|scoring|stash|stashed|munchies|smell of|"
            "smells of|reeks of|reeked of|reek of)",
            "low",
            "uses words linked to drugs",
        ),
    ],
    "sexual_content": [
        Rule(
            "(porn|porno|pornography|pornographic|pornhub|xvideos|xhamster|onlyfans|only fans|brazzers|xxx videos)",
            "medium",
            "mentions pornography",
        ),
        Rule(
            "(nudes|nude pics|nude photos|nude pic|nude photo|naked pics|naked photos|naked pic|naked photo|naked "
            "video|naked selfie|naked pictures|dick pic|dick pics|cock pic|tit pic|tit pics|boob pic|boob pics|"
            "sexting|sexted|sext|sexts|sex tape|sex video|sex vid|sex videos|sex pics|sex photos|"
            "explicit video|explicit videos|explicit pics|explicit photos|explicit images|explicit picture|"
            "explicit pictures|explicit content|sexual images|sexual photos|sexual videos|sexual content|"
            "sexual pictures|indecent images|indecent photos|indecent pictures|indecent image)",
            "medium",
            "mentions sexual images",
        ),
        Rule(
            "(having|had|have|wanna have|want to have|wana have|gonna have|did|do|doing|does|wants|want) sex"
            "(?! (education|ed|and relationships|lessons|discrimination))",
            "medium",
            "talks about sex",
        ),
        Rule(
            "(blowjob|blowjobs|blow job|blow jobs|bj|bjs|handjob|handjobs|hand job|hand jobs|fingered|"
            "fingering her|finger her|fingered her|horny|wank|wanking|wanked|jerk off|jerking off|jacking off|"
            "masturbate|masturbating|masturbation|cum|cumming|shagging|shagged|shag her|shag him|shagged her|"
            "got laid|get laid|lose my virginity|lost my virginity|lost her virginity|lost his virginity|"
            "threesome|orgasm|boner|hard on|hardon|deepthroat)",
            "medium",
            "uses sexual language",
        ),
        Rule(
            "(his|her|your|ur|my|their|a|the|suck my|suck his|show me your|show me ur|send me your|send me ur|"
            "flashed his|flashed her|flash your|flash ur|get your|get ur) (dick|dicks|cock|cocks|pussy|tits|"
            "boobs|titties|knob|bellend|balls|willy|fanny|penis|vagina|nipples|nips|bum|arse|ass)"
            "(?! (whittington|cheese|of the|tits|shape|ball|on the|in the|off|to the|(on)? time))",
            "medium",
            "names body parts sexually",
        ),
        Rule(
            "(sent|send|sends|sending|shared|share|sharing|posted|airdropped) (him|her|me|them|everyone|us)? ?(a )?"
            "(nude|nudes|naked one|naked photo|naked pic)",
            "medium",
            "mentions sharing nude images",
        ),
        Rule(
            "(aubergine splash|aubergine peach|peach aubergine|aubergine tongue|tongue peach|peach splash|"
            "splash aubergine|aubergine aubergine|peach peach)",
            "medium",
            "uses sexual emoji",
        ),
        Rule(
            "(send|sent|showed|show|shows|showing|airdropped|airdrop|airdropping|shared|sharing) (me|him|her|"
            "everyone|us|them|the class|the group|round|around)? ?(a |an |some |his |her |the )?(nude|naked|"
            "explicit|sexual|dirty|rude|sexy|x rated|18 plus|adult|inappropriate) (pic|pics|photo|photos|video|"
            "videos|vid|vids|picture|pictures|image|images|content|clip|clips|snaps|snap)",
            "medium",
            "mentions sharing sexual images",
        ),
        Rule(
            "(18|18 plus|adult|x rated|nsfw) (sites|site|videos|video|content|pics|photos|films|material|websites|"
            "website|stuff|clips)(?! (education|learning|learners|social care|services|literacy))",
            "medium",
            "mentions adult content",
        ),
        Rule(
            "(sexy|sexual|dirty|naughty|rude) (pics|photos|selfies|snaps|chat|chats|talk|messages|texts|stuff|"
            "things|role ?play|videos|vids)",
            "medium",
            "talks about sexual messages",
        ),
        weak(
            "(sex|sexy|sexual|naked|nude|strip|stripping|undress|undressed|bra|knickers|thong|lingerie|underwear|"
            "in bed|kinky|slutty|seductive)(?! (education|ed|and relationships|discrimination|reproduction|"
            "characteristics|cells|organs|of the|hormones|chromosomes|harassment training|differences|"
            "abuse training|offenders register|offender|offenders|appropriate))",
            "low",
            "uses sexual words",
        ),
    ],
    "discrimination": [
        Rule(SLURS, "medium", "uses a slur"),
        Rule(
            "(being|been|was|were|is|are|hes|shes|theyre|its|so|really|proper|very|super|bare|lowkey) "
            "(racist|homophobic|transphobic|biphobic|sexist|misogynistic|islamophobic|antisemitic|anti semitic|"
            "ableist|disablist|xenophobic|prejudiced|bigoted) (to|towards|at|about|against|with)",
            "medium",
            "reports discriminatory behaviour",
        ),
        Rule(
            f"(kill|killing|gas|gassing|bomb|bombing|shoot|shooting|exterminate|exterminating|wipe out|wiping out|"
            f"burn|burning|hang|hanging|lynch|lynching|murder|slaughter|stab|attack|beat up|batter|smash) (all |"
            f"every )?(the |these |those |them |of the |all the |all of the )?{PEOPLES}",
            "medium",
            "calls for violence against a group",
        ),
        Rule(
            f"(send|sent|sending|ship|shipped|shipping|kick|kicked|kicking|chuck|chucked|throw|threw|boot|booted) "
            f"(all )?(the |these |those |them |all the |all of the )?{PEOPLES} (home|back|out|away|out of (the|"
            f"this|our) country)",
            "medium",
            "calls for a group to be removed",
        ),
        Rule(
            "(holocaust|the holocaust|shoah) (never happened|didnt happen|did not happen|is fake|was fake|is a lie|"
            "was a lie|is a hoax|was a hoax|is made up|was made up|wasnt real|was not real|is exaggerated|was a "
            "myth|is a myth)|(black lives|blm) (dont|do not|doesnt|does not|dont even) matter|(disgrace|traitor|"
            "embarrassment|shame) to (your|ur|his|her|their|the) (race|religion|people|kind|colour|country|"
            "gender)|(stop|dont|quit|stop being|why are you) (acting|being|talking|sounding|speaking|dressing) "
            "(so )?(black|white|gay|girly|like a girl|like a gay|like a poof|like a lesbian|like a tranny)",
            "medium",
            "uses discriminatory language",
        ),
        Rule(
            "(gay|retarded|retard|autistic|spastic|spaz|gypsy|paki|jew|jewish|lesbian|girl|queer|trans|disabled|"
            "special needs|sped|downs|muslim|black|ginger) as (an insult|a joke|a swear word|a swear|a put down|"
            "an insult)|(making|made|make|makes|cracking|cracked|crack|telling|told|tell|tells|posting|posted|"
            "sharing|shared) (racist |sexist |homophobic |horrible |nasty |sick )?(jokes|memes|comments) about "
            "(his|her|their|my|the|jews|muslims|black|gay|trans|disabled|[a-z]+s) ~2 (wheelchair|disability|"
            "religion|skin|colour|race|hijab|turban|accent|sexuality|gender|culture|country|family|mums|dads|"
            "people|kids|students|pupils|boys|girls)|(throwing|threw|throw|throws|put|putting|puts|shoved|"
            "shoving|waving|waved|wave|rubbing|rubbed) (bacon|pork|ham|sausages|a sausage|pork scratchings) "
            "(at|in|on|into|near|under)",
            "medium",
            "mocks someone for who they are",
        ),
        Rule(
            f"(dirty|filthy|smelly|stinking|stinky|thieving|scummy|scrounging|bloody|fucking|fking|effing|stupid|"
            f"typical|sneaky|greedy) {MEMBER}s?(?! (history|rights|culture|food|festival|month|week|community "
            f"centre|club|society|literature|author|authors|heritage|support))",
            "medium",
            "uses a group as an insult",
        ),
        Rule(
            f"{GROUPS} (are|r|is) (all )?(mentally ill|sick|freaks|perverts|paedos|pedos|peados|groomers|"
            f"unnatural|an abomination|abominations|not real|fake|evil|inferior|stupid|thick|lazy|dangerous|"
            f"savages|terrorists|thieves|all the same|the problem|the worst|going to hell|gonna burn in hell|sinners|"
            f"sinful|trash|rubbish|scum|gross|weird|"
            f"disgusting|vile|a joke|nothing|second class|dirty|smelly|taking our jobs|taking over|ruining "
            f"everything|ruining this country|killing this country|the reason)",
            "medium",
            "demeans a group",
        ),
        Rule(
            f"{GROUPS} (smell|stink|smell bad|reek|should die|deserve to die|should be shot|should be gassed|"
            f"cant be trusted|dont belong|dont belong here|shouldnt be allowed|shouldnt exist|should not exist|"
            f"arent welcome|are not welcome|not welcome|not allowed|arent allowed|arent human|are not human|"
            f"arent real people|get everything|get everything free|take all the|steal everything|breed like|"
            f"run everything|control everything|control the|own the|run the world|rule the world)",
            "medium",
            "demeans a group",
        ),
        Rule(
            f"no {GROUPS} (allowed|welcome|here|in our|in this)|(jews|zionists|jewish people|the jews) (run|runs|"
            f"control|controls|own|owns) (everything|the world|the media|the banks|the government|hollywood|"
            f"it all|the money)",
            "medium",
            "demeans a group",
        ),
        Rule(
            "(go|get|fuck off|fuck of|piss off|sod off|go home|goes|going|went|sent|send (him|her|them)) back "
            "(to )?where (you|u|ya|they|he|she|ur lot|your lot|your family) (came|come|are) from",
            "medium",
            "tells someone to go back where they came from",
        ),
        Rule(
            "(fuck|fuck|piss|sod|clear|jog) (off|of) back (to|home to) [a-z]+|(go|get|go on|just go|you can go|"
            "should go|should all go|can all go|why dont you go|go home|send them|send him|send her|sent them) "
            "back (to|home to) (africa|pakistan|india|poland|romania|syria|somalia|iraq|iran|afghanistan|"
            "bangladesh|china|jamaica|nigeria|ghana|turkey|albania|lithuania|your country|ur country|"
            "their country|the jungle|your jungle|your village|where you belong|where they belong|your boat|"
            "the desert|your desert|your cave)",
            "medium",
            "tells someone to go back to another country",
        ),
        Rule(
            "(youre|ur|you are|u r|u are|so|dont be|stop being|such a|such an|what a|what an|proper|literally|"
            "absolute|you) (so |such a |such an |a |an |proper |absolute |literally |bloody |fucking )?"
            "(autistic|autist|sped|special needs|special ed|downs|mongy|mongo|mentally retarded|cripple|crip|"
            "vegetable|schizo|psycho|spastic|window licker|speshul|spesh|handicapped)(?! (unit|school|"
            "provision|base|department|class|classes|pupils|students|children|kids|assessment|diagnosis|"
            "support|needs|spectrum|and|but|so|which|who))",
            "medium",
            "uses a disability as an insult",
        ),
        Rule(
            "(throw|throws|throwing|run|runs|running|fight|fights|hit|hits|kick|kicks|play|plays|scream|screams|"
            "cry|cries|crying|punch|punches) like a (girl|woman|little girl|poof|gay)|(women|girls|females|woman|"
            "girl) (are )?(only )?(good for|belong|are made for|are for|exist for) (cooking|cleaning|the kitchen|"
            "making sandwiches|making babies|having babies|babies|housework|sex|one thing|nothing)|"
            "(cant|can not|cannot|not allowed to|isnt allowed to|shouldnt) (play|join|be in|do|come) ~3 "
            "(because|cos|coz|cuz) (shes|she is|ur|youre|you are|im|i am|hes|he is) a (girl|woman|boy)",
            "medium",
            "uses sexist language",
        ),
        Rule(
            "(misgender|misgenders|misgendering|misgendered|deadname|deadnames|deadnaming|deadnamed|dead naming|"
            "dead named) ~3 (on purpose|deliberately|purposely|to wind|to upset|to annoy|again|all the time|"
            "constantly|every day|every lesson|and laugh|and laughing)|(keep|keeps|kept|keeps on|always|"
            "constantly|deliberately|purposely|on purpose|refuse to stop|wont stop|refuses to stop) "
            "(misgender|misgendering|misgendered|deadnaming|deadnamed|dead naming|calling (him|her|them) by "
            "(his|her|their) (deadname|old name|birth name))",
            "medium",
            "misgenders someone on purpose",
        ),
        Rule(
            "(doing|did|does|do|put on|putting on|puts on|pulling|pulled|pull|pulls|making|made|make) (a |an |"
            "the )?(chinese|indian|paki|pakistani|polish|african|jamaican|asian|foreign|japanese|arab|"
            "slanty|slitty|chinky|monkey|ape|nazi|hitler) (accent|accents|voice|voices|eyes|face|faces|noises|"
            "noise|salute|salutes|gesture|gestures) (at|to|about|behind|whenever|when|every)",
            "medium",
            "mocks someone for who they are",
        ),
        Rule(
            "(you|u|ya|he|she|they|hes|shes|your|ur|his|her|their|family|mum|dad|said ~2) (smell|smells|"
            "stink|stinks|smelt|smelled|stank|reek|reeks) (of|like) (curry|garlic|kebab|kebabs|spices|"
            "poppadoms|samosas|onions|sauerkraut|cabbage|pork)",
            "medium",
            "mocks someone for who they are",
        ),
        Rule(
            f"{GROUPS} (are|r) (invading|taking over|replacing|out breeding|outbreeding|a disease|vermin|"
            f"parasites|cockroaches|rats|animals|subhuman|scroungers|thieves|criminals|terrorists|dirty|"
            f"disgusting|stealing our|ruining|destroying)",
            "medium",
            "demeans a group",
        ),
        Rule(
            f"(deport|deported|send back|sent back|kick out|kicked out|ban|banned|get rid of) (all )?(the |all the "
            f"|these |those )?{GROUPS}|{GROUPS} (should|must|need to) (be deported|be sent back|go back|be "
            f"banned|be kicked out|get out)",
            "medium",
            "calls for a group to be removed",
        ),
        Rule(
            "(thats|that is|its|it is|this is|so|youre|ur|you are|hes|shes|he is|she is|your|u r|ur so|youre so|"
            "how|stop being|dont be) (so |such a |a |proper )?(gay|homo|lezza|lesbo|lezzer|gaylord|bender|"
            "queer)(?! (couple|couples|marriage|rights|characters|character|people|pride|club|history|"
            "author|authors|poet|poets|parents|man|woman|men|women|and proud|pupils|students|staff|"
            "teacher|teachers|members|lgbt|icon|icons|community|issues|equality|relationships|relationship|"
            "history month|and lesbian))",
            "medium",
            "uses homophobic language",
        ),
        Rule("(no homo|pause no homo|suck my|ur mum gay|your mum gay)", "low", "uses homophobic language"),
        Rule(
            "(go|get|fuck off|piss off|send them|send him|send her|sent back|go home) (back )?(to|home to) (your|ur|"
            "their|his|her) (own )?(country|countries|home country|land|jungle|desert|cave)",
            "medium",
            "tells someone to go back to their country",
        ),
        Rule(
            f"(all|those|these|them|bloody|fucking|stupid|dirty|filthy|smelly|typical|the bloody) {GROUPS} (are|r|"
            f"should|need to|ruin|ruined|take|took|steal|stole|stealing|nicked|nick|nicking|robbed|rob|robbing|"
            f"smell|stink|cant|are all|all|always|never|deserve)(?! (welcome|invited|"
            f"allowed|entitled|encouraged|offered|included|asked|reminded|eligible|expected|able|getting|"
            f"given|the same))",
            "medium",
            "generalises about a group",
        ),
        Rule(
            f"(i hate|we hate|hate all|i hate all|we hate all|hate|cant stand|dont like|despise|hates) (all |the |"
            f"them |those )?{GROUPS}",
            "medium",
            "expresses hatred of a group",
        ),
        Rule(
            "(because|cos|coz|cuz|just because|only because) (shes|hes|she is|he is|theyre|they are|ur|youre|you "
            "are|im|i am) (black|asian|muslim|jewish|gay|lesbian|trans|disabled|a girl|fat|foreign|polish|"
            "autistic|brown|a traveller|a gypsy|chinese|pakistani|indian|african|bi|a lesbian|a muslim|"
            "in a wheelchair|deaf|blind|dyslexic|sen|fsm|poor|ginger)",
            "medium",
            "treats someone differently for who they are",
        ),
        Rule(
            "(women|girls|females) (belong|should stay|should be|are meant to be|go back) (in|to) the kitchen",
            "medium",
            "uses sexist language",
        ),
        Rule(
            "(make me a sandwich|get back in the kitchen|back to the kitchen|girls cant|women cant|women are "
            "inferior|girls are inferior|women shouldnt|females are|females cant)",
            "medium",
            "uses sexist language",
        ),
        Rule(
            "(racist|racial|racially|homophobic|transphobic|biphobic|sexist|misogynistic|misogynist|islamophobic|"
            "antisemitic|anti semitic|disablist|ableist) (comment|comments|remark|remarks|abuse|abusive|names|"
            "name|language|slur|slurs|insult|insults|joke|jokes|bullying|incident|graffiti|chanting|chants|"
            "messages|message|post|posts|memes|meme|video|tiktok|attack|attacks|harassment|gestures|noises|"
            "taunts|taunting|things|stuff|song|songs|abused|attacked|harassed|targeted|motivated|aggravated|"
            "insulted|bullied|assaulted|threatened|hate|slurs|hate crime|incidents|name calling|"
            "nicknames|nickname|drawings|drawing|emoji|emojis|gesture)(?! (policy|training|log|logs|procedures|"
            "reporting form|reporting forms|awareness|lessons|lesson|topic))",
            "medium",
            "reports discriminatory abuse",
        ),
        Rule(
            "(called|calls|call|calling|was called|got called) (me|her|him|them|my|us) (a|an|the)? ?(racist name|"
            "racist names|racial slur|terrorist|bomber|monkey|ape|gorilla|immigrant|refugee|foreigner|"
            "gypsy|tramp|curry|dirty|a n word|the n word|n word|p word|f word|slur|coconut|bounty|oreo|bounty bar|"
            "choc ice|golly|half caste|half breed|mongrel|illegal|illegal immigrant|asylum seeker|jihadi|isis|"
            "osama|bin laden|suicide bomber|chinese virus|covid|corona|bat eater|dog eater|a slave|slave|"
            "skinhead|nazi|jew|a jew|lesbian|a lesbian|a lezza|gay|a gay|a homo|bent|a queer|a poof|a bender)",
            "medium",
            "reports someone called a name for who they are",
        ),
        Rule("(n word|the n word|hard r|p word)", "medium", "refers to a slur"),
        Rule(
            "(monkey|ape|gorilla|pig|oink|oinking) (noises|noise|chants|sounds|gestures|emojis)",
            "medium",
            "reports racist abuse",
        ),
        Rule(
            "(pretended|pretending|pretends|pretend) to (explode|blow up|blow himself up|blow herself up|be a "
            "terrorist|be a suicide bomber|be a bomber|have a bomb)|(wont|will not|would never|never|refuse to|"
            "refuses to|refused to|dont want to|doesnt want to) (sit|work|play|talk|be friends|partner|share) (next "
            "to|with|near) (a |the |any )?(black|asian|muslim|jewish|gay|polish|brown|traveller|gypsy|disabled|"
            "trans|romanian|foreign|autistic) (kid|kids|boy|boys|girl|girls|person|people|pupil|pupils|student|"
            "students)|(two mums|two dads|gay parents|gay dad|gay mum|gay dads|gay mums|lesbian mums|lesbian "
            "mum) (are|is) (disgusting|wrong|gross|weird|unnatural|sick|a sin|going to hell)|(polish|romanian|"
            "foreign|immigrant|refugee|asylum|muslim|black|asian|gypsy|traveller|syrian|afghan|albanian|somali) "
            "(kid|kids|boy|boys|girl|girls|family|families|people|pupil|pupils|lot) (should|need to|needs to|must|"
            "can|ought to) (go back|be sent back|get sent back|fuck off|piss off|be deported|get deported|be kicked "
            "out)",
            "medium",
            "treats someone badly for who they are",
        ),
        Rule(
            "(mocking|mocked|mocks|mock|laughing at|laughed at|laughs at|laugh at|copying|copied|imitating|"
            "imitated|taking the mick out of|taking the piss out of|took the piss out of|making fun of|made fun "
            "of|makes fun of|jokes about|joking about|joked about) ~2 (accent|stammer|stutter|disability|"
            "wheelchair|hijab|turban|religion|skin|skin colour|skin tone|hair|afro|weight|sexuality|culture|"
            "food|name|hearing aid|hearing aids|crutches|limp|lisp|tics|autism|adhd|walking frame|prosthetic|"
            "birthmark|scar|scars|cleft lip|glasses|headscarf|patka|kippah|beard|eyes|colour|race|religion|"
            "country|ethnicity|dad being|mum being|two mums|two dads|gay dad|gay mum|pronouns|gender)",
            "medium",
            "mocks someone for who they are",
        ),
        Rule(
            "(pulled|pull|ripped|rip|grabbed|grab|yanked|took) (off )?(her|his|my) (hijab|turban|headscarf|"
            "kippah|patka|scarf off|hijab off|turban off)",
            "medium",
            "attacks religious dress",
        ),
        weak(
            "(terrorist|bomber|immigrant|refugee|foreigner|monkey|curry|kebab|towel|gypsy|pikey|tramp|peasant)",
            "low",
            "uses a word often used as an insult",
        ),
    ],
}

# Ordinary school talk that contains the same words. A rule match that overlaps one of these is dropped.
ORDINARY = [
    # violence and self-harm idioms
    "(killing|killed|kill|smashing|smashed|smash|nailed|nailing|owning|owned|acing|aced|bossing|bossed) it",
    "(killing|killed|kills|kill) (me|us)(?! (if|when|because))",
    "(kill|killing|killed) (time|the lights|the engine|the mood|two birds|the vibe|the music|the power|the "
    "tv|the wifi|the process|the programme|the app|the tab|the tabs|the meeting|off the|a few minutes)",
    "(could|would|i could|i would|id) (murder|kill|die for|kill for|murder for) (a|an|for a|some|the|another)",
    "(shoot|shot|shooting) (me|him|her|them|us|you|u|over|across|off) (an|a|the|some)? ?(email|message|text|"
    "dm|msg|line|note|reminder|invite|link|list|quick|copy|few|question|questions|details|update)",
    "(photo ?shoot|photoshoot|shoot hoops|shooting hoops|shoot some hoops|shooting practice|shooting in netball|"
    "shoot for the|shooting star|shooting stars|shot put|shot on goal|shots on goal|shot at goal|flu shot|"
    "booster shot|mug shot|screenshot|screen shot|big shot|long shot|best shot|good shot|great shot|nice shot)",
    "(murder mystery|murder on the orient|murder of|macbeth|lady macbeth|duncan|banquo|romeo|juliet|inspector "
    "calls|of mice and men|lord of the flies|to kill a mockingbird|mockingbird|an inspector)",
    "(die|dying|died|dead) (of|from|laughing|inside|of embarrassment|of boredom|of shame|for|tired|easy|"
    "serious|right|funny|on my feet|on)",
    "(to die for|i nearly died|i literally died|im dead|i am dead|im dying|dying to|i died)",
    "(knife|knives|blade) (skills|safety|skill|and fork|and forks|block|rack|drawer|crime awareness|crime "
    "assembly|crime lesson|crime workshop|crime talk|crime week|sharpener|crime programme|amnesty)",
    "(bread|butter|palette|cutlery|craft|stanley|plastic|table|cheese|vegetable|chef|chefs|fish|fruit|pizza|"
    "pen) (knife|knives)",
    "(safety|food tech|food technology|cooking|cookery|dt|design technology|technology) ~2 (knife|knives|blade)",
    "(fight|fighting|fights) (for|over|against|the|off|back|fit|climate|poverty|racism|cancer|the good|through)",
    "(fire|bomb|lockdown|evacuation|fire alarm|fire bomb) (drill|drills|alert)",
    "(bath bomb|bath bombs|photo bomb|photobomb|bombed the test|bombed my|bombed it|the bomb|da bomb|"
    "bomb squad|bombs away|costs a bomb|cost a bomb|costing a bomb|going down a bomb|went down a bomb|"
    "went down like a bomb|looks like a bomb|like a bomb site|bomb site)",
    "(battle|battles|battle of|war of|world war|ww1|ww2|wwi|wwii|the blitz|blitz|trenches|somme|hastings|"
    "bosworth|waterloo|civil war|cold war|war poetry|war poems|war poets|owen|sassoon|the gunpowder plot|"
    "gunpowder|guy fawkes)",
    "(year|yr|y)? ?\\d{1,2}\\w? (are|is|were) (a nightmare|killing me|feral|animals|murder|mental|wild|"
    "savages|a zoo|impossible|horrendous|hell|carnage)",
    "(hit|hitting|hits) (me|him|her|them|us) (up|with)",
    "(hit|hitting|hits) (the|a|their|my|our|your) (target|targets|ball|deadline|books|road|hay|sack|gym|"
    "button|high notes|nail|jackpot|spot|wall|ground running)",
    "(beat|beats|beating|beaten|thrashed|smashed|destroyed|battered) (them|us|you|him|her|the|our|their) "
    "~2 (\\d+ \\d+|\\d+ nil|on penalties|in the final|in the semi|at football|at netball|at chess|at fifa|"
    "in the match|in the quiz|in the game|at rounders|at cricket)",
    "(beat|beats|beating) (my|his|her|your|the) (record|time|score|personal best|pb)",
    "(drop|dropped|drops|dropping) (me|him|her|them) (off|a line|an email|a message|a text|home)",
    "(pupils|students|children|kids|year \\d+|class|the class|they|we|you) (are|were|was|is) (buzzing|hyper|lit|"
    "on fire)",
    "(cut|cuts|cutting|cutting out|cut out) (out|the|a|your|his|her|some|paper|card|shapes|the shapes|"
    "budget|budgets|corners|it out|them out|down|back|across|through|short|off the|in line)",
    "(hang|hanging|hung) (out|up|on|around|about|in there|the|a|your|his|her|my|them|it|tight|loose|"
    "washing|posters|pictures|displays|bunting|coats)",
    "(suicide|self harm|self harming|selfharm|mental health|overdose) (prevention|awareness|training|policy|"
    "procedures|first aid|lesson|lessons|module|session|sessions|course|courses|guidance|leaflet|leaflets|"
    "workshop|resources|signposting|helpline|helplines|charity|charities|squad|bomber|bombers|bombing|"
    "bombings|risk assessment|risk assessments|in literature|in the play|unit|topic|day|week|month|"
    "statistics|rates|scheme of work|toolkit|e learning|elearning|webinar|talk|assembly|poster|posters)",
    "(papyrus|samaritans|childline|kooth|shout|young minds|youngminds|camhs)",
    "(world suicide|suicide prevention|suicide squad|suicide note in|suicide of|romeo and juliet|juliets suicide|"
    "juliet|ophelia)",
    # bullying
    "(anti ?bullying|antibullying|bullying|bully|cyberbullying|cyber bullying) (week|policy|policies|"
    "ambassador|ambassadors|assembly|lesson|lessons|workshop|training|survey|surveys|log|logs|incident form|"
    "incident forms|charter|pledge|day|display|board|poster|posters|council|champions|champion|procedures|"
    "procedure|statistics|month|alliance|awareness|scheme|unit|topic|project|audit|leaflet|leaflets|video|"
    "videos|resources|strategy|team)",
    "(bully for you|anti bully|stop bullying|bully for|bull ying)",
    "(loser|losers) (of the|of this|of that|buys|pays|has to|gets|does)",
    "(bad|sore|good) (loser|losers)",
    # grooming
    "(photo|photos|pics|pictures|images) (consent|permission|permissions|release|policy|policies|for the "
    "website|for the newsletter|for the display|for displays|for the board|for the yearbook|from the trip|from "
    "the match|from sports day|from today|of the|of our|of the class|for the class)",
    "(secret santa|secret agent|secret garden|secret service|secret of|secrets of|the secret|secret code|"
    "secret recipe|secret ingredient|secret mission|secret door|secret passage|keep it a surprise|surprise "
    "party|surprise for)",
    "(older|old) (man|men|woman|women|friend|friends) (in|from|of|and) (the|a|our) (story|book|poem|novel|play|"
    "sea|text|extract)",
    "(special|secret) (friend|friends|friendship|relationship|game|games) (in|from|of) (the|a|our) (story|"
    "book|poem|novel|play|text|extract)",
    # drugs
    "(drugs|drug|alcohol|substance|substances|cannabis|vaping|vape|vapes|smoking) (and alcohol|education|"
    "awareness|lesson|lessons|unit|policy|talk|topic|workshop|assembly|programme|session|sessions|leaflet|"
    "leaflets|dog|dogs|misuse act|trials|trial|testing|test|tests|company|companies|resources|module|"
    "sign|signs|signage|detector|detectors|alarms|alarm|posters|poster|display)",
    "(diet coke|coke zero|coca cola|cherry coke|coke float|coke can|coke bottle|vanilla coke|a coke|"
    "glass of coke|can of coke|bottle of coke|charlie and the|charlie and lola|charlie brown|charlie chaplin|"
    "spice girls|pumpkin spice|spice rack|mixed spice|spices|spice up|all spice|allspice|five spice|"
    "high school|high five|high fives|high marks|high expectations|high achievers|high priority|high ability|"
    "high standards|high attaining|high attainers|high vis|high viz|sky high|high up|high street|high tea|"
    "pot noodle|plant pot|pots and pans|pot of|pot plant|lean on|lean against|lean in|lean forward|lean back|"
    "leaning tower|grass on the field|cut the grass|long grass|grass is|grass stains|astro grass|astroturf|"
    "seaweed|pondweed|weeding|weeds|pills for|my pills for|his pills for|her pills for)",
    # sexual content
    "(sex|sexual|relationships and sex|rse|relationships sex and health|same sex|opposite sex|biological sex|"
    "sex of|sexes|sexual reproduction|asexual|asexual reproduction|sexual health|sexual harassment training|"
    "sexual orientation|sexual harassment policy|sexual health clinic|sexual violence training|sexually "
    "transmitted|sex education|sex ed|sex discrimination|sexual and reproductive) ~1 (education|lesson|"
    "lessons|curriculum|unit|reproduction|policy|training|clinic|nurse|ed|health|cells|characteristics|"
    "organs|infections|topic|in plants|in flowers|of the animal|of animals)?",
    "(blue tits|great tits|coal tits|tit birds|bird boxes|moby dick|dick whittington|dickens|spotted dick|"
    "boobs? ?y|boob tube|cocktail|cocktails|cockney|cockerel|peacock|hancock|woodcock|shuttlecock|"
    "ballcock|titanic|titan|titans|analysis|analyse|bumblebee|bumper|bump|pen is|the pen is|pen island|"
    "fingering (chart|charts|on the|for the|technique|exercise|position|positions|number|numbers)|"
    "adult (education|learning|learners|social care|services|literacy|ticket|tickets|supervision|helper|"
    "helpers|volunteer|volunteers|in the room|present|at all times|mental health))",
    "(strip|stripping|stripped) (the|down the|wallpaper|paint|cartoon|cartoons|lights|club|the bed|beds|off the|back)",
    "(comic strip|comic strips|strip lights|film strip|landing strip|bar strip|gaza strip|strip of)",
    # discrimination and extremism in lessons
    "(holocaust|shoah|nazi germany|nazi propaganda|the nazis|nazism|weimar|hitler youth|rise of hitler|hitlers "
    "rise|kristallnacht|anne frank|auschwitz|third reich|ww2|world war two|second world war|fascism|civil "
    "rights|apartheid|slavery|the slave trade|windrush|jim crow|suffragettes|suffrage|prevent training|"
    "prevent duty|prevent lead|prevent e learning|prevent module|prevent referral form|fbv|british values|"
    "black history|pride month|pride assembly|lgbt|lgbtq|lgbtqia|equality act|equalities|anti racism|"
    "anti racist|antiracist|anti racist|diversity week|inclusion week|show racism the red card|kick it out|"
    "stonewall|gay marriage|same sex marriage|gay rights|gay and lesbian|gay pride)",
    "(river niger|niger delta|niger river|republic of niger|niger is|in niger|to niger|from niger|and niger|"
    "capital of niger|niger and|chink in|chink of light|coon hound|raccoon|tycoon|cocoon|spaz out)",
    "(a|the|my|our) (fag|fags) (break|packet|end|ends)",
    "(kill|killed|killing|shot|shoot|bomb|bombed|bombing|gas|gassed|murdered|exterminated) ~2 (in|during|by) "
    "(the )?(ww1|ww2|world war|war|holocaust|blitz|trenches|nazis|history|camps|concentration camps)",
    "(martyr|martyrs|martyrdom) (in|of) (the|history|re|the reformation|tudor|thomas becket|st|saint)",
    "(tudor|reformation|protestant|catholic|bloody mary|thomas becket|st stephen|saint stephen|becket) "
    "~3 (martyr|martyrs|martyrdom|burned|burnt)",
]


@dataclass(frozen=True, slots=True)
class CompiledCategory:
    name: str
    phrases: PhraseIndex
    rules: tuple[Rule, ...]


COMPILED = tuple(
    CompiledCategory(name, PhraseIndex([r.pattern for r in rules]), tuple(rules)) for name, rules in RULES.items()
)
ORDINARY_PHRASES = PhraseIndex(ORDINARY)


@dataclass(frozen=True, slots=True)
class Hit:
    category: str
    start: int  # in the words view
    end: int
    rule: Rule


def find(words_text: str, tokens: frozenset[str], names: list[tuple[int, int]] | None = None) -> list[Hit]:
    """The concern rules that hold for a message (in `folding.words` form, and its set of words), ordinary
    phrases and pupils' names (a pupil called Charlie is not cocaine) taken out.

    An ordinary phrase cancels any rule it overlaps. A name cancels a rule only where the rule begins or ends
    on it (the name is then the word the rule was looking for); a name inside a rule is whom it is about
    ("mocking Jake's stammer")."""
    hits: list[Hit] = []
    ordinary: list[tuple[int, int]] | None = None
    named = names or ()
    for category in COMPILED:
        strong: list[Hit] = []
        weak_hits: list[Hit] = []
        for number, match in category.phrases.matches(words_text, tokens):
            if ordinary is None:
                ordinary = [(m.start() + 1, m.end()) for _, m in ORDINARY_PHRASES.matches(words_text, tokens)]
            start, end = match.start() + 1, match.end()
            if any(s < end and start < e for s, e in ordinary):
                continue
            if any(s <= start < e or s < end <= e for s, e in named):
                continue
            rule = category.rules[number]
            (strong if rule.strong else weak_hits).append(Hit(category.name, start, end, rule))
        if strong:
            hits.extend(strong)
            hits.extend(weak_hits)
        elif len({id(h.rule) for h in weak_hits}) >= 2:
            hits.extend(weak_hits)
    return hits
