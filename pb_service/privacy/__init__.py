"""Residents' rights under the GDPR (RODO): export, deletion, and the information clauses."""
