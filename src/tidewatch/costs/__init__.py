"""What a place's 287(g) agreements cost, from its records.

The Django side of the cost model (``tidewatch.costmodel`` is the pure
library): ``models`` keeps the records people enter for a county or an
agency (each with its source and date, versioned), ``records`` imports them
from CSV, ``inputs`` turns a place's agreements in force into the model's
programs, and ``estimates`` runs the model for a county or agency page.
"""
