"""The one exception type that reaches a user as a single line instead of a traceback."""


class Z2HError(Exception):
    """A problem the user can fix: the message says what went wrong and what to do next."""
