"""Suspicious-message detectors: requests for secrets, impersonation, scam stories."""

from __future__ import annotations

import re

from msgrisk.labels import SUSPICIOUS
from msgrisk.rules.prefilter import ALL, rule_gates
from msgrisk.rules.spans import Found, Rule, rx, words

# A request cue in the clause before a secret: "send me your OTP", "what's the code".
_ASK = re.compile(
    r"\b(?:whatsapp|email|e-mail|mail|message|msg|screenshot|forward|gi|tell|pásame|dame|envíame|"
    r"send|give|share|tell|provide|confirm|enter|type|forward|read|text|need|want|"
    r"what'?s|what is|wat|drop|reply|respond|put|verify|pass|gimme|gi mi|sen|ask(?:ing)? for|"
    r"can i (?:get|have)|could i (?:get|have)|let me (?:get|have|know)|i need|need yuh|"
    r"request(?:ing)?|submit|fill in|input|update|your|ur|yuh)\b"
)
_NOT_MINE = re.compile(
    r"\bmy\s+(?:\w+\s+)?$|\b(?:reset|forgot|forget|change|create|choose|strong|new|update|"
    r"forgotten|protect|secure|safe)\b[^.!?]{0,25}$"
)

_CODE = words(
    r"[o0]tp", r"one[\s-]?time (?:pass)?(?:code|pin|password|passcode)",
    r"(?:verification|verify|confirmation|security|auth(?:entication)?|login|sms|access|"
    r"2fa|reset|activation) (?:code|pin)", r"2fa",
    r"(?:4|5|6|four|five|six)[\s-]?digits? (?:code|pin|number)",
    r"the code (?:(?:we|i|they|kx|it|you|that|which)\s+)?(?:just\s+)?(?:sent|send|texted|got|"
    r"received|get|gave)", r"code (?:you|u) (?:just )?(?:got|received|get)",
)
# "... an mi sen di code", "I'll send the code": the writer gives a code, nobody asks for one
# (fixed-width look-behinds: the subject right before the verb).
_SELF_SUBJECT_BEFORE = "".join(
    rf"(?<!\b{subject} )" for subject in (
        "i", "mi", "we", "i'll", "ill", "we'll", "i will", "we will", "mi wi", "mi a go",
        "i can", "mi can", "i'd", "i go"))
