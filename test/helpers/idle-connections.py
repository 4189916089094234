"""Opens COUNT TCP connections to HOST:PORT and sends nothing on them, for the idle-connection flood test.

Runs in its own process so the test process (which hosts the proxy) only pays for the accepted side.
Prints "open N" once every connection is established and accepted by the server, then:
  hold          keeps them open until stdin closes, then exits (closing all of them at once);
  until-closed  reads each connection until the server closes it, then prints "closed N REPLIES" where
                REPLIES counts connections whose bytes started with the given reply prefix, and exits.
Usage: idle-connections.py HOST PORT COUNT hold|until-closed [REPLY_PREFIX]
"""
import socket
import sys

# The listen backlog (Node's default is 511) holds connections the server has not accepted yet; a client faster than
# that queue drains has its SYNs dropped and retried a second or more later. So connections are opened in batches
# smaller than the backlog, each followed by a probe: the accept queue is first in, first out, so once the server
# has answered the probe it has accepted the whole batch before it.
BATCH = 256
PROBE = b"PROBE\r\n\r\n"  # not HTTP: the proxy answers 400 and closes


def probe(host: str, port: int) -> None:
    with socket.create_connection((host, port), timeout=20) as connection:
        connection.sendall(PROBE)
        while connection.recv(4096):
            pass


def main() -> None:
    host, port, count, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prefix = sys.argv[5].encode() if len(sys.argv) > 5 else b""
    connections = []
    for index in range(count):
        connections.append(socket.create_connection((host, port), timeout=20))
        if (index + 1) % BATCH == 0 or index + 1 == count:
            probe(host, port)
    print(f"open {len(connections)}", flush=True)
    if mode == "hold":
        sys.stdin.read()
        return
    closed = 0
    replies = 0
    for connection in connections:
        received = b""
        try:
            while True:
                data = connection.recv(4096)
                if not data:
                    break
                received += data
        except OSError:
            pass  # a reset counts as closed too
        closed += 1
        if prefix and received.startswith(prefix):
            replies += 1
    print(f"closed {closed} {replies}", flush=True)


if __name__ == "__main__":
    main()
