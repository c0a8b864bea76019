"""How often a killed mail worker sends a mail twice: the window between the SMTP server's
acceptance of a mail and the commit of its ``sent_at``, against the time one mail takes.

    python benchmarks/mail_window.py [--mails 300] [--database-url postgresql+psycopg://127.0.0.1/EMPTY_DB]

Sends ``--mails`` outbox mails, one after another, to a real SMTP server (aiosmtpd, in a
process of its own) with the real job (``tasks.send_outbox_mail``), and, as the baseline in the same run,
with the way the job sent before (``EmailMessage.send()``, which closes the connection with QUIT
before the job records ``sent_at``). For each mail it notes when the server answered the DATA
(its 250 reply leaves) and when the transaction that sets ``sent_at`` was committed: the window
in which a SIGKILL sends the mail again. A kill at a random moment of a busy worker of T threads
lands in some thread's window with probability about T × window / time per mail (printed for
T = 1 and 4). The database is SQLite in a temporary file unless ``--database-url`` names an
empty database (migrated here).
"""
from __future__ import annotations

import argparse
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, update  # noqa: E402


SINK = """
import sys, time
from aiosmtpd.controller import Controller

class Sink:
    async def handle_DATA(self, server, session, envelope):
        print(time.monotonic(), flush=True)  # the 250 reply leaves right after
        return "250 Message accepted for delivery"

controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""


def acceptance_times(port: int) -> tuple[subprocess.Popen, "queue.Queue[float]"]:
    """An SMTP server in a process of its own (in this one it would wait for this one's GIL), and
    the moments (CLOCK_MONOTONIC, the same in every process) it accepts each mail."""
    server = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    moments: queue.Queue[float] = queue.Queue()
    threading.Thread(target=lambda: [moments.put(float(line)) for line in server.stdout], daemon=True).start()
    return server, moments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server, accepted = acceptance_times(port)
    database_url = options.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='pb-mail-window-')}/bench.db"

    from flask_migrate import upgrade
    from flask_mailman import EmailMessage

    from pb_service import create_app
    from pb_service.core.jobs.models import OutboxMail
    from pb_service.core.models import utcnow
    from pb_service.core.tenancy import allow_cross_tenant
    from pb_service.extensions import db
    from pb_service.tasks import send_outbox_mail

    app = create_app({
        "SECRET_KEY": "mail-window-benchmark", "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_BACKEND": "smtp",
        **({} if database_url.startswith("sqlite") else {"SQLALCHEMY_ENGINE_OPTIONS": {}}),
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "PUBLIC_BASE_URL": "http://localhost",
    })

    def send_as_before(key: str) -> None:
        """The job's sending before this change: the claim, then send() opens, sends, QUITs; then ``sent_at``."""
        db.session.execute(update(OutboxMail).where(OutboxMail.key == key).values(claimed_until=utcnow(), attempts=OutboxMail.attempts + 1))
        db.session.commit()
        mail = db.session.query(OutboxMail).filter_by(key=key).one()
        EmailMessage(subject=mail.subject, body=mail.body, to=[mail.recipient],
                     headers={"Message-ID": f"<outbox-{mail.id}@pb-service>"}).send()
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(sent_at=utcnow(), claimed_until=None))
        db.session.commit()

    with app.app_context():
        upgrade()
        allow_cross_tenant(db.session, "mail window benchmark")
        commits: list[float] = []
        event.listen(db.session(), "after_commit", lambda _session: commits.append(time.monotonic()))
        statements: list[float] = []
        event.listen(db.engine, "before_cursor_execute", lambda *_: statements.append(time.monotonic()))
        results = {}
        for label, send in (("before (send() with QUIT, then sent_at)", send_as_before), ("now (sent_at before QUIT)", send_outbox_mail)):
            keys = [f"{label[:3]}-{n}" for n in range(options.mails)]
            db.session.add_all(OutboxMail(key=key, recipient=f"r{n}@example.org", subject="Subject", body="Body " * 40) for n, key in enumerate(keys))
            db.session.commit()
            windows, durations, replies = [], [], []
            for key in keys:
                started = time.monotonic()
                send(key)
                durations.append(time.monotonic() - started)
                acceptance = accepted.get(timeout=10)
                # The commit right after the server's acceptance is the one that set sent_at.
                windows.append(min(moment for moment in commits if moment > acceptance) - acceptance)
                # Of which: until the job's next statement or commit (the reply's way back, the client's return).
                replies.append(min(moment for moment in statements + commits if moment > acceptance) - acceptance)
            db.session.commit()
            results[label] = (statistics.median(windows), statistics.median(durations), max(windows), statistics.median(replies))
        db.engine.dispose()
    server.stdin.close()
    server.wait(timeout=10)

    print(f"{options.mails} mails each, {database_url.split(':')[0]}; medians in milliseconds")
    print(f"{'':42} {'window':>8} {'of it: reply':>13} {'per mail':>9} {'max window':>11} {'P(dup) 1 thread':>16} {'4 threads':>10}")
    for label, (window, per_mail, widest, reply) in results.items():
        share = window / per_mail
        print(f"{label:42} {window * 1000:8.2f} {reply * 1000:13.2f} {per_mail * 1000:9.2f} {widest * 1000:11.2f} {share:16.2%} {min(1, 4 * share):10.2%}")
    before, now = results.values()
    print(f"window now / before: {now[0] / before[0]:.2f}")


if __name__ == "__main__":
    main()
