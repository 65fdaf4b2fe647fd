"""Sentence frames: hand-written message templates with slots, and their true labels.

A frame is one hand-written sentence (or short message) with ``{slot}`` placeholders.
The generator fills the slots, perturbs the text (typos, casing, emojis, slang) and
records the frame's labels as the message's truth. ``frame_id`` lets training split
train/test by frame so the test set holds sentences the model never saw.

Slots every frame module may use (filled by ``slots.py``):

=============== ==========================================================
``{name}``      first name of the other party ("Shanice", "Devon")
``{me}``        first name of the sender
``{town}``      Jamaican town or parish ("Portmore", "Mandeville", "St. Ann")
``{product}``   product noun phrase ("rice cooker", "pair of Clarks")
``{price}``     a price ("JMD 8,500", "$4,200", "US$35", "J$12,999.00")
``{order_id}``  order number ("KX-87655501")
``{tracking}``  courier tracking number ("1Z999AA10123456784", "JM204958371")
``{courier}``   courier ("Knutsford Express", "ZipMail", "DHL", "the KX driver")
``{day}``       weekday ("Friday")
``{date}``      a date ("12 March", "3/14", "the 21st")
``{time}``      a time ("3pm", "10:30", "this evening")
``{qty}``       a small quantity ("2")
``{phone}``     a phone number, plain or obfuscated (spelled out, spaced, emoji digits)
``{email}``     a personal e-mail, plain or obfuscated ("shan dot b at gmail dot com")
``{handle}``    a social handle ("@shanice_styles")
``{app}``       a messaging app, plain or obfuscated ("WhatsApp", "w h a t s a p p",
                "the green app", "Telegram", "IG", "Signal", "Snapchat", "FB messenger")
``{pay}``       an off-platform payment channel ("CashApp", "Zelle", "Lynk",
                "PayPal friends and family", "a direct NCB transfer", "bitcoin")
``{bank}``      a bank ("NCB", "Scotiabank", "JN Bank", "Sagicor")
``{site}``      an outside shop or payment page ("shanicestyles.shop", "paypal.me/devonj")
``{bad_url}``   a shortened or look-alike link ("kx-support-login.com/verify", "bit.ly/3xKq9")
``{code_len}``  length of a one-time code ("6")
``{prize}``     a prize ("JMD 250,000", "a brand new iPhone")
=============== ==========================================================

Frames must only use these slots; unknown slots fail the generator's tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from msgrisk.labels import canonical

ROLES = ("buyer", "seller")
LANGS = ("en", "patois", "es")


@dataclass(frozen=True)
class Frame:
    """One hand-written message template and its true labels."""

    frame_id: str
    template: str
    labels: tuple[str, ...]
    role: str | None = None  # "buyer", "seller", or None when either side could send it
    lang: str = "en"  # "en" (incl. Jamaican English), "patois" or "es"
    hard_negative: bool = False  # looks risky on the surface but is fine (or is a near miss)


def frames(
    group: str,
    labels: str,
    *templates: str,
    role: str | None = None,
    lang: str = "en",
    hard_negative: bool = False,
) -> list[Frame]:
    """Declare a group of frames sharing labels/role/lang; ids are ``<group>.<index>``.

    ``labels`` is ``|``-joined (``"suspicious|off_platform"``) or ``"fine"``. Append new
    templates at the end of a group so existing frame ids stay stable.
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {ROLES} or None, got {role!r}")
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    parsed = canonical(labels.split("|"))
    return [
        Frame(f"{group}.{i:03d}", template.strip(), parsed, role, lang, hard_negative)
        for i, template in enumerate(templates)
        if template.strip()
    ]
