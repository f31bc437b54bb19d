"""TODO: what this module computes, in one sentence (lesson @@nn@@, @@title_en@@).

One concept per module; the lesson pages embed the sections between the ``--8<--`` markers.
"""

import numpy as np  # noqa: F401  (the lesson's code will need it)

from dlnotes.checks import as_float_array
