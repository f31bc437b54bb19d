"""Tests of dlnotes.@@module@@: every property lesson @@nn@@ claims, as a Hypothesis property.

Compare against an independent reference (a closed form, a loop, the numerical gradient), never
against the function's own output.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.@@module@@ import @@func@@
