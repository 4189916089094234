"""A loopback TCP port that never completes new connections, for real connect timeouts.

The listen backlog is 0 and filled by our own pending connections, so the kernel drops further SYNs
(tcp_abort_on_overflow=0): a client's connect() hangs until its own timeout. Prints the port, then
holds everything open until stdin closes.
"""
import socket
import sys
import time

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(0)
port = listener.getsockname()[1]
fillers = []
for _ in range(4):
    filler = socket.socket()
    filler.setblocking(False)
    try:
        filler.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(filler)
# Let the handshakes of the fillers land in the accept queue before announcing the port.
time.sleep(0.1)
print(port, flush=True)
sys.stdin.read()
