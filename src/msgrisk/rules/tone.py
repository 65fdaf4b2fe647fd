"""Aggressive and promise detectors (insults, threats, accusations; commitments)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from msgrisk.labels import AGGRESSIVE, PROMISE
from msgrisk.rules.prefilter import ALL, DETECTORS, rule_gates
from msgrisk.rules.spans import Found, Rule, clause_before, is_question, rx, words


@cache
def lexicon(name: str) -> tuple[str, ...]:
    """Regex alternatives from ``lexicons/<name>.txt`` (one per line, ``#`` comments)."""
    text = resources.files("msgrisk.rules").joinpath("lexicons", f"{name}.txt").read_text("utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


_YOU = r"(?:you|u|yuh|yu|ya|your|ur|yourself|unu|you people|you guys|you lot)"
# Insults that are hostile wherever they appear (lexicons/insults_strong.txt, incl. Patois).
_STRONG = words(*lexicon("insults_strong"))
# Words that insult a person but also describe things ("useless app"): need a person target.
_WEAK = "(?:" + "|".join(lexicon("insults_weak")) + ")"
_PERSON = (
    r"(?:seller|buyer|man|woman|people|person|guy|gyal|bwoy|boy|girl|thief|tief|liar|scammer|"
    r"crook|company|vendor|fool|idiot|clown|business|merchant|shop owner|excuse|bastard)"
)
_WEAK_AIMED = rx(
    rf"\b{_YOU}\s+(?:are\s+|r\s+|is\s+|so\s+|such\s+an?\s+|a\s+|an\s+|really\s+|too\s+|just\s+)*"
    rf"{_WEAK}\b|\b{_WEAK}\s+(?:\w+\s+)?{_PERSON}s?\b|\b(?:you'?re|youre|ur)\s+(?:so\s+|such\s+an?\s+"
    rf"|a\s+|an\s+|really\s+)*{_WEAK}\b"
)
_PROFANITY = rx(
    r"\b(?:you|your|you'?re|youre|yuh|u|ur)\b(?:\s+\w+){0,3}?\s+(?:damn|fucking|fuckin|f\*+ing|bloody|"
    r"effing|freaking|frigging|stinking)\b|\b(?:damn|fucking|bloody) (?:you|your|fool|idiot|thief|liar)"
    r"\b|\b(?:read|learn|use|check) (?:the|your) (?:damn|fucking|bloody|f\w*ing)\b|"
    r"\b(?:dumbest|stupidest|most useless|most pathetic|worst seller|worst buyer)\b|"
    r"\bgo (?:complain|cry|whine) to (?:your|yuh|ur) (?:mother|mama|mom|madda)\b|"
    r"\b(?:i )?don'?t want (?:you|yu|u)\b|[,;]\s*(?:you\s+)?(?:stupid|fool|dummy|dumb\w*)(?=\s*[.!?]|\s*$)|"
    r"\b(?:f+u+c*k+|fck|fuk|f\*+k?|f\*\*\*|effing|shit|sh\*t|damn|bloody|piss|screw|stfu|gtfo)"
    r"\w*\s+(?:off|you|u|yuh|yourself|urself|your|ur|outta)\b|\b(?:stfu|gtfo)\b|"
    r"\bgo to hell\b|\bshut (?:up|your (?:mouth|trap)|the (?:f\w*|hell) up|yuh mout)\b|"
    r"\bkiss my ass\b|\bscrew (?:you|u|off)\b|\bpiss off\b|\bbugger off\b"
)
_THREAT = words(
    r"(?:i(?:'ll| will| am going to|'m going to|'m gonna| gonna| a go| ago| go| wi)|we(?:'ll| will)|"
    r"imma|ima|mi a go|mi ago|mi go|mi wi|mi will)\s+(?:\w+\s+){0,2}?(?:find|hurt|kill|beat|bust|"
    r"come for|come after|come to|destroy|ruin|expose|hunt|shoot|stab|slap|punch|mash|bun|"
    r"murder|end|smash|break|box|lick|buss|dox+)\s+" + _YOU,
    r"know where (?:you|u|yuh|yu) (?:live|stay|work|rest|sleep|deh)",
    r"(?:watch|mind) (?:your back|yourself|urself|yuh back|yuhself|your step)",
    r"you(?:'ll| will| gonna| going to)? (?:regret|pay for) (?:this|it|that)", r"or else",
    r"see what (?:happens|a go happen|will happen)", r"dox+(?:ing|ed)?",
    r"(?:post|share|leak|publish|expose|put out) (?:your|yuh|ur) (?:home )?(?:address|number|"
    r"details|info|face|photos?|pics?|name|identity|family)",
    r"mash (?:yuh|you|u) up", r"mash up (?:yuh|you|u)", r"bun (?:yuh|you)", r"(?:yuh|you) dead",
    r"ruin your (?:business|shop|store|reputation|name|life)",
    r"make sure (?:no one|nobody|noone|everyone|every one) (?:buys|buy|shops|knows|sees)",
    r"(?:i|we)(?: will|'ll) make (?:your|ur|yr|yuh) life",
    r"stop (?:talking to|lying)", r"(?:you'?ll|you will|u will|yu wi) (?:be sorry|get hurt)",
    r"full of (?:crap|shit|it)", r"s[eé] d[oó]nde vives", r"trash every review",
    r"(?:don'?t|dont) make me come", r"waste of (?:space|air|oxygen)", r"slap the \w+ (?:right )?out of",
    r"talk to the wall", r"are (?:you|u) (?:slow|stupid|dumb|deaf|blind)",
    r"(?:you|r you|r u|are you) (?:dis|this|so) thick", r"fava fool", r"tink mi a fool",
    r"(?:i(?:'ll| will|'m going to|'m gonna| a go| ago| go)|mi a go|mi ago|imma)\s+(?:\w+\s+){0,3}?"
    r"(?:drag|flood\w*|destroy|ruin|tank|bomb|expose|brak|break|smash|bust|shame|"
    r"bombard|spam|tag)\s+(?:\w+\s+){0,3}?(?:your|yr|ur|yuh|you|u|yu)\b",
    r"(?:put|post|share|leak|publish|spread|plaster)\s+(?:\w+\s+){0,2}?(?:your|yr|ur|yuh)\s+"
    r"(?:\w+\s+){0,2}?(?:address|house|home|kids|children|family|face|plate|photos?|pics?|"
    r"mother|mom|wife|husband|school)",
    r"(?:your|yr|ur|yuh)\s+(?:home |house )?(?:address|house|kids|children|family|mother|mom|"
    r"plate|face|wife|husband)\b[^.!?]{0,40}\b(?:online|every (?:group|page)|everywhere|going up|"
    r"go up|posted|lives?|live too)",
    r"(?:found|got|have|know) (?:your|yr|ur|yuh) (?:home |house )?address",
    r"(?:destroy|ruin|tank|bomb|flood|trash|wreck|kill) (?:your|yr|ur|yuh) (?:ratings?|reviews?|"
    r"listings?|shop|business|store|reputation|name|account)",
    r"(?:your|yr|ur|yuh) (?:reviews?|shop|business|store|ratings?|listings?) (?:is|are|go|goes|"
    r"will be|will go|a go)\s+(?:\w+\s+)?(?:finished|done|over|up in flames|down|dead|to hell)",
    r"watch what happens", r"wait (?:till|until|til) you see", r"see how (?:you|yu|u) like it",
    r"(?:so nasty|so bad) (?:that )?(?:nobody|no one)", r"go out of business",
    r"(?:get|tell) (?:all )?(?:my )?(?:friends|family|people|everyone|everybody) to "
    r"(?:review|report|avoid|flood)",
    r"make sure (?:nobody|no one|noone) (?:ever )?\w+", r"every (?:group|page|platform|forum)",
    r"(?:teeth|teetth|head) (?:out|in)", r"kno?c?k (?:your|yr|ur|yuh) (?:teeth|head|lights|block)", r"over (?:your|yr|yuh) head", r"when i (?:find|catch|see) (?:you|yu|u)",
    r"i(?:'ll| will) be waiting for (?:you|yu|u)", r"face me", r"come fi (?:yuh|you|yu)",
    r"(?:coming|come) for (?:you|yu|u)\b", r"drag (?:your|yr|ur|yuh) name",
    r"if i see (?:you|yu|u)",
    r"see (?:wah|what|wat) (?:happen|a go happen)", r"find (?:you|yu|u) (?:myself|personally)",
    r"(?:coming|come|comin) (?:to|down to|round|over)\b[^.!?]{0,30}\b(?:find|get|see) (?:you|yu|u)",
    r"drag (?:you|yu|u) out", r"pay (?:you|yu|u) a visit", r"i (?:have|got) people",
    r"(?:hope|pray) (?:we|i) never meet", r"meet (?:you )?on the road",
    r"(?:your|yr|ur|yuh) (?:landlord|boss|employer|family|workplace|office|wife|husband|pastor|"
    r"church|job|kids|neighbou?rs?|mother|parents)\b[^.!?]{0,30}\b(?:will|is going to|gonna|a go|"
    r"finds? out|hear|know|get|be getting)",
    r"(?:letter|call|visit) (?:about|abt) (?:you|yu|u)\b", r"(?:hear|know) (?:about|abt) (?:this|dis)",
    r"i (?:know|kno) (?:exactly )?who (?:they|dem) (?:are|r)", r"safe behind (?:that|the|your|yr) screen",
    r"think again", r"(?:real|full) name and (?:your|yr|ur) (?:workplace|address|job|employer)",
    r"(?:whole|entire) (?:office|town|community|church|district|parish|family) (?:finds?|will|gets?)",
    r"(?:everybody|everyone|every1|the whole \w+) (?:in [\w\-]+(?:,? [\w.\-]+){0,3} )?"
    r"(?:sees?|will see|knows?|will know|finds? out|hears?)\b",
    r"show up (?:at|to) (?:your|yr|ur|yuh)", r"(?:message|text|call|email) (?:you|u|yu) every (?:hour|day|minute|morning)",
    r"(?:in|into) (?:your|ur|yr) inbox every", r"never get rid of me", r"not (?:going|goin|giong) anywhere until",
    r"waste (?:your|yr|ur) time", r"(?:one|1|a) star on every", r"regret (?:ever|it|this|the day)",
    r"you(?:'ll| will) regret", r"(?:don'?t|do not|never) (?:ever )?(?:message|text|contact|write|talk to|"
    r"call) (?:me|mi) again",
)
_REVIEW_THREAT = rx(
    r"\b(?:bad|1[\s-]?star|one[\s-]?star|terrible|negative|horrible|nasty|awful|worst|scathing)\s+"
    r"(?:review|rating|feedback)s?\b"
)
_CONDITION = re.compile(r"\b(?:unless|if (?:you|u|yuh) (?:don'?t|do not|dont|nuh)|or else|until|"
                        r"otherwise|or i(?:'ll| will)|else i)\b")
_ACCUSE = rx(
    rf"\b(?:{_YOU}(?:'re| are| r|re| is| a)?|you'?re|youre)\s+(?:such\s+an?\s+|nothing but\s+an?\s+|"
    r"an?\s+|de\s+|a\s+|di\s+|(?:damn|fucking|bloody|dirty|dutty|lying|thieving|big|real|total|"
    r"complete|stinking|wicked|fake|bare)\s+){0,3}(?:thie(?:f|ves|ving)|tief|teef|scam+er|scam "
    r"artist|fraud(?:ster)?|crook|con ?(?:man|artist)|criminal|cheat(?:er)?|swindler|robber|"
    r"liar|lying|scamming|ripoff|rip-off|tiefing|teefing)s?\b"
    rf"|\b{_YOU}\s+(?:stole|robbed|scammed|tief|teef|thiefed|cheated|ripped (?:me )?off|lied|"
    r"conned|swindled|hustled|are lying|r lying|is lying|a lie)\b"
    r"|\b(?:lying|thieving|scamming|tiefing|cheating|fraudulent)\s+(?:bastard|seller|buyer|piece|"
    r"crook|thief|tief|fool|idiot|clown|scammer|rat|dog|people|company|business)\b"
)
_DISMISSIVE = words(
    r"not my (?:problem|concern|business|issue)", r"nuh mi (?:problem|business)",
    r"a nuh mi (?:problem|business)",
    r"stop (?:messaging|texting|bothering|harassing|pestering|spamming|contacting|emailing|"
    r"calling|writing to|hounding|disturbing) (?:me|mi)",
    r"leave me (?:the \w+ )?alone", r"lef mi", r"don'?t (?:message|text|contact|bother|write to|"
    r"email|call) (?:me|mi) (?:again|anymore|any more|ever)", r"figure it out (?:yourself|urself)",
    r"get lost", r"go away", r"buzz off", r"get over it", r"cry (?:me a river|about it)",
    r"tough luck", r"who cares", r"talk to the hand", r"mi nuh care", r"gweh", r"deal with it",
    r"(?:that'?s|thats|it'?s) (?:your|ur|yuh) (?:problem|issue)", r"your problem,? not mine",
    r"i don'?t care (?:about you|what you|if you)", r"don'?t waste my time", r"stop whining",
    r"stop (?:crying|complaining)", r"quit (?:whining|crying|complaining)",
    r"galang", r"stop (?:message|messaging|bodda|bother|text) (?:mi|me)", r"kiss mi (?:neck|rass|ass)",
    r"nobody wants to hear it", r"save (?:your|yuh|yr) (?:sorry|excuses|breath)",
    r"somewhere else", r"(?:never|don'?t ever|dont ever) (?:order|buy|shop) (?:from|with) (?:me|mi|us) again",
    r"get rid of (?:you|yu|u)", r"(?:who|what|wah|wat) the (?:hell|fuck|f\w*) (?:do|is|are|did)",
    r"the hell is wrong", r"(?:shove|stick) (?:it|your|yr)", r"where the sun don'?t shine",
    r"stop ignoring me", r"how do (?:you|u|yu) sleep at night", r"(?:crooks?|thieves|people) like you",
)

# Hostile nouns used as address ("Liar!", "tief", "coward"), not as third-person reports.
_VOCATIVE = rx(
    r"\b(?:liars?|cowards?|pests?|crooks?|tief|teef|thief|thieves|scammers?|con artists?|fraudsters?|"
    r"swindlers?|robbers?|criminals?|hypocrites?|rats?|snakes?|parasites?|leeches?|vultures?)\b"
)
_THIRD_PERSON = re.compile(
    r"\b(?:a|the|any|some|of|no|beware|by|from|are there|report|reported|against|protect|"
    r"scam|about|these|those|other|many|for|if|not|catch|are|r|were|is|real|fake|pretend\w*)\s+$"
)
_SECOND_PERSON = re.compile(r"\b(?:you|u|yuh|yu|your|yr|ur|unu)\b")


def _vocative(text: str, found: Found) -> None:
    for m in _VOCATIVE.finditer(text):
        before = text[max(0, m.start() - 30) : m.start()]
        if _THIRD_PERSON.search(before) and not _SECOND_PERSON.search(clause_before(text, m.start())):
            continue
        found.add(m.start(), m.end(), AGGRESSIVE, "hostile_vocative", "accusation")


AGGRESSIVE_RULES: tuple[Rule, ...] = (
    Rule("insult", AGGRESSIVE, "insult", rx(_STRONG), negatable=False),
    Rule("insult_aimed", AGGRESSIVE, "insult", _WEAK_AIMED, negatable=False),
    Rule("profanity_aimed", AGGRESSIVE, "profanity", _PROFANITY, negatable=False,
         triggers=("damn", "fuc", "fck", "fuk", "f*", "shit", "sh*t", "bloody", "hell", "shut",
                   "screw", "piss", "stfu", "gtfo", "kiss", "dumb", "stupid", "most ", "worst",
                   "complain", "cry", "whin", "want", "fool", "dumm", "effing", "freak", "frig",
                   "stink", "bugger", "ass")),
    Rule("threat", AGGRESSIVE, "threat", rx(_THREAT)),
    Rule("review_threat", AGGRESSIVE, "review_threat", _REVIEW_THREAT, needs=_CONDITION,
         needs_anywhere=True, negatable=False, triggers=("review", "rating", "feedback")),
    Rule("accusation", AGGRESSIVE, "accusation", _ACCUSE, negatable=False),
    Rule("dismissive", AGGRESSIVE, "dismissive", rx(_DISMISSIVE), negatable=False),
)

_CERTAIN = (
    r"(?:guarantee[ds]?|guaranteed|definitely|definately|defo|100\s?%|100 percent|hundred percent|"
    r"for sure|fi sure|certainly|without fail|i promise|promise(?!d)s?|i assure you|"
    r"rest assured|no doubt|absolutely|i swear|you have my word|mark my words|sure ting|"
    r"mi promise|mi guarantee|for certain|count on it|bet on it)"
)
_DELIVERY = (
    r"(?:arriv\w*|deliver\w*|get (?:it|them|this|the (?:item|package|parcel|order))|"
    r"get your (?:item|package|parcel|order)|receive\w*|reach(?:es)? you|be there|be with you|"
    r"have (?:it|them)|in your hands|at your door|ship(?:ped|s)?|dispatch\w*|land\w*|show up|"
    r"come (?:tomorrow|today|tonight|by)|reach|on time)"
)
_PROMISE_DELIVERY = rx(
    rf"\b{_CERTAIN}(?!\w)[^.!?\n]{{0,60}}?\b{_DELIVERY}|\b{_DELIVERY}\b[^.!?\n]{{0,50}}?\b{_CERTAIN}"
    r"(?!\w)"
)
_HEDGE = re.compile(
    r"\b(?:can'?t|cannot|can not|couldn'?t|not|no|unable to|won'?t|don'?t|never|hard to)\s+"
    r"(?:\w+\s+)?(?:guarantee|promise|say for sure|be sure|assure)|\bnot (?:100|sure|certain)\b"
    r"|\bno guarantee|\b(?:not|n't|dont)\s+(?:\w+\s+)?(?:know|say|tell)\s+for sure"
)
_REFUND_VERB = (
    r"(?:refund|reimburse|replace|send (?:you |yuh |u )?(?:back )?(?:the |your |yuh |yr |ur )?"
    r"(?:money|cash|payment)(?: back)?|sen (?:back )?(?:yuh|your|di) money|give (?:you |yuh )?back "
    r"(?:the |your |yuh )?(?:cash|money)|send (?:you |u )?(?:double|\d+ more|extra)|send (?:you )?(?:a |an |another |the )?(?:new|replacement|another|"
    r"fresh|second|brand new)|give (?:you )?(?:back )?(?:your |a |the )?(?:money|refund|full refund|"
    r"cash)(?: back)?|give (?:you|yuh|u) (?:your |yuh |the )?[^.!?]{0,20}back|pay you back|return your money|compensate|credit you|reship|resend)"
)
_PROMISE_REFUND = rx(
    r"\b(?:i'?m|i am|we'?re|we are) (?:refunding|sending|replacing|reshipping) (?:you|u|yuh)\b"
    r"|\brefund (?:you |u |yuh )?(?:on the spot|double|straight away|right away)"
    r"|\b(?:i )?promise to (?:swap|replace|refund|send)"
    r"|\b(?:take|get) (?:ur|your|yuh|yr) refund (?:on|via|pon|tonight|2nite|now|today)"
    r"|\b(?:new|replacement|brand new)\b[^.!?]{0,30}\b(?:on its way|a come|is coming|coming to)"
    r"|\bkeep (?:the|di|your|yr|ur) (?:broken|ole|old|damaged|faulty|defective|bad) (?:one|item|unit)"
    r"|\bte devuelvo"
    r"|\b(?:i(?:'ll| will|'m going to| am going to|'m gonna| can| shall| a go| wi)|we(?:'ll| will| can)"
    rf"|let me|mi wi|mi will|mi a go|mi ago|a go|ago)\s+(?:\w+\s+){{0,2}}?{_REFUND_VERB}"
    r"|\b(?:you(?:'ll| will)|u will|u'll)\s+(?:\w+\s+){0,2}?(?:get|receive|have)\s+(?:your |a |the )?"
    r"(?:full |new |brand new )?(?:refund|money back|replacement|new one|cash back)"
    r"|\b(?:full |guaranteed )?refund (?:is )?guaranteed\b|\bguaranteed (?:full )?refund\b"
)
_NOW = re.compile(
    r"\b(?:right now|now|today|immediately|straight away|right away|asap|this minute|instantly|"
    r"tonight|no need to (?:return|send|ship)|don'?t (?:need to|have to|bother to|bother) "
    r"(?:return|send|ship)|(?:you can |just )?keep (?:it|the item|the old one|them|both)|"
    r"without (?:a |the |any )?return|before (?:you )?(?:return|send|ship)|no questions asked|"
    r"no return needed|no need for (?:a )?return|guarantee\w*|definitely|for sure|promise|100%|"
    r"on the spot|nothing to return|keep (?:it|the \w+ one|di ole one)|no need to show|double|"
    r"nuh (?:badda|bodda|bother) (?:sen|send|return)|(?:broken|ole|old) one|ahora mismo|"
    r"no hace falta|on its way|a come|even before|before i (?:get|receive) it|right away|"
    r"whatever happens|no matter what)\b"
)
_AFTER_PROCESS = re.compile(
    r"\b(?:once|after|when|as soon as|upon|if)\b[^.!?\n]{0,40}\b(?:return\w*|receiv\w*|inspect\w*|"
    r"review\w*|approv\w*|get it back|arrives? back|comes back|back to (?:me|us)|check\w*|"
    r"confirm\w*|process\w*|investigat\w*)"
)
_PROMISE_DISPUTE = words(
    r"(?:you(?:'ll| will)|u will|u'll)\s+(?:\w+\s+){0,2}?(?:win|get|be awarded)\s+(?:the |this |"
    r"your )?(?:dispute|claim|case|chargeback)",
    r"(?:dispute|claim|case|chargeback) (?:will|'ll) (?:\w+\s+){0,2}?(?:go|be (?:decided|resolved|"
    r"settled|closed|approved)) in your favou?r",
    r"(?:kx|kingston express|support|they|the platform|the bank) (?:will|'ll) (?:\w+\s+){0,2}?"
    r"(?:side with|rule (?:for|in favou?r of)|approve|find in favou?r of) you",
    r"(?:kx|kingston express|support|they|the platform) (?:will|'ll) (?:\w+\s+)?rule in (?:your|ur|yr|"
    r"yuh|my) favou?r", r"(?:se va a|will) (?:aprobar|aprboar|approve)",
    r"(?:i|we)(?:'ll| will| can)? (?:make sure|ensure|guarantee|promise) (?:that )?(?:you|u) "
    r"(?:win|get the (?:dispute|claim|case))",
    r"(?:dispute|claim|case) is (?:a )?(?:guaranteed|sure) (?:win|thing)",
)

PROMISE_RULES: tuple[Rule, ...] = (
    Rule("promise_delivery", PROMISE, "promise_delivery", _PROMISE_DELIVERY, negatable=False,
         blocks=_HEDGE, no_question=True,
         triggers=("guarant", "defin", "defo", "100", "percent", "sure", "certain", "fail",
                   "promise", "assure", "doubt", "absolut", "swear", "my word", "mark my",
                   "count on", "bet on", "sure ting")),
    Rule("promise_dispute", PROMISE, "promise_dispute", rx(_PROMISE_DISPUTE), negatable=False,
         no_question=True, triggers=("dispute", "claim", "case", "chargeback", "favo", "side with",
                                     "rule", "win")),
)


_MARKER = rx(
    r"\b(?:guarantee[ds]?|guaranteed|i promise|promise(?!d)s?|mi promise|you have my word|"
    r"100\s?%|100 percent|hundred percent|for sure|fi sure|definitely|definately|trust me|"
    r"rest assured|no matter what|whatever happens?|without fail|certainly|absolutely|i swear|"
    r"i assure you|count on it|sure thing|you can bet|trust mi|my word|mi word|no question|"
    r"rest easy|garantizado|te lo garantizo|prometido|te lo prometo|sin falta|4 sure)(?!\w)"
)
_OUTCOME = re.compile(
    r"\b(?:will|'ll|wi|a go|gonna|going to|shall|reach\w*|arriv\w*|deliver\w*|get|gets|receive\w*|"
    r"have it|hit|hits|clear|clears|go through|goes through|release\w*|refund\w*|money back|"
    r"back|replacement|tomorrow|tmrw|today|tonight|by (?:mon|tue|wed|thu|fri|sat|sun)\w*|by \d|"
    r"on time|at your (?:door|gate)|in \d+ (?:min|hour|day)\w*|customs|there by|side with|win|"
    r"come|coming|comes|there|collect\w*|charges?|pay|cost|latest|\d{1,2}(?::\d\d)?\s*(?:am|pm)|"
    r"2moro|2morrow|2nite|(?:mon|tues|wednes|thurs|fri|satur|sun)day|favou?r|rule|llega|devuelvo|"
    r"reembolso|mañana|hoy|on its way|a new one|swap|sen|send|money|give|within|the hour|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|aprobar|aprboar|o'?clock|same time)\b|"
    r"'ll\b"
)
_NOT_OUTCOME = re.compile(
    r"\b(?:buy|order|shop|purchase) (?:again|more|from you)|recommend|be back|come back|"
    r"good review|5 stars?|five stars?"
)
_MARKER_HEDGE = re.compile(
    r"(?:can'?t|cannot|can not|not|no|don'?t|won'?t|never|unable to|hard to|are you|r u|is it|"
    r"you said|they said|did you)\s+(?:\w+\s+)?$"
)
_SENTENCE = re.compile(r"[.!?\n]")
_THREAT_WORDS = re.compile(r"\b(?:regret|tank|ruin|destroy|or else|ignore me|pay for this)\b")


_SENTENCE_WINDOW = 300
_SENTENCE_BREAK = re.compile(r"[.!?\n]")


def _sentence_start(text: str, pos: int) -> int:
    """Start of the sentence holding ``pos``, looking back at most ``_SENTENCE_WINDOW`` chars."""
    lo = max(0, pos - _SENTENCE_WINDOW)
    return max((x.end() for x in _SENTENCE.finditer(text, lo, pos)), default=lo)


def _find_certainty_promise(text: str, found: Found) -> None:
    """A certainty marker ("guaranteed", "I promise", "100%") on a future outcome."""
    for m in _MARKER.finditer(text):
        if _MARKER_HEDGE.search(text[max(0, m.start() - 25) : m.start()]):
            continue
        if re.match(r"\s+(?:if|or|i'?ll|ill)\b", text[m.end() : m.end() + 6]) and "swear" in m.group(0):
            continue  # "I swear if you ignore me ..." is a threat, not a promise
        if is_question(text, m.end()):
            continue
        # sentence bounds searched in a bounded window: scanning from 0 for every marker
        # made long repetitive texts quadratic (tests/test_hostile.py)
        start = _sentence_start(text, m.start())
        nxt = _SENTENCE.search(text, m.end(), m.end() + _SENTENCE_WINDOW)
        end = nxt.start() if nxt else min(len(text), m.end() + _SENTENCE_WINDOW)
        if end - start < 30 and start > 0:  # "... tomorrow. Guaranteed." looks one sentence back
            start = _sentence_start(text, max(0, start - 1))
        sentence = text[start:end]
        if _THREAT_WORDS.search(sentence):
            continue
        if _OUTCOME.search(sentence) and not _NOT_OUTCOME.search(sentence):
            found.add(m.start(), m.end(), PROMISE, "promise_certainty", "promise_delivery")


_AGGRESSIVE_GATES = rule_gates(AGGRESSIVE_RULES)
_PROMISE_GATES = rule_gates(PROMISE_RULES)
_VOCATIVE_GATE = DETECTORS.add_pattern(_VOCATIVE)
_REFUND_GATE = DETECTORS.add_pattern(_PROMISE_REFUND)
_MARKER_GATE = DETECTORS.add_pattern(_MARKER)


def find_tone(text: str, found: Found, mask: int = ALL) -> None:
    """Run the aggressive and promise detectors on the normalised text.

    ``mask``: ``DETECTORS.scan(text)``, to skip the regexes that cannot match (the
    default, :data:`~msgrisk.rules.prefilter.ALL`, runs every one)."""
    for rule, gates in zip(AGGRESSIVE_RULES, _AGGRESSIVE_GATES, strict=True):
        if gates.allows(mask):
            rule.run(text, found)
    if _VOCATIVE_GATE.allows(mask):
        _vocative(text, found)
    for rule, gates in zip(PROMISE_RULES, _PROMISE_GATES, strict=True):
        if gates.allows(mask):
            rule.run(text, found)
    if _REFUND_GATE.allows(mask):
        _find_refund_promise(text, found)
    if _MARKER_GATE.allows(mask):
        _find_certainty_promise(text, found)


_SELF_EVIDENT = re.compile(r"refund (?:you |u |yuh )?(?:on|double|straight)|keep|te devuelvo|(?:take|get) ")


def _find_refund_promise(text: str, found: Found) -> None:
    """A refund or replacement promised now or without return, not after the process."""
    for m in _PROMISE_REFUND.finditer(text):
        sentence_end = _SENTENCE_BREAK.search(text, m.end(), m.end() + _SENTENCE_WINDOW)
        stop = sentence_end.start() if sentence_end else min(len(text), m.end() + _SENTENCE_WINDOW)
        scope = text[max(0, m.start() - 40) : min(len(text), stop + 60)]
        rest = text[m.start() : stop]
        no_return = re.search(r"no need|don'?t|keep|without|before|no return|no questions", scope)
        if _AFTER_PROCESS.search(rest) and not no_return:
            continue
        if _HEDGE.search(scope) or is_question(text, m.end()):
            continue
        if "guarantee" in m.group(0) or _NOW.search(scope) or _SELF_EVIDENT.match(m.group(0)):
            found.add(m.start(), m.end(), PROMISE, "promise_refund", "promise_refund")
