#!/usr/bin/env python3
"""A TCP proxy on loopback that can stall (standard library only), for scripts/chaos.

  stall_proxy.py --target-port P --port-file F --stall-file S

Listens on 127.0.0.1 (a free port, written to --port-file once listening) and forwards every
connection to 127.0.0.1:TARGET. While the file S exists, nothing is forwarded in either direction:
bytes wait in the proxy (a Redis that has become slow, not one that is down). When S disappears,
the waiting bytes flow again, in order. Stops on SIGTERM.
"""

import argparse
import asyncio
import os
import signal
import sys


async def pump(reader, writer, stall_file):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            while os.path.exists(stall_file):
                await asyncio.sleep(0.02)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--stall-file", required=True)
    args = parser.parse_args()

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", args.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, server_writer, args.stall_file),
            pump(server_reader, client_writer, args.stall_file),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
