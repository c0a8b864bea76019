"""Accounts: residents, officials and programme staff; sign-in and memberships."""
