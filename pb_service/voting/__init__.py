"""Voting: identification of voters, secret ballots, paper ballots, receipts."""
