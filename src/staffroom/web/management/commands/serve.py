"""`staffroom serve`: run the ASGI server (HTTP and WebSocket) on one port."""

import errno
import os
import socket
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Staffroom (web, API and WebSocket) with uvicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        import uvicorn

        probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                self.stderr.write(
                    f"Port {port} on {host} is already in use by another program.\n"
                    f"Stop that program, or choose another port, for example: PORT={port + 1} make run"
                )
            else:
                self.stderr.write(f"Cannot listen on {host}:{port}: {exc.strerror}.")
            sys.exit(1)
        finally:
            probe.close()
        if settings.STAFFROOM_IN_PROCESS_WORKER:
            from staffroom.worker import schedule

            schedule.start_in_process()
        self.stdout.write(f"Staffroom is serving on http://{host}:{port}/  (Ctrl+C to stop)")
        self.stdout.flush()
        uvicorn.run(
            "staffroom.asgi:application",
            host=host,
            port=port,
            log_config=None,
            lifespan="off",
            proxy_headers=False,
            server_header=False,
            # Compression runs once per socket per event (each socket has its own context): a 1,000-member
            # channel would compress every message 1,000 times. Off unless bandwidth matters more than CPU.
            ws_per_message_deflate=settings.STAFFROOM_WS_COMPRESSION,
            ws_max_size=64 * 1024,  # client frames are tiny (docs/realtime.md)
        )
