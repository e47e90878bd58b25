"""Enrolled people are deliberately not in the admin: their photos and face descriptions
are biometric data that moderators have no reason to see."""
