"""flowsim: discrete-event simulation of patient flow across health and social care."""

__version__ = "0.1.0"