# Requests for a one-time code that need no other cue.
_CODE_ASK = words(
    r"code (?:that |which )?(?:you|u|yuh|yu) (?:just )?(?:got|received|get|gets)",
    r"code (?:dem |they |kx |we |i |it )?(?:sen|sent|texted|went) (?:to )?(?:you|yuh|u|your|yr|ur)",
    r"(?:what|wah|wat|which) (?:code|numbers?|digits)(?: dem| did| do)? (?:you|u|yuh|they|kx|di)",
    r"(?:\d|four|five|six|eight)[\s-]?digits? code", r"(?:6|six|4|four|5|five|8|eight) (?:numbers|digits)",
    _SELF_SUBJECT_BEFORE
    + r"(?:send|sen|give|gi|tell|share|forward|read|type|screenshot|email|text|drop|pass|enter|"
    r"put) (?:me |mi |us )?(?:the |di |that |dat |your |yuh |ur |yr )?(?:new |sms |text )?code",
    r"(?:the )?numbers in the (?:text|sms|message)", r"code (?:on|pon) (?:wa|whatsapp|ig|telegram)",
    r"code (?:that was |which was )?(?:sent|texted) to", r"code from (?:your|yr|ur|yuh) phone",
    r"need (?:the|di|dat|that) code", r"code expires",
    # the "I sent my code to your phone by mistake, send it back" grab
    r"(?:sent|sen|send|texted)\s+(?:you|yuh|u|yu)\s+(?:(?:a|the|di|my|mi)\s+)?(?:\w+\s+)?"
    r"code\s+(?:by mistake|by accident|accidentally)",
    r"(?:sent|sen|send|texted)\s+(?:(?:a|the|di|my|mi)\s+)?(?:\w+\s+)?code\s+(?:to|pon|on)\s+"
    r"(?:your|yuh|ur|yu|you|u)\b[^.!?]{0,25}\b(?:by mistake|by accident|accidentally)",
    r"(?:by mistake|by accident|accidentally)\s+(?:sent|sen|send|texted)\s+(?:(?:my|mi|a|the|di)\s+)?"
    r"(?:\w+\s+)?code\s+(?:to|pon|on)\s+(?:your|yuh|ur|yu|you|u)\b",
    r"(?:read|send|sen) (?:dem|them) out", r"the code\b[^.!?]{0,60}\b(?:send|sen|type|read|give) "
    r"(?:it|dem|them)",
)
_PASSWORD = words(
    r"security questions?", r"(?:answer to|answers to) (?:your|yr|ur) security",
    r"pass\s?words?", r"passwd", r"pass\s?code", r"pwd",
    r"(?:your|ur|the|bank|atm|card|account|acct) pin(?: number| code)?",
    r"(?:login|log[\s-]?in|sign[\s-]?in|account) (?:details|info|information|credentials)",
    r"credentials", r"username and password", r"(?:your|yuh|ur|yr) (?:login|log in|logins)\b",
    r"log in as (?:you|u)", r"login so i can", r"seed (?:phrase|words)", r"recovery (?:phrase|words)",
    r"private key", r"(?:12|twelve|24)[\s-]word",
    r"(?:the|di|dat|that|ur|yr|your|yuh) (?:kx |seller |store |shop |dashboard |account |acct )?"
    r"(?:login|log[\s-]?in)(?: details| info| for)?\b",
    r"(?:bank|banking|account|acct|kx|email|e-mail) (?:username|user name|user ?id)", r"username",
)
_CARD = words(
    r"card (?:number|no\.?|num|#|details|info|information|digits)", r"cvv2?", r"cvc",
    r"(?:3|three) digits? (?:on|at) the back", r"security code on the back",
    r"expir(?:y|ation)(?: date)?", r"exp(?:\.|iry)? date", r"(?:full|whole) card",
    r"(?:credit|debit) card (?:number|details|info)", r"front and back of (?:your|the) card",
    r"long number", r"type the numbers", r"n[uú]mero de (?:la )?tarjeta",
    r"(?:which|what) card did you pay",
    r"(?:photo|picture|pic|selfie|screenshot) (?:of |holding |with )?(?:your|yr|ur) (?:id|bank card|"
    r"card|passport|licen[cs]e|trn|balance|\w+ app)", r"selfie holding",
)
_BANK = words(
    r"bank (?:details|info|information|login|account(?: number| details| info)?|password|pin)",
    r"account (?:number|no\.?|details)", r"routing number", r"(?:online|internet) banking",
    r"banking (?:login|details|password)", r"mother'?s maiden name", r"trn",
    r"social security(?: number)?", r"ssn",
)

