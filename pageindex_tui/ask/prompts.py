"""Every prompt the ask engine sends, with the JSON schema each structured reply must match.

Our own wording. The text the model reads (outline, pages) comes first and the instruction after it, so the
assess and answer calls of one question share a prefix the server can cache.
"""

from __future__ import annotations

from .verify import MIN_QUOTE_WORDS

SYSTEM = (
    "You find answers in long documents by reading their outline and then the pages you choose. "
    "You rely only on the text you are shown and say so when it does not hold the answer. "
    "When asked for JSON, reply with a single JSON value and nothing else."
)

MAX_PICKS = 5


def _messages(material: str, instruction: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{material}\n\n---\n{instruction}"},
    ]


def pick_nodes(outline: str, question: str, part: int, parts: int, example: str) -> list[dict[str, str]]:
    where = "the outline" if parts == 1 else f"part {part} of {parts} of the outline"
    instruction = (
        f"Above is {where} of the documents: each line is a section with its id in square brackets, "
        "its title, the pages it spans and, where there is one, a summary.\n"
        f"Question: {question}\n"
        f"Which sections most likely hold the answer? Choose at most {MAX_PICKS}, the most specific "
        "ones first (a subsection rather than its whole chapter when the subsection is enough).\n"
        "Reply as JSON with the chosen ids exactly as the outline shows them in square brackets, in "
        f'this shape: {{"nodes": ["{example}"]}}, where {example} stands for an id of the outline '
        '(it is no section). If none of them can hold the answer, reply {"nodes": []}.'
    )
    return _messages(outline, instruction)


def assess_reading(pages: str, remaining: str, question: str, example: str) -> list[dict[str, str]]:
    instruction = (
        "Above is the text of the sections read so far. Sections not read yet:\n"
        f"{remaining}\n\n"
        f"Question: {question}\n"
        "Does the text above hold enough to answer the question? If it does, reply "
        '{"enough": true}. If it does not and some sections not read yet may hold the rest, reply '
        f'{{"enough": false, "more": ["{example}"]}} with at most {MAX_PICKS} of their ids in place of '
        f"{example}, which stands for an id and is no section."
    )
    return _messages(pages, instruction)


def answer(pages: str, question: str, example: str, unit: str) -> list[dict[str, str]]:
    where = f"{unit} 12" if unit == "page" else "the section"
    instruction = (
        f"Question: {question}\n"
        "Answer the question from the text above only, in plain prose. Mark each statement with a "
        "source number in square brackets such as [1]. After the answer write a line `Sources:` and "
        "then one line per source number giving the section id, the pages and a passage of at least "
        f"{MIN_QUOTE_WORDS} words copied word for word from that page, in this shape:\n"
        "Sources:\n"
        f'[1] {example}, {where}: "the words of the page that say it"\n'
        f"where {example} stands for the id of a section shown above (it is no section). "
        "Cite only sections and pages shown above. If the text does not answer the question, say "
        "so plainly and give no sources."
    )
    return _messages(pages, instruction)


def answer_feedback(problems: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"Some of that answer's sources cannot be used:\n{listed}\n"
        "Write the whole answer again. Cite only section ids and pages shown in the text above, "
        f"each with a passage of at least {MIN_QUOTE_WORDS} words copied word for word, in the same "
        "format ending with the `Sources:` lines."
    )


MAX_DOCUMENTS = 3  # documents whose outlines the pick step reads, of a question over the library


def pick_documents(listing: str, question: str, example: str) -> list[dict[str, str]]:
    instruction = (
        "Above are documents of a library that a search found for the question: each line is a document "
        "with its id in square brackets, its name, a description where there is one, and the titles of "
        "its top-level sections.\n"
        f"Question: {question}\n"
        f"Which documents most likely hold the answer? Choose at most {MAX_DOCUMENTS}, the likeliest first.\n"
        f'Reply as JSON with their ids exactly as shown: {{"documents": ["{example}"]}}. '
        'If none of them can hold the answer, reply {"documents": []}.'
    )
    return _messages(listing, instruction)
