# Moved to the notices app (shared by every process with a public notice); alias kept while callers move.
from notices.desk import *  # noqa: F401,F403
from notices.desk import PUBLISH_STEP, active_notice, minimum_notice_days, publish_notice, record_objection  # noqa: F401