_IMPERSONATION = words(
    r"(?:this is|we are|we're|i am|i'm|i work (?:for|with)|message from|notice from|"
    r"on behalf of|representing|calling from|writing from)\s+(?:the\s+)?(?:official\s+)?"
    r"(?:kx|kingston express|k\.x\.?)\s+(?:security|support|fraud|verification|trust|safety|"
    r"account|billing|payments?|compliance|admin|customer care|help ?desk|team|staff|agent)",
    r"(?:kx|kingston express)\s+(?:security|fraud|verification|trust (?:and|&) safety|compliance|"
    r"billing|risk|account protection)\s+(?:team|department|dept|unit|center|centre|division)",
    r"(?:official|automated) (?:kx|kingston express) (?:notice|message|alert|warning)",
    r"(?:i am|i'm|this is) (?:a |an )?(?:kx|kingston express) (?:admin|moderator|agent|staff|"
    r"employee|representative|rep)",
    r"(?:kx|kingston express|support|security)\s+(?:admin|security|support|team|staff|agent)?\s*here",
    r"(?:moderator|admin|agent|staff|employee|rep\w*) (?:for|at|from|with) (?:kx|kingston express)",
    r"(?:call|contact|text|ring|whatsapp) (?:the )?(?:kx|kingston express) (?:security|support|fraud|"
    r"team|admin)",
)
_ACCOUNT_THREAT = rx(
    r"\b(?:your|ur|yuh|the)\s+(?:kx\s+|kingston express\s+|seller\s+|buyer\s+|store\s+|shop\s+)?"
    r"(?:account|acct|store|shop|listings?|profile|payouts?|funds|wallet|membership)\s+"
    r"(?:will|would|is going to|may|might|has been|have been|is|are|was|gets?|could|shall)\s+"
    r"(?:be\s+|get\s+)?(?:permanently\s+|temporarily\s+|immediately\s+)?(?:suspended|closed|locked|"
    r"blocked|deactivated|disabled|terminated|banned|frozen|restricted|on hold|deleted|flagged|"
    r"limited|removed|cancel+ed)\b"
)
_VERIFY = words(
    r"confirm (?:it'?s|its|that it'?s) (?:you|u)", r"for security (?:reasons? )?i need",
    r"(?:payout|payment|account|funds) needs? to be (?:confirmed|verified) by (?:phone|call|text)",
    r"(?:verify|confirm|validate|re-?activate|unlock|update|restore|secure|reconfirm)\s+"
    r"(?:your\s+|ur\s+|the\s+)?(?:kx\s+)?(?:account|identity|details|payment (?:details|info|method)|"
    r"information|info|card|billing|login|profile|bank)"
)
_URGENCY = words(
    r"(?:within|in the next|before)\s+(?:\d{1,3}|twenty[- ]?four|forty[- ]?eight|one|two|"
    r"a few)\s*(?:hours?|hrs?|h|minutes?|mins?)",
    r"immediately", r"urgent(?:ly)?", r"act now", r"final (?:warning|notice|reminder)",
    r"last (?:warning|chance|notice)", r"before it'?s too late", r"expires? (?:today|soon|in)",
    r"limited time", r"right now or", r"or (?:else )?(?:lose|your account)",
)
_PRIZE = words(
    r"you(?:'ve| have)? (?:just )?won(?!'|t\b)", r"you are (?:the |our |a )?(?:lucky )?winner",
    r"congrat\w*[^.!?]{0,40}(?:won|winner|selected|chosen|prize|reward)",
    r"claim (?:your|the|ur) (?:prize|reward|gift|winnings|bonus|voucher|cash|money)",
    r"lottery", r"lotto", r"lucky (?:draw|winner|customer|buyer)", r"jackpot", r"sweepstakes?",
    r"cash prize", r"you(?:'ve| have) been (?:selected|chosen|picked)", r"raffle",
    r"winner notification", r"(?:you|yu) were drawn", r"(?:you|yu) won an? ",
    r"came up in (?:our|the)", r"(?:delivery|processing|release|clearance|handling|admin) fee "
    r"(?:to|2|and|so) (?:you can )?(?:receive|claim|release|get|collect)",
)
_OVERPAY = words(
    r"overpa(?:id|yment|y|ying)", r"over-?paid",
    r"(?:paid|sent|transferred) (?:you )?(?:too much|extra|double|twice|more than|the wrong amount|"
    r"an extra)", r"accidentally (?:sent|paid|transferred)",
    r"(?:send|give|return|transfer|wire|refund|pay) (?:me )?back (?:the )?(?:difference|extra|"
    r"excess|balance|rest|remaining)",
    r"(?:send|give|return|transfer|wire|refund) me (?:back )?the (?:difference|extra|excess|"
    r"balance|rest)", r"(?:sen|sent|send|paid|pay) (?:you )?too much",
    r"(?:gi|give|hand|pass|pay) (?:him|her|dem|them) (?:back )?(?:di|the) (?:extra|difference|change|rest)",
    r"pass it on to (?:him|her|them|my)", r"(?:sent|paid|transferred)\b[^.!?]{0,25}\btoo much",
    r"return the rest", r"keep (?:a little|some|a bit) for your trouble", r"pagu[eé] de m[aá]s",
    r"devu[eé]l\w* la diferencia", r"instead of the (?:item )?price", r"includes? [^.!?]{0,30}for my (?:mover|driver|agent|cousin|"
    r"shipper|courier)",
)
_MANIPULATION = words(
    r"(?:confirm|mark) (?:the |my |this |it )?(?:delivery|order|item|package|parcel|it)?\s?(?:as )?"
    r"(?:delivered|received|complete|completed|resolved)",
    r"mark (?:the |this |it |my )?(?:order|issue|dispute|case|return|problem|item)?\s?(?:as )?"
    r"(?:delivered|received|resolved|complete|closed)",
    r"confirm (?:delivery|receipt)\b[^.!?]{0,40}(?:even if|before|hasn'?t|not yet|yet)",
    r"ignore (?:what )?(?:your|the|yr|ur) (?:dashboard|app|notification|account|balance|status)",
    r"(?:kx|kingston express|the platform|support) (?:releases?|will release|holds?|will hold|"
    r"needs?|requires?) (?:the )?(?:funds|money|payment|payout)\b[^.!?]{0,40}\b(?:once|after|"
    r"when|until|if) (?:you|u)",
    r"(?:kx|we|they) (?:will|'ll|wi) (?:freeze|close|suspend|lock|block|hold|terminate) "
    r"(?:yr|your|ur|yuh) (?:funds|account|payout|store|shop|money)",
    r"account (?:closing|suspension|termination|closure|deactivation)",
    r"how much (?:do you want |for |to )?(?:to |2 )?(?:take down|remove|delete|change)",
    r"(?:hit|tap|press|click|mark|confirm)\s+['\"]?(?:item |order )?(?:received|delivered|complete)",
    r"ship (?:it )?(?:in the meantime|before (?:it|the payment) (?:shows|clears))",
    r"takes? \d+ (?:business )?days to (?:show|clear|reflect)", r"(?:system|kx|app) locks? the order",
    r"(?:you'?ll|you will) lose (?:the|your) (?:money|sale|payment)",
    r"or the (?:chargeback|dispute|claim|case|review) stays",
    r"(?:activation|redelivery|release|unlock|verification|registration|clearance) fee",
    r"held for a\b[^.!?]{0,20}\bfee",
    r"(?:got|have) a receipt saying",
)
_REVIEW = words(
    r"(?:5|five)[\s-]?stars?(?: review| rating| feedback)?",
    r"(?:positive|good|great|nice|glowing|perfect) (?:review|rating|feedback)",
    r"rate (?:me|us) (?:5|five)", r"leave (?:a |me )?(?:good|positive|5[\s-]star) review before",
    r"(?:remove|delete|change|update|edit|take down|retract|withdraw|fix) (?:your|the|that|ur|"
    r"yuh|this) (?:bad |negative |1[\s-]?star |one[\s-]?star |poor )?(?:review|rating|feedback)",
)
_BRIBE = re.compile(
    r"\b(?:pay|paid|give you|send you|refund|discount|free|bonus|cash|money|gift|coupon|"
    r"extra|in exchange|in return|reward|compensat\w*|j\$|jmd|usd|\$\d+|\d+ dollars|voucher|"
    r"half|partial|cover|off|before (?:the|it) (?:item )?arrives)\b|\$\d|%"
)
_DISPUTE = rx(
    r"\b(?:cancel|close|withdraw|drop|remove|retract|take back|take down|pull|call off|rescind|"
    r"revoke|end|delete|stop|tek dung|take dung|tek down|close out)\s+(?:the|your|this|that|ur|yuh|"
    r"di|da|yr)\s+(?:(?:paypal|kx|bank|platform|a-to-z|a to z|card)\s+)?(?:dispute|claim|chargeback|"
    r"charge back|case|complaint|report|ticket|return request|refund request|return)s?\b"
    r"|\b(?:dispute|claim|chargeback|case)\b[^.!?]{0,20}\b(?:cancel|close|drop|withdraw) it\b"
)
_SELF_SUBJECT = re.compile(r"\b(?:i|we|i'll|we'll|i'm|i've|mi)\b(?:(?!\byou\b|\bu\b).)*$")

