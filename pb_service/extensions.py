"""Flask extensions, created without an app and bound in :func:`pb_service.create_app`."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.sql import Select

from pb_service import ratelimit

#: The bind key of the read replica's engine (``DATABASE_REPLICA_URL``; see ``core/replica.py``).
REPLICA_BIND = "replica"
#: ``session.info`` key: this session's plain reads may go to the replica.
READS_FROM_REPLICA = "pb_reads_from_replica"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` wins, reads may go to the replica, and
    jobs wait for the commit.

    Flask-SQLAlchemy picks the engine from the model's bind key and ignores ``Session.bind``; the
    test suite binds the session to one connection inside a transaction it rolls back.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        if bind is None and self.info.get(READS_FROM_REPLICA):
            if self._flushing or not _plain_read(clause):
                # A write (or what may be one): the primary, and so is the rest of the transaction,
                # which must see its own writes.
                self.info[READS_FROM_REPLICA] = False
            else:
                return self._db.engines[REPLICA_BIND]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    #: ``(after a commit, after a failed commit)``, each called with the session: the job queue
    #: (pb_service/core/jobs/queue.py) sets them, so that jobs decided in a transaction leave only once
    #: it is committed. Set from there, because the queue is above this module.
    commit_hooks: tuple[Callable, Callable] | None = None

    def commit(self):
        hooks = Session.commit_hooks
        try:
            super().commit()
        except BaseException:
            if hooks:
                hooks[1](self)
            raise
        if hooks:
            hooks[0](self)

    def rollback(self):
        self.info.pop("pb_jobs_pending", None)
        super().rollback()

    def close(self):
        self.info.pop("pb_jobs_pending", None)
        super().close()


def _plain_read(clause) -> bool:
    """A SELECT that takes no lock; hand-written SQL and bare connections may write."""
    return isinstance(clause, Select) and clause._for_update_arg is None


#: Constraint names fixed by convention so that Alembic migrations agree on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION), session_options={"class_": Session})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, strategy=ratelimit.STRATEGY)
mail = Mail()
api = Api()
