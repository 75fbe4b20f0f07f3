"""Reading whether a request succeeds, and why not, from a student's own words.

"never succeeds", "not external fragmentation" and "doesn't fail" mean what
they say; text that says two things is refused with "say it as one of …"
rather than guessed at.
"""

from __future__ import annotations

from .scanner import FormError, type_name, with_article

SUCCEEDS = "succeeds"
EXTERNAL = "fails: external fragmentation"
NOT_ENOUGH = "fails: not enough memory"
INTERNAL = "fails: internal fragmentation"  # never right: internal waste cannot stop a request
FAILS = "fails"  # a failure without a reason: partial credit at most
OUTCOMES = (SUCCEEDS, EXTERNAL, NOT_ENOUGH)

_NEGATORS = {"not", "no", "never", "cannot", "nothing", "none", "neither", "nor", "without",
             "isn't", "doesn't", "won't", "can't", "wasn't", "didn't", "don't", "aren't",
             "couldn't", "wouldn't", "isnt", "doesnt", "wont", "cant", "dont"}
_SUCCESS = {"succeed", "succeeds", "succeeded", "success", "successful", "successfully",
            "fit", "fits", "works", "work", "ok", "okay", "yes", "true", "possible", "allocated",
            "granted", "satisfied", "served"}
_FAILURE = {"fail", "fails", "failed", "failure", "false", "impossible", "refused", "denied",
            "rejected"}
_LACK = {"insufficient", "exhausted", "full", "oom", "lacks", "lack", "lacking", "short"}
_BREAKS = {"but", "because", "since", "as", "so", "while", "although", "though", "yet"}
_WINDOW = 4  # a negation reaches this many words ahead


def outcome(value: object) -> str:
    """Whether a request succeeds, and if not why: one of the constants above.

    Accepts ``True``/``False``, ``"yes"``/``"no"``, ``"succeeds"``, texts naming
    external fragmentation or a lack of memory (negations such as "never",
    "not", "doesn't" are honoured, whole words only), and pairs like
    ``(False, "external fragmentation")``.  Text that says both outcomes, or
    two reasons, is refused rather than read one way.
    """
    if type(value) is bool:
        return SUCCEEDS if value else FAILS
    if type(value) is list and len(value) == 2 and type(value[1]) is str:
        first = outcome(value[0])
        if not value[1].strip():
            return first
        reason = outcome(value[1])
        if first == SUCCEEDS and reason != SUCCEEDS:
            raise FormError(_both(value))
        if first != SUCCEEDS and reason == SUCCEEDS:
            raise FormError(_both(value))
        return reason if reason != FAILS else first
    if type(value) is str:
        return _read_outcome(value)
    raise FormError(f"{with_article(type_name(value))} is not an outcome")


def _both(value: object) -> str:
    return (f"{str(value)[:60]!r} says more than one thing: say it as one of "
            f'"succeeds", "fails: external fragmentation" or "fails: not enough memory"')


def _read_outcome(value: str) -> str:
    words = _words(value)
    claims: set[str] = set()
    denied: set[str] = set()
    negation = 0  # words left that the last negator reaches
    for index, word in enumerate(words):
        if word in (",", ";", ":", ".", "!") or (
                word in _BREAKS and not (index and words[index - 1] in _NEGATORS)):
            negation = 0  # "not because of ..." keeps its negation
            continue
        negated = negation > 0
        if word in _NEGATORS:
            after = words[index + 1] if index + 1 < len(words) else "."
            if word == "no" and (after in ",;:.!" or after in ("and", "or", "but")):
                claims.add(FAILS)  # a plain "no", as in "no: ..." or "yes and no"
            negation = _WINDOW
            continue
        negation = max(0, negation - 1)
        concept = _concept(words, index)
        if concept is None:
            continue
        negation = 0
        if concept == "success":
            claims.add(FAILS if negated else SUCCEEDS)
        elif concept == "failure":
            claims.add(SUCCEEDS if negated else FAILS)
        elif concept == "enough":  # "not enough memory", "no block big enough"
            if negated:
                claims.add(EXTERNAL if _about_one_block(words, index) else NOT_ENOUGH)
        elif concept == "memory":  # "no memory", "no room in one block"
            if negated:
                claims.add(EXTERNAL if _about_one_block(words, index) else NOT_ENOUGH)
        elif concept == "block":  # "no block", "no single block", "no room in one block"
            if negated:
                claims.add(EXTERNAL)
        elif negated:
            denied.add(concept)
        else:
            claims.add(concept)
    reasons = {c for c in claims if c in (EXTERNAL, NOT_ENOUGH, INTERNAL)}
    if reasons & denied:
        raise FormError(_both(value))
    if SUCCEEDS in claims and (reasons or FAILS in claims):
        raise FormError(_both(value))
    if len(reasons) > 1:
        raise FormError(f"{value.strip()[:60]!r} names more than one reason: say it as one of "
                        '"fails: external fragmentation" or "fails: not enough memory"')
    if reasons:
        return reasons.pop()
    if FAILS in claims:
        if denied:
            raise FormError(f"{value.strip()[:60]!r} says what the reason is not, but not what "
                            'it is: say "fails: external fragmentation" or "fails: not enough '
                            'memory"')
        return FAILS
    if SUCCEEDS in claims:
        return SUCCEEDS
    raise FormError(f"could not tell whether {value.strip()[:60]!r} means success or failure: "
                    'say it as one of "succeeds", "fails: external fragmentation" or '
                    '"fails: not enough memory"')


def _words(text: str) -> list[str]:
    """Lower-case words (apostrophes kept inside them) and the punctuation that ends clauses."""
    result = []
    current: list[str] = []
    for char in text.lower().replace("’", "'"):
        if char.isalpha() or (char == "'" and current):
            current.append(char)
            continue
        if current:
            result.append("".join(current).strip("'"))
            current = []
        if char in ",;:.!":
            result.append(char)
    if current:
        result.append("".join(current).strip("'"))
    return [word for word in result if word]


def _concept(words: list[str], index: int) -> str | None:
    """What the word at ``index`` says about the outcome, if anything."""
    word = words[index]
    before = words[index - 1] if index else ""
    after = words[index + 1] if index + 1 < len(words) else ""
    if word in _SUCCESS:
        return "success"
    if word in _FAILURE:
        return "failure"
    if word == "internal":
        return INTERNAL
    if word == "external" or word in ("scattered", "fragmented", "contiguous"):
        return EXTERNAL
    if word in ("fragmentation", "fragments") and before not in ("internal", "external"):
        return EXTERNAL
    if word == "small" and before == "too":
        return EXTERNAL
    if word == "enough":
        return "enough"
    if word in ("block", "blocks") and before in ("single", "one", "free", "no", "a", "any"):
        return "block"
    if word in ("memory", "space", "room"):
        return "memory"
    if word in _LACK or (word == "out" and after == "of") or (word == "little" and
                                                              before == "too"):
        return NOT_ENOUGH
    return None


def _about_one_block(words: list[str], index: int) -> bool:
    """Whether "enough" at ``index`` is about one block ("no block big enough",
    "not enough contiguous memory", "not enough memory in one block")."""
    near = words[max(0, index - 3):index + 5]
    return any(word in ("block", "contiguous", "single", "piece", "big", "large", "largest")
               for word in near)
