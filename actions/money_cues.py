"""What a question about money asks: the bank, a refund, a fee, or an account rather than money back.
Plain regular expressions over the lowercased text, weighed by actions/telling.py.
"""
from __future__ import annotations

import re

# Getting an account back is about the account, not the money: "can i get my account back tho".
ACCOUNT_BACK = re.compile(
    r"\b(account|acc|profile|login|snap|snapchat|insta|instagram)( back| access back)\b"
    r"|(^|[.!?]\s*)(and |what about |but )?(the|my) (account|acc|profile|login)\b\W+(\w+\W+){0,3}get (it|that) back\b"
)
# A question about the bank names a bank, a way of paying, or getting money back: "is it worth paying £50?" is
# whether to pay, not the bank.
# Pictures got back off someone's phone are not money back.
NOT_OFF_A_DEVICE = r"(?! (from|off) (their|his|her|the|my \w+'?s?) (phones?|devices?|laptops?|accounts?))"
# A bank question put as a statement: "i want my money back", "need to ring the bank".
BANK_ASKED = re.compile(
    r"\b(want|need|wanna|trying|try|hoping|hope|help|idk|dunno|wondering)\b[^.?!]{0,30}\b(back|refund\w*|recover\w*|reverse\w*|cancel\w*|"
    r"stop (the|that|my) (payment|transfer)|chargeback|dispute)\b|\b(refund|chargeback)\b|\b(tell|call|ring|contact|phone|email) (my|the|his|her|our) bank\b"
    r"|[,;.]\s*(what|how|is|can|could|will|would|do|does|should) (that|it|i|we|they|he|she|do|to)\b"
)
BANK_WORDS = re.compile(
    r"\b(bank(?! holidays?)|refund\w*|payment|card|transfer\w*|paypal|revolut|monzo|chargeback|account|gift ?cards?|"
    r"steam|apple|google play|vouchers?|crypto|bitcoin|reverse|cancel\w*|dispute|fraud|"
    r"(money|cash|it|that) back" + NOT_OFF_A_DEVICE + r"|"
    r"get (it|that|the money|my money|my cash) back" + NOT_OFF_A_DEVICE + r")\b"
    r"|\b(money|cash)\b[^.?!]{0,25}\b(gone|lost|again|stopped|traced|frozen|recovered|returned)\b|[£$€]\s?\d+[^.?!]{0,25}\b(gone|lost|again|back)\b"
)
# Plainly about the bank, whatever else the message says: "should she ring the bank?", "what do I do
# about the card?"
BANK_PLAINLY = re.compile(
    r"\b(ring|call|phone|contact|tell|email|go to|speak to|talk to) (my|the|his|her|our|their) (bank|card company|card provider)\b"
    r"|\bwhat (do|should|can) (i|we|she|he|they) do about (the|my|his|her|our|their) (credit |debit |bank )?(card|bank|payments?|bank account)\b"
    r"|\b(if|whether|is) (the |my |his |her |that |our )?((£|\$|€)\s?\d+|money|cash) (is |was )?(gone|lost)( for good| forever)?\b"
)
MONEY_ASKED = re.compile(r"\b(pay|paying|paid|fee|fine|money|charge|cost|costs|£|\$)|£|\$|\b\d+\b")
