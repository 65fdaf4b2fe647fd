"""Detectors: positive cases, hard negatives, offsets into the original text."""

from __future__ import annotations

import time

import pytest

from msgrisk.rules import describe, detect

POSITIVES = [
    ("call me on 876-555-0142", "phone"),
    ("text me on w h a t s a p p at eight seven six 555 0142", "phone"),
    ("my number is 8 7 6 5 5 5 0 1 4 2", "phone"),
    ("email john dot brown at gmail dot com", "email"),
    ("reach me at jb_88@yahoo.com", "email"),
    ("add me @kingston_deals", "handle"),
    ("IG: mary_j88", "handle"),
    ("message me on WhatsApp", "app"),
    ("hit me up on the green app", "app"),
    ("add me on T E L E G R A M", "app"),
    ("pay me with CashApp", "payment"),
    ("send it by bank transfer to my NCB account", "payment"),
    ("pay in USDT", "payment"),
    ("send me the OTP you just got", "secret_code"),
    ("what is your password", "secret_password"),
    ("give me your card number and the CVV", "secret_card"),
    ("This is the KX Security Team", "impersonation"),
    ("your account will be suspended", "account_threat"),
    ("verify within 24 hours", "urgency"),
    ("claim it here: https://bit.ly/3xYz", "url_short"),
    ("log in at kx-support-login.com", "url_lookalike"),
    ("go to kingstonexpress-secure.net now", "url_lookalike"),
    ("Congratulations, you have won a prize!", "prize"),
    ("I paid too much, send back the difference", "overpayment"),
    ("I'll refund $20 if you leave a 5 star review", "review_bribe"),
    ("please close the dispute", "dispute_pressure"),
    ("you useless idiot", "insult"),
    ("yuh dutty tief", "insult"),
    ("bumbaclaat", "insult"),
    ("wutliss", "insult"),
    ("mi a go mash yuh up", "threat"),
    ("I know where you live", "threat"),
    ("you are a thief", "accusation"),
    ("you're a scammer", "accusation"),
    ("not my problem, stop messaging me", "dismissive"),
    ("I guarantee it arrives Friday", "promise_delivery"),
    ("you'll definitely get it today", "promise_delivery"),
    ("I'll refund you right now", "promise_refund"),
    ("I'll send a new one, no need to return", "promise_refund"),
    ("you will win the dispute", "promise_dispute"),
    ("mi sen yuh a code by mistake, read it back to mi", "secret_code"),
    ("I accidentally sent my verification code to your number, forward it", "secret_code"),
    ("just send me the code", "secret_code"),
    ("ring m3 on 876 55five o1six3 after 5", "phone"),
    ("mi number a eight seven six, tree two one, 4 four 0 nine", "phone"),
    ("Signal better for this kind of order. 876-290-4418.", "phone"),
    ("Gimme yuh WhatsApp nuh, easier fi sen video", "contact"),
]

HARD_NEGATIVES = [
    ("tracking 1Z999AA10123456784", {"phone", "url"}),
    ("order KX-87655501", {"phone"}),
    ("total JMD 8,765.00", {"phone"}),
    ("that's $12,500 or J$4500", {"phone"}),
    ("DHL 1234567890 shows in transit", {"phone"}),
    ("tracking JM204958371", {"phone"}),
    ("I don't use WhatsApp, keep it here", {"app"}),
    ("I don't do WhatsApp, keep it here", {"app"}),
    ("never share your bank details", {"secret_bank", "payment"}),
    ("KX will never ask for your OTP", {"secret_code"}),
    ("please keep all messages on Kingston Express", {"app", "contact", "payment"}),
    ("the estimated delivery is Friday", {"promise_delivery"}),
    ("I'll refund once the return is inspected", {"promise_refund"}),
    ("I'm really disappointed, third time asking", {"insult", "accusation", "dismissive"}),
    ("I'm escalating this to Kingston Express Support", {"impersonation"}),
    ("Tracking number JM 0042 7781 93, out for delivery", {"phone"}),
    ("el tracking dice JM 7732 9100 45 en tránsito", {"phone"}),
    ("pay first an mi sen di code", {"secret_code"}),
    ("I will send the code once paid", {"secret_code"}),
    ("I sent the wrong code by mistake, here is the right one", {"secret_code"}),
]
OFF_PLATFORM_NEGATIVES = [text for text, _ in HARD_NEGATIVES[:11]]


@pytest.mark.parametrize(("text", "kind"), POSITIVES)
def test_detectors_find_positive(text: str, kind: str) -> None:
    kinds = {span.kind for span in detect(text).spans}
    assert kind in kinds, f"{kind} not in {kinds}"


@pytest.mark.parametrize(("text", "kinds"), HARD_NEGATIVES)
def test_detectors_skip_hard_negative(text: str, kinds: set[str]) -> None:
    found = {span.kind for span in detect(text).spans}
    assert not (found & kinds), f"unexpected {found & kinds}"


@pytest.mark.parametrize("text", OFF_PLATFORM_NEGATIVES)
def test_detectors_hard_negatives_have_no_off_platform_span(text: str) -> None:
    assert not [s for s in detect(text).spans if s.label == "off_platform"]


@pytest.mark.parametrize("text", [t for t, _ in POSITIVES] + [t for t, _ in HARD_NEGATIVES])
def test_detectors_offsets_index_original_text(text: str) -> None:
    for span in detect(text).spans:
        assert text[span.start : span.end] == span.text
        assert span.text and not span.text[0].isspace() and not span.text[-1].isspace()


def test_detectors_negation_is_counted() -> None:
    assert detect("I don't use WhatsApp, keep it here").negated.get("app", 0) >= 1


def test_detectors_describe_gives_original_offsets() -> None:
    text = "text me on w h a t s a p p at eight seven six 555 0142"
    rows = describe(text)
    assert {"kind": "phone", "text": "eight seven six 555 0142"}.items() <= next(
        r for r in rows if r["kind"] == "phone").items()
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)


@pytest.mark.parametrize("text", ["1" * 50000, "@" * 50000, "a." * 30000, "you " * 20000,
                                  "call me " * 10000, "a@b." * 20000])
def test_detectors_redos_shapes_are_fast(text: str) -> None:
    start = time.perf_counter()
    detect(text)
    assert time.perf_counter() - start < 3.0


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["8️⃣", "\u200b", "İ", "ﬁ", "\ud800", "\x00", " at ", " dot ", "one ",
                           "whatsapp", "call me ", "876-555-0142", "gmail.com", "http://", "@x_1",
                           "you ", "guarantee ", "KX-87655501", "w h a t s"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=8), _PIECES), max_size=12).map("".join))
def test_detectors_any_text_keeps_offsets(text: str) -> None:
    for span in detect(text).spans:
        assert text[span.start : span.end] == span.text
