"""Volunteers: invitation codes, referral links, posters, cards and their impact (issue 17)."""
