"""Dialogs: enrolment (here), settings and login (added by their own modules)."""
