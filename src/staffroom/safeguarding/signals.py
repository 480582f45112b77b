"""What the rest of Staffroom hears from safeguarding.

`concern_raised` is sent once a concern has been committed (never inside the transaction that made it), with
`concern` (a safeguarding.models.Concern). The DSL's alerts listen to it: a high-severity concern reaches the
school's DSLs and deputies at once.
"""

from django.dispatch import Signal

concern_raised = Signal()
