"""Errors a person can act on. Handlers show ``str(error)`` to the user as it is."""


class DomainError(Exception):
    """Base class: the message is written for the person who typed the command."""


class InvalidInput(DomainError):
    def __init__(self, problem: str, example: str | None = None):
        self.problem = problem
        self.example = example
        super().__init__(problem if example is None else f"{problem}\nExample: `{example}`")


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidTransition(DomainError):
    pass
