"""Who may carry out the retention policy."""
from pb_service.core.permissions import define

#: Erase personal data whose retention period has ended (``flask pb purge``; the system actor).
PURGE_PERSONAL_DATA = define("privacy.purge")
