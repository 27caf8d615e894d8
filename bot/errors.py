"""Errors a person can act on. Handlers show ``str(error)`` to the user as it is."""


class DomainError(Exception):
    """Base class: the message is written for the person who typed the command."""


class InvalidInput(DomainError):
    def __init__(self, problem: str, example: str | None = None):
        self.problem = problem
        self.example = example
        super().__init__(f"{problem}\nExample: `{example}`" if example else problem)


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class InvalidTransition(DomainError):
    pass
