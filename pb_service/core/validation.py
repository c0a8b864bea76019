"""Domain validation errors raised by services and shown by forms and the API alike."""
from __future__ import annotations


class ServiceValidationError(Exception):
    """Input that a service refuses; ``errors`` maps a field name ("" for the whole) to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> "ServiceValidationError":
        return cls({field: [message]})

    def apply_to_form(self, form) -> None:
        """Show the messages next to the form's fields (unknown fields go to the form as a whole)."""
        for field_name, messages in self.errors.items():
            field = getattr(form, field_name, None) if field_name else None
            if field is not None and hasattr(field, "errors"):
                field.errors = list(field.errors) + list(messages)
            else:
                form.form_errors.extend(messages)
