"""Residents' proposals: submission, supporters, formal and merit review, appeals, the ballot list."""
