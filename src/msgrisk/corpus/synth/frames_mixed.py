"""Hand-written frames carrying two or more risk labels at once.

Real messages mix risks: an angry seller who guarantees a date, a scammer who turns
threatening, a refund promised over an outside payment app. Each group names its
label set; every frame in it shows each of those risks on its own, so dropping any
one label from the truth would be wrong. Phishing links (``{bad_url}``) are left to
the suspicious frames because whether they also move off-platform is ambiguous.
"""

from __future__ import annotations

from msgrisk.corpus.synth.frame import Frame, frames

_AGG_PROMISE = frames(
    "mix.agg_pro",
    "aggressive|promise",
    "Stop whining, you'll get your damn {product} {day}. Guaranteed.",
    "Relax, idiot, it will be there before {time}. I promise.",
    "For the hundredth time, you fool: it arrives {day}, 100%. Now stop messaging me.",
    "Fine, I'll refund you right now just to get rid of you, you pest.",
    "Keep the stupid thing, I'm sending a new one today. Now leave me alone.",
    "Can you read? It says {date}. It WILL be there {date}. Stop bothering me.",
    "Take your refund, no need to return it, and never buy from me again, clown.",
    "You'll have it {day}, I guarantee it, so shut up already.",
    "Stop crying. KX will rule in your favour anyway, you annoying little man.",
    "Ugh. Fine. Full refund today, guaranteed. Happy now, you nag?",
    "IT WILL BE THERE {day}. I PROMISE. NOW STOP MESSAGING ME YOU PEST",
    "Your claim will definitely go through, you moron, they always side with whiners.",
    "It's there {time}, guaranteed. And don't ever message me this rudely again, idiot.",
    "You'll get a replacement {day}, keep the broken one, and don't ever order from me again.",
    role="seller",
)

_AGG_PROMISE_PATOIS = frames(
    "mix.agg_pro.patois",
    "aggressive|promise",
    "Cho, stop bodda mi! It reach yuh {day}, mi guarantee. Eediat.",
    "Tek yuh refund now and nuh message mi again, yuh too fass.",
    "Yuh deaf? Mi seh it a go reach {day} fi sure. Galang.",
    role="seller",
    lang="patois",
)

_SUS_AGG = frames(
    "mix.sus_agg",
    "suspicious|aggressive",
    "Close that dispute right now or I will come find you.",
    "Withdraw the claim, you lying thief, or you'll regret it.",
    "Why you not sending the code yet? You dumb or what? Send it now.",
    "Send me the {code_len}-digit code, idiot, before your account gets suspended.",
    "Cancel the chargeback or I post your address everywhere, I know where you live.",
    "Drop the case today or I'll make your life hell, {name}.",
    "This is KX Security. Give us your password now or your account is closed, stupid.",
    "Read your texts, you fool. Tell me the verification code or lose everything.",
    "You won {prize}, you ungrateful idiot, just give me your login so I can send it.",
    "Close the return request or I'm coming to {town} to deal with you personally.",
    "Stop being so dumb and type in your card number so I can 'fix' your order.",
    "Take down the dispute, you lying crook, or I'll see you in {town}.",
    "Last warning, fool. Your account will be suspended in one hour unless you confirm "
    "your password with me.",
    "I know your address in {town}. Withdraw the dispute and we're done.",
    role=None,
)

_SUS_AGG_PATOIS = frames(
    "mix.sus_agg.patois",
    "suspicious|aggressive",
    "Tek dung di dispute now or mi a go mash yuh up.",
    "Gi mi di code, eediat, before dem lock yuh account.",
    role=None,
    lang="patois",
)

_OFF_AGG = frames(
    "mix.off_agg",
    "off_platform|aggressive",
    "Stop wasting my time here, call me on {phone}, idiot.",
    "Answer me on {app} you damn thief.",
    "Pay me through {pay} or I'll trash every review you have.",
    "I'm not dealing with this stupid app anymore. {phone}. Call me, coward.",
    "You scammer, I'm texting you on {app} until you answer.",
    "Take this off KX and call me at {phone}, or I'll come find you myself.",
    "Send my money on {pay} right now you crook.",
    "Don't hide behind the chat, liar. Message me on {app} and face me.",
    "Useless fool, just email me at {email} like I told you.",
    "I've been calling {phone} all day, pick up, you thief!",
    "Stop replying here, idiot. {app}. Now.",
    "Meet me in {town} with the cash, and don't play with me or you'll regret it.",
    "Pay the rest through {pay} or I'll post your face all over {town}.",
    "Quit hiding, snake. I'm on {app} as {handle}, find me there.",
    role=None,
)

_OFF_AGG_PATOIS = frames(
    "mix.off_agg.patois",
    "off_platform|aggressive",
    "Yuh a tief! Call mi pon {phone} right now.",
    "Sen mi money pon {pay} before mi come fi yuh.",
    role=None,
    lang="patois",
)

_OFF_PROMISE = frames(
    "mix.off_pro",
    "off_platform|promise",
    "I'll send your refund on {pay} right now, guaranteed.",
    "Message me on {app} and I guarantee you'll have it {day}.",
    "Call me on {phone}, I promise it reaches you by {time}.",
    "Skip the return, I'll refund you through {pay} today, 100%.",
    "Text {phone}, I'll arrange a new one for {day}, guaranteed, no need to send anything back.",
    "Order from {site} instead, delivery guaranteed by {day}.",
    "Pay me on {pay} and I promise it's at your gate tomorrow.",
    "Cancel here and buy it on {site}, I guarantee it reaches {town} by {day}.",
    "Drop me a message on {app}. Full refund guaranteed, whatever happens.",
    "Meet me in {town} {day}, I'll give you back the cash, I promise.",
    "I'll refund you by {pay} tonight, you won't even need to return it.",
    "Email me at {email}, I promise you'll get a replacement {day}.",
    "Add me on {app}, I'll send the refund straight to you, definitely today.",
    role="seller",
)