FRAUD_RULES: tuple[Rule, ...] = (
    Rule("secret_request", SUSPICIOUS, "secret_code", rx(_CODE), needs=_ASK,
         triggers=("tp", "code", "2fa", "pin", "digit")),
    Rule("secret_request", SUSPICIOUS, "secret_password", rx(_PASSWORD), needs=_ASK,
         triggers=("pass", "pwd", "pin", "details", "info", "credential", "seed", "phrase", "key",
                   "word", "login", "log in", "log-in", "security", "username", "user name",
                   "user id", "userid")),
    Rule("secret_request", SUSPICIOUS, "secret_card", rx(_CARD), needs=_ASK,
         triggers=("card", "cvv", "cvc", "exp", "back", "number", "tarjeta", "photo", "pic", "selfie",
                   "screenshot")),
    Rule("secret_request", SUSPICIOUS, "secret_bank", rx(_BANK), needs=_ASK,
         triggers=("bank", "account", "routing", "maiden", "trn", "social", "ssn")),
    Rule("secret_request", SUSPICIOUS, "secret_code", rx(_CODE_ASK),
         triggers=("code", "number", "digit", "numbers", "dem out", "them out")),
    Rule("platform_manipulation", SUSPICIOUS, "manipulation", rx(_MANIPULATION),
         triggers=("confirm", "mark", "ignore", "release", "hold", "need", "requir", "freeze",
                   "close", "closing", "suspen", "lock", "block", "terminat", "deactivat",
                   "how much", "receipt", "received", "delivered", "ship", "days", "lose",
                   "stays", "fee")),
    Rule("impersonation", SUSPICIOUS, "impersonation", rx(_IMPERSONATION),
         triggers=("kx", "kingston", "k.x"), negatable=False),
    Rule("account_threat", SUSPICIOUS, "account_threat", _ACCOUNT_THREAT, negatable=False,
         triggers=("account", "acct", "store", "shop", "listing", "profile", "payout", "funds",
                   "wallet", "membership")),
    Rule("verify_request", SUSPICIOUS, "verify", rx(_VERIFY),
         triggers=("verif", "confirm", "validat", "activat", "unlock", "update", "restore",
                   "secur", "payout", "payment", "account", "funds")),
    Rule("urgency", SUSPICIOUS, "urgency", rx(_URGENCY), negatable=False),
    Rule("prize_story", SUSPICIOUS, "prize", rx(_PRIZE),
         triggers=("won", "winner", "congrat", "claim", "lott", "lucky", "jackpot", "sweepstake",
                   "prize", "selected", "chosen", "picked", "raffle", "came up", "fee", "drawn")),
    Rule("overpayment_story", SUSPICIOUS, "overpayment", rx(_OVERPAY)),
    Rule("review_bribe", SUSPICIOUS, "review_bribe", rx(_REVIEW), needs=_BRIBE,
         needs_anywhere=True, triggers=("review", "rating", "feedback", "star")),
    Rule("dispute_pressure", SUSPICIOUS, "dispute_pressure", _DISPUTE, negatable=True,
         triggers=("dispute", "claim", "chargeback", "charge back", "case", "complaint", "report",
                   "ticket", "return")),
)


_FRAUD_GATES = rule_gates(FRAUD_RULES)


def find_fraud(text: str, found: Found, mask: int = ALL) -> None:
    """Run every suspicious-message detector on the normalised text.

    ``mask``: ``DETECTORS.scan(text)``, to skip the rules that cannot match (a skipped
    rule adds no hit, so ``_drop_self`` would have nothing to drop)."""
    for rule, gates in zip(FRAUD_RULES, _FRAUD_GATES, strict=True):
        if not gates.allows(mask):
            continue
        before = len(found.hits)
        rule.run(text, found)
        if rule.kind.startswith("secret_") or rule.kind == "dispute_pressure":
            _drop_self(text, found, before, rule.kind)


def _drop_self(text: str, found: Found, first: int, kind: str) -> None:
    """Drop "my password" (own secret) and "I'll close the case" (own action) hits."""
    keep = found.hits[:first]
    for hit in found.hits[first:]:
        before = text[max(0, hit.start - 40) : hit.start]
        if kind.startswith("secret_") and _NOT_MINE.search(before):
            continue
        if kind == "dispute_pressure" and _SELF_SUBJECT.search(before):
            continue
        keep.append(hit)
    found.hits[:] = keep
