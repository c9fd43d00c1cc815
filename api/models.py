"""The API keeps nothing of its own: a closed task stays a ``HumanTask`` row marked closed
(``workflows.models``), so a retried action learns it was already handled (409)."""
