"""Shared building blocks: base models, tenancy, permissions, i18n, errors, mail, audit."""
