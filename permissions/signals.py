"""Signals the unit tree sends, for the apps above it that keep copies of it.

``unit_moved`` (sender ``Unit``; ``old_path``, ``new_path``): a unit was moved to another parent,
its subtree with it, inside the transaction of ``Unit.save``. The apps that copy unit paths onto
their rows (the workflows' tasks and case units, so an inbox or a case list is one indexed query)
rewrite the copies; the receiver runs in that transaction, so the tree and the copies commit
together.
"""

from django.dispatch import Signal

unit_moved = Signal()