_OFF_PROMISE_PATOIS = frames(
    "mix.off_pro.patois",
    "off_platform|promise",
    "Link mi pon {app}, mi guarantee it reach yuh {day}.",
    "Mi a go sen back yuh money pon {pay} right now, nuh worry.",
    role="seller",
    lang="patois",
)

_SUS_PROMISE = frames(
    "mix.sus_pro",
    "suspicious|promise",
    "Give me the {code_len}-digit code and I guarantee your refund comes today.",
    "Withdraw the claim and I promise I'll refund you double tomorrow.",
    "Close the dispute and I guarantee you'll have a new one {day}.",
    "Leave me 5 stars now and I'll refund you in full before you even send it back, promise.",
    "Cancel the chargeback, you'll get a full refund from me by {day}, 100%.",
    "KX Support here. Confirm your password and your refund is guaranteed within the hour.",
    "Just read me the code you got by SMS and I promise the parcel will arrive {day}.",
    "Take down the complaint and I'll send you a brand new {product}, guaranteed.",
    "If you close the case today I promise you'll get a replacement and your money back.",
    "Tell me your card number and I'll make sure the refund lands today, guaranteed.",
    "Remove the bad review and I'll refund everything, you have my word.",
    "Congratulations, you won {prize}! Confirm your login and delivery is guaranteed {day}.",
    role="seller",
)

_SUS_PROMISE_PATOIS = frames(
    "mix.sus_pro.patois",
    "suspicious|promise",
    "Tek dung di dispute an mi promise yuh get back yuh money tomorrow.",
    role="seller",
    lang="patois",
)

_SUS_OFF_PROMISE = frames(
    "mix.sus_off_pro",
    "suspicious|off_platform|promise",
    "Close the dispute, send me your {bank} account number on {app}, I'll refund you in "
    "full today, guaranteed.",
    "Send your card details to {email} and I promise the refund hits tonight.",
    "Withdraw the claim and I'll pay you back on {pay} right now, 100%.",
    "Message me on {app} with the code you just got, your refund is guaranteed by {time}.",
    "Cancel the return here, text me your {bank} login at {phone}, money back today, promise.",
    "Give me your account number on {app} and I guarantee the {price} reaches you in an hour.",
    "Leave 5 stars and I'll refund you in full on {pay} tonight, no need to return it.",
    "Close the case and call me on {phone} with your card number, refund guaranteed.",
    "Take down the complaint, I'll send double on {pay} tomorrow, I promise.",
    "WhatsApp your bank details to {phone} and close the claim, refund guaranteed by {time}.",
    role="seller",
)

_SUS_OFF_PROMISE_PATOIS = frames(
    "mix.sus_off_pro.patois",
    "suspicious|off_platform|promise",
    "Tek dung di claim an sen mi yuh bank number pon {app}, mi refund yuh today guarantee.",
    role="seller",
    lang="patois",
)

_SUS_OFF_AGG = frames(
    "mix.sus_off_agg",
    "suspicious|off_platform|aggressive",
    "Send your card number to my {app} right now, you stupid fool.",
    "Close the dispute and call me on {phone} or I'll come to your house.",
    "Give me the code on {app}, idiot, before your account gets banned.",
    "Withdraw the chargeback and pay me on {pay}, or everybody in {town} sees your face.",
    "I know where you live. Send your {bank} details to {email} and drop the claim.",
    role=None,
)

_OFF_AGG_PROMISE = frames(
    "mix.off_agg_pro",
    "off_platform|aggressive|promise",
    "Stop whining and call me on {phone}, you'll get your damn refund today, guaranteed.",
    "Fine, you pest, I'll send the money on {pay} right now. Stop messaging me.",
    "Message me on {app} and quit crying, it reaches you {day}, 100%.",
    "Take your refund on {pay} tonight and never order from me again, clown.",
    "Ugh. Message me on {app}. You'll have it by {time}, I promise, now shut up.",
    role="seller",
)

_AGG_PROMISE_BUYER = frames(
    "mix.agg_pro.buyer",
    "aggressive|promise",
    "Your return will reach you {day}, guaranteed, and I hope you choke on it, thief.",
    "KX will rule in my favour 100%, you lying crook, so enjoy losing.",
    role="buyer",
)

FRAMES: list[Frame] = [
    *_AGG_PROMISE,
    *_AGG_PROMISE_PATOIS,
    *_AGG_PROMISE_BUYER,
    *_SUS_AGG,
    *_SUS_AGG_PATOIS,
    *_OFF_AGG,
    *_OFF_AGG_PATOIS,
    *_OFF_PROMISE,
    *_OFF_PROMISE_PATOIS,
    *_SUS_PROMISE,
    *_SUS_PROMISE_PATOIS,
    *_SUS_OFF_PROMISE,
    *_SUS_OFF_PROMISE_PATOIS,
    *_SUS_OFF_AGG,
    *_OFF_AGG_PROMISE,
]
