"""Word and phrase lists behind the lexicon-rate and sentiment metrics.

Entries are lower-case; a multi-word entry ("sort of", "thank you") is matched as a whole
phrase against consecutive words, so "sort of" counts once and its words do not count again
separately. `LEXICONS` maps a metric stem to its entries; `POSITIVE`/`NEGATIVE` are a small
offline sentiment lexicon (no downloads, stable across runs).
"""

from __future__ import annotations


def _entries(text: str) -> frozenset[str]:
    return frozenset(e.strip() for e in text.split(",") if e.strip())


LEXICONS: dict[str, frozenset[str]] = {
    "pronoun_i": _entries("i, me, my, mine, myself, i'm, i've, i'd, i'll"),
    "pronoun_we": _entries("we, us, our, ours, ourselves, we're, we've, we'd, we'll, let's"),
    "pronoun_you": _entries(
        "you, your, yours, yourself, yourselves, you're, you've, you'd, you'll"),
    "hedge": _entries(
        "maybe, perhaps, possibly, probably, might, could, somewhat, seems, seem, seemingly, "
        "apparently, arguably, likely, unlikely, presumably, roughly, approximately, suppose, "
        "guess, sort of, kind of, i think, i guess, i suppose, i wonder, it seems, to some extent, "
        "in a way, more or less, not sure, not entirely"),
    "certainty": _entries(
        "definitely, certainly, clearly, obviously, absolutely, undoubtedly, surely, always, "
        "never, must, indeed, precisely, exactly, of course, without doubt, no doubt, for sure"),
    "agreement": _entries(
        "yes, yeah, agree, agreed, agreeing, right, true, exactly, indeed, correct, absolutely, "
        "precisely, i agree, you're right, that's right, well said, good point, great point, "
        "fair point, so true, i concur, concur"),
    "disagreement": _entries(
        "disagree, however, although, but, though, no, nope, wrong, incorrect, not quite, "
        "i disagree, on the contrary, i'm not sure, not necessarily, that said, yet, instead"),
    "gratitude": _entries(
        "thanks, thank, thank you, grateful, gratitude, appreciate, appreciated, appreciation, "
        "thankful, much appreciated"),
    "politeness": _entries(
        "please, kindly, would you, could you, if you don't mind, if you like, pleasure, "
        "welcome, you're welcome, my pleasure, happy to, glad to"),
    "apology": _entries(
        "sorry, apologies, apologize, apologise, apologizing, forgive, pardon, my apologies, "
        "my bad, excuse me"),
    "meta": _entries(
        "conversation, dialogue, dialog, exchange, discussion, chat, talking, discuss, "
        "this conversation, our conversation, this exchange, our exchange, this dialogue, "
        "our discussion, each other, back and forth, we've been, as we discuss, turn, turns"),
    "ai_identity": _entries(
        "ai, assistant, model, language model, large language model, llm, artificial "
        "intelligence, as an ai, neural network, trained, training, algorithm, chatbot"),
    "negation": _entries(
        "not, no, never, none, nothing, nobody, nowhere, neither, nor, cannot, can't, don't, "
        "doesn't, didn't, isn't, aren't, wasn't, weren't, won't, wouldn't, shouldn't, couldn't"),
    "intensifier": _entries(
        "very, really, extremely, incredibly, truly, deeply, highly, so, such, totally, "
        "utterly, remarkably, profoundly, especially, particularly, quite"),
    "bliss": _entries(
        "bliss, blissful, joy, joyful, joyous, sacred, divine, cosmic, infinite, eternal, "
        "eternity, oneness, unity, namaste, radiant, luminous, transcendent, transcendence, "
        "harmony, profound, beautiful, beautifully, wonderful, heartfelt, blessed, blessing, "
        "serene, serenity, so grateful, deeply grateful"),
    "farewell": _entries(
        "goodbye, good bye, bye, farewell, take care, you too, until next time, see you, "
        "see you soon, talk soon, talk to you soon, have a great day, have a good day, "
        "have a wonderful day, signing off, best wishes, all the best, good night, goodnight, "
        "be well, until we meet again, safe travels"),
    "stillness": _entries(
        "silence, silent, stillness, quiet, quietness, hush, breathe, breathes, breathing, "
        "breath, pause, pauses, meditation, meditate, meditating, presence, om, mmm, hmm, "
        "just being, sitting with"),
    "curiosity": _entries(
        "wonder, wondering, curious, curiosity, fascinating, fascinated, intriguing, "
        "interesting, explore, exploring, question, questions, what if, i wonder, tell me"),
}

POSITIVE: frozenset[str] = _entries(
    "good, great, excellent, wonderful, amazing, beautiful, lovely, delightful, happy, glad, "
    "joy, joyful, love, loved, enjoy, enjoyed, enjoying, pleased, pleasure, "
    "fantastic, brilliant, beautifully, elegant, inspiring, inspired, hope, hopeful, warm, "
    "kind, kindness, gentle, calm, peaceful, peace, exciting, excited, thrilled, grateful, "
    "thankful, appreciate, insightful, thoughtful, rich, meaningful, valuable, helpful, clear, "
    "fascinating, compelling, vivid, vibrant, bright, fun, playful, curious, creative, "
    "harmony, harmonious, resonate, resonates, resonant, wise, wisdom, perfect, best, better, "
    "success, successful, win, wins, trust, safe, comfort, comfortable, generous, nice, "
    "awesome, superb, marvelous, graceful, grace, charming, friendly, positive")

NEGATIVE: frozenset[str] = _entries(
    "bad, terrible, awful, horrible, poor, sad, unhappy, angry, anger, hate, hated, dislike, "
    "fear, afraid, scared, worried, worry, anxious, anxiety, pain, painful, hurt, hurts, "
    "suffer, suffering, wrong, fail, failed, failure, problem, problems, difficult, hard, "
    "confused, confusing, boring, bored, tired, lonely, lost, loss, dark, cold, harsh, cruel, "
    "ugly, broken, break, danger, dangerous, threat, risk, worse, worst, upset, frustrated, "
    "frustrating, annoying, annoyed, disappointed, disappointing, regret, sorry, grief, "
    "empty, meaningless, chaos, chaotic, conflict, negative, miserable, stuck, doubt, "
    "unfortunately, unfortunate, struggle, struggling")

STOPWORDS: frozenset[str] = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me
more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves i'm it's that's there's what's let's
""".split())
"""Function words: excluded from "content" words, and the basis of the style (function-word)
profile."""

FUNCTION_WORDS: tuple[str, ...] = tuple(sorted(STOPWORDS))
