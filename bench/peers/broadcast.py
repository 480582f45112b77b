"""The floor the fan-out benchmarks compare Staffroom with: a room broadcast server written with `websockets` alone.

    python bench/peers/broadcast.py --port 8765

No database, no authentication, no permissions, no history: clients join rooms and a sent message is
serialised once and written to every member's socket with `websockets.broadcast`. Frames have the shape and
size of Staffroom's `message.new` (the same fields, a comparable author and an HTML rendering of the body), and
compression is `websockets`' default (permessage-deflate), as for Staffroom's sockets, so what differs is the
work a real chat server does, not the bytes on the wire.

Protocol (JSON text frames):
  -> {"type": "join", "person": 12, "rooms": [3]}      the first frame of a receiving socket
  <- {"type": "hello", "seq": 0}
  -> {"type": "send", "room": 3, "author": 12, "body": "...", "client_id": "..."}   on a sending socket
  <- {"type": "sent", "client_id": "...", "id": 41}     to the sender, after the broadcast was written
  <- {"type": "message.new", "seq": n, "message": {...}} to every member of the room (seq counts per room)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import html
import itertools
import json
import signal
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve

rooms: dict[int, set[ServerConnection]] = {}
room_seq: dict[int, int] = {}
message_ids = itertools.count(1)


def message_frame(room: int, author: int, body: str, client_id: str) -> tuple[int, str]:
    room_seq[room] = seq = room_seq.get(room, 0) + 1
    message_id = next(message_ids)
    message: dict[str, Any] = {
        "id": message_id,
        "conversation_id": room,
        "author": {
            "id": author,
            "name": f"Bench person {author}",
            "handle": f"bench-person-{author}",
            "roles": ["teacher"],
            "school": "Bench school",
            "school_id": 1,
            "external": False,
            "active": True,
        },
        "body": body,
        "html": f"<p>{html.escape(body)}</p>",
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "edited_at": None,
        "deleted": False,
        "reply_to": None,
        "client_id": client_id or None,
        "mentions": [],
        "attachments": [],
        "reactions": [],
        "acknowledgements": None,
    }
    return message_id, json.dumps({"type": "message.new", "seq": seq, "message": message}, separators=(",", ":"))


async def handler(ws: ServerConnection) -> None:
    joined: list[int] = []
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "send":
                room = int(frame["room"])
                message_id, text = message_frame(room, int(frame["author"]), str(frame["body"]), frame["client_id"])
                broadcast(rooms.get(room, ()), text)  # serialised once, written to every member
                await ws.send(json.dumps({"type": "sent", "client_id": frame["client_id"], "id": message_id}))
            elif kind == "join":
                for room in frame["rooms"]:
                    rooms.setdefault(int(room), set()).add(ws)
                    joined.append(int(room))
                await ws.send(json.dumps({"type": "hello", "seq": 0}))
    finally:
        for room in joined:
            rooms[room].discard(ws)


async def main(host: str, port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    # The limits of Staffroom's uvicorn: 16 MiB frames, a ping every 20 s (also websockets' default).
    async with serve(handler, host, port, max_size=16 * 1024 * 1024, ping_interval=20, ping_timeout=20):
        print(f"broadcast peer serving on ws://{host}:{port}/", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
