"""Marks the model's labels, sources' wording and questions for translation.

The same job as Django's ``gettext_noop``, without Django: the model is a
plain library. The text is extracted under the ``N_`` keyword like the rest
of the project's marked text, and translated where it is shown.
"""


def N_(message: str) -> str:
    return message
