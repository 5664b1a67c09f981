"""helpdesk: a chatbot that helps citizens use public-health apps."""

__version__ = "0.1.0"
