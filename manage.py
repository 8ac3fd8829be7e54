#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reactivate.settings")
    from reactivate import localdb

    try:
        # Without DATABASE_URL (and in development only): the local server under var/postgres.
        localdb.export_database_url()
    except localdb.LocalDatabaseError as error:
        sys.exit(str(error))

    from django.core.management import execute_from_command_line
    from django.db import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError:
        # A database that does not answer gets one line saying so, not a traceback; any
        # other database error is raised as it is.
        try:
            localdb.check_answers(os.environ.get("DATABASE_URL", ""))
        except localdb.LocalDatabaseError as error:
            sys.exit(str(error))
        raise


if __name__ == "__main__":
    main()
